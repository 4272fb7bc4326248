import CCurl
import Foundation
import HTTPTypes

/// libcurl's side of one exchange: the easy handle, its options and callbacks.
///
/// Confined to the engine thread: created, driven and destroyed there only.
final class CurlEasyTransfer {
    let transfer: CurlTransfer
    let handle: UnsafeMutableRawPointer
    /// When bytes last arrived (or the transfer started or resumed), for the idle timeout.
    var lastActivity: ContinuousClock.Instant
    /// Whether the write callback paused the transfer because the consumer is behind.
    var isPaused = false
    /// Whether pausing is safe: libcurl's HTTP/2 pause and unpause has stalled streams in several releases
    /// (curl issues 9180, 10988), so HTTP/2 responses keep buffering instead of pausing.
    private var mayPause = true
    private(set) var isHeadComplete = false

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var statusCode = 0
    private var reasonPhrase = ""
    private var fields: [(name: String, value: String)] = []
    private var protocolError: String?

    private static let errorBufferSize = Int(CURL_ERROR_SIZE)
    /// Content codings that libcurl decodes when CURLOPT_ACCEPT_ENCODING is set.
    private static let decodedEncodings: Set<String> = ["gzip", "x-gzip", "deflate", "br", "zstd"]

    init(transfer: CurlTransfer, share: UnsafeMutableRawPointer?) throws(HTTPClientError) {
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(
                code: .transport,
                message: "libcurl could not create a transfer for \(transfer.plan.endpoint); the process may be "
                    + "out of memory"
            )
        }
        self.transfer = transfer
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Self.errorBufferSize)
        self.errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
        self.lastActivity = .now
        try configure(share: share)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    // MARK: Options

    private func check(_ code: CURLcode, _ option: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            throw HTTPClientError(
                code: .invalidRequest,
                message: "libcurl rejected \(option) for \(transfer.plan.endpoint): \(text); "
                    + "check the client configuration (this libcurl may be too old for the feature)",
                endpoint: transfer.plan.endpoint,
                detail: "curl error \(code.rawValue): \(text)"
            )
        }
    }

    private func set(_ option: CURLoption, _ value: Int, _ name: String) throws(HTTPClientError) {
        try check(kaito_curl_setopt_long(handle, option, value), name)
    }

    private func set(_ option: CURLoption, _ value: String?, _ name: String) throws(HTTPClientError) {
        let code: CURLcode
        if let value {
            code = value.withCString { kaito_curl_setopt_string(handle, option, $0) }
        } else {
            code = kaito_curl_setopt_string(handle, option, nil)
        }
        try check(code, name)
    }

    private func set(_ option: CURLoption, blob: Data, _ name: String) throws(HTTPClientError) {
        let code = blob.withUnsafeBytes { bytes in
            kaito_curl_setopt_blob_copy(handle, option, bytes.baseAddress, bytes.count)
        }
        try check(code, name)
    }

    private func configure(share: UnsafeMutableRawPointer?) throws(HTTPClientError) {
        let plan = transfer.plan
        try set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try check(kaito_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try set(CURLOPT_URL, plan.url, "the URL")
        try set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1, "CURLOPT_SUPPRESS_CONNECT_HEADERS")
        try set(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        let version = plan.preferHTTP2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1
        try set(CURLOPT_HTTP_VERSION, Int(version), "CURLOPT_HTTP_VERSION")
        if plan.acceptCompressed {
            // "" asks for every coding this libcurl can decode and decodes the body transparently.
            try set(CURLOPT_ACCEPT_ENCODING, "", "CURLOPT_ACCEPT_ENCODING")
        }
        if let share {
            try check(kaito_curl_setopt_share(handle, share), "CURLOPT_SHARE")
        }

        for line in plan.headerLines {
            headerList = curl_slist_append(headerList, line)
        }
        if headerList != nil {
            try check(kaito_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "the request headers")
        }

        switch plan.method {
        case .get:
            try set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case .head:
            try set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case .custom(let method):
            try set(CURLOPT_CUSTOMREQUEST, method, "the request method")
        case .withBody(let data, let customMethod):
            // The size must be set before COPYPOSTFIELDS, which then copies exactly that many bytes.
            try check(
                kaito_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(data.count)),
                "CURLOPT_POSTFIELDSIZE_LARGE"
            )
            let code: CURLcode = data.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress, bytes.count > 0 {
                    return kaito_curl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                }
                return "".withCString { kaito_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0) }
            }
            try check(code, "the request body")
            if let customMethod {
                try set(CURLOPT_CUSTOMREQUEST, customMethod, "the request method")
            }
        }

        if let connect = plan.connectTimeout {
            try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connect), "CURLOPT_CONNECTTIMEOUT_MS")
        }
        if let total = plan.totalTimeout {
            try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(total), "CURLOPT_TIMEOUT_MS")
        }

        // An explicit (possibly empty) proxy and no-proxy list: libcurl must never fall back to reading
        // the process environment on its own.
        try set(CURLOPT_PROXY, plan.proxy ?? "", "the proxy URL")
        try set(CURLOPT_NOPROXY, plan.noProxy, "the no-proxy list")

        if let connectTo = plan.connectTo {
            connectToList = curl_slist_append(nil, connectTo)
            try check(kaito_curl_setopt_slist(handle, CURLOPT_CONNECT_TO, connectToList), "the TLS server name")
        }

        try configureTLS(plan.tls)

        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(kaito_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        try check(
            kaito_curl_setopt_header_function(handle) { data, size, count, context in
                guard let context else {
                    return 0
                }
                let easy = Unmanaged<CurlEasyTransfer>.fromOpaque(context).takeUnretainedValue()
                return easy.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            },
            "CURLOPT_HEADERFUNCTION"
        )
        try check(kaito_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        try check(
            kaito_curl_setopt_write_function(handle) { data, size, count, context in
                guard let context else {
                    return 0
                }
                let easy = Unmanaged<CurlEasyTransfer>.fromOpaque(context).takeUnretainedValue()
                return easy.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            },
            "CURLOPT_WRITEFUNCTION"
        )
    }

    private func configureTLS(_ tls: HTTPClientConfiguration.TLSConfiguration) throws(HTTPClientError) {
        switch tls.trustRoots {
        case .system:
            break
        case .pem(let data):
            try set(CURLOPT_CAINFO_BLOB, blob: data, "certificate-authority-data")
            try set(CURLOPT_CAPATH, nil as String?, "CURLOPT_CAPATH")
        case .file(let path):
            try set(CURLOPT_CAINFO, path, "certificate-authority")
            try set(CURLOPT_CAPATH, nil as String?, "CURLOPT_CAPATH")
        }
        if let identity = tls.clientIdentity {
            switch identity.certificate {
            case .pem(let data):
                try set(CURLOPT_SSLCERT_BLOB, blob: data, "client-certificate-data")
            case .file(let path):
                try set(CURLOPT_SSLCERT, path, "client-certificate")
            }
            try set(CURLOPT_SSLCERTTYPE, "PEM", "CURLOPT_SSLCERTTYPE")
            switch identity.privateKey {
            case .pem(let data):
                try set(CURLOPT_SSLKEY_BLOB, blob: data, "client-key-data")
            case .file(let path):
                try set(CURLOPT_SSLKEY, path, "client-key")
            }
            try set(CURLOPT_SSLKEYTYPE, "PEM", "CURLOPT_SSLKEYTYPE")
        }
        if tls.insecureSkipVerify {
            try set(CURLOPT_SSL_VERIFYPEER, 0, "CURLOPT_SSL_VERIFYPEER")
            try set(CURLOPT_SSL_VERIFYHOST, 0, "CURLOPT_SSL_VERIFYHOST")
        } else {
            try set(CURLOPT_SSL_VERIFYPEER, 1, "CURLOPT_SSL_VERIFYPEER")
            try set(CURLOPT_SSL_VERIFYHOST, 2, "CURLOPT_SSL_VERIFYHOST")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, min(total, Int64(Int32.max))))
    }

    // MARK: Callbacks

    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        if isHeadComplete {
            // Trailers after a chunked body: not part of the head the caller already has.
            return bytes.count
        }
        var line = Substring(decoding: bytes, as: UTF8.self)
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" {
            line = line.dropLast()
        }
        if line.isEmpty {
            if statusCode >= 200 {
                completeHead()
            } else {
                // The end of an interim (1xx) response: the real one follows.
                statusCode = 0
                fields = []
            }
            return bytes.count
        }
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let code = Int(parts[1]), (100...999).contains(code) else {
                protocolError = "the status line '\(line.prefix(80))' is not valid HTTP"
                return 0
            }
            statusCode = code
            reasonPhrase = parts.count > 2 ? String(parts[2]) : ""
            fields = []
            return bytes.count
        }
        if let first = line.first, first == " " || first == "\t", let last = fields.popLast() {
            // Obsolete line folding: a continuation of the previous field's value.
            fields.append((last.name, last.value + " " + line.trimmingCharacters(in: .whitespaces)))
            return bytes.count
        }
        guard let colon = line.firstIndex(of: ":") else {
            return bytes.count
        }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        fields.append((name, value))
        return bytes.count
    }

    private func completeHead() {
        isHeadComplete = true
        var version = 0
        if kaito_curl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version) == CURLE_OK,
            version >= Int(CURL_HTTP_VERSION_2_0)
        {
            mayPause = false
        }
        var headerFields = HTTPFields()
        var decoded = false
        if transfer.plan.acceptCompressed {
            let codings = fields.filter { $0.name.lowercased() == "content-encoding" }
                .flatMap { $0.value.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty && $0 != "identity" }
            decoded = !codings.isEmpty && codings.allSatisfy(Self.decodedEncodings.contains)
        }
        for (name, value) in fields {
            guard let fieldName = HTTPField.Name(name) else {
                continue
            }
            if decoded && (fieldName == .contentEncoding || fieldName == .contentLength) {
                continue
            }
            headerFields.append(HTTPField(name: fieldName, value: value))
        }
        let response = HTTPResponse(
            status: HTTPResponse.Status(code: statusCode, reasonPhrase: reasonPhrase),
            headerFields: headerFields
        )
        transfer.deliverHead(response)
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        switch transfer.deliverChunk(bytes, mayPause: mayPause) {
        case .accepted:
            return bytes.count
        case .pause:
            isPaused = true
            return kaito_curl_write_pause()
        case .abort:
            return 0
        }
    }

    // MARK: Outcome

    /// Resumes reading after the consumer caught up.
    func unpause() {
        guard isPaused else {
            return
        }
        isPaused = false
        lastActivity = .now
        _ = kaito_curl_unpause(handle)
    }

    /// The error for a finished transfer's result code, or `nil` on success.
    func outcome(for code: CURLcode) -> HTTPClientError? {
        let plan = transfer.plan
        if code == CURLE_OK {
            if !isHeadComplete {
                var status = 0
                _ = kaito_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                guard (100...999).contains(status) else {
                    return HTTPClientError(
                        code: .transport,
                        message: "\(plan.endpoint) sent no HTTP response head; check that the URL points at an "
                            + "HTTP server",
                        endpoint: plan.endpoint
                    )
                }
                statusCode = status
                completeHead()
            }
            return nil
        }
        if let protocolError, code == CURLE_WRITE_ERROR {
            return HTTPClientError(
                code: .transport,
                message: "\(plan.endpoint) sent an invalid response: \(protocolError); check that the URL points "
                    + "at an HTTP server",
                endpoint: plan.endpoint
            )
        }
        var text = String(cString: errorBuffer)
        if text.isEmpty {
            text = String(cString: curl_easy_strerror(code))
        }
        var connectTime: curl_off_t = 0
        _ = kaito_curl_getinfo_offset(handle, CURLINFO_CONNECT_TIME_T, &connectTime)
        return CurlErrorMapping.error(
            .init(code: code, text: text, plan: plan, isConnected: connectTime > 0, isHeadReceived: isHeadComplete)
        )
    }

    /// The error for a stream that stayed silent longer than its idle timeout.
    func idleTimeoutError(_ idle: Duration) -> HTTPClientError {
        let endpoint = transfer.plan.endpoint
        let what = isHeadComplete ? "the stream from \(endpoint)" : "\(endpoint)"
        return HTTPClientError(
            code: .timedOut,
            message: "\(what) sent nothing for \(CurlErrorMapping.describe(idle)) (idle timeout); the server may "
                + "be stuck or the connection silently dropped: retry, or raise the idle timeout",
            endpoint: endpoint
        )
    }
}

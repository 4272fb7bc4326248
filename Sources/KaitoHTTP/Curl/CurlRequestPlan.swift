import Foundation
import HTTPTypes

/// Everything libcurl needs for one exchange, resolved on the caller's thread so that configuration
/// mistakes surface as ``HTTPClientError/Code/invalidRequest`` before anything is sent.
struct CurlRequestPlan: Sendable {
    enum MethodSetup: Sendable, Equatable {
        /// A GET without a body.
        case get
        /// A HEAD: no response body is read.
        case head
        /// A method without a body other than GET or HEAD.
        case custom(String)
        /// A method with a body; `customMethod` is nil for POST.
        case withBody(Data, customMethod: String?)
    }

    var url: String
    var method: MethodSetup
    /// Header lines in curl's syntax: `Name: value`, `Name;` for an empty value, `Name:` to suppress one.
    var headerLines: [String]
    /// The server as users know it, `host:port`, for messages.
    var endpoint: String
    var proxy: String?
    var noProxy: String
    /// The proxy without credentials, for messages.
    var proxyDisplay: String?
    /// The proxy's `host` and `port`, to tell proxy connection failures from server ones.
    var proxyHostPort: (host: String, port: Int)?
    /// A CURLOPT_CONNECT_TO entry when the TLS server name differs from the host connected to.
    var connectTo: String?
    var tls: HTTPClientConfiguration.TLSConfiguration
    var isHTTPS: Bool
    var preferHTTP2: Bool
    var acceptCompressed: Bool
    var connectTimeout: Duration?
    var totalTimeout: Duration?
    var idleTimeout: Duration?
    var isStreaming: Bool
    var maxBufferedBodyBytes: Int

    /// Headers that libcurl sets itself or that are connection-specific and must not be forwarded.
    private static let managedHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade", "te",
    ]

    init(
        request: HTTPRequest,
        body: HTTPRequestBody?,
        options: HTTPRequestOptions,
        configuration: HTTPClientConfiguration
    ) throws(HTTPClientError) {
        guard let scheme = request.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw HTTPClientError(
                code: .invalidRequest,
                message: "the request has scheme \(request.scheme.map { "'\($0)'" } ?? "none"); "
                    + "use an http:// or https:// server URL"
            )
        }
        guard let authority = request.authority, !authority.isEmpty else {
            throw HTTPClientError(
                code: .invalidRequest,
                message: "the request has no host; set the server URL (for example https://127.0.0.1:6443)"
            )
        }
        let defaultPort = scheme == "https" ? 443 : 80
        guard let (host, port) = Self.splitAuthority(authority, defaultPort: defaultPort) else {
            throw HTTPClientError(
                code: .invalidRequest,
                message: "the server address '\(authority)' is not host:port; fix the server URL"
            )
        }
        let bracketedHost = host.contains(":") ? "[\(host)]" : host
        endpoint = "\(bracketedHost):\(port)"
        var path = request.path ?? "/"
        if path.isEmpty {
            path = "/"
        }
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
            throw HTTPClientError(
                code: .invalidRequest,
                message: "the request path for \(endpoint) must start with '/' and contain no spaces; "
                    + "percent-encode it",
                endpoint: endpoint
            )
        }
        isHTTPS = scheme == "https"
        tls = configuration.tls

        var lines: [String] = []
        var hasHost = false
        var hasContentType = false
        for field in request.headerFields {
            let name = field.name.canonicalName
            if Self.managedHeaders.contains(name) {
                continue
            }
            if name == "host" {
                hasHost = true
            }
            if name == "content-type" {
                hasContentType = true
            }
            lines.append(field.value.isEmpty ? "\(field.name.rawName);" : "\(field.name.rawName): \(field.value)")
        }

        if isHTTPS, let serverName = configuration.tls.serverName, !serverName.isEmpty,
            serverName.lowercased() != host.lowercased()
        {
            // Verify (and send SNI) as `serverName`, but connect to the URL's host and keep its Host header,
            // like the kubeconfig `tls-server-name` field.
            let nameInURL = serverName.contains(":") ? "[\(serverName)]" : serverName
            url = "\(scheme)://\(nameInURL):\(port)\(path)"
            connectTo = "\(nameInURL):\(port):\(bracketedHost):\(port)"
            if !hasHost {
                lines.append("Host: \(authority)")
            }
        } else {
            url = "\(scheme)://\(bracketedHost):\(port)\(path)"
            connectTo = nil
        }

        let methodName = request.method.rawValue
        switch (request.method, body) {
        case (.get, nil):
            method = .get
        case (.head, _):
            method = .head
        case (_, .some(let body)):
            method = .withBody(body.data, customMethod: request.method == .post ? nil : methodName)
        case (.post, nil), (.put, nil), (.patch, nil):
            method = .withBody(Data(), customMethod: request.method == .post ? nil : methodName)
        default:
            method = .custom(methodName)
        }
        if case .withBody = method {
            // No `Expect: 100-continue` round trip, and no form content type unless the caller set one.
            lines.append("Expect:")
            if !hasContentType {
                lines.append("Content-Type:")
            }
        }
        headerLines = lines

        let resolved = configuration.proxy.resolved(forScheme: scheme)
        proxy = resolved.proxy
        noProxy = resolved.noProxy
        if let proxy = resolved.proxy {
            let parsed = Self.describeProxy(proxy)
            proxyDisplay = parsed.display
            proxyHostPort = parsed.hostPort
        } else {
            proxyDisplay = nil
            proxyHostPort = nil
        }

        preferHTTP2 = configuration.preferHTTP2
        acceptCompressed = configuration.acceptCompressed
        connectTimeout = configuration.timeouts.connect
        isStreaming = options.isStreaming
        totalTimeout = options.isStreaming ? nil : (options.totalTimeout ?? configuration.timeouts.total)
        idleTimeout = options.isStreaming ? (options.idleTimeout ?? configuration.timeouts.idle) : nil
        maxBufferedBodyBytes = configuration.maxBufferedBodyBytes
    }

    /// Splits `host[:port]` or `[v6]:port`; nil when the port is not a number in range.
    static func splitAuthority(_ authority: String, defaultPort: Int) -> (String, Int)? {
        var rest = Substring(authority)
        if let at = rest.lastIndex(of: "@") {
            rest = rest[rest.index(after: at)...]
        }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                return nil
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            return nil
        }
        guard let portText else {
            return (String(host), defaultPort)
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return nil
        }
        return (String(host), port)
    }

    /// The proxy URL without credentials, and its host and port.
    static func describeProxy(_ proxy: String) -> (display: String, hostPort: (host: String, port: Int)?) {
        let withScheme = proxy.contains("://") ? proxy : "http://\(proxy)"
        guard var components = URLComponents(string: withScheme), let host = components.host else {
            return ("the configured proxy", nil)
        }
        components.user = nil
        components.password = nil
        components.path = ""
        components.query = nil
        // libcurl's default proxy port is 1080, except 443 for an https proxy.
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 1080)
        return (components.string ?? "the configured proxy", (host.trimmingCharacters(in: ["[", "]"]), port))
    }
}

public import HTTPTypes

/// A transport that reports each exchange as a line of text, for `--verbose` output and debugging.
///
/// Secrets never reach the log: values of credential headers (`Authorization`, `Proxy-Authorization`,
/// cookies, API keys) and of credential-like query parameters (`sig`, `token`, …) are replaced by
/// `<redacted>`, and bodies are not logged.
///
/// ```swift
/// let transport = LoggingTransport(wrapping: try CurlTransport(), includeHeaders: true) { line in
///     FileHandle.standardError.write(Data((line + "\n").utf8))
/// }
/// ```
public struct LoggingTransport: HTTPTransport {
    private let base: any HTTPTransport
    private let includeHeaders: Bool
    private let log: @Sendable (String) -> Void

    /// Wraps a transport.
    ///
    /// - Parameters:
    ///   - base: The transport that sends the requests.
    ///   - includeHeaders: Whether to log request and response header fields (redacted) as well.
    ///   - log: Receives one line per event: the request, then the response head or the failure.
    public init(
        wrapping base: any HTTPTransport,
        includeHeaders: Bool = false,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.base = base
        self.includeHeaders = includeHeaders
        self.log = log
    }

    /// Sends the request through the wrapped transport, logging it and its outcome.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - body: The body, whose size only is logged.
    ///   - options: Passed through unchanged.
    /// - Returns: The wrapped transport's response.
    /// - Throws: The wrapped transport's error, unchanged.
    public func send(
        _ request: HTTPRequest,
        body: HTTPRequestBody?,
        options: HTTPRequestOptions
    ) async throws -> HTTPResponseStream {
        let target = "\(request.method.rawValue) \(HTTPRedaction.url(of: request))"
        log("-> \(target)\(body.map { " (\($0.count) bytes)" } ?? "")")
        if includeHeaders {
            for line in HTTPRedaction.headerLines(request.headerFields) {
                log("   \(line)")
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let stream = try await base.send(request, body: body, options: options)
            let elapsed = CurlErrorMapping.describe(clock.now - start)
            log("<- \(stream.response.status.code) \(stream.response.status.reasonPhrase) \(target) in \(elapsed)")
            if includeHeaders {
                for line in HTTPRedaction.headerLines(stream.response.headerFields) {
                    log("   \(line)")
                }
            }
            return stream
        } catch {
            log("!! \(target): \(error)")
            throw error
        }
    }
}

/// Redaction of secrets from requests and responses before they are shown or logged.
public enum HTTPRedaction {
    /// Header fields whose values are credentials.
    public static let sensitiveHeaderNames: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
        "x-ms-authorization-auxiliary", "x-auth-token", "x-csrf-token",
    ]

    /// Query parameters whose values are credentials (Azure SAS signatures, OAuth tokens and codes).
    public static let sensitiveQueryNames: Set<String> = [
        "sig", "signature", "token", "access_token", "id_token", "refresh_token", "code", "client_secret",
        "password", "key", "api-key", "apikey",
    ]

    /// The placeholder that replaces a secret.
    public static let placeholder = "<redacted>"

    /// Header fields as `Name: value` lines, with credential values replaced by ``placeholder``.
    ///
    /// - Parameter fields: The header fields.
    /// - Returns: One line per field, in order.
    public static func headerLines(_ fields: HTTPFields) -> [String] {
        fields.map { field in
            let value = sensitiveHeaderNames.contains(field.name.canonicalName) ? placeholder : field.value
            return "\(field.name.rawName): \(value)"
        }
    }

    /// The request's URL, with credential-like query values replaced by ``placeholder``.
    ///
    /// - Parameter request: The request.
    /// - Returns: `scheme://authority/path?query`, redacted.
    public static func url(of request: HTTPRequest) -> String {
        let scheme = request.scheme ?? "http"
        var authority = request.authority ?? ""
        if let at = authority.lastIndex(of: "@") {
            authority = placeholder + authority[at...]
        }
        return "\(scheme)://\(authority)\(path(request.path ?? "/"))"
    }

    /// A path with query, with credential-like query values replaced by ``placeholder``.
    ///
    /// - Parameter path: The path, optionally followed by `?` and a query.
    /// - Returns: The same path with secrets removed.
    public static func path(_ path: String) -> String {
        guard let question = path.firstIndex(of: "?") else {
            return path
        }
        let query = path[path.index(after: question)...]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else {
                return String(parameter)
            }
            let name = parameter[..<equals].lowercased()
            return sensitiveQueryNames.contains(name) ? "\(parameter[..<equals])=\(placeholder)" : String(parameter)
        }
        return "\(path[..<question])?\(parameters.joined(separator: "&"))"
    }
}

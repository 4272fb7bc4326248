/// A failed HTTP exchange: what went wrong, with which server, and what to do about it.
///
/// The ``message`` is written for the person running the command. It names the server as `host:port`
/// (and the proxy when one was in use, without credentials), says what to change, and keeps the
/// transport's own diagnostic (``detail``). It never contains header values, tokens or key material.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for code that reacts to it (retry, re-authenticate, report).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, such as `tlsFailed`.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The server could not be reached: name resolution failed, the connection was refused or timed out.
        public static let connectFailed = Code("connectFailed")
        /// The TLS handshake failed: untrusted or mismatched server certificate, or a client certificate problem.
        public static let tlsFailed = Code("tlsFailed")
        /// The request or stream exceeded its total or idle timeout after connecting.
        public static let timedOut = Code("timedOut")
        /// The caller cancelled the request or stopped reading the response.
        public static let cancelled = Code("cancelled")
        /// The proxy could not be reached or refused to forward the request.
        public static let proxyFailed = Code("proxyFailed")
        /// The request itself is unusable (no scheme or host, unsupported scheme, bad configuration).
        public static let invalidRequest = Code("invalidRequest")
        /// The connection broke or the server sent something the client could not understand.
        public static let transport = Code("transport")

        /// The code's name.
        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// The complete, actionable message shown to users.
    public let message: String
    /// The server the request was for, as `host:port`, when known.
    public let endpoint: String?
    /// The transport's own diagnostic, such as curl's error text, when there is one.
    public let detail: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What failed, with which server, and what to do next.
    ///   - endpoint: The server as `host:port`, when known.
    ///   - detail: The transport's own diagnostic, when there is one.
    public init(code: Code, message: String, endpoint: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.detail = detail
    }

    /// The message.
    public var description: String { message }
}

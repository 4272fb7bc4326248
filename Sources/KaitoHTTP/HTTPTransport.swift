public import Foundation
public import HTTPTypes

/// The one way bytes leave the process: send a request, get a response whose body can stream.
///
/// Authentication, retries, rate limiting and logging are layers that wrap a transport; tests can
/// substitute one that records or fakes exchanges. Implementations must return as soon as the
/// response head has arrived, before the body ends, so that watches and chat streams can be consumed
/// while they run.
public protocol HTTPTransport: Sendable {
    /// Sends a request and returns once the response head has arrived.
    ///
    /// The request's `scheme` and `authority` select the server; its `path` includes any query.
    /// Cancelling the calling task cancels the exchange.
    ///
    /// - Parameters:
    ///   - request: Method, URL parts and header fields.
    ///   - body: The bytes to send, or `nil` for none.
    ///   - options: Per-request behaviour such as streaming and timeouts.
    /// - Returns: The response head and its body, which arrives as the consumer reads it.
    /// - Throws: ``HTTPClientError`` when no response head could be obtained.
    func send(
        _ request: HTTPRequest,
        body: HTTPRequestBody?,
        options: HTTPRequestOptions
    ) async throws -> HTTPResponseStream
}

extension HTTPTransport {
    /// Sends a request with default options and returns once the response head has arrived.
    ///
    /// - Parameters:
    ///   - request: Method, URL parts and header fields.
    ///   - body: The bytes to send, or `nil` for none.
    /// - Returns: The response head and its streaming body.
    /// - Throws: ``HTTPClientError`` when no response head could be obtained.
    public func send(_ request: HTTPRequest, body: HTTPRequestBody? = nil) async throws -> HTTPResponseStream {
        try await send(request, body: body, options: HTTPRequestOptions())
    }
}

/// The bytes of a request body.
public struct HTTPRequestBody: Sendable, Equatable {
    /// The bytes sent.
    public var data: Data

    /// Creates a body from bytes.
    ///
    /// - Parameter data: The bytes to send.
    public init(_ data: Data) {
        self.data = data
    }

    /// Creates a body from a sequence of bytes.
    ///
    /// - Parameter bytes: The bytes to send.
    public init(bytes: some Sequence<UInt8>) {
        self.data = Data(bytes)
    }

    /// Creates a body from the UTF-8 encoding of a string.
    ///
    /// - Parameter string: The text to send.
    public init(string: String) {
        self.data = Data(string.utf8)
    }

    /// The number of bytes in the body.
    public var count: Int { data.count }
}

/// Per-request behaviour that differs between ordinary calls and long-lived streams.
public struct HTTPRequestOptions: Sendable, Equatable {
    /// Whether the response is a long-lived stream (a watch, a chat completion stream).
    ///
    /// Streams are exempt from the total timeout and instead fail when no byte arrives for the idle timeout.
    public var isStreaming: Bool
    /// Replaces the configuration's total timeout for this request; ignored for streams.
    public var totalTimeout: Duration?
    /// Replaces the configuration's idle timeout for this request; applies to streams only.
    public var idleTimeout: Duration?

    /// Creates options.
    ///
    /// - Parameters:
    ///   - isStreaming: Whether the response is a long-lived stream.
    ///   - totalTimeout: A total timeout for this request instead of the configured one.
    ///   - idleTimeout: An idle timeout for this stream instead of the configured one.
    public init(isStreaming: Bool = false, totalTimeout: Duration? = nil, idleTimeout: Duration? = nil) {
        self.isStreaming = isStreaming
        self.totalTimeout = totalTimeout
        self.idleTimeout = idleTimeout
    }

    /// Options for an ordinary request: the total timeout applies.
    public static var standard: HTTPRequestOptions { HTTPRequestOptions() }

    /// Options for a long-lived stream: no total timeout, the idle timeout applies.
    public static var streaming: HTTPRequestOptions { HTTPRequestOptions(isStreaming: true) }
}

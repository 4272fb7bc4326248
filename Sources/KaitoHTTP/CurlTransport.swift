public import HTTPTypes

/// An ``HTTPTransport`` built on libcurl: custom CAs, client certificates, proxies, HTTP/2,
/// compressed and streaming responses, prompt cancellation and connection reuse.
///
/// Each transport runs its transfers on one background thread that drives a libcurl multi handle, so
/// connections (and TLS sessions) are reused across requests made through the same transport. Create
/// one transport per configuration and share it; the thread starts with the first request and ends
/// once the transport is released and its last response has completed.
///
/// ```swift
/// let transport = try CurlTransport(configuration: HTTPClientConfiguration(
///     tls: .init(trustRoots: .pem(caBytes))
/// ))
/// let request = HTTPRequest(method: .get, scheme: "https", authority: "127.0.0.1:6443", path: "/version")
/// let response = try await transport.send(request)
/// let body = try await response.collect(upTo: 1 << 20)
/// ```
///
/// Response bodies are buffered up to ``HTTPClientConfiguration/maxBufferedBodyBytes`` per response;
/// beyond that, reading from the network pauses until the consumer catches up (HTTP/1.1 only: HTTP/2
/// responses keep buffering). Redirects are not followed: a 3xx is returned like any other response.
public final class CurlTransport: HTTPTransport {
    /// The configuration every request of this transport uses.
    public let configuration: HTTPClientConfiguration
    /// Internal so that tests can halt it as the exit handler does.
    let engine: CurlEngine

    /// Creates a transport.
    ///
    /// - Parameter configuration: TLS, proxy, timeouts and protocol preferences.
    /// - Throws: ``HTTPClientError`` if libcurl cannot be initialised.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws {
        self.configuration = configuration
        self.engine = try CurlEngine()
    }

    deinit {
        engine.submit(.shutdown)
    }

    /// Sends a request and returns once the response head has arrived.
    ///
    /// - Parameters:
    ///   - request: Method, URL parts (scheme, authority, path with query) and header fields.
    ///   - body: The bytes to send, or `nil` for none (POST, PUT and PATCH then send an empty body).
    ///   - options: Streaming and per-request timeouts.
    /// - Returns: The response head and its streaming body.
    /// - Throws: ``HTTPClientError`` when the request is invalid or no response head could be obtained.
    public func send(
        _ request: HTTPRequest,
        body: HTTPRequestBody?,
        options: HTTPRequestOptions
    ) async throws -> HTTPResponseStream {
        let plan = try CurlRequestPlan(request: request, body: body, options: options, configuration: configuration)
        let transfer = CurlTransfer(plan: plan, engine: engine)
        let response = try await transfer.start()
        return HTTPResponseStream(response: response, body: HTTPBody(transfer: transfer))
    }
}

public import Foundation
public import HTTPTypes
public import KaitoHTTP

/// One request to a model server: method, path (such as `/v1/chat/completions`), JSON body.
public struct InferenceHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The path on the model server, starting with `/`.
    public var path: String
    /// The body, sent as `application/json`.
    public var body: Data?
    /// The `Accept` header.
    public var accept: String
    /// Whether the answer may stream (server-sent events): no total time limit, only an idle one.
    public var streaming: Bool
    /// A total time limit for a buffered answer.
    public var timeout: Duration

    /// Creates a request.
    public init(
        method: HTTPRequest.Method = .get, path: String, body: Data? = nil, accept: String = "application/json",
        streaming: Bool = false, timeout: Duration = .seconds(60)
    ) {
        self.method = method
        self.path = path
        self.body = body
        self.accept = accept
        self.streaming = streaming
        self.timeout = timeout
    }
}

/// A model server's answer, whatever its status: the head, and a body that may still be arriving.
public typealias InferenceHTTPResponse = KubernetesStreamResponse

/// How an ``InferenceClient`` reaches a model server: through the API server's service proxy
/// (``ServiceProxyInferenceTransport``) or straight to a URL (``DirectInferenceTransport``).
///
/// A transport returns every answer of the model server, also 4xx and 5xx ones; it throws ``InferenceError``
/// only when no answer came (unreachable, the API server refused, the Service is missing or has no ready pods).
public protocol InferenceTransport: Sendable {
    /// Where requests go, for messages: `service default/falcon:80 (through the API server)` or a URL.
    var endpointDescription: String { get }

    /// Sends a request and returns once the answer's head arrives.
    /// - Throws: ``InferenceError`` when no answer came.
    func send(_ request: InferenceHTTPRequest) async throws -> InferenceHTTPResponse
}

/// Reaches a Service through the API server's `services/proxy` subresource: no port-forward needed.
public struct ServiceProxyInferenceTransport: InferenceTransport {
    /// The client for the API server.
    public let client: KubernetesClient
    /// The Service's namespace.
    public let namespace: String
    /// The Service's name (a workspace's Service has the workspace's name).
    public let service: String
    /// The Service's port name or number.
    public let port: String

    /// Creates a transport for `service` in `namespace` on `port` (Kaito workspaces serve on 80).
    public init(client: KubernetesClient, namespace: String, service: String, port: String = "80") {
        self.client = client
        self.namespace = namespace
        self.service = service
        self.port = port
    }

    /// `service default/falcon:80 (through the API server)`.
    public var endpointDescription: String {
        "service \(namespace)/\(service):\(port) (through the API server's service proxy)"
    }

    /// Sends through the service proxy.
    /// - Throws: ``InferenceError``: ``InferenceError/Kind/serviceNotFound`` (404 from the API server),
    ///   ``InferenceError/Kind/notReady`` (503: no ready endpoints), ``InferenceError/Kind/cluster`` otherwise.
    public func send(_ request: InferenceHTTPRequest) async throws -> InferenceHTTPResponse {
        do {
            if request.streaming {
                let answer = try await client.proxyStreamToService(
                    namespace: namespace, name: service, port: port, method: request.method, path: request.path,
                    body: request.body, contentType: request.body == nil ? nil : "application/json",
                    accept: request.accept)
                return answer
            }
            let answer = try await client.proxyToService(
                namespace: namespace, name: service, port: port, method: request.method, path: request.path,
                body: request.body, contentType: request.body == nil ? nil : "application/json",
                accept: request.accept, timeout: request.timeout)
            return InferenceHTTPResponse(
                status: answer.status, headerFields: answer.headerFields, body: HTTPBody(bytes: answer.body))
        } catch let error as KubernetesError {
            throw InferenceError(proxy: error, namespace: namespace, service: service, port: port)
        }
    }
}

/// Reaches a model server at a base URL, such as `http://127.0.0.1:5000` after `kubectl port-forward`.
public struct DirectInferenceTransport: InferenceTransport {
    /// The HTTP transport.
    public let transport: any HTTPTransport
    /// The URL scheme, `http` or `https`.
    public let scheme: String
    /// `host:port`.
    public let authority: String
    /// A path prefix from the base URL, without a trailing `/`.
    public let pathPrefix: String
    /// The base URL as given.
    public let baseURL: String

    /// Creates a transport for `baseURL` (`http(s)://HOST[:PORT][/PREFIX]`).
    /// - Throws: ``InferenceError`` (``InferenceError/Kind/invalidRequest``) when it is not such a URL.
    public init(baseURL: String, transport: (any HTTPTransport)? = nil) throws {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw InferenceError(
                kind: .invalidRequest,
                message: "--endpoint \"\(baseURL)\" is not an http(s) URL with a host, e.g. http://127.0.0.1:5000")
        }
        var hostPart = host
        if hostPart.contains(":"), !hostPart.hasPrefix("[") { hostPart = "[\(hostPart)]" }
        self.scheme = scheme
        self.authority = components.port.map { "\(hostPart):\($0)" } ?? hostPart
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.pathPrefix = prefix
        self.baseURL = baseURL
        if let transport {
            self.transport = transport
        } else {
            do {
                self.transport = try CurlTransport(
                    configuration: HTTPClientConfiguration(
                        timeouts: .init(connect: .seconds(10), total: .seconds(600), idle: .seconds(300))))
            } catch {
                throw InferenceError(kind: .invalidRequest, message: "cannot set up an HTTP client: \(error)")
            }
        }
    }

    /// The base URL.
    public var endpointDescription: String { baseURL }

    /// Sends straight to the model server.
    /// - Throws: ``InferenceError`` (``InferenceError/Kind/unreachable``) when no answer came.
    public func send(_ request: InferenceHTTPRequest) async throws -> InferenceHTTPResponse {
        var fields = HTTPFields()
        fields[.accept] = request.accept
        if request.body != nil { fields[.contentType] = "application/json" }
        let head = HTTPRequest(
            method: request.method, scheme: scheme, authority: authority, path: pathPrefix + request.path,
            headerFields: fields)
        do {
            let answer = try await transport.send(
                head, body: request.body.map { HTTPRequestBody($0) },
                options: HTTPRequestOptions(isStreaming: request.streaming, totalTimeout: request.timeout))
            return InferenceHTTPResponse(
                status: answer.response.status, headerFields: answer.response.headerFields, body: answer.body)
        } catch let error as HTTPClientError {
            throw InferenceError(
                kind: .unreachable, message: "cannot reach the model server at \(baseURL): \(error.message)")
        }
    }
}

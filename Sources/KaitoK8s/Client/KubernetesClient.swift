import Foundation
import HTTPTypes
public import KaitoCore
import KaitoHTTP

/// Talks to one Kubernetes API server: authentication, rate limiting, retries and error decoding around
/// ``KaitoHTTP/HTTPTransport``.
///
/// ```swift
/// let connection = try KubeconfigLoader().load()
/// let client = try KubernetesClient(connection: connection)
/// let workspaces = client.resource(Workspace.self)
/// let list = try await workspaces.list(namespace: "default")
/// ```
///
/// Every request goes through ``send(_:)`` or ``stream(_:)``: the typed verbs of ``ResourceClient`` build on them.
/// A 401 asks the connection's ``CredentialProvider`` for a fresh credential once and sends again; a 429 is
/// retried on any verb and a 5xx or dropped connection on idempotent verbs, per ``RetryPolicy``.
public final class KubernetesClient: Sendable {
    /// The server and credentials.
    public let connection: ClusterConnection
    /// Limits, retries and logging.
    public let options: KubernetesClientOptions

    private let endpoint: Endpoint
    private let limiter: RateLimiter
    private let transports: Locked<[HTTPClientConfiguration.ClientIdentity?: any HTTPTransport]>

    /// Creates a client.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Kind/invalidRequest``) when the server URL is not usable.
    public init(connection: ClusterConnection, options: KubernetesClientOptions = KubernetesClientOptions()) throws {
        self.connection = connection
        self.options = options
        self.endpoint = try Endpoint(server: connection.server, source: connection.source)
        self.limiter = RateLimiter(qps: options.qps, burst: options.burst)
        self.transports = Locked([:])
    }

    /// The namespace commands use when they name none.
    public var defaultNamespace: String { connection.namespace }

    /// Sends a request and returns its buffered 2xx answer.
    /// - Throws: ``KubernetesError``: the server's `Status` for a non-2xx answer, or why no answer came.
    public func send(_ request: KubernetesRequest) async throws -> KubernetesResponse {
        let (stream, target) = try await perform(request, streaming: false)
        do {
            let body = try await stream.collect(upTo: options.maxResponseBytes)
            return KubernetesResponse(
                status: stream.response.status, headerFields: stream.response.headerFields, body: body)
        } catch {
            throw unreachable(target, error)
        }
    }

    /// Sends a request whose answer streams (watch, proxied event streams) and returns once the head arrives.
    /// - Throws: ``KubernetesError``, as ``send(_:)``.
    public func stream(_ request: KubernetesRequest) async throws -> KubernetesStreamResponse {
        let (stream, _) = try await perform(request, streaming: true)
        return KubernetesStreamResponse(
            status: stream.response.status, headerFields: stream.response.headerFields, body: stream.body)
    }

    /// Sends a request and decodes its JSON answer.
    /// - Throws: ``KubernetesError``; ``KubernetesError/Kind/invalidResponse`` when the body is not JSON.
    public func sendJSON(_ request: KubernetesRequest) async throws -> JSONValue {
        let response = try await send(request)
        do {
            return try JSONDecoder().decode(JSONValue.self, from: response.body)
        } catch {
            throw KubernetesError(
                kind: .invalidResponse,
                message: "\(describe(request)) answered with a body that is not JSON: \(error)",
                request: describe(request))
        }
    }

    // MARK: - The request pipeline

    private func perform(_ request: KubernetesRequest, streaming: Bool) async throws -> (HTTPResponseStream, String) {
        let target = describe(request)
        var retries = 0
        var rejected: KubernetesCredential?
        var refreshed = false
        while true {
            try await limiter.acquire()
            let credential: KubernetesCredential
            do {
                credential = try await connection.credentials.credential(rejecting: rejected)
            } catch let error as KubernetesError {
                throw error
            } catch {
                throw KubernetesError(
                    kind: .credentials,
                    message: "cannot get credentials for \(endpoint.server) (\(connection.source)): \(error)",
                    request: target, underlying: error)
            }
            rejected = nil
            let transport: any HTTPTransport
            do {
                transport = try self.transport(for: credential.clientIdentity)
            } catch {
                throw KubernetesError(
                    kind: .invalidRequest, message: "cannot set up a connection to \(endpoint.server): \(error)",
                    request: target, underlying: error)
            }
            let httpRequest = makeHTTPRequest(request, credential: credential)
            var requestOptions = HTTPRequestOptions(isStreaming: streaming)
            if streaming {
                requestOptions.totalTimeout = request.timeout
            } else {
                requestOptions.totalTimeout = request.timeout ?? options.timeouts.total
            }
            let response: HTTPResponseStream
            do {
                response = try await transport.send(
                    httpRequest, body: request.body.map { HTTPRequestBody($0) }, options: requestOptions)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if request.isIdempotent, retries < options.retry.maxRetries, Self.isRetryableTransportError(error) {
                    try await Task.sleep(for: options.retry.backoff(attempt: retries))
                    retries += 1
                    continue
                }
                throw unreachable(target, error)
            }
            if (200..<300).contains(response.response.status.code) {
                return (response, target)
            }
            // A proxied upstream's error body is the caller's answer: read all of it, not just enough for a Status.
            let limit = request.acceptsAnyStatus ? options.maxResponseBytes : 1024 * 1024
            let body = (try? await response.collect(upTo: limit)) ?? Data()
            let code = response.response.status.code
            if request.acceptsAnyStatus, !Self.isStatusObject(body) {
                // Not the API server's refusal but the upstream's answer (service proxy): the caller reads it.
                return (HTTPResponseStream(response: response.response, body: HTTPBody(bytes: body)), target)
            }
            let error = statusError(target, response: response.response, body: body, credential: credential)
            if code == 401, !refreshed, connection.credentials.canRefresh {
                rejected = credential
                refreshed = true
                continue
            }
            let retryable = code == 429 || (request.isIdempotent && [500, 502, 503, 504].contains(code))
            if retryable, retries < options.retry.maxRetries {
                let hint =
                    response.response.headerFields[.retryAfter].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    ?? error.status?.retryAfterSeconds
                let delay =
                    hint.map { options.retry.serverDelay(seconds: $0) } ?? options.retry.backoff(attempt: retries)
                try await Task.sleep(for: delay)
                retries += 1
                continue
            }
            throw error
        }
    }

    /// Whether a body is a `kind: Status` object: the API server's own answer rather than a proxied one.
    static func isStatusObject(_ body: Data) -> Bool {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body) else { return false }
        return json["kind"]?.stringValue == "Status"
    }

    private static func isRetryableTransportError(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return error.code == .connectFailed || error.code == .transport
    }

    private func transport(for identity: HTTPClientConfiguration.ClientIdentity?) throws -> any HTTPTransport {
        let key = identity ?? connection.tls.clientIdentity
        if let existing = transports.withLock({ $0[key] }) { return existing }
        var tls = connection.tls
        tls.clientIdentity = key
        let configuration = HTTPClientConfiguration(tls: tls, proxy: connection.proxy, timeouts: options.timeouts)
        var transport = try options.transportFactory(configuration)
        if let log = options.requestLog {
            transport = LoggingTransport(wrapping: transport, includeHeaders: true, log: log)
        }
        return transports.withLock { cache in
            if let existing = cache[key] { return existing }
            // A rotated client certificate replaces the old transport rather than piling up connections.
            if identity != nil { cache = cache.filter { $0.key == nil || $0.key == connection.tls.clientIdentity } }
            cache[key] = transport
            return transport
        }
    }

    private func makeHTTPRequest(_ request: KubernetesRequest, credential: KubernetesCredential) -> HTTPRequest {
        var fields = HTTPFields()
        fields[.accept] = request.accept
        fields[.userAgent] = options.userAgent
        if let contentType = request.contentType, request.body != nil { fields[.contentType] = contentType }
        if let token = credential.bearerToken, !token.isEmpty {
            fields[.authorization] = "Bearer \(token)"
        } else if let basic = credential.basic {
            let encoded = Data("\(basic.username):\(basic.password)".utf8).base64EncodedString()
            fields[.authorization] = "Basic \(encoded)"
        }
        return HTTPRequest(
            method: request.method, scheme: endpoint.scheme, authority: endpoint.authority,
            path: endpoint.pathPrefix + request.pathAndQuery, headerFields: fields)
    }

    /// `GET https://host:6443/api/v1/nodes`: a request as messages name it (no query, so no secrets).
    func describe(_ request: KubernetesRequest) -> String {
        "\(request.method.rawValue) \(endpoint.server)\(request.path)"
    }

    private func unreachable(_ target: String, _ error: any Error) -> KubernetesError {
        if let error = error as? KubernetesError { return error }
        let reason = (error as? HTTPClientError)?.message ?? String(describing: error)
        return KubernetesError(
            kind: .unreachable,
            message: "cannot reach the Kubernetes API server at \(endpoint.server) (\(connection.source)): \(reason)",
            request: target, underlying: error)
    }

    private func statusError(
        _ target: String, response: HTTPResponse, body: Data, credential: KubernetesCredential
    ) -> KubernetesError {
        let code = response.status.code
        let decoded = (try? JSONDecoder().decode(JSONValue.self, from: body)).flatMap { KubernetesStatus(json: $0) }
        var status =
            decoded
            ?? KubernetesStatus(
                code: code, reason: response.status.reasonPhrase,
                message: String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines))
        if status.code == 0 { status.code = code }
        var message = status.message.isEmpty ? "\(code) \(response.status.reasonPhrase)" : status.message
        switch code {
        case 401:
            message =
                "the API server at \(endpoint.server) rejected the \(credential) of \(connection.source) "
                + "(401 Unauthorized): the credentials are missing, wrong or expired; log in again or fix the user "
                + "entry of the kubeconfig"
        case 403:
            message += " (403 Forbidden: ask a cluster admin for RBAC permission, or use another context)"
        default:
            break
        }
        return KubernetesError(kind: .status, message: message, status: status, request: target)
    }
}

/// The parts of the server URL each request needs.
struct Endpoint: Sendable {
    var server: String
    var scheme: String
    var authority: String
    var pathPrefix: String

    init(server: String, source: ConnectionSource) throws {
        guard let components = URLComponents(string: server), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            throw KubernetesError(
                kind: .invalidRequest,
                message: "the server URL \"\(server)\" of \(source) is not an http(s) URL with a host; "
                    + "set clusters[].cluster.server to https://HOST:PORT")
        }
        self.server = server
        self.scheme = scheme
        var hostPart = host
        if hostPart.contains(":"), !hostPart.hasPrefix("[") { hostPart = "[\(hostPart)]" }
        self.authority = components.port.map { "\(hostPart):\($0)" } ?? hostPart
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.pathPrefix = prefix
    }
}

public import Foundation
public import HTTPTypes
public import KaitoCore
public import KaitoHTTP

extension KubernetesClient {
    /// Sends a request to a Service through the API server's service proxy and returns its buffered answer,
    /// whatever its status.
    ///
    /// ```swift
    /// let answer = try await client.proxyToService(
    ///     name: "workspace-falcon-7b", port: "80", method: .post, path: "/chat", body: prompt,
    ///     contentType: "application/json")
    /// if answer.isSuccess { print(answer.text) } else { print("model server said \(answer.statusCode)") }
    /// ```
    ///
    /// - Parameters:
    ///   - namespace: The Service's namespace; `nil` is the client's default namespace.
    ///   - name: The Service's name.
    ///   - port: The port's name or number; `nil` uses the Service's only (or first) port.
    ///   - scheme: `https` to have the API server speak TLS to the backend; `nil` is plain HTTP.
    ///   - method: The HTTP method.
    ///   - path: The path on the backend, such as `/v1/chat/completions`; a `?query` part is sent as the query.
    ///   - query: Further query parameters.
    ///   - body: The request body.
    ///   - contentType: The body's media type.
    ///   - accept: The `Accept` header.
    ///   - timeout: A total time limit instead of the client's.
    /// - Returns: The backend's answer, also when it is a 4xx or 5xx.
    /// - Throws: ``KubernetesError`` when the API server itself refuses (the Service does not exist, has no ready
    ///   endpoints, RBAC forbids `services/proxy`) or no answer comes.
    public func proxyToService(
        namespace: String? = nil, name: String, port: String? = nil, scheme: String? = nil,
        method: HTTPRequest.Method = .get, path: String = "/", query: [(name: String, value: String)] = [],
        body: Data? = nil, contentType: String? = nil, accept: String = "*/*", timeout: Duration? = nil
    ) async throws -> ProxiedResponse {
        let request = try serviceProxyRequest(
            namespace: namespace, name: name, port: port, scheme: scheme, method: method, path: path, query: query,
            body: body, contentType: contentType, accept: accept, timeout: timeout)
        return try await send(request)
    }

    /// Sends a request to a Service through the API server's service proxy and returns as soon as the answer's
    /// head arrives, for streamed answers such as server-sent events.
    ///
    /// ```swift
    /// let stream = try await client.proxyStreamToService(
    ///     name: "llama", method: .post, path: "/v1/chat/completions", body: request,
    ///     contentType: "application/json", accept: "text/event-stream")
    /// for try await event in stream.events { if event.data == "[DONE]" { break }; print(event.data) }
    /// ```
    ///
    /// The parameters are those of ``proxyToService(namespace:name:port:scheme:method:path:query:body:contentType:accept:timeout:)``;
    /// there is no total time limit unless `timeout` sets one.
    /// - Returns: The backend's answer, also when it is a 4xx or 5xx (then its body is already complete).
    /// - Throws: ``KubernetesError`` when the API server itself refuses or no answer comes.
    public func proxyStreamToService(
        namespace: String? = nil, name: String, port: String? = nil, scheme: String? = nil,
        method: HTTPRequest.Method = .get, path: String = "/", query: [(name: String, value: String)] = [],
        body: Data? = nil, contentType: String? = nil, accept: String = "text/event-stream",
        timeout: Duration? = nil
    ) async throws -> ProxiedStream {
        let request = try serviceProxyRequest(
            namespace: namespace, name: name, port: port, scheme: scheme, method: method, path: path, query: query,
            body: body, contentType: contentType, accept: accept, timeout: timeout)
        return try await stream(request)
    }

    /// The request for the `services/proxy` subresource: `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH`.
    func serviceProxyRequest(
        namespace: String?, name: String, port: String?, scheme: String?, method: HTTPRequest.Method, path: String,
        query: [(name: String, value: String)], body: Data?, contentType: String?, accept: String, timeout: Duration?
    ) throws -> KubernetesRequest {
        guard !name.isEmpty else {
            throw KubernetesError(kind: .invalidRequest, message: "a service proxy request needs the Service's name")
        }
        // `[scheme:]name[:port]`; with a scheme the port part is always present, even empty (`https:svc:`).
        var target = name
        let port = port ?? ""
        if let scheme, !scheme.isEmpty {
            target = "\(scheme):\(name):\(port)"
        } else if !port.isEmpty {
            target += ":\(port)"
        }
        let namespace = namespace.flatMap { $0.isEmpty ? nil : $0 } ?? defaultNamespace
        var backendPath = path
        var allQuery: [(name: String, value: String)] = []
        if let mark = backendPath.firstIndex(of: "?") {
            let raw = backendPath[backendPath.index(after: mark)...]
            backendPath = String(backendPath[..<mark])
            for pair in raw.split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
                let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
                allQuery.append((key, value))
            }
        }
        allQuery += query
        if !backendPath.hasPrefix("/") { backendPath = "/" + backendPath }
        let encodedPath =
            backendPath.addingPercentEncoding(withAllowedCharacters: Self.proxyPathAllowed) ?? backendPath
        let fullPath =
            ResourceType.services.path(namespace: namespace, name: target, subresource: "proxy") + encodedPath
        return KubernetesRequest(
            method: method, path: fullPath, query: allQuery, body: body, contentType: contentType, accept: accept,
            isIdempotent: [.get, .head].contains(method), timeout: timeout, acceptsAnyStatus: true)
    }

    private static let proxyPathAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "?#")
        return set
    }()
}

/// A Service's buffered answer through the API server's service proxy, whatever its status.
public typealias ProxiedResponse = KubernetesResponse

/// A Service's streaming answer through the API server's service proxy, whatever its status.
///
/// Stopping iteration of ``KubernetesStreamResponse/body`` or ``KubernetesStreamResponse/events`` early cancels
/// the request.
public typealias ProxiedStream = KubernetesStreamResponse

extension KubernetesResponse {
    /// The HTTP status code.
    public var statusCode: Int { status.code }
    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status.code) }
    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The `Content-Type` header.
    public var contentType: String? { headerFields[.contentType] }

    /// The body as JSON.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Kind/invalidResponse``) when it is not JSON.
    public func json() throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw KubernetesError(
                kind: .invalidResponse,
                message: "the service answered \(status.code) with a body that is not JSON: \(text.prefix(200))",
                underlying: error)
        }
    }
}

extension KubernetesStreamResponse {
    /// The HTTP status code.
    public var statusCode: Int { status.code }
    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status.code) }
    /// The `Content-Type` header.
    public var contentType: String? { headerFields[.contentType] }

    /// The body read as server-sent events (`text/event-stream`).
    public var events: ServerSentEvents { ServerSentEvents(body: body) }
}

/// One server-sent event: the `data` lines joined by newlines, with the optional `event` type and `id`.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, or `nil` for the default `message` type.
    public var event: String?
    /// The `data:` lines, joined by `\n`.
    public var data: String
    /// The `id:` field.
    public var id: String?

    /// Creates an event.
    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Reads server-sent events from a body as they arrive (the WHATWG `text/event-stream` format: fields per line,
/// an empty line ends an event, `:` lines are comments).
public struct ServerSentEvents: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = ServerSentEvent

    /// The body read.
    public let body: HTTPBody

    /// Reads events from `body`.
    public init(body: HTTPBody) {
        self.body = body
    }

    /// Makes an iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator())
    }

    /// Yields events as their terminating empty line arrives; a final event without one is yielded at the end.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPBody.AsyncIterator
        var parser = ServerSentEventParser()
        var pending: [ServerSentEvent] = []
        var finished = false

        /// The next event, or `nil` at the end of the body.
        /// - Throws: The body's transport error.
        public mutating func next() async throws -> ServerSentEvent? {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if finished { return nil }
                if let chunk = try await chunks.next() {
                    pending = parser.feed(chunk)
                } else {
                    finished = true
                    pending = parser.finish()
                }
            }
        }
    }
}

/// The line-level state of a server-sent event stream.
struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var data: [String] = []
    private var event: String?
    private var id: String?
    private var skippedBOM = false

    /// Adds bytes and returns the events they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        if !skippedBOM, buffer.count >= 3 {
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
            skippedBOM = true
        }
        var events: [ServerSentEvent] = []
        var start = 0
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                // A CR at the very end may be the first half of CRLF: wait for the next byte.
                if byte == UInt8(ascii: "\r"), index + 1 == buffer.count { break }
                let line = String(decoding: buffer[start..<index], as: UTF8.self)
                if byte == UInt8(ascii: "\r"), buffer[index + 1] == UInt8(ascii: "\n") { index += 1 }
                if let event = process(line) { events.append(event) }
                start = index + 1
            }
            index += 1
        }
        buffer.removeFirst(start)
        return events
    }

    /// Ends the stream: a last line without a newline and an event without its empty line still count.
    mutating func finish() -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            buffer = []
            if let event = process(line) { events.append(event) }
        }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func process(_ line: String) -> ServerSentEvent? {
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data":
            data.append(String(value))
        case "event":
            event = String(value)
        case "id":
            id = String(value)
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data = []
            event = nil
        }
        guard !data.isEmpty else { return nil }
        return ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)
    }
}

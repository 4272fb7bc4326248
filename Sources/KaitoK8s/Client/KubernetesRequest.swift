public import Foundation
public import HTTPTypes
public import KaitoHTTP

/// One request to the API server, before authentication: a method, an API path, a query and a body.
public struct KubernetesRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The absolute API path, e.g. `/apis/kaito.sh/v1alpha1/namespaces/default/workspaces`.
    public var path: String
    /// Query parameters, in order (values are percent-encoded when sent).
    public var query: [(name: String, value: String)]
    /// The body.
    public var body: Data?
    /// The body's media type (`application/json`, `application/merge-patch+json`, `application/apply-patch+yaml`, …).
    public var contentType: String?
    /// The `Accept` header.
    public var accept: String
    /// Whether the request may be sent again after a 5xx or a dropped connection without changing the outcome.
    /// Defaults by method: GET, HEAD, PUT and DELETE are; POST and PATCH are not. A 429 is retried either way:
    /// the server did not act on the request.
    public var isIdempotent: Bool
    /// A total time limit for this request instead of the client's; `nil` keeps the client's.
    public var timeout: Duration?
    /// Whether a non-2xx answer that is not the API server's own `Status` is returned instead of thrown.
    ///
    /// For the service proxy: the upstream's 422 or 500 is the caller's to read. Answers whose body is a
    /// `kind: Status` object (the API server refusing: 401, 403, 404 service not found, 503 no endpoints, 429) are
    /// still refreshed, retried and thrown as ``KubernetesError``.
    public var acceptsAnyStatus: Bool

    /// Creates a request.
    public init(
        method: HTTPRequest.Method, path: String, query: [(name: String, value: String)] = [], body: Data? = nil,
        contentType: String? = nil, accept: String = "application/json", isIdempotent: Bool? = nil,
        timeout: Duration? = nil, acceptsAnyStatus: Bool = false
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.isIdempotent = isIdempotent ?? [.get, .head, .put, .delete].contains(method)
        self.timeout = timeout
        self.acceptsAnyStatus = acceptsAnyStatus
    }

    /// The path and encoded query, as sent.
    public var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    static let queryValueAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryValueAllowed) ?? text
    }
}

/// A buffered answer from the API server (2xx only, unless the request sets
/// ``KubernetesRequest/acceptsAnyStatus``; failures are thrown as ``KubernetesError``).
public struct KubernetesResponse: Sendable {
    /// The status line.
    public var status: HTTPResponse.Status
    /// The response header fields.
    public var headerFields: HTTPFields
    /// The body.
    public var body: Data

    /// Creates a response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields, body: Data) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }
}

/// A streaming answer from the API server (2xx only, unless the request sets
/// ``KubernetesRequest/acceptsAnyStatus``): a watch or a proxied server-sent-event stream.
///
/// Dropping the body's iterator before the end cancels the request.
public struct KubernetesStreamResponse: Sendable {
    /// The status line.
    public var status: HTTPResponse.Status
    /// The response header fields.
    public var headerFields: HTTPFields
    /// The body, chunk by chunk as it arrives.
    public var body: HTTPBody

    /// Creates a streaming response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields, body: HTTPBody) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }
}

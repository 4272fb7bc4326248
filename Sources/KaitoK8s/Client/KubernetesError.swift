import Foundation
public import KaitoCore

/// The API server's `Status` object: why a request failed, as the server put it.
public struct KubernetesStatus: Sendable, Hashable {
    /// One cause of a failure, usually a field of an invalid object.
    public struct Cause: Sendable, Hashable {
        /// `FieldValueInvalid`, `FieldValueRequired`, …
        public var reason: String
        /// What is wrong.
        public var message: String
        /// The field path, e.g. `spec.resource.instanceType`.
        public var field: String

        /// Creates a cause.
        public init(reason: String = "", message: String = "", field: String = "") {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    /// The HTTP status code the status describes.
    public var code: Int
    /// The machine-readable reason: `NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Invalid`, …
    public var reason: String
    /// The server's human-readable message.
    public var message: String
    /// The object the status is about, when the server says.
    public var name: String
    /// The group of that object.
    public var group: String
    /// The kind (or resource) of that object.
    public var kind: String
    /// Field causes.
    public var causes: [Cause]
    /// Seconds the server asks the client to wait before retrying.
    public var retryAfterSeconds: Int?

    /// Creates a status.
    public init(
        code: Int, reason: String = "", message: String = "", name: String = "", group: String = "",
        kind: String = "", causes: [Cause] = [], retryAfterSeconds: Int? = nil
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Reads a `Status` object; `nil` when `json` is not one.
    public init?(json: JSONValue) {
        guard json["kind"]?.stringValue == "Status" else { return nil }
        let details = json["details"]
        var code = 0
        if case .integer(let value)? = json["code"] { code = Int(value) }
        var retryAfter: Int?
        if case .integer(let value)? = details?["retryAfterSeconds"] { retryAfter = Int(value) }
        self.init(
            code: code, reason: json["reason"]?.stringValue ?? "", message: json["message"]?.stringValue ?? "",
            name: details?["name"]?.stringValue ?? "", group: details?["group"]?.stringValue ?? "",
            kind: details?["kind"]?.stringValue ?? "",
            causes: (details?["causes"]?.arrayValue ?? []).map {
                Cause(
                    reason: $0["reason"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "",
                    field: $0["field"]?.stringValue ?? "")
            },
            retryAfterSeconds: retryAfter)
    }
}

/// Every failure of a request to the API server: the server's answer or the reason none came.
///
/// The message says which server, which request and what to do; it never carries a token, password or key.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    /// The broad class of failure.
    public enum Kind: Sendable, Hashable {
        /// The server answered with a non-success status; ``KubernetesError/status`` says why.
        case status
        /// No answer: connection, TLS, proxy or timeout failure (``KubernetesError/underlying`` says which).
        case unreachable
        /// The credentials could not be obtained (token file, exec plugin, …).
        case credentials
        /// The server answered with something this client could not read.
        case invalidResponse
        /// The request could not be built (bad name, body that does not encode).
        case invalidRequest
    }

    /// The class of failure.
    public var kind: Kind
    /// The server's status, for ``Kind/status`` (a synthesised one when the body was not a `Status`).
    public var status: KubernetesStatus?
    /// One line for a person: what failed, against which server, and what to do next.
    public var message: String
    /// `GET https://host:6443/api/v1/...`: the request, with no query secrets.
    public var request: String?
    /// The transport or credential error underneath, when there was one.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        kind: Kind, message: String, status: KubernetesStatus? = nil, request: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.status = status
        self.request = request
        self.underlying = underlying
    }

    /// The HTTP code, for server answers.
    public var code: Int? { status?.code }
    /// 404 NotFound.
    public var isNotFound: Bool { status?.code == 404 }
    /// 409 Conflict (a stale resourceVersion or an apply conflict).
    public var isConflict: Bool { status?.code == 409 && status?.reason != "AlreadyExists" }
    /// 409 AlreadyExists.
    public var isAlreadyExists: Bool { status?.code == 409 && status?.reason == "AlreadyExists" }
    /// 403 Forbidden.
    public var isForbidden: Bool { status?.code == 403 }
    /// 401 Unauthorized.
    public var isUnauthorized: Bool { status?.code == 401 }
    /// 410 Gone / Expired: a watch or continue token is too old; list again.
    public var isGone: Bool { status?.code == 410 }
    /// 422 Invalid.
    public var isInvalid: Bool { status?.code == 422 }
    /// 429 TooManyRequests.
    public var isTooManyRequests: Bool { status?.code == 429 }
    /// No answer came from the server, or credentials could not be obtained.
    public var isUnreachable: Bool { kind == .unreachable }

    /// The message.
    public var description: String { message }
}

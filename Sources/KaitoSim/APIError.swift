public import KaitoCore

/// A resource's group and plural name, such as `deployments.apps` or `pods` (`schema.GroupResource`).
public struct GroupResource: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// API group; empty for the core group.
    public var group: String
    /// Plural resource name, such as `deployments`.
    public var resource: String

    /// Creates a group-resource pair.
    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    /// `resource.group`, or `resource` for the core group, as the API server writes it in messages.
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// Orders by group, then resource.
    public static func < (lhs: GroupResource, rhs: GroupResource) -> Bool {
        (lhs.group, lhs.resource) < (rhs.group, rhs.resource)
    }
}

/// A resource's group, version and plural name: what an API path names.
public struct GroupVersionResource: Sendable, Hashable, CustomStringConvertible {
    /// API group; empty for the core group.
    public var group: String
    /// API version, such as `v1`.
    public var version: String
    /// Plural resource name.
    public var resource: String

    /// Creates a group-version-resource triple.
    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    /// The group and resource without the version.
    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }

    /// `group/version`, or `version` for the core group.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `group/version/resource`.
    public var description: String { "\(groupVersion)/\(resource)" }
}

/// One reason behind a failure, as listed in `Status.details.causes` (`metav1.StatusCause`).
public struct StatusCause: Sendable, Hashable {
    /// Machine-readable cause, such as `FieldValueInvalid` or `FieldManagerConflict`.
    public var reason: String
    /// Human-readable description.
    public var message: String
    /// The field the cause refers to, such as `metadata.name`; empty when none.
    public var field: String

    /// Creates a cause.
    public init(reason: String, message: String, field: String = "") {
        self.reason = reason
        self.message = message
        self.field = field
    }

    /// The cause as the API server encodes it (empty members left out).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        if !reason.isEmpty { object["reason"] = .string(reason) }
        if !message.isEmpty { object["message"] = .string(message) }
        if !field.isEmpty { object["field"] = .string(field) }
        return .object(object)
    }
}

/// `Status.details` (`metav1.StatusDetails`): what the failure was about.
public struct StatusDetails: Sendable, Hashable {
    /// The object's name, when the failure concerns one object.
    public var name: String
    /// The API group (empty for the core group).
    public var group: String
    /// The resource (`deployments`) or, for validation failures, the kind (`Deployment`).
    public var kind: String
    /// The object's UID, when known.
    public var uid: String
    /// Individual causes.
    public var causes: [StatusCause]
    /// Seconds a client should wait before retrying, when the server suggests it.
    public var retryAfterSeconds: Int?

    /// Creates details; every member is optional.
    public init(
        name: String = "", group: String = "", kind: String = "", uid: String = "", causes: [StatusCause] = [],
        retryAfterSeconds: Int? = nil
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The details as the API server encodes them (empty members left out, so possibly `{}`).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [:]
        if !name.isEmpty { object["name"] = .string(name) }
        if !group.isEmpty { object["group"] = .string(group) }
        if !kind.isEmpty { object["kind"] = .string(kind) }
        if !uid.isEmpty { object["uid"] = .string(uid) }
        if !causes.isEmpty { object["causes"] = .array(causes.map(\.jsonValue)) }
        if let retryAfterSeconds { object["retryAfterSeconds"] = .integer(Int64(retryAfterSeconds)) }
        return .object(object)
    }
}

/// A validation problem with one field (`field.Error`), rendered the way `apimachinery` renders it.
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Kind: Sendable, Hashable {
        /// `Invalid value: <value>: <detail>`.
        case invalid(JSONValue)
        /// `Required value[: <detail>]`.
        case required
        /// `Forbidden: <detail>`.
        case forbidden
        /// `Unsupported value: <value>: supported values: "a", "b"`.
        case notSupported(JSONValue, supported: [String])
        /// `Duplicate value: <value>`.
        case duplicate(JSONValue)
        /// `Duplicate value: <text>` with the value already rendered as Go's `%#v` renders it (the keys of a
        /// duplicate `x-kubernetes-list-type: map` item, `map[string]interface {}{"name":"a"}`).
        case duplicateRendered(String)
        /// `Invalid value: <value>: <detail>` with the cause `FieldValueTypeInvalid` (a value of the wrong type).
        case typeInvalid(JSONValue)
        /// `Too long[: <detail>]` (`FieldValueTooLong`); the detail says the limit, such as
        /// `may not be more than 63 bytes`.
        case tooLong
        /// `Too many: <count>: must have at most <maximum> items` (`FieldValueTooMany`).
        case tooMany(actual: Int?, maximum: Int)
        /// `Not found: <value>` (`FieldValueNotFound`).
        case notFound(JSONValue)
        /// `Internal error: <detail>` (`InternalError`).
        case internalError
        /// `Invalid value` without the value (`FieldValueInvalid` with an omitted value), as CEL rules on values
        /// too large to print and some validators report.
        case invalidOmittingValue
        /// `Invalid value: <text>: <detail>` with the value already rendered as Go prints it (`0x0`, a struct).
        case invalidRendered(String)
    }

    /// Dotted path of the field, such as `metadata.name`.
    public var field: String
    /// The kind of problem.
    public var kind: Kind
    /// Explanation appended to the message.
    public var detail: String

    /// Creates a field error.
    public init(field: String, kind: Kind, detail: String = "") {
        self.field = field
        self.kind = kind
        self.detail = detail
    }

    /// The `StatusCause.reason` for this kind of problem.
    public var causeReason: String {
        switch kind {
        case .invalid: "FieldValueInvalid"
        case .required: "FieldValueRequired"
        case .forbidden: "FieldValueForbidden"
        case .notSupported: "FieldValueNotSupported"
        case .duplicate, .duplicateRendered: "FieldValueDuplicate"
        case .typeInvalid: "FieldValueTypeInvalid"
        case .tooLong: "FieldValueTooLong"
        case .tooMany: "FieldValueTooMany"
        case .notFound: "FieldValueNotFound"
        case .internalError: "InternalError"
        case .invalidOmittingValue, .invalidRendered: "FieldValueInvalid"
        }
    }

    /// The message without the field path, as used in `StatusCause.message`.
    public var errorBody: String {
        var text: String
        switch kind {
        case .invalid(let value): text = "Invalid value: \(Self.render(value))"
        case .required: text = "Required value"
        case .forbidden: text = "Forbidden"
        case .notSupported(let value, let supported):
            text = "Unsupported value: \(Self.render(value))"
            if !supported.isEmpty {
                text += ": supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", ")
            }
            return text
        case .duplicate(let value): text = "Duplicate value: \(Self.render(value))"
        case .duplicateRendered(let rendered): text = "Duplicate value: \(rendered)"
        case .typeInvalid(let value): text = "Invalid value: \(Self.render(value))"
        case .tooLong: text = "Too long"
        case .tooMany(let actual, let maximum):
            text = "Too many"
            if let actual { text += ": \(actual)" }
            text += ": must have at most \(maximum) items"
            return text
        case .notFound(let value): text = "Not found: \(Self.render(value))"
        case .internalError: text = "Internal error"
        case .invalidOmittingValue: text = "Invalid value"
        case .invalidRendered(let rendered): text = "Invalid value: \(rendered)"
        }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    /// `field: body`, as in the `Status` message.
    public var description: String { field.isEmpty ? errorBody : "\(field): \(errorBody)" }

    /// Renders a value as Go's `%#v` does for the simple cases (`"text"`, `3`, `true`).
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array, .object: return JSONText.string(from: value)
        }
    }

    static func quoted(_ text: String) -> String {
        JSONText.string(from: .string(text))
    }
}

/// A failed API request: the HTTP status code and the Kubernetes `Status` object the API server returns.
///
/// Messages follow the real API server's wording (`deployments.apps "web" not found`), so clients and tests can
/// match on them.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// HTTP status code, such as 404.
    public var code: Int
    /// `Status.reason`, such as `NotFound`; empty when the server gives none.
    public var reason: String
    /// `Status.message`.
    public var message: String
    /// `Status.details`, when present.
    public var details: StatusDetails?
    /// `Status.metadata.continue`, set on an expired continue token so a client can finish inconsistently.
    public var continueToken: String?
    /// Whether the server answers with the bare `message` as `text/plain` instead of a `Status` (the HTTP mux's
    /// `404 page not found` for paths no API handler serves).
    public var isPlainText: Bool

    /// Creates an error.
    public init(
        code: Int, reason: String, message: String, details: StatusDetails? = nil, continueToken: String? = nil,
        isPlainText: Bool = false
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.continueToken = continueToken
        self.isPlainText = isPlainText
    }

    /// The mux's plain-text 404 for a path no handler serves (such as a namespaced path of a cluster-scoped
    /// custom resource).
    public static let pageNotFound = APIError(
        code: 404, reason: "NotFound", message: "404 page not found\n", isPlainText: true)

    /// `reason (code): message`.
    public var description: String { "\(reason) (\(code)): \(message)" }

    /// The `Status` object (`kind: Status, apiVersion: v1, status: Failure`) that the API server sends.
    public var status: JSONValue {
        var metadata: [String: JSONValue] = [:]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        var object: [String: JSONValue] = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(metadata), "status": "Failure",
            "message": .string(message), "code": .integer(Int64(code)),
        ]
        if !reason.isEmpty { object["reason"] = .string(reason) }
        if let details { object["details"] = details.jsonValue }
        return .object(object)
    }
}

extension APIError {
    /// 404 for an object: `deployments.apps "web" not found`.
    public static func notFound(_ resource: GroupResource, name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found",
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource))
    }

    /// 404 for a path the server does not serve (unknown resource or subresource).
    public static func resourceNotFound() -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "the server could not find the requested resource",
            details: StatusDetails())
    }

    /// 409 on create: `deployments.apps "web" already exists`.
    public static func alreadyExists(_ resource: GroupResource, name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409: `Operation cannot be fulfilled on deployments.apps "web": <detail>`.
    public static func conflict(_ resource: GroupResource, name: String, detail: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(detail)",
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource))
    }

    /// The optimistic-concurrency message for a stale `resourceVersion`.
    public static let modifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    /// 409 for a stale `resourceVersion`.
    public static func staleResourceVersion(_ resource: GroupResource, name: String) -> APIError {
        conflict(resource, name: name, detail: modifiedMessage)
    }

    /// 422: `Deployment.apps "web" is invalid: metadata.name: Invalid value: …`, with one cause per field error.
    public static func invalid(kind: String, group: String, name: String, errors: [FieldError]) -> APIError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let summary: String
        if errors.count == 1 {
            summary = errors[0].description
        } else {
            summary = "[" + errors.map(\.description).joined(separator: ", ") + "]"
        }
        let causes = errors.map { StatusCause(reason: $0.causeReason, message: $0.errorBody, field: $0.field) }
        return APIError(
            code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(summary)",
            details: StatusDetails(name: name, group: group, kind: kind, causes: causes))
    }

    /// 400 with a message and no details.
    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    /// 410 Expired, as for a watch from a compacted `resourceVersion`.
    public static func expired(_ message: String, continueToken: String? = nil) -> APIError {
        APIError(code: 410, reason: "Expired", message: message, continueToken: continueToken)
    }

    /// 403 for one object: `namespaces "default" is forbidden: <detail>`.
    public static func forbidden(
        _ resource: GroupResource, name: String, detail: String, causes: [StatusCause] = []
    ) -> APIError {
        APIError(
            code: 403, reason: "Forbidden", message: "\(resource) \"\(name)\" is forbidden: \(detail)",
            details: StatusDetails(name: name, group: resource.group, kind: resource.resource, causes: causes))
    }

    /// 405 with a message.
    public static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message, details: StatusDetails())
    }

    /// 415: the request body's media type is not one this resource accepts.
    public static func unsupportedMediaType(accepted: [String]) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + accepted.joined(separator: ", "))
    }

    /// 422 with the generic message the API server gives when a JSON patch cannot be applied.
    public static func patchNotApplicable() -> APIError {
        APIError(
            code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request",
            details: StatusDetails())
    }

    /// 500: `Internal error occurred: <detail>`.
    public static func internalError(_ detail: String) -> APIError {
        APIError(
            code: 500, reason: "InternalError", message: "Internal error occurred: \(detail)",
            details: StatusDetails(causes: [StatusCause(reason: "", message: detail)]))
    }
}

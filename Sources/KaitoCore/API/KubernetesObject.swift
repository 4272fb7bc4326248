internal import Foundation

/// Any Kubernetes object: typed identity and metadata, everything else (`spec`, `status`, `data`, …) as JSON.
///
/// The planner emits its objects in this form, and reads observed ones from it, so that fields it does not model
/// survive untouched.
public struct KubernetesObject: Sendable, Hashable, Codable {
    /// `group/version`, or `v1` for the core group.
    public var apiVersion: String
    /// The kind, such as `Deployment`.
    public var kind: String
    /// Object metadata.
    public var metadata: ObjectMeta
    /// Every other top-level field, such as `spec` and `status`.
    public var content: [String: JSONValue]

    /// Creates an object.
    public init(apiVersion: String, kind: String, metadata: ObjectMeta, content: [String: JSONValue] = [:]) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.content = content
    }

    /// Reads an object from JSON; `metadata` is read leniently (unknown metadata fields are ignored).
    /// - Throws: ``ObjectDecodingError`` when `apiVersion` or `kind` is missing or metadata is malformed.
    public init(json value: JSONValue) throws {
        guard case .object(var object) = value else {
            throw ObjectDecodingError(
                kind: .typeMismatch, fieldPath: "", message: "expected a Kubernetes object, got \(value.typeName)")
        }
        guard case .string(let apiVersion)? = object.removeValue(forKey: "apiVersion"), !apiVersion.isEmpty else {
            throw ObjectDecodingError(kind: .missingField, fieldPath: "apiVersion", message: "required field is missing")
        }
        guard case .string(let kind)? = object.removeValue(forKey: "kind"), !kind.isEmpty else {
            throw ObjectDecodingError(kind: .missingField, fieldPath: "kind", message: "required field is missing")
        }
        let metadata = try object.removeValue(forKey: "metadata").map {
            try KubernetesJSON.decode(ObjectMeta.self, from: $0, strict: false)
        }
        self.init(apiVersion: apiVersion, kind: kind, metadata: metadata ?? ObjectMeta(), content: object)
    }

    /// Decodes as ``init(json:)`` does.
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    /// The whole object as JSON.
    public func jsonValue() throws -> JSONValue {
        var object = content
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        object["metadata"] = try KubernetesJSON.jsonValue(of: metadata)
        return .object(object)
    }

    /// Encodes ``jsonValue()``.
    public func encode(to encoder: any Encoder) throws {
        try jsonValue().encode(to: encoder)
    }

    /// The value at a path of object keys below the top level, such as `value(at: "spec", "replicas")`.
    public func value(at path: String...) -> JSONValue? {
        guard let first = path.first else { return nil }
        return path.dropFirst().reduce(content[first]) { value, key in value?[key] }
    }

    /// Name, or an empty string.
    public var name: String { metadata.name ?? "" }

    /// A reference to this object.
    public var reference: ObjectReference {
        ObjectReference(apiVersion: apiVersion, kind: kind, namespace: metadata.namespace, name: name)
    }

    /// The `type` → condition map of `status.conditions`, for objects that use Kubernetes conditions.
    public var statusConditions: [String: ObservedCondition] {
        var result: [String: ObservedCondition] = [:]
        for entry in value(at: "status", "conditions")?.arrayValue ?? [] {
            guard let type = entry["type"]?.stringValue else { continue }
            result[type] = ObservedCondition(
                status: entry["status"]?.stringValue ?? "Unknown", reason: entry["reason"]?.stringValue,
                message: entry["message"]?.stringValue)
        }
        return result
    }
}

/// A condition as read from any object's status.
public struct ObservedCondition: Sendable, Hashable {
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// The reason, when set.
    public var reason: String?
    /// The message, when set.
    public var message: String?

    /// Creates a condition.
    public init(status: String, reason: String? = nil, message: String? = nil) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    /// Whether the status is `True`.
    public var isTrue: Bool { status == "True" }
    /// Whether the status is `False`.
    public var isFalse: Bool { status == "False" }
}

/// Names one object: its API version, kind, namespace (for namespaced kinds) and name.
public struct ObjectReference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `group/version`.
    public var apiVersion: String
    /// Kind.
    public var kind: String
    /// Namespace, `nil` for cluster-scoped objects.
    public var namespace: String?
    /// Name.
    public var name: String

    /// Creates a reference.
    public init(apiVersion: String, kind: String, namespace: String? = nil, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `Kind namespace/name` or `Kind name`.
    public var description: String {
        namespace.map { "\(kind) \($0)/\(name)" } ?? "\(kind) \(name)"
    }
}

import Foundation
public import KaitoCore

/// A change to send with PATCH: a JSON merge patch, a JSON patch or a strategic merge patch.
///
/// ```swift
/// try await deployments.patch("falcon", .merge(["spec": ["replicas": 2]]))
/// try await deployments.patch("falcon", .json([.replace("/spec/replicas", value: 2)]))
/// ```
///
/// Server-side apply is ``ResourceClient/apply(_:namespace:fieldManager:force:dryRun:subresource:)``.
public enum Patch: Sendable, Hashable {
    /// An RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge, `null` removes a key, arrays
    /// are replaced whole.
    case merge(JSONValue)
    /// An RFC 6902 JSON patch (`application/json-patch+json`): a list of operations applied in order.
    case json([JSONPatchOperation])
    /// A strategic merge patch (`application/strategic-merge-patch+json`): a merge patch whose lists merge by
    /// key (containers by name). Built-in kinds only; custom resources reject it.
    case strategicMerge(JSONValue)

    /// The media type of the patch.
    public var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        }
    }

    /// The media type of a server-side apply request.
    public static let applyContentType = "application/apply-patch+yaml"

    /// The patch as JSON.
    public var jsonValue: JSONValue {
        switch self {
        case .merge(let value), .strategicMerge(let value): return value
        case .json(let operations): return .array(operations.map(\.jsonValue))
        }
    }

    func body() throws -> Data {
        try JSONBody.encode(jsonValue)
    }
}

/// One operation of an RFC 6902 JSON patch.
///
/// Paths are JSON pointers: `/metadata/labels/app`, with `~1` for `/` and `~0` for `~` inside a key
/// (``escapePointer(_:)`` does this).
public struct JSONPatchOperation: Sendable, Hashable {
    /// The operation.
    public enum Op: String, Sendable, Hashable, CaseIterable {
        /// Adds a value (or inserts into an array; `-` appends).
        case add
        /// Removes the value at `path`.
        case remove
        /// Replaces the value at `path`, which must exist.
        case replace
        /// Moves the value at `from` to `path`.
        case move
        /// Copies the value at `from` to `path`.
        case copy
        /// Fails the whole patch unless the value at `path` equals `value`.
        case test
    }

    /// The operation.
    public var op: Op
    /// The target, a JSON pointer.
    public var path: String
    /// The value for `add`, `replace` and `test`.
    public var value: JSONValue?
    /// The source pointer for `move` and `copy`.
    public var from: String?

    /// Creates an operation.
    public init(op: Op, path: String, value: JSONValue? = nil, from: String? = nil) {
        self.op = op
        self.path = path
        self.value = value
        self.from = from
    }

    /// `add` `value` at `path`.
    public static func add(_ path: String, value: JSONValue) -> Self { Self(op: .add, path: path, value: value) }
    /// `remove` the value at `path`.
    public static func remove(_ path: String) -> Self { Self(op: .remove, path: path) }
    /// `replace` the value at `path` with `value`.
    public static func replace(_ path: String, value: JSONValue) -> Self {
        Self(op: .replace, path: path, value: value)
    }
    /// `move` the value at `from` to `path`.
    public static func move(from: String, to path: String) -> Self { Self(op: .move, path: path, from: from) }
    /// `copy` the value at `from` to `path`.
    public static func copy(from: String, to path: String) -> Self { Self(op: .copy, path: path, from: from) }
    /// `test` that the value at `path` equals `value`.
    public static func test(_ path: String, value: JSONValue) -> Self { Self(op: .test, path: path, value: value) }

    /// Escapes one key for use in a JSON pointer (`a/b` → `a~1b`).
    public static func escapePointer(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// The operation as JSON.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["op": .string(op.rawValue), "path": .string(path)]
        switch op {
        case .add, .replace, .test: object["value"] = value ?? .null
        case .move, .copy: object["from"] = .string(from ?? "")
        case .remove: break
        }
        return .object(object)
    }
}

/// How a delete proceeds: what happens to dependents, preconditions, grace period and dry run.
public struct DeleteOptions: Sendable, Hashable {
    /// What happens to objects the deleted one owns.
    public enum PropagationPolicy: String, Sendable, Hashable, CaseIterable {
        /// The object stays (with `deletionTimestamp` and the `foregroundDeletion` finalizer) until the garbage
        /// collector has deleted its blocking dependents.
        case foreground = "Foreground"
        /// The object goes at once; the garbage collector deletes dependents afterwards.
        case background = "Background"
        /// Dependents stay, with the owner reference removed.
        case orphan = "Orphan"
    }

    /// What happens to dependents; `nil` keeps the resource's default (Background for most).
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this UID (not a new object of the same name).
    public var preconditionUID: String?
    /// Delete only if the object is still at this resourceVersion.
    public var preconditionResourceVersion: String?
    /// Seconds the object may take to shut down (pods); `0` deletes at once; `nil` keeps the default.
    public var gracePeriodSeconds: Int?
    /// Validate without deleting anything.
    public var dryRun: Bool

    /// Creates options.
    public init(
        propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int? = nil, dryRun: Bool = false
    ) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    /// The `DeleteOptions` object sent as the request body.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if let propagationPolicy { object["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        var preconditions: [String: JSONValue] = [:]
        if let preconditionUID { preconditions["uid"] = .string(preconditionUID) }
        if let preconditionResourceVersion { preconditions["resourceVersion"] = .string(preconditionResourceVersion) }
        if !preconditions.isEmpty { object["preconditions"] = .object(preconditions) }
        if let gracePeriodSeconds { object["gracePeriodSeconds"] = .integer(Int64(gracePeriodSeconds)) }
        if dryRun { object["dryRun"] = ["All"] }
        return .object(object)
    }

    func body() throws -> Data {
        try JSONBody.encode(jsonValue)
    }
}

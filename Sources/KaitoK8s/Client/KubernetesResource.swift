public import KaitoCore

/// A value that converts to and from the JSON the API server speaks.
///
/// ``KaitoCore/KubernetesObject`` (unstructured, any kind) and the typed values conform.
public protocol KubernetesObjectConvertible: Sendable {
    /// Decodes an object the server returned. Unknown fields are tolerated: servers add fields.
    init(kubernetesJSON: JSONValue) throws
    /// The JSON to send to the server.
    func kubernetesJSON() throws -> JSONValue
    /// The object's metadata.
    var metadata: ObjectMeta { get }
}

/// A typed value whose kind is known statically, so the client finds its URL without being told.
///
/// ```swift
/// let workspace = try await client.get(Workspace.self, name: "falcon", namespace: "default")
/// ```
public protocol KubernetesResource: KubernetesObjectConvertible {
    /// The resource this type is stored as.
    static var resourceType: ResourceType { get }
}

extension KubernetesObject: KubernetesObjectConvertible {
    /// Decodes any object that has `apiVersion` and `kind`.
    public init(kubernetesJSON: JSONValue) throws {
        try self.init(json: kubernetesJSON)
    }

    /// The object as JSON.
    public func kubernetesJSON() throws -> JSONValue {
        try jsonValue()
    }
}

extension Workspace: KubernetesResource {
    /// kaito.sh/v1alpha1 `workspaces`.
    public static var resourceType: ResourceType { .workspaces }

    /// Decodes a Workspace the server returned (unknown fields tolerated).
    public init(kubernetesJSON: JSONValue) throws {
        self = try Workspace.decode(from: kubernetesJSON, strict: false)
    }

    /// The Workspace as JSON.
    public func kubernetesJSON() throws -> JSONValue {
        try jsonValue()
    }
}

/// A page or the whole of a `list` answer.
public struct ObjectList<Object: KubernetesObjectConvertible>: Sendable {
    /// The objects, in the server's order.
    public var items: [Object]
    /// The list's `metadata.resourceVersion`: start a watch from here to see every later change.
    public var resourceVersion: String
    /// The `metadata.continue` token when more pages remain (only from a single-page request).
    public var continueToken: String?

    /// Creates a list.
    public init(items: [Object], resourceVersion: String, continueToken: String? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }
}

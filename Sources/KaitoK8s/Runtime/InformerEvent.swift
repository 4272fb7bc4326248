import KaitoCore

/// A change an ``Informer`` noticed in its cache.
///
/// Events follow the server's order for each object. After a relist (410 Gone) the informer emits the
/// difference between the cache and the new list, so a consumer that applies every event to a map ends up with
/// the server's state.
public enum InformerEvent<Object: KubernetesObjectConvertible>: Sendable {
    /// An object entered the cache.
    case added(Object)
    /// A cached object changed; a periodic resync emits this with `old` and `new` the same object.
    case updated(old: Object, new: Object)
    /// An object left the cache; the value is its last known state.
    case deleted(Object)

    /// The object as it is now (the new one for an update, the last known one for a deletion).
    public var object: Object {
        switch self {
        case .added(let object), .deleted(let object): object
        case .updated(_, let new): new
        }
    }

    /// The namespace/name key of the object.
    public var key: ObjectKey { ObjectKey(object) }

    /// Whether this is a resync: an update whose old and new objects have the same resourceVersion.
    public var isResync: Bool {
        if case .updated(let old, let new) = self {
            return old.metadata.resourceVersion == new.metadata.resourceVersion
        }
        return false
    }
}

extension InformerEvent: Equatable where Object: Equatable {}
extension InformerEvent: Hashable where Object: Hashable {}

/// The key an object is cached under: its namespace (empty for cluster-scoped objects) and name.
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The namespace; empty for cluster-scoped objects.
    public var namespace: String
    /// The name.
    public var name: String

    /// Creates a key.
    public init(namespace: String?, name: String) {
        self.namespace = namespace ?? ""
        self.name = name
    }

    /// The key of an object, from its metadata.
    public init(_ object: some KubernetesObjectConvertible) {
        self.init(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
    }

    /// `namespace/name`, or `name` for cluster-scoped objects (client-go's `MetaNamespaceKeyFunc`).
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    /// Orders by namespace, then name.
    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

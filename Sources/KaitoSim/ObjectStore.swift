import Foundation
import KaitoCore

/// Where one object lives: its resource, namespace (empty when cluster-scoped) and name.
struct ObjectKey: Hashable, Comparable {
    var resource: GroupResource
    var namespace: String
    var name: String

    static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.resource, lhs.namespace, lhs.name) < (rhs.resource, rhs.namespace, rhs.name)
    }

    /// The etcd-style key used in storage error messages.
    func storageKey(customResource: Bool) -> String {
        let prefix =
            customResource ? "/registry/\(resource.group)/\(resource.resource)" : "/registry/\(resource.resource)"
        return namespace.isEmpty ? "\(prefix)/\(name)" : "\(prefix)/\(namespace)/\(name)"
    }
}

/// An object as stored: its JSON (with rendered `metadata.managedFields`) and the ownership behind it.
struct StoredObject {
    var object: [String: JSONValue]
    var managers: [ManagedFieldsEntry]
}

/// One write, as kept in the event log for watch replay and consistent list pages.
struct LoggedEvent {
    var revision: Int64
    var key: ObjectKey
    var type: WatchEvent.EventType
    /// The new state (for deletions, the last state with the deletion's resourceVersion).
    var object: [String: JSONValue]
    /// The state before the write, `nil` for creations.
    var previous: [String: JSONValue]?
}

/// A registered watch.
struct Watcher {
    var descriptor: ResourceDescriptor
    var namespace: String?
    var selection: Selection
    var allowBookmarks: Bool
    var continuation: AsyncStream<WatchEvent>.Continuation
}

/// Who a write is attributed to in `managedFields`.
enum Attribution {
    /// A create, update or non-apply patch by this manager.
    case update(manager: String)
    /// A server-side apply that has already computed the new ownership.
    case apply(entries: [ManagedFieldsEntry])
}

/// The state behind ``APIStore``: a value type with synchronous operations, so the actor is a thin shell.
struct ObjectStore {
    static let defaultManager = "unknown"
    static let garbageCollectorManager = "kube-controller-manager"
    static let orphanFinalizer = "orphan"
    static let foregroundFinalizer = "foregroundDeletion"
    static let namespaceFinalizer = "kubernetes"
    static let namespaces = GroupResource(group: "", resource: "namespaces")
    static let pods = GroupResource(group: "", resource: "pods")
    static let deployments = GroupResource(group: "apps", resource: "deployments")

    let clock: any SimulationClock
    var identifiers: any IdentifierSource
    let configuration: APIStore.Configuration
    let baseline: ResourceRegistry
    var registry: ResourceRegistry
    var tables: [GroupResource: [String: [String: StoredObject]]] = [:]
    var uidIndex: [String: ObjectKey] = [:]
    var revision: Int64 = 0
    var log: [LoggedEvent] = []
    var logStart = 0
    /// Every event with a revision above this one is still in the log.
    var logFloor: Int64 = 0
    var watchers: [UInt64: Watcher] = [:]
    var nextWatcherID: UInt64 = 0
    /// The request being served: its field-validation mode and the warnings it collects.
    var request = RequestScope()
    /// ServiceAccount tokens issued through `serviceaccounts/NAME/token`.
    var issuedTokens: [String: IssuedToken] = [:]

    init(configuration: APIStore.Configuration, clock: any SimulationClock, identifiers: any IdentifierSource) {
        self.clock = clock
        self.identifiers = identifiers
        self.configuration = configuration
        self.baseline = configuration.registry
        self.registry = configuration.registry
        for name in configuration.initialNamespaces {
            _ = try? create(
                GroupVersionResource(group: "", version: "v1", resource: "namespaces"), namespace: nil,
                body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]],
                attribution: .update(manager: "kube-apiserver"))
        }
        if configuration.bootstrap {
            seedBootstrapObjects()
            _ = collectGarbage()
            // A real API server's watch cache starts after its bootstrap: older resourceVersions are too old.
            logFloor = revision
        }
    }

    // MARK: - Lookup

    func descriptor(_ resource: GroupVersionResource) throws -> ResourceDescriptor {
        guard let descriptor = registry.descriptor(for: resource) else { throw APIError.resourceNotFound() }
        return descriptor
    }

    /// Any served descriptor of a stored resource, preferred version first (`nil` once its CRD is gone).
    func anyDescriptor(_ resource: GroupResource) -> ResourceDescriptor? {
        registry.descriptors(for: resource).first ?? baseline.descriptors(for: resource).first
    }

    /// The namespace of a single-object request: required for namespaced kinds, absent for cluster-scoped ones.
    func objectNamespace(_ descriptor: ResourceDescriptor, _ namespace: String?) throws -> String {
        if descriptor.namespaced {
            guard let namespace, !namespace.isEmpty else { throw APIError.resourceNotFound() }
            return namespace
        }
        guard (namespace ?? "").isEmpty else { throw APIError.resourceNotFound() }
        return ""
    }

    func stored(_ key: ObjectKey) -> StoredObject? {
        tables[key.resource]?[key.namespace]?[key.name]
    }

    func now() -> String {
        RFC3339.string(from: clock.now())
    }

    /// The object as a response: `apiVersion` and `kind` of the requested version.
    func output(_ object: [String: JSONValue], _ descriptor: ResourceDescriptor?) -> JSONValue {
        if EventConversion.converts(descriptor) { return .object(EventConversion.toEventsV1(object)) }
        var object = object
        if let descriptor {
            object["apiVersion"] = .string(descriptor.apiVersion)
            object["kind"] = .string(descriptor.kind)
        }
        return .object(object)
    }

    func get(_ resource: GroupVersionResource, namespace: String?, name: String) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let key = ObjectKey(
            resource: descriptor.storageResource, namespace: try objectNamespace(descriptor, namespace), name: name)
        guard let stored = stored(key) else { throw APIError.notFound(descriptor.groupResource, name: name) }
        return output(stored.object, descriptor)
    }

    /// Every stored key, sorted, optionally of one resource.
    func allKeys(of resource: GroupResource? = nil) -> [ObjectKey] {
        var keys: [ObjectKey] = []
        for (group, namespaces) in tables where resource == nil || resource == group {
            for (namespace, objects) in namespaces {
                for name in objects.keys { keys.append(ObjectKey(resource: group, namespace: namespace, name: name)) }
            }
        }
        return keys.sorted()
    }

    // MARK: - Storage primitives

    /// Stores a new or changed object under a new resourceVersion and records the event.
    mutating func put(_ key: ObjectKey, object: [String: JSONValue], managers: [ManagedFieldsEntry]) -> [String:
        JSONValue]
    {
        let previous = stored(key)?.object
        revision += 1
        var accessor = ObjectAccessor(object)
        accessor.setString("resourceVersion", String(revision))
        accessor.metadata["managedFields"] = managers.isEmpty ? nil : .array(managers.map(\.jsonValue))
        let final = accessor.object
        tables[key.resource, default: [:]][key.namespace, default: [:]][key.name] = StoredObject(
            object: final, managers: managers)
        uidIndex[accessor.uid] = key
        record(
            LoggedEvent(
                revision: revision, key: key, type: previous == nil ? .added : .modified, object: final,
                previous: previous))
        return final
    }

    /// Removes an object under a new resourceVersion and records the event; returns its last state.
    mutating func remove(_ key: ObjectKey) -> [String: JSONValue]? {
        guard let stored = stored(key) else { return nil }
        revision += 1
        var accessor = ObjectAccessor(stored.object)
        accessor.setString("resourceVersion", String(revision))
        tables[key.resource]?[key.namespace]?[key.name] = nil
        if tables[key.resource]?[key.namespace]?.isEmpty == true { tables[key.resource]?[key.namespace] = nil }
        uidIndex[accessor.uid] = nil
        record(
            LoggedEvent(revision: revision, key: key, type: .deleted, object: accessor.object, previous: stored.object))
        if key.resource == CustomResourceDefinitions.resource {
            crdRemoved(stored.object)
        }
        return accessor.object
    }

    private mutating func record(_ event: LoggedEvent) {
        log.append(event)
        let window = max(1, configuration.eventWindow)
        while log.count - logStart > window {
            logFloor = log[logStart].revision
            logStart += 1
        }
        if logStart > 1024, logStart * 2 > log.count {
            log.removeFirst(logStart)
            logStart = 0
        }
        notify(event)
    }

    /// The retained events, oldest first.
    var retainedEvents: ArraySlice<LoggedEvent> { log[logStart...] }
}

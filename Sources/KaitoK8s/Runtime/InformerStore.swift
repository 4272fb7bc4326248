public import KaitoCore
import KaitoHTTP

/// The cache of an ``Informer``: the objects it last saw, keyed by namespace and name, indexed by namespace and
/// by label.
///
/// The informer is the only writer. Reads are snapshots: the objects returned do not change afterwards.
/// Lists come back sorted by namespace, then name.
///
/// ```swift
/// let store = informer.store
/// let falcon = await store.object(namespace: "default", name: "falcon")
/// let gpus = await store.objects(matching: ["apps": "falcon"], namespace: "default")
/// ```
public actor InformerStore<Object: KubernetesObjectConvertible> {
    private var items: [ObjectKey: Object] = [:]
    private var byNamespace: [String: Set<ObjectKey>] = [:]
    /// label key → label value → objects with that label.
    private var byLabel: [String: [String: Set<ObjectKey>]] = [:]
    /// Notifications, sent while the actor applies the change they describe.
    nonisolated let hub = EventHub<InformerEvent<Object>>()

    /// The newest resourceVersion the cache reflects: of the last list, object event or bookmark; empty before the
    /// first list.
    public private(set) var resourceVersion = ""

    init() {}

    // MARK: - Reads

    /// How many objects are cached.
    public var count: Int { items.count }

    /// The keys of the cached objects, sorted.
    public var keys: [ObjectKey] { items.keys.sorted() }

    /// Every cached object by key.
    public var contents: [ObjectKey: Object] { items }

    /// The cached object with this namespace (`nil` or empty for cluster-scoped objects) and name.
    public func object(namespace: String?, name: String) -> Object? {
        items[ObjectKey(namespace: namespace, name: name)]
    }

    /// The cached object with this key.
    public func object(forKey key: ObjectKey) -> Object? {
        items[key]
    }

    /// The cached objects of one namespace, or all of them when `namespace` is `nil`.
    public func objects(namespace: String? = nil) -> [Object] {
        sorted(candidates(namespace: namespace) ?? Set(items.keys))
    }

    /// The cached objects whose labels satisfy `selector`, optionally in one namespace.
    ///
    /// An empty selector matches every object, as in Kubernetes.
    public func objects(matching selector: LabelSelector, namespace: String? = nil) -> [Object] {
        var keys = candidates(namespace: namespace)
        for (key, value) in selector.matchLabels ?? [:] {
            keys = intersect(keys, byLabel[key]?[value] ?? [])
        }
        for requirement in selector.matchExpressions ?? [] {
            switch requirement.operator {
            case .in:
                let values = byLabel[requirement.key] ?? [:]
                let union = (requirement.values ?? []).reduce(into: Set<ObjectKey>()) { $0.formUnion(values[$1] ?? []) }
                keys = intersect(keys, union)
            case .exists:
                let union = (byLabel[requirement.key] ?? [:]).values.reduce(into: Set<ObjectKey>()) { $0.formUnion($1) }
                keys = intersect(keys, union)
            case .notIn, .doesNotExist:
                break
            }
        }
        let matching = (keys ?? Set(items.keys)).filter { key in
            items[key].map { selector.matches($0.metadata.labels ?? [:]) } ?? false
        }
        return sorted(matching)
    }

    /// The cached objects that carry every one of these labels, optionally in one namespace.
    public func objects(matching labels: [String: String], namespace: String? = nil) -> [Object] {
        objects(matching: LabelSelector(matchLabels: labels), namespace: namespace)
    }

    private func candidates(namespace: String?) -> Set<ObjectKey>? {
        guard let namespace else { return nil }
        return byNamespace[namespace] ?? []
    }

    private func intersect(_ keys: Set<ObjectKey>?, _ other: Set<ObjectKey>) -> Set<ObjectKey> {
        keys.map { $0.intersection(other) } ?? other
    }

    private func sorted(_ keys: Set<ObjectKey>) -> [Object] {
        keys.sorted().compactMap { items[$0] }
    }

    // MARK: - Writes (by the informer)

    /// Applies one watch event and notifies subscribers of the change it makes, if any.
    ///
    /// An `ADDED` or `MODIFIED` event with the cached resourceVersion changes nothing (a replay after a
    /// reconnect); a `DELETED` event for an object not cached changes nothing.
    @discardableResult
    func apply(_ event: WatchEvent<Object>) -> InformerEvent<Object>? {
        if let version = event.resourceVersion, !version.isEmpty { resourceVersion = version }
        let change: InformerEvent<Object>?
        switch event {
        case .added(let object), .modified(let object):
            change = upsert(object)
        case .deleted(let object):
            let key = ObjectKey(object)
            if items[key] != nil {
                remove(key)
                change = .deleted(object)
            } else {
                change = nil
            }
        case .bookmark:
            change = nil
        }
        if let change { hub.send(change) }
        return change
    }

    /// Replaces the cache with a fresh list and notifies subscribers of the difference: objects that appeared,
    /// changed (by resourceVersion) or vanished.
    @discardableResult
    func replace(with objects: [Object], resourceVersion: String) -> [InformerEvent<Object>] {
        var changes: [InformerEvent<Object>] = []
        var listed = Set<ObjectKey>()
        for object in objects {
            listed.insert(ObjectKey(object))
            if let change = upsert(object) { changes.append(change) }
        }
        for key in items.keys.sorted() where !listed.contains(key) {
            if let object = items[key] {
                remove(key)
                changes.append(.deleted(object))
            }
        }
        self.resourceVersion = resourceVersion
        for change in changes { hub.send(change) }
        return changes
    }

    /// Notifies subscribers of every cached object as `.updated(old: x, new: x)`, in key order.
    @discardableResult
    func resync() -> Int {
        let objects = sorted(Set(items.keys))
        for object in objects { hub.send(.updated(old: object, new: object)) }
        return objects.count
    }

    /// Registers a subscriber; with `replay`, its stream starts with `.added` for every cached object, so the
    /// subscriber sees the cache and then every change, with nothing missed or repeated.
    func subscribe(replay: Bool) -> AsyncStream<InformerEvent<Object>> {
        hub.subscribe(initial: replay ? sorted(Set(items.keys)).map { .added($0) } : [])
    }

    private func upsert(_ object: Object) -> InformerEvent<Object>? {
        let key = ObjectKey(object)
        guard let old = items[key] else {
            insert(object, key: key)
            return .added(object)
        }
        if let version = object.metadata.resourceVersion, !version.isEmpty, version == old.metadata.resourceVersion {
            return nil
        }
        remove(key)
        insert(object, key: key)
        return .updated(old: old, new: object)
    }

    private func insert(_ object: Object, key: ObjectKey) {
        items[key] = object
        byNamespace[key.namespace, default: []].insert(key)
        for (label, value) in object.metadata.labels ?? [:] {
            byLabel[label, default: [:]][value, default: []].insert(key)
        }
    }

    private func remove(_ key: ObjectKey) {
        guard let object = items.removeValue(forKey: key) else { return }
        byNamespace[key.namespace]?.remove(key)
        if byNamespace[key.namespace]?.isEmpty == true { byNamespace[key.namespace] = nil }
        for (label, value) in object.metadata.labels ?? [:] {
            byLabel[label]?[value]?.remove(key)
            if byLabel[label]?[value]?.isEmpty == true { byLabel[label]?[value] = nil }
            if byLabel[label]?.isEmpty == true { byLabel[label] = nil }
        }
    }
}

/// Fans notifications out to any number of `AsyncStream` subscribers.
final class EventHub<Element: Sendable>: Sendable {
    private struct State: Sendable {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<Element>.Continuation] = [:]
        var isFinished = false
    }

    private let state = Locked(State())

    /// A new subscriber's stream, starting with `initial` and then everything sent from now on.
    func subscribe(initial: [Element] = []) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self)
        for element in initial { continuation.yield(element) }
        let id: UInt64? = state.withLock { state in
            guard !state.isFinished else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { $0.subscribers[id] = nil }
        }
        return stream
    }

    /// Sends an element to every current subscriber.
    func send(_ element: Element) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(element) }
    }

    /// How many subscribers are registered.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every subscriber's stream; later subscribers get a stream that ends at once, until ``reopen()``.
    func finish() {
        let subscribers = state.withLock { state in
            state.isFinished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Accepts subscribers again after ``finish()``.
    func reopen() {
        state.withLock { $0.isFinished = false }
    }
}

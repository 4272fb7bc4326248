public import KaitoCore
import KaitoHTTP

/// Hands out one ``Informer`` per collection to every caller that asks, and runs them all.
///
/// ```swift
/// let factory = SharedInformerFactory(client: client, resyncPeriod: .seconds(600))
/// let workspaces = factory.informer(for: Workspace.self)
/// let deployments = factory.informer(.deployments)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { await factory.run() }
///     try await factory.waitForCacheSync()
///     …
/// }
/// ```
///
/// Informers are keyed by resource type, namespace, label selector and Swift object type: asking twice for the
/// same key returns the same instance, so one list and one watch serve every caller. ``run()`` starts each
/// informer exactly once, including informers asked for after it started, and stops them all when its task is
/// cancelled.
public final class SharedInformerFactory: Sendable {
    /// The client every informer uses.
    public let client: KubernetesClient
    /// The resync period of informers that do not name one.
    public let defaultResyncPeriod: Duration?
    /// The backoff of every informer.
    public let backoff: WatchReconnectPolicy
    private let errorHandler: (@Sendable (ResourceType, any Error) -> Void)?

    /// One informer's identity in the factory.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        /// The resource.
        public var resourceType: ResourceType
        /// The namespace, or `nil` for all.
        public var namespace: String?
        /// The label selector, or `nil` for none.
        public var labelSelector: String?
        let objectType: ObjectIdentifier

        /// `deployments.apps in default (app=falcon)`.
        public var description: String {
            var text = resourceType.description
            if let namespace { text += " in \(namespace)" }
            if let labelSelector { text += " (\(labelSelector))" }
            return text
        }
    }

    private struct Entry: Sendable {
        var informer: any SharedInformer
        var started = false
    }

    private struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var order: [Key] = []
        var launcher: AsyncStream<any SharedInformer>.Continuation?
    }

    private let state = Locked(State())

    /// Creates a factory.
    /// - Parameters:
    ///   - client: The client every informer uses.
    ///   - resyncPeriod: The resync period of informers that do not name one; `nil` never resyncs.
    ///   - backoff: The wait between failed lists and watches.
    ///   - onError: Called with every failure an informer recovers from, and its resource.
    public init(
        client: KubernetesClient, resyncPeriod: Duration? = nil, backoff: WatchReconnectPolicy = WatchReconnectPolicy(),
        onError: (@Sendable (ResourceType, any Error) -> Void)? = nil
    ) {
        self.client = client
        self.defaultResyncPeriod = resyncPeriod
        self.backoff = backoff
        self.errorHandler = onError
    }

    /// The informer for a typed resource (``Workspace``), created on first request.
    /// - Parameters:
    ///   - type: The Swift type.
    ///   - namespace: One namespace, or `nil` for all.
    ///   - labelSelector: Restricts the collection by label.
    ///   - resyncPeriod: Used only when this call creates the informer; `nil` takes the factory's.
    public func informer<Object: KubernetesResource>(
        for type: Object.Type, namespace: String? = nil, labelSelector: String? = nil, resyncPeriod: Duration? = nil
    ) -> Informer<Object> {
        informer(
            for: type, Object.resourceType, namespace: namespace, labelSelector: labelSelector,
            resyncPeriod: resyncPeriod)
    }

    /// The informer for a resource read as unstructured ``KubernetesObject``s, created on first request.
    /// - Parameters:
    ///   - resourceType: The resource (`.deployments`, `.nodes`, …).
    ///   - namespace: One namespace, or `nil` for all.
    ///   - labelSelector: Restricts the collection by label.
    ///   - resyncPeriod: Used only when this call creates the informer; `nil` takes the factory's.
    public func informer(
        _ resourceType: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
        resyncPeriod: Duration? = nil
    ) -> Informer<KubernetesObject> {
        informer(
            for: KubernetesObject.self, resourceType, namespace: namespace, labelSelector: labelSelector,
            resyncPeriod: resyncPeriod)
    }

    /// The informer for a resource read as `Object`, created on first request.
    /// - Parameters:
    ///   - type: The Swift type objects decode as.
    ///   - resourceType: The resource.
    ///   - namespace: One namespace, or `nil` for all (ignored for cluster-scoped resources).
    ///   - labelSelector: Restricts the collection by label.
    ///   - resyncPeriod: Used only when this call creates the informer; `nil` takes the factory's.
    public func informer<Object: KubernetesObjectConvertible>(
        for type: Object.Type, _ resourceType: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
        resyncPeriod: Duration? = nil
    ) -> Informer<Object> {
        let key = Key(
            resourceType: resourceType,
            namespace: resourceType.isNamespaced ? namespace.flatMap { $0.isEmpty ? nil : $0 } : nil,
            labelSelector: labelSelector.flatMap { $0.isEmpty ? nil : $0 }, objectType: ObjectIdentifier(type))
        if let existing = state.withLock({ $0.entries[key]?.informer as? Informer<Object> }) { return existing }
        var onError: (@Sendable (any Error) -> Void)?
        if let handler = errorHandler {
            onError = { error in handler(resourceType, error) }
        }
        let created = Informer(
            client.resource(type, resourceType), namespace: key.namespace, labelSelector: key.labelSelector,
            resyncPeriod: resyncPeriod ?? defaultResyncPeriod, backoff: backoff, onError: onError)
        let result = state.withLock { state -> (Informer<Object>, AsyncStream<any SharedInformer>.Continuation?) in
            // Another caller may have created it meanwhile: theirs wins.
            if let existing = state.entries[key]?.informer as? Informer<Object> { return (existing, nil) }
            var entry = Entry(informer: created)
            entry.started = state.launcher != nil
            state.entries[key] = entry
            state.order.append(key)
            return (created, state.launcher)
        }
        let (informer, launch) = result
        launch?.yield(informer)
        return informer
    }

    /// The keys of every informer handed out, in the order they were first asked for.
    public var keys: [Key] { state.withLock { $0.order } }

    /// Whether every informer handed out so far has synced.
    public var hasSynced: Bool {
        state.withLock { state in state.order.compactMap { state.entries[$0]?.informer } }.allSatisfy(\.hasSynced)
    }

    /// Returns once every informer handed out so far has filled its cache.
    /// - Throws: `CancellationError` when the waiting task is cancelled or the factory stops first.
    public func waitForCacheSync() async throws {
        let informers = state.withLock { state in state.order.compactMap { state.entries[$0]?.informer } }
        for informer in informers { try await informer.waitUntilSynced() }
    }

    /// Runs every informer, and those asked for later, until the calling task is cancelled; then stops them all.
    ///
    /// Each informer is started once. Calling it while it already runs returns at once.
    public func run() async {
        let (stream, continuation) = AsyncStream.makeStream(of: (any SharedInformer).self)
        let pending: [any SharedInformer]? = state.withLock { state in
            guard state.launcher == nil else { return nil }
            state.launcher = continuation
            var pending: [any SharedInformer] = []
            for key in state.order where state.entries[key]?.started == false {
                state.entries[key]?.started = true
                if let informer = state.entries[key]?.informer { pending.append(informer) }
            }
            return pending
        }
        guard let pending else { return }
        for informer in pending { continuation.yield(informer) }
        await withDiscardingTaskGroup { group in
            for await informer in stream {
                group.addTask { await informer.run() }
            }
            group.cancelAll()
        }
        state.withLock { state in
            state.launcher = nil
            for key in state.order { state.entries[key]?.started = false }
        }
    }
}

/// What the factory needs of an informer, whatever its object type.
protocol SharedInformer: AnyObject, Sendable {
    var hasSynced: Bool { get }
    func waitUntilSynced() async throws
    func run() async
}

extension Informer: SharedInformer {}

public import Foundation
public import KaitoCore

/// The object store of the emulated Kubernetes API server, with the API server's semantics and no transport.
///
/// Objects are JSON (``JSONValue``) kept per resource and keyed by namespace and name. Every write takes the next
/// value of one cluster-wide resourceVersion counter and is logged for watches. Each operation mirrors one API
/// request, so an HTTP layer maps paths, query parameters and bodies straight onto these methods and renders
/// ``APIError/status`` for failures.
///
/// Time and randomness are injected: timestamps and watch timers read the ``SimulationClock``, UIDs and
/// `generateName` suffixes come from the ``IdentifierSource``.
///
/// The garbage collector and the namespace and CRD cleanup controllers run only in ``collectGarbage()``; a server
/// calls it after each mutating request.
public actor APIStore {
    /// Store settings.
    public struct Configuration: Sendable {
        /// How many events the watch log keeps; a watch or continue token older than the log gets 410 Expired.
        public var eventWindow: Int
        /// Interval of periodic `BOOKMARK` events on watches that allow them (by the injected clock); `nil` sends
        /// bookmarks only when ``APIStore/sendBookmarks()`` is called.
        public var bookmarkInterval: TimeInterval?
        /// Namespaces that exist from the start.
        public var initialNamespaces: [String]
        /// The served resources at start.
        public var registry: ResourceRegistry
        /// How many generated names a create with `generateName` tries before giving up with 409.
        public var generateNameAttempts: Int
        /// The cluster CA certificate (PEM) published in every namespace's `kube-root-ca.crt` ConfigMap; `nil`
        /// publishes a placeholder certificate.
        public var clusterCAPEM: String?
        /// Whether the store starts with what a new API server creates: the bootstrap RBAC policy, the
        /// `kubernetes` Service, the system PriorityClasses, and each namespace's default ServiceAccount and
        /// `kube-root-ca.crt`. Watches and consistent lists cannot start before this bootstrap.
        public var bootstrap: Bool
        /// Whether kube-controller-manager's namespace bootstrap controllers run: a `default` ServiceAccount and a
        /// `kube-root-ca.crt` ConfigMap in every namespace. Off is like an API server without a controller manager
        /// (as controller-runtime's envtest runs one), for tests that count a namespace's objects.
        public var namespaceBootstrapControllers: Bool

        /// Creates settings; the defaults are a 10 000-event window, no periodic bookmarks, the namespaces
        /// `default`, `kube-system`, `kube-public` and `kube-node-lease`, and ``ResourceRegistry/builtIn``.
        public init(
            eventWindow: Int = 10_000, bookmarkInterval: TimeInterval? = nil,
            initialNamespaces: [String] = ["default", "kube-system", "kube-public", "kube-node-lease"],
            registry: ResourceRegistry = .builtIn, generateNameAttempts: Int = 8, clusterCAPEM: String? = nil,
            bootstrap: Bool = true, namespaceBootstrapControllers: Bool = true
        ) {
            self.eventWindow = eventWindow
            self.bookmarkInterval = bookmarkInterval
            self.initialNamespaces = initialNamespaces
            self.registry = registry
            self.generateNameAttempts = generateNameAttempts
            self.clusterCAPEM = clusterCAPEM
            self.bootstrap = bootstrap
            self.namespaceBootstrapControllers = namespaceBootstrapControllers
        }
    }

    private var state: ObjectStore
    private let clock: any SimulationClock
    private let bookmarkInterval: TimeInterval?
    private var timers: [UInt64: Task<Void, Never>] = [:]

    /// Creates a store with its initial namespaces.
    public init(
        configuration: Configuration = Configuration(), clock: any SimulationClock, identifiers: any IdentifierSource
    ) {
        state = ObjectStore(configuration: configuration, clock: clock, identifiers: identifiers)
        self.clock = clock
        bookmarkInterval = configuration.bookmarkInterval
    }

    // MARK: - Discovery

    /// The served resources (built-in ones and those of established CRDs).
    public var registry: ResourceRegistry { state.registry }

    /// The latest resourceVersion.
    public var currentResourceVersion: String { String(state.revision) }

    /// The clock the store reads, for an HTTP layer that prints ages (`kubectl get`'s AGE column) by it.
    public nonisolated var simulationClock: any SimulationClock { clock }

    /// Runs one request's write with its field-validation mode and returns the result with the warnings the write
    /// collected (unknown fields under `Warn`). With `dryRun` (`dryRun=All`) the write runs on a copy of the state
    /// that no watch sees and that is then discarded: the result and the errors are the write's, and nothing is
    /// stored, logged or sent to watches.
    func perform<Result: Sendable>(
        fieldValidation: FieldValidation, dryRun: Bool, decodingProblems: [String] = [],
        _ write: @Sendable (inout ObjectStore) throws -> Result
    ) throws -> (result: Result, warnings: [String]) {
        let scope = RequestScope(fieldValidation: fieldValidation, decodingProblems: decodingProblems)
        if dryRun {
            var copy = state
            copy.watchers = [:]
            copy.request = scope
            let result = try write(&copy)
            return (result, copy.request.warnings)
        }
        state.request = scope
        defer { state.request = RequestScope() }
        let result = try write(&state)
        return (result, state.request.warnings)
    }

    /// Runs a write made by the HTTP layer for a subresource (binding, scale, token, eviction) on the state.
    func performWrite<Result: Sendable>(_ write: (inout ObjectStore) throws -> Result) throws -> Result {
        try write(&state)
    }

    /// Runs a read-only function over the current state.
    func withState<Result>(_ body: (ObjectStore) throws -> Result) rethrows -> Result {
        try body(state)
    }

    // MARK: - Reads

    /// Gets one object (`GET …/NAME`, also for `…/NAME/status`).
    /// - Parameter namespace: required for namespaced resources, `nil` for cluster-scoped ones.
    /// - Throws: ``APIError`` 404 NotFound.
    public func get(_ resource: GroupVersionResource, namespace: String? = nil, name: String) throws -> JSONValue {
        try state.get(resource, namespace: namespace, name: name)
    }

    /// Lists objects (`GET` on a collection) with label and field selectors and `limit`/`continue` paging.
    ///
    /// Pages of one listing are consistent: they show the objects as they were at the first page's
    /// resourceVersion, rebuilt from the event log. A token older than the log gives 410 Expired with a token
    /// to continue inconsistently.
    /// - Parameter namespace: `nil` lists all namespaces.
    /// - Throws: ``APIError`` 400 for a bad selector or token, 404 for an unknown resource, 410 Expired.
    public func list(
        _ resource: GroupVersionResource, namespace: String? = nil, options: ListOptions = ListOptions()
    ) throws -> ListResult {
        try state.list(resource, namespace: namespace, options: options)
    }

    // MARK: - Writes

    /// Creates an object (`POST`).
    ///
    /// Fills `metadata.namespace` from the path, generates the name from `generateName`, and sets `uid`,
    /// `creationTimestamp`, `generation` (kinds that track it) and `resourceVersion`. The `status` a client sends is
    /// kept or reset as the kind's strategy does (``ResourceDescriptor/statusOnCreate``). Custom resources are
    /// pruned, defaulted and validated against their schema. Creating a CRD serves its versions.
    /// - Parameter fieldManager: the manager recorded in `managedFields` (an HTTP layer passes the `fieldManager`
    ///   parameter or the user agent's product name, as Kubernetes does).
    /// - Throws: ``APIError`` 400 (namespace mismatch), 403 (terminating namespace), 404 (missing namespace),
    ///   409 AlreadyExists, 422 Invalid.
    public func create(
        _ resource: GroupVersionResource, namespace: String? = nil, object: JSONValue, fieldManager: String? = nil
    ) throws -> JSONValue {
        try state.create(
            resource, namespace: namespace, body: object,
            attribution: .update(manager: fieldManager ?? ObjectStore.defaultManager))
    }

    /// Replaces an object (`PUT`), or its status with `subresource: .status`.
    ///
    /// A non-empty `metadata.resourceVersion` must match (else 409 Conflict); an empty one updates
    /// unconditionally. UID, name, namespace and creation timestamp cannot change. For kinds with a status
    /// subresource, a main update keeps the stored status and a status update changes nothing else.
    /// `generation` grows when anything outside `metadata` (and `status`, for kinds with the subresource) changes.
    /// An update that changes nothing is not written. An update that removes the last finalizer of an object
    /// being deleted removes it.
    /// - Throws: ``APIError`` 400, 404, 409 Conflict, 422.
    public func update(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String, object: JSONValue,
        subresource: Subresource = .main, fieldManager: String? = nil
    ) throws -> JSONValue {
        try state.update(
            resource, namespace: namespace, name: name, body: object, subresource: subresource,
            attribution: .update(manager: fieldManager ?? ObjectStore.defaultManager))
    }

    /// Patches an object (`PATCH`) with a JSON patch, a merge patch, a strategic merge patch (built-in kinds only;
    /// custom resources answer 415 as a real server does) or a server-side apply.
    ///
    /// Server-side apply needs `options.fieldManager`, creates a missing object, and fails with 409 when another
    /// manager owns a field it sets to a different value, unless `options.force` is set. Ownership is tracked per
    /// leaf path; fields the manager applied before and omits now are removed unless another manager owns them.
    /// - Throws: ``APIError`` 400, 404, 409, 415, 422.
    public func patch(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String, type: PatchType, patch: JSONValue,
        options: PatchOptions = PatchOptions(), subresource: Subresource = .main
    ) throws -> JSONValue {
        try state.patch(
            resource, namespace: namespace, name: name, type: type, body: patch, options: options,
            subresource: subresource)
    }

    /// Binds a pending pod to a node (`POST …/pods/NAME/binding` with a `Binding`), as the scheduler does.
    /// - Throws: ``APIError`` 404 for a missing pod, 409 when it is bound already or being deleted, 422 for a
    ///   binding without a node.
    @discardableResult
    public func bindPod(namespace: String, name: String, nodeName: String) throws -> JSONValue {
        try state.bind(
            namespace: namespace, podName: name,
            body: ["metadata": ["name": .string(name)], "target": ["kind": "Node", "name": .string(nodeName)]])
    }

    /// Deletes an object (`DELETE`).
    ///
    /// Without finalizers (and with background propagation) the object goes at once; otherwise it gets a
    /// `deletionTimestamp` (set once; `generation` grows) and stays until its finalizers are removed. Foreground
    /// propagation adds the `foregroundDeletion` finalizer, orphan propagation the `orphan` finalizer;
    /// ``collectGarbage()`` acts on them.
    /// - Throws: ``APIError`` 404, 409 when a UID or resourceVersion precondition fails, 403 for the system
    ///   namespaces.
    public func delete(
        _ resource: GroupVersionResource, namespace: String? = nil, name: String,
        options: DeleteOptions = DeleteOptions()
    ) throws -> DeleteResult {
        try state.delete(resource, namespace: namespace, name: name, options: options)
    }

    /// Deletes every object a list would return (`DELETE` on a collection).
    /// - Throws: ``APIError`` 400 for a bad selector, 404 for an unknown resource.
    public func deleteCollection(
        _ resource: GroupVersionResource, namespace: String? = nil, listOptions: ListOptions = ListOptions(),
        deleteOptions: DeleteOptions = DeleteOptions()
    ) throws -> [DeleteResult] {
        try state.deleteCollection(
            resource, namespace: namespace, listOptions: listOptions, deleteOptions: deleteOptions)
    }

    /// Runs the garbage collector and the namespace and CRD cleanup controllers until nothing changes.
    ///
    /// - Namespaces being deleted lose their content, then their `kubernetes` finalizer, then go.
    /// - CRDs being deleted lose their custom resources, then their cleanup finalizer, then go.
    /// - Owners with the `orphan` finalizer have their owner references removed from dependents, then lose the
    ///   finalizer.
    /// - Owners with the `foregroundDeletion` finalizer have their dependents deleted, and lose the finalizer once
    ///   no dependent with `blockOwnerDeletion: true` remains.
    /// - Objects none of whose owners (by UID, in the same namespace or cluster-scoped) exist are deleted; missing
    ///   owners are dropped from objects that still have one.
    /// - Returns: what was done, in order.
    @discardableResult
    public func collectGarbage() -> [GarbageCollectionAction] {
        state.collectGarbage()
    }

    // MARK: - Watch

    /// Watches a resource (`GET …?watch=true`).
    ///
    /// With no resourceVersion or `"0"`, the matching objects come first as `ADDED`; with a resourceVersion, the
    /// logged events after it are replayed; then live events follow. Selectors apply to both the old and new state
    /// of a change, so an object that stops matching gives `DELETED` and one that starts matching `ADDED`.
    /// A resourceVersion older than the event window gives one `ERROR` event carrying a 410 Expired `Status`
    /// (`too old resource version: X (Y)`) and the end of the stream.
    ///
    /// Bookmarks (when `allowBookmarks`) come from ``sendBookmarks()`` and, with
    /// ``Configuration/bookmarkInterval``, periodically by the injected clock. `timeoutSeconds` ends the stream by
    /// the injected clock. Ending the iteration (or cancelling its task) unregisters the watch.
    /// - Throws: ``APIError`` 400 for a bad selector, 404 for an unknown resource, 422 for a malformed
    ///   resourceVersion.
    public func watch(
        _ resource: GroupVersionResource, namespace: String? = nil, options: WatchOptions = WatchOptions()
    ) throws -> AsyncStream<WatchEvent> {
        let (stream, id) = try state.startWatch(resource, namespace: namespace, options: options)
        guard let id, let continuation = state.watchers[id]?.continuation else { return stream }
        let deadline = options.timeoutSeconds.map { clock.now().addingTimeInterval($0) }
        let interval = options.allowBookmarks ? bookmarkInterval.flatMap { $0 > 0 ? $0 : nil } : nil
        // The API server's watch cache sends a bookmark 2 s before a watch's deadline, so that a client resuming
        // after the timeout starts from a recent resourceVersion.
        let start = clock.now()
        let preTimeout = options.allowBookmarks ? deadline.map { $0.addingTimeInterval(-2) } : nil
        // A consumer that goes away (a closed connection) unregisters the watch at once.
        continuation.onTermination = { [weak self] _ in
            Task { await self?.endWatch(id) }
        }
        if deadline != nil || interval != nil {
            let clock = clock
            let preTimeout = preTimeout.flatMap { $0 > start ? $0 : nil }
            let task = Task { [weak self] in
                await Self.runTimer(
                    store: self, id: id, clock: clock, start: start, deadline: deadline, interval: interval,
                    preTimeout: preTimeout)
                await self?.timerFinished(id)
            }
            timers[id] = task
        }
        return stream
    }

    private static func runTimer(
        store: APIStore?, id: UInt64, clock: any SimulationClock, start: Date, deadline: Date?, interval: TimeInterval?,
        preTimeout: Date?
    ) async {
        var nextBookmark = interval.map { start.addingTimeInterval($0) }
        var preTimeout = preTimeout
        while !Task.isCancelled {
            let candidates = [deadline, nextBookmark, preTimeout].compactMap { $0 }
            guard let wake = candidates.min() else { return }
            do {
                try await clock.sleep(until: wake)
            } catch {
                return
            }
            if let deadline, wake >= deadline {
                await store?.endWatch(id)
                return
            }
            await store?.bookmark(id)
            if let pending = preTimeout, wake >= pending { preTimeout = nil }
            if let next = nextBookmark, wake >= next { nextBookmark = interval.map { wake.addingTimeInterval($0) } }
        }
    }

    /// Ends a watch and its timer (the timer itself at the deadline, or a consumer that went away).
    private func endWatch(_ id: UInt64) {
        timers.removeValue(forKey: id)?.cancel()
        state.endWatches(id: id)
    }

    private func timerFinished(_ id: UInt64) {
        timers[id] = nil
    }

    private func bookmark(_ id: UInt64) {
        state.sendBookmarks(to: id)
    }

    /// Sends a `BOOKMARK` with the current resourceVersion to every watch that allows bookmarks.
    public func sendBookmarks() {
        state.sendBookmarks()
    }

    /// Ends every watch, as an API server restart or a dropped connection would.
    public func dropWatches() {
        state.endWatches()
        timers.values.forEach { $0.cancel() }
        timers = [:]
    }

    /// How many watches are registered (ended ones are noticed at their next event).
    public var watchCount: Int { state.watchers.count }
}

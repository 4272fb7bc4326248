import KaitoHTTP

/// Keeps a local cache of one collection in step with the API server, and tells subscribers what changed.
///
/// ```swift
/// let informer = Informer(client.resource(Workspace.self), namespace: "default")
/// let events = informer.events()
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { await informer.run() }
///     try await informer.waitUntilSynced()
///     for await event in events { … }
/// }
/// ```
///
/// ``run()`` lists the collection, fills the ``store``, and then watches from the list's resourceVersion,
/// applying every change to the store before notifying subscribers. Dropped watches resume from the last
/// resourceVersion seen (see ``ResourceWatch``). When the server answers 410 Gone (the informer fell too far
/// behind) it lists again and emits the difference: `.added` for objects that appeared meanwhile, `.updated` for
/// those whose resourceVersion changed, `.deleted` for those that vanished. Failures never stop it: they are
/// recorded in ``lastError``, passed to the error handler, and retried with backoff.
///
/// With a ``resyncPeriod``, every cached object is re-emitted as `.updated(old: x, new: x)` at that interval,
/// as client-go does, so controllers periodically revisit everything.
public final class Informer<Object: KubernetesObjectConvertible>: Sendable {
    /// The resource the informer lists and watches.
    public let resource: ResourceClient<Object>
    /// The namespace, or `nil` for every namespace (and for cluster-scoped resources).
    public let namespace: String?
    /// The label selector the collection is restricted to, if any.
    public let labelSelector: String?
    /// The field selector the collection is restricted to, if any.
    public let fieldSelector: String?
    /// How often every cached object is re-emitted as an update; `nil` never.
    public let resyncPeriod: Duration?
    /// The backoff for failed lists and watches.
    public let backoff: WatchReconnectPolicy
    /// Objects per list request.
    public let pageSize: Int?
    /// The cache.
    public let store: InformerStore<Object>

    private let errorHandler: (@Sendable (any Error) -> Void)?
    private let state = Locked(State())

    private struct State: Sendable {
        var isRunning = false
        var hasSynced = false
        var lastError: (any Error)?
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var lists = 0
    }

    /// Creates an informer; nothing happens until ``run()``.
    ///
    /// - Parameters:
    ///   - resource: The resource to list and watch.
    ///   - namespace: One namespace, or `nil` for all.
    ///   - labelSelector: Restricts the collection by label (`app=falcon`).
    ///   - fieldSelector: Restricts the collection by field (`metadata.name=falcon`).
    ///   - resyncPeriod: How often to re-emit every cached object as an update; `nil` never.
    ///   - backoff: The wait between failed attempts. The watch inside gives up to the informer after
    ///     ``WatchReconnectPolicy/maxConsecutiveFailures`` (3 when `nil`), so failures show in ``lastError``.
    ///   - pageSize: Objects per list request; `nil` lists in one request.
    ///   - onError: Called with every failure the informer recovers from (a failed list, a broken watch); a 410 Gone
    ///   is routine and only relists.
    public init(
        _ resource: ResourceClient<Object>, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, resyncPeriod: Duration? = nil,
        backoff: WatchReconnectPolicy = WatchReconnectPolicy(),
        pageSize: Int? = 500, onError: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod.flatMap { $0 > .zero ? $0 : nil }
        self.backoff = backoff
        self.pageSize = pageSize
        self.errorHandler = onError
        self.store = InformerStore()
    }

    // MARK: - State

    /// Whether the first list has filled the cache.
    public var hasSynced: Bool { state.withLock { $0.hasSynced } }

    /// The most recent failure the informer recovered from, or `nil` once a list or watch works again.
    public var lastError: (any Error)? { state.withLock { $0.lastError } }

    /// Whether ``run()`` is running.
    public var isRunning: Bool { state.withLock { $0.isRunning } }

    /// How many times the informer has listed the collection (1 after the first sync; more after 410 Gone).
    public var listCount: Int { state.withLock { $0.lists } }

    /// Returns once the first list has filled the cache (at once if it already has).
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    public func waitUntilSynced() async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if state.hasSynced { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    // MARK: - Notifications

    /// A stream of the changes made to the cache from now on, for as long as the informer runs.
    ///
    /// Any number of subscribers can listen; each gets every change after it subscribed, in order, without a
    /// replay of what is already cached (use ``events(replayingCache:)`` for that). The stream buffers without
    /// limit, so keep consuming it. It finishes when ``run()`` returns (a stream asked for after that finishes at
    /// once, until ``run()`` is called again), and ends for its consumer when the consuming task is cancelled.
    /// Subscribing before ``run()`` also sees the first sync, as `.added` events.
    public func events() -> AsyncStream<InformerEvent<Object>> {
        store.hub.subscribe()
    }

    /// A stream that first replays the cache as `.added` events (in key order) when `replayingCache` is set, and
    /// then carries every later change, with nothing missed or repeated in between.
    public func events(replayingCache: Bool) async -> AsyncStream<InformerEvent<Object>> {
        await store.subscribe(replay: replayingCache)
    }

    // MARK: - Running

    /// Lists, then watches, keeping the cache current until the calling task is cancelled.
    ///
    /// Run it in a task or task group and cancel that to stop; subscribers' streams then finish. Failures are
    /// retried with backoff and never end the loop. Calling it while it already runs returns at once.
    public func run() async {
        let started = state.withLock { state -> Bool in
            guard !state.isRunning else { return false }
            state.isRunning = true
            return true
        }
        guard started else { return }
        store.hub.reopen()
        await withDiscardingTaskGroup { group in
            if let resyncPeriod {
                group.addTask { [store] in
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: resyncPeriod)
                        } catch {
                            return
                        }
                        await store.resync()
                    }
                }
            }
            await listAndWatch()
            group.cancelAll()
        }
        let waiters = state.withLock { state in
            state.isRunning = false
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        store.hub.finish()
    }

    private func listAndWatch() async {
        var failures = 0
        var needsList = true
        // 410s in a row with no event in between: a server that keeps refusing fresh lists' versions.
        var fruitlessRelists = 0
        while !Task.isCancelled {
            if needsList {
                do {
                    let list = try await resource.list(
                        namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                        pageSize: pageSize)
                    await store.replace(with: list.items, resourceVersion: list.resourceVersion)
                    needsList = false
                    failures = 0
                    markSynced()
                } catch {
                    if Task.isCancelled { return }
                    report(error)
                    guard await pause(attempt: failures) else { return }
                    failures += 1
                    continue
                }
            }
            let startVersion = await store.resourceVersion
            let watch = resource.watch(
                namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                resourceVersion: startVersion, timeoutSeconds: watchTimeoutSeconds(), reconnect: watchPolicy,
                onTransportError: { [weak self] error in self?.report(error) })
            var progressed = false
            do {
                for try await event in watch {
                    await store.apply(event)
                    // A working watch clears the last failure (also one it recovered from by reconnecting).
                    clearError()
                    if !progressed {
                        progressed = true
                        fruitlessRelists = 0
                        failures = 0
                    }
                }
            } catch let error as KubernetesError where error.isGone {
                // Too far behind: list again and emit the difference.
                needsList = true
                if !progressed {
                    fruitlessRelists += 1
                    if fruitlessRelists > 1, await !pause(attempt: fruitlessRelists - 2) { return }
                }
            } catch {
                if Task.isCancelled { return }
                report(error)
                guard await pause(attempt: failures) else { return }
                failures += 1
            }
        }
    }

    /// The watch's own policy: give up after a few failures so the informer records them and backs off.
    private var watchPolicy: WatchReconnectPolicy {
        var policy = backoff
        if policy.maxConsecutiveFailures == nil { policy.maxConsecutiveFailures = 3 }
        return policy
    }

    /// How long the server should keep each watch connection: below the client's idle limit (so a quiet
    /// collection ends its watch cleanly instead of timing out as a failure), spread at random like client-go.
    private func watchTimeoutSeconds() -> Int {
        let idle = resource.client.options.timeouts.idle.map { Int($0 / .seconds(1)) } ?? 600
        let ceiling = max(2, idle * 4 / 5)
        return Int.random(in: (ceiling / 2)...ceiling)
    }

    /// Sleeps the backoff; `false` when cancelled.
    private func pause(attempt: Int) async -> Bool {
        do {
            try await Task.sleep(for: backoff.backoff(attempt: attempt))
            return true
        } catch {
            return false
        }
    }

    private func markSynced() {
        let waiters = state.withLock { state in
            state.lists += 1
            state.lastError = nil
            state.hasSynced = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private func report(_ error: any Error) {
        state.withLock { $0.lastError = error }
        errorHandler?(error)
    }

    private func clearError() {
        state.withLock { $0.lastError = nil }
    }
}

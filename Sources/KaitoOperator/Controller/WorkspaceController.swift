import Foundation
public import KaitoK8s
public import KaitoCore
import KaitoHTTP
public import Logging

/// Kaito's workspace controller: watches Workspaces and what they own, plans each reconcile with
/// ``KaitoCore/Planner`` and applies the plan with a ``PlanExecutor``.
///
/// ```swift
/// let controller = WorkspaceController(client: client, configuration: WorkspaceControllerConfiguration())
/// try await controller.run()  // until the task is cancelled
/// ```
///
/// One ``SharedInformerFactory`` caches Workspaces; Deployments, StatefulSets, Jobs, ControllerRevisions and
/// Services (mapped to their workspace by controller owner reference or Kaito's labels); Machines or NodeClaims
/// (by the `kaito.sh/workspace` labels); Nodes (a node change wakes the workspaces whose label selector matches
/// it or whose `workerNodes` list it); and, for Karpenter, the cloud's node classes (AKSNodeClass, EC2NodeClass). Every change queues the
/// workspace's key; ``WorkspaceControllerConfiguration/maxConcurrentReconciles`` workers take keys from a
/// ``WorkQueue``, one worker per key at a time. Nothing polls: a plan that waits for a deadline asks to be
/// requeued after its ``KaitoCore/ReconcilePlan/requeueAfter``, and a failure retries with per-key backoff.
///
/// A failed reconcile is recorded as a `ReconcileFailed` Warning event, not repeated while the message stays the
/// same. A failure the user must fix (an object of a planned name that belongs to something else) is also written to
/// the status as `WorkspaceSucceeded=False` (`workspaceFailed`).
public final class WorkspaceController: Sendable {
    /// The client every request goes through.
    public let client: KubernetesClient
    /// The settings.
    public let configuration: WorkspaceControllerConfiguration
    /// Creates and deletes node claims.
    public let provisioner: any NodeProvisioner
    /// The informers of the current run (or of the last one, or the first one before ``run()``).
    public var factory: SharedInformerFactory { caches.factory }
    /// The keys waiting to be reconciled (`namespace`/`name` of workspaces).
    public let queue: WorkQueue<ObjectKey>

    let events: (any WorkspaceEventRecorder)?
    let observer: (any ControllerObserver)?
    let logger: Logger
    let executor: PlanExecutor
    private let state: Locked<State>

    /// The caches reconciles read: those of the current run.
    var caches: Caches { state.withLock { $0.caches } }

    private struct State: Sendable {
        var caches: Caches
        var runs = 0
        var isReady = false
        var isRunning = false
        /// The workspace as our last writes left it, by key, with the resourceVersions the cache may show before it
        /// catches up (the one before our writes and those between them): while it shows one of them, the written
        /// state is newer.
        var written: [ObjectKey: (staleVersions: Set<String>, workspace: Workspace)] = [:]
        /// The last failure reported as an event, by key, so retries do not repeat it.
        var lastFailure: [ObjectKey: String] = [:]
    }

    /// The informers the controller reads, from one factory.
    struct Caches: Sendable {
        let factory: SharedInformerFactory
        let workspaces: Informer<Workspace>
        let deployments: Informer<KubernetesObject>
        let statefulSets: Informer<KubernetesObject>
        let jobs: Informer<KubernetesObject>
        let controllerRevisions: Informer<KubernetesObject>
        let services: Informer<KubernetesObject>
        let nodes: Informer<KubernetesObject>
        let nodeClaims: Informer<KubernetesObject>?
        let nodeClasses: Informer<KubernetesObject>?

        /// A new factory with the informers `configuration` needs; nothing runs yet.
        init(client: KubernetesClient, configuration: WorkspaceControllerConfiguration, logger: Logger) {
            let factory = SharedInformerFactory(
                client: client, resyncPeriod: configuration.resyncPeriod,
                onError: { [logger] resource, error in
                    logger.warning("watching \(resource) failed; retrying: \(error)")
                })
            let namespace = configuration.namespace
            self.factory = factory
            workspaces = factory.informer(for: Workspace.self, namespace: namespace)
            deployments = factory.informer(.deployments, namespace: namespace)
            statefulSets = factory.informer(.statefulSets, namespace: namespace)
            jobs = factory.informer(.jobs, namespace: namespace)
            controllerRevisions = factory.informer(
                .controllerRevisions, namespace: namespace, labelSelector: WorkspaceRevision.nameLabel)
            services = factory.informer(.services, namespace: namespace)
            nodes = factory.informer(.nodes)
            nodeClaims = configuration.nodeClaimResource.map { factory.informer($0) }
            nodeClasses =
                configuration.watchNodeClasses ? configuration.nodeClassResource.map { factory.informer($0) } : nil
        }
    }

    /// Creates a controller; nothing happens until ``run()``.
    /// - Parameters:
    ///   - client: The API server client.
    ///   - configuration: The settings.
    ///   - provisioner: Creates and deletes node claims; `nil` uses an ``APIServerNodeProvisioner`` for the
    ///     configuration's effective provisioner.
    ///   - events: Receives workspace events (condition changes, node claims created and deleted, failures).
    ///   - observer: Receives reconcile outcomes, queue depth and cache summaries, for metrics.
    ///   - logger: Where the controller logs.
    public init(
        client: KubernetesClient, configuration: WorkspaceControllerConfiguration = WorkspaceControllerConfiguration(),
        provisioner: (any NodeProvisioner)? = nil, events: (any WorkspaceEventRecorder)? = nil,
        observer: (any ControllerObserver)? = nil, logger: Logger = Logger(label: "kaito.workspace-controller")
    ) {
        self.client = client
        self.configuration = configuration
        let provisioner =
            provisioner
            ?? APIServerNodeProvisioner(
                client: client, kind: configuration.effectiveProvisioner,
                nodeClaimAPIVersion: configuration.nodeClaimAPIVersion, fieldManager: configuration.fieldManager)
        self.provisioner = provisioner
        if provisioner.kind != configuration.effectiveProvisioner {
            let handled = provisioner.kind.rawValue
            let planned = configuration.effectiveProvisioner.rawValue
            logger.warning("the node provisioner handles \(handled) claims; the configuration plans \(planned) claims")
        }
        self.events = events
        self.observer = observer
        self.logger = logger
        self.queue = WorkQueue(baseDelay: configuration.retryBaseDelay, maxDelay: configuration.retryMaxDelay)
        self.executor = PlanExecutor(
            client: client, provisioner: provisioner, events: events, fieldManager: configuration.fieldManager)
        self.state = Locked(State(caches: Caches(client: client, configuration: configuration, logger: logger)))
    }

    /// Whether every cache has synced, so reconciles see the cluster (readiness probe).
    public var isReady: Bool { state.withLock { $0.isReady } }

    // MARK: - Running

    /// Runs the controller until the calling task is cancelled.
    ///
    /// Starts the informers, waits for their caches, queues every workspace, and runs
    /// ``WorkspaceControllerConfiguration/maxConcurrentReconciles`` workers. On cancellation (SIGTERM in the
    /// executable) it stops taking keys, lets the reconciles in progress finish, and returns. It may be called again
    /// afterwards (a new leader term); a call while it runs returns at once.
    /// - Throws: Nothing today; the signature leaves room for start-up failures.
    public func run() async throws {
        let started = state.withLock { state -> Bool in
            guard !state.isRunning else { return false }
            state.isRunning = true
            return true
        }
        guard started else { return }
        await queue.reopen()
        // Informers run once: a later run (a new leader term) starts from fresh caches.
        let caches = state.withLock { state -> Caches in
            if state.runs > 0 {
                state.caches = Caches(client: client, configuration: configuration, logger: logger)
            }
            state.runs += 1
            return state.caches
        }
        let factory = caches.factory
        defer {
            state.withLock {
                $0.isRunning = false; $0.isReady = false
            }
        }

        // Subscribe before the informers start, so the first sync arrives as events too.
        let subscriptions = subscribe(caches)
        let background = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await factory.run() }
                for subscription in subscriptions {
                    group.addTask { await subscription() }
                }
            }
        }
        defer { background.cancel() }

        do {
            try await factory.waitForCacheSync()
        } catch {
            return
        }
        if Task.isCancelled { return }
        for workspace in await caches.workspaces.store.objects() {
            await queue.add(ObjectKey(workspace))
        }
        state.withLock { $0.isReady = true }
        logger.info(
            "workspace controller running",
            metadata: [
                "provisioner": "\(configuration.effectiveProvisioner.rawValue)",
                "workers": "\(configuration.maxConcurrentReconciles)",
                "namespace": "\(configuration.namespace ?? "all")",
            ])

        // Workers run outside this task's cancellation: cancelling stops the queue, and reconciles in progress
        // finish their writes.
        let queue = queue
        let workerCount = max(1, configuration.maxConcurrentReconciles)
        let workers = Task {
            await withDiscardingTaskGroup { group in
                for _ in 0..<workerCount {
                    group.addTask { await self.work() }
                }
            }
        }
        await withTaskCancellationHandler {
            await workers.value
        } onCancel: {
            Task { await queue.shutDown() }
        }
        logger.info("workspace controller stopped")
    }

    /// One worker: takes keys until the queue shuts down.
    private func work() async {
        while let key = await queue.next() {
            observer?.queueDepthChanged(await queue.depth)
            _ = await reconcile(namespace: key.namespace, name: key.name)
            await queue.done(key)
        }
    }

    // MARK: - Reconciling

    /// Reconciles one workspace from the caches: plans with the configuration and the clock, applies the plan,
    /// and queues the key again after the plan's `requeueAfter` (or with backoff after a failure).
    ///
    /// A workspace that is not in the cache (deleted) is done, so call it once the caches have synced (``isReady``,
    /// as ``run()`` does). The outcome, its duration, the queue depth and a cache summary go to the observer.
    @discardableResult
    public func reconcile(namespace: String, name: String) async -> ReconcileOutcome {
        let key = ObjectKey(namespace: namespace, name: name)
        let start = ContinuousClock.now
        let outcome = await reconcile(key)
        if let observer {
            observer.reconciled(workspace: key.description, outcome: outcome, duration: ContinuousClock.now - start)
            observer.queueDepthChanged(await queue.depth)
            observer.snapshotChanged(await snapshot())
        }
        return outcome
    }

    private func reconcile(_ key: ObjectKey) async -> ReconcileOutcome {
        guard let cached = await caches.workspaces.store.object(forKey: key) else {
            await queue.forget(key)
            state.withLock { state in
                state.written[key] = nil
                state.lastFailure[key] = nil
            }
            return .success
        }
        // Our own last write may be newer than the cache.
        let workspace = state.withLock { state -> Workspace in
            if let written = state.written[key], let version = cached.metadata.resourceVersion,
                written.staleVersions.contains(version)
            {
                return written.workspace
            }
            state.written[key] = nil
            return cached
        }
        let observed = await observedState(for: workspace)
        let now = configuration.clock()
        let plan = Planner.plan(
            workspace, observed: observed, configuration: configuration.plannerConfiguration(now: now))
        do {
            let result = try await executor.execute(plan, for: workspace)
            state.withLock { state in
                state.lastFailure[key] = nil
                if !result.workspaceGone, let written = result.workspace, !result.workspaceVersions.isEmpty {
                    var stale = Set(result.workspaceVersions.dropLast())
                    stale.formUnion(state.written[key]?.staleVersions ?? [])
                    if let version = workspace.metadata.resourceVersion { stale.insert(version) }
                    if let version = cached.metadata.resourceVersion { stale.insert(version) }
                    state.written[key] = (stale, written)
                }
            }
            await queue.forget(key)
            if !plan.actions.isEmpty || result.statusWritten {
                logger.debug(
                    "reconciled workspace \(key)",
                    metadata: [
                        "actions": "\(plan.actions.map(\.description))", "waitingFor": "\(plan.waitingFor)",
                    ])
            }
            if let delay = plan.requeueAfter {
                await queue.add(key, after: delay)
                return .requeue
            }
            return plan.waitingFor.isEmpty ? .success : .requeue
        } catch {
            let message = String(describing: error)
            logger.error("reconciling workspace \(key) failed; retrying: \(message)")
            let isNew = state.withLock { state -> Bool in
                defer { state.lastFailure[key] = message }
                return state.lastFailure[key] != message
            }
            if let failure = error as? PlanExecutionError {
                // Something the user must fix (an object in the way): say so in the status, as Kaito reports a
                // failed phase, with the condition's Warning event.
                var status = plan.status
                var conditions = status.conditions ?? []
                conditions.set(
                    Condition(
                        type: WorkspaceConditions.workspaceSucceeded, status: .false,
                        reason: WorkspaceConditions.Reason.workspaceFailed, message: failure.message,
                        observedGeneration: workspace.metadata.generation),
                    now: now)
                status.conditions = conditions
                do {
                    try await executor.writeStatus(status, for: workspace)
                } catch {
                    logger.error("writing the status of workspace \(key) failed: \(error)")
                }
            }
            if isNew, let events {
                await events.record(
                    WorkspaceEvent(
                        workspace: ObjectReference(
                            apiVersion: Workspace.apiVersion, kind: Workspace.kind, namespace: key.namespace,
                            name: key.name),
                        workspaceUID: workspace.metadata.uid ?? "", kind: .warning, reason: "ReconcileFailed",
                        message: message))
            }
            await queue.addRateLimited(key)
            return .error
        }
    }

    // MARK: - Event handlers

    /// One consumer per informer, each turning cache changes into workspace keys.
    private func subscribe(_ caches: Caches) -> [@Sendable () async -> Void] {
        var consumers: [@Sendable () async -> Void] = []
        let queue = queue
        let workspaceEvents = caches.workspaces.events()
        consumers.append {
            for await event in workspaceEvents {
                await queue.add(event.key)
            }
        }
        let owned = [
            caches.deployments, caches.statefulSets, caches.jobs, caches.controllerRevisions, caches.services,
        ]
        for informer in owned + [caches.nodeClaims].compactMap({ $0 }) {
            let stream = informer.events()
            consumers.append {
                for await event in stream {
                    var keys: Set<ObjectKey> = []
                    if case .updated(let old, _) = event, let key = WorkspaceOwnership.owner(of: old.metadata) {
                        keys.insert(key)
                    }
                    if let key = WorkspaceOwnership.owner(of: event.object.metadata) { keys.insert(key) }
                    for key in keys { await queue.add(key) }
                }
            }
        }
        let nodeEvents = caches.nodes.events()
        consumers.append { [self] in
            for await event in nodeEvents {
                var nodes: [ObservedNode] = [ObservedNode(event.object)]
                if case .updated(let old, let new) = event {
                    let before = ObservedNode(old)
                    if before == nodes[0], old.metadata.resourceVersion != new.metadata.resourceVersion {
                        continue  // heartbeats and other changes the planner does not read
                    }
                    nodes.append(before)
                }
                for key in await workspaces(interestedIn: nodes) { await queue.add(key) }
            }
        }
        if let nodeClasses = caches.nodeClasses {
            let stream = nodeClasses.events()
            consumers.append {
                for await event in stream where !event.isResync {
                    for workspace in await caches.workspaces.store.objects() {
                        await queue.add(ObjectKey(workspace))
                    }
                }
            }
        }
        return consumers
    }

    /// The workspaces a node change matters to: those whose label selector matches one of the node's states, or
    /// whose `workerNodes` list it.
    private func workspaces(interestedIn nodes: [ObservedNode]) async -> [ObjectKey] {
        var keys: [ObjectKey] = []
        for workspace in await caches.workspaces.store.objects() {
            let selector = workspace.resource?.labelSelector ?? LabelSelector()
            let workers = Set(workspace.status?.workerNodes ?? [])
            if nodes.contains(where: { workers.contains($0.name) || selector.matches($0.labels) }) {
                keys.append(ObjectKey(workspace))
            }
        }
        return keys
    }

    // MARK: - Permissions

    /// Every permission the controller (with its event recorder) uses on Azure, for checking the RBAC rules in
    /// `deploy/` (leader election's Lease is the executable's, not listed).
    public static let requiredPermissions: [RequiredPermission] = requiredPermissions(cloud: .azure)

    /// Every permission the controller (with its event recorder) uses on `cloud`: on AWS it reads EC2NodeClasses
    /// instead of managing AKSNodeClasses.
    public static func requiredPermissions(cloud: CloudProvider) -> [RequiredPermission] {
        let read = ["get", "list", "watch"]
        let write = read + ["create", "update", "patch", "delete"]
        var permissions = [
            RequiredPermission(apiGroup: "kaito.sh", resource: "workspaces", verbs: read + ["update", "patch"]),
            RequiredPermission(apiGroup: "kaito.sh", resource: "workspaces/status", verbs: ["get", "update", "patch"]),
            RequiredPermission(apiGroup: "apps", resource: "deployments", verbs: write),
            RequiredPermission(apiGroup: "apps", resource: "statefulsets", verbs: write),
            RequiredPermission(apiGroup: "apps", resource: "controllerrevisions", verbs: write),
            RequiredPermission(apiGroup: "batch", resource: "jobs", verbs: write),
            RequiredPermission(apiGroup: "", resource: "services", verbs: write),
            RequiredPermission(apiGroup: "", resource: "nodes", verbs: read + ["patch"]),
            RequiredPermission(apiGroup: "", resource: "events", verbs: ["create", "patch"]),
            RequiredPermission(
                apiGroup: "karpenter.sh", resource: "machines", verbs: read + ["create", "patch", "delete"]),
            RequiredPermission(
                apiGroup: "karpenter.sh", resource: "nodeclaims", verbs: read + ["create", "patch", "delete"]),
        ]
        switch cloud {
        case .azure:
            permissions.append(
                RequiredPermission(
                    apiGroup: "karpenter.azure.com", resource: "aksnodeclasses", verbs: read + ["create"]))
        case .aws:
            permissions.append(
                RequiredPermission(apiGroup: "karpenter.k8s.aws", resource: "ec2nodeclasses", verbs: read))
        }
        return permissions
    }
}

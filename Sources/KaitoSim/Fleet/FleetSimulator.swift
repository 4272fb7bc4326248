public import Foundation
import KaitoCore

/// A simulated GPU cluster beside an ``APIStore``: it does what a node provisioner (gpu-provisioner or Karpenter),
/// kubelets, the scheduler and the workload, endpoints and garbage-collection controllers would do.
///
/// Each pass (``reconcileOnce()``) reads the store and takes every step that is due, in this order:
///
/// 1. **Garbage collection**: ``APIStore/collectGarbage()``; the ``FaultPlan/watchDropInterval`` fault.
/// 2. **Provisioner**: a Machine (`karpenter.sh/v1alpha5`) or NodeClaim (`karpenter.sh/v1beta1`, `v1`) whose
///    `node.kubernetes.io/instance-type` requirement names a SKU of ``FleetConfiguration/catalog`` for the configured
///    cloud becomes a Ready Node named after it, labelled like a real one (instance type, hostname, OS, architecture,
///    the claim's labels and its single-valued `In` requirements, such as `kaito.sh/machine-type: gpu` or
///    `karpenter.sh/nodepool`), tainted with the claim's taints, with the SKU's `nvidia.com/gpu` capacity and an
///    owner reference to the claim. The claim gets ``FleetConfiguration/claimFinalizer``, `status.nodeName`,
///    `providerID`, capacity and allocatable, and the conditions `MachineLaunched`, `MachineRegistered`,
///    `MachineInitialized`, `Ready` (Machines) or `Launched`, `Registered`, `Initialized`, `Ready` (NodeClaims), all
///    True. An unknown SKU sets `MachineLaunched`/`Launched` (and `Ready`) False with reason `LaunchFailed` and message
///    `all requested instance types were unavailable during launch`, and no Node. A claim being deleted has its Node
///    deleted, then loses the finalizer; a launched claim whose Node has gone is deleted, and a Node whose claim has
///    gone is deleted.
/// 3. **Pod garbage collection**: pods bound to a Node that no longer exists are deleted at once (grace 0). A
///    **kubelet** finishes the graceful deletion of a pod on its Node (the API server only marks it Terminating)
///    by deleting it with grace 0.
/// 4. **Workload controllers**: a Deployment gets a ReplicaSet `NAME-HASH` for its current template (owned by it,
///    labelled and selected with `pod-template-hash`, annotated with its revision), scaled to its replicas, while
///    the ReplicaSets of older templates are scaled to 0 at once (no surge or unavailability budget) and those beyond
///    `revisionHistoryLimit` deleted; ReplicaSets (pods `NAME-HASH-XXXXX`), StatefulSets (pods `NAME-0`, `NAME-1`, …
///    labelled `statefulset.kubernetes.io/pod-name`, created in order or in parallel per `podManagementPolicy`) and
///    Jobs (one pod `NAME-XXXXX`) get pods from their templates, with a controller owner reference; scaling down
///    deletes the surplus; a StatefulSet's template change deletes every out-of-date pod at once.
/// 5. **Scheduler**: a Pending pod without a node is bound (`spec.nodeName`, `PodScheduled=True`) to the least
///    loaded node that passes the default profile's filters: not unschedulable, every `NoSchedule`/`NoExecute` taint
///    tolerated (a node that is not Ready counts as tainted `node.kubernetes.io/not-ready`), `nodeSelector` and
///    required node affinity matched, and enough allocatable resources left beside the requests of pods already
///    bound. Otherwise the pod gets `PodScheduled=False`, reason `Unschedulable`, with the scheduler's message
///    (`0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector.`).
/// 6. **Kubelet**: a bound pod on a Ready node starts: phase `Running`, an IP from its node's `10.244.N.0/24` range
///    (addresses are labels only, never contacted), every container running and ready, `Ready=True`. A Job's running
///    pod then succeeds, once the Job's status shows it ready.
/// 7. **Status**: ReplicaSets (`replicas`, `fullyLabeledReplicas`, `readyReplicas`, `availableReplicas`,
///    `observedGeneration`), Deployments (`replicas`, `updatedReplicas`, `readyReplicas`, `availableReplicas`,
///    `unavailableReplicas`, `observedGeneration`, conditions `Available` and `Progressing` with the deployment
///    controller's reasons, including `ProgressDeadlineExceeded` after `progressDeadlineSeconds`), StatefulSets
///    (`replicas`, `readyReplicas`, `currentReplicas`, `updatedReplicas`, `availableReplicas`, revisions,
///    `observedGeneration`) and Jobs (`startTime`, `active`, `ready`, `succeeded`, `completionTime`, `Complete=True`).
/// 8. **Endpoints**: every Service with a selector gets Endpoints named after it listing the matching pods that have
///    an IP: Ready ones (all of them with `publishNotReadyAddresses`) as `addresses`, others as `notReadyAddresses`,
///    with the Service's ports resolved against the pods' container ports.
///
/// Steps wait for their ``FleetTiming`` delay, measured by the store's ``SimulationClock`` from the pass that first
/// needed them. ``run()`` drives passes from the store's watches and from those delays until cancelled; tests call
/// ``reconcileOnce()`` or ``reconcileUntilStable(maxPasses:)`` instead and advance a ``ManualClock``.
///
/// Writes use the field managers of the components they stand for (`karpenter`, `kube-scheduler`, `kubelet`,
/// `kube-controller-manager`). A write that fails (a conflict with a concurrent writer) is reported in
/// ``FleetReport/errors`` and retried by the next pass.
public actor FleetSimulator {
    /// The store the fleet acts on.
    public nonisolated let store: APIStore
    /// The settings the fleet was created with; ``faults`` may change since.
    public nonisolated let configuration: FleetConfiguration

    /// The faults in effect.
    public private(set) var faults: FaultPlan

    let clock: any SimulationClock
    var random: SeededRandomNumberGenerator
    /// When each delayed step was first needed, by step key.
    var pendingSince: [String: Date] = [:]
    /// The state of the pass in progress.
    var pass = PassState(now: Date(timeIntervalSince1970: 0))
    /// When watches were last dropped by the ``FaultPlan/watchDropInterval`` fault.
    var lastWatchDrop: Date?
    /// The pass in progress or last run; passes run one at a time.
    private var currentPass: Task<FleetReport, Never>?

    /// Creates a fleet for `store`; it does nothing until ``reconcileOnce()`` or ``run()`` is called.
    public init(store: APIStore, configuration: FleetConfiguration = FleetConfiguration()) {
        self.store = store
        self.configuration = configuration
        faults = configuration.faults
        clock = store.simulationClock
        random = SeededRandomNumberGenerator(seed: configuration.randomSeed ?? UInt64.random(in: .min ... .max))
    }

    // MARK: - Faults

    /// Replaces the faults in effect.
    public func setFaults(_ plan: FaultPlan) {
        faults = plan
        if plan.watchDropInterval == nil { lastWatchDrop = nil }
    }

    /// The error the HTTP layer should answer a request with, or `nil` to serve it; decided by ``faults`` with the
    /// fleet's generator (seeded by ``FleetConfiguration/randomSeed``).
    public func injectedError(verb: String, resource: GroupResource) -> APIError? {
        faults.injectedError(verb: verb, resource: resource, using: &random)
    }

    /// The latency the HTTP layer should add to a request, in seconds of the store's clock.
    public func injectedLatency() -> TimeInterval {
        faults.latency(using: &random)
    }

    // MARK: - Passes

    /// Runs one pass of every simulated component (see the type's documentation) and reports what it did.
    ///
    /// Passes never overlap: a call made while another pass runs waits for it, then runs its own.
    @discardableResult
    public func reconcileOnce() async -> FleetReport {
        let previous = currentPass
        let task = Task { [previous] in
            _ = await previous?.value
            return await self.runPass()
        }
        currentPass = task
        return await task.value
    }

    /// Runs passes until one writes nothing (or `maxPasses` have run) and returns their reports combined; steps that
    /// wait for a delay stay pending, with ``FleetReport/nextWakeTime`` saying when.
    @discardableResult
    public func reconcileUntilStable(maxPasses: Int = 50) async -> FleetReport {
        var combined = FleetReport()
        for _ in 0..<max(1, maxPasses) {
            let report = await reconcileOnce()
            combined.append(report)
            if !report.madeProgress { break }
        }
        return combined
    }

    /// Runs the fleet until the calling task is cancelled: a pass at start, then one after every change the store's
    /// watches report and whenever a delayed step becomes due. Dropped watches are re-established, and resources that
    /// are not served (a CRD replaced without a version) are watched again once CustomResourceDefinitions change.
    public nonisolated func run() async {
        let (wakes, waker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let store = store
        let clock = clock
        await withDiscardingTaskGroup { group in
            for resource in FleetResources.watched {
                group.addTask { await Self.watch(resource, store: store, waker: waker) }
            }
            var timers: Set<Date> = []
            waker.yield()
            for await _ in wakes {
                let report = await reconcileOnce()
                let now = clock.now()
                timers = timers.filter { $0 > now }
                if let wake = report.nextWakeTime, timers.insert(wake).inserted {
                    group.addTask {
                        try? await clock.sleep(until: wake)
                        waker.yield()
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// Forwards every event of `resource` as a wake-up, re-watching when the watch ends.
    private static func watch(
        _ resource: GroupResource, store: APIStore, waker: AsyncStream<Void>.Continuation
    ) async {
        while !Task.isCancelled {
            if let descriptor = await store.registry.descriptors(for: resource).first,
                let stream = try? await store.watch(descriptor.groupVersionResource)
            {
                for await _ in stream { waker.yield() }
                waker.yield()
            } else {
                await waitForDefinitionChange(store: store)
            }
        }
    }

    /// Returns at the next change of any CustomResourceDefinition (or when the calling task is cancelled).
    private static func waitForDefinitionChange(store: APIStore) async {
        let from = await store.currentResourceVersion
        guard
            let stream = try? await store.watch(
                FleetResources.definitions, options: WatchOptions(resourceVersion: from))
        else {
            let clock = store.simulationClock
            try? await clock.sleep(until: clock.now().addingTimeInterval(1))
            return
        }
        for await _ in stream { return }
    }

    private func runPass() async -> FleetReport {
        let now = clock.now()
        pass = PassState(now: now)
        await store.collectGarbage().forEach { pass.report.actions.append("garbage collector: \($0)") }
        await applyWatchFaults()
        if configuration.simulatesNodes {
            await reconcileClaims()
            await collectOrphanedPods()
            await finishTerminatingPods()
        }
        await reconcileWorkloadPods()
        if configuration.simulatesNodes {
            await schedulePods()
            await startPods()
            await completeJobPods()
        }
        await updateWorkloadStatus()
        await updateEndpoints()
        pendingSince = pendingSince.filter { pass.seenSteps.contains($0.key) }
        return pass.report
    }

    private func applyWatchFaults() async {
        guard let interval = faults.watchDropInterval, interval > 0 else { return }
        let last = lastWatchDrop ?? pass.now
        if lastWatchDrop == nil { lastWatchDrop = last }
        if pass.now >= last.addingTimeInterval(interval) {
            await store.dropWatches()
            lastWatchDrop = pass.now
            pass.report.actions.append("dropped every watch (fault injection)")
            wake(at: pass.now.addingTimeInterval(interval))
        } else {
            wake(at: last.addingTimeInterval(interval))
        }
    }
}

/// The state of one pass.
struct PassState: Sendable {
    var now: Date
    var timestamp: String
    var report = FleetReport()
    var seenSteps: Set<String> = []

    init(now: Date) {
        self.now = now
        timestamp = RFC3339.string(from: now)
    }
}

// MARK: - Delays and store access

extension FleetSimulator {
    /// Whether the step `key` is due: true at once without a delay, else once `delay` has passed since the first pass
    /// that asked. A step not yet due sets the report's wake time.
    func isDue(_ key: String, after delay: TimeInterval) -> Bool {
        pass.seenSteps.insert(key)
        guard delay > 0 else { return true }
        let since = pendingSince[key] ?? pass.now
        pendingSince[key] = since
        let due = since.addingTimeInterval(delay)
        if pass.now >= due { return true }
        wake(at: due)
        return false
    }

    /// Asks for a pass at `date`.
    func wake(at date: Date) {
        pass.report.nextWakeTime = min(pass.report.nextWakeTime ?? date, date)
    }

    func record(_ action: String) {
        pass.report.actions.append(action)
    }

    func recordError(_ what: String, _ error: any Error) {
        pass.report.errors.append("\(what): \(error)")
    }

    /// Every object of a resource (all namespaces); an error is reported and gives none.
    func list(_ resource: GroupVersionResource, namespace: String? = nil) async -> [FleetObject] {
        do {
            return try await store.list(resource, namespace: namespace).items.map(FleetObject.init)
        } catch {
            recordError("list \(resource)", error)
            return []
        }
    }

    /// The preferred served version of `resource` and its objects; `nil` when the resource is not served.
    func list(_ resource: GroupResource) async -> (GroupVersionResource, [FleetObject])? {
        guard let descriptor = await store.registry.descriptors(for: resource).first else { return nil }
        let version = descriptor.groupVersionResource
        return (version, await list(version))
    }

    @discardableResult
    func create(
        _ resource: GroupVersionResource, namespace: String?, object: JSONValue, manager: String, describe: String
    ) async -> FleetObject? {
        do {
            let created = try await store.create(resource, namespace: namespace, object: object, fieldManager: manager)
            let result = FleetObject(created)
            record("\(manager): created \(describe) \(result.key)")
            return result
        } catch {
            recordError("\(manager): create \(describe)", error)
            return nil
        }
    }

    /// Writes `object` back (guarded by its resourceVersion), unless it equals `original`.
    @discardableResult
    func update(
        _ resource: GroupVersionResource, _ object: FleetObject, original: FleetObject,
        subresource: Subresource = .main,
        manager: String, describe: String
    ) async -> FleetObject? {
        guard object.json != original.json else { return object }
        do {
            let updated = try await store.update(
                resource, namespace: object.namespace.isEmpty ? nil : object.namespace, name: object.name,
                object: object.json, subresource: subresource, fieldManager: manager)
            record("\(manager): \(describe) \(object.kind) \(object.key)")
            return FleetObject(updated)
        } catch {
            recordError("\(manager): \(describe) \(object.kind) \(object.key)", error)
            return nil
        }
    }

    /// Deletes an object (a bound pod gracefully unless `gracePeriod` is 0); one already gone is not an error.
    func delete(
        _ resource: GroupVersionResource, _ object: FleetObject, manager: String, why: String,
        gracePeriod: Int64? = nil
    ) async {
        do {
            _ = try await store.delete(
                resource, namespace: object.namespace.isEmpty ? nil : object.namespace, name: object.name,
                options: DeleteOptions(
                    preconditionUID: object.uid.isEmpty ? nil : object.uid, gracePeriodSeconds: gracePeriod))
            record("\(manager): deleted \(object.kind) \(object.key) (\(why))")
        } catch let error as APIError where error.code == 404 {
            return
        } catch {
            recordError("\(manager): delete \(object.kind) \(object.key)", error)
        }
    }
}

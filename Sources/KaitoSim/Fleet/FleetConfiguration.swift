public import Foundation
public import KaitoCore

/// How long each simulated step of the fleet takes, in seconds of the store's ``SimulationClock``.
///
/// A step becomes due `delay` seconds after the fleet first sees that it is needed (a claim without a node, a Pending
/// pod, …); until then ``FleetSimulator/reconcileOnce()`` skips it and reports when it will be due in
/// ``FleetReport/nextWakeTime``. With ``immediate`` every step happens in the pass that first sees it.
public struct FleetTiming: Sendable, Hashable {
    /// From a Machine or NodeClaim appearing to its Node being Ready and the claim Ready (or failed).
    public var nodeProvisioning: TimeInterval
    /// From a claim's deletion to its Node being deleted and the provisioner's finalizer removed.
    public var nodeTermination: TimeInterval
    /// From a workload needing pods (created, scaled or changed) to the controller creating or deleting them.
    public var podCreation: TimeInterval
    /// From a pod being Pending without a node to the scheduler binding it (or reporting it unschedulable).
    public var podScheduling: TimeInterval
    /// From a pod being bound to its containers running and Ready.
    public var containerStartup: TimeInterval
    /// From a Job's pod being Ready (and the Job reporting it) to its containers exiting successfully.
    public var jobCompletion: TimeInterval

    /// Creates a timing; every delay defaults to zero.
    public init(
        nodeProvisioning: TimeInterval = 0, nodeTermination: TimeInterval = 0, podCreation: TimeInterval = 0,
        podScheduling: TimeInterval = 0, containerStartup: TimeInterval = 0, jobCompletion: TimeInterval = 0
    ) {
        self.nodeProvisioning = nodeProvisioning
        self.nodeTermination = nodeTermination
        self.podCreation = podCreation
        self.podScheduling = podScheduling
        self.containerStartup = containerStartup
        self.jobCompletion = jobCompletion
    }

    /// No delays: what tests use.
    public static let immediate = FleetTiming()

    /// Delays of the order a real GPU cluster shows, shortened so that a demonstration stays watchable: 20 s for a
    /// GPU node, 1 s per controller and scheduling step, 5 s for containers to start, 10 s for a Job to finish.
    public static let realistic = FleetTiming(
        nodeProvisioning: 20, nodeTermination: 2, podCreation: 1, podScheduling: 1, containerStartup: 5,
        jobCompletion: 10)
}

/// The CPU, memory, pod and disk capacity of a simulated node; the GPU count always comes from the ``GPUCatalog``.
public struct NodeShape: Sendable, Hashable {
    /// Virtual CPUs.
    public var cpus: Int
    /// Memory in GiB.
    public var memoryGiB: Int
    /// The most pods the node runs.
    public var maxPods: Int
    /// Ephemeral storage in GiB.
    public var ephemeralStorageGiB: Int

    /// Creates a shape.
    public init(cpus: Int, memoryGiB: Int, maxPods: Int = 110, ephemeralStorageGiB: Int = 128) {
        self.cpus = cpus
        self.memoryGiB = memoryGiB
        self.maxPods = maxPods
        self.ephemeralStorageGiB = ephemeralStorageGiB
    }

    /// An estimate from the SKU name: the vCPU count in an Azure size (`Standard_NC12s_v3` → 12) or an AWS size
    /// (`p4d.24xlarge` → 96, `g5.xlarge` → 4), 8 GiB of memory per vCPU, 110 pods and 128 GiB of disk. The catalog
    /// records GPUs only, so these are plausible values, not the cloud's published ones.
    public static func estimated(for sku: GPUSKU) -> NodeShape {
        let cpus = estimatedCPUs(sku.name) ?? 8
        return NodeShape(cpus: cpus, memoryGiB: cpus * 8)
    }

    static func estimatedCPUs(_ name: String) -> Int? {
        if name.hasPrefix("Standard_") {
            let size = name.dropFirst("Standard_".count).drop { $0.isLetter }
            return Int(size.prefix { $0.isNumber }).flatMap { $0 > 0 ? $0 : nil }
        }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let size = name[name.index(after: dot)...]
        if size == "metal" { return 96 }
        if size == "large" { return 2 }
        guard size.hasSuffix("xlarge") else { return nil }
        let multiplier = size.dropLast("xlarge".count)
        if multiplier.isEmpty { return 4 }
        return Int(multiplier).map { $0 * 4 }
    }
}

/// Settings of a ``FleetSimulator``.
public struct FleetConfiguration: Sendable {
    /// The cloud whose SKUs are known: a claim for an instance type that ``catalog`` lacks for this cloud fails.
    public var cloud: CloudProvider
    /// The GPU catalog that gives node GPU counts.
    public var catalog: GPUCatalog
    /// Step delays.
    public var timing: FleetTiming
    /// Faults to inject (see ``FaultPlan``); the HTTP layer consults them per request.
    public var faults: FaultPlan
    /// Seed of the random generator behind fault decisions; `nil` seeds it from the system generator.
    public var randomSeed: UInt64?
    /// Node shapes by instance type, overriding ``NodeShape/estimated(for:)``.
    public var nodeShapes: [String: NodeShape]
    /// The finalizer the simulated provisioner puts on the claims it launches (Karpenter's own); it deletes the Node
    /// before removing it. `nil` launches claims without a finalizer, and their Nodes are then removed after the claim
    /// is gone (by the garbage collector through the Node's owner reference, or by the provisioner's next pass).
    public var claimFinalizer: String?
    /// Whether the machines are simulated: the node provisioner, the scheduler and the kubelets. Off leaves only
    /// the controller-manager's controllers (ReplicaSets, pods of workloads, workload status, Endpoints), as a
    /// control plane without nodes runs them: claims stay unfulfilled and pods Pending.
    public var simulatesNodes: Bool

    /// Creates settings: Azure, the bundled catalog, no delays, no faults, Karpenter's `karpenter.sh/termination`
    /// finalizer on claims, nodes simulated.
    public init(
        cloud: CloudProvider = .azure, catalog: GPUCatalog = .bundled, timing: FleetTiming = .immediate,
        faults: FaultPlan = FaultPlan(), randomSeed: UInt64? = nil, nodeShapes: [String: NodeShape] = [:],
        claimFinalizer: String? = "karpenter.sh/termination", simulatesNodes: Bool = true
    ) {
        self.simulatesNodes = simulatesNodes
        self.cloud = cloud
        self.catalog = catalog
        self.timing = timing
        self.faults = faults
        self.randomSeed = randomSeed
        self.nodeShapes = nodeShapes
        self.claimFinalizer = claimFinalizer
    }

    /// The shape of a node of `sku`.
    public func shape(for sku: GPUSKU) -> NodeShape {
        nodeShapes[sku.name] ?? .estimated(for: sku)
    }
}

/// What one ``FleetSimulator/reconcileOnce()`` pass did.
public struct FleetReport: Sendable, Hashable {
    /// The writes made, one line each, in order (`created Node ws0a1b2c3d4`, `bound Pod default/web-0 to gpu-0`).
    public var actions: [String]
    /// Writes that failed (conflicts with concurrent writers and the like); the next pass retries them.
    public var errors: [String]
    /// When a delayed step becomes due (by the store's clock); `nil` when nothing waits on time.
    public var nextWakeTime: Date?

    /// Creates a report.
    public init(actions: [String] = [], errors: [String] = [], nextWakeTime: Date? = nil) {
        self.actions = actions
        self.errors = errors
        self.nextWakeTime = nextWakeTime
    }

    /// Whether the pass wrote anything.
    public var madeProgress: Bool { !actions.isEmpty }

    /// Appends another pass's report: its actions and errors, and the later pass's wake time.
    public mutating func append(_ other: FleetReport) {
        actions += other.actions
        errors += other.errors
        nextWakeTime = other.nextWakeTime
    }
}

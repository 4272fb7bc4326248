internal import Foundation

/// Kaito's reconcile algorithm as a pure function: workspace + observed cluster + configuration → plan.
///
/// The planner never waits. Where Kaito v0.3.1 blocks inside a reconcile (node claims starting, the model server
/// loading), the plan carries the conditions Kaito shows meanwhile and a ``ReconcilePlan/requeueAfter`` for the
/// next deadline; timeouts are computed from object timestamps and ``PlannerConfiguration/now``. The same inputs
/// always give the same plan.
public enum Planner {
    /// The finalizer Kaito puts on every workspace.
    public static let finalizer = "workspace.finalizer.kaito.sh"
    /// How long a node claim may take to become ready.
    public static let nodeClaimReadyTimeout: Duration = .seconds(240)
    /// How long a template workload may take to become ready.
    public static let templateReadinessTimeout: Duration = .seconds(600)
    /// The message gpu-provisioner and Karpenter use when no capacity of the instance type is available.
    public static let instanceTypesUnavailable = "all requested instance types were unavailable during launch"

    /// Plans one reconcile of `workspace`.
    public static func plan(
        _ workspace: Workspace, observed: ObservedState, configuration: PlannerConfiguration
    ) -> ReconcilePlan {
        var context = PlanContext(workspace: workspace.defaulted(), observed: observed, configuration: configuration)
        context.run()
        return context.finish()
    }
}

/// The state of one planning pass.
struct PlanContext {
    let workspace: Workspace
    let observed: ObservedState
    let configuration: PlannerConfiguration
    let name: String
    let namespace: String

    var actions: [PlanAction] = []
    var conditions: [Condition]
    var workerNodes: [String]?
    var requeueAfter: Duration?
    var waitingFor: [String] = []
    /// The revision number of the current spec, once known.
    var revision = 0

    init(workspace: Workspace, observed: ObservedState, configuration: PlannerConfiguration) {
        self.workspace = workspace
        self.observed = observed
        self.configuration = configuration
        self.name = workspace.metadata.name ?? ""
        self.namespace = workspace.metadata.namespace ?? "default"
        self.conditions = workspace.status?.conditions ?? []
        self.workerNodes = workspace.status?.workerNodes
    }

    mutating func run() {
        if workspace.metadata.deletionTimestamp != nil {
            planDeletion()
            return
        }
        if !(workspace.metadata.finalizers ?? []).contains(Planner.finalizer) {
            actions.append(.addFinalizer(Planner.finalizer))
        }
        guard planRevision() else { return }
        if let preset = workspace.inference?.preset ?? workspace.tuning?.preset,
            configuration.presets.model(named: preset.name) == nil
        {
            fail(
                "the preset model name \(preset.name) is not registered for workspace \(namespace)/\(name)",
                types: [])
            return
        }
        guard let nodes = planResources() else { return }
        if workspace.tuning != nil {
            waitingFor.append("the tuning phase is not planned yet by this version; the nodes are ready")
            return
        }
        if let inference = workspace.inference {
            planInference(inference, nodes: nodes)
        }
    }

    func finish() -> ReconcilePlan {
        ReconcilePlan(
            actions: actions, status: WorkspaceStatus(workerNodes: workerNodes, conditions: conditions.isEmpty ? nil : conditions),
            requeueAfter: requeueAfter, waitingFor: waitingFor)
    }

    // MARK: Helpers

    var generation: Int64? { workspace.metadata.generation }
    var now: Date { configuration.now }
    var count: Int { max(workspace.resource?.count ?? ResourceSpec.defaultCount, 0) }
    var instanceType: String { workspace.resource?.instanceType ?? ResourceSpec.defaultInstanceType }

    mutating func setCondition(_ type: String, _ status: Condition.Status, _ reason: String, _ message: String) {
        conditions.set(
            Condition(type: type, status: status, reason: reason, message: message, observedGeneration: generation),
            now: now)
    }

    /// Records a failure as Kaito does: the given phase conditions False, then `WorkspaceSucceeded=False`.
    mutating func fail(_ message: String, types: [(type: String, reason: String)]) {
        for entry in types {
            setCondition(entry.type, .false, entry.reason, message)
        }
        setCondition(WorkspaceConditions.workspaceSucceeded, .false, WorkspaceConditions.Reason.workspaceFailed, message)
    }

    /// Asks for another reconcile no later than `delay` from now.
    mutating func requeue(after delay: Duration) {
        let delay = max(delay, .seconds(1))
        requeueAfter = requeueAfter.map { min($0, delay) } ?? delay
    }

    /// The controller owner reference to the workspace.
    func ownerReference(blockOwnerDeletion: Bool = false) -> OwnerReference {
        OwnerReference(
            apiVersion: Workspace.apiVersion, kind: Workspace.kind, name: name, uid: workspace.metadata.uid ?? "",
            controller: true, blockOwnerDeletion: blockOwnerDeletion ? true : nil)
    }

    /// Seconds elapsed since `date`, or nil.
    func age(of date: Date?) -> Duration? {
        date.map { .milliseconds(Int64((now.timeIntervalSince($0) * 1000).rounded())) }
    }
}

import Foundation
internal import KaitoK8s
public import KaitoCore

/// How one reconcile ended, for metrics and logs.
public enum ReconcileOutcome: String, Sendable, Hashable, CaseIterable {
    /// The plan was applied and nothing is pending.
    case success
    /// The plan was applied and the workspace is waiting for something (requeued after the plan's delay).
    case requeue
    /// Applying the plan failed; the key is retried with per-key backoff.
    case error
}

/// A summary of the cluster as the controller's caches see it, for gauges.
public struct ControllerSnapshot: Sendable, Hashable {
    /// Workspaces by condition type and status, e.g. `["WorkspaceSucceeded": ["True": 3, "Unknown": 1]]`.
    public var workspacesByCondition: [String: [String: Int]]
    /// Node claims (Machines or NodeClaims) by state: `ready`, `pending`, `failed`, `deleting`.
    public var nodeClaimsByState: [String: Int]
    /// How many workspaces the caches hold.
    public var workspaceCount: Int

    /// Creates a snapshot.
    public init(
        workspacesByCondition: [String: [String: Int]] = [:], nodeClaimsByState: [String: Int] = [:],
        workspaceCount: Int = 0
    ) {
        self.workspacesByCondition = workspacesByCondition
        self.nodeClaimsByState = nodeClaimsByState
        self.workspaceCount = workspaceCount
    }
}

/// Receives what the controller does, for metrics. The controller calls it; the executable implements it with
/// Prometheus, tests with a recorder.
public protocol ControllerObserver: Sendable {
    /// A reconcile of `workspace` (`namespace/name`) finished.
    func reconciled(workspace: String, outcome: ReconcileOutcome, duration: Duration)
    /// The work queue now holds `depth` keys waiting (not counting those in progress or delayed).
    func queueDepthChanged(_ depth: Int)
    /// The caches changed; here is the new summary.
    func snapshotChanged(_ snapshot: ControllerSnapshot)
}

/// A Kubernetes Event about a Workspace, as `kubectl describe workspace` shows it.
public struct WorkspaceEvent: Sendable, Hashable {
    /// `Normal` or `Warning`.
    public enum Kind: String, Sendable, Hashable {
        /// Progress.
        case normal = "Normal"
        /// Something is wrong or stuck.
        case warning = "Warning"
    }

    /// The workspace the event is about (apiVersion, kind, namespace, name).
    public var workspace: ObjectReference
    /// The workspace's uid (events point at one incarnation of the object).
    public var workspaceUID: String
    /// Normal or Warning.
    public var kind: Kind
    /// A CamelCase reason: `ConditionChanged`, `NodeClaimCreated`, `NodeClaimDeleted`, ….
    public var reason: String
    /// One human sentence.
    public var message: String

    /// Creates an event.
    public init(workspace: ObjectReference, workspaceUID: String, kind: Kind, reason: String, message: String) {
        self.workspace = workspace
        self.workspaceUID = workspaceUID
        self.kind = kind
        self.reason = reason
        self.message = message
    }
}

/// Records Workspace events. The controller calls it; ``KubernetesEventRecorder`` writes core/v1 Events.
public protocol WorkspaceEventRecorder: Sendable {
    /// Records one event; failures are logged by the recorder and never fail a reconcile.
    func record(_ event: WorkspaceEvent) async
}

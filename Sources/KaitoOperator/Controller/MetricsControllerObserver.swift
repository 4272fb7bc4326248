import Foundation
internal import KaitoK8s
import KaitoHTTP
public import Metrics

/// Reports what the controller does as swift-metrics counters, timers and gauges.
///
/// | Metric | Type | Labels |
/// |---|---|---|
/// | `kaito_workspace_reconcile_total` | counter | `result` = `success`, `requeue`, `error` |
/// | `kaito_workspace_reconcile_errors_total` | counter | |
/// | `kaito_workspace_reconcile_duration_seconds` | timer (histogram) | `result` |
/// | `kaito_workqueue_depth` | gauge | |
/// | `kaito_workspaces` | gauge | `condition`, `status` |
/// | `kaito_node_claims` | gauge | `state` |
///
/// The executable bootstraps a Prometheus factory and serves `/metrics`; tests pass their own factory.
/// Gauges of label values that disappear from a snapshot drop to 0 rather than keeping a stale value.
public final class MetricsControllerObserver: ControllerObserver {
    /// The metric names.
    public enum Name {
        /// Reconciles by result.
        public static let reconcileTotal = "kaito_workspace_reconcile_total"
        /// Reconciles that ended in an error.
        public static let reconcileErrorsTotal = "kaito_workspace_reconcile_errors_total"
        /// Reconcile durations by result.
        public static let reconcileDuration = "kaito_workspace_reconcile_duration_seconds"
        /// Keys waiting in the work queue.
        public static let workqueueDepth = "kaito_workqueue_depth"
        /// Workspaces by condition type and status.
        public static let workspaces = "kaito_workspaces"
        /// Node claims by state.
        public static let nodeClaims = "kaito_node_claims"
    }

    private let factory: any MetricsFactory
    private let reconciles: [ReconcileOutcome: Counter]
    private let durations: [ReconcileOutcome: Metrics.Timer]
    private let errors: Counter
    private let depth: Gauge
    private let gauges: Locked<GaugeState>

    private struct GaugeState: Sendable {
        var workspaces: [WorkspaceLabels: Gauge] = [:]
        var nodeClaims: [String: Gauge] = [:]
    }

    private struct WorkspaceLabels: Hashable, Sendable {
        var condition: String
        var status: String
    }

    /// Creates the metrics (every reconcile result starts at 0, so the series exist from the start).
    /// - Parameter factory: Where the metrics go; the bootstrapped `MetricsSystem.factory` by default.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        var reconciles: [ReconcileOutcome: Counter] = [:]
        var durations: [ReconcileOutcome: Metrics.Timer] = [:]
        for outcome in ReconcileOutcome.allCases {
            reconciles[outcome] = Counter(
                label: Name.reconcileTotal, dimensions: [("result", outcome.rawValue)], factory: factory)
            durations[outcome] = Metrics.Timer(
                label: Name.reconcileDuration, dimensions: [("result", outcome.rawValue)], factory: factory)
        }
        self.reconciles = reconciles
        self.durations = durations
        self.errors = Counter(label: Name.reconcileErrorsTotal, dimensions: [], factory: factory)
        self.depth = Gauge(label: Name.workqueueDepth, dimensions: [], factory: factory)
        self.depth.record(0)
        self.gauges = Locked(GaugeState())
    }

    /// Counts the reconcile and records its duration.
    public func reconciled(workspace: String, outcome: ReconcileOutcome, duration: Duration) {
        reconciles[outcome]?.increment()
        if outcome == .error { errors.increment() }
        let parts = duration.components
        let nanoseconds = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let total = nanoseconds.overflow ? Int64.max : nanoseconds.partialValue + parts.attoseconds / 1_000_000_000
        durations[outcome]?.recordNanoseconds(max(0, total))
    }

    /// Sets the queue depth gauge.
    public func queueDepthChanged(_ depth: Int) {
        self.depth.record(depth)
    }

    /// Sets the workspace and node claim gauges; label values absent from the snapshot go to 0.
    public func snapshotChanged(_ snapshot: ControllerSnapshot) {
        let factory = self.factory
        gauges.withLock { state in
            var workspaceValues: [WorkspaceLabels: Int] = [:]
            for (condition, statuses) in snapshot.workspacesByCondition {
                for (status, count) in statuses {
                    workspaceValues[WorkspaceLabels(condition: condition, status: status)] = count
                }
            }
            for labels in Set(state.workspaces.keys).union(workspaceValues.keys) {
                let gauge =
                    state.workspaces[labels]
                    ?? Gauge(
                        label: Name.workspaces,
                        dimensions: [("condition", labels.condition), ("status", labels.status)],
                        factory: factory)
                state.workspaces[labels] = gauge
                gauge.record(workspaceValues[labels] ?? 0)
            }
            for claimState in Set(state.nodeClaims.keys).union(snapshot.nodeClaimsByState.keys) {
                let gauge =
                    state.nodeClaims[claimState]
                    ?? Gauge(label: Name.nodeClaims, dimensions: [("state", claimState)], factory: factory)
                state.nodeClaims[claimState] = gauge
                gauge.record(snapshot.nodeClaimsByState[claimState] ?? 0)
            }
        }
    }
}

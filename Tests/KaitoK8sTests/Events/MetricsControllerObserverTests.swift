import CoreMetrics
import Foundation
import KaitoHTTP
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// A swift-metrics factory that keeps every value by name and labels, and renders them like Prometheus text.
final class RecordingMetricsFactory: MetricsFactory, Sendable {
    struct Key: Hashable, Sendable, Comparable, CustomStringConvertible {
        var name: String
        var labels: [String]

        init(_ name: String, _ dimensions: [(String, String)]) {
            self.name = name
            self.labels = dimensions.map { "\($0.0)=\"\($0.1)\"" }
        }

        var description: String { labels.isEmpty ? name : "\(name){\(labels.joined(separator: ","))}" }
        static func < (lhs: Key, rhs: Key) -> Bool { lhs.description < rhs.description }
    }

    private let values = Locked<[Key: Double]>([:])
    private let samples = Locked<[Key: [Int64]]>([:])

    func value(_ name: String, _ dimensions: [(String, String)] = []) -> Double? {
        values.withLock { $0[Key(name, dimensions)] }
    }

    func timings(_ name: String, _ dimensions: [(String, String)] = []) -> [Int64] {
        samples.withLock { $0[Key(name, dimensions)] ?? [] }
    }

    /// `name{labels} value` lines, sorted.
    var text: String {
        values.withLock { values in
            values.keys.sorted().map { "\($0) \(values[$0] ?? 0)" }.joined(separator: "\n")
        }
    }

    final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, MeterHandler,
        Sendable
    {
        let key: Key
        let factory: RecordingMetricsFactory
        init(key: Key, factory: RecordingMetricsFactory) {
            self.key = key
            self.factory = factory
            factory.values.withLock { $0[key] = $0[key] ?? 0 }
        }
        func increment(by amount: Int64) { factory.values.withLock { $0[key, default: 0] += Double(amount) } }
        func increment(by amount: Double) { factory.values.withLock { $0[key, default: 0] += amount } }
        func decrement(by amount: Double) { factory.values.withLock { $0[key, default: 0] -= amount } }
        func reset() { factory.values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { factory.values.withLock { $0[key] = Double(value) } }
        func record(_ value: Double) { factory.values.withLock { $0[key] = value } }
        func set(_ value: Int64) { record(value) }
        func set(_ value: Double) { record(value) }
        func recordNanoseconds(_ duration: Int64) {
            factory.samples.withLock { $0[key, default: []].append(duration) }
            factory.values.withLock { $0[key, default: 0] += 1 }
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(key: Key(label, dimensions), factory: self)
    }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(key: Key(label, dimensions), factory: self)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(key: Key(label, dimensions), factory: self)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(key: Key(label, dimensions), factory: self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(key: Key(label, dimensions), factory: self)
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

@Suite("Controller metrics")
struct MetricsControllerObserverTests {
    @Test("every reconcile result exists from the start at 0, with the queue depth")
    func initialSeries() {
        let factory = RecordingMetricsFactory()
        _ = MetricsControllerObserver(factory: factory)
        for result in ["success", "requeue", "error"] {
            #expect(factory.value("kaito_workspace_reconcile_total", [("result", result)]) == 0)
        }
        #expect(factory.value("kaito_workspace_reconcile_errors_total") == 0)
        #expect(factory.value("kaito_workqueue_depth") == 0)
    }

    @Test("reconciles count by result, errors separately, and durations go to the timer in nanoseconds")
    func reconciles() {
        let factory = RecordingMetricsFactory()
        let observer = MetricsControllerObserver(factory: factory)
        observer.reconciled(workspace: "default/a", outcome: .success, duration: .milliseconds(12))
        observer.reconciled(workspace: "default/a", outcome: .success, duration: .milliseconds(3))
        observer.reconciled(workspace: "default/b", outcome: .requeue, duration: .seconds(1))
        observer.reconciled(workspace: "default/c", outcome: .error, duration: .microseconds(1500))
        #expect(factory.value("kaito_workspace_reconcile_total", [("result", "success")]) == 2)
        #expect(factory.value("kaito_workspace_reconcile_total", [("result", "requeue")]) == 1)
        #expect(factory.value("kaito_workspace_reconcile_total", [("result", "error")]) == 1)
        #expect(factory.value("kaito_workspace_reconcile_errors_total") == 1)
        #expect(
            factory.timings("kaito_workspace_reconcile_duration_seconds", [("result", "success")])
                == [12_000_000, 3_000_000])
        #expect(
            factory.timings("kaito_workspace_reconcile_duration_seconds", [("result", "requeue")]) == [1_000_000_000])
        #expect(factory.timings("kaito_workspace_reconcile_duration_seconds", [("result", "error")]) == [1_500_000])
    }

    @Test("gauges follow the queue and the snapshots; label values that disappear drop to 0")
    func gauges() {
        let factory = RecordingMetricsFactory()
        let observer = MetricsControllerObserver(factory: factory)
        observer.queueDepthChanged(7)
        #expect(factory.value("kaito_workqueue_depth") == 7)

        observer.snapshotChanged(
            ControllerSnapshot(
                workspacesByCondition: [
                    "WorkspaceSucceeded": ["True": 3, "Unknown": 1], "ResourceReady": ["True": 4],
                ],
                nodeClaimsByState: ["ready": 2, "pending": 1], workspaceCount: 4))
        #expect(factory.value("kaito_workspaces", [("condition", "WorkspaceSucceeded"), ("status", "True")]) == 3)
        #expect(factory.value("kaito_workspaces", [("condition", "WorkspaceSucceeded"), ("status", "Unknown")]) == 1)
        #expect(factory.value("kaito_workspaces", [("condition", "ResourceReady"), ("status", "True")]) == 4)
        #expect(factory.value("kaito_node_claims", [("state", "ready")]) == 2)
        #expect(factory.value("kaito_node_claims", [("state", "pending")]) == 1)

        observer.snapshotChanged(
            ControllerSnapshot(
                workspacesByCondition: ["WorkspaceSucceeded": ["True": 4]], nodeClaimsByState: ["ready": 3],
                workspaceCount: 4))
        #expect(factory.value("kaito_workspaces", [("condition", "WorkspaceSucceeded"), ("status", "True")]) == 4)
        #expect(factory.value("kaito_workspaces", [("condition", "WorkspaceSucceeded"), ("status", "Unknown")]) == 0)
        #expect(factory.value("kaito_workspaces", [("condition", "ResourceReady"), ("status", "True")]) == 0)
        #expect(factory.value("kaito_node_claims", [("state", "ready")]) == 3)
        #expect(factory.value("kaito_node_claims", [("state", "pending")]) == 0)

        let text = factory.text
        #expect(text.contains("kaito_workspaces{condition=\"WorkspaceSucceeded\",status=\"True\"} 4.0"))
        #expect(text.contains("kaito_node_claims{state=\"ready\"} 3.0"))
    }

    @Test("concurrent observations are all counted")
    func concurrent() async {
        let factory = RecordingMetricsFactory()
        let observer = MetricsControllerObserver(factory: factory)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    observer.reconciled(
                        workspace: "default/w\(index)", outcome: index % 2 == 0 ? .success : .error,
                        duration: .milliseconds(1))
                    observer.snapshotChanged(ControllerSnapshot(nodeClaimsByState: ["ready": index]))
                }
            }
        }
        #expect(factory.value("kaito_workspace_reconcile_total", [("result", "success")]) == 100)
        #expect(factory.value("kaito_workspace_reconcile_errors_total") == 100)
    }
}

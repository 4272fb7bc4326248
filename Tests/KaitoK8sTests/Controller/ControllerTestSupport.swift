import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import KaitoTestSupport
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// Records workspace events in memory.
actor RecordingEventRecorder: WorkspaceEventRecorder {
    private(set) var events: [WorkspaceEvent] = []

    func record(_ event: WorkspaceEvent) async {
        events.append(event)
    }

    func reasons() -> [String] { events.map(\.reason) }
}

/// Records what the controller reports for metrics.
final class RecordingObserver: ControllerObserver, Sendable {
    let outcomes = Locked<[ReconcileOutcome]>([])
    let snapshots = Locked<[ControllerSnapshot]>([])
    let depths = Locked<[Int]>([])

    func reconciled(workspace: String, outcome: ReconcileOutcome, duration: Duration) {
        outcomes.withLock { $0.append(outcome) }
    }

    func queueDepthChanged(_ depth: Int) {
        depths.withLock { $0.append(depth) }
    }

    func snapshotChanged(_ snapshot: ControllerSnapshot) {
        snapshots.withLock { $0.append(snapshot) }
    }
}

/// A SimCluster with a fleet and a running controller.
struct ControllerHarness: Sendable {
    let cluster: SimCluster
    let client: KubernetesClient
    let controller: WorkspaceController
    let fleet: FleetSimulator
    let events: RecordingEventRecorder
    let observer: RecordingObserver
    let namespace = "default"

    var workspaces: ResourceClient<KubernetesObject> { client.resource(.workspaces) }

    /// Starts a cluster, the fleet and a controller, runs `body`, then stops them.
    static func run(
        configure: (inout WorkspaceControllerConfiguration) -> Void = { _ in },
        setup: (SimCluster, KubernetesClient) async throws -> Void = { _, _ in },
        _ body: @Sendable (ControllerHarness) async throws -> Void
    ) async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let clock = cluster.clock
            var configuration = WorkspaceControllerConfiguration(
                resyncPeriod: nil, retryBaseDelay: .milliseconds(5), retryMaxDelay: .milliseconds(500),
                clock: { clock.now() })
            configure(&configuration)
            try await setup(cluster, client)
            let events = RecordingEventRecorder()
            let observer = RecordingObserver()
            let controller = WorkspaceController(
                client: client, configuration: configuration, events: events, observer: observer,
                logger: TestLogging.logger("kaito.workspace-controller"))
            let fleet = FleetSimulator(store: cluster.store, configuration: FleetConfiguration(randomSeed: 7))
            let harness = ControllerHarness(
                cluster: cluster, client: client, controller: controller, fleet: fleet, events: events,
                observer: observer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await fleet.run() }
                group.addTask { try await controller.run() }
                do {
                    try await body(harness)
                } catch {
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    /// Creates `examples/inference/NAME.yaml`, changed by `change`.
    @discardableResult
    func createExample(_ name: String, _ change: (inout JSONValue) -> Void = { _ in }) async throws -> KubernetesObject
    {
        var json = try Examples.inference(name)
        change(&json)
        return try await workspaces.create(try KubernetesObject(json: json), namespace: namespace)
    }

    /// The stored workspace.
    func workspace(_ name: String) async throws -> Workspace {
        try await client.resource(Workspace.self).get(name, namespace: namespace)
    }

    /// Waits (bounded) until the workspace's condition `type` has `status`; returns the workspace.
    @discardableResult
    func waitForCondition(
        _ name: String, _ type: String, _ status: Condition.Status, timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Workspace {
        try await eventually("\(type)=\(status.rawValue) on \(name)", timeout: timeout, sourceLocation: sourceLocation)
        {
            let workspace = try await self.workspace(name)
            return workspace.status?.conditions?[type: type]?.status == status ? workspace : nil
        }
    }

    /// Objects of `resourceType`, sorted by name.
    func list(_ resourceType: ResourceType, labelSelector: String? = nil) async throws -> [KubernetesObject] {
        try await client.resource(resourceType).list(namespace: nil, labelSelector: labelSelector).items
            .sorted { $0.name < $1.name }
    }
}

/// Polls `probe` until it returns a value, at most `timeout`; fails the test with `what` otherwise.
@discardableResult
func eventually<T: Sendable>(
    _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ probe: @Sendable () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var lastError: (any Error)?
    while ContinuousClock.now < deadline {
        do {
            if let value = try await probe() { return value }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let detail = lastError.map { " (last error: \($0))" } ?? ""
    Issue.record("timed out waiting for \(what)\(detail)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// The repository's example manifests.
enum Examples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `examples/inference/NAME.yaml` as JSON.
    static func inference(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: root.appendingPathComponent("examples/inference/\(name).yaml"))
        return try #require(try ManifestReader.documents(from: data).first).value
    }
}

extension JSONValue {
    /// Sets the value at a path of object keys, creating objects on the way.
    mutating func set(_ value: JSONValue, at path: [String]) {
        guard let first = path.first else {
            self = value
            return
        }
        var object = objectValue ?? [:]
        var child = object[first] ?? .object([:])
        child.set(value, at: Array(path.dropFirst()))
        object[first] = child
        self = .object(object)
    }
}

/// Creates `count` Ready GPU nodes labelled `labels`.
func seedNodes(
    _ store: APIStore, count: Int, instanceType: String = "Standard_NC12s_v3", prefix: String = "byo",
    labels: [String: String]
) async throws {
    let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    let created = try await store.seedGPUNodes(count: count, instanceType: instanceType, namePrefix: prefix)
    for node in created {
        let name = node["metadata"]?["name"]?.stringValue ?? ""
        var object = try await store.get(nodes, name: name)
        for (key, value) in labels {
            object.set(.string(value), at: ["metadata", "labels", key])
        }
        _ = try await store.update(nodes, name: name, object: object)
    }
}

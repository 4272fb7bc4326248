import Foundation
import KaitoCore
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

private typealias Event = KaitoK8s.WatchEvent<KubernetesObject>

@Suite("ResourceWatch")
struct ResourceWatchTests {
    /// A quick reconnection policy for tests.
    static let fast = WatchReconnectPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(100))

    @Test("events arrive in order with their types and resourceVersions")
    func eventsInOrder() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(4, of: watch, "four events") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            let store = cluster.store
            let created = try await RuntimeTest.create(store, "alpha", data: ["k": "1"])
            let updated = try await RuntimeTest.update(store, "alpha", data: ["k": "2"])
            let other = try await RuntimeTest.create(store, "beta")
            let deleted = try await RuntimeTest.delete(store, "alpha")
            let events = try await RuntimeTest.value(of: consumer, "the events")
            #expect(events.map(\.typeName) == ["ADDED", "MODIFIED", "ADDED", "DELETED"])
            #expect(events.map { $0.object?.name } == ["alpha", "alpha", "beta", "alpha"])
            #expect(events.map(\.resourceVersion) == [created, updated, other, deleted])
            #expect(events[1].object?.content["data"]?["k"]?.stringValue == "2")
        }
    }

    @Test("a watch started from a list's resourceVersion replays the changes made since, before live ones")
    func replayFromResourceVersion() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            try await RuntimeTest.create(cluster.store, "early")
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(2, of: watch, "two events") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            try await RuntimeTest.create(cluster.store, "late")
            let events = try await RuntimeTest.value(of: consumer, "the events")
            #expect(events.map { $0.object?.name } == ["early", "late"])
        }
    }

    @Test("without a resourceVersion the watch starts from now: existing objects are not replayed")
    func fromNow() async throws {
        try await SimCluster.run { cluster in
            try await RuntimeTest.create(cluster.store, "existing")
            let watch = try cluster.client().resource(.configMaps).watch(namespace: "default", reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(1, of: watch, "one event") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            try await RuntimeTest.create(cluster.store, "new")
            let events = try await RuntimeTest.value(of: consumer, "the event")
            #expect(events.map(\.typeName) == ["ADDED"])
            #expect(events.first?.object?.name == "new")
        }
    }

    @Test("bookmarks surface with the server's current resourceVersion")
    func bookmarks() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(1, of: watch, "a bookmark") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            // Writes elsewhere move the resourceVersion on without events for this watch.
            try await RuntimeTest.create(cluster.store, "elsewhere", namespace: "kube-public")
            let current = await cluster.store.currentResourceVersion
            await cluster.store.sendBookmarks()
            let events = try await RuntimeTest.value(of: consumer, "the bookmark")
            #expect(events == [Event.bookmark(resourceVersion: current)])
        }
    }

    @Test("after a dropped watch it reconnects from the last resourceVersion: every change seen exactly once")
    func resumesAfterDrop() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            let store = cluster.store
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(9, of: watch, "nine events") }
            try await RuntimeTest.waitUntil("the watch to connect") { await store.watchCount == 1 }
            var expected: [String] = []
            expected.append(try await RuntimeTest.create(store, "one"))
            expected.append(try await RuntimeTest.create(store, "two"))
            expected.append(try await RuntimeTest.update(store, "one", data: ["v": "1"]))

            // Disconnect, change things while no watch is open, then let the watch back in.
            await gate.close()
            await store.dropWatches()
            expected.append(try await RuntimeTest.update(store, "two", data: ["v": "1"]))
            expected.append(try await RuntimeTest.create(store, "three"))
            expected.append(try await RuntimeTest.delete(store, "one"))
            try await RuntimeTest.waitUntil("the watch to try again") { await gate.waitingCount == 1 }
            await gate.open()

            // A second drop with the gate open: the reconnection is immediate.
            try await RuntimeTest.waitUntil("the watch to reconnect") { await store.watchCount == 1 }
            await store.dropWatches()
            expected.append(try await RuntimeTest.update(store, "three", data: ["v": "1"]))
            expected.append(try await RuntimeTest.create(store, "four"))
            expected.append(try await RuntimeTest.delete(store, "two"))

            let events = try await RuntimeTest.value(of: consumer, "the events")
            #expect(events.compactMap(\.resourceVersion) == expected)
            #expect(
                events.map { "\($0.typeName) \($0.object?.name ?? "")" } == [
                    "ADDED one", "ADDED two", "MODIFIED one", "MODIFIED two", "ADDED three", "DELETED one",
                    "MODIFIED three", "ADDED four", "DELETED two",
                ])
            #expect(await gate.watchRequests >= 3)
        }
    }

    @Test("a resume from a resourceVersion older than the event window throws Gone (ERROR event)")
    func goneAfterWindow() async throws {
        let gate = WatchGate()
        try await SimCluster.run(
            storeConfiguration: APIStore.Configuration(eventWindow: 5, namespaceBootstrapControllers: false),
            configure: { $0.faults = gate }
        ) {
            cluster in
            let store = cluster.store
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task {
                var seen: [Event] = []
                do {
                    for try await event in watch { seen.append(event) }
                    return (seen, nil as KubernetesError?)
                } catch let error as KubernetesError {
                    return (seen, error)
                }
            }
            try await RuntimeTest.waitUntil("the watch to connect") { await store.watchCount == 1 }
            try await RuntimeTest.create(store, "seen")
            await gate.close()
            await store.dropWatches()
            for index in 0..<8 { try await RuntimeTest.create(store, "missed-\(index)") }
            try await RuntimeTest.waitUntil("the watch to try again") { await gate.waitingCount == 1 }
            await gate.open()
            let (seen, error) = try await RuntimeTest.value(of: consumer, "the watch to end")
            #expect(seen.map { $0.object?.name } == ["seen"])
            let gone = try #require(error)
            #expect(gone.isGone)
            #expect(gone.kind == .status)
            #expect(gone.status?.reason == "Expired")
        }
    }

    @Test("an HTTP 410 answer to the watch request throws Gone too")
    func goneAsHTTPStatus() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            await gate.fail("watch", with: [APIError.expired("too old resource version: 1 (9)")])
            let configMaps = try cluster.client().resource(.configMaps)
            let watch = configMaps.watch(namespace: "default", resourceVersion: "1", reconnect: Self.fast)
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await RuntimeTest.first(1, of: watch, "the watch to fail")
            }
            #expect(error?.isGone == true)
            #expect(error?.message == "too old resource version: 1 (9)")
        }
    }

    @Test("5xx answers to the watch request are retried with backoff and reported; the watch then works")
    func retriesServerErrors() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            var options = SimCluster.testOptions
            options.retry = .none
            let configMaps = try cluster.client(options: options).resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            await gate.fail("watch", with: Array(repeating: APIError.internalError("etcd is sad"), count: 3))
            let reported = RuntimeCounter()
            let watch = configMaps.watch(
                namespace: "default", resourceVersion: start, reconnect: Self.fast,
                onTransportError: { _ in reported.increment() })
            let consumer = Task { try await RuntimeTest.first(1, of: watch, "one event") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            try await RuntimeTest.create(cluster.store, "after-outage")
            let events = try await RuntimeTest.value(of: consumer, "the event")
            #expect(events.first?.object?.name == "after-outage")
            #expect(reported.value == 3)
            #expect(await gate.count("watch") == 4)
        }
    }

    @Test("an unreachable server throws after the allowed consecutive failures, each reported")
    func givesUpWhenUnreachable() async throws {
        var options = SimCluster.testOptions
        options.retry = .none
        let connection = ClusterConnection(
            server: "http://127.0.0.1:1",
            credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: adminToken)))
        let client = try KubernetesClient(connection: connection, options: options)
        let reported = RuntimeCounter()
        var policy = Self.fast
        policy.maxConsecutiveFailures = 2
        let watch = client.resource(.configMaps).watch(
            namespace: "default", resourceVersion: "5", reconnect: policy,
            onTransportError: { _ in reported.increment() })
        let error = await #expect(throws: KubernetesError.self) {
            _ = try await RuntimeTest.first(1, of: watch, "the watch to give up")
        }
        #expect(error?.isUnreachable == true)
        #expect(reported.value == 2)
    }

    @Test("a refused watch (unknown resource) throws at once instead of retrying")
    func permanentErrorThrows() async throws {
        try await SimCluster.run { cluster in
            let missing = ResourceType(group: "example.com", version: "v1", kind: "Widget", plural: "widgets")
            let watch = try cluster.client().resource(missing).watch(
                namespace: "default", resourceVersion: "1", reconnect: Self.fast)
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await RuntimeTest.first(1, of: watch, "the watch to fail")
            }
            #expect(error?.isNotFound == true)
        }
    }

    @Test("a label-selector watch sees only matching objects, and objects leaving the selection as deleted")
    func labelSelector() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(
                namespace: "default", labelSelector: "app=falcon", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(4, of: watch, "four events") }
            try await RuntimeTest.waitUntil("the watch to connect") { await store.watchCount == 1 }
            try await RuntimeTest.create(store, "plain")
            try await RuntimeTest.create(store, "falcon-a", labels: ["app": "falcon"])
            try await RuntimeTest.create(store, "llama", labels: ["app": "llama"])
            try await RuntimeTest.update(store, "plain", labels: ["app": "falcon"], data: ["joined": "yes"])
            try await RuntimeTest.update(store, "llama", data: ["ignored": "yes"])
            try await RuntimeTest.update(store, "falcon-a", labels: ["app": "other"], data: [:])
            try await RuntimeTest.update(store, "plain", data: ["still": "falcon"])
            let events = try await RuntimeTest.value(of: consumer, "the events")
            #expect(
                events.map { "\($0.typeName) \($0.object?.name ?? "")" } == [
                    "ADDED falcon-a", "ADDED plain", "DELETED falcon-a", "MODIFIED plain",
                ])
        }
    }

    @Test("cancelling the consuming task ends the HTTP request: the server's watch count returns to 0")
    func cancellationClosesTheRequest() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            let watch = configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task {
                var count = 0
                for try await _ in watch { count += 1 }
                return count
            }
            try await RuntimeTest.waitUntil("the watch to connect") { await store.watchCount == 1 }
            consumer.cancel()
            let outcome = await consumer.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            // The server notices a closed watch at its next event: bookmarks are events it can send at any time.
            try await RuntimeTest.waitUntil("the server to drop the watch") {
                await store.sendBookmarks()
                return await store.watchCount == 0
            }
        }
    }

    @Test("leaving the loop early ends the HTTP request")
    func breakClosesTheRequest() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            let configMaps = try cluster.client().resource(.configMaps)
            let start = try await configMaps.list(namespace: "default").resourceVersion
            try await RuntimeTest.create(store, "first")
            let events = try await RuntimeTest.first(
                1, of: configMaps.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast), "one event"
            )
            #expect(events.first?.object?.name == "first")
            try await RuntimeTest.waitUntil("the server to drop the watch") {
                await store.sendBookmarks()
                return await store.watchCount == 0
            }
        }
    }

    @Test("typed watches decode their objects")
    func typedWatch() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspaces = client.resource(Workspace.self)
            let start = try await workspaces.list(namespace: "default").resourceVersion
            let watch = workspaces.watch(namespace: "default", resourceVersion: start, reconnect: Self.fast)
            let consumer = Task { try await RuntimeTest.first(1, of: watch, "one event") }
            try await RuntimeTest.waitUntil("the watch to connect") { await cluster.store.watchCount == 1 }
            let workspace: JSONValue = [
                "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace",
                "metadata": ["name": "falcon", "namespace": "default"],
                "resource": [
                    "instanceType": "Standard_NC12s_v3", "labelSelector": ["matchLabels": ["apps": "falcon"]],
                ],
                "inference": ["preset": ["name": "falcon-7b"]],
            ]
            _ = try await cluster.store.create(
                GroupVersionResource(group: "kaito.sh", version: "v1alpha1", resource: "workspaces"),
                namespace: "default", object: workspace)
            let events = try await RuntimeTest.value(of: consumer, "the event")
            guard case .added(let added)? = events.first else {
                Issue.record("expected an added Workspace, got \(events)")
                return
            }
            #expect(added.metadata.name == "falcon")
            #expect(added.resource?.instanceType == "Standard_NC12s_v3")
        }
    }
}

/// A thread-safe counter for callbacks.
final class RuntimeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

import Foundation
import KaitoCore
import KaitoSim
import Testing

@testable import KaitoK8s

private typealias ConfigMapEvent = InformerEvent<KubernetesObject>

/// Runs `informer` while `body` runs, then cancels it and waits for it to stop.
private func whileRunning<Object: KubernetesObjectConvertible, T: Sendable>(
    _ informer: Informer<Object>, _ body: () async throws -> T
) async throws -> T {
    let runner = Task { await informer.run() }
    do {
        let result = try await body()
        runner.cancel()
        await runner.value
        return result
    } catch {
        runner.cancel()
        await runner.value
        throw error
    }
}

/// Applies notifications to a map, checking that each one makes sense for the map's state.
private func replay(_ events: [ConfigMapEvent], onto map: inout [ObjectKey: RuntimeTest.Snapshot]) {
    for event in events {
        switch event {
        case .added(let object):
            #expect(map[ObjectKey(object)] == nil, "added \(ObjectKey(object)) twice")
            map[ObjectKey(object)] = RuntimeTest.Snapshot(object)
        case .updated(let old, let new):
            #expect(
                map[ObjectKey(new)]?.resourceVersion == old.metadata.resourceVersion,
                "stale update of \(ObjectKey(new))")
            #expect(old.metadata.resourceVersion != new.metadata.resourceVersion, "no-op update of \(ObjectKey(new))")
            map[ObjectKey(new)] = RuntimeTest.Snapshot(new)
        case .deleted(let object):
            #expect(map[ObjectKey(object)] != nil, "deleted \(ObjectKey(object)) that was not there")
            map[ObjectKey(object)] = nil
        }
    }
}

private func describe(_ event: ConfigMapEvent) -> String {
    switch event {
    case .added(let object): "added \(object.name)"
    case .updated(let old, let new):
        "updated \(new.name) \(old.metadata.resourceVersion ?? "")→\(new.metadata.resourceVersion ?? "")"
    case .deleted(let object): "deleted \(object.name)"
    }
}

@Suite("Informer")
struct InformerTests {
    static let fast = WatchReconnectPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(100))

    @Test("syncs the existing objects and answers lookups by key, namespace and label")
    func initialSync() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            try await RuntimeTest.create(store, "falcon-a", labels: ["app": "falcon", "tier": "gpu"])
            try await RuntimeTest.create(store, "falcon-b", labels: ["app": "falcon"])
            try await RuntimeTest.create(store, "llama", labels: ["app": "llama", "tier": "gpu"])
            try await RuntimeTest.create(store, "falcon-c", namespace: "kube-public", labels: ["app": "falcon"])
            let existing = try await RuntimeTest.serverState(try cluster.client(), namespace: nil)
            let informer = Informer(try cluster.client().resource(.configMaps), backoff: Self.fast)
            #expect(!informer.hasSynced)
            let events = informer.events()
            try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                #expect(informer.hasSynced)
                #expect(informer.listCount == 1)
                let cache = informer.store
                #expect(await cache.count == existing.count)
                #expect(await cache.contents.mapValues(RuntimeTest.Snapshot.init) == existing)
                #expect(await cache.object(namespace: "default", name: "llama")?.metadata.labels?["app"] == "llama")
                #expect(await cache.object(namespace: "default", name: "missing") == nil)
                #expect(await cache.objects(namespace: "kube-public").map(\.name).contains("falcon-c"))
                #expect(!(await cache.objects(namespace: "default").map(\.name).contains("falcon-c")))
                #expect(
                    await cache.objects(matching: ["app": "falcon"], namespace: "default").map(\.name) == [
                        "falcon-a", "falcon-b",
                    ])
                #expect(
                    await cache.objects(matching: ["app": "falcon"]).map { ObjectKey($0).description } == [
                        "default/falcon-a", "default/falcon-b", "kube-public/falcon-c",
                    ])
                let gpuNotFalcon = LabelSelector(
                    matchLabels: ["tier": "gpu"],
                    matchExpressions: [LabelSelectorRequirement(key: "app", operator: .notIn, values: ["falcon"])])
                #expect(await cache.objects(matching: gpuNotFalcon).map(\.name) == ["llama"])
                let anyApp = LabelSelector(
                    matchExpressions: [
                        LabelSelectorRequirement(key: "app", operator: .in, values: ["llama", "falcon"])
                    ])
                #expect(await cache.objects(matching: anyApp, namespace: "default").count == 3)
                #expect(await cache.keys.contains(ObjectKey(namespace: "default", name: "falcon-b")))
                #expect(await !cache.resourceVersion.isEmpty)
            }
            // The initial sync was announced as additions, and the stream ends when the informer stops.
            var announced: [ObjectKey: RuntimeTest.Snapshot] = [:]
            var received: [ConfigMapEvent] = []
            for await event in events { received.append(event) }
            replay(received, onto: &announced)
            #expect(announced == existing)
            #expect(!informer.isRunning)
        }
    }

    @Test("stays consistent with the server through a concurrent burst of 150 changes and a dropped watch")
    func burst() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            let client = try cluster.client()
            for index in 0..<10 { try await RuntimeTest.create(store, "initial-\(index)", data: ["n": "\(index)"]) }
            let informer = Informer(client.resource(.configMaps), namespace: "default", backoff: Self.fast)
            let events = informer.events()
            let received: [ConfigMapEvent] = try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<5 {
                        group.addTask {
                            for step in 0..<30 {
                                let name = "w\(worker)-\(step / 3)"
                                switch step % 3 {
                                case 0: try await RuntimeTest.create(store, name, data: ["step": "\(step)"])
                                case 1: try await RuntimeTest.update(store, name, data: ["step": "\(step)"])
                                default:
                                    if (step / 3) % 2 == 0 {
                                        try await RuntimeTest.delete(store, name)
                                    } else {
                                        try await RuntimeTest.update(
                                            store, "initial-\(worker)", data: ["step": "\(step)"])
                                    }
                                }
                                if worker == 0, step == 15 { await store.dropWatches() }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let sentinel = try await RuntimeTest.create(store, "zz-sentinel")
                let cache = informer.store
                // Every change before the sentinel precedes its notification.
                let received = try await RuntimeTest.collect(events, "the sentinel's notification", .seconds(30)) {
                    seen in
                    seen.last?.object.metadata.resourceVersion == sentinel
                }
                #expect(await cache.resourceVersion == sentinel)
                let server = try await RuntimeTest.serverState(client)
                #expect(await cache.contents.mapValues(RuntimeTest.Snapshot.init) == server)
                #expect(await cache.count == 10 + 25 + 1)
                return received
            }
            // The notifications from the start (the initial sync's additions, then every change), replayed onto an
            // empty map, also give the server's state.
            var map: [ObjectKey: RuntimeTest.Snapshot] = [:]
            replay(received, onto: &map)
            #expect(map == (try await RuntimeTest.serverState(client)))
            #expect(received.count == 10 + 150 + 1)
        }
    }

    @Test("the notifications of a burst, replayed onto an empty map, reproduce the server's state")
    func notificationsReplay() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            let client = try cluster.client()
            for index in 0..<6 { try await RuntimeTest.create(store, "seed-\(index)") }
            let informer = Informer(client.resource(.configMaps), namespace: "default", backoff: Self.fast)
            let events = informer.events()
            let received: [ConfigMapEvent] = try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<3 {
                        group.addTask {
                            for step in 0..<50 {
                                let name = "r\(worker)-\(step % 7)"
                                let exists =
                                    (try? await store.get(RuntimeTest.configMaps, namespace: "default", name: name))
                                    != nil
                                if !exists {
                                    try await RuntimeTest.create(store, name, labels: ["w": "\(worker)"])
                                } else if step % 4 == 0 {
                                    try await RuntimeTest.delete(store, name)
                                } else {
                                    try await RuntimeTest.update(store, name, data: ["step": "\(step)"])
                                }
                                if worker == 1, step == 25 { await store.dropWatches() }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let sentinel = try await RuntimeTest.create(store, "zz-sentinel")
                return try await RuntimeTest.collect(events, "the sentinel's notification", .seconds(30)) { seen in
                    seen.last?.object.metadata.resourceVersion == sentinel
                }
            }
            var map: [ObjectKey: RuntimeTest.Snapshot] = [:]
            replay(received, onto: &map)
            #expect(map == (try await RuntimeTest.serverState(client)))
        }
    }

    @Test("after 410 Gone it lists again and emits exactly the difference")
    func relistAfterGone() async throws {
        let gate = WatchGate()
        try await SimCluster.run(
            storeConfiguration: APIStore.Configuration(eventWindow: 10, namespaceBootstrapControllers: false),
            configure: { $0.faults = gate }
        ) {
            cluster in
            let store = cluster.store
            let client = try cluster.client()
            try await RuntimeTest.create(store, "a", data: ["v": "0"])
            try await RuntimeTest.create(store, "b")
            try await RuntimeTest.create(store, "c")
            let informer = Informer(client.resource(.configMaps), namespace: "default", backoff: Self.fast)
            try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                try await RuntimeTest.waitUntil("the watch to connect") { await store.watchCount == 1 }
                let events = informer.events()
                let oldA = try #require(await informer.store.object(namespace: "default", name: "a"))

                // The watch is cut off while a changes, b goes, d comes, and more than the event window happens.
                await gate.close()
                await store.dropWatches()
                let newA = try await RuntimeTest.update(store, "a", data: ["v": "1"])
                try await RuntimeTest.delete(store, "b")
                try await RuntimeTest.create(store, "d")
                for index in 0..<12 { try await RuntimeTest.create(store, "filler-\(index)", namespace: "kube-public") }
                try await RuntimeTest.waitUntil("the watch to try again") { await gate.waitingCount == 1 }
                await gate.open()

                let diff = try await RuntimeTest.collect(events, "the relist's difference") { $0.count == 3 }
                #expect(
                    diff.map(describe) == [
                        "updated a \(oldA.metadata.resourceVersion ?? "")→\(newA)", "added d", "deleted b",
                    ])
                #expect(informer.listCount == 2)
                // Nothing else (c is unchanged): the next notification is the next change.
                try await RuntimeTest.create(store, "e")
                let next = try await RuntimeTest.collect(events, "the next change") { $0.count == 1 }
                #expect(next.map(describe) == ["added e"])
                #expect(
                    await informer.store.contents.mapValues(RuntimeTest.Snapshot.init)
                        == (try await RuntimeTest.serverState(client)))
            }
        }
    }

    @Test("a periodic resync re-emits every cached object as an update to itself")
    func resync() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            for name in ["x", "y", "z"] { try await RuntimeTest.create(store, name) }
            let informer = Informer(
                try cluster.client().resource(.configMaps), namespace: "default", resyncPeriod: .milliseconds(50),
                backoff: Self.fast)
            #expect(informer.resyncPeriod == .milliseconds(50))
            let events = informer.events()
            try await whileRunning(informer) {
                let seen = try await RuntimeTest.collect(events, "resyncs of x, y and z") { seen in
                    Set(seen.filter(\.isResync).map(\.object.name)).isSuperset(of: ["x", "y", "z"])
                }
                let resyncs = seen.filter(\.isResync)
                for event in resyncs {
                    guard case .updated(let old, let new) = event else { continue }
                    #expect(old.metadata.resourceVersion == new.metadata.resourceVersion)
                    #expect(RuntimeTest.Snapshot(old) == RuntimeTest.Snapshot(new))
                }
                #expect(Array(resyncs.prefix(3)).map(\.object.name) == ["x", "y", "z"])
                #expect(seen.filter { !$0.isResync }.map(describe) == ["added x", "added y", "added z"])
            }
        }
    }

    @Test("a subscriber can ask for the cache first, then gets every later change once")
    func replayingSubscriber() async throws {
        try await SimCluster.run { cluster in
            let store = cluster.store
            for name in ["one", "two"] { try await RuntimeTest.create(store, name) }
            let informer = Informer(
                try cluster.client().resource(.configMaps), namespace: "default", backoff: Self.fast)
            try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                let plain = informer.events()
                let replaying = await informer.events(replayingCache: true)
                try await RuntimeTest.create(store, "three")
                let withCache = try await RuntimeTest.collect(replaying, "the replay and the change") { $0.count == 3 }
                #expect(withCache.map(describe) == ["added one", "added two", "added three"])
                let live = try await RuntimeTest.collect(plain, "the change") { $0.count == 1 }
                #expect(live.map(describe) == ["added three"])
            }
        }
    }

    @Test("failed lists are retried with backoff and reported, and never stop the informer")
    func listFailuresRetried() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            try await RuntimeTest.create(cluster.store, "survivor")
            await gate.fail("list", with: Array(repeating: APIError.internalError("etcd is sad"), count: 3))
            var options = SimCluster.testOptions
            options.retry = .none
            let reported = RuntimeCounter()
            let informer = Informer(
                try cluster.client(options: options).resource(.configMaps), namespace: "default", backoff: Self.fast,
                onError: { _ in reported.increment() })
            let waiter = Task { try await informer.waitUntilSynced() }
            try await whileRunning(informer) {
                try await RuntimeTest.value(of: waiter, "the sync after the failures")
                #expect(reported.value == 3)
                #expect(informer.lastError == nil)
                #expect(await gate.count("list") == 4)
                #expect(await informer.store.object(namespace: "default", name: "survivor") != nil)
            }
        }
    }

    @Test("a failing watch is reported and retried from the cache's resourceVersion, without listing again")
    func watchFailuresRetried() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            await gate.fail("watch", with: Array(repeating: APIError.internalError("watch cache warming"), count: 5))
            var options = SimCluster.testOptions
            options.retry = .none
            let reported = RuntimeCounter()
            let informer = Informer(
                try cluster.client(options: options).resource(.configMaps), namespace: "default", backoff: Self.fast,
                onError: { _ in reported.increment() })
            let events = informer.events()
            try await whileRunning(informer) {
                try await RuntimeTest.withDeadline("the first sync") { try await informer.waitUntilSynced() }
                let version = try await RuntimeTest.create(cluster.store, "after-the-failures")
                let seen = try await RuntimeTest.collect(events, "the change") { $0.count == 1 }
                #expect(seen.first?.object.metadata.resourceVersion == version)
                // Three failures the watch absorbed, the one it gave up on, and one more after the informer's pause.
                #expect(reported.value == 5)
                #expect(await gate.count("watch") == 6)
                #expect(informer.listCount == 1)
                #expect(informer.lastError == nil)
            }
        }
    }

    @Test("waiting for a sync that never comes ends with CancellationError when the waiter is cancelled")
    func waitIsCancellable() async throws {
        try await SimCluster.run { cluster in
            let informer = Informer(try cluster.client().resource(.configMaps))
            let waiter = Task { try await informer.waitUntilSynced() }
            waiter.cancel()
            let outcome = await waiter.result
            #expect(throws: CancellationError.self) { try outcome.get() }
        }
    }
}

@Suite("SharedInformerFactory")
struct SharedInformerFactoryTests {
    @Test("one informer per resource, namespace, label selector and object type")
    func sharing() async throws {
        try await SimCluster.run { cluster in
            let factory = SharedInformerFactory(client: try cluster.client())
            let deployments = factory.informer(.deployments, namespace: "default")
            #expect(deployments === factory.informer(.deployments, namespace: "default"))
            #expect(deployments !== factory.informer(.deployments))
            #expect(deployments !== factory.informer(.deployments, namespace: "default", labelSelector: "app=falcon"))
            #expect(deployments !== factory.informer(.statefulSets, namespace: "default"))
            #expect(factory.informer(for: Workspace.self) === factory.informer(for: Workspace.self))
            // Cluster-scoped resources ignore the namespace.
            #expect(factory.informer(.nodes, namespace: "default") === factory.informer(.nodes))
            #expect(factory.keys.count == 6)
            #expect(factory.keys.first?.description == "deployments.apps in default")
        }
    }

    @Test("run starts every informer once, including later ones, and stops them all when cancelled")
    func runAndSync() async throws {
        let gate = WatchGate()
        try await SimCluster.run(configure: { $0.faults = gate }) { cluster in
            let store = cluster.store
            try await RuntimeTest.create(store, "in-default")
            try await RuntimeTest.create(store, "in-public", namespace: "kube-public")
            let factory = SharedInformerFactory(client: try cluster.client(), backoff: InformerTests.fast)
            let defaults = factory.informer(.configMaps, namespace: "default")
            let workspaces = factory.informer(for: Workspace.self)
            let runner = Task { await factory.run() }
            try await RuntimeTest.withDeadline("the caches to sync") { try await factory.waitForCacheSync() }
            #expect(factory.hasSynced)
            #expect(await defaults.store.object(namespace: "default", name: "in-default") != nil)
            #expect(await workspaces.store.count == 0)

            // Asked for after the factory started: started too, once.
            let publics = factory.informer(.configMaps, namespace: "kube-public")
            try await RuntimeTest.withDeadline("the late informer to sync") { try await publics.waitUntilSynced() }
            #expect(await publics.store.object(namespace: "kube-public", name: "in-public") != nil)
            #expect(factory.informer(.configMaps, namespace: "default") === defaults)
            try await RuntimeTest.withDeadline("the caches to sync again") { try await factory.waitForCacheSync() }
            let listCounts: [Int] = [defaults.listCount, workspaces.listCount, publics.listCount]
            #expect(listCounts == [1, 1, 1])
            #expect(await gate.count("list") == 3)
            try await RuntimeTest.waitUntil("three watches") { await store.watchCount == 3 }

            runner.cancel()
            await runner.value
            #expect(!defaults.isRunning && !workspaces.isRunning && !publics.isRunning)
            try await RuntimeTest.waitUntil("the server to drop the watches") {
                await store.sendBookmarks()
                return await store.watchCount == 0
            }
        }
    }
}

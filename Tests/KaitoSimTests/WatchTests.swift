import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Watch")
struct WatchTests {
    @Test("Without a resourceVersion the current objects come as ADDED, then live events follow")
    func initialStateThenLive() async throws {
        let store = Fixture().store
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("a"))
        _ = try await store.create(R.configMaps, namespace: "kube-system", object: configMap("b"))
        let stream = try await store.watch(
            R.configMaps, namespace: "default", options: WatchOptions(allowBookmarks: true))
        var iterator = stream.makeAsyncIterator()
        #expect(summary(await drain(&iterator, store)) == ["ADDED a", "ADDED \(rootCA)"])

        var updated = try await store.create(R.configMaps, namespace: "default", object: configMap("c"))
        updated.setValue(["k": "v"], at: ["data"])
        updated = try await store.update(R.configMaps, namespace: "default", name: "c", object: updated)
        _ = try await store.create(R.configMaps, namespace: "kube-system", object: configMap("elsewhere"))
        _ = try await store.delete(R.configMaps, namespace: "default", name: "a")
        let events = await drain(&iterator, store)
        #expect(summary(events) == ["ADDED c", "MODIFIED c", "DELETED a"])
        #expect(events[1].object == updated)
        #expect(events[1].jsonValue["type"] == "MODIFIED")
    }

    @Test("From a resourceVersion, later logged events are replayed before live ones")
    func replayFromResourceVersion() async throws {
        let store = Fixture().store
        let first = try await store.create(R.configMaps, namespace: "default", object: configMap("a"))
        var second = try await store.create(R.configMaps, namespace: "default", object: configMap("b"))
        second.setValue(["x": "1"], at: ["data"])
        _ = try await store.update(R.configMaps, namespace: "default", name: "b", object: second)
        _ = try await store.delete(R.configMaps, namespace: "default", name: "a")

        let stream = try await store.watch(
            R.configMaps, namespace: "default", options: WatchOptions(resourceVersion: first.rv, allowBookmarks: true))
        var iterator = stream.makeAsyncIterator()
        let replayed = await drain(&iterator, store)
        #expect(summary(replayed) == ["ADDED b", "MODIFIED b", "DELETED a"])
        let versions = replayed.compactMap { $0.resourceVersion.flatMap { Int($0) } }
        #expect(versions == versions.sorted())
        #expect(versions.allSatisfy { $0 > Int(first.rv) ?? 0 })

        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("live"))
        #expect(summary(await drain(&iterator, store)) == ["ADDED live"])
    }

    @Test("Selectors turn objects entering and leaving the selection into ADDED and DELETED")
    func selectorTransitions() async throws {
        let store = Fixture().store
        let stream = try await store.watch(
            R.configMaps, options: WatchOptions(labelSelector: "app=web", resourceVersion: "0", allowBookmarks: true))
        var iterator = stream.makeAsyncIterator()
        var object = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        object.setValue(["app": "web"], at: ["metadata", "labels"])
        object = try await store.update(R.configMaps, namespace: "default", name: "cm", object: object)
        object.setValue(["app": "db"], at: ["metadata", "labels"])
        object = try await store.update(R.configMaps, namespace: "default", name: "cm", object: object)
        let events = await drain(&iterator, store)
        #expect(summary(events) == ["ADDED cm", "DELETED cm"])
        #expect(events.last?.object.at("metadata.labels") == ["app": "web"], "the last state that matched")
        #expect(events.last?.resourceVersion == object.rv)
    }

    @Test("BOOKMARK events carry only the current resourceVersion, on request and periodically by the clock")
    func bookmarks() async throws {
        let fixture = Fixture(configuration: APIStore.Configuration(bookmarkInterval: 60))
        let store = fixture.store
        let stream = try await store.watch(R.deployments, options: WatchOptions(allowBookmarks: true))
        var iterator = stream.makeAsyncIterator()
        await store.sendBookmarks()
        let requested = try #require(await iterator.next())
        #expect(requested.type == .bookmark)
        #expect(
            requested.object
                == [
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": ["resourceVersion": .string(await store.currentResourceVersion)],
                ])

        fixture.clock.advance(by: 60)
        let periodic = try #require(await iterator.next())
        #expect(periodic.type == .bookmark)

        let silent = try await store.watch(R.deployments, options: WatchOptions(allowBookmarks: false))
        await store.sendBookmarks()
        _ = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        var silentIterator = silent.makeAsyncIterator()
        #expect(await silentIterator.next()?.type == .added, "no bookmark for watches that did not ask")
    }

    @Test("A resourceVersion older than the event window gives one ERROR event with 410 Expired, then the end")
    func expiredResourceVersion() async throws {
        let store = Fixture(configuration: APIStore.Configuration(eventWindow: 3)).store
        for index in 0..<5 {
            _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm-\(index)"))
        }
        let current = Int(await store.currentResourceVersion) ?? 0
        let stream = try await store.watch(R.configMaps, options: WatchOptions(resourceVersion: "2"))
        var events: [WatchEvent] = []
        for await event in stream { events.append(event) }
        #expect(events.count == 1)
        #expect(events.first?.type == .error)
        #expect(
            events.first?.object
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": .string("too old resource version: 2 (\(current - 3))"), "reason": "Expired",
                    "code": 410,
                ])

        // The oldest resourceVersion still in the window works.
        let resumable = try await store.watch(
            R.configMaps, options: WatchOptions(resourceVersion: String(current - 3), allowBookmarks: true))
        var iterator = resumable.makeAsyncIterator()
        #expect(summary(await drain(&iterator, store)) == ["ADDED cm-2", "ADDED cm-3", "ADDED cm-4"])
    }

    @Test("timeoutSeconds ends the stream by the injected clock; a cancelled consumer unregisters")
    func timeoutAndCancellation() async throws {
        let fixture = Fixture()
        let store = fixture.store
        let stream = try await store.watch(
            R.configMaps, options: WatchOptions(fieldSelector: "metadata.name!=\(rootCA)", timeoutSeconds: 30))
        fixture.clock.advance(by: 29)
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next()?.type == .added)
        fixture.clock.advance(by: 1)
        #expect(await iterator.next() == nil)

        let abandoned = try await store.watch(R.configMaps)
        let consumer = Task {
            var count = 0
            for await _ in abandoned { count += 1 }
            return count
        }
        consumer.cancel()
        _ = await consumer.value
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("after"))
        #expect(await store.watchCount == 0)
    }

    @Test("dropWatches ends every stream")
    func dropWatches() async throws {
        let store = Fixture().store
        let stream = try await store.watch(R.pods)
        await store.dropWatches()
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }
}

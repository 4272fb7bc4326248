import Foundation
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoSim

@Suite("HTTP server: watch")
struct ServerWatchTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"
    /// Leaves out the namespace's `kube-root-ca.crt`, which the root-CA publisher makes, as on a real cluster.
    static let notRootCA = "fieldSelector=metadata.name%21%3Dkube-root-ca.crt"

    @Test("A watch streams the current objects, then each change as it happens, one JSON event per line")
    func liveEvents() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.configMaps, json: configMap("before"))
            var watch = try await http.stream("\(Self.configMaps)?watch=1&\(Self.notRootCA)")
            #expect(watch.status == 200)
            #expect(try await watch.nextSummary() == "ADDED before")

            let created = try await http.send(.post, Self.configMaps, json: configMap("live")).json
            let added = try #require(try await watch.nextEvent())
            #expect(added["type"] == "ADDED")
            #expect(added["object"] == created)

            _ = try await http.send(
                .patch, "\(Self.configMaps)/live", json: ["data": ["k": "v"]],
                contentType: "application/merge-patch+json")
            let modified = try #require(try await watch.nextEvent())
            #expect(modified["type"] == "MODIFIED")
            #expect(modified["object"]?.at("data.k") == "v")

            _ = try await http.send(.delete, "\(Self.configMaps)/live")
            #expect(try await watch.nextSummary() == "DELETED live")
        }
    }

    @Test("A watch from a resourceVersion replays later events; selectors filter them")
    func resume() async throws {
        try await SimHTTP.run { http in
            let first = try await http.send(.post, Self.configMaps, json: configMap("a", labels: ["app": "x"])).json
            _ = try await http.send(.post, Self.configMaps, json: configMap("b", labels: ["app": "x"]))
            _ = try await http.send(.post, Self.configMaps, json: configMap("c", labels: ["app": "y"]))
            _ = try await http.send(.delete, "\(Self.configMaps)/a")

            var watch = try await http.stream(
                "\(Self.configMaps)?watch=true&resourceVersion=\(first.rv)&labelSelector=app%3Dx")
            #expect(try await watch.nextSummary() == "ADDED b")
            #expect(try await watch.nextSummary() == "DELETED a")
            _ = try await http.send(.post, Self.configMaps, json: configMap("d", labels: ["app": "x"]))
            _ = try await http.send(.post, Self.configMaps, json: configMap("e", labels: ["app": "y"]))
            _ = try await http.send(.post, Self.configMaps, json: configMap("f", labels: ["app": "x"]))
            #expect(try await watch.nextSummary() == "ADDED d")
            #expect(try await watch.nextSummary() == "ADDED f")
        }
    }

    @Test("A watch of one object by name (the legacy object path) sees only that object")
    func watchOneObject() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.configMaps, json: configMap("mine"))
            _ = try await http.send(.post, Self.configMaps, json: configMap("other"))
            var watch = try await http.stream("/api/v1/watch/namespaces/default/configmaps/mine")
            #expect(try await watch.nextSummary() == "ADDED mine")
            _ = try await http.send(.delete, "\(Self.configMaps)/other")
            _ = try await http.send(.delete, "\(Self.configMaps)/mine")
            #expect(try await watch.nextSummary() == "DELETED mine")
        }
    }

    @Test("A resourceVersion older than the event window gets HTTP 200 and an ERROR event with a 410 Status")
    func expired() async throws {
        try await SimHTTP.run(storeConfiguration: APIStore.Configuration(eventWindow: 3)) { http in
            for index in 0..<6 {
                _ = try await http.send(.post, Self.configMaps, json: configMap("item-\(index)"))
            }
            var watch = try await http.stream("\(Self.configMaps)?watch=true&resourceVersion=1")
            #expect(watch.status == 200)
            let event = try #require(try await watch.nextEvent())
            #expect(event["type"] == "ERROR")
            #expect(event["object"]?["kind"] == "Status")
            #expect(event["object"]?["code"] == 410)
            #expect(event["object"]?["reason"] == "Expired")
            #expect(event["object"]?["message"]?.stringValue?.hasPrefix("too old resource version: 1") == true)
            #expect(try await watch.nextEvent() == nil)
        }
    }

    @Test("timeoutSeconds ends the stream by the store's clock; bookmarks arrive when allowed")
    func timeoutAndBookmarks() async throws {
        try await SimHTTP.run { http in
            var watch = try await http.stream(
                "\(Self.configMaps)?watch=true&resourceVersion=0&timeoutSeconds=30&allowWatchBookmarks=true&"
                    + Self.notRootCA)
            await http.store.sendBookmarks()
            let bookmark = try #require(try await watch.nextEvent())
            #expect(bookmark["type"] == "BOOKMARK")
            #expect(bookmark["object"]?["kind"] == "ConfigMap")
            #expect(bookmark["object"]?.rv == (await http.store.currentResourceVersion))

            try await simWithDeadline {
                while http.clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            // As the API server's watch cache does: one more bookmark 2 s before the deadline, then the end.
            http.clock.advance(by: 30)
            #expect(try await watch.nextEvent()?["type"] == "BOOKMARK")
            #expect(try await watch.nextEvent() == nil)
        }
    }

    @Test("Errors found before a watch starts are Status responses with their own code")
    func watchErrors() async throws {
        try await SimHTTP.run { http in
            let badSelector = try await http.get("\(Self.configMaps)?watch=true&labelSelector=a%20in")
            #expect(badSelector.status == 400)
            #expect(badSelector.json["kind"] == "Status")
            let badVersion = try await http.get("\(Self.configMaps)?watch=true&resourceVersion=abc")
            #expect(badVersion.status == 422)
            #expect(badVersion.json["details"]?["kind"] == "configmaps")
        }
    }

    @Test("A client that closes its watch connection is unregistered from the store")
    func clientDisconnect() async throws {
        try await SimHTTP.run { http in
            var watch: WatchLines? = try await http.stream("\(Self.configMaps)?watch=true&\(Self.notRootCA)")
            _ = try await http.send(.post, Self.configMaps, json: configMap("one"))
            #expect(try await watch?.nextSummary() == "ADDED one")
            #expect(await http.store.watchCount == 1)
            watch = nil
            // The store notices a finished consumer when it next has an event for it.
            try await simWithDeadline {
                var index = 0
                while await http.store.watchCount > 0 {
                    index += 1
                    _ = try await http.send(.post, Self.configMaps, json: configMap("poke-\(index)"))
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(await http.store.watchCount == 0)
        }
    }

    @Test("A client that closes its connection ends its watch at once, with no event needed to notice it")
    func closedConnectionEndsWatch() async throws {
        try await SimHTTP.run(configure: { $0.tls = nil }) { http in
            // A raw connection, closed by the client after the response head: exactly what a dropped client does.
            let socket = try RawSocket(port: http.server.port)
            try socket.send(
                "GET \(Self.configMaps)?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer \(adminToken)\r\n\r\n")
            #expect(try socket.receiveHead().hasPrefix("HTTP/1.1 200"))
            #expect(await http.store.watchCount == 1)
            socket.close()
            try await simWithDeadline {
                while await http.store.watchCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
    }

    @Test("Shutting the server down ends open watches")
    func shutdownEndsWatches() async throws {
        let store = APIStore(clock: ManualClock(), identifiers: SeededIdentifierSource(seed: 1))
        let server = try await SimServer.start(
            store: store,
            configuration: SimServer.Configuration(
                authentication: SimAuthentication(tokens: [
                    adminToken: SimUser(name: "admin", groups: ["system:masters"])
                ])))
        let http = SimHTTP(server: server, store: store, clock: ManualClock(), transport: try CurlTransport())
        var watch = try await http.stream("/api/v1/namespaces/default/configmaps?watch=true&\(Self.notRootCA)")
        #expect(watch.status == 200)
        await server.shutdown()
        #expect(try await watch.nextEvent() == nil)
    }
}

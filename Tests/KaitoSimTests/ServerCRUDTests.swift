import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("HTTP server: create, read, update, delete")
struct ServerCRUDTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"
    static let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    static let widgets = "/apis/example.com/v1/namespaces/default/widgets"

    @Test("Create is 201 with server fields; get and list return it; update bumps the resourceVersion")
    func roundTrip() async throws {
        try await SimHTTP.run { http in
            let created = try await http.send(.post, Self.configMaps, json: configMap("web", data: ["k": "v"]))
            #expect(created.status == 201)
            #expect(created.json.at("metadata.namespace") == "default")
            #expect(!created.json.uid.isEmpty)
            #expect(created.json.at("metadata.creationTimestamp") == "2024-01-01T00:00:00Z")
            #expect(created.json.at("metadata.managedFields")?.arrayValue?.first?["manager"] == "kaito-sim-tests")

            let fetched = try await http.get("\(Self.configMaps)/web")
            #expect(fetched.status == 200)
            #expect(fetched.json == created.json)

            let list = try await http.get(Self.configMaps)
            #expect(list.json["kind"] == "ConfigMapList")
            #expect(list.json["apiVersion"] == "v1")
            #expect(list.json["items"]?.arrayValue?.map(\.name) == ["kube-root-ca.crt", "web"])
            // Built-in list items carry no apiVersion and kind, as in the API server's typed lists.
            #expect(list.json["items"]?.arrayValue?.first?["kind"] == nil)

            var changed = created.json
            changed.setValue(["k": "w"], at: ["data"])
            let updated = try await http.send(.put, "\(Self.configMaps)/web", json: changed)
            #expect(updated.status == 200)
            #expect(updated.json.at("data.k") == "w")
            #expect(Int(updated.json.rv) ?? 0 > Int(created.json.rv) ?? 0)

            let cluster = try await http.get("/api/v1/configmaps")
            #expect(cluster.json["items"]?.arrayValue?.map(\.name).filter(isOurs) == ["web"])
        }
    }

    @Test("Failures are Status objects with the API server's codes, reasons and messages")
    func failures() async throws {
        try await SimHTTP.run { http in
            let missing = try await http.get("\(Self.configMaps)/absent")
            #expect(missing.status == 404)
            #expect(missing.json["kind"] == "Status")
            #expect(missing.json["status"] == "Failure")
            #expect(missing.reason == "NotFound")
            #expect(missing.message == "configmaps \"absent\" not found")
            #expect(missing.json["details"] == ["name": "absent", "kind": "configmaps"])
            #expect(missing.json["code"] == 404)

            let first = try await http.send(.post, Self.configMaps, json: configMap("dup"))
            let duplicate = try await http.send(.post, Self.configMaps, json: configMap("dup"))
            #expect(duplicate.status == 409)
            #expect(duplicate.reason == "AlreadyExists")
            #expect(duplicate.message == "configmaps \"dup\" already exists")

            var stale = first.json
            stale.setValue(["a": "1"], at: ["data"])
            #expect(try await http.send(.put, "\(Self.configMaps)/dup", json: stale).status == 200)
            stale.setValue(["a": "2"], at: ["data"])
            let conflict = try await http.send(.put, "\(Self.configMaps)/dup", json: stale)
            #expect(conflict.status == 409)
            #expect(conflict.reason == "Conflict")
            #expect(
                conflict.message == "Operation cannot be fulfilled on configmaps \"dup\": \(APIError.modifiedMessage)")

            let badName = try await http.send(.post, Self.configMaps, json: configMap("Not_Valid"))
            #expect(badName.status == 422)
            #expect(badName.reason == "Invalid")
            #expect(badName.json["details"]?["causes"]?.arrayValue?.first?["field"] == "metadata.name")

            let noNamespace = try await http.send(.post, "/api/v1/namespaces/nowhere/configmaps", json: configMap("x"))
            #expect(noNamespace.status == 404)
            #expect(noNamespace.message == "namespaces \"nowhere\" not found")

            let malformed = try await http.send(.post, Self.configMaps, text: "{not json")
            #expect(malformed.status == 400)
            #expect(malformed.reason == "BadRequest")

            let wrongKind = try await http.send(.post, Self.configMaps, json: ["apiVersion": "v1", "kind": "Secret"])
            #expect(wrongKind.status == 400)

            let protobuf = try await http.send(
                .post, Self.configMaps, text: "x", contentType: "application/vnd.kubernetes.protobuf")
            #expect(protobuf.status == 415)

            let clusterCreate = try await http.send(.post, "/api/v1/configmaps", json: configMap("y"))
            #expect(clusterCreate.status == 405)
            #expect(clusterCreate.json["kind"] == "Status")

            let wrongScope = try await http.get("/api/v1/namespaces/default/nodes")
            #expect(wrongScope.status == 404)

            let noSubresource = try await http.get("\(Self.configMaps)/dup/status")
            #expect(noSubresource.status == 404)
        }
    }

    @Test("Custom resources: schema defaults, 422 for schema violations, a Success Status on delete")
    func customResources() async throws {
        try await SimHTTP.run { http in
            #expect(try await http.send(.post, Self.crds, json: widgetCRD()).status == 201)
            let created = try await http.send(.post, Self.widgets, json: widget("w1", size: 3))
            #expect(created.status == 201)
            #expect(created.json.at("spec.color") == "blue")
            #expect(created.json.generation == 1)

            var invalid = widget("w2")
            invalid.setValue("green", at: ["spec", "color"])
            invalid.setValue(nil, at: ["spec", "size"])
            let rejected = try await http.send(.post, Self.widgets, json: invalid)
            #expect(rejected.status == 422)
            #expect(rejected.reason == "Invalid")
            #expect(rejected.message.hasPrefix("Widget.example.com \"w2\" is invalid: "))
            let fields = rejected.json["details"]?["causes"]?.arrayValue?.compactMap { $0["field"]?.stringValue }
            #expect(Set(fields ?? []) == ["spec.color", "spec.size"])

            // As a real server answers for custom resources: a Success Status naming the deleted object.
            let deleted = try await http.send(.delete, "\(Self.widgets)/w1")
            #expect(deleted.status == 200)
            #expect(deleted.json["kind"] == "Status")
            #expect(deleted.json["status"] == "Success")
            #expect(deleted.json["details"]?["name"] == "w1")
            #expect(deleted.json["details"]?["kind"] == "widgets")
        }
    }

    @Test("Deleting a built-in object answers a Success Status; generateName makes a name; YAML bodies work")
    func deleteStatusGenerateNameAndYAML() async throws {
        try await SimHTTP.run { http in
            var generated = configMap("")
            generated.setValue(nil, at: ["metadata", "name"])
            generated.setValue("cache-", at: ["metadata", "generateName"])
            let created = try await http.send(.post, Self.configMaps, json: generated)
            #expect(created.status == 201)
            #expect(created.json.name.hasPrefix("cache-"))
            #expect(created.json.name.count == "cache-".count + 5)

            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: from-yaml
                data:
                  replicas: "3"
                """
            let fromYAML = try await http.send(.post, Self.configMaps, text: yaml, contentType: "application/yaml")
            #expect(fromYAML.status == 201)
            #expect(fromYAML.json.at("data.replicas") == "3")

            let deleted = try await http.send(.delete, "\(Self.configMaps)/from-yaml")
            #expect(deleted.status == 200)
            #expect(deleted.json["kind"] == "Status")
            #expect(deleted.json["status"] == "Success")
            #expect(deleted.json["details"]?["name"] == "from-yaml")
            #expect(deleted.json["details"]?["uid"] == fromYAML.json.at("metadata.uid"))
        }
    }

    @Test("A YAML body that is an alias bomb is a 400 naming the excessive aliasing, and nothing is stored")
    func yamlAliasBombBody() async throws {
        try await SimHTTP.run { http in
            var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n"
            yaml += "a0: &a0 [" + Array(repeating: "lol", count: 9).joined(separator: ",") + "]\n"
            for level in 1..<9 {
                yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",")
                    + "]\n"
            }
            yaml += "data: {payload: *a8}\n"
            let refused = try await http.send(.post, Self.configMaps, text: yaml, contentType: "application/yaml")
            #expect(refused.status == 400)
            #expect(refused.json["kind"] == "Status")
            #expect(refused.json["reason"] == "BadRequest")
            #expect(refused.json["message"]?.stringValue?.contains("contains excessive aliasing") == true)
            #expect(try await http.send(.get, "\(Self.configMaps)/bomb").status == 404)
        }
    }

    @Test("The status subresource writes only status; the main resource ignores status changes")
    func statusSubresource() async throws {
        try await SimHTTP.run { http in
            #expect(try await http.send(.post, Self.crds, json: widgetCRD()).status == 201)
            let created = try await http.send(.post, Self.widgets, json: widget("w", size: 1)).json

            var statusWrite = created
            statusWrite.setValue("Ready", at: ["status", "phase"])
            statusWrite.setValue(99, at: ["spec", "size"])
            let afterStatus = try await http.send(.put, "\(Self.widgets)/w/status", json: statusWrite)
            #expect(afterStatus.status == 200)
            #expect(afterStatus.json.at("status.phase") == "Ready")
            #expect(afterStatus.json.at("spec.size") == 1)
            #expect(afterStatus.json.generation == 1)

            var mainWrite = afterStatus.json
            mainWrite.setValue("Broken", at: ["status", "phase"])
            mainWrite.setValue(2, at: ["spec", "size"])
            let afterMain = try await http.send(.put, "\(Self.widgets)/w", json: mainWrite)
            #expect(afterMain.json.at("status.phase") == "Ready")
            #expect(afterMain.json.at("spec.size") == 2)
            #expect(afterMain.json.generation == 2)

            let viaStatus = try await http.get("\(Self.widgets)/w/status")
            #expect(viaStatus.status == 200)
            #expect(viaStatus.json.at("status.phase") == "Ready")

            let merge = try await http.send(
                .patch, "\(Self.widgets)/w/status", json: ["status": ["phase": "Done"]],
                contentType: "application/merge-patch+json")
            #expect(merge.json.at("status.phase") == "Done")
        }
    }

    @Test("dryRun=All validates and answers as the write would, but stores nothing")
    func dryRun() async throws {
        try await SimHTTP.run { http in
            let created = try await http.send(.post, "\(Self.configMaps)?dryRun=All", json: configMap("dry"))
            #expect(created.status == 201)
            #expect(created.json.name == "dry")
            #expect(try await http.get("\(Self.configMaps)/dry").status == 404)

            let invalid = try await http.send(.post, "\(Self.configMaps)?dryRun=All", json: configMap("BAD!"))
            #expect(invalid.status == 422)

            let real = try await http.send(.post, Self.configMaps, json: configMap("real")).json
            let deleted = try await http.send(.delete, "\(Self.configMaps)/real?dryRun=All")
            #expect(deleted.status == 200)
            #expect(try await http.get("\(Self.configMaps)/real").json == real)

            let patched = try await http.send(
                .patch, "\(Self.configMaps)/real?dryRun=All", json: ["data": ["x": "y"]],
                contentType: "application/merge-patch+json")
            #expect(patched.json.at("data.x") == "y")
            #expect(try await http.get("\(Self.configMaps)/real").json.at("data.x") == nil)

            let unsupported = try await http.send(.post, "\(Self.configMaps)?dryRun=Some", json: configMap("z"))
            #expect(unsupported.status == 422)
        }
    }

    @Test("Label and field selectors, limit and continue over the query string")
    func selectorsAndPaging() async throws {
        try await SimHTTP.run { http in
            for (name, tier) in [("a", "web"), ("b", "db"), ("c", "web"), ("d", "cache"), ("e", "web")] {
                _ = try await http.send(.post, Self.configMaps, json: configMap(name, labels: ["tier": tier]))
            }
            _ = try await http.send(
                .post, "/api/v1/namespaces/kube-system/configmaps", json: configMap("f", labels: ["tier": "web"]))

            func names(_ query: String, in path: String = Self.configMaps) async throws -> [String] {
                let response = try await http.get("\(path)?\(query)")
                #expect(response.status == 200, "\(query): \(response)")
                return response.json["items"]?.arrayValue?.map(\.name).filter(isOurs) ?? []
            }
            #expect(try await names("labelSelector=\(queryEscape("tier=web"))") == ["a", "c", "e"])
            #expect(try await names("labelSelector=\(queryEscape("tier in (db,cache)"))") == ["b", "d"])
            #expect(try await names("labelSelector=\(queryEscape("tier!=web"))") == ["b", "d"])
            #expect(try await names("labelSelector=\(queryEscape("!tier"))").isEmpty)
            #expect(try await names("fieldSelector=\(queryEscape("metadata.name=c"))") == ["c"])
            #expect(
                try await names(
                    "labelSelector=tier%3Dweb&fieldSelector=metadata.namespace%3Dkube-system",
                    in: "/api/v1/configmaps") == ["f"])

            let badSelector = try await http.get("\(Self.configMaps)?labelSelector=\(queryEscape("tier in"))")
            #expect(badSelector.status == 400)
            #expect(badSelector.json["kind"] == "Status")
            let badField = try await http.get("\(Self.configMaps)?fieldSelector=spec.nodeName%3Dx")
            #expect(badField.status == 400)

            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                var query = "limit=2"
                if let token { query += "&continue=\(queryEscape(token))" }
                let page = try await http.get("\(Self.configMaps)?\(query)")
                #expect(page.status == 200)
                seen += page.json["items"]?.arrayValue?.map(\.name).filter(isOurs) ?? []
                token = page.json["metadata"]?["continue"]?.stringValue
                if token != nil { #expect(page.json["metadata"]?["remainingItemCount"] != nil) }
                pages += 1
            } while token != nil && pages < 10
            #expect(seen == ["a", "b", "c", "d", "e"])
            #expect(pages == 3)

            let badLimit = try await http.get("\(Self.configMaps)?limit=many")
            #expect(badLimit.status == 400)
        }
    }

    @Test("Delete on a collection deletes what the selector matches and returns the deleted objects")
    func deleteCollection() async throws {
        try await SimHTTP.run { http in
            for (name, tier) in [("a", "web"), ("b", "db"), ("c", "web")] {
                _ = try await http.send(.post, Self.configMaps, json: configMap(name, labels: ["tier": tier]))
            }
            let deleted = try await http.send(.delete, "\(Self.configMaps)?labelSelector=tier%3Dweb")
            #expect(deleted.status == 200)
            #expect(deleted.json["kind"] == "ConfigMapList")
            #expect(deleted.json["items"]?.arrayValue?.map(\.name) == ["a", "c"])
            let left = try await http.get(Self.configMaps)
            #expect(left.json["items"]?.arrayValue?.map(\.name).filter(isOurs) == ["b"])
        }
    }

    @Test("Namespaces: the object path, deletion through the namespace finalizer, and its contents")
    func namespaces() async throws {
        try await SimHTTP.run { http in
            let created = try await http.send(
                .post, "/api/v1/namespaces",
                json: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
            #expect(created.status == 201)
            #expect(created.json.at("status.phase") == "Active")
            _ = try await http.send(.post, "/api/v1/namespaces/team/configmaps", json: configMap("inside"))
            let fetched = try await http.get("/api/v1/namespaces/team")
            #expect(fetched.json.name == "team")

            let deleted = try await http.send(.delete, "/api/v1/namespaces/team")
            #expect(deleted.status == 200)
            #expect(try await http.get("/api/v1/namespaces/team").status == 404)
            #expect(try await http.get("/api/v1/namespaces/team/configmaps/inside").status == 404)

            let protected = try await http.send(.delete, "/api/v1/namespaces/default")
            #expect(protected.status == 403)
            #expect(protected.reason == "Forbidden")
        }
    }

    @Test("Seeded GPU nodes are Ready with the catalog's GPU capacity and instance-type labels")
    func seededNodes() async throws {
        try await SimHTTP.run { http in
            try await http.store.seedGPUNodes(count: 2, instanceType: "Standard_NC12s_v3")
            let nodes = try await http.get("/api/v1/nodes").json["items"]?.arrayValue ?? []
            #expect(nodes.map(\.name) == ["gpu-node-0", "gpu-node-1"])
            let node = try #require(nodes.first)
            #expect(node.at("metadata.labels")?["node.kubernetes.io/instance-type"] == "Standard_NC12s_v3")
            #expect(node.at("metadata.labels")?["kubernetes.io/hostname"] == "gpu-node-0")
            #expect(node.at("status.capacity")?["nvidia.com/gpu"] == "2")
            let ready = node.at("status.conditions")?.arrayValue?.first { $0["type"] == "Ready" }
            #expect(ready?["status"] == "True")
            await #expect(throws: GPUNodeSeeding.UnknownSKU.self) {
                try await http.store.seedGPUNodes(count: 1, instanceType: "Standard_NC12s_v9")
            }
        }
    }
}

import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("HTTP server: Tables for kubectl get")
struct ServerTableTests {
    static let tableAccept =
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
        + "application/json"

    @Test("Workspaces print the CRD's printer columns after Name, with ages and JSONPath filters")
    func workspaceTable() async throws {
        try await SimHTTP.run { http in
            let crd = try #require(
                try ManifestReader.documents(from: repositoryFile("deploy/crds/kaito.sh_workspaces.yaml")).first)
            #expect(
                try await http.send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: crd.value)
                    .status == 201)
            let path = "/apis/kaito.sh/v1alpha1/namespaces/default/workspaces"
            let created = try await http.send(.post, path, json: workspace("falcon")).json
            var withStatus = created
            withStatus.setValue(
                [
                    "conditions": [
                        [
                            "type": "ResourceReady", "status": "True", "reason": "ok", "message": "",
                            "lastTransitionTime": "2024-01-01T00:00:00Z",
                        ]
                    ]
                ], at: ["status"])
            #expect(try await http.send(.put, "\(path)/falcon/status", json: withStatus).status == 200)
            http.clock.advance(by: 150)

            let table = try await http.get(path, accept: Self.tableAccept)
            #expect(table.status == 200)
            #expect(table.json["kind"] == "Table")
            #expect(table.json["apiVersion"] == "meta.k8s.io/v1")
            let columns = table.json["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(
                columns == [
                    "Name", "Instance", "ResourceReady", "InferenceReady", "JobStarted", "WorkspaceSucceeded", "Age",
                ])
            let row = try #require(table.json["rows"]?.arrayValue?.first)
            #expect(row["cells"] == ["falcon", "Standard_NC12s_v3", "True", nil, nil, nil, "2m30s"])
            #expect(row["object"]?["kind"] == "PartialObjectMetadata")
            #expect(row["object"]?.name == "falcon")
            #expect(table.json["metadata"]?["resourceVersion"] != nil)

            let single = try await http.get("\(path)/falcon?includeObject=Object", accept: Self.tableAccept)
            #expect(single.json["rows"]?.arrayValue?.first?["object"]?["kind"] == "Workspace")
            let none = try await http.get("\(path)?includeObject=None", accept: Self.tableAccept)
            #expect(none.json["rows"]?.arrayValue?.first?["object"] == nil)
        }
    }

    @Test("Nodes, namespaces and resources without printer columns get their default columns")
    func builtInTables() async throws {
        try await SimHTTP.run { http in
            try await http.store.seedGPUNodes(count: 1, instanceType: "Standard_NC12s_v3")
            let nodes = try await http.get("/api/v1/nodes", accept: Self.tableAccept).json
            #expect(
                nodes["columnDefinitions"]?.arrayValue?.prefix(5).compactMap { $0["name"]?.stringValue }
                    == ["Name", "Status", "Roles", "Age", "Version"])
            #expect(
                nodes["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.prefix(5).map { $0 }
                    == ["gpu-node-0", "Ready", "<none>", "0s", .string(KaitoSim.emulatedKubernetesVersion)])

            let namespaces = try await http.get("/api/v1/namespaces", accept: Self.tableAccept).json
            #expect(namespaces["rows"]?.arrayValue?.first?["cells"] == ["default", "Active", "0s"])

            _ = try await http.send(
                .post, "/apis/coordination.k8s.io/v1/namespaces/default/leases",
                json: [
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "lock"],
                ])
            let leases = try await http.get(
                "/apis/coordination.k8s.io/v1/namespaces/default/leases", accept: Self.tableAccept
            ).json
            #expect(
                leases["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                    == ["Name", "Holder", "Age"])
            #expect(leases["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.prefix(2) == ["lock", "<unknown>"])

            // LimitRanges print as the default table convertor does: Name and Created At.
            _ = try await http.send(
                .post, "/api/v1/namespaces/default/limitranges",
                json: ["apiVersion": "v1", "kind": "LimitRange", "metadata": ["name": "t"], "spec": ["limits": []]])
            let templates = try await http.get("/api/v1/namespaces/default/limitranges", accept: Self.tableAccept).json
            #expect(
                templates["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                    == ["Name", "Created At"])

            let plain = try await http.get("/api/v1/nodes", accept: "application/json")
            #expect(plain.json["kind"] == "NodeList")
        }
    }

    @Test("Ages follow kubectl's HumanDuration")
    func humanDuration() {
        #expect(Tables.humanDuration(-5) == "<invalid>")
        #expect(Tables.humanDuration(59) == "59s")
        #expect(Tables.humanDuration(119) == "119s")
        #expect(Tables.humanDuration(150) == "2m30s")
        #expect(Tables.humanDuration(600) == "10m")
        #expect(Tables.humanDuration(3 * 3600 + 300) == "3h5m")
        #expect(Tables.humanDuration(20 * 3600) == "20h")
        #expect(Tables.humanDuration(3 * 86400 + 7200) == "3d2h")
        #expect(Tables.humanDuration(30 * 86400) == "30d")
        #expect(Tables.humanDuration(800 * 86400) == "2y70d")
    }

    @Test("JSONPath: fields, indices, wildcards, recursive descent and filters")
    func jsonPath() throws {
        let object: JSONValue = [
            "status": [
                "conditions": [["type": "A", "status": "True", "n": 1], ["type": "B", "status": "False", "n": 3]]
            ],
            "spec": ["items": ["x", "y"]],
        ]
        #expect(try JSONPath(".status.conditions[?(@.type==\"B\")].status").evaluate(object) == ["False"])
        #expect(try JSONPath("{.status.conditions[?(@.type == 'A')].status}").evaluate(object) == ["True"])
        #expect(try JSONPath(".status.conditions[?(@.n > 2)].type").evaluate(object) == ["B"])
        #expect(try JSONPath(".status.conditions[*].type").evaluate(object) == ["A", "B"])
        #expect(try JSONPath(".spec.items[-1]").evaluate(object) == ["y"])
        #expect(try JSONPath("..status").evaluate(object).count == 3)
        #expect(try JSONPath(".spec['items'][0]").evaluate(object) == ["x"])
        #expect(try JSONPath(".missing.field").evaluate(object).isEmpty)
        #expect(JSONPath.text(["a": 1]) == "{\"a\":1}")
        #expect(throws: JSONPath.ParseError.self) { try JSONPath(".a[") }
    }
}

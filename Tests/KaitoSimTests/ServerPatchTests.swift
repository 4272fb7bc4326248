import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("HTTP server: patches")
struct ServerPatchTests {
    static let deployments = "/apis/apps/v1/namespaces/default/deployments"

    @Test("A JSON merge patch merges objects and removes keys set to null")
    func mergePatch() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.deployments, json: deployment("web", replicas: 1))
            let patched = try await http.send(
                .patch, "\(Self.deployments)/web",
                json: ["spec": ["replicas": 3], "metadata": ["labels": ["app": nil, "tier": "front"]]],
                contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(patched.json.at("spec.replicas") == 3)
            #expect(patched.json.at("metadata.labels") == ["tier": "front"])
            #expect(patched.json.generation == 2)
        }
    }

    @Test("An RFC 6902 JSON patch applies its operations; a failed test operation is 422")
    func jsonPatch() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.deployments, json: deployment("web", replicas: 1))
            let patched = try await http.send(
                .patch, "\(Self.deployments)/web",
                json: [
                    ["op": "replace", "path": "/spec/replicas", "value": 4],
                    ["op": "add", "path": "/metadata/annotations", "value": ["note": "x"]],
                ], contentType: "application/json-patch+json")
            #expect(patched.status == 200)
            #expect(patched.json.at("spec.replicas") == 4)
            #expect(patched.json.at("metadata.annotations.note") == "x")

            let failed = try await http.send(
                .patch, "\(Self.deployments)/web", json: [["op": "test", "path": "/spec/replicas", "value": 9]],
                contentType: "application/json-patch+json")
            #expect(failed.status == 422)
            #expect(failed.json["kind"] == "Status")
        }
    }

    @Test("A strategic merge patch merges containers by name; custom resources refuse it with 415")
    func strategicMergePatch() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.deployments, json: deployment("web"))
            let patched = try await http.send(
                .patch, "\(Self.deployments)/web",
                json: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.27"]]]]]],
                contentType: "application/strategic-merge-patch+json")
            #expect(patched.status == 200)
            let containers = patched.json.at("spec.template.spec.containers")?.arrayValue ?? []
            #expect(containers.map(\.["name"]) == ["main", "sidecar"])
            #expect(containers.first?["image"] == "nginx:1.27")
            #expect(containers.first?["env"]?.arrayValue?.count == 2)

            _ = try await http.send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: widgetCRD())
            _ = try await http.send(.post, "/apis/example.com/v1/namespaces/default/widgets", json: widget("w"))
            let refused = try await http.send(
                .patch, "/apis/example.com/v1/namespaces/default/widgets/w", json: ["spec": ["size": 2]],
                contentType: "application/strategic-merge-patch+json")
            #expect(refused.status == 415)
            #expect(refused.reason == "UnsupportedMediaType")

            let unknownType = try await http.send(
                .patch, "\(Self.deployments)/web", json: [:], contentType: "application/json")
            #expect(unknownType.status == 415)
        }
    }

    @Test("Server-side apply creates (201), reports conflicts between managers (409) and takes fields with force")
    func serverSideApply() async throws {
        try await SimHTTP.run { http in
            let manifest = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: applied
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: applied}
                  template:
                    metadata:
                      labels: {app: applied}
                    spec:
                      containers:
                      - name: main
                        image: nginx:1.25
                """
            let path = "\(Self.deployments)/applied"
            let created = try await http.send(
                .patch, "\(path)?fieldManager=tool-a", text: manifest, contentType: "application/apply-patch+yaml")
            #expect(created.status == 201)
            #expect(created.json.at("spec.replicas") == 2)
            let managers = created.json.at("metadata.managedFields")?.arrayValue ?? []
            #expect(managers.first?["manager"] == "tool-a")
            #expect(managers.first?["operation"] == "Apply")

            let again = try await http.send(
                .patch, "\(path)?fieldManager=tool-a", text: manifest, contentType: "application/apply-patch+yaml")
            #expect(again.status == 200)

            let other = manifest.replacingOccurrences(of: "replicas: 2", with: "replicas: 5")
            let conflict = try await http.send(
                .patch, "\(path)?fieldManager=tool-b", text: other, contentType: "application/apply-patch+yaml")
            #expect(conflict.status == 409)
            #expect(conflict.reason == "Conflict")
            #expect(conflict.message.contains("conflict with \"tool-a\""))
            #expect(conflict.message.contains(".spec.replicas"))

            let forced = try await http.send(
                .patch, "\(path)?fieldManager=tool-b&force=true", text: other,
                contentType: "application/apply-patch+yaml")
            #expect(forced.status == 200)
            #expect(forced.json.at("spec.replicas") == 5)

            let noManager = try await http.send(
                .patch, path, text: manifest, contentType: "application/apply-patch+yaml")
            #expect(noManager.status == 400 || noManager.status == 422)
            #expect(noManager.json["kind"] == "Status")

            let forceOnMerge = try await http.send(
                .patch, "\(path)?force=true", json: [:], contentType: "application/merge-patch+json")
            #expect(forceOnMerge.status == 422)
        }
    }
}

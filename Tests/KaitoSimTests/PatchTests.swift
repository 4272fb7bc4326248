import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Patch")
struct PatchTests {
    @Test("JSON merge patch merges maps, deletes with null, replaces lists")
    func mergePatch() async throws {
        let store = Fixture().store
        _ = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        let patched = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .merge,
            patch: [
                "metadata": ["labels": ["tier": "front", "app": nil]],
                "spec": ["replicas": 4, "template": ["spec": ["containers": [["name": "only", "image": "x:1"]]]]],
            ])
        #expect(patched.at("metadata.labels") == ["tier": "front"])
        #expect(patched.at("spec.replicas") == 4)
        #expect(
            project(patched.at("spec.template.spec.containers"), ["name", "image"]) == [
                ["name": "only", "image": "x:1"]
            ])
        #expect(patched.generation == 2)
    }

    @Test("JSON patch applies add, replace, remove, move, copy and test; a failed test is 422")
    func jsonPatch() async throws {
        let store = Fixture().store
        let created = try await store.create(
            R.configMaps, namespace: "default", object: configMap("cm", data: ["a": "1"]))
        let patched = try await store.patch(
            R.configMaps, namespace: "default", name: "cm", type: .json,
            patch: [
                ["op": "test", "path": "/data/a", "value": "1"],
                ["op": "add", "path": "/data/b", "value": "2"],
                ["op": "replace", "path": "/data/a", "value": "one"],
                ["op": "copy", "from": "/data/b", "path": "/data/c"],
                ["op": "add", "path": "/metadata/annotations", "value": [:]],
                ["op": "move", "from": "/data/c", "path": "/metadata/annotations/example.com~1e"],
                ["op": "add", "path": "/metadata/labels", "value": ["x": "y"]],
                ["op": "remove", "path": "/data/b"],
            ])
        #expect(patched.at("data") == ["a": "one"])
        #expect(patched.at("metadata.annotations") == ["example.com/e": "2"])
        #expect(patched.at("metadata.labels") == ["x": "y"])

        let failed = await #expect(throws: APIError.self) {
            try await store.patch(
                R.configMaps, namespace: "default", name: "cm", type: .json,
                patch: [["op": "test", "path": "/data/a", "value": "1"], ["op": "remove", "path": "/data"]])
        }
        #expect(
            failed?.status
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "the server rejected our request due to an error in our request", "reason": "Invalid",
                    "details": [:], "code": 422,
                ])
        #expect(try await store.get(R.configMaps, namespace: "default", name: "cm").at("data.a") == "one")

        let stale = await #expect(throws: APIError.self) {
            try await store.patch(
                R.configMaps, namespace: "default", name: "cm", type: .json,
                patch: [["op": "replace", "path": "/metadata/resourceVersion", "value": .string(created.rv)]])
        }
        #expect(stale?.reason == "Conflict")
    }

    @Test("Strategic merge patch merges containers by name, env by name, ports by containerPort")
    func strategicMergeContainers() async throws {
        let store = Fixture().store
        _ = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        let patched = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .strategicMerge,
            patch: [
                "spec": [
                    "template": [
                        "spec": [
                            "containers": [
                                [
                                    "name": "main", "image": "nginx:1.27", "env": [["name": "B", "value": "two"]],
                                    "ports": [["containerPort": 8080]],
                                ],
                                ["name": "extra", "image": "envoy:1"],
                            ]
                        ]
                    ]
                ]
            ])
        let containers = try #require(patched.at("spec.template.spec.containers")?.arrayValue)
        // The API server's order: patch items first, items only the original has placed by the original order
        // (a new item with no neighbour in the original goes before it; recorded from a real kube-apiserver).
        #expect(containers.map { $0["name"] } == ["main", "extra", "sidecar"])
        #expect(containers[0]["image"] == "nginx:1.27")
        #expect(containers[0]["env"] == [["name": "A", "value": "1"], ["name": "B", "value": "two"]])
        #expect(project(containers[0]["ports"], ["containerPort"]) == [["containerPort": 8080], ["containerPort": 80]])
        #expect(containers[2]["image"] == "busybox:1.36")
    }

    @Test("Strategic merge patch directives: $patch delete on list elements and maps, $patch replace on maps")
    func strategicMergeDirectives() async throws {
        let store = Fixture().store
        var object = deployment("web")
        object.setValue(["a": "1", "b": "2"], at: ["metadata", "annotations"])
        _ = try await store.create(R.deployments, namespace: "default", object: object)
        let patched = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .strategicMerge,
            patch: [
                "metadata": ["annotations": ["$patch": "replace", "c": "3"], "labels": ["$patch": "delete"]],
                "spec": ["template": ["spec": ["containers": [["name": "sidecar", "$patch": "delete"]]]]],
            ])
        #expect(patched.at("metadata.annotations") == ["c": "3"])
        #expect(patched.at("metadata.labels") == nil)
        #expect(patched.at("spec.template.spec.containers")?.arrayValue?.map { $0["name"] } == ["main"])

        let replaced = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .strategicMerge,
            patch: [
                "spec": [
                    "template": ["spec": ["containers": [["$patch": "replace"], ["name": "solo", "image": "solo:1"]]]]
                ]
            ])
        #expect(
            project(replaced.at("spec.template.spec.containers"), ["name", "image"]) == [
                ["name": "solo", "image": "solo:1"]
            ])
    }

    @Test("Strategic merge patch merges status conditions by type through the status subresource")
    func strategicMergeConditions() async throws {
        let store = Fixture().store
        var current = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        current.setValue(
            ["conditions": [["type": "Available", "status": "False"], ["type": "Progressing", "status": "True"]]],
            at: ["status"])
        _ = try await store.update(
            R.deployments, namespace: "default", name: "web", object: current, subresource: .status)
        let patched = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .strategicMerge,
            patch: ["status": ["conditions": [["type": "Available", "status": "True"]]], "spec": ["replicas": 8]],
            subresource: .status)
        #expect(
            project(patched.at("status.conditions"), ["type", "status"])
                == [["type": "Available", "status": "True"], ["type": "Progressing", "status": "True"]])
        #expect(patched.at("spec.replicas") == 1, "a status patch ignores spec")
    }

    @Test("Custom resources refuse strategic merge patch with 415, as a real server does")
    func strategicMergeOnCustomResource() async throws {
        let store = Fixture().store
        _ = try await store.create(R.workspaces, namespace: "default", object: workspace("ws"))
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.workspaces, namespace: "default", name: "ws", type: .strategicMerge, patch: ["resource": ["count": 2]]
            )
        }
        #expect(error?.code == 415)
        #expect(error?.reason == "UnsupportedMediaType")
        #expect(
            error?.message
                == "the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        let merged = try await store.patch(
            R.workspaces, namespace: "default", name: "ws", type: .merge, patch: ["resource": ["count": 2]])
        #expect(merged.at("resource.count") == 2)
        #expect(merged.at("resource.instanceType") == "Standard_NC12s_v3")
        #expect(PatchType(contentType: "application/merge-patch+json; charset=utf-8") == .merge)
    }

    @Test("Patching a missing object is 404")
    func patchMissing() async throws {
        let store = Fixture().store
        let error = await #expect(throws: APIError.self) {
            try await store.patch(R.configMaps, namespace: "default", name: "nope", type: .merge, patch: ["data": [:]])
        }
        #expect(error?.message == "configmaps \"nope\" not found")
    }
}

@Suite("Server-side apply")
struct ServerSideApplyTests {
    private func applied(replicas: Int64, image: String = "nginx:1.25") -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "labels": ["app": "web"]],
            "spec": [
                "replicas": .integer(replicas), "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "main", "image": .string(image)]]],
                ],
            ],
        ]
    }

    @Test("Apply creates a missing object and records the manager's fields")
    func applyCreates() async throws {
        let store = Fixture().store
        let created = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2),
            options: PatchOptions(fieldManager: "kaito"))
        #expect(created.generation == 1)
        let entry = try #require(created.at("metadata.managedFields")?.arrayValue?.first)
        #expect(entry["manager"] == "kaito")
        #expect(entry["operation"] == "Apply")
        #expect(entry["fieldsV1"]?["f:spec"]?["f:replicas"] == [:])
        #expect(
            entry["fieldsV1"]?["f:spec"]?["f:template"]?["f:spec"]?["f:containers"]?["k:{\"name\":\"main\"}"]
                == [".": [:], "f:image": [:], "f:name": [:]])

        let missingManager = await #expect(throws: APIError.self) {
            try await store.patch(
                R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2))
        }
        #expect(missingManager?.code == 422)
        #expect(
            missingManager?.message
                == "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
        )
    }

    @Test("Another manager's different value is a 409 conflict; force takes the field")
    func conflictAndForce() async throws {
        let store = Fixture().store
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2),
            options: PatchOptions(fieldManager: "kaito"))

        // The same value from a second manager is shared ownership, not a conflict.
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2),
            options: PatchOptions(fieldManager: "helm"))

        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 5),
                options: PatchOptions(fieldManager: "helm"))
        }
        #expect(
            error?.status
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "Apply failed with 1 conflict: conflict with \"kaito\" using apps/v1: .spec.replicas",
                    "reason": "Conflict",
                    "details": [
                        "causes": [
                            [
                                "reason": "FieldManagerConflict", "message": "conflict with \"kaito\" using apps/v1",
                                "field": ".spec.replicas",
                            ]
                        ]
                    ],
                    "code": 409,
                ])

        let two = await #expect(throws: APIError.self) {
            try await store.patch(
                R.deployments, namespace: "default", name: "web", type: .apply,
                patch: applied(replicas: 5, image: "nginx:2"), options: PatchOptions(fieldManager: "helm"))
        }
        #expect(
            two?.message
                == "Apply failed with 2 conflicts: conflicts with \"kaito\" using apps/v1:\n"
                + "- .spec.replicas\n- .spec.template.spec.containers[name=\"main\"].image")

        let forced = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 5),
            options: PatchOptions(fieldManager: "helm", force: true))
        #expect(forced.at("spec.replicas") == 5)
        let entries = try #require(forced.at("metadata.managedFields")?.arrayValue)
        let kaito = try #require(entries.first { $0["manager"] == "kaito" })
        #expect(kaito["fieldsV1"]?["f:spec"]?["f:replicas"] == nil, "force moved ownership of replicas to helm")
        #expect(kaito["fieldsV1"]?["f:spec"]?["f:selector"] != nil, "shared fields stay shared")

        // kaito re-applying without replicas leaves helm's value in place.
        var withoutReplicas = applied(replicas: 0)
        withoutReplicas.setValue(nil, at: ["spec", "replicas"])
        let reapplied = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: withoutReplicas,
            options: PatchOptions(fieldManager: "kaito"))
        #expect(reapplied.at("spec.replicas") == 5)
    }

    @Test("A field a manager stops applying is removed unless another manager owns it")
    func removalOfUnappliedFields() async throws {
        let store = Fixture().store
        var first = applied(replicas: 1)
        first.setValue(["a": "1", "b": "2"], at: ["metadata", "annotations"])
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: first,
            options: PatchOptions(fieldManager: "kaito"))
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .merge,
            patch: ["metadata": ["annotations": ["b": "edited"]]], options: PatchOptions(fieldManager: "kubectl-edit"))
        var second = applied(replicas: 1)
        second.setValue(nil, at: ["metadata", "annotations"])
        let result = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: second,
            options: PatchOptions(fieldManager: "kaito"))
        #expect(result.at("metadata.annotations") == ["b": "edited"])
    }

    @Test("An update by another manager takes ownership, so a later apply of a different value conflicts")
    func updateTakesOwnership() async throws {
        let store = Fixture().store
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2),
            options: PatchOptions(fieldManager: "kaito"))
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .merge, patch: ["spec": ["replicas": 3]],
            options: PatchOptions(fieldManager: "kubectl-scale"))
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.deployments, namespace: "default", name: "web", type: .apply, patch: applied(replicas: 2),
                options: PatchOptions(fieldManager: "kaito"))
        }
        #expect(
            error?.message
                == "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas")
    }

    @Test("Apply to the status subresource changes only status")
    func applyStatus() async throws {
        let store = Fixture().store
        _ = try await store.create(R.workspaces, namespace: "default", object: workspace("ws"))
        var body = workspace("ws")
        body.setValue(["conditions": [["type": "ResourceReady", "status": "True"]]], at: ["status"])
        body.setValue("changed", at: ["resource", "instanceType"])
        let result = try await store.patch(
            R.workspaces, namespace: "default", name: "ws", type: .apply, patch: body,
            options: PatchOptions(fieldManager: "kaito-controller"), subresource: .status)
        #expect(result.at("status.conditions") == [["type": "ResourceReady", "status": "True"]])
        #expect(result.at("resource.instanceType") == "Standard_NC12s_v3")
        let entry = result.at("metadata.managedFields")?.arrayValue?.first { $0["manager"] == "kaito-controller" }
        #expect(entry?["subresource"] == "status")
    }
}

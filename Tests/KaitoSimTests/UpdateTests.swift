import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Update and the status subresource")
struct UpdateTests {
    @Test("generation grows on spec changes (and a Deployment's annotations), not on labels or status changes")
    func generationRules() async throws {
        let store = Fixture().store
        var current = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        #expect(current.generation == 1)

        current.setValue("x", at: ["metadata", "labels", "extra"])
        current = try await store.update(R.deployments, namespace: "default", name: "web", object: current)
        #expect(current.generation == 1)
        #expect(current.at("metadata.labels.extra") == "x")

        // The deployment strategy counts annotations, which its controller copies to ReplicaSets.
        current.setValue("x", at: ["metadata", "annotations", "note"])
        current = try await store.update(R.deployments, namespace: "default", name: "web", object: current)
        #expect(current.generation == 2)

        current.setValue(3, at: ["spec", "replicas"])
        current = try await store.update(R.deployments, namespace: "default", name: "web", object: current)
        #expect(current.generation == 3)

        current.setValue(["replicas": 3, "observedGeneration": 3], at: ["status"])
        current = try await store.update(
            R.deployments, namespace: "default", name: "web", object: current, subresource: .status)
        #expect(current.generation == 3)
        #expect(current.at("status.replicas") == 3)

        // A top-level field outside spec (a Workspace has no spec wrapper) also counts.
        var workspace = try await store.create(R.workspaces, namespace: "default", object: workspace("ws"))
        workspace.setValue("Standard_NC24ads_A100_v4", at: ["resource", "instanceType"])
        workspace = try await store.update(R.workspaces, namespace: "default", name: "ws", object: workspace)
        #expect(workspace.generation == 2)
        workspace.setValue(["workerNodes": ["n1"]], at: ["status"])
        workspace = try await store.update(
            R.workspaces, namespace: "default", name: "ws", object: workspace, subresource: .status)
        #expect(workspace.generation == 2)
    }

    @Test("A main update ignores status; a status update ignores everything else")
    func statusSubresourceSplit() async throws {
        let store = Fixture().store
        var current = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        var mainWrite = current
        mainWrite.setValue(["replicas": 9], at: ["status"])
        mainWrite.setValue(2, at: ["spec", "replicas"])
        current = try await store.update(R.deployments, namespace: "default", name: "web", object: mainWrite)
        #expect(current.at("status") == [:])
        #expect(current.at("spec.replicas") == 2)

        var statusWrite = current
        statusWrite.setValue(["availableReplicas": 2], at: ["status"])
        statusWrite.setValue(7, at: ["spec", "replicas"])
        statusWrite.setValue(["sneaky": "label"], at: ["metadata", "labels"])
        let afterStatus = try await store.update(
            R.deployments, namespace: "default", name: "web", object: statusWrite, subresource: .status)
        #expect(afterStatus.at("status") == ["availableReplicas": 2])
        #expect(afterStatus.at("spec.replicas") == 2)
        #expect(afterStatus.at("metadata.labels") == ["app": "web"])
        #expect(Int(afterStatus.rv) == (Int(current.rv) ?? 0) + 1)

        let noSubresource = await #expect(throws: APIError.self) {
            try await store.update(
                R.configMaps, namespace: "default", name: "x", object: configMap("x"), subresource: .status)
        }
        #expect(noSubresource?.code == 404)
    }

    @Test("A stale resourceVersion is 409 Conflict; an empty one updates unconditionally")
    func optimisticConcurrency() async throws {
        let store = Fixture().store
        let created = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        var first = created
        first.setValue(2, at: ["spec", "replicas"])
        _ = try await store.update(R.deployments, namespace: "default", name: "web", object: first)

        var stale = created
        stale.setValue(5, at: ["spec", "replicas"])
        let error = await #expect(throws: APIError.self) {
            try await store.update(R.deployments, namespace: "default", name: "web", object: stale)
        }
        #expect(
            error?.status
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": .string(
                        "Operation cannot be fulfilled on deployments.apps \"web\": the object has been "
                            + "modified; please apply your changes to the latest version and try again"),
                    "reason": "Conflict", "details": ["name": "web", "group": "apps", "kind": "deployments"],
                    "code": 409,
                ])

        stale.setValue(nil, at: ["metadata", "resourceVersion"])
        let forced = try await store.update(R.deployments, namespace: "default", name: "web", object: stale)
        #expect(forced.at("spec.replicas") == 5)
        #expect(forced.generation == 3)
    }

    @Test("uid, creationTimestamp, name and namespace cannot change")
    func immutableFields() async throws {
        let fixture = Fixture()
        let store = fixture.store
        let created = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        fixture.clock.advance(by: 60)

        var retimed = created
        retimed.setValue("2001-01-01T00:00:00Z", at: ["metadata", "creationTimestamp"])
        retimed.setValue(["k": "v"], at: ["data"])
        let updated = try await store.update(R.configMaps, namespace: "default", name: "cm", object: retimed)
        #expect(updated.at("metadata.creationTimestamp") == created.at("metadata.creationTimestamp"))
        #expect(updated.uid == created.uid)

        var otherUID = updated
        otherUID.setValue("00000000-0000-4000-8000-000000000000", at: ["metadata", "uid"])
        let uidError = await #expect(throws: APIError.self) {
            try await store.update(R.configMaps, namespace: "default", name: "cm", object: otherUID)
        }
        #expect(uidError?.code == 409)
        #expect(
            uidError?.message
                == "Operation cannot be fulfilled on configmaps \"cm\": StorageError: invalid object, Code: 4, Key: "
                + "/registry/configmaps/default/cm, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: "
                + "UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: \(created.uid)")

        var renamed = updated
        renamed.setValue("other", at: ["metadata", "name"])
        let nameError = await #expect(throws: APIError.self) {
            try await store.update(R.configMaps, namespace: "default", name: "cm", object: renamed)
        }
        #expect(nameError?.code == 400)
        #expect(nameError?.message == "the name of the object (other) does not match the name on the URL (cm)")

        var moved = updated
        moved.setValue("kube-system", at: ["metadata", "namespace"])
        let namespaceError = await #expect(throws: APIError.self) {
            try await store.update(R.configMaps, namespace: "default", name: "cm", object: moved)
        }
        #expect(namespaceError?.code == 400)
    }

    @Test("An update that changes nothing keeps the resourceVersion")
    func noOpUpdate() async throws {
        let store = Fixture().store
        let created = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        let again = try await store.update(R.configMaps, namespace: "default", name: "cm", object: created)
        #expect(again.rv == created.rv)
        #expect(await store.currentResourceVersion == created.rv)
    }

    @Test("Updating a missing object is 404, except for kinds that create on update (leases)")
    func updateMissing() async throws {
        let store = Fixture().store
        let error = await #expect(throws: APIError.self) {
            try await store.update(R.configMaps, namespace: "default", name: "cm", object: configMap("cm"))
        }
        #expect(error?.message == "configmaps \"cm\" not found")
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "leader"],
            "spec": ["holderIdentity": "a"],
        ]
        let created = try await store.update(R.leases, namespace: "kube-system", name: "leader", object: lease)
        #expect(created.at("spec.holderIdentity") == "a")
        #expect(created.uid.isEmpty == false)
    }

    @Test("managedFields records the manager of each write")
    func managedFieldsOnUpdate() async throws {
        let store = Fixture().store
        var current = try await store.create(
            R.configMaps, namespace: "default", object: configMap("cm", data: ["a": "1"]), fieldManager: "creator")
        current.setValue("2", at: ["data", "b"])
        current = try await store.update(
            R.configMaps, namespace: "default", name: "cm", object: current, fieldManager: "editor")
        let entries = try #require(current.at("metadata.managedFields")?.arrayValue)
        let byManager = Dictionary(uniqueKeysWithValues: entries.map { ($0["manager"]?.stringValue ?? "", $0) })
        // The creator made the data map itself, so it owns it too ("."), as the API server records it.
        #expect(byManager["creator"]?["fieldsV1"] == ["f:data": [".": [:], "f:a": [:]]])
        #expect(byManager["editor"]?["fieldsV1"] == ["f:data": ["f:b": [:]]])
        #expect(byManager["editor"]?["operation"] == "Update")
        #expect(byManager["editor"]?["fieldsType"] == "FieldsV1")
    }
}

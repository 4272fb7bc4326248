import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Deletion, finalizers and garbage collection")
struct DeletionTests {
    @Test("Without finalizers an object goes at once; its last state carries the deletion's resourceVersion")
    func immediateDeletion() async throws {
        let store = Fixture().store
        let created = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        let result = try await store.delete(R.configMaps, namespace: "default", name: "cm")
        guard case .deleted(let last) = result else {
            Issue.record("expected an immediate deletion, got \(result)")
            return
        }
        #expect(Int(last.rv) == (Int(created.rv) ?? 0) + 1)
        #expect(result.httpStatusCode == 200)
        let descriptor = try #require(await store.registry.descriptor(for: R.configMaps))
        #expect(result.responseBody(for: descriptor)["status"] == "Success")
        #expect(result.responseBody(for: descriptor)["details"]?["uid"] == .string(created.uid))
        let error = await #expect(throws: APIError.self) {
            try await store.delete(R.configMaps, namespace: "default", name: "cm")
        }
        #expect(error?.code == 404)
    }

    @Test("Finalizers keep the object with a deletionTimestamp set once; removing the last one deletes it")
    func finalizerFlow() async throws {
        let fixture = Fixture()
        let store = fixture.store
        var object = workspace("ws")
        object.setValue(["kaito.sh/finalizer", "other/finalizer"], at: ["metadata", "finalizers"])
        let created = try await store.create(R.workspaces, namespace: "default", object: object)

        let first = try await store.delete(R.workspaces, namespace: "default", name: "ws")
        guard case .pending(let marked) = first else {
            Issue.record("expected a pending deletion")
            return
        }
        let timestamp = try #require(marked.at("metadata.deletionTimestamp"))
        #expect(marked.generation == 2, "marking for deletion bumps generation")
        #expect(marked.rv != created.rv)
        #expect(first.httpStatusCode == 202)

        fixture.clock.advance(by: 30)
        let second = try await store.delete(R.workspaces, namespace: "default", name: "ws")
        #expect(second.object.at("metadata.deletionTimestamp") == timestamp, "set once")
        #expect(second.object.rv == marked.rv, "a repeated delete changes nothing")

        var current = second.object
        current.setValue(["other/finalizer", "new/finalizer"], at: ["metadata", "finalizers"])
        let added = await #expect(throws: APIError.self) {
            try await store.update(R.workspaces, namespace: "default", name: "ws", object: current)
        }
        #expect(added?.code == 422)
        #expect(
            added?.message
                == "Workspace.kaito.sh \"ws\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be "
                + "added if the object is being deleted, found new finalizers []string{\"new/finalizer\"}")

        current.setValue(["other/finalizer"], at: ["metadata", "finalizers"])
        current = try await store.update(R.workspaces, namespace: "default", name: "ws", object: current)
        #expect(current.at("metadata.finalizers") == ["other/finalizer"])

        _ = try await store.patch(
            R.workspaces, namespace: "default", name: "ws", type: .json,
            patch: [["op": "remove", "path": "/metadata/finalizers"]])
        let gone = await #expect(throws: APIError.self) {
            try await store.get(R.workspaces, namespace: "default", name: "ws")
        }
        #expect(gone?.code == 404)
    }

    @Test("Delete preconditions on UID and resourceVersion are 409")
    func preconditions() async throws {
        let store = Fixture().store
        let created = try await store.create(R.configMaps, namespace: "default", object: configMap("cm"))
        let wrongUID = await #expect(throws: APIError.self) {
            try await store.delete(
                R.configMaps, namespace: "default", name: "cm", options: DeleteOptions(preconditionUID: "other"))
        }
        #expect(wrongUID?.code == 409)
        #expect(
            wrongUID?.message.hasSuffix(
                "Precondition failed: UID in precondition: other, UID in object meta: \(created.uid)") == true)
        let wrongVersion = await #expect(throws: APIError.self) {
            try await store.delete(
                R.configMaps, namespace: "default", name: "cm",
                options: try DeleteOptions(body: ["preconditions": ["resourceVersion": "1"]]))
        }
        #expect(
            wrongVersion?.message.hasSuffix(
                "Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: \(created.rv)"
            ) == true)
        _ = try await store.delete(
            R.configMaps, namespace: "default", name: "cm",
            options: DeleteOptions(preconditionUID: created.uid, preconditionResourceVersion: created.rv))
    }

    /// A Workspace owning a Deployment and a Service, as the Kaito controller creates them.
    private func ownedWorkload(_ store: APIStore) async throws -> JSONValue {
        let owner = try await store.create(R.workspaces, namespace: "default", object: workspace("ws"))
        _ = try await store.create(
            R.deployments, namespace: "default", object: deployment("ws", owner: ownerReference(to: owner)))
        let service: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "ws", "ownerReferences": [ownerReference(to: owner)]],
            "spec": ["selector": ["app": "ws"], "ports": [["port": 80]]],
        ]
        _ = try await store.create(R.services, namespace: "default", object: service)
        return owner
    }

    private func exists(_ store: APIStore, _ resource: GroupVersionResource, _ name: String) async -> Bool {
        (try? await store.get(resource, namespace: "default", name: name)) != nil
    }

    @Test("Background propagation: the owner goes at once, the garbage collector deletes its dependents")
    func backgroundPropagation() async throws {
        let store = Fixture().store
        _ = try await ownedWorkload(store)
        let result = try await store.delete(R.workspaces, namespace: "default", name: "ws")
        guard case .deleted = result else {
            Issue.record("expected the owner to go at once")
            return
        }
        #expect(await exists(store, R.deployments, "ws"))
        let actions = await store.collectGarbage()
        #expect(actions.map(\.description) == ["deleted services default/ws", "deleted deployments.apps default/ws"])
        #expect(!(await exists(store, R.deployments, "ws")))
        #expect(!(await exists(store, R.services, "ws")))
        #expect(await store.collectGarbage().isEmpty)
    }

    @Test("Foreground propagation: the owner waits, with foregroundDeletion, until blocking dependents are gone")
    func foregroundPropagation() async throws {
        let store = Fixture().store
        _ = try await ownedWorkload(store)
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "ws", type: .merge,
            patch: ["metadata": ["finalizers": ["example.com/hold"]]])
        let result = try await store.delete(
            R.workspaces, namespace: "default", name: "ws", options: DeleteOptions(propagationPolicy: .foreground))
        guard case .pending(let owner) = result else {
            Issue.record("expected a pending deletion")
            return
        }
        #expect(owner.at("metadata.finalizers") == ["foregroundDeletion"])
        #expect(owner.at("metadata.deletionTimestamp") != nil)

        await store.collectGarbage()
        #expect(!(await exists(store, R.services, "ws")))
        let held = try await store.get(R.deployments, namespace: "default", name: "ws")
        #expect(held.at("metadata.deletionTimestamp") != nil)
        #expect(await exists(store, R.workspaces, "ws"), "the owner waits for its blocking dependent")

        _ = try await store.patch(
            R.deployments, namespace: "default", name: "ws", type: .merge, patch: ["metadata": ["finalizers": nil]])
        #expect(!(await exists(store, R.deployments, "ws")))
        let actions = await store.collectGarbage()
        #expect(actions.map(\.description) == ["finalizerRemoved workspaces.kaito.sh default/ws (foregroundDeletion)"])
        #expect(!(await exists(store, R.workspaces, "ws")))
    }

    @Test("Orphan propagation: dependents lose their owner reference and stay")
    func orphanPropagation() async throws {
        let store = Fixture().store
        let owner = try await ownedWorkload(store)
        let result = try await store.delete(
            R.workspaces, namespace: "default", name: "ws", options: DeleteOptions(propagationPolicy: .orphan))
        #expect(result.object.at("metadata.finalizers") == ["orphan"])
        let actions = await store.collectGarbage()
        #expect(
            actions.map(\.description) == [
                "ownerReferenceRemoved services default/ws (\(owner.uid))",
                "ownerReferenceRemoved deployments.apps default/ws (\(owner.uid))",
                "finalizerRemoved workspaces.kaito.sh default/ws (orphan)",
            ])
        #expect(!(await exists(store, R.workspaces, "ws")))
        let orphan = try await store.get(R.deployments, namespace: "default", name: "ws")
        #expect(orphan.at("metadata.ownerReferences") == nil)
        #expect(await exists(store, R.services, "ws"))
    }

    @Test("Jobs default to orphaning their pods, as batch/v1 does")
    func jobDefaultPolicy() async throws {
        let store = Fixture().store
        let job = try await store.create(
            R.jobs, namespace: "default",
            object: [
                "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "tune"],
                "spec": [
                    "template": [
                        "spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]]
                    ]
                ],
            ])
        _ = try await store.create(
            R.pods, namespace: "default",
            object: [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": "tune-abcde", "ownerReferences": [ownerReference(to: job)]],
                "spec": ["containers": [["name": "c", "image": "busybox"]]],
            ])
        _ = try await store.delete(R.jobs, namespace: "default", name: "tune")
        await store.collectGarbage()
        #expect(await exists(store, R.pods, "tune-abcde"))
    }

    @Test("A dependent with another live owner only loses the reference to the missing one")
    func partialOwnership() async throws {
        let store = Fixture().store
        let first = try await store.create(R.configMaps, namespace: "default", object: configMap("owner-a"))
        let second = try await store.create(R.configMaps, namespace: "default", object: configMap("owner-b"))
        var dependent = configMap("dependent")
        // Only one owner reference may be the controller, as the API server validates.
        var secondReference = ownerReference(to: second)
        secondReference.setValue(nil, at: ["controller"])
        dependent.setValue([ownerReference(to: first), secondReference], at: ["metadata", "ownerReferences"])
        _ = try await store.create(R.configMaps, namespace: "default", object: dependent)
        _ = try await store.delete(R.configMaps, namespace: "default", name: "owner-a")
        await store.collectGarbage()
        let remaining = try await store.get(R.configMaps, namespace: "default", name: "dependent")
        #expect(remaining.at("metadata.ownerReferences")?.arrayValue?.map { $0["name"] } == ["owner-b"])
    }

    @Test("deletecollection deletes what the selectors match")
    func deleteCollection() async throws {
        let store = Fixture().store
        for (name, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
            _ = try await store.create(
                R.configMaps, namespace: "default", object: configMap(name, labels: ["app": app]))
        }
        _ = try await store.create(
            R.configMaps, namespace: "kube-system", object: configMap("d", labels: ["app": "web"]))
        let results = try await store.deleteCollection(
            R.configMaps, namespace: "default", listOptions: ListOptions(labelSelector: "app=web"))
        #expect(results.map(\.object.name) == ["a", "b"])
        let left = try await store.list(R.configMaps).items.map(\.name).filter(isOurs)
        #expect(left == ["c", "d"])
    }

    @Test("A deleted namespace terminates, loses its content, then goes; creating in it meanwhile is 403")
    func namespaceDeletion() async throws {
        let store = Fixture().store
        _ = try await store.create(
            R.namespaces, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
        _ = try await store.create(R.configMaps, namespace: "team", object: configMap("cm"))
        let result = try await store.delete(R.namespaces, name: "team")
        #expect(result.object.at("status.phase") == "Terminating")
        let forbidden = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "team", object: configMap("late"))
        }
        #expect(forbidden?.code == 403)
        #expect(
            forbidden?.message
                == "configmaps \"late\" is forbidden: unable to create new content in namespace team because it is "
                + "being terminated")
        await store.collectGarbage()
        #expect((try? await store.get(R.namespaces, name: "team")) == nil)
        #expect(try await store.list(R.configMaps, namespace: "team").items.isEmpty)

        let protected = await #expect(throws: APIError.self) { try await store.delete(R.namespaces, name: "default") }
        #expect(protected?.message == "namespaces \"default\" is forbidden: this namespace may not be deleted")
    }
}

import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("HTTP server: finalizers and garbage collection")
struct ServerDeletionTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"
    static let deployments = "/apis/apps/v1/namespaces/default/deployments"

    @Test("A finalizer keeps a deleted object with a deletionTimestamp until the finalizer is removed")
    func finalizers() async throws {
        try await SimHTTP.run { http in
            var object = configMap("held")
            object.setValue(["example.com/cleanup"], at: ["metadata", "finalizers"])
            _ = try await http.send(.post, Self.configMaps, json: object)

            let deleted = try await http.send(.delete, "\(Self.configMaps)/held")
            #expect(deleted.status == 200)
            #expect(deleted.json["kind"] == "ConfigMap")
            #expect(deleted.json.at("metadata.deletionTimestamp") == "2024-01-01T00:00:00Z")

            let pending = try await http.get("\(Self.configMaps)/held")
            #expect(pending.status == 200)
            #expect(pending.json.at("metadata.deletionTimestamp") != nil)

            let released = try await http.send(
                .patch, "\(Self.configMaps)/held", json: ["metadata": ["finalizers": nil]],
                contentType: "application/merge-patch+json")
            #expect(released.status == 200)
            #expect(try await http.get("\(Self.configMaps)/held").status == 404)
        }
    }

    @Test("orphanDependents=false on a pending deletion answers 202, as the API server does for old clients")
    func acceptedForPendingCascade() async throws {
        try await SimHTTP.run { http in
            var object = configMap("held")
            object.setValue(["example.com/cleanup"], at: ["metadata", "finalizers"])
            _ = try await http.send(.post, Self.configMaps, json: object)
            let deleted = try await http.send(
                .delete, "\(Self.configMaps)/held",
                json: ["kind": "DeleteOptions", "apiVersion": "v1", "orphanDependents": false])
            #expect(deleted.status == 202)
        }
    }

    @Test("Background deletion removes dependents through their ownerReferences")
    func backgroundGarbageCollection() async throws {
        try await SimHTTP.run { http in
            let owner = try await http.send(.post, Self.deployments, json: deployment("owner")).json
            var dependent = configMap("dependent")
            dependent.setValue([ownerReference(to: owner)], at: ["metadata", "ownerReferences"])
            #expect(try await http.send(.post, Self.configMaps, json: dependent).status == 201)

            let deleted = try await http.send(
                .delete, "\(Self.deployments)/owner",
                json: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"])
            #expect(deleted.status == 200)
            #expect(try await http.get("\(Self.configMaps)/dependent").status == 404)
        }
    }

    @Test("Orphan propagation (from the query) keeps dependents and drops their owner reference")
    func orphanPropagation() async throws {
        try await SimHTTP.run { http in
            let owner = try await http.send(.post, Self.deployments, json: deployment("owner")).json
            var dependent = configMap("dependent")
            dependent.setValue([ownerReference(to: owner)], at: ["metadata", "ownerReferences"])
            _ = try await http.send(.post, Self.configMaps, json: dependent)

            let deleted = try await http.send(.delete, "\(Self.deployments)/owner?propagationPolicy=Orphan")
            #expect(deleted.status == 200)
            #expect(try await http.get("\(Self.deployments)/owner").status == 404)
            let kept = try await http.get("\(Self.configMaps)/dependent")
            #expect(kept.status == 200)
            #expect(kept.json.at("metadata.ownerReferences") == nil)

            let invalid = try await http.send(.delete, "\(Self.configMaps)/dependent?propagationPolicy=Sometimes")
            #expect(invalid.status == 422)
        }
    }

    @Test("Foreground deletion deletes blocking dependents first, then the owner")
    func foregroundPropagation() async throws {
        try await SimHTTP.run { http in
            let owner = try await http.send(.post, Self.deployments, json: deployment("owner")).json
            var dependent = configMap("dependent")
            dependent.setValue([ownerReference(to: owner)], at: ["metadata", "ownerReferences"])
            dependent.setValue(["example.com/slow"], at: ["metadata", "finalizers"])
            _ = try await http.send(.post, Self.configMaps, json: dependent)

            let deleted = try await http.send(
                .delete, "\(Self.deployments)/owner",
                json: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"])
            #expect(deleted.status == 200)
            #expect(deleted.json.at("metadata.finalizers") == ["foregroundDeletion"])
            // The dependent's own finalizer holds it, so the owner waits.
            let waiting = try await http.get("\(Self.deployments)/owner")
            #expect(waiting.status == 200)
            #expect(try await http.get("\(Self.configMaps)/dependent").json.at("metadata.deletionTimestamp") != nil)

            _ = try await http.send(
                .patch, "\(Self.configMaps)/dependent", json: ["metadata": ["finalizers": nil]],
                contentType: "application/merge-patch+json")
            #expect(try await http.get("\(Self.configMaps)/dependent").status == 404)
            #expect(try await http.get("\(Self.deployments)/owner").status == 404)
        }
    }

    @Test("Preconditions on delete: a stale UID is a 409 Conflict")
    func preconditions() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, Self.configMaps, json: configMap("guarded"))
            let refused = try await http.send(
                .delete, "\(Self.configMaps)/guarded",
                json: ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "not-the-uid"]])
            #expect(refused.status == 409)
            #expect(refused.reason == "Conflict")
        }
    }
}

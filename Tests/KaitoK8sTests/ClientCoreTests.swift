import Foundation
import HTTPTypes
import KaitoCore
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

@Suite("KubernetesClient request pipeline")
struct ClientCoreTests {
    @Test("a GET over TLS with a bearer token returns the server's object")
    func getOverTLS() async throws {
        try await SimCluster.run(tls: true) { cluster in
            let client = try cluster.client()
            let namespace = try await client.sendJSON(
                KubernetesRequest(method: .get, path: "/api/v1/namespaces/default"))
            #expect(namespace["metadata"]?["name"]?.stringValue == "default")
        }
    }

    @Test("a missing object is a KubernetesError carrying the server's NotFound Status")
    func notFound() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await client.send(
                    KubernetesRequest(
                        method: .get, path: ResourceType.workspaces.path(namespace: "default", name: "nope")))
            }
            #expect(error?.isNotFound == true)
            #expect(error?.status?.reason == "NotFound")
            #expect(error?.message == "workspaces.kaito.sh \"nope\" not found")
        }
    }
}

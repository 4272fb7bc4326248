import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// KaitoSim serves RBAC objects as an API server does; a registry without them stands for a server that does not.
let registryWithoutRBAC = ResourceRegistry(
    ResourceRegistry.builtIn.descriptors.filter { $0.group != "rbac.authorization.k8s.io" })

/// Runs `body` against a KaitoSim server that serves RBAC.
func withInstallCluster<T: Sendable>(
    configure: (inout SimServer.Configuration) -> Void = { _ in }, _ body: (SimCluster) async throws -> T
) async throws -> T {
    try await SimCluster.run(configure: configure, body)
}

let installedObjects = [
    "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh",
    "namespace/kaito-system",
    "serviceaccount/kaito-controller",
    "clusterrole.rbac.authorization.k8s.io/kaito-controller",
    "clusterrolebinding.rbac.authorization.k8s.io/kaito-controller",
    "role.rbac.authorization.k8s.io/kaito-controller-leader-election",
    "rolebinding.rbac.authorization.k8s.io/kaito-controller-leader-election",
    "deployment.apps/kaito-controller",
    "service/kaito-controller-metrics",
]

@Suite("Installer against KaitoSim")
struct InstallerTests {
    @Test("the first install creates every object in dependency order and the CRD is served afterwards")
    func firstInstall() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            var reported: [String] = []
            let results = try await Installer(client: client).install { reported.append($0.description) }
            #expect(results.map(\.object) == installedObjects)
            #expect(results.allSatisfy { $0.outcome == .created })
            #expect(reported == installedObjects.map { "\($0) created" })

            let crd = try await client.resource(.customResourceDefinitions).get("workspaces.kaito.sh")
            #expect(crd.statusConditions["Established"]?.isTrue == true)
            _ = try await client.resource(.workspaces).list(namespace: "default")
            let deployment = try await client.resource(.deployments).get("kaito-controller", namespace: "kaito-system")
            #expect(deployment.metadata.managedFields?.arrayValue?.contains { $0["manager"] == "kaitoctl" } == true)
            let args = deployment.value(at: "spec", "template", "spec", "containers")?.arrayValue?.first?["args"]
            #expect(args?.arrayValue?.contains("--provisioner=machine") == true)
            #expect(try await client.resource(.serviceAccounts).exists("kaito-controller", namespace: "kaito-system"))
        }
    }

    @Test("a second install reports every object unchanged")
    func secondInstallUnchanged() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            try await Installer(client: client).install()
            let again = try await Installer(client: client).install()
            #expect(again.map(\.object) == installedObjects)
            #expect(again.filter { $0.outcome != .unchanged }.map(\.description) == [])
        }
    }

    @Test("a changed provisioner and image configure the Deployment and leave the rest unchanged")
    func changedProvisioner() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            try await Installer(client: client).install()
            let options = Installer.Options(provisioner: "nodeclaim", image: "registry.example/kaito-controller:dev")
            let results = try await Installer(client: client, options: options).install()
            let changed = results.filter { $0.outcome != .unchanged }
            #expect(changed.map(\.description) == ["deployment.apps/kaito-controller configured"])
            let deployment = try await client.resource(.deployments).get("kaito-controller", namespace: "kaito-system")
            let container = deployment.value(at: "spec", "template", "spec", "containers")?.arrayValue?.first
            #expect(container?["args"]?.arrayValue?.contains("--provisioner=nodeclaim") == true)
            #expect(container?["args"]?.arrayValue?.contains("--provisioner=machine") == false)
            #expect(container?["image"] == "registry.example/kaito-controller:dev")
        }
    }

    @Test("a dry run reports what would be created and stores nothing; on an installed cluster it reports changes")
    func dryRun() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            let results = try await Installer(client: client, options: Installer.Options(dryRun: true)).install()
            #expect(results.map(\.description) == installedObjects.map { "\($0) created (server dry run)" })
            #expect(try await !client.resource(.customResourceDefinitions).exists("workspaces.kaito.sh"))
            #expect(try await !client.resource(.namespaces).exists("kaito-system"))
            #expect(try await !client.resource(.deployments).exists("kaito-controller", namespace: "kaito-system"))

            try await Installer(client: client).install()
            let preview = try await Installer(
                client: client, options: Installer.Options(provisioner: "none", dryRun: true)
            ).install()
            #expect(
                preview.filter { $0.outcome != .unchanged }.map(\.description) == [
                    "deployment.apps/kaito-controller configured (server dry run)"
                ])
            let deployment = try await client.resource(.deployments).get("kaito-controller", namespace: "kaito-system")
            let args = deployment.value(at: "spec", "template", "spec", "containers")?.arrayValue?.first?["args"]
            #expect(args?.arrayValue?.contains("--provisioner=machine") == true, "the dry run changed nothing")
        }
    }

    @Test("uninstall deletes in reverse order and keeps the CRD; a second uninstall finds nothing")
    func uninstallKeepsCRD() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            try await Installer(client: client).install()
            let removed = try await Installer(client: client).uninstall()
            #expect(removed.map(\.object) == installedObjects.reversed())
            #expect(removed.dropLast().allSatisfy { $0.outcome == .deleted })
            #expect(removed.last?.outcome == .kept)
            #expect(try await client.resource(.customResourceDefinitions).exists("workspaces.kaito.sh"))
            #expect(try await !client.resource(.deployments).exists("kaito-controller", namespace: "kaito-system"))
            #expect(try await !client.resource(.services).exists("kaito-controller-metrics", namespace: "kaito-system"))

            let again = try await Installer(client: client).uninstall()
            #expect(again.dropLast().allSatisfy { $0.outcome == .notFound }, "\(again.map(\.description))")
        }
    }

    @Test("uninstall --delete-crds deletes the CRD too; a dry run deletes nothing")
    func uninstallDeletesCRD() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            try await Installer(client: client).install()
            let preview = try await Installer(
                client: client, options: Installer.Options(dryRun: true, deleteCRDs: true)
            ).uninstall()
            #expect(preview.allSatisfy { $0.outcome == .deleted && $0.dryRun })
            #expect(try await client.resource(.deployments).exists("kaito-controller", namespace: "kaito-system"))
            #expect(try await client.resource(.customResourceDefinitions).exists("workspaces.kaito.sh"))

            let removed = try await Installer(client: client, options: Installer.Options(deleteCRDs: true)).uninstall()
            let crd = "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh"
            #expect(removed.last?.description == "\(crd) deleted")
            #expect(try await !client.resource(.customResourceDefinitions).exists("workspaces.kaito.sh"))
        }
    }

    @Test("another namespace moves every namespaced object and the binding subjects")
    func otherNamespace() async throws {
        try await withInstallCluster { cluster in
            let client = try cluster.client()
            let results = try await Installer(client: client, options: Installer.Options(namespace: "ops")).install()
            #expect(results.contains { $0.object == "namespace/ops" && $0.outcome == .created })
            #expect(try await client.resource(.deployments).exists("kaito-controller", namespace: "ops"))
            let rbac = ResourceType(
                group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding",
                plural: "clusterrolebindings", isNamespaced: false)
            let binding = try await client.resource(rbac).get("kaito-controller")
            #expect(binding.value(at: "subjects")?.arrayValue?.first?["namespace"] == "ops")
        }
    }

    @Test("a user who may not write is refused with the server's message")
    func forbidden() async throws {
        try await withInstallCluster(configure: { configuration in
            configuration.authentication.tokens["reader"] = SimUser(name: "reader")
            configuration.authorization.rules["reader"] = [SimPolicyRule(verbs: ["get", "list", "watch"])]
        }) { cluster in
            let client = try cluster.client(
                credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: "reader")))
            await #expect {
                try await Installer(client: client).install()
            } throws: { error in
                guard let error = error as? KubernetesError else { return false }
                return error.isForbidden && error.message.contains("forbidden")
            }
        }
    }

    @Test("a server without RBAC: the error names the type it does not serve")
    func rbacNotServed() async throws {
        try await SimCluster.run(storeConfiguration: APIStore.Configuration(registry: registryWithoutRBAC)) { cluster in
            let client = try cluster.client()
            await #expect {
                try await Installer(client: client).install()
            } throws: { error in
                (error as? KubernetesError)?.message.contains(
                    "clusterrole.rbac.authorization.k8s.io/kaito-controller: the server does not serve "
                        + "rbac.authorization.k8s.io/v1 clusterroles") == true
            }
        }
    }

    @Test("an unknown provisioner is refused before any request")
    func unknownProvisioner() throws {
        let client = try KubernetesClient(
            connection: ClusterConnection(
                server: "https://127.0.0.1:1",
                credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: "x")), namespace: "default"))
        #expect(throws: KubernetesError.self) {
            try Installer(client: client, options: Installer.Options(provisioner: "karpenter")).objects()
        }
    }
}

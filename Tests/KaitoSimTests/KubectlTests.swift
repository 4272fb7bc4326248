import Foundation
import KaitoCore
import KaitoTestSupport
import Testing

@testable import KaitoSim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the real `kubectl` against an in-process ``SimServer`` over HTTPS.
@Suite("kubectl against kaito-sim")
struct KubectlTests {
    /// The kubectl to run, if one is installed.
    static let kubectl = CommandLineTools.kubectl

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "kubectl applies the Workspace CRD and a workspace, gets it (printer columns, short name), deletes it",
        .enabled(
            if: kubectl != nil, "SKIPPED: kubectl is not installed (not on PATH); the kubectl round trip did not run"))
    func workspaceRoundTrip() async throws {
        try await KubectlSession.run(credential: .token) { session in
            let crd = try await session.kubectl("apply", "-f", Self.path("deploy/crds/kaito.sh_workspaces.yaml"))
            #expect(crd.output == "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh created")

            let workspace = try await session.kubectl("apply", "-f", Self.path("examples/inference/falcon-7b.yaml"))
            #expect(workspace.output == "workspace.kaito.sh/workspace-falcon-7b created")

            let unchanged = try await session.kubectl("apply", "-f", Self.path("examples/inference/falcon-7b.yaml"))
            #expect(unchanged.output == "workspace.kaito.sh/workspace-falcon-7b unchanged")

            for resource in ["workspaces", "wk", "workspace.kaito.sh"] {
                let listed = try await session.kubectl("get", resource)
                let lines = listed.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                #expect(
                    lines.first
                        == [
                            "NAME", "INSTANCE", "RESOURCEREADY", "INFERENCEREADY", "JOBSTARTED", "WORKSPACESUCCEEDED",
                            "AGE",
                        ],
                    "kubectl get \(resource): \(listed.output)")
                #expect(lines.count == 2)
                #expect(lines.last?.first == "workspace-falcon-7b")
                #expect(lines.last?.dropFirst().first == "Standard_NC12s_v3")
                #expect(lines.last?.last?.hasSuffix("s") == true)
            }

            let yaml = try await session.kubectl("get", "workspace", "workspace-falcon-7b", "-o", "yaml")
            #expect(yaml.output.contains("instanceType: Standard_NC12s_v3"))
            #expect(yaml.output.contains("kubectl.kubernetes.io/last-applied-configuration"))

            let deleted = try await session.kubectl("delete", "workspace", "workspace-falcon-7b")
            #expect(deleted.output == "workspace.kaito.sh \"workspace-falcon-7b\" deleted")

            let empty = try await session.kubectl("get", "workspaces")
            #expect(empty.output.isEmpty)
            #expect(empty.errors.contains("No resources found in default namespace."))
            let stored = try await session.store.list(
                GroupVersionResource(group: "kaito.sh", version: "v1alpha1", resource: "workspaces"))
            #expect(stored.items.isEmpty)
        }
    }

    @Test(
        "kubectl with a client certificate: nodes print Ready, and a denied list shows the RBAC message",
        .enabled(
            if: kubectl != nil, "SKIPPED: kubectl is not installed (not on PATH); the kubectl round trip did not run"))
    func clientCertificateAndForbidden() async throws {
        try await KubectlSession.run(credential: .clientCertificate(user: "alice")) { session in
            try await session.store.seedGPUNodes(count: 2, instanceType: "Standard_NC12s_v3")
            let nodes = try await session.kubectl("get", "nodes")
            let lines = nodes.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.first == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
            #expect(lines.dropFirst().map { $0.prefix(2) } == [["gpu-node-0", "Ready"], ["gpu-node-1", "Ready"]])

            let denied = try await session.kubectl("get", "workspaces", expectedStatus: 1)
            #expect(
                denied.errors
                    == "Error from server (Forbidden): workspaces.kaito.sh is forbidden: User \"alice\" cannot list "
                    + "resource \"workspaces\" in API group \"kaito.sh\" in the namespace \"default\"")
        }
    }

    static func path(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent(relative).path
    }
}

/// A ``TestCluster`` over HTTPS with a fresh CA that verifies client certificates, and a kubeconfig for real
/// `kubectl`.
struct KubectlSession: Sendable {
    enum Credential: Sendable {
        /// A bearer token for `admin` (`system:masters`).
        case token
        /// A client certificate for `user`, who may only read nodes.
        case clientCertificate(user: String)
    }

    let cluster: TestCluster
    let kubeconfig: URL
    var store: APIStore { cluster.store }

    static func run(credential: Credential, _ body: (KubectlSession) async throws -> Void) async throws {
        var options = TestCluster.Options(
            tls: .fresh(clientUser: "admin", clientGroups: []), verifyClientCertificates: true,
            store: APIStore.Configuration(), adminToken: UUID().uuidString, anonymous: true)
        if case .clientCertificate(let user) = credential {
            options.tls = .fresh(clientUser: user, clientGroups: [])
            options.rules[user] = [SimPolicyRule(verbs: ["get", "list", "watch"], resources: ["nodes"])]
        }
        try await TestCluster.run(options) { cluster in
            let kubeconfig: URL
            switch credential {
            case .token: kubeconfig = cluster.kubeconfig
            case .clientCertificate: kubeconfig = try cluster.writeClientCertificateKubeconfig(name: "kubeconfig-cert")
            }
            try await body(KubectlSession(cluster: cluster, kubeconfig: kubeconfig))
        }
    }

    /// Runs kubectl with this session's kubeconfig and cache, expecting `expectedStatus`; output is trimmed.
    func kubectl(_ arguments: String..., expectedStatus: Int32 = 0) async throws -> ChildProcess.Result {
        let result = try await cluster.runKubectl(arguments, kubeconfig: kubeconfig)
        #expect(
            result.status == expectedStatus,
            "kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.output) \(result.errors)")
        return result
    }
}

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

/// A server over HTTPS with a fresh CA, a kubeconfig for it, and a private kubectl cache and home folder.
struct KubectlSession: Sendable {
    enum Credential: Sendable {
        /// A bearer token for `admin` (`system:masters`).
        case token
        /// A client certificate for `user`, who may only read nodes.
        case clientCertificate(user: String)
    }

    struct Result: Sendable {
        let status: Int32
        let output: String
        let errors: String
    }

    let store: APIStore
    let directory: URL
    let kubeconfig: URL

    static func run(credential: Credential, _ body: (KubectlSession) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-sim-kubectl-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let user: String
        var configuration = SimServer.Configuration()
        if case .clientCertificate(let name) = credential {
            user = name
            configuration.authorization.rules[name] = [
                SimPolicyRule(verbs: ["get", "list", "watch"], resources: ["nodes"])
            ]
        } else {
            user = "admin"
        }
        let pki = try SimPKI.generate(in: directory.appendingPathComponent("pki"), clientUser: user, clientGroups: [])
        configuration.tls = try pki.serverTLS(verifyClients: true)
        let token = UUID().uuidString
        configuration.authentication.tokens[token] = SimUser(name: "admin", groups: ["system:masters"])
        let store = APIStore(clock: SystemClock(), identifiers: RandomIdentifierSource())
        try await SimServer.withServer(store: store, configuration: configuration) { server in
            let kubeconfigCredential: SimKubeconfig.Credential
            switch credential {
            case .token: kubeconfigCredential = .token(token)
            case .clientCertificate:
                kubeconfigCredential = .clientCertificate(
                    certificatePEM: try pki.data(atPath: pki.clientCertificatePath),
                    keyPEM: try pki.data(atPath: pki.clientKeyPath))
            }
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            try SimKubeconfig(
                server: server.url, certificateAuthorityPEM: try pki.data(atPath: pki.caCertificatePath),
                credential: kubeconfigCredential
            ).write(to: kubeconfig)
            try await body(KubectlSession(store: store, directory: directory, kubeconfig: kubeconfig))
        }
    }

    /// Runs kubectl with this session's kubeconfig and cache, expecting `expectedStatus`; output is trimmed.
    func kubectl(_ arguments: String..., expectedStatus: Int32 = 0) async throws -> Result {
        let executable = try #require(KubectlTests.kubectl)
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["KUBECONFIG"] = kubeconfig.path
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] { environment[name] = nil }
        let fullArguments =
            ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path]
            + arguments
        let ran = try await ChildProcess.run(executable, fullArguments, environment: environment, in: directory)
        let result = Result(
            status: ran.status, output: ran.output.trimmingCharacters(in: .whitespacesAndNewlines),
            errors: ran.errors.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(
            result.status == expectedStatus,
            "kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.output) \(result.errors)")
        return result
    }
}

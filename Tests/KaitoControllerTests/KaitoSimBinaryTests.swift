import KaitoTestSupport
import Foundation
import KaitoCore
import KaitoK8s
import Testing

/// The built `kaito-sim`, run as a user runs it: HTTPS and a token by default, an `--extra-user` who may do only what
/// RBAC grants, anonymous requests limited to a real server's public paths, a clean stop on SIGTERM.
@Suite("kaito-sim, the built binary")
struct KaitoSimBinaryTests {
    @Test("Serves HTTPS with authentication; an extra user gets only RBAC's grants; anonymous only public paths")
    func secureByDefault() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-sim-binary-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let executable = try BuiltBinary.find("kaito-sim", override: "KAITO_SIM_BINARY").get()
        let output = directory.appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: output)
        defer { try? outputHandle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "--state-dir", directory.appendingPathComponent("state").path, "--extra-user", "jane",
            "--no-fleet",
        ]
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The one line it prints once it listens, naming an https:// address.
        var line = ""
        for _ in 0..<300 where !line.contains("use it with:") {
            line = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if !line.contains("use it with:") { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(line.contains("API emulator at https://127.0.0.1:"), "\(line)")
        #expect(line.contains("bearer token for kaito-admin"))

        let state = directory.appendingPathComponent("state")
        let admin = try client(kubeconfig: state.appendingPathComponent("kubeconfig").path)
        let namespaces = try await admin.resource(.namespaces).list()
        #expect(namespaces.items.contains { $0.metadata.name == "default" })

        let jane = try client(kubeconfig: state.appendingPathComponent("kubeconfig-jane").path)
        let forbidden = await #expect(throws: KubernetesError.self) { try await jane.resource(.namespaces).list() }
        #expect(forbidden?.isForbidden == true)
        let review = try await jane.sendJSON(
            KubernetesRequest(
                method: .post, path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                body: try JSONEncoder().encode(
                    JSONValue.object(["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]))))
        #expect(review["status"]?["userInfo"]?["username"] == "jane")

        var anonymousConnection = try loader(kubeconfig: state.appendingPathComponent("kubeconfig").path)
        anonymousConnection.credentials = StaticCredentialProvider(.anonymous)
        let anonymous = try KubernetesClient(connection: anonymousConnection, options: KubernetesClientOptions(qps: 0))
        let version = try await anonymous.sendJSON(KubernetesRequest(method: .get, path: "/version"))
        #expect(version["major"] == "1")
        let discovery = await #expect(throws: KubernetesError.self) {
            try await anonymous.sendJSON(KubernetesRequest(method: .get, path: "/api"))
        }
        #expect(discovery?.isForbidden == true, "anonymous gets a real server's defaults, not discovery")

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("received signal"))
    }

    private func loader(kubeconfig: String) throws -> ClusterConnection {
        try KubeconfigLoader(
            environment: KubeconfigEnvironment(
                variables: [:], homeDirectory: FileManager.default.temporaryDirectory.path,
                inClusterRoot: "/nonexistent-service-account")
        ).load(kubeconfig: kubeconfig)
    }

    private func client(kubeconfig: String) throws -> KubernetesClient {
        try KubernetesClient(connection: loader(kubeconfig: kubeconfig), options: KubernetesClientOptions(qps: 0))
    }
}

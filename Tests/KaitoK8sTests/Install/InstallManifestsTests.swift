import Foundation
import KaitoCore
import Testing

@testable import KaitoK8s

@Suite("Embedded install manifests")
struct InstallManifestsTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the embedded copies equal deploy/ byte for byte (run scripts/embed-manifests.sh after editing deploy/)")
    func noDrift() throws {
        let fileManager = FileManager.default
        let crds = try fileManager.contentsOfDirectory(atPath: Self.root.appendingPathComponent("deploy/crds").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "deploy/crds/\($0)" }
        let numbered = try fileManager.contentsOfDirectory(atPath: Self.root.appendingPathComponent("deploy").path)
            .filter { $0.hasSuffix(".yaml") && $0.first?.isNumber == true }.sorted().map { "deploy/\($0)" }
        #expect(
            InstallManifests.files.map(\.path) == crds + numbered,
            "deploy/ has other files than the embedded copy: run scripts/embed-manifests.sh")
        for file in InstallManifests.files {
            let onDisk = try String(contentsOf: Self.root.appendingPathComponent(file.path), encoding: .utf8)
            #expect(
                file.text == onDisk,
                "\(file.path) differs from its embedded copy: run scripts/embed-manifests.sh")
        }
    }

    @Test("the embedded manifests hold the CRD, namespace, service account, RBAC, Deployment and Service")
    func objects() throws {
        let client = try KubernetesClient(
            connection: ClusterConnection(
                server: "https://127.0.0.1:1",
                credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: "x")), namespace: "default"))
        let objects = try Installer(client: client).objects()
        #expect(
            objects.map(\.kind) == [
                "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                "RoleBinding", "Deployment", "Service",
            ])
        #expect(objects.allSatisfy { $0.metadata.namespace == nil || $0.metadata.namespace == "kaito-system" })
    }
}

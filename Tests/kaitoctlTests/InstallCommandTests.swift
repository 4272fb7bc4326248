import Foundation
import KaitoCore
import KaitoSim
import KaitoTestSupport
import Testing

extension TestCluster.Options {
    /// The install tests' cluster: a fresh cluster without `kaito-system`, `install-admin` (system:masters) and
    /// `install-reader`, who may only get, list and watch.
    static var install: Self {
        Self(
            store: APIStore.Configuration(), adminToken: "install-admin",
            users: ["install-reader": SimUser(name: "reader")],
            rules: ["reader": [SimPolicyRule(verbs: ["get", "list", "watch"])]])
    }
}

extension TestCluster {
    /// A kubeconfig of `reader` (see ``TestCluster/Options/install``).
    var readerKubeconfig: URL {
        get throws { try writeKubeconfig(token: "install-reader", name: "reader-kubeconfig") }
    }

    /// Runs kaitoctl off the concurrency pool (the in-process server needs it), with this server's kubeconfig.
    func kaitoctl(_ arguments: String..., kubeconfig: URL? = nil) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try await runKaitoctlOffPool(arguments + ["--kubeconfig", (kubeconfig ?? self.kubeconfig).path])
    }
}

/// ``runKaitoctl(_:stdin:in:timeout:)`` on a dispatch thread, so the waiting does not block a concurrency thread.
func runKaitoctlOffPool(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runKaitoctl(arguments) })
        }
    }
}

let installLines = [
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

extension KaitoctlCLITests {
    @Suite("kaitoctl install / uninstall")
    struct InstallCommandTests {
        @Test("install prints one kubectl-style line per object, then what to do next; again: unchanged")
        func install() async throws {
            try await TestCluster.run(.install) { sim in
                let first = try await sim.kaitoctl("install")
                expectNoCrash(first)
                #expect(first.status == 0, "\(first.stderr)")
                let lines = outputLines(first.stdout)
                #expect(Array(lines.dropLast()) == installLines.map { "\($0) created" })
                #expect(lines.last?.hasPrefix("Installed. Next:") == true)

                let second = try await sim.kaitoctl("install")
                #expect(second.status == 0)
                #expect(Array(outputLines(second.stdout).dropLast()) == installLines.map { "\($0) unchanged" })

                let changed = try await sim.kaitoctl("install", "--provisioner", "nodeclaim")
                #expect(changed.status == 0)
                #expect(outputLines(changed.stdout).contains("deployment.apps/kaito-controller configured"))
                #expect(outputLines(changed.stdout).filter { $0.hasSuffix(" configured") }.count == 1)
            }
        }

        @Test("install --dry-run prints '(server dry run)' lines; uninstall keeps the CRD; --delete-crds warns")
        func dryRunAndUninstall() async throws {
            try await TestCluster.run(.install) { sim in
                let preview = try await sim.kaitoctl("install", "--dry-run")
                #expect(preview.status == 0, "\(preview.stderr)")
                let previewLines = Array(outputLines(preview.stdout).dropLast())
                #expect(previewLines == installLines.map { "\($0) created (server dry run)" })
                let nothing = try await sim.kaitoctl("uninstall")
                #expect(nothing.status == 0, "\(nothing.stderr)")
                #expect(outputLines(nothing.stdout).dropLast().allSatisfy { $0.hasSuffix(" not found") })

                #expect(try await sim.kaitoctl("install").status == 0)
                let removed = try await sim.kaitoctl("uninstall")
                #expect(removed.status == 0, "\(removed.stderr)")
                let lines = outputLines(removed.stdout)
                #expect(Array(lines.dropLast()) == installLines.reversed().dropLast().map { "\($0) deleted" })
                let crd = "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh"
                #expect(lines.last?.hasPrefix("\(crd) kept") == true)

                let crds = try await sim.kaitoctl("uninstall", "--delete-crds")
                #expect(crds.status == 0, "\(crds.stderr)")
                #expect(crds.stderr.contains("warning: deleting the Workspace CRD deletes every Workspace"))
                #expect(outputLines(crds.stdout).last == "\(crd) deleted")
            }
        }

        @Test("a user who may not write: exit 1 with the server's forbidden message")
        func forbidden() async throws {
            try await TestCluster.run(.install) { sim in
                let result = try await sim.kaitoctl("install", kubeconfig: sim.readerKubeconfig)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stderr.contains("forbidden"), "\(result.stderr)")
            }
        }

        @Test("an unreachable cluster exits 4, for install and uninstall")
        func unreachable() async throws {
            try await withTemporaryDirectoryAsync { directory in
                let kubeconfig = directory.appendingPathComponent("kubeconfig")
                try SimKubeconfig(server: "https://127.0.0.1:1", credential: .token("nobody")).write(to: kubeconfig)
                for command in ["install", "uninstall"] {
                    let result = try await runKaitoctlOffPool([command, "--kubeconfig", kubeconfig.path])
                    expectNoCrash(result)
                    #expect(result.status == 4, "\(command): \(result.stderr)")
                    #expect(!result.stderr.isEmpty)
                }
            }
        }

        @Test("an unknown provisioner is a usage error (exit 2)")
        func badProvisioner() async throws {
            let result = try await runKaitoctlOffPool(["install", "--provisioner", "karpenter"])
            #expect(result.status == 2)
            #expect(result.stderr.contains("--provisioner"))
        }
    }
}

/// A fresh temporary directory for an async body, removed afterwards.
func withTemporaryDirectoryAsync(_ body: (URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaitoctlTests-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(directory)
}

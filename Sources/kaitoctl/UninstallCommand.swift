import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

/// `kaitoctl uninstall`: deletes what `kaitoctl install` created, keeping the CRD unless asked.
struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract:
            "Remove the kaito-swift operator; keeps the Workspace CRD (and every Workspace) unless --delete-crds.",
        discussion: """
            Deletes, in reverse install order, the metrics Service, the controller Deployment, the RBAC, the service \
            account and the namespace (kaito-system unless -n is given). Prints one line per object: deleted or not \
            found. The Workspace CRD is kept; --delete-crds deletes it too, and with it every Workspace in the \
            cluster (and so their GPU nodes and inference Deployments).

            \(exitCodeHelp)
            """)

    @Flag(help: "Also delete the Workspace CRD: this deletes EVERY Workspace in the cluster.")
    var deleteCrds = false

    @Flag(help: "Server-side dry run: the API server checks every delete and removes nothing.")
    var dryRun = false

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let (client, _) = try cluster.connect()
        let namespace = cluster.namespace ?? Installer.Options.defaultNamespace
        let installer = Installer(
            client: client, options: Installer.Options(namespace: namespace, dryRun: dryRun, deleteCRDs: deleteCrds))
        try await withClusterErrors {
            if deleteCrds {
                let count = try await installer.workspaceCount()
                Console.error([
                    "warning: deleting the Workspace CRD deletes every Workspace in the cluster "
                        + "(\(count) now), with their inference workloads and GPU nodes"
                ])
            }
            try await installer.uninstall { result in
                if result.outcome == .kept {
                    Console.out("\(result.object) kept (--delete-crds deletes it and every Workspace)")
                } else {
                    Console.out(result.description)
                }
            }
        }
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

extension WorkspaceCommand {
    /// `kaitoctl workspace delete NAME [--wait] [--timeout]`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a workspace; the operator removes its workload and node claims.",
            discussion: """
                With --wait, the command follows the workspace until it is gone (exit 0) or --timeout passes \
                (exit 3).

                Example:
                  kaitoctl workspace delete falcon-7b --wait

                \(exitCodeHelp)
                """
        )

        @Argument(help: "The workspace.")
        var name: String

        @OptionGroup var waiting: WaitOptions
        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let (workspaces, namespace) = try cluster.workspaces()
            let deletion = try await withClusterErrors { try await workspaces.delete(name, namespace: namespace) }
            guard waiting.wait, case .pending(let finalizers) = deletion else {
                Console.out("\(WorkspaceFormat.reference(name)) deleted")
                return
            }
            Console.out(
                "waiting for workspace \(name) to be deleted"
                    + (finalizers.isEmpty ? "" : " (finalizers: \(finalizers.joined(separator: ", ")))"))
            try await ProgressPrinter().spinning("waiting for workspace \(name) to be deleted") {
                try await withClusterErrors(timeout: waiting.timeout) {
                    try await workspaces.waitUntilDeleted(name, namespace: namespace, timeout: waiting.timeout.duration)
                }
            }
            Console.out("\(WorkspaceFormat.reference(name)) deleted")
        }
    }
}

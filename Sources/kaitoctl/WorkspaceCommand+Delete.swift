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
            let (client, namespace) = try cluster.connect()
            let remaining: KubernetesObject?
            do {
                remaining = try await client.resource(.workspaces).delete(name, namespace: namespace)
            } catch let error as KubernetesError where error.isNotFound {
                throw WorkspaceFormat.notFound(name, namespace: namespace)
            } catch let error as KubernetesError {
                throw CLIError.cluster(error)
            }
            guard waiting.wait, remaining != nil else {
                Console.out("\(WorkspaceFormat.reference(name)) deleted")
                return
            }
            let finalizers = remaining?.metadata.finalizers ?? []
            Console.out(
                "waiting for workspace \(name) to be deleted"
                    + (finalizers.isEmpty ? "" : " (finalizers: \(finalizers.joined(separator: ", ")))"))
            let waiter = WorkspaceWaiter(client: client, name: name, namespace: namespace, timeout: waiting.timeout)
            try await waiter.waitForDeletion()
            Console.out("\(WorkspaceFormat.reference(name)) deleted")
        }
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s

/// `--kubeconfig`, `--context`, `-n/--namespace`, `-v`: how a command finds and talks to the cluster.
struct ClusterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).", valueName: "file")
    )
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (default: its current-context).")
    var context: String?

    @Option(name: .shortAndLong, help: "The namespace (default: the context's namespace, else default).")
    var namespace: String?

    @Flag(name: .shortAndLong, help: "Log each request to the cluster on standard error (credentials redacted).")
    var verbose = false

    /// A client for the chosen cluster and the namespace commands act in.
    /// - Throws: ``CLIError`` with exit status 4 naming the kubeconfig problem.
    func connect(userAgent: String = KubernetesClientOptions.userAgent(program: "kaitoctl", version: Kaitoctl.version))
        throws -> (client: KubernetesClient, namespace: String)
    {
        let connection: ClusterConnection
        do {
            connection = try KubeconfigLoader().load(kubeconfig: kubeconfig, context: context, namespace: namespace)
        } catch let error as KubeconfigError {
            throw CLIError(error.description, status: .cluster)
        } catch let error as KubernetesError {
            throw CLIError(error.message, status: .cluster)
        }
        // A person is waiting: give up on an unreachable server after about a second instead of backing off.
        var options = KubernetesClientOptions(
            userAgent: userAgent,
            retry: RetryPolicy(maxRetries: 2, initialBackoff: .milliseconds(200), maxBackoff: .seconds(2)))
        if verbose {
            options.requestLog = { line in Console.error([line]) }
        }
        do {
            return (try KubernetesClient(connection: connection, options: options), connection.namespace)
        } catch let error as KubernetesError {
            throw CLIError(error.message, status: .cluster)
        }
    }
}

extension CLIError {
    /// The user-facing form of a failed cluster request: unreachable servers and refused credentials exit 4,
    /// validation refusals (422) exit 2, anything else the server refused exits 1.
    static func cluster(_ error: KubernetesError) -> CLIError {
        switch error.kind {
        case .unreachable, .credentials:
            return CLIError(error.message, status: .cluster)
        case .status where error.isUnauthorized:
            return CLIError(error.message, status: .cluster)
        case .status where error.isInvalid:
            let causes = error.status?.causes ?? []
            if causes.isEmpty { return CLIError(error.message, status: .usage) }
            return CLIError(
                lines: causes.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }, status: .usage)
        default:
            return CLIError(error.message, status: .failure)
        }
    }
}

/// Runs `body`, turning a `KubernetesError` or `WorkspaceError` into the matching ``CLIError``; `timeout` is the
/// `--timeout` the body waited with.
@discardableResult
func withClusterErrors<T>(timeout: WaitTimeout? = nil, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as KubernetesError {
        throw CLIError.cluster(error)
    } catch let error as WorkspaceError {
        throw CLIError.workspace(error, timeout: timeout)
    }
}

extension ClusterOptions {
    /// The workspace API for the chosen cluster, and the namespace commands act in.
    func workspaces() throws -> (workspaces: WorkspaceClient, namespace: String) {
        let (client, namespace) = try connect()
        return (WorkspaceClient(client: client), namespace)
    }
}

import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s
import KaitoSim
import KaitoTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kaitoctl tests' cluster, to run the built `kaitoctl` against as a user would: ``TestCluster`` over TLS,
/// the simulated GPU fleet, a kubeconfig file, and the built `kaito-controller` when a test starts it.
///
/// ```swift
/// try await ClusterHarness.run { cluster in
///     _ = try await cluster.startController().waitForStartup()
///     let result = try await cluster.kaitoctl(["workspace", "get"])
/// }
/// ```
typealias ClusterHarness = TestCluster

extension TestCluster {
    /// The admin token in the kubeconfig.
    static let token = "kaitoctl-tests-admin-token"

    /// Starts the server (with the fleet unless `fleet` is false), runs `body`, then stops everything.
    static func run<T: Sendable>(fleet: Bool = true, _ body: (TestCluster) async throws -> T) async throws -> T {
        let options = Options(
            fleet: fleet ? FleetConfiguration() : nil, adminToken: token, clientOptions: KubernetesClientOptions(qps: 0)
        )
        return try await run(options, body)
    }

    /// Runs the built `kaitoctl` with `--kubeconfig` pointing at this cluster (unless `kubeconfig` is false).
    func kaitoctl(_ arguments: [String], kubeconfig useKubeconfig: Bool = true, timeout: Double = 120) async throws
        -> ChildProcess.Result
    {
        try await runBuiltKaitoctl(
            arguments + (useKubeconfig ? ["--kubeconfig", kubeconfig.path] : []), in: directory, timeout: timeout)
    }

    /// Writes `text` into this run's folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        try write(text, to: name, permissions: 0o644)
    }

    /// Writes a kubeconfig for this server with another token (for wrong credentials) and returns its path.
    func kubeconfig(token: String, name: String) throws -> String {
        try writeKubeconfig(token: token, name: name).path
    }
}

/// Runs the built `kaitoctl` without blocking a Swift concurrency thread; no KUBECONFIG from the environment.
func runBuiltKaitoctl(_ arguments: [String], in directory: URL, timeout: Double = 120) async throws
    -> ChildProcess.Result
{
    var environment = ProcessInfo.processInfo.environment
    environment["KUBECONFIG"] = nil
    environment["HOME"] = directory.path
    return try await ChildProcess.run(
        try KaitoctlBinary.url().path, arguments, environment: environment,
        in: directory.appendingPathComponent("run"), timeoutSeconds: timeout)
}

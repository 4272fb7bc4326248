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

/// A simulated cluster for running the built `kaitoctl` against, as a user would: KaitoSim in this process over
/// TLS (a fresh CA), the simulated GPU fleet, a kubeconfig file, and optionally the built `kaito-controller`.
///
/// ```swift
/// try await ClusterHarness.run { cluster in
///     try await cluster.startController()
///     let result = try await cluster.kaitoctl(["workspace", "get"])
/// }
/// ```
struct ClusterHarness: Sendable {
    let server: SimServer
    let store: APIStore
    /// A folder for this run (kubeconfig, PKI, logs, manifests); removed afterwards.
    let directory: URL
    /// The kubeconfig kaitoctl and the controller use (admin token, the CA).
    let kubeconfig: URL
    /// A client for the test's own checks.
    let client: KubernetesClient
    /// The controller, once started.
    let controller: Locked<HarnessController?>

    static let token = "kaitoctl-tests-admin-token"

    /// Starts the server (with the fleet unless `fleet` is false), runs `body`, then stops everything.
    static func run<T: Sendable>(
        fleet: Bool = true, _ body: (ClusterHarness) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaitoctl-cluster-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pki = try SimPKI.generate(in: directory.appendingPathComponent("pki"))
        let store = APIStore(
            configuration: APIStore.Configuration(
                initialNamespaces: ["default", "kube-system", "kube-public", "kube-node-lease", "kaito-system"]),
            clock: SystemClock(), identifiers: RandomIdentifierSource())
        var configuration = SimServer.Configuration()
        configuration.tls = try pki.serverTLS(verifyClients: false)
        configuration.authentication.tokens[token] = SimUser(name: "admin", groups: ["system:masters"])
        configuration.authentication.anonymousEnabled = false
        var fleetTask: Task<Void, Never>?
        if fleet {
            let simulator = FleetSimulator(store: store)
            configuration.faults = simulator
            fleetTask = Task { await simulator.run() }
        }
        defer { fleetTask?.cancel() }
        let caPEM = try pki.data(atPath: pki.caCertificatePath)
        let box = Locked<HarnessController?>(nil)
        let result: T = try await SimServer.withServer(store: store, configuration: configuration) { server in
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            try SimKubeconfig(server: server.url, certificateAuthorityPEM: caPEM, credential: .token(token))
                .write(to: kubeconfig)
            let client = try KubernetesClient(
                connection: ClusterConnection(
                    server: server.url,
                    tls: HTTPClientConfiguration.TLSConfiguration(trustRoots: .file(path: pki.caCertificatePath)),
                    credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: token)),
                    namespace: "default"),
                options: KubernetesClientOptions(qps: 0))
            let harness = ClusterHarness(
                server: server, store: store, directory: directory, kubeconfig: kubeconfig, client: client,
                controller: box)
            defer { box.value?.stop() }
            return try await body(harness)
        }
        return result
    }

    /// Starts the built `kaito-controller` against this cluster and waits until it reports it started.
    func startController(_ extra: [String] = []) async throws {
        let arguments = [
            "--kubeconfig", kubeconfig.path, "--metrics-bind-address", "127.0.0.1:0",
            "--health-probe-bind-address", "127.0.0.1:0",
        ] + extra
        let process = try HarnessController.start(arguments, directory: directory.appendingPathComponent("logs"))
        controller.value = process
        try await process.waitForLog(containing: "kaito-controller started:")
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
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Writes a kubeconfig for this server with another token (for wrong credentials) and returns its path.
    func kubeconfig(token: String, name: String) throws -> String {
        let original = try String(contentsOf: kubeconfig, encoding: .utf8)
        let url = directory.appendingPathComponent(name)
        try Data(original.replacingOccurrences(of: Self.token, with: token).utf8).write(to: url)
        return url.path
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

/// The built `kaito-controller`, running; its log goes to a file.
final class HarnessController: @unchecked Sendable {
    let process: Process
    let logURL: URL

    private init(process: Process, logURL: URL) {
        self.process = process
        self.logURL = logURL
    }

    static func start(_ arguments: [String], directory: URL) throws -> HarnessController {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = try builtExecutable("kaito-controller")
        let logURL = directory.appendingPathComponent("controller-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["KUBECONFIG", "SYSTEM_NAMESPACE", "RELEASE_NAMESPACE", "CLOUD_PROVIDER", "PRESET_REGISTRY_NAME"] {
            environment[name] = nil
        }
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return HarnessController(process: process, logURL: logURL)
    }

    var log: String { String(decoding: (try? Data(contentsOf: logURL)) ?? Data(), as: UTF8.self) }

    func waitForLog(containing text: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.contains(text) { return }
            if !process.isRunning {
                throw KaitoctlRunError(description: "kaito-controller exited before logging \"\(text)\":\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KaitoctlRunError(description: "kaito-controller did not log \"\(text)\" in \(timeout):\n\(log)")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// An executable SwiftPM built next to `kaitoctl`.
func builtExecutable(_ name: String) throws -> URL {
    let candidate = try KaitoctlBinary.url().deletingLastPathComponent().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
        throw KaitoctlRunError(description: "\(name) was not found next to kaitoctl at \(candidate.path); run swift build")
    }
    return candidate
}

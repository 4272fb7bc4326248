import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s
import KaitoSim
import KaitoTestSupport

/// A KaitoSim API server in this process (HTTPS on 127.0.0.1 with the shared test CA, bearer token `admin`),
/// optionally with the
/// simulated fleet, plus a kubeconfig file for it, for running the built `kaito-controller` against.
///
/// ```swift
/// try await ControllerSim.run { sim in
///     let controller = try sim.startController(["--leader-elect"])
///     …
/// }
/// ```
struct ControllerSim: Sendable {
    let server: SimServer
    let store: APIStore
    /// The simulated fleet (claims become nodes, workloads get running pods), when started with one.
    let fleet: FleetSimulator?
    /// A folder for this run: kubeconfig, controller logs. Removed afterwards.
    let directory: URL
    /// The kubeconfig the controller is started with.
    let kubeconfig: URL
    /// A client for the test's own checks.
    let client: KubernetesClient

    /// The namespace the controller runs in (leader election Lease).
    static let systemNamespace = "kaito-system"
    /// The admin token in the kubeconfig.
    static let token = "controller-tests-admin-token"
    /// The controller's service-account user, when a run authorizes it with RBAC-like rules.
    static let controllerUser = "system:serviceaccount:kaito-system:kaito-controller"
    /// The controller's token, when a run authorizes it with RBAC-like rules.
    static let controllerToken = "controller-tests-service-account-token"

    /// Starts a server (with the fleet unless `fleet` is false), runs `body`, stops the fleet and the server.
    ///
    /// With `controllerRules`, the kubeconfig the controller gets authenticates as the controller's service
    /// account (`controllerToken`), which the server authorizes with exactly those rules, as RBAC would.
    /// `extraAdmins` maps more tokens to admin user names (see ``writeKubeconfig(token:name:)``); `requestLog`
    /// receives one line per request: `METHOD URI CODE USER`.
    static func run<T: Sendable>(
        fleet: Bool = true, gpuNodes: Int = 0, instanceType: String = "Standard_NC12s_v3",
        controllerRules: [SimPolicyRule]? = nil, extraAdmins: [String: String] = [:],
        requestLog: (@Sendable (String) -> Void)? = nil,
        _ body: (ControllerSim) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kaito-controller-tests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = APIStore(
            configuration: APIStore.Configuration(
                initialNamespaces: ["default", "kube-system", "kube-public", "kube-node-lease", systemNamespace]),
            clock: SystemClock(), identifiers: RandomIdentifierSource())
        if gpuNodes > 0 { try await store.seedGPUNodes(count: gpuNodes, instanceType: instanceType) }
        let pki = try TestPKI.shared()
        var configuration = SimServer.Configuration()
        configuration.tls = try pki.serverTLS(verifyClients: false)
        configuration.authentication.tokens[token] = SimUser(name: "admin", groups: ["system:masters"])
        configuration.authentication.anonymousEnabled = false
        configuration.requestLog = requestLog
        for (token, user) in extraAdmins {
            configuration.authentication.tokens[token] = SimUser(name: user, groups: ["system:masters"])
        }
        if let controllerRules {
            configuration.authentication.tokens[controllerToken] = SimUser(name: controllerUser)
            configuration.authorization.rules[controllerUser] = controllerRules
        }
        var simulator: FleetSimulator?
        var fleetTask: Task<Void, Never>?
        if fleet {
            let running = FleetSimulator(store: store)
            configuration.faults = running
            simulator = running
            fleetTask = Task { await running.run() }
        }
        defer { fleetTask?.cancel() }
        return try await SimServer.withServer(store: store, configuration: configuration) { server in
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            try SimKubeconfig(
                server: server.url, certificateAuthorityPEM: try pki.data(atPath: pki.caCertificatePath),
                credential: .token(controllerRules == nil ? token : controllerToken)
            ).write(to: kubeconfig)
            let client = try KubernetesClient(
                connection: ClusterConnection(
                    server: server.url,
                    tls: HTTPClientConfiguration.TLSConfiguration(trustRoots: .file(path: pki.caCertificatePath)),
                    credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: token)),
                    namespace: "default"),
                options: KubernetesClientOptions(qps: 0))
            let sim = ControllerSim(
                server: server, store: store, fleet: simulator, directory: directory, kubeconfig: kubeconfig,
                client: client)
            return try await body(sim)
        }
    }

    /// Arguments every test controller gets: this kubeconfig, free ports on 127.0.0.1, and (for `--leader-elect`)
    /// the Lease in `kaito-system` with short timings (4 s lease, 3 s renew deadline, 0.2 s retry).
    func controllerArguments(_ extra: [String] = [], kubeconfig: URL? = nil) -> [String] {
        [
            "--kubeconfig", (kubeconfig ?? self.kubeconfig).path, "--metrics-bind-address", "127.0.0.1:0",
            "--health-probe-bind-address", "127.0.0.1:0", "--leader-election-namespace", Self.systemNamespace,
            "--leader-election-lease-duration", "4", "--leader-election-renew-deadline", "3",
            "--leader-election-retry-period", "0.2",
        ] + extra
    }

    /// Starts the built `kaito-controller` against this server.
    func startController(_ extra: [String] = [], environment: [String: String] = [:], kubeconfig: URL? = nil) throws
        -> ControllerProcess
    {
        try ControllerProcess.start(
            controllerArguments(extra, kubeconfig: kubeconfig), environment: environment,
            directory: directory.appendingPathComponent("logs"))
    }

    /// Writes another kubeconfig for this server that authenticates with `token`, and returns its location.
    func writeKubeconfig(token: String, name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let pki = try TestPKI.shared()
        try SimKubeconfig(
            server: server.url, certificateAuthorityPEM: try pki.data(atPath: pki.caCertificatePath),
            credential: .token(token)
        ).write(to: url)
        return url
    }

    /// The leader election Lease, when it exists.
    func lease(_ name: String = "ef60f9b0.io") async throws -> Lease? {
        do {
            return try await client.resource(Lease.self).get(name, namespace: Self.systemNamespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }
}

public import Foundation
import KaitoCore
public import KaitoHTTP
public import KaitoK8s
public import KaitoSim

/// A KaitoSim API server in this test process on 127.0.0.1, with what a test needs to reach it: a folder, a
/// kubeconfig file, an admin client, optionally the simulated GPU fleet. The one harness every test target
/// starts a simulator with; targets add their own helpers (run kaitoctl, start kaito-controller) as extensions.
///
/// ```swift
/// try await TestCluster.run(TestCluster.Options(fleet: FleetConfiguration())) { cluster in
///     let workspaces = try await cluster.client.resource(.workspaces).list()
/// }
/// ```
public struct TestCluster: Sendable {
    /// How the server speaks.
    public enum TLS: Sendable {
        /// Plain HTTP.
        case none
        /// TLS with the CA every test of this process shares (``TestPKI``): costs nothing.
        case shared
        /// TLS with a CA made for this cluster, whose client certificate is for `clientUser` in `clientGroups`.
        case fresh(clientUser: String = "kaito-admin", clientGroups: [String] = ["system:masters"])
    }

    /// The store's clock.
    public enum ClockKind: Sendable {
        /// Real time.
        case system
        /// ``TestCluster/clock``, which only the test moves.
        case manual
    }

    /// How the cluster is set up.
    public struct Options: Sendable {
        /// How the server speaks.
        public var tls: TLS
        /// Ask for and verify client certificates (with TLS).
        public var verifyClientCertificates: Bool
        /// The store's clock.
        public var clock: ClockKind
        /// Seeded identifiers (uids, generated names) for reproducible objects; `nil` for random ones.
        public var identifierSeed: UInt64?
        /// The store's settings (initial namespaces, event window, bootstrap controllers, …).
        public var store: APIStore.Configuration
        /// Run the simulated fleet (claims become nodes, workloads get running pods) with these settings.
        public var fleet: FleetConfiguration?
        /// GPU nodes that exist from the start, and their instance type.
        public var gpuNodes: Int
        /// The instance type of the ``gpuNodes``.
        public var gpuInstanceType: String
        /// The bearer token of `admin` (group `system:masters`), in the kubeconfig and the client.
        public var adminToken: String
        /// The token ``TestCluster/kubeconfig`` authenticates with instead of the admin's (a service account's,
        /// say, which ``users`` and ``rules`` define).
        public var kubeconfigToken: String?
        /// Whether requests without credentials are served as `system:anonymous`.
        public var anonymous: Bool
        /// More bearer tokens and their users.
        public var users: [String: SimUser]
        /// RBAC-like rules per user name (users without rules may do everything unless the server says otherwise).
        public var rules: [String: [SimPolicyRule]]
        /// Receives one line per request: `METHOD URI CODE USER`.
        public var requestLog: (@Sendable (String) -> Void)?
        /// The options of ``TestCluster/client``.
        public var clientOptions: KubernetesClientOptions

        /// Creates options; the defaults are a cluster as `kubeadm` leaves it (the usual namespaces plus
        /// `kaito-system`), shared TLS, real time, random identifiers, no fleet, no anonymous access.
        public init(
            tls: TLS = .shared, verifyClientCertificates: Bool = false, clock: ClockKind = .system,
            identifierSeed: UInt64? = nil,
            store: APIStore.Configuration = APIStore.Configuration(
                initialNamespaces: ["default", "kube-system", "kube-public", "kube-node-lease", "kaito-system"]),
            fleet: FleetConfiguration? = nil, gpuNodes: Int = 0, gpuInstanceType: String = "Standard_NC12s_v3",
            adminToken: String = TestCluster.defaultAdminToken, kubeconfigToken: String? = nil,
            anonymous: Bool = false,
            users: [String: SimUser] = [:], rules: [String: [SimPolicyRule]] = [:],
            requestLog: (@Sendable (String) -> Void)? = nil,
            clientOptions: KubernetesClientOptions = TestCluster.fastClientOptions
        ) {
            self.tls = tls
            self.verifyClientCertificates = verifyClientCertificates
            self.clock = clock
            self.identifierSeed = identifierSeed
            self.store = store
            self.fleet = fleet
            self.gpuNodes = gpuNodes
            self.gpuInstanceType = gpuInstanceType
            self.adminToken = adminToken
            self.kubeconfigToken = kubeconfigToken
            self.anonymous = anonymous
            self.users = users
            self.rules = rules
            self.requestLog = requestLog
            self.clientOptions = clientOptions
        }
    }

    /// The admin token unless the options name another.
    public static let defaultAdminToken = "admin-token"

    /// Client options for tests: no rate limit and short backoffs, so retries finish quickly.
    public static var fastClientOptions: KubernetesClientOptions {
        KubernetesClientOptions(
            qps: 0, retry: RetryPolicy(maxRetries: 4, initialBackoff: .milliseconds(10), maxBackoff: .seconds(2)))
    }

    /// The running server.
    public let server: SimServer
    /// Its object store.
    public let store: APIStore
    /// The store's clock with ``ClockKind/manual`` (otherwise the store keeps real time and this is unused).
    public let clock: ManualClock
    /// The fleet, when running.
    public let fleet: FleetSimulator?
    /// The TLS material when the server speaks TLS: CA, server and a client certificate.
    public let pki: SimPKI?
    /// A folder for this run (kubeconfigs, logs, the test's files), removed afterwards.
    public let directory: URL
    /// A kubeconfig for this server as `admin` (bearer token, the CA embedded), or with
    /// ``Options/kubeconfigToken``.
    public let kubeconfig: URL
    /// The admin's bearer token.
    public let adminToken: String
    /// A client as `admin`.
    public let client: KubernetesClient
    private let cleanups: Locked<[@Sendable () -> Void]>

    /// `https://127.0.0.1:PORT` or `http://…`.
    public var url: String { server.url }

    /// Starts the cluster, runs `body`, then stops what the test started (``onStop(_:)``), the fleet and the
    /// server, and removes the folder.
    /// - Parameter configure: Changes the server configuration (faults, live tokens, …) before it starts.
    public static func run<T: Sendable>(
        _ options: Options, configure: (inout SimServer.Configuration) -> Void = { _ in },
        _ body: (TestCluster) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-test-cluster-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        let identifiers: any IdentifierSource =
            options.identifierSeed.map { SeededIdentifierSource(seed: $0) } ?? RandomIdentifierSource()
        let storeClock: any SimulationClock = options.clock == .manual ? clock : SystemClock()
        let store = APIStore(configuration: options.store, clock: storeClock, identifiers: identifiers)
        if options.gpuNodes > 0 {
            try await store.seedGPUNodes(count: options.gpuNodes, instanceType: options.gpuInstanceType)
        }
        var configuration = SimServer.Configuration()
        var pki: SimPKI?
        switch options.tls {
        case .none: pki = nil
        case .shared: pki = try TestPKI.shared()
        case .fresh(let user, let groups):
            pki = try SimPKI.generate(
                in: directory.appendingPathComponent("pki"), clientUser: user, clientGroups: groups)
        }
        if let pki { configuration.tls = try pki.serverTLS(verifyClients: options.verifyClientCertificates) }
        configuration.authentication.tokens[options.adminToken] = SimUser(name: "admin", groups: ["system:masters"])
        configuration.authentication.anonymousEnabled = options.anonymous
        for (token, user) in options.users { configuration.authentication.tokens[token] = user }
        for (user, rules) in options.rules { configuration.authorization.rules[user] = rules }
        configuration.requestLog = options.requestLog
        var fleet: FleetSimulator?
        if let fleetConfiguration = options.fleet {
            fleet = FleetSimulator(store: store, configuration: fleetConfiguration)
            configuration.faults = fleet
        }
        configure(&configuration)
        let fleetTask = fleet.map { simulator in Task { await simulator.run() } }
        defer { fleetTask?.cancel() }
        let cleanups = Locked<[@Sendable () -> Void]>([])
        return try await SimServer.withServer(store: store, configuration: configuration) { server in
            defer { for cleanup in cleanups.value.reversed() { cleanup() } }
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            let caPEM = try pki.map { try $0.data(atPath: $0.caCertificatePath) }
            try SimKubeconfig(
                server: server.url, certificateAuthorityPEM: caPEM,
                credential: .token(options.kubeconfigToken ?? options.adminToken)
            ).write(to: kubeconfig)
            let tls = pki.map {
                HTTPClientConfiguration.TLSConfiguration(trustRoots: .file(path: $0.caCertificatePath))
            }
            let client = try KubernetesClient(
                connection: ClusterConnection(
                    server: server.url, tls: tls ?? HTTPClientConfiguration.TLSConfiguration(),
                    credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: options.adminToken)),
                    namespace: "default"),
                options: options.clientOptions)
            let cluster = TestCluster(
                server: server, store: store, clock: clock, fleet: fleet, pki: pki, directory: directory,
                kubeconfig: kubeconfig, adminToken: options.adminToken, client: client, cleanups: cleanups)
            return try await body(cluster)
        }
    }

    /// Runs `cleanup` when the cluster stops (before the server does), last registered first.
    public func onStop(_ cleanup: @escaping @Sendable () -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// The TLS settings that trust this server's CA (system roots for plain HTTP).
    public var trustingTLS: HTTPClientConfiguration.TLSConfiguration {
        guard let pki else { return HTTPClientConfiguration.TLSConfiguration() }
        return HTTPClientConfiguration.TLSConfiguration(trustRoots: .file(path: pki.caCertificatePath))
    }

    /// A connection as `admin` (bearer token) unless other credentials are given.
    public func connection(
        credentials: (any CredentialProvider)? = nil, namespace: String = "default"
    ) -> ClusterConnection {
        ClusterConnection(
            server: url, tls: trustingTLS,
            credentials: credentials ?? StaticCredentialProvider(KubernetesCredential(bearerToken: adminToken)),
            namespace: namespace)
    }

    /// A new client as `admin` with ``fastClientOptions``, unless told otherwise.
    public func client(
        credentials: (any CredentialProvider)? = nil, options: KubernetesClientOptions = TestCluster.fastClientOptions
    ) throws -> KubernetesClient {
        try KubernetesClient(connection: connection(credentials: credentials), options: options)
    }

    /// Writes `text` to a file in the folder and returns its path.
    @discardableResult
    public func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: url.path)
        return url.path
    }

    /// Writes another kubeconfig for this server that authenticates with `token`, and returns its location.
    public func writeKubeconfig(token: String, name: String) throws -> URL {
        try writeKubeconfig(credential: .token(token), name: name)
    }

    /// Writes another kubeconfig for this server with `credential`, and returns its location.
    public func writeKubeconfig(credential: SimKubeconfig.Credential, name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try SimKubeconfig(
            server: server.url, certificateAuthorityPEM: try pki.map { try $0.data(atPath: $0.caCertificatePath) },
            credential: credential
        ).write(to: url)
        return url
    }

    /// A kubeconfig that authenticates with the client certificate of a ``TLS/fresh(clientUser:clientGroups:)``
    /// cluster.
    public func writeClientCertificateKubeconfig(name: String) throws -> URL {
        guard let pki else { throw MissingTool(description: "a plain HTTP cluster has no client certificate") }
        return try writeKubeconfig(
            credential: .clientCertificate(
                certificatePEM: try pki.data(atPath: pki.clientCertificatePath),
                keyPEM: try pki.data(atPath: pki.clientKeyPath)),
            name: name)
    }
}

extension TestCluster {
    /// Why a command-line tool a test needs is missing.
    public struct MissingTool: Error, CustomStringConvertible {
        /// What is missing.
        public var description: String
    }

    /// Runs the real `kubectl` against this cluster with `kubeconfig` (default: the admin's), a private home and
    /// cache folder and no proxy; output and errors are trimmed.
    /// - Throws: ``MissingTool`` when kubectl is not on PATH.
    public func runKubectl(_ arguments: [String], kubeconfig: URL? = nil) async throws -> ChildProcess.Result {
        guard let executable = CommandLineTools.kubectl else {
            throw MissingTool(description: "kubectl is not on PATH")
        }
        let kubeconfig = kubeconfig ?? self.kubeconfig
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["KUBECONFIG"] = kubeconfig.path
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] { environment[name] = nil }
        let fullArguments =
            ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path]
            + arguments
        let ran = try await ChildProcess.run(executable, fullArguments, environment: environment, in: directory)
        return ChildProcess.Result(
            status: ran.status, output: ran.output.trimmingCharacters(in: .whitespacesAndNewlines),
            errors: ran.errors.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

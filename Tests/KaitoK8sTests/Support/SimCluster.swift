import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import KaitoTestSupport
import Testing

@testable import KaitoK8s

/// The token of the `admin` user (group `system:masters`) in every harness.
let adminToken = "admin-token"

/// A running ``SimServer`` on 127.0.0.1 (plain HTTP or TLS) with the pieces a KaitoK8s test needs to connect.
struct SimCluster: Sendable {
    let server: SimServer
    let store: APIStore
    let clock: ManualClock
    /// The TLS material when the server speaks TLS: CA, server and a client certificate (user `kaito-admin`,
    /// group `system:masters`).
    let pki: SimPKI?
    /// A folder for the test's own files (kubeconfigs, token files), removed afterwards.
    let directory: URL

    /// `https://127.0.0.1:PORT` or `http://…`.
    var url: String { server.url }

    /// Starts a server, runs `body`, stops the server and removes the folder.
    ///
    /// - Parameters:
    ///   - tls: Serve TLS with the shared test CA (``TestPKI``); off serves plain HTTP.
    ///   - verifyClientCertificates: Ask for and verify client certificates (with `tls`).
    ///   - storeConfiguration: The store settings (event window, bookmarks, …).
    ///   - configure: Changes the server configuration (tokens, users, rules, faults) before it starts.
    static func run<T: Sendable>(
        tls: Bool = true,
        verifyClientCertificates: Bool = false,
        // The client tests count a namespace's ConfigMaps: no root-CA publisher, as with envtest's API server.
        storeConfiguration: APIStore.Configuration = APIStore.Configuration(namespaceBootstrapControllers: false),
        configure: (inout SimServer.Configuration) -> Void = { _ in },
        _ body: (SimCluster) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kaitok8s-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        let store = APIStore(
            configuration: storeConfiguration, clock: clock, identifiers: SeededIdentifierSource(seed: 11))
        var configuration = SimServer.Configuration()
        configuration.authentication.tokens[adminToken] = SimUser(name: "admin", groups: ["system:masters"])
        var pki: SimPKI?
        if tls {
            let generated = try TestPKI.shared()
            configuration.tls = try generated.serverTLS(verifyClients: verifyClientCertificates)
            pki = generated
        }
        configure(&configuration)
        return try await SimServer.withServer(store: store, configuration: configuration) { server in
            try await body(SimCluster(server: server, store: store, clock: clock, pki: pki, directory: directory))
        }
    }

    /// The TLS settings that trust this server's CA (system roots for plain HTTP).
    var trustingTLS: HTTPClientConfiguration.TLSConfiguration {
        guard let pki else { return HTTPClientConfiguration.TLSConfiguration() }
        return HTTPClientConfiguration.TLSConfiguration(trustRoots: .file(path: pki.caCertificatePath))
    }

    /// A connection as `admin` (bearer token) unless other credentials are given.
    func connection(
        credentials: any CredentialProvider = StaticCredentialProvider(KubernetesCredential(bearerToken: adminToken)),
        namespace: String = "default"
    ) -> ClusterConnection {
        ClusterConnection(server: url, tls: trustingTLS, credentials: credentials, namespace: namespace)
    }

    /// A client as `admin` with fast retries, unless told otherwise.
    func client(
        credentials: any CredentialProvider = StaticCredentialProvider(KubernetesCredential(bearerToken: adminToken)),
        options: KubernetesClientOptions = SimCluster.testOptions
    ) throws -> KubernetesClient {
        try KubernetesClient(connection: connection(credentials: credentials), options: options)
    }

    /// Client options for tests: no rate limit and short backoffs, so retries finish quickly.
    static var testOptions: KubernetesClientOptions {
        KubernetesClientOptions(
            qps: 0, retry: RetryPolicy(maxRetries: 4, initialBackoff: .milliseconds(10), maxBackoff: .seconds(2)))
    }

    /// Writes `text` to a file in the test folder and returns its path.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: url.path)
        return url.path
    }
}

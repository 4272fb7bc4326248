import KaitoK8s
import KaitoSim
import KaitoTestSupport

/// KaitoK8s' tests run on ``TestCluster`` as an envtest-like API server: a manual clock, seeded identifiers, no
/// namespace bootstrap controllers (the client tests count a namespace's ConfigMaps), anonymous access on.
typealias SimCluster = TestCluster

/// The token of the `admin` user (group `system:masters`).
let adminToken = TestCluster.defaultAdminToken

extension TestCluster {
    /// Starts a cluster for a KaitoK8s test (TLS with the shared test CA unless `tls` is false), runs `body`.
    static func run<T: Sendable>(
        tls: Bool = true, verifyClientCertificates: Bool = false,
        storeConfiguration: APIStore.Configuration = APIStore.Configuration(namespaceBootstrapControllers: false),
        configure: (inout SimServer.Configuration) -> Void = { _ in },
        _ body: (TestCluster) async throws -> T
    ) async throws -> T {
        let options = Options(
            tls: tls ? .shared : .none, verifyClientCertificates: verifyClientCertificates, clock: .manual,
            identifierSeed: 11, store: storeConfiguration, anonymous: true)
        return try await run(options, configure: configure, body)
    }

    /// Client options for tests: no rate limit and short backoffs.
    static var testOptions: KubernetesClientOptions { fastClientOptions }
}

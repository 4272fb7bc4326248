import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s
import KaitoSim
import KaitoTestSupport

/// The controller tests' cluster: ``TestCluster`` over TLS with the shared test CA, bearer token `admin`,
/// optionally the simulated fleet, and a kubeconfig file to run the built `kaito-controller` with.
///
/// ```swift
/// try await ControllerSim.run { sim in
///     let controller = try sim.startController(["--leader-elect"])
///     …
/// }
/// ```
typealias ControllerSim = TestCluster

extension TestCluster {
    /// The namespace the controller runs in (leader election Lease).
    static let systemNamespace = controllerNamespace
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
        _ body: (TestCluster) async throws -> T
    ) async throws -> T {
        var users = extraAdmins.mapValues { SimUser(name: $0, groups: ["system:masters"]) }
        var rules: [String: [SimPolicyRule]] = [:]
        if let controllerRules {
            users[controllerToken] = SimUser(name: controllerUser)
            rules[controllerUser] = controllerRules
        }
        let options = Options(
            fleet: fleet ? FleetConfiguration() : nil, gpuNodes: gpuNodes, gpuInstanceType: instanceType,
            adminToken: token, kubeconfigToken: controllerRules == nil ? nil : controllerToken, users: users,
            rules: rules, requestLog: requestLog, clientOptions: KubernetesClientOptions(qps: 0))
        return try await run(options, body)
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

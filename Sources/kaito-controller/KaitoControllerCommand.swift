import ArgumentParser
import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s
import KaitoOperator
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `kaito-controller`: Kaito's workspace manager. Watches Workspaces and turns them into GPU nodes and
/// inference or tuning workloads.
@main
struct KaitoControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kaito-controller",
        abstract: "Run Kaito's workspace controller: Workspaces become GPU nodes and inference or tuning workloads.",
        discussion: """
            Watches kaito.sh/v1alpha1 Workspaces (in every namespace, or in --namespace) and reconciles them: \
            node claims (gpu-provisioner Machines, Karpenter NodeClaims, or none), Deployments or StatefulSets, \
            Services, tuning Jobs, revisions and status conditions, with Kubernetes Events on the Workspace. \
            Flags and environment variables follow Kaito's manager (v0.3.1). Go-style boolean flags such as \
            --leader-elect=true are accepted.

            Endpoints: /metrics (Prometheus text) on --metrics-bind-address; /healthz (liveness) and /readyz \
            (caches synced; with --leader-elect, a replica waiting for leadership is ready as a standby) on \
            --health-probe-bind-address. Port 0 picks a free port; the bound addresses are logged in one line at \
            start-up. Logs go to standard error; no credential is ever logged.

            Validation of Workspaces is done by the CRD's CEL rules and by the controller, which reports problems \
            in the Workspace's conditions and events: no admission webhook is served, and --webhook is accepted \
            only for compatibility with Kaito's chart.

            SIGTERM or SIGINT stops gracefully: the controller stops taking work, reconciles in progress finish, \
            the leader election Lease is released so a standby takes over at once, and the process exits 0.

            Exit status:
              0  clean stop on SIGTERM or SIGINT
              1  runtime failure: leadership lost, API server unreachable after retries, cannot listen
              2  usage error: bad flag or value, unknown feature gate, bad kubeconfig
            """)

    @Option(help: "Address of the Prometheus metrics endpoint (/metrics): :8080, 127.0.0.1:0, or 0 to disable.")
    var metricsBindAddress = ":8080"

    @Option(help: "Address of the health probes (/healthz, /readyz): :8081, 127.0.0.1:0, or 0 to disable.")
    var healthProbeBindAddress = ":8081"

    @Flag(
        inversion: .prefixedNo,
        help: "Elect a leader with a coordination.k8s.io Lease, so only one replica reconciles at a time.")
    var leaderElect = false

    @Option(
        help: """
            Namespace of the leader election Lease (default: $SYSTEM_NAMESPACE, else $RELEASE_NAMESPACE, else the \
            pod's service account namespace, else kaito-system).
            """)
    var leaderElectionNamespace: String?

    @Option(help: "Name of the leader election Lease (Kaito's leader election ID).")
    var leaderElectionID = LeaderElector.defaultLeaseName

    @Option(help: "Kaito feature gates, NAME=true|false separated by commas. Known gates: Karpenter.")
    var featureGates = "Karpenter=false"

    @Flag(
        inversion: .prefixedNo,
        help: """
            Accepted for compatibility with Kaito's chart and ignored: no admission webhook is served; \
            Workspaces are validated by the CRD's CEL rules and by the controller.
            """)
    var webhook = true

    @Option(help: "Cloud provider: azure or aws (default: $CLOUD_PROVIDER, else azure).")
    var cloudProvider: String?

    @Option(
        help: "Registry of the public preset images (default: $PRESET_REGISTRY_NAME, else mcr.microsoft.com/aks/kaito)."
    )
    var presetRegistry: String?

    @Option(
        help:
            "How GPU nodes are obtained: machine (gpu-provisioner), nodeclaim (Karpenter) or none (bring your own nodes). Karpenter=true means nodeclaim."
    )
    var provisioner = "machine"

    @Option(help: "NodeClaim API version of the cluster's Karpenter: v1beta1 (Kaito v0.3.1) or v1.")
    var nodeClaimVersion = "v1beta1"

    @Option(help: "Path of a kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the pod's service account).")
    var kubeconfig: String?

    @Option(help: "Kubeconfig context to use instead of the current one.")
    var context: String?

    @Option(help: "Only reconcile Workspaces in this namespace (default: every namespace).")
    var namespace: String?

    @Option(help: "How many Workspaces are reconciled at once.")
    var maxConcurrentReconciles = 5

    @Flag(name: .shortAndLong, help: "Log every API request and response (credentials redacted).")
    var verbose = false

    @Option(help: .hidden)
    var leaderElectionLeaseDuration: Double = 15

    @Option(help: .hidden)
    var leaderElectionRenewDeadline: Double = 10

    @Option(help: .hidden)
    var leaderElectionRetryPeriod: Double = 2

    /// Flags that also take Go's `--flag=true|false` form.
    static let booleanFlags: Set<String> = ["leader-elect", "webhook", "verbose"]

    // MARK: - Entry point with Kaito's exit codes

    static func main() async {
        let arguments = normalizeBooleanFlags(Array(CommandLine.arguments.dropFirst()), flags: booleanFlags)
        let command: KaitoControllerCommand
        do {
            command = try parse(arguments)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help
            fail("\(message(for: error)) (see kaito-controller --help)", status: 2)
        }
        do {
            try await command.run()
        } catch let error as UsageError {
            fail(error.description, status: 2)
        } catch let error as KubeconfigError {
            fail(error.description, status: 2)
        } catch {
            fail(String(describing: error), status: 1)
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        let line = message.replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("kaito-controller: error: \(line)\n".utf8))
        terminateProcess(status)
    }

    // MARK: - Run

    func run() async throws {
        let settings = try resolve(environment: .current)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "kaito-controller")
        if !webhook {
            logger.info("--webhook=false: nothing to turn off, no webhook is served")
        }

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let connection = try KubeconfigLoader().load(kubeconfig: kubeconfig, context: context)
        var options = KubernetesClientOptions(
            qps: 20, burst: 30,
            userAgent: KubernetesClientOptions.userAgent(program: "kaito-controller"))
        if verbose {
            let requestLogger = Logger(label: "kaito-controller.api")
            options.requestLog = { line in requestLogger.info("\(line)") }
        }
        let client = try KubernetesClient(connection: connection, options: options)
        var probeOptions = options
        probeOptions.retry = .none
        try await checkConnection(try KubernetesClient(connection: connection, options: probeOptions), logger: logger)

        let health = ControllerHealth(leaderElection: settings.leaderElection != nil)
        let startup = startupSummary(settings)
        var expected: [String] = []
        if settings.metricsAddress != nil { expected.append("metrics") }
        if settings.healthAddress != nil { expected.append("health") }
        let ports = BoundPorts(expected: expected) { bound in
            var parts = [
                bound["metrics"].map { "metrics on \($0) (/metrics)" } ?? "metrics disabled",
                bound["health"].map { "health probes on \($0) (/healthz, /readyz)" } ?? "health probes disabled",
            ]
            parts.append(startup)
            logger.info("kaito-controller started: \(parts.joined(separator: ", "))")
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address = settings.metricsAddress {
            services.append(
                .init(
                    service: NamedServer(
                        server: ProbeServers.metrics(at: address, registry: registry, ports: ports),
                        what: "metrics on \(address)"),
                    serviceName: "metrics server"))
        }
        if let address = settings.healthAddress {
            services.append(
                .init(
                    service: NamedServer(
                        server: ProbeServers.health(at: address, health: health, ports: ports),
                        what: "health probes on \(address)"),
                    serviceName: "health server"))
        }
        // Last, so a graceful shutdown stops it first while the probes still answer.
        services.append(
            .init(
                service: ControllerService(
                    client: client, configuration: settings.controller, leaderElection: settings.leaderElection,
                    health: health, observer: MetricsControllerObserver(),
                    events: KubernetesEventRecorder(client: client, logger: Logger(label: "kaito-controller.events")),
                    logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "workspace controller"))

        var groupLogger = Logger(label: "kaito-controller.lifecycle")
        groupLogger.logLevel = .notice
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
                logger: groupLogger))
        do {
            try await group.run()
        } catch let error as RuntimeFailure {
            throw error
        } catch let error as ServiceGroupError {
            throw RuntimeFailure(description: "\(error)")
        } catch {
            throw RuntimeFailure(description: "\(error)")
        }
        logger.info("kaito-controller stopped")
    }

    /// Reads `/version` until it answers (five tries, about eight seconds), so a wrong server fails fast and
    /// clearly.
    private func checkConnection(_ client: KubernetesClient, logger: Logger) async throws {
        let attempts = 5
        var lastError = ""
        for attempt in 1...attempts {
            do {
                _ = try await client.sendJSON(
                    KubernetesRequest(method: .get, path: "/version", timeout: .seconds(10)))
                return
            } catch let error as KubernetesError
                where error.kind == .status && !error.isTooManyRequests
                && (error.code ?? 500) < 500
            {
                // The server answered (401, 403, 404): it is reachable; requests will tell what is wrong.
                return
            } catch {
                lastError = (error as? KubernetesError)?.message ?? "\(error)"
                if attempt < attempts {
                    logger.warning(
                        "cannot reach the Kubernetes API server; retrying", metadata: ["error": "\(lastError)"])
                    try? await Task.sleep(for: .seconds(attempt == 1 ? 1 : 2))
                }
            }
        }
        throw RuntimeFailure(description: "\(lastError) (gave up after \(attempts) attempts)")
    }

    private func startupSummary(_ settings: Settings) -> String {
        var text =
            "provisioner \(settings.controller.effectiveProvisioner.rawValue), cloud \(settings.controller.cloud.rawValue)"
        if let election = settings.leaderElection {
            text += ", leader election on Lease \(election.namespace)/\(election.name) as \(election.identity)"
        } else {
            text += ", leader election off"
        }
        return text
    }

    // MARK: - Settings

    struct Settings {
        var metricsAddress: BindAddress?
        var healthAddress: BindAddress?
        var leaderElection: LeaderElector.Configuration?
        var controller: WorkspaceControllerConfiguration
    }

    /// Turns flags and environment variables into settings.
    /// - Throws: ``UsageError`` for a malformed value.
    func resolve(environment: ProcessEnvironment) throws -> Settings {
        let metrics = try BindAddress.parse(metricsBindAddress, flag: "--metrics-bind-address")
        let health = try BindAddress.parse(healthProbeBindAddress, flag: "--health-probe-bind-address")
        let gates = try FeatureGates.parse(featureGates)

        let cloudName = cloudProvider ?? environment.value("CLOUD_PROVIDER") ?? "azure"
        guard let cloud = CloudProvider(rawValue: cloudName.lowercased()) else {
            let source = cloudProvider == nil ? "CLOUD_PROVIDER" : "--cloud-provider"
            throw UsageError(description: "\(source) \"\(cloudName)\" is not a known cloud; use azure or aws")
        }
        let registry = presetRegistry ?? environment.value("PRESET_REGISTRY_NAME") ?? PresetModel.defaultImageRegistry
        guard let kind = PlannerConfiguration.NodeProvisionerKind(rawValue: provisioner.lowercased()) else {
            throw UsageError(description: "--provisioner \"\(provisioner)\" is not machine, nodeclaim or none")
        }
        guard ["v1beta1", "v1"].contains(nodeClaimVersion) else {
            throw UsageError(description: "--node-claim-version \"\(nodeClaimVersion)\" is not v1beta1 or v1")
        }
        guard maxConcurrentReconciles >= 1 else {
            throw UsageError(description: "--max-concurrent-reconciles must be at least 1")
        }
        if let namespace, namespace.isEmpty {
            throw UsageError(description: "--namespace must not be empty; leave it out to watch every namespace")
        }
        if leaderElectionID.isEmpty {
            throw UsageError(description: "--leader-election-id must not be empty")
        }
        var election: LeaderElector.Configuration?
        if leaderElect {
            let namespace = leaderElectionNamespace.flatMap { $0.isEmpty ? nil : $0 } ?? environment.systemNamespace
            guard leaderElectionRetryPeriod > 0, leaderElectionRenewDeadline > leaderElectionRetryPeriod,
                leaderElectionLeaseDuration > leaderElectionRenewDeadline
            else {
                throw UsageError(
                    description:
                        "leader election timing must satisfy lease duration > renew deadline > retry period > 0")
            }
            election = LeaderElector.Configuration(
                namespace: namespace, name: leaderElectionID,
                leaseDuration: .milliseconds(Int64(leaderElectionLeaseDuration * 1000)),
                renewDeadline: .milliseconds(Int64(leaderElectionRenewDeadline * 1000)),
                retryPeriod: .milliseconds(Int64(leaderElectionRetryPeriod * 1000)))
        }
        let controller = WorkspaceControllerConfiguration(
            cloud: cloud, presetRegistry: registry, provisioner: kind,
            nodeClaimAPIVersion: "karpenter.sh/\(nodeClaimVersion)", featureGates: gates,
            maxConcurrentReconciles: maxConcurrentReconciles, namespace: namespace, fieldManager: "kaito-controller")
        return Settings(
            metricsAddress: metrics, healthAddress: health, leaderElection: election, controller: controller)
    }
}

/// Ends the process with `status` (the C library's `exit`, which the command's own `exit` shadows).
func terminateProcess(_ status: Int32) -> Never {
    exit(status)
}

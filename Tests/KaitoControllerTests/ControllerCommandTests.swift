import Foundation
import KaitoCore
import KaitoK8s
import Testing

@testable import kaito_controller

/// The command line of `kaito-controller`: help, exit codes and usage errors, from the built binary; flag and
/// environment resolution from the parser itself.
@Suite("kaito-controller command line")
struct ControllerCommandTests {
    @Test("--help documents the flags, the exit codes and that no webhook is served")
    func help() async throws {
        let result = try await runController(["--help"])
        #expect(result.status == 0)
        let help = result.stdout
        for flag in [
            "--metrics-bind-address", "--health-probe-bind-address", "--leader-elect", "--leader-election-namespace",
            "--leader-election-id", "--feature-gates", "--webhook", "--cloud-provider", "--preset-registry",
            "--provisioner", "--node-claim-version", "--kubeconfig", "--context", "--namespace",
            "--max-concurrent-reconciles", "--verbose",
        ] {
            #expect(help.contains(flag), "--help does not mention \(flag)")
        }
        #expect(help.contains("Exit status"))
        #expect(help.contains("0  clean stop"))
        #expect(help.contains("1  runtime failure"))
        #expect(help.contains("2  usage error"))
        #expect(help.contains("CEL rules"))
        #expect(help.contains("no admission webhook is served"))
        #expect(help.contains("ef60f9b0.io"))
        #expect(!help.contains("leader-election-lease-duration"), "test-only timing flags stay hidden")
    }

    @Test("an unknown feature gate exits 2 with Kaito's message, on one line")
    func unknownFeatureGate() async throws {
        let result = try await runController(["--feature-gates=Karpenter=true,vLLM=true"])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("invalid feature gate(s) vLLM"))
    }

    @Test(
        "usage errors exit 2 with one line that says what and how to fix it",
        arguments: [
            (["--metrics-bind-address", "nonsense"], "--metrics-bind-address"),
            (["--health-probe-bind-address", ":99999"], "--health-probe-bind-address"),
            (["--provisioner", "cloud"], "--provisioner"),
            (["--node-claim-version", "v2"], "--node-claim-version"),
            (["--cloud-provider", "gcp"], "--cloud-provider"),
            (["--feature-gates", "Karpenter"], "--feature-gates"),
            (["--max-concurrent-reconciles", "0"], "--max-concurrent-reconciles"),
            (["--bogus-flag"], "--bogus-flag"),
            (["--kubeconfig", "/nonexistent/kubeconfig"], "/nonexistent/kubeconfig"),
        ])
    func usageErrors(arguments: [String], mentioned: String) async throws {
        let result = try await runController(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(mentioned), "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("kaito-controller: error: "))
    }

    @Test("an unreachable cluster fails with one clear error line and a non-zero status")
    func unreachableCluster() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-controller-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig")
        try """
        apiVersion: v1
        kind: Config
        clusters:
        - name: gone
          cluster:
            server: http://127.0.0.1:1
        users:
        - name: gone
          user:
            token: very-secret-token
        contexts:
        - name: gone
          context:
            cluster: gone
            user: gone
        current-context: gone
        """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        let result = try await runController(
            ["--kubeconfig", kubeconfig.path, "--metrics-bind-address", "0", "--health-probe-bind-address", "0"])
        #expect(result.status == 1)
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("kaito-controller: error: cannot reach the Kubernetes API server at http://127.0.0.1:1"))
        #expect(!result.stderr.contains("very-secret-token"))
    }

    // MARK: - Resolution of flags and environment (in process)

    static func settings(
        _ arguments: [String], environment: [String: String] = [:], namespaceFile: String = "/nonexistent"
    ) throws -> KaitoControllerCommand.Settings {
        let command = try KaitoControllerCommand.parse(
            normalizeBooleanFlags(arguments, flags: KaitoControllerCommand.booleanFlags))
        return try command.resolve(
            environment: ProcessEnvironment(variables: environment, serviceAccountNamespaceFile: namespaceFile))
    }

    @Test("the defaults are Kaito's manager's")
    func defaults() throws {
        let settings = try Self.settings([])
        #expect(settings.metricsAddress == BindAddress(host: "0.0.0.0", port: 8080))
        #expect(settings.healthAddress == BindAddress(host: "0.0.0.0", port: 8081))
        #expect(settings.leaderElection == nil)
        #expect(settings.controller.cloud == .azure)
        #expect(settings.controller.presetRegistry == "mcr.microsoft.com/aks/kaito")
        #expect(settings.controller.provisioner == .machine)
        #expect(settings.controller.nodeClaimAPIVersion == "karpenter.sh/v1beta1")
        #expect(settings.controller.featureGates == ["Karpenter": false])
        #expect(settings.controller.maxConcurrentReconciles == 5)
        #expect(settings.controller.namespace == nil)
    }

    @Test("environment variables set the cloud, the registry and the leader election namespace; flags win")
    func environment() throws {
        let fromEnvironment = try Self.settings(
            ["--leader-elect"],
            environment: [
                "CLOUD_PROVIDER": "aws", "PRESET_REGISTRY_NAME": "myregistry.azurecr.io",
                "SYSTEM_NAMESPACE": "ops", "RELEASE_NAMESPACE": "ignored",
            ])
        #expect(fromEnvironment.controller.cloud == .aws)
        #expect(fromEnvironment.controller.presetRegistry == "myregistry.azurecr.io")
        #expect(fromEnvironment.leaderElection?.namespace == "ops")
        #expect(fromEnvironment.leaderElection?.name == "ef60f9b0.io")

        let release = try Self.settings(["--leader-elect"], environment: ["RELEASE_NAMESPACE": "release-ns"])
        #expect(release.leaderElection?.namespace == "release-ns")

        let fallback = try Self.settings(["--leader-elect"])
        #expect(fallback.leaderElection?.namespace == "kaito-system")

        let namespaceFile = FileManager.default.temporaryDirectory.appendingPathComponent("ns-\(UUID())")
        try "from-service-account\n".write(to: namespaceFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: namespaceFile) }
        let inCluster = try Self.settings(["--leader-elect"], namespaceFile: namespaceFile.path)
        #expect(inCluster.leaderElection?.namespace == "from-service-account")

        let flags = try Self.settings(
            [
                "--leader-elect", "--leader-election-namespace", "explicit", "--leader-election-id", "my-lock",
                "--cloud-provider", "azure", "--preset-registry", "flag.registry",
            ],
            environment: ["CLOUD_PROVIDER": "aws", "PRESET_REGISTRY_NAME": "env.registry", "SYSTEM_NAMESPACE": "ops"])
        #expect(flags.controller.cloud == .azure)
        #expect(flags.controller.presetRegistry == "flag.registry")
        #expect(flags.leaderElection?.namespace == "explicit")
        #expect(flags.leaderElection?.name == "my-lock")
    }

    @Test("Go-style boolean flags are accepted: --leader-elect=true, --webhook=false")
    func goStyleBooleans() throws {
        #expect(try Self.settings(["--leader-elect=true", "--webhook=false"]).leaderElection != nil)
        #expect(try Self.settings(["--leader-elect=false"]).leaderElection == nil)
        #expect(
            normalizeBooleanFlags(
                ["--leader-elect=1", "--webhook=f", "--feature-gates=Karpenter=true"],
                flags: KaitoControllerCommand.booleanFlags)
                == ["--leader-elect", "--no-webhook", "--feature-gates=Karpenter=true"])
    }

    @Test("Karpenter=true turns the machine provisioner into nodeclaim; --node-claim-version picks the version")
    func karpenterGate() throws {
        let settings = try Self.settings(["--feature-gates=Karpenter=true", "--node-claim-version", "v1"])
        #expect(settings.controller.featureGates["Karpenter"] == true)
        #expect(settings.controller.effectiveProvisioner == .nodeclaim)
        #expect(settings.controller.nodeClaimAPIVersion == "karpenter.sh/v1")
        let none = try Self.settings([
            "--provisioner", "none", "--namespace", "team-a", "--max-concurrent-reconciles", "2",
        ])
        #expect(none.controller.effectiveProvisioner == .none)
        #expect(none.controller.namespace == "team-a")
        #expect(none.controller.maxConcurrentReconciles == 2)
    }

    @Test("bind addresses: :PORT, HOST:PORT, [IPv6]:PORT, port 0, and 0 to disable")
    func bindAddresses() throws {
        #expect(try BindAddress.parse(":8080", flag: "--x") == BindAddress(host: "0.0.0.0", port: 8080))
        #expect(try BindAddress.parse("127.0.0.1:0", flag: "--x") == BindAddress(host: "127.0.0.1", port: 0))
        #expect(try BindAddress.parse("[::1]:9090", flag: "--x") == BindAddress(host: "::1", port: 9090))
        #expect(try BindAddress.parse("0", flag: "--x") == nil)
        #expect(throws: UsageError.self) { try BindAddress.parse("8080", flag: "--x") }
        #expect(throws: UsageError.self) { try BindAddress.parse(":http", flag: "--x") }
        #expect(throws: UsageError.self) { try BindAddress.parse(":70000", flag: "--x") }
    }

    @Test("feature gates parse like Kaito's: NAME=BOOL pairs, unknown names listed together")
    func featureGates() throws {
        #expect(try FeatureGates.parse("Karpenter=false") == ["Karpenter": false])
        #expect(try FeatureGates.parse("Karpenter=true") == ["Karpenter": true])
        #expect(try FeatureGates.parse("") == ["Karpenter": false])
        do {
            _ = try FeatureGates.parse("A=true,Karpenter=true,B=false")
            Issue.record("unknown gates were accepted")
        } catch let error as UsageError {
            #expect(error.description.hasPrefix("invalid feature gate(s) A, B"))
        }
        #expect(throws: UsageError.self) { try FeatureGates.parse("Karpenter=maybe") }
    }
}

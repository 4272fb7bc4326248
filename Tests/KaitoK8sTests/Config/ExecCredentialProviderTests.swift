import Foundation
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoK8s

/// The exec plugin fixture installed in a temp folder's `bin` as `kaito-test-plugin`, and its state files.
struct PluginHarness: Sendable {
    let folder: ConfigFolder
    /// The folder the plugin reads its answers from and records its runs in (`PLUGIN_DIR`).
    var state: String { "\(folder.path)/state" }
    /// The folder on `PATH` holding the plugin.
    var bin: String { "\(folder.path)/bin" }
    /// The command name.
    static let command = "kaito-test-plugin"

    init() throws {
        folder = try ConfigFolder()
        let script = try Data(contentsOf: fixturesFolder.appendingPathComponent("exec-plugin.sh"))
        try folder.write(script, to: "bin/\(Self.command)", permissions: 0o755)
        try FileManager.default.createDirectory(atPath: "\(folder.path)/state", withIntermediateDirectories: true)
    }

    /// Writes one of the plugin's state files.
    func set(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(state)/\(name)"))
    }

    /// Removes one of the plugin's state files.
    func clear(_ name: String) {
        try? FileManager.default.removeItem(atPath: "\(state)/\(name)")
    }

    /// Reads what the plugin recorded.
    func recorded(_ name: String) -> String {
        (try? String(contentsOfFile: "\(state)/\(name)", encoding: .utf8)) ?? ""
    }

    /// How many times the plugin ran.
    var runs: Int { recorded("count").split(separator: "\n").count }

    /// The environment the plugin starts from: a PATH with its folder and the basic tools the script uses.
    var environment: [String: String] { ["PATH": "\(bin):/usr/bin:/bin"] }

    /// The `exec` entry for the plugin.
    func exec(
        apiVersion: String = "client.authentication.k8s.io/v1", args: [String] = [],
        extraEnv: [Kubeconfig.ExecEnvVar] = [],
        provideClusterInfo: Bool = false, interactiveMode: Kubeconfig.ExecInteractiveMode = .never,
        installHint: String? = nil, command: String = PluginHarness.command
    ) -> Kubeconfig.ExecConfig {
        Kubeconfig.ExecConfig(
            command: command, args: args, env: [.init(name: "PLUGIN_DIR", value: state)] + extraEnv,
            apiVersion: apiVersion, installHint: installHint, provideClusterInfo: provideClusterInfo,
            interactiveMode: interactiveMode)
    }

    /// A provider running the plugin.
    func provider(
        _ exec: Kubeconfig.ExecConfig? = nil,
        cluster: ExecClusterInfo = ExecClusterInfo(server: "https://127.0.0.1:6443"),
        stdinIsTerminal: Bool = false, now: @escaping @Sendable () -> Date = { Date() }
    ) -> ExecCredentialProvider {
        ExecCredentialProvider(
            configuration: .init(
                exec: exec ?? self.exec(), cluster: cluster, userName: "dev-user",
                kubeconfigFile: "/home/me/.kube/config",
                environment: environment, stdinIsTerminal: stdinIsTerminal),
            now: now)
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Locked<Date>
    init(_ date: Date) { current = Locked(date) }
    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    var closure: @Sendable () -> Date { { self.now } }
}

@Suite("Exec credential plugins")
struct ExecCredentialProviderTests {
    @Test("a token credential is returned and cached when it has no expiry")
    func tokenCredential() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "exec-token-1")
        let provider = plugin.provider()
        #expect(try await provider.credential(rejecting: nil) == KubernetesCredential(bearerToken: "exec-token-1"))
        try plugin.set("token", "exec-token-2")
        #expect(try await provider.credential(rejecting: nil).bearerToken == "exec-token-1")
        #expect(plugin.runs == 1)
        #expect(provider.canRefresh)
        #expect(
            try await provider.credential(rejecting: KubernetesCredential(bearerToken: "exec-token-1")).bearerToken
                == "exec-token-2")
        #expect(plugin.runs == 2)
        #expect(plugin.recorded("stdin") == "not a tty\n")
    }

    @Test("a client certificate credential becomes a PEM client identity")
    func clientCertificate() async throws {
        let plugin = try PluginHarness()
        let answer: JSONValue = [
            "kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1",
            "status": ["clientCertificateData": .string(samplePEM), "clientKeyData": .string(sampleKeyPEM)],
        ]
        try plugin.set("response", String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
        let provider = plugin.provider(plugin.exec(apiVersion: "client.authentication.k8s.io/v1beta1"))
        let credential = try await provider.credential(rejecting: nil)
        #expect(credential.bearerToken == nil)
        #expect(
            credential.clientIdentity
                == HTTPClientConfiguration.ClientIdentity(
                    certificate: .pem(Data(samplePEM.utf8)), privateKey: .pem(Data(sampleKeyPEM.utf8))))
        #expect(credential.description == "client certificate")
    }

    @Test("a credential is reused until its expirationTimestamp, then the plugin runs again")
    func expiry() async throws {
        let plugin = try PluginHarness()
        let clock = TestClock(try #require(RFC3339.date(from: "2030-01-01T00:00:00Z")))
        try plugin.set("token", "expiring-1")
        try plugin.set("expiry", "2030-01-01T01:00:00Z")
        let provider = plugin.provider(now: clock.closure)
        let first = try await provider.credential(rejecting: nil)
        #expect(first.expiresAt == RFC3339.date(from: "2030-01-01T01:00:00Z"))
        clock.set(try #require(RFC3339.date(from: "2030-01-01T00:59:59Z")))
        #expect(try await provider.credential(rejecting: nil).bearerToken == "expiring-1")
        #expect(plugin.runs == 1)

        clock.set(try #require(RFC3339.date(from: "2030-01-01T01:00:00Z")))
        try plugin.set("token", "expiring-2")
        try plugin.set("expiry", "2029-12-31T00:00:00Z")
        #expect(try await provider.credential(rejecting: nil).bearerToken == "expiring-2")
        #expect(plugin.runs == 2)
        // Already expired when issued: every call runs the plugin.
        #expect(try await provider.credential(rejecting: nil).bearerToken == "expiring-2")
        #expect(plugin.runs == 3)
    }

    @Test("concurrent callers share one run of the plugin")
    func concurrentCallersShareOneRun() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "shared-token")
        let gate = "\(plugin.folder.path)/gate"
        let provider = plugin.provider(plugin.exec(extraEnv: [.init(name: "PLUGIN_GATE", value: gate)]))
        let callers = 8
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<callers {
                group.addTask { try await provider.credential(rejecting: nil).bearerToken }
            }
            // Open the gate only once every caller waits on the run in progress.
            let deadline = ContinuousClock.now + .seconds(20)
            while await provider.waitingCallers < callers {
                guard ContinuousClock.now < deadline else { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await provider.waitingCallers == callers)
            _ = FileManager.default.createFile(atPath: gate, contents: Data())
            var tokens: [String?] = []
            for try await token in group { tokens.append(token) }
            return tokens
        }
        #expect(tokens == Array(repeating: "shared-token", count: callers))
        #expect(plugin.runs == 1)
    }

    @Test("a refused credential is refreshed once: a later refusal of the same old credential reuses the new one")
    func refusedCredentialRefreshedOnce() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "old-token")
        let provider = plugin.provider()
        let old = try await provider.credential(rejecting: nil)
        try plugin.set("token", "new-token")
        #expect(try await provider.credential(rejecting: old).bearerToken == "new-token")
        #expect(plugin.runs == 2)
        // A request that was sent with the old token before the refresh and refused afterwards.
        #expect(try await provider.credential(rejecting: old).bearerToken == "new-token")
        #expect(plugin.runs == 2)
        // The new token refused in turn: the plugin runs again.
        try plugin.set("token", "newer-token")
        #expect(
            try await provider.credential(rejecting: KubernetesCredential(bearerToken: "new-token")).bearerToken
                == "newer-token")
        #expect(plugin.runs == 3)
    }

    @Test("args and env reach the plugin")
    func argsAndEnv() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "t")
        let provider = plugin.provider(
            plugin.exec(
                args: ["get-token", "--server-id", "value with spaces"],
                extraEnv: [.init(name: "PLUGIN_MARKER", value: "marker-value")]))
        _ = try await provider.credential(rejecting: nil)
        #expect(plugin.recorded("args") == "get-token\n--server-id\nvalue with spaces\n")
        #expect(plugin.recorded("env") == "marker-value")
    }

    @Test("KUBERNETES_EXEC_INFO carries the cluster with provideClusterInfo, and only the basics without it")
    func execInfo() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "t")
        let cluster = ExecClusterInfo(
            server: "https://api.example.com:443", certificateAuthorityData: Data(samplePEM.utf8),
            tlsServerName: "api.internal", proxyURL: "http://proxy:3128", config: ["audience": "kaito"])
        let provider = plugin.provider(plugin.exec(provideClusterInfo: true), cluster: cluster)
        _ = try await provider.credential(rejecting: nil)
        let info = try JSONDecoder().decode(JSONValue.self, from: Data(plugin.recorded("exec-info").utf8))
        #expect(info["kind"] == "ExecCredential")
        #expect(info["apiVersion"] == "client.authentication.k8s.io/v1")
        #expect(info["spec"]?["interactive"] == .bool(false))
        let sent = info["spec"]?["cluster"]
        #expect(sent?["server"] == "https://api.example.com:443")
        #expect(sent?["certificate-authority-data"]?.stringValue == samplePEM.base64)
        #expect(sent?["tls-server-name"] == "api.internal")
        #expect(sent?["proxy-url"] == "http://proxy:3128")
        #expect(sent?["config"]?["audience"] == "kaito")
        #expect(sent?["insecure-skip-tls-verify"] == nil)

        let basic = try PluginHarness()
        try basic.set("token", "t")
        _ = try await basic.provider(basic.exec(apiVersion: "client.authentication.k8s.io/v1"), cluster: cluster)
            .credential(rejecting: nil)
        let plain = try JSONDecoder().decode(JSONValue.self, from: Data(basic.recorded("exec-info").utf8))
        #expect(
            plain == [
                "kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1",
                "spec": ["interactive": false],
            ])
    }

    @Test("a missing command shows the installHint verbatim")
    func missingCommand() async throws {
        let plugin = try PluginHarness()
        let hint = "kubelogin is not installed.\n  Install it: az aks install-cli (https://aka.ms/aks/kubelogin)"
        let provider = plugin.provider(plugin.exec(installHint: hint, command: "kubelogin-not-here"))
        let error = await #expect(throws: KubernetesError.self) { _ = try await provider.credential(rejecting: nil) }
        #expect(error?.kind == .credentials)
        #expect(error?.message.contains("exec plugin \"kubelogin-not-here\" of users[name=dev-user]") == true)
        #expect(error?.message.contains("was not found on PATH: \(hint)") == true)

        let notExecutable = try plugin.folder.write("#!/bin/sh\n", to: "bin/plain-file", permissions: 0o644)
        let second = await #expect(throws: KubernetesError.self) {
            _ = try await plugin.provider(plugin.exec(command: notExecutable)).credential(rejecting: nil)
        }
        #expect(
            second?.message.contains(
                "\"\(notExecutable)\" of users[name=dev-user] in kubeconfig /home/me/.kube/config is not executable")
                == true)
    }

    @Test("a failing plugin's error names command, user and file with its stderr tail, never the token")
    func failure() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "cached-secret-token")
        let provider = plugin.provider()
        _ = try await provider.credential(rejecting: nil)
        try plugin.set("fail", "starting login\nerror: AADSTS700082: the refresh token has expired\n")
        let error = await #expect(throws: KubernetesError.self) {
            _ = try await provider.credential(rejecting: KubernetesCredential(bearerToken: "cached-secret-token"))
        }
        let message = error?.message ?? ""
        #expect(error?.kind == .credentials)
        #expect(
            message
                == "exec plugin \"kaito-test-plugin\" of users[name=dev-user] in kubeconfig /home/me/.kube/config "
                + "failed with exit status 3: starting login | error: AADSTS700082: the refresh token has expired")
        #expect(!message.contains("cached-secret-token"))
    }

    @Test(
        "bad answers are credentials errors",
        arguments: [
            (
                #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"answer-secret"}}"#,
                "answered with apiVersion \"client.authentication.k8s.io/v1beta1\" but \"client.authentication.k8s.io/v1\" was requested"
            ),
            (
                #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}"#,
                "returned neither status.token nor status.clientCertificateData and status.clientKeyData"
            ),
            (
                #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"}"#,
                "answered without a status field"
            ),
            (
                #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}}"#,
                "returned clientCertificateData without clientKeyData"
            ),
            (
                #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"answer-secret","expirationTimestamp":"tomorrow"}}"#,
                "returned an expirationTimestamp \"tomorrow\" that is not an RFC 3339 time"
            ),
            ("answer-secret is not json", "printed something that is not an ExecCredential JSON object"),
            (#"{"kind":"Status","apiVersion":"v1"}"#, "printed kind \"Status\" instead of ExecCredential"),
        ])
    func badAnswers(answer: String, expected: String) async throws {
        let plugin = try PluginHarness()
        try plugin.set("response", answer)
        let error = await #expect(throws: KubernetesError.self) {
            _ = try await plugin.provider().credential(rejecting: nil)
        }
        #expect(error?.kind == .credentials)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("answer-secret") == false)
    }

    @Test("interactiveMode Always without a terminal fails; IfAvailable with a terminal passes interactive: true")
    func interactiveModes() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "t")
        let always = plugin.provider(plugin.exec(interactiveMode: .always), stdinIsTerminal: false)
        let error = await #expect(throws: KubernetesError.self) { _ = try await always.credential(rejecting: nil) }
        #expect(error?.message.contains("needs an interactive terminal (interactiveMode: Always)") == true)
        #expect(plugin.runs == 0)

        let runner = ExecPluginRunner(
            configuration: .init(
                exec: plugin.exec(interactiveMode: .ifAvailable), cluster: ExecClusterInfo(server: "https://x"),
                userName: "u", environment: [:], stdinIsTerminal: true))
        #expect(runner.execInfo(interactive: true).contains(#""interactive":true"#))
    }

    @Test("a kubeconfig exec entry becomes a provider that runs the plugin from PATH")
    func fromKubeconfig() async throws {
        let plugin = try PluginHarness()
        try plugin.set("token", "from-kubeconfig")
        try plugin.folder.write(
            """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://c.example.com", certificate-authority-data: \(samplePEM.base64)}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: \(PluginHarness.command)
                  args: [token]
                  env: [{name: PLUGIN_DIR, value: "\(plugin.state)"}]
                  provideClusterInfo: true
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, to: "config")
        let loader = KubeconfigLoader(
            environment: KubeconfigEnvironment(
                variables: ["KUBECONFIG": "\(plugin.folder.path)/config", "PATH": plugin.environment["PATH"] ?? ""],
                homeDirectory: plugin.folder.path))
        try plugin.set("version", "client.authentication.k8s.io/v1beta1")
        let connection = try loader.load()
        #expect(try await connection.credentials.credential(rejecting: nil).bearerToken == "from-kubeconfig")
        let info = try JSONDecoder().decode(JSONValue.self, from: Data(plugin.recorded("exec-info").utf8))
        #expect(info["spec"]?["cluster"]?["certificate-authority-data"]?.stringValue == samplePEM.base64)
        #expect(info["spec"]?["cluster"]?["server"] == "https://c.example.com")
    }
}

import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s

/// The lines the server logs (`GET /path 200 user`), collected for assertions.
final class RequestLog: Sendable {
    private let lines = Locked<[String]>([])

    /// The closure for ``SimServer/Configuration/requestLog``.
    var recorder: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }

    /// Every line so far.
    var all: [String] { lines.withLock { $0 } }

    /// The status and user of each request for `path`, in order: `["200 alice", …]`.
    func outcomes(of path: String) -> [String] {
        all.compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count == 4, parts[1] == path else { return nil }
            return "\(parts[2]) \(parts[3])"
        }
    }
}

private let namespacePath = "/api/v1/namespaces/default"

@Suite("Authentication against KaitoSim over TLS")
struct AuthenticationTests {
    /// Writes a kubeconfig for the cluster with `userBody` (YAML lines under `user:`) and loads it.
    private func connect(
        _ cluster: SimCluster, user userBody: String, caLine: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        path: [String] = []
    ) throws -> KubernetesClient {
        let pki = try #require(cluster.pki)
        let ca = caLine ?? "certificate-authority: \(pki.caCertificatePath)"
        let indented = userBody.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n")
        let file = try cluster.write(
            """
            apiVersion: v1
            kind: Config
            current-context: sim
            clusters:
            - name: sim
              cluster:
                server: \(cluster.url)
                \(ca)
            users:
            - name: sim-user
              user:
            \(indented.isEmpty ? "      {}" : indented)
            contexts:
            - name: sim
              context: {cluster: sim, user: sim-user}
            """, to: "kubeconfig-\(UUID().uuidString)")
        var variables = ["HOME": cluster.directory.path]
        if !path.isEmpty { variables["PATH"] = path.joined(separator: ":") }
        let loader = KubeconfigLoader(
            environment: KubeconfigEnvironment(
                variables: variables, homeDirectory: cluster.directory.path,
                inClusterRoot: cluster.directory.appendingPathComponent("no-service-account").path),
            now: now)
        let connection = try loader.load(kubeconfig: file)
        return try KubernetesClient(connection: connection, options: SimCluster.testOptions)
    }

    /// Reads the default namespace and checks the answer.
    private func getNamespace(_ client: KubernetesClient) async throws {
        let namespace = try await client.sendJSON(KubernetesRequest(method: .get, path: namespacePath))
        #expect(namespace["metadata"]?["name"] == "default")
    }

    @Test("a bearer token")
    func token() async throws {
        let log = RequestLog()
        try await SimCluster.run(
            tls: true,
            configure: {
                $0.authentication.tokens["static-secret-token"] = SimUser(name: "token-user")
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let client = try connect(cluster, user: "token: static-secret-token")
            try await getNamespace(client)
            #expect(log.outcomes(of: namespacePath) == ["200 token-user"])
        }
    }

    @Test("a tokenFile rotated while the client runs: re-read on change, and on 401 when the change is invisible")
    func rotatedTokenFile() async throws {
        let log = RequestLog()
        let tokens = SimTokenRegistry()
        let user = SimUser(name: "rotating-user")
        try await SimCluster.run(
            tls: true,
            configure: {
                $0.authentication.liveTokens = tokens
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)
            let tokenPath = try cluster.write("rotating-token-AAAA\n", to: "token")
            tokens.set("rotating-token-AAAA", user: user)
            let client = try connect(cluster, user: "tokenFile: token")
            try await getNamespace(client)
            #expect(tokens.useCount(of: "rotating-token-AAAA") == 1)

            // Rotation with a new modification time: the provider notices before sending.
            try cluster.write("rotating-token-BBBB\n", to: "token")
            try FileManager.default.setAttributes([.modificationDate: fixedDate], ofItemAtPath: tokenPath)
            tokens.set("rotating-token-BBBB", user: user)
            tokens.revoke("rotating-token-AAAA")
            try await getNamespace(client)
            #expect(tokens.useCount(of: "rotating-token-BBBB") == 1)
            #expect(log.outcomes(of: namespacePath) == ["200 rotating-user", "200 rotating-user"])

            // Same size, time and inode: the stale token gets a 401, the refresh reads the file again.
            try cluster.write("rotating-token-CCCC\n", to: "token")
            try FileManager.default.setAttributes([.modificationDate: fixedDate], ofItemAtPath: tokenPath)
            tokens.set("rotating-token-CCCC", user: user)
            tokens.revoke("rotating-token-BBBB")
            try await getNamespace(client)
            #expect(tokens.useCount(of: "rotating-token-CCCC") == 1)
            #expect(log.outcomes(of: namespacePath).suffix(2) == ["401 -", "200 rotating-user"])
        }
    }

    @Test("a client certificate from files and from -data fields", arguments: [false, true])
    func clientCertificate(inline: Bool) async throws {
        let log = RequestLog()
        try await SimCluster.run(
            tls: true, verifyClientCertificates: true,
            configure: {
                $0.authentication.anonymousEnabled = false
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let pki = try #require(cluster.pki)
            let user: String
            if inline {
                let certificate = try pki.data(atPath: pki.clientCertificatePath).base64EncodedString()
                let key = try pki.data(atPath: pki.clientKeyPath).base64EncodedString()
                user = "client-certificate-data: \(certificate)\nclient-key-data: \(key)"
            } else {
                user = "client-certificate: \(pki.clientCertificatePath)\nclient-key: \(pki.clientKeyPath)"
            }
            let client = try connect(cluster, user: user)
            try await getNamespace(client)
            #expect(log.outcomes(of: namespacePath) == ["200 kaito-admin"])
        }
    }

    @Test("basic authentication")
    func basic() async throws {
        let log = RequestLog()
        try await SimCluster.run(
            tls: true,
            configure: {
                $0.authentication.basicUsers["alice"] = SimBasicUser(
                    password: "alice-secret-password", user: SimUser(name: "alice"))
                $0.requestLog = log.recorder
            }
        ) { cluster in
            try await getNamespace(try connect(cluster, user: "username: alice\npassword: alice-secret-password"))
            #expect(log.outcomes(of: namespacePath) == ["200 alice"])

            let wrong = try connect(cluster, user: "username: alice\npassword: wrong-secret-password")
            let error = await #expect(throws: KubernetesError.self) { try await getNamespace(wrong) }
            #expect(error?.isUnauthorized == true)
            #expect(error?.message.contains("basic auth") == true)
            #expect(error.map { String(describing: $0) }?.contains("secret-password") == false)
        }
    }

    @Test("an exec plugin: cached, run again after expiry, and run once more after a 401")
    func execPlugin() async throws {
        let log = RequestLog()
        let tokens = SimTokenRegistry()
        let user = SimUser(name: "exec-user")
        let plugin = try PluginHarness()
        try await SimCluster.run(
            tls: true,
            configure: {
                $0.authentication.liveTokens = tokens
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let clock = TestClock(Date())
            try plugin.set("token", "exec-token-1")
            try plugin.set("expiry", RFC3339.string(from: clock.now.addingTimeInterval(3600)))
            tokens.set("exec-token-1", user: user)
            let client = try connect(
                cluster,
                user: """
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: \(PluginHarness.command)
                      env: [{name: PLUGIN_DIR, value: "\(plugin.state)"}]
                      interactiveMode: Never
                    """, now: clock.closure, path: [plugin.bin, "/usr/bin", "/bin"])
            try await getNamespace(client)
            try await getNamespace(client)
            #expect(plugin.runs == 1)

            // Past the expiry: the plugin runs before the next request.
            try plugin.set("token", "exec-token-2")
            tokens.set("exec-token-2", user: user)
            clock.set(clock.now.addingTimeInterval(3601))
            try plugin.set("expiry", RFC3339.string(from: clock.now.addingTimeInterval(3600)))
            try await getNamespace(client)
            #expect(plugin.runs == 2)
            #expect(tokens.useCount(of: "exec-token-2") == 1)

            // The server revokes the token early: 401, one more run, success.
            try plugin.set("token", "exec-token-3")
            tokens.set("exec-token-3", user: user)
            tokens.revoke("exec-token-2")
            try await getNamespace(client)
            #expect(plugin.runs == 3)
            #expect(
                log.outcomes(of: namespacePath)
                    == ["200 exec-user", "200 exec-user", "200 exec-user", "401 -", "200 exec-user"])
        }
    }

    @Test("an exec plugin returning a client certificate")
    func execClientCertificate() async throws {
        let log = RequestLog()
        let plugin = try PluginHarness()
        try await SimCluster.run(
            tls: true, verifyClientCertificates: true,
            configure: {
                $0.authentication.anonymousEnabled = false
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let pki = try #require(cluster.pki)
            let answer: JSONValue = [
                "kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1",
                "status": [
                    "clientCertificateData": .string(
                        String(decoding: try pki.data(atPath: pki.clientCertificatePath), as: UTF8.self)),
                    "clientKeyData": .string(String(decoding: try pki.data(atPath: pki.clientKeyPath), as: UTF8.self)),
                ],
            ]
            try plugin.set("response", String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
            let client = try connect(
                cluster,
                user: """
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: \(plugin.bin)/\(PluginHarness.command)
                      env: [{name: PLUGIN_DIR, value: "\(plugin.state)"}]
                      interactiveMode: IfAvailable
                    """, path: ["/usr/bin", "/bin"])
            try await getNamespace(client)
            #expect(plugin.runs == 1)
            #expect(log.outcomes(of: namespacePath) == ["200 kaito-admin"])
        }
    }

    @Test("a CA that did not sign the server certificate: unreachable, naming the server and the verification failure")
    func wrongCertificateAuthority() async throws {
        try await SimCluster.run(tls: true) { cluster in
            let other = try SimPKI.generate(in: cluster.directory.appendingPathComponent("other-pki"))
            let client = try connect(
                cluster, user: "token: \(adminToken)", caLine: "certificate-authority: \(other.caCertificatePath)")
            let error = await #expect(throws: KubernetesError.self) { try await getNamespace(client) }
            #expect(error?.kind == .unreachable)
            let message = error?.message ?? ""
            #expect(message.contains(cluster.url))
            #expect(message.contains("TLS verification of"), "\(message)")
            #expect(message.contains("certificate signed by an unknown authority"), "\(message)")
            #expect(!message.contains(adminToken))
        }
    }

    @Test("no credentials with anonymous access off: a clear 401 without secrets")
    func anonymousRejected() async throws {
        let log = RequestLog()
        try await SimCluster.run(
            tls: true, verifyClientCertificates: true,
            configure: {
                $0.authentication.anonymousEnabled = false
                $0.requestLog = log.recorder
            }
        ) { cluster in
            let client = try connect(cluster, user: "")
            let error = await #expect(throws: KubernetesError.self) { try await getNamespace(client) }
            #expect(error?.kind == .status)
            #expect(error?.isUnauthorized == true)
            #expect(
                error?.message.contains(
                    "rejected the anonymous of kubeconfig \(cluster.directory.path)") == true, "\(error?.message ?? "")"
            )
            #expect(error?.message.contains("(401 Unauthorized)") == true)
            #expect(log.outcomes(of: namespacePath) == ["401 -"])

            let wrongToken = try connect(cluster, user: "token: not-the-right-secret-token")
            let tokenError = await #expect(throws: KubernetesError.self) { try await getNamespace(wrongToken) }
            #expect(tokenError?.isUnauthorized == true)
            #expect(tokenError?.message.contains("bearer token") == true)
            #expect(tokenError.map { "\($0) \($0.request ?? "")" }?.contains("not-the-right-secret-token") == false)
        }
    }
}

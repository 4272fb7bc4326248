import ArgumentParser
import Dispatch
import Foundation
import KaitoSim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `kaito-sim`: a Kubernetes API emulator on 127.0.0.1 for trying Kaito workspaces with kubectl and kaitoctl.
@main
struct KaitoSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kaito-sim",
        abstract: "Run a simulated Kubernetes API server on 127.0.0.1 and write a kubeconfig for it.",
        discussion: """
            Serves the Kubernetes \(KaitoSim.emulatedKubernetesVersion) API for the resources Kaito uses (core, apps, \
            batch, coordination, CRDs, kaito.sh workspaces, Karpenter machines and nodeclaims) from memory, with \
            discovery, watches, server-side apply and kubectl's table output. Unless --no-fleet is given, a simulated \
            fleet acts on it: Machines and NodeClaims become Ready GPU nodes, workloads get scheduled pods that \
            report Running, Services get endpoints. No container runs and no model is served. State is lost when \
            the process ends.

            Security is as on a real cluster: HTTPS with a fresh CA (made with the openssl command), a bearer token \
            (--token, or a random one) or a client certificate (--client-cert) for the kubeconfig user, who is in \
            system:masters; anonymous requests get only what a real API server gives system:anonymous (/version and \
            the health endpoints), and other users only what RBAC objects grant them (--extra-user makes such \
            users, each with a kubeconfig of its own). --insecure-http serves plain HTTP instead, for clients that \
            send tokens over HTTP; kubectl sends none over HTTP, so it is anonymous there. The kubeconfigs hold the \
            credentials; they are never printed. Stop with Ctrl-C (SIGINT) or SIGTERM.
            """)

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Flag(help: "Serve plain HTTP instead of HTTPS (anonymous requests still get only a real server's defaults).")
    var insecureHTTP = false

    @Flag(help: .hidden)
    var tls = false

    @Option(help: "Bearer token the kubeconfig user authenticates with (default: a random token).")
    var token: String?

    @Flag(help: "Authenticate the kubeconfig user with a client certificate instead of a token.")
    var clientCert = false

    @Option(
        name: .customLong("extra-user"),
        help: ArgumentHelp(
            "Another user, NAME or NAME:GROUP,GROUP, with a token of its own and a kubeconfig named kubeconfig-NAME "
                + "in the state directory; it may do only what RBAC objects grant (repeatable).",
            valueName: "user"))
    var extraUsers: [String] = []

    @Option(help: "User name of the kubeconfig credential (member of system:masters).")
    var user = "kaito-admin"

    @Option(help: "Where to write the kubeconfig (default: kubeconfig in the state directory).")
    var kubeconfig: String?

    @Option(help: "Folder for the kubeconfig and certificates (default: a new temporary folder).")
    var stateDir: String?

    @Option(help: "Number of Ready GPU nodes to create at start.")
    var nodes = 0

    @Option(help: "Instance type (GPU SKU from the catalog) of the seeded nodes.")
    var instanceType = "Standard_NC12s_v3"

    @Option(help: "Seconds between BOOKMARK events on watches that allow them; 0 for none.")
    var bookmarkInterval: Double = 60

    @Flag(inversion: .prefixedNo, help: "Treat requests without credentials as system:anonymous (else 401).")
    var anonymousAuth = true

    @Flag(help: "Log one line per request to standard error.")
    var logRequests = false

    @Flag(
        inversion: .prefixedNo,
        help: """
            Simulate machines: claims become GPU nodes, pods get scheduled and run. Without it the controller \
            manager's controllers still run (ReplicaSets, workload pods and status, endpoints), as on a control plane \
            without nodes.
            """)
    var fleet = true

    func validate() throws {
        if clientCert && insecureHTTP { throw ValidationError("--client-cert needs HTTPS; drop --insecure-http") }
        if tls && insecureHTTP { throw ValidationError("use either --tls or --insecure-http, not both") }
        for extra in extraUsers {
            let name = extra.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if name.isEmpty || name == user || name.contains("/") || name.hasPrefix("system:") {
                throw ValidationError(
                    "--extra-user \(extra): give a user name other than \(user), without '/' or a system: prefix")
            }
        }
        if clientCert && token != nil { throw ValidationError("use either --token or --client-cert, not both") }
        if let token, token.isEmpty || token.contains(where: \.isWhitespace) {
            throw ValidationError("--token must be non-empty and without spaces")
        }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if nodes < 0 { throw ValidationError("--nodes must not be negative") }
        if bookmarkInterval < 0 { throw ValidationError("--bookmark-interval must not be negative") }
    }

    func run() async throws {
        let stateDirectory =
            stateDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kaito-sim-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let kubeconfigURL =
            kubeconfig.map { URL(fileURLWithPath: $0) }
            ?? stateDirectory.appendingPathComponent("kubeconfig")

        let identity = SimUser(name: user, groups: ["system:masters"])
        var configuration = SimServer.Configuration(port: port)
        configuration.authentication.anonymousEnabled = anonymousAuth
        // As on a real cluster: users outside system:masters may do only what RBAC grants.
        configuration.authorization.allowsUnlistedUsers = false
        let credential: SimKubeconfig.Credential
        var caPEM: Data?
        if !insecureHTTP {
            let pki = try SimPKI.generate(
                in: stateDirectory.appendingPathComponent("pki"), clientUser: user, clientGroups: ["system:masters"])
            configuration.tls = try pki.serverTLS(verifyClients: clientCert)
            caPEM = try pki.data(atPath: pki.caCertificatePath)
            if clientCert {
                credential = .clientCertificate(
                    certificatePEM: try pki.data(atPath: pki.clientCertificatePath),
                    keyPEM: try pki.data(atPath: pki.clientKeyPath))
            } else {
                credential = .token(token ?? Self.randomToken())
            }
        } else {
            credential = .token(token ?? Self.randomToken())
        }
        if case .token(let value) = credential { configuration.authentication.tokens[value] = identity }
        var extraKubeconfigs: [(URL, String)] = []
        for extra in extraUsers {
            let parts = extra.split(separator: ":", maxSplits: 1).map(String.init)
            let groups = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
            let extraToken = Self.randomToken()
            configuration.authentication.tokens[extraToken] = SimUser(name: parts[0], groups: groups)
            extraKubeconfigs.append((stateDirectory.appendingPathComponent("kubeconfig-\(parts[0])"), extraToken))
        }
        if logRequests {
            configuration.requestLog = { line in FileHandle.standardError.write(Data("kaito-sim: \(line)\n".utf8)) }
        }

        let store = APIStore(
            configuration: APIStore.Configuration(
                bookmarkInterval: bookmarkInterval > 0 ? bookmarkInterval : nil,
                clusterCAPEM: caPEM.map { String(decoding: $0, as: UTF8.self) }),
            clock: SystemClock(), identifiers: RandomIdentifierSource())
        if nodes > 0 {
            do {
                try await store.seedGPUNodes(count: nodes, instanceType: instanceType)
            } catch let error as GPUNodeSeeding.UnknownSKU {
                throw ValidationError("--instance-type: \(error)")
            }
        }

        let simulator = FleetSimulator(store: store, configuration: FleetConfiguration(simulatesNodes: fleet))
        configuration.faults = simulator
        let fleetTask: Task<Void, Never>? = Task { await simulator.run() }

        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let server = try await SimServer.start(store: store, configuration: configuration)
        let kubeconfigFile = SimKubeconfig(server: server.url, certificateAuthorityPEM: caPEM, credential: credential)
        try kubeconfigFile.write(to: kubeconfigURL)
        for (url, extraToken) in extraKubeconfigs {
            try SimKubeconfig(server: server.url, certificateAuthorityPEM: caPEM, credential: .token(extraToken))
                .write(to: url)
        }

        let how =
            insecureHTTP
            ? "plain HTTP: kubectl sends no credentials over HTTP and is anonymous"
            : clientCert ? "client certificate CN=\(user)" : "bearer token for \(user)"
        var seeded = nodes > 0 ? ", \(nodes) \(instanceType) node\(nodes == 1 ? "" : "s")" : ""
        seeded += fleet ? ", simulated fleet on" : ", no nodes simulated"
        Self.say(
            "kaito-sim: Kubernetes \(KaitoSim.emulatedKubernetesVersion) API emulator at \(server.url) (\(how)"
                + "\(seeded)); use it with: export KUBECONFIG=\(kubeconfigURL.path); kubectl get nodes")
        let received = await signals.wait()
        Self.say("kaito-sim: received signal \(received), stopping")
        fleetTask?.cancel()
        await server.shutdown()
        await fleetTask?.value
    }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let text = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Turns SIGINT and SIGTERM into an async wait (the signals are ignored by default handling meanwhile).
final class SignalWaiter {
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "kaito-sim.signals")
        let continuation = continuation
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Waits for the first signal and returns its number.
    func wait() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}

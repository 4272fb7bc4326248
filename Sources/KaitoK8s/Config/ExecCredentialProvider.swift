public import Foundation
public import KaitoCore
import KaitoHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What an exec plugin is told about the cluster in `KUBERNETES_EXEC_INFO` when `provideClusterInfo` is set.
public struct ExecClusterInfo: Sendable, Hashable {
    /// The API server URL.
    public var server: String
    /// The CA certificates (PEM), from `certificate-authority` or `certificate-authority-data`.
    public var certificateAuthorityData: Data?
    /// `insecure-skip-tls-verify`.
    public var insecureSkipTLSVerify: Bool
    /// `tls-server-name`.
    public var tlsServerName: String?
    /// `proxy-url`.
    public var proxyURL: String?
    /// The cluster's `client.authentication.k8s.io/exec` extension, passed as `spec.cluster.config`.
    public var config: JSONValue?

    /// Creates cluster information.
    public init(
        server: String, certificateAuthorityData: Data? = nil, insecureSkipTLSVerify: Bool = false,
        tlsServerName: String? = nil, proxyURL: String? = nil, config: JSONValue? = nil
    ) {
        self.server = server
        self.certificateAuthorityData = certificateAuthorityData
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.proxyURL = proxyURL
        self.config = config
    }
}

/// Credentials from a client-go exec credential plugin (`kubelogin`, `aws eks get-token`,
/// `gke-gcloud-auth-plugin`, …), speaking `client.authentication.k8s.io/v1` or `v1beta1`.
///
/// The plugin's credential is cached until its `expirationTimestamp`; a refresh after a 401 runs the plugin
/// again. Callers that ask while a run is in progress wait for that run instead of starting another.
/// Errors name the command, the user entry and the kubeconfig file and end with the tail of the plugin's
/// standard error; they never contain the credential.
public final class ExecCredentialProvider: CredentialProvider {
    /// Everything needed to run the plugin. Its description leaves out the environment and the plugin's args.
    public struct Configuration: Sendable, CustomStringConvertible, CustomReflectable {
        /// The `exec` entry.
        public var exec: Kubeconfig.ExecConfig
        /// The cluster, for `provideClusterInfo`.
        public var cluster: ExecClusterInfo
        /// The user entry's name, for messages.
        public var userName: String
        /// The kubeconfig file that defined the user, for messages.
        public var kubeconfigFile: String?
        /// The environment the plugin starts from (its `PATH` is where the command is looked up).
        public var environment: [String: String]
        /// Whether standard input is a terminal (decides `spec.interactive`).
        public var stdinIsTerminal: Bool

        /// Creates a configuration.
        public init(
            exec: Kubeconfig.ExecConfig, cluster: ExecClusterInfo, userName: String, kubeconfigFile: String? = nil,
            environment: [String: String], stdinIsTerminal: Bool = false
        ) {
            self.exec = exec
            self.cluster = cluster
            self.userName = userName
            self.kubeconfigFile = kubeconfigFile
            self.environment = environment
            self.stdinIsTerminal = stdinIsTerminal
        }

        /// `exec kubelogin (…) for users[name=u] in kubeconfig /path`.
        public var description: String {
            var text = "\(exec) for users[name=\(userName)]"
            if let kubeconfigFile { text += " in kubeconfig \(kubeconfigFile)" }
            return text
        }

        /// A mirror without environment values.
        public var customMirror: Mirror {
            Mirror(self, children: ["description": description], displayStyle: .struct)
        }
    }

    /// The API versions of the ExecCredential protocol this provider speaks.
    public static let supportedAPIVersions = [
        "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
    ]

    /// The plugin settings.
    public let configuration: Configuration
    private let state: ExecState

    /// Creates a provider.
    /// - Parameters:
    ///   - configuration: The plugin and its context.
    ///   - now: The clock expiry is checked against.
    public init(configuration: Configuration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.state = ExecState(now: now)
    }

    /// The cached credential while it is valid and not the one refused, else the plugin's new one.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Kind/credentials``) when the plugin cannot run or answers
    ///   badly.
    public func credential(rejecting rejected: KubernetesCredential?) async throws -> KubernetesCredential {
        let configuration = configuration
        return try await state.credential(rejecting: rejected) {
            try await ExecPluginRunner(configuration: configuration).run()
        }
    }

    /// `true`: running the plugin again can give a new credential.
    public var canRefresh: Bool { true }

    /// How many callers are waiting on the run in progress (for tests).
    var waitingCallers: Int {
        get async { await state.waiting }
    }
}

/// The cache and the single in-flight plugin run.
actor ExecState {
    private let now: @Sendable () -> Date
    private var cached: KubernetesCredential?
    private var inFlight: Task<KubernetesCredential, any Error>?
    private(set) var waiting = 0

    init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    func credential(
        rejecting rejected: KubernetesCredential?, run: @escaping @Sendable () async throws -> KubernetesCredential
    ) async throws -> KubernetesCredential {
        if let inFlight { return try await join(inFlight) }
        // A credential other than the refused one is newer: another caller already refreshed.
        if let cached, cached != rejected, cached.expiresAt.map({ $0 > now() }) ?? true { return cached }
        cached = nil
        let task = Task { try await run() }
        inFlight = task
        defer { inFlight = nil }
        let credential = try await join(task)
        cached = credential
        return credential
    }

    private func join(_ task: Task<KubernetesCredential, any Error>) async throws -> KubernetesCredential {
        waiting += 1
        defer { waiting -= 1 }
        return try await task.value
    }
}

/// One run of an exec plugin: environment, process, output parsing.
struct ExecPluginRunner: Sendable {
    let configuration: ExecCredentialProvider.Configuration

    private var exec: Kubeconfig.ExecConfig { configuration.exec }

    /// `exec plugin "kubelogin" of users[name=u] in kubeconfig /path`.
    private var subject: String {
        var text = "exec plugin \"\(exec.command)\" of users[name=\(configuration.userName)]"
        if let file = configuration.kubeconfigFile { text += " in kubeconfig \(file)" }
        return text
    }

    private func failure(_ message: String, underlying: (any Error)? = nil) -> KubernetesError {
        KubernetesError(kind: .credentials, message: "\(subject) \(message)", underlying: underlying)
    }

    func run() async throws -> KubernetesCredential {
        guard let executable = Self.findExecutable(exec.command, path: configuration.environment["PATH"] ?? "") else {
            if exec.command.contains("/"), FileManager.default.fileExists(atPath: exec.command) {
                throw failure("is not executable; make it executable (chmod +x) or fix the command's path")
            }
            var message = "was not found"
            if !exec.command.contains("/") { message += " on PATH" }
            if let hint = exec.installHint {
                message += ": \(hint)"
            } else {
                message += "; install it or fix users[name=\(configuration.userName)].user.exec.command"
            }
            throw failure(message)
        }
        let interactive: Bool
        switch exec.interactiveMode ?? .ifAvailable {
        case .never: interactive = false
        case .ifAvailable: interactive = configuration.stdinIsTerminal
        case .always:
            guard configuration.stdinIsTerminal else {
                throw failure(
                    "needs an interactive terminal (interactiveMode: Always) but standard input is not one; "
                        + "run the command from a terminal or log in with the plugin first")
            }
            interactive = true
        }
        var environment = configuration.environment
        for variable in exec.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = execInfo(interactive: interactive)
        let result: ProcessResult
        do {
            result = try await Self.runProcess(
                executable: executable, arguments: exec.args, environment: environment, passStdin: interactive)
        } catch {
            throw failure("could not be started from \(executable): \(FileProblem.describe(error))", underlying: error)
        }
        guard result.status == 0 else {
            throw failure("failed with exit status \(result.status)\(Self.stderrTail(result.stderr))")
        }
        return try parse(result.stdout, stderr: result.stderr)
    }

    /// The `KUBERNETES_EXEC_INFO` JSON.
    func execInfo(interactive: Bool) -> String {
        var spec: [String: JSONValue] = ["interactive": .bool(interactive)]
        if exec.provideClusterInfo {
            let info = configuration.cluster
            var cluster: [String: JSONValue] = ["server": .string(info.server)]
            if let data = info.certificateAuthorityData {
                cluster["certificate-authority-data"] = .string(data.base64EncodedString())
            }
            if info.insecureSkipTLSVerify { cluster["insecure-skip-tls-verify"] = .bool(true) }
            if let name = info.tlsServerName { cluster["tls-server-name"] = .string(name) }
            if let proxy = info.proxyURL { cluster["proxy-url"] = .string(proxy) }
            if let config = info.config { cluster["config"] = config }
            spec["cluster"] = .object(cluster)
        }
        let value: JSONValue = [
            "kind": "ExecCredential", "apiVersion": .string(exec.apiVersion), "spec": .object(spec),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func parse(_ stdout: Data, stderr: Data) throws -> KubernetesCredential {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: stdout), json.objectValue != nil else {
            throw failure(
                "printed something that is not an ExecCredential JSON object (\(stdout.count) bytes)"
                    + Self.stderrTail(stderr))
        }
        guard json["kind"]?.stringValue == "ExecCredential" else {
            throw failure("printed kind \"\(json["kind"]?.stringValue ?? "")\" instead of ExecCredential")
        }
        let version = json["apiVersion"]?.stringValue ?? ""
        guard version == exec.apiVersion else {
            throw failure(
                "answered with apiVersion \"\(version)\" but \"\(exec.apiVersion)\" was requested; "
                    + "set users[name=\(configuration.userName)].user.exec.apiVersion to the version the plugin speaks")
        }
        guard let status = json["status"]?.objectValue else {
            throw failure("answered without a status field")
        }
        var credential = KubernetesCredential()
        if let token = status["token"]?.stringValue, !token.isEmpty { credential.bearerToken = token }
        let certificate = status["clientCertificateData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let key = status["clientKeyData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (let certificate?, let key?):
            credential.clientIdentity = HTTPClientConfiguration.ClientIdentity(
                certificate: .pem(Data(certificate.utf8)), privateKey: .pem(Data(key.utf8)))
        case (.some, nil):
            throw failure("returned clientCertificateData without clientKeyData")
        case (nil, .some):
            throw failure("returned clientKeyData without clientCertificateData")
        case (nil, nil):
            break
        }
        guard credential.bearerToken != nil || credential.clientIdentity != nil else {
            throw failure("returned neither status.token nor status.clientCertificateData and status.clientKeyData")
        }
        if let text = status["expirationTimestamp"]?.stringValue, !text.isEmpty {
            guard let date = RFC3339.date(from: text) else {
                throw failure("returned an expirationTimestamp \"\(text)\" that is not an RFC 3339 time")
            }
            credential.expiresAt = date
        }
        return credential
    }

    /// `: <last lines of stderr>` or nothing.
    static func stderrTail(_ data: Data) -> String {
        let text = String(decoding: data.suffix(2048), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        var tail = lines.suffix(5).joined(separator: " | ")
        if tail.count > 500 { tail = "…" + String(tail.suffix(500)) }
        return ": \(tail)"
    }

    /// The absolute path of `command`: as given when it contains `/`, else the first executable on `path`.
    static func findExecutable(_ command: String, path: String) -> String? {
        guard !command.isEmpty else { return nil }
        if command.contains("/") {
            return FileManager.default.isExecutableFile(atPath: command) ? command : nil
        }
        for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
            let directory = folder.isEmpty ? "." : String(folder)
            let candidate = (directory as NSString).appendingPathComponent(command)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }

    struct ProcessResult: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    /// Runs the plugin off the cooperative thread pool and collects its output.
    static func runProcess(
        executable: String, arguments: [String], environment: [String: String], passStdin: Bool
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                process.environment = environment
                let output = Pipe()
                let errors = Pipe()
                process.standardOutput = output
                process.standardError = errors
                process.standardInput = passStdin ? FileHandle.standardInput : FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let errorData = Locked(Data())
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    let data = errors.fileHandleForReading.readDataToEndOfFile()
                    errorData.withLock { $0 = data }
                    group.leave()
                }
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(
                    returning: ProcessResult(
                        status: process.terminationStatus, stdout: outputData, stderr: errorData.withLock { $0 }))
            }
        }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parts of the outside world that kubeconfig loading depends on, passed in rather than read globally so
/// tests can use a dictionary.
public struct KubeconfigEnvironment: Sendable {
    /// Where a pod's service account is mounted.
    public static let defaultInClusterRoot = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Environment variables: `KUBECONFIG`, `HOME`, `PATH`, `HTTPS_PROXY`, `KUBERNETES_SERVICE_HOST`, ….
    public var variables: [String: String]
    /// The home folder holding `.kube/config`; `nil` uses `variables["HOME"]`.
    public var homeDirectory: String?
    /// The folder relative `--kubeconfig` and `KUBECONFIG` paths resolve against.
    public var workingDirectory: String
    /// The folder holding the service account's `token`, `ca.crt` and `namespace` files.
    public var inClusterRoot: String
    /// Whether standard input is a terminal, which decides whether exec plugins may prompt.
    public var stdinIsTerminal: Bool

    /// Creates an environment.
    public init(
        variables: [String: String], homeDirectory: String? = nil, workingDirectory: String = "/",
        inClusterRoot: String = KubeconfigEnvironment.defaultInClusterRoot, stdinIsTerminal: Bool = false
    ) {
        self.variables = variables
        self.homeDirectory = homeDirectory
        self.workingDirectory = workingDirectory
        self.inClusterRoot = inClusterRoot
        self.stdinIsTerminal = stdinIsTerminal
    }

    /// This process's environment, home folder, working folder and terminal.
    public static func current() -> KubeconfigEnvironment {
        let variables = ProcessInfo.processInfo.environment
        return KubeconfigEnvironment(
            variables: variables,
            homeDirectory: variables["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory(),
            workingDirectory: FileManager.default.currentDirectoryPath,
            stdinIsTerminal: isatty(0) == 1)
    }

    /// The home folder in use, if any.
    var home: String? {
        (homeDirectory ?? variables["HOME"]).flatMap { $0.isEmpty ? nil : $0 }
    }
}

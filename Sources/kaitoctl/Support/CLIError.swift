import ArgumentParser

/// Exit codes shared by every command, documented in `--help` and Docs/cli.md.
enum ExitStatus: Int32 {
    /// Success.
    case success = 0
    /// The operation failed: invalid manifests, unknown names.
    case failure = 1
    /// Usage error: bad flags or arguments, unreadable input files, an invalid Workspace.
    case usage = 2
    /// Timed out waiting (`--wait --timeout`).
    case timedOut = 3
    /// Cannot reach or authenticate to the cluster (kubeconfig, network, TLS, credentials).
    case cluster = 4
}

/// An error already phrased for the user: printed as is, one line each, then the process exits.
struct CLIError: Error {
    var lines: [String]
    var status: ExitStatus

    init(_ line: String, status: ExitStatus = .failure) {
        self.lines = [line]
        self.status = status
    }

    init(lines: [String], status: ExitStatus) {
        self.lines = lines
        self.status = status
    }
}

/// The exit code table, appended to every command's help.
let exitCodeHelp = """
    Exit codes: 0 success; 1 the operation failed (invalid manifest, unknown name, the failing condition's \
    message); 2 usage or validation error (bad flag or argument, unreadable or invalid file); 3 timed out \
    waiting; 4 cannot reach or authenticate to the cluster.
    """

import ArgumentParser

/// Exit codes shared by every command, documented in `--help` and Docs/cli.md.
enum ExitStatus: Int32 {
    /// Success.
    case success = 0
    /// The operation failed: invalid manifests, unknown names.
    case failure = 1
    /// Usage error: bad flags or arguments, unreadable input files.
    case usage = 2
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
    Exit codes: 0 success; 1 the operation failed (invalid manifest, unknown name); \
    2 usage error (bad flag or argument, unreadable file).
    """

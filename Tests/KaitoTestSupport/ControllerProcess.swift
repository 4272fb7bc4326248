public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Helpers that run the built `kaito-controller` executable as a cluster would, and read what it logs.

/// Why the controller binary could not be run or did not do what was waited for.
public struct ControllerProcessError: Error, CustomStringConvertible {
    /// What happened.
    public var description: String
}

/// Locates an executable SwiftPM built next to the test bundle (`kaito-controller`, `kaito-sim`).
public enum BuiltBinary {
    /// `kaito-controller`, or `$KAITO_CONTROLLER_BINARY`.
    public static let controller: Result<URL, ControllerProcessError> = find(
        "kaito-controller", override: "KAITO_CONTROLLER_BINARY")

    /// `name` next to the test bundle (or in a folder above it), or the file `$override` names.
    public static func find(_ name: String, override: String) -> Result<URL, ControllerProcessError> {
        if let explicit = ProcessInfo.processInfo.environment[override], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                return .failure(
                    ControllerProcessError(description: "\(override)=\(explicit) is not an executable file"))
            }
            return .success(URL(fileURLWithPath: explicit))
        }
        var starts: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            starts.append(bundle.bundleURL.deletingLastPathComponent())
        }
        starts.append(Bundle.main.bundleURL)
        if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let url = URL(
                fileURLWithPath: argument0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            starts.append(url.standardizedFileURL.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        var searched: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = directory.appendingPathComponent(name)
                searched.append(directory.path)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                    !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return .success(candidate)
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return .failure(
            ControllerProcessError(
                description: "the \(name) executable was not found next to the test bundle; build it with "
                    + "`swift build`, or set \(override). Searched: \(searched.joined(separator: ", "))"))
    }
}

/// Sends `signal` to a process (the C library's `kill`).
public func signalProcess(_ pid: Int32, _ signal: Int32) {
    _ = kill(pid, signal)
}

/// Writing to a child that already exited must fail with EPIPE, not kill the test process.
private let ignoreSIGPIPE: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// A running `kaito-controller` process. Standard output and error go to files (a chatty process cannot block on
/// a full pipe); the log is read back from them.
public final class ControllerProcess: @unchecked Sendable {
    /// The process.
    public let process: Process
    /// Its arguments.
    public let arguments: [String]
    private let stdoutURL: URL
    private let stderrURL: URL

    /// The ports and identity the startup line reported.
    public struct Startup: Sendable {
        /// The metrics port.
        public var metricsPort: Int?
        /// The health probe port.
        public var healthPort: Int?
        /// The leader election identity.
        public var identity: String?
    }

    private init(process: Process, arguments: [String], stdoutURL: URL, stderrURL: URL) {
        self.process = process
        self.arguments = arguments
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
    }

    /// Starts the built binary with `arguments` (plus `environment` over this process's), logging into
    /// `directory`.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], directory: URL
    ) throws -> ControllerProcess {
        _ = ignoreSIGPIPE
        let executable = try BuiltBinary.controller.get()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let id = UUID().uuidString.prefix(8)
        let stdoutURL = directory.appendingPathComponent("controller-\(id).out")
        let stderrURL = directory.appendingPathComponent("controller-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        for name in ["KUBECONFIG", "SYSTEM_NAMESPACE", "RELEASE_NAMESPACE", "CLOUD_PROVIDER", "PRESET_REGISTRY_NAME"] {
            variables[name] = nil
        }
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        return ControllerProcess(process: process, arguments: arguments, stdoutURL: stdoutURL, stderrURL: stderrURL)
    }

    /// Everything written to standard error so far (the log).
    public var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }
    /// Everything written to standard output so far.
    public var stdout: String { String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self) }

    public var isRunning: Bool { process.isRunning }

    /// Waits for the one-line startup report and reads the bound ports and leader election identity from it.
    public func waitForStartup(timeout: Duration = .seconds(60)) async throws -> Startup {
        let line = try await waitForLog(containing: "kaito-controller started:", timeout: timeout)
        func port(after marker: String) -> Int? {
            guard let range = line.range(of: marker) else { return nil }
            let rest = line[range.upperBound...]
            let address = rest.prefix { !$0.isWhitespace && $0 != "," }
            return address.split(separator: ":").last.flatMap { Int($0) }
        }
        var identity: String?
        if let range = line.range(of: " as ") {
            identity = String(line[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," })
        }
        return Startup(
            metricsPort: port(after: "metrics on "), healthPort: port(after: "health probes on "), identity: identity)
    }

    /// Waits until a log line contains `text` and returns that line.
    @discardableResult
    public func waitForLog(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = stderr.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !process.isRunning {
                throw ControllerProcessError(
                    description: "kaito-controller exited (\(process.terminationStatus)) before logging \"\(text)\":\n"
                        + stderr)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ControllerProcessError(description: "kaito-controller did not log \"\(text)\" in \(timeout):\n\(stderr)")
    }

    /// Sends SIGTERM (graceful stop).
    public func terminate() {
        if process.isRunning { signalProcess(process.processIdentifier, SIGTERM) }
    }

    /// Sends SIGKILL (a crash: nothing is released).
    public func kill() {
        if process.isRunning { signalProcess(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process to exit and returns its status (128 + signal when a signal killed it).
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill()
                throw ControllerProcessError(description: "kaito-controller did not exit in \(timeout):\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// SIGTERM, then waits for the exit status; SIGKILL if the process does not stop in time.
    public func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        terminate()
        return try await waitForExit(timeout: timeout)
    }

    /// SIGTERM, then up to `seconds` for the exit (blocking the calling thread), then SIGKILL: for clean-ups that
    /// cannot wait asynchronously.
    public func stopBlocking(seconds: Double = 10) {
        terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        kill()
    }

    deinit {
        if process.isRunning { signalProcess(process.processIdentifier, SIGKILL) }
    }
}

extension TestCluster {
    /// The namespace test controllers run in (their leader election Lease).
    public static let controllerNamespace = "kaito-system"

    /// Arguments every test controller gets: this kubeconfig, free ports on 127.0.0.1, and (for `--leader-elect`)
    /// the Lease in `kaito-system` with short timings (4 s lease, 3 s renew deadline, 0.2 s retry).
    public func controllerArguments(_ extra: [String] = [], kubeconfig: URL? = nil) -> [String] {
        [
            "--kubeconfig", (kubeconfig ?? self.kubeconfig).path, "--metrics-bind-address", "127.0.0.1:0",
            "--health-probe-bind-address", "127.0.0.1:0", "--leader-election-namespace", Self.controllerNamespace,
            "--leader-election-lease-duration", "4", "--leader-election-renew-deadline", "3",
            "--leader-election-retry-period", "0.2",
        ] + extra
    }

    /// Starts the built `kaito-controller` against this cluster; it is stopped (SIGTERM) when the cluster stops,
    /// if it still runs.
    public func startController(
        _ extra: [String] = [], environment: [String: String] = [:], kubeconfig: URL? = nil
    ) throws -> ControllerProcess {
        let process = try ControllerProcess.start(
            controllerArguments(extra, kubeconfig: kubeconfig), environment: environment,
            directory: directory.appendingPathComponent("logs"))
        onStop { process.stopBlocking() }
        return process
    }
}

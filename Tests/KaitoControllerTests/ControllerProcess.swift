import Foundation
import HTTPTypes
import KaitoHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Helpers that run the built `kaito-controller` executable as a cluster would, and read what it logs.

/// Why the controller binary could not be run or did not do what was waited for.
struct ControllerProcessError: Error, CustomStringConvertible {
    var description: String
}

/// Locates an executable SwiftPM built next to the test bundle (`kaito-controller`, `kaito-sim`).
enum BuiltBinary {
    /// `kaito-controller`, or `$KAITO_CONTROLLER_BINARY`.
    static let controller: Result<URL, ControllerProcessError> = find(
        "kaito-controller", override: "KAITO_CONTROLLER_BINARY")

    static func find(_ name: String, override: String) -> Result<URL, ControllerProcessError> {
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
func signalProcess(_ pid: Int32, _ signal: Int32) {
    _ = kill(pid, signal)
}

/// Writing to a child that already exited must fail with EPIPE, not kill the test process.
private let ignoreSIGPIPE: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// A running `kaito-controller` process. Standard output and error go to files (a chatty process cannot block on
/// a full pipe); the log is read back from them.
final class ControllerProcess: @unchecked Sendable {
    let process: Process
    let arguments: [String]
    private let stdoutURL: URL
    private let stderrURL: URL

    /// The ports and identity the startup line reported.
    struct Startup: Sendable {
        var metricsPort: Int?
        var healthPort: Int?
        var identity: String?
    }

    private init(process: Process, arguments: [String], stdoutURL: URL, stderrURL: URL) {
        self.process = process
        self.arguments = arguments
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
    }

    /// Starts the built binary with `arguments` (plus `environment` over this process's), logging into
    /// `directory`.
    static func start(
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
    var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }
    /// Everything written to standard output so far.
    var stdout: String { String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self) }

    var isRunning: Bool { process.isRunning }

    /// Waits for the one-line startup report and reads the bound ports and leader election identity from it.
    func waitForStartup(timeout: Duration = .seconds(60)) async throws -> Startup {
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
    func waitForLog(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
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
    func terminate() {
        if process.isRunning { signalProcess(process.processIdentifier, SIGTERM) }
    }

    /// Sends SIGKILL (a crash: nothing is released).
    func kill() {
        if process.isRunning { signalProcess(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process to exit and returns its status (128 + signal when a signal killed it).
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
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
    func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        terminate()
        return try await waitForExit(timeout: timeout)
    }

    deinit {
        if process.isRunning { signalProcess(process.processIdentifier, SIGKILL) }
    }
}

/// Runs the binary to completion (for flags that make it exit at once) and returns status and output.
func runController(
    _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-controller-run-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let process = try ControllerProcess.start(arguments, environment: environment, directory: directory)
    let status = try await process.waitForExit(timeout: timeout)
    return (status, process.stdout, process.stderr)
}

/// GETs `http://127.0.0.1:PORT/path` and returns the status code and body.
func httpGet(port: Int, _ path: String) async throws -> (status: Int, body: String) {
    let transport = try CurlTransport(configuration: HTTPClientConfiguration(proxy: .none))
    let request = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:\(port)", path: path)
    let response = try await transport.send(request, body: nil, options: HTTPRequestOptions(totalTimeout: .seconds(10)))
    let body = try await response.collect(upTo: 16 * 1024 * 1024)
    return (response.response.status.code, String(decoding: body, as: UTF8.self))
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func controllerEventually(
    timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return (try? await condition()) == true
}

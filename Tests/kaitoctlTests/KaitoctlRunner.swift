import Foundation
import Testing

// Helpers that run the built `kaitoctl` executable the way a user would, and read what it printed.

/// Every command-line test, run one process at a time (each test starts one or more `kaitoctl` processes).
/// The suites in the other files are nested in this one through extensions, so `.serialized` covers them all.
@Suite(.serialized)
struct KaitoctlCLITests {}

/// Why `kaitoctl` could not be run.
struct KaitoctlRunError: Error, CustomStringConvertible {
    var description: String
}

/// Locates the `kaitoctl` executable that SwiftPM built next to the test bundle.
enum KaitoctlBinary {
    /// Environment variable that overrides the search with an explicit path.
    static let overrideVariable = "KAITOCTL_BINARY"

    /// The executable, found once.
    static let location: Result<URL, KaitoctlRunError> = find()

    static func url() throws -> URL {
        try location.get()
    }

    private static func find() -> Result<URL, KaitoctlRunError> {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment[overrideVariable], !explicit.isEmpty {
            guard isExecutableFile(explicit) else {
                return .failure(KaitoctlRunError(description: "\(overrideVariable)=\(explicit) is not an executable file"))
            }
            return .success(URL(fileURLWithPath: explicit))
        }

        // The products directory holds the `.xctest` bundle (macOS: a bundle directory; Linux: an executable
        // file), and `kaitoctl` beside it. Start from every place the test process can tell us about and walk up.
        var starts: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            starts.append(bundle.bundleURL.deletingLastPathComponent())
        }
        starts.append(Bundle.main.bundleURL)
        if let executable = Bundle.main.executableURL {
            starts.append(executable.deletingLastPathComponent())
        }
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let url = URL(fileURLWithPath: argument0, relativeTo: URL(fileURLWithPath: fileManager.currentDirectoryPath))
            starts.append(url.standardizedFileURL.resolvingSymlinksInPath().deletingLastPathComponent())
        }

        var searched: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = directory.appendingPathComponent("kaitoctl")
                if !searched.contains(directory.path) { searched.append(directory.path) }
                if isExecutableFile(candidate.path) { return .success(candidate) }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return .failure(KaitoctlRunError(description: """
            the kaitoctl executable was not found next to the test bundle; build it with `swift build` \
            (or `swift test`, which builds it), or set \(overrideVariable). Searched: \
            \(searched.joined(separator: ", "))
            """))
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}

/// Bytes collected by a background reader.
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func set(_ data: Data) {
        lock.lock()
        storage = data
        lock.unlock()
    }
}

/// Writing to a child that already exited must fail with EPIPE, not kill the test process.
private let ignoreSIGPIPE: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// Runs the built `kaitoctl` with `args`, feeding `stdin` (or an empty standard input when nil).
///
/// Standard output and standard error are read to the end on background threads while the process runs, so a
/// chatty process cannot block on a full pipe. `status` is the exit code, or 128 + the signal number when the
/// process was killed by a signal (a crash). The process runs in `directory` when given, otherwise in the
/// test's working directory.
func runKaitoctl(
    _ args: [String], stdin: Data? = nil, in directory: URL? = nil, timeout: TimeInterval = 120
) throws -> (status: Int32, stdout: String, stderr: String) {
    _ = ignoreSIGPIPE
    let process = Process()
    process.executableURL = try KaitoctlBinary.url()
    process.arguments = args
    if let directory { process.currentDirectoryURL = directory }

    let outputPipe = Pipe()
    let errorPipe = Pipe()
    process.standardOutput = outputPipe
    process.standardError = errorPipe
    let inputPipe = stdin.map { _ in Pipe() }
    process.standardInput = inputPipe ?? FileHandle.nullDevice

    try process.run()

    let group = DispatchGroup()
    let output = DataBox()
    let error = DataBox()
    let outputReader = outputPipe.fileHandleForReading
    let errorReader = errorPipe.fileHandleForReading
    DispatchQueue.global().async(group: group) { output.set(outputReader.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { error.set(errorReader.readDataToEndOfFile()) }
    if let stdin, let inputPipe {
        let writer = inputPipe.fileHandleForWriting
        DispatchQueue.global().async(group: group) {
            try? writer.write(contentsOf: stdin)
            try? writer.close()
        }
    }

    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        _ = group.wait(timeout: .now() + 10)
        process.waitUntilExit()
        throw KaitoctlRunError(description: "kaitoctl \(args.joined(separator: " ")) did not finish in \(Int(timeout))s")
    }
    process.waitUntilExit()

    let status: Int32 = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus
        : process.terminationStatus
    return (status, String(decoding: output.data, as: UTF8.self), String(decoding: error.data, as: UTF8.self))
}

// MARK: - Files and paths

/// The repository root, found from this source file's location (Tests/kaitoctlTests/KaitoctlRunner.swift).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every manifest under examples/, as paths relative to the repository root, sorted.
func exampleManifests() throws -> [String] {
    let examples = repositoryRoot.appendingPathComponent("examples")
    let rootPath = repositoryRoot.standardizedFileURL.path
    guard let enumerator = FileManager.default.enumerator(atPath: examples.path) else {
        throw KaitoctlRunError(description: "cannot list \(examples.path)")
    }
    var paths: [String] = []
    while let relative = enumerator.nextObject() as? String {
        let url = examples.appendingPathComponent(relative).standardizedFileURL
        guard ["yaml", "yml", "json"].contains(url.pathExtension) else { continue }
        var path = url.path
        if path.hasPrefix(rootPath + "/") { path.removeFirst(rootPath.count + 1) }
        paths.append(path)
    }
    return paths.sorted()
}

/// Runs `body` with a fresh, empty temporary directory, removed afterwards.
@discardableResult
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("kaitoctlTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Writes `text` as UTF-8 to `name` inside `directory`.
@discardableResult
func writeFile(_ name: String, _ text: String, in directory: URL) throws -> URL {
    try writeFile(name, Data(text.utf8), in: directory)
}

/// Writes `data` to `name` inside `directory`.
@discardableResult
func writeFile(_ name: String, _ data: Data, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try data.write(to: url)
    return url
}

// MARK: - Output helpers

/// The lines of `text`, without the final newline's empty line.
func outputLines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// The cells of a kaitoctl table line: columns are separated by at least two spaces.
func tableCells(_ line: String) -> [String] {
    line.components(separatedBy: "  ")
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
}

/// Character offsets where each table cell starts.
func cellStarts(_ line: String) -> [Int] {
    var starts: [Int] = []
    var spaces = 2
    for (offset, character) in line.enumerated() {
        if character == " " {
            spaces += 1
        } else {
            if spaces >= 2 { starts.append(offset) }
            spaces = 0
        }
    }
    return starts
}

/// Parses JSON output, recording an issue when it is not JSON.
func parseJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Any? {
    do {
        return try JSONSerialization.jsonObject(with: Data(text.utf8))
    } catch {
        Issue.record("output is not JSON: \(error)\n\(text.prefix(500))", sourceLocation: sourceLocation)
        return nil
    }
}

/// Text a crashing Swift program or an unhandled error leaves on standard error.
let crashMarkers = [
    "Fatal error", "fatal error", "Stack dump", "Backtrace", "backtrace", "Current stack trace",
    "Program crashed", "💣", "Segmentation fault", "Illegal instruction", "Thread 0", "0x0000",
]

/// Expects that `stderr` carries no crash or stack trace text and that `status` is not a signal.
func expectNoCrash(
    _ result: (status: Int32, stdout: String, stderr: String), sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status < 128, "kaitoctl was killed by a signal (status \(result.status))", sourceLocation: sourceLocation)
    for marker in crashMarkers {
        #expect(!result.stderr.contains(marker), "stderr contains \"\(marker)\":\n\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stdout.contains(marker), "stdout contains \"\(marker)\":\n\(result.stdout)", sourceLocation: sourceLocation)
    }
}

// MARK: - Manifests

/// A valid falcon-7b workspace on Standard_NC12s_v3, the base of most bad-input cases.
let validWorkspaceYAML = """
    apiVersion: kaito.sh/v1alpha1
    kind: Workspace
    metadata:
      name: workspace-falcon-7b
    resource:
      instanceType: Standard_NC12s_v3
      labelSelector:
        matchLabels:
          apps: falcon-7b
    inference:
      preset:
        name: falcon-7b

    """

/// `validWorkspaceYAML` with `old` (which must occur in it) replaced by `new`.
func workspaceYAML(replacing old: String, with new: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    #expect(validWorkspaceYAML.contains(old), "the base workspace has no \"\(old)\"", sourceLocation: sourceLocation)
    return validWorkspaceYAML.replacingOccurrences(of: old, with: new)
}

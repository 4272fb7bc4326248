import Dispatch
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command-line tool from a test, the way a user would, without blocking a Swift concurrency thread.
///
/// Output goes through files, so a chatty process cannot fill a pipe and stall; a process still running after
/// `timeoutSeconds` is killed.
public enum ChildProcess {
    /// How a process ended and what it printed.
    public struct Result: Sendable {
        /// The exit status.
        public let status: Int32
        /// Everything written to standard output.
        public let output: String
        /// Everything written to standard error.
        public let errors: String

        /// Creates a result.
        public init(status: Int32, output: String, errors: String) {
            self.status = status
            self.output = output
            self.errors = errors
        }
    }

    /// Runs `executable` with `arguments` and `environment` in `directory` (created if needed), with `input` as
    /// standard input (empty by default), and returns when it exits.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], in directory: URL,
        input: String = "", timeoutSeconds: Double = 60
    ) async throws -> Result {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let id = UUID().uuidString
        let outputURL = directory.appendingPathComponent("out-\(id)")
        let errorURL = directory.appendingPathComponent("err-\(id)")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let inputURL = directory.appendingPathComponent("in-\(id)")
        try Data(input.utf8).write(to: inputURL)
        let standardInput = try FileHandle(forReadingFrom: inputURL)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        defer {
            try? standardInput.close()
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
        func read(_ url: URL) -> String { String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        return Result(status: status, output: read(outputURL), errors: read(errorURL))
    }
}

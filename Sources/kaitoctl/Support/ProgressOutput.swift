import Foundation
import KaitoCore
import KaitoK8s

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress output while waiting: whole lines, plus a live spinner line when standard output is a terminal.
final class LiveOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive: Bool
    private var spinnerShown = false
    private var frame = 0
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    init() {
        interactive = isatty(STDOUT_FILENO) != 0
    }

    /// Prints one line, above the spinner.
    func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        clearSpinner()
        Console.out(text)
    }

    /// Redraws the spinner with `text` (terminals only).
    func spin(_ text: String) {
        guard interactive else { return }
        lock.lock()
        defer { lock.unlock() }
        frame = (frame + 1) % Self.frames.count
        FileHandle.standardOutput.write(Data("\r\u{1B}[K\(Self.frames[frame]) \(text)".utf8))
        spinnerShown = true
    }

    /// Removes the spinner line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        clearSpinner()
    }

    private func clearSpinner() {
        guard spinnerShown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
        spinnerShown = false
    }
}

/// Prints a workspace's progress while waiting: one line per step with the time since the wait began, under a
/// spinner on terminals.
struct ProgressPrinter: Sendable {
    let output = LiveOutput()
    let start = ContinuousClock.now

    var elapsed: String {
        WorkspaceFormat.elapsed((ContinuousClock.now - start).seconds)
    }

    /// Runs `body` with a spinner saying `text` (terminals only), removed afterwards.
    @discardableResult
    func spinning<T>(_ text: String, _ body: () async throws -> T) async rethrows -> T {
        let printer = self
        let spinner = Task {
            while !Task.isCancelled {
                printer.output.spin("\(text) (\(printer.elapsed))")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer {
            spinner.cancel()
            output.finish()
        }
        return try await body()
    }

    /// Prints one step; the end (succeeded, failed) prints nothing here, the command says it.
    func print(_ event: WorkspaceProgressEvent) {
        switch event {
        case .succeeded, .failed: return
        case .condition, .nodeClaim, .pod: output.line("\(event) (\(elapsed))")
        }
    }
}

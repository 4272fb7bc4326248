import Foundation
import KaitoHTTP
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

/// Runs `body` for at most `seconds`; returns its result, or `nil` when the time ran out first.
///
/// Both run as unstructured tasks so a body stuck in a network read cannot hold up the timeout; the loser is
/// cancelled.
func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    let resumed = Locked(false)
    let tasks = Locked<[Task<Void, Never>]>([])
    let result: T? = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
        @Sendable func finish(_ outcome: Result<T?, any Error>) {
            let shouldResume = resumed.withLock { done -> Bool in
                if done { return false }
                done = true
                return true
            }
            guard shouldResume else { return }
            for task in tasks.value { task.cancel() }
            continuation.resume(with: outcome)
        }
        let work = Task {
            do {
                finish(.success(try await body()))
            } catch {
                finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            finish(.success(nil))
        }
        tasks.value = [work, timer]
        if resumed.value {
            work.cancel()
            timer.cancel()
        }
    }
    return result
}

/// Follows one workspace by watching it: condition changes as lines, until it succeeds, fails, is gone or the
/// timeout passes.
struct WorkspaceWaiter: Sendable {
    let client: KubernetesClient
    let name: String
    let namespace: String
    let timeout: WaitTimeout
    let start: ContinuousClock.Instant

    init(client: KubernetesClient, name: String, namespace: String, timeout: WaitTimeout) {
        self.client = client
        self.name = name
        self.namespace = namespace
        self.timeout = timeout
        self.start = .now
    }

    private var elapsed: String {
        let duration = ContinuousClock.now - start
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return WorkspaceFormat.elapsed(seconds)
    }

    /// Waits for WorkspaceSucceeded=True and returns the workspace.
    /// - Throws: ``CLIError``: 1 when it fails (the condition's message), 3 on timeout.
    func waitForSuccess() async throws -> KubernetesObject {
        let output = LiveOutput()
        let last = Locked<KubernetesObject?>(nil)
        let spinner = spinnerTask(output: output, text: "waiting for workspace \(name) to succeed")
        defer {
            spinner.cancel()
            output.finish()
        }
        let waiter = self
        let result = try await withDeadline(seconds: timeout.seconds) {
            try await withClusterErrors { try await waiter.followToSuccess(output: output, last: last) }
        }
        spinner.cancel()
        output.finish()
        if let result { return result }
        var reason = "waiting for the controller to report the workspace's status (is kaito-controller running?)"
        if let object = last.value {
            let client = self.client
            if let observed = try? await withDeadline(
                seconds: 10,
                {
                    try await WorkspaceObservation.load(client: client, workspace: object)
                })
            {
                reason = observed.pendingSummary()
                if WorkspaceFormat.failingCondition(of: object) == nil { reason = "waiting for " + reason }
            }
        }
        throw CLIError(
            "timed out after \(timeout.text) waiting for workspace \(name): \(reason)", status: .timedOut)
    }

    /// Waits until the workspace is gone.
    /// - Throws: ``CLIError`` with status 3 on timeout.
    func waitForDeletion() async throws {
        let output = LiveOutput()
        let last = Locked<KubernetesObject?>(nil)
        let spinner = spinnerTask(output: output, text: "waiting for workspace \(name) to be deleted")
        defer {
            spinner.cancel()
            output.finish()
        }
        let waiter = self
        let result: Bool? = try await withDeadline(seconds: timeout.seconds) {
            try await withClusterErrors { try await waiter.followToDeletion(last: last) }
        }
        spinner.cancel()
        output.finish()
        if result != nil { return }
        var detail = "it still exists"
        if let finalizers = last.value?.metadata.finalizers, !finalizers.isEmpty {
            detail = "finalizers \(finalizers.joined(separator: ", ")) are still pending"
        }
        throw CLIError(
            "timed out after \(timeout.text) waiting for workspace \(name) to be deleted: \(detail)",
            status: .timedOut)
    }

    private func spinnerTask(output: LiveOutput, text: String) -> Task<Void, Never> {
        let waiter = self
        return Task {
            while !Task.isCancelled {
                output.spin("\(text) (\(waiter.elapsed))")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private var fieldSelector: String { "metadata.name=\(name)" }

    /// Reconnects across dropped watch connections, but gives up (exit 4) when the server stays unreachable.
    private static let reconnect = WatchReconnectPolicy(maxBackoff: .seconds(5), maxConsecutiveFailures: 8)

    private func followToSuccess(output: LiveOutput, last: Locked<KubernetesObject?>) async throws
        -> KubernetesObject
    {
        let resource = client.resource(.workspaces)
        var seen: [String: String] = [:]
        func handle(_ object: KubernetesObject) throws -> KubernetesObject? {
            last.value = object
            for condition in WorkspaceFormat.conditions(of: object) {
                let key = "\(condition.status)\u{0}\(condition.reason)\u{0}\(condition.message)"
                guard seen[condition.type] != key else { continue }
                seen[condition.type] = key
                var line = "\(condition.type): \(condition.status)"
                if !condition.reason.isEmpty { line += " \(condition.reason)" }
                if !condition.message.isEmpty { line += ", \(condition.message)" }
                output.line("\(line) (\(elapsed))")
            }
            if WorkspaceFormat.isSucceeded(object) { return object }
            if let failed = WorkspaceFormat.failingCondition(of: object) {
                let message = failed.message.isEmpty ? failed.reason : failed.message
                throw CLIError("workspace \(name) failed: \(failed.type) \(failed.reason): \(message)")
            }
            return nil
        }
        let list = try await resource.list(namespace: namespace, fieldSelector: fieldSelector)
        guard let initial = list.items.first else { throw WorkspaceFormat.notFound(name, namespace: namespace) }
        if let done = try handle(initial) { return done }
        for try await event in resource.watch(
            namespace: namespace, fieldSelector: fieldSelector, resourceVersion: list.resourceVersion,
            reconnect: Self.reconnect)
        {
            switch event {
            case .added(let object), .modified(let object):
                if let done = try handle(object) { return done }
            case .deleted:
                throw CLIError("workspace \(name) was deleted while waiting for it")
            case .bookmark:
                continue
            }
        }
        throw CLIError("the watch on workspace \(name) ended unexpectedly")
    }

    private func followToDeletion(last: Locked<KubernetesObject?>) async throws -> Bool {
        let resource = client.resource(.workspaces)
        let list = try await resource.list(namespace: namespace, fieldSelector: fieldSelector)
        guard let initial = list.items.first else { return true }
        last.value = initial
        for try await event in resource.watch(
            namespace: namespace, fieldSelector: fieldSelector, resourceVersion: list.resourceVersion,
            reconnect: Self.reconnect)
        {
            switch event {
            case .deleted: return true
            case .added(let object), .modified(let object): last.value = object
            case .bookmark: continue
            }
        }
        throw CLIError("the watch on workspace \(name) ended unexpectedly")
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

/// `kaitoctl workspace …`: create, list, inspect and delete Kaito workspaces on a cluster.
struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace",
        abstract: "Create, list, inspect and delete workspaces on a cluster.",
        discussion: """
            Every subcommand talks to the cluster of the current kubeconfig context (--kubeconfig, --context, \
            -n/--namespace change that).

            \(exitCodeHelp)
            """,
        subcommands: [Create.self, Get.self, Status.self, Delete.self],
        aliases: ["workspaces", "ws"]
    )
}

// MARK: - Shared pieces

/// `--wait` and `--timeout`.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Follow the workspace until it is done (see the exit codes).")
    var wait = false

    @Option(
        help: ArgumentHelp("How long --wait waits: 90s, 30m, 1h30m (a plain number is seconds).", valueName: "duration")
    )
    var timeout: WaitTimeout = WaitTimeout(text: "30m", seconds: 1800)
}

/// A `--timeout` value: the text as the user wrote it and its length.
struct WaitTimeout: ExpressibleByArgument, Sendable {
    var text: String
    var seconds: Double

    init(text: String, seconds: Double) {
        self.text = text
        self.seconds = seconds
    }

    init?(argument: String) {
        guard let seconds = Self.parse(argument), seconds > 0 else { return nil }
        self.text = argument
        self.seconds = seconds
    }

    var defaultValueDescription: String { text }

    /// Parses Go-style durations (`1h30m`, `90s`, `500ms`) and plain seconds.
    static func parse(_ text: String) -> Double? {
        if let plain = Double(text) { return plain }
        let units: [(String, Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return total
    }
}

enum WorkspaceFormat {
    /// `workspace.kaito.sh/NAME`, as kubectl names the object in its messages.
    static func reference(_ name: String) -> String { "workspace.kaito.sh/\(name)" }

    /// The in-cluster URL of an inference workspace's Service.
    static func endpoint(_ name: String, namespace: String) -> String {
        "http://\(name).\(namespace).svc.cluster.local:80"
    }

    /// A duration the way kubectl prints ages: 5s, 3m, 2d.
    static func age(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        let minutes = total / 60
        let hours = total / 3600
        let days = hours / 24
        let years = days / 365
        if total < 120 { return "\(total)s" }
        if minutes < 10 { return total % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(total % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        if years < 8 { return days % 365 == 0 ? "\(years)y" : "\(years)y\(days % 365)d" }
        return "\(years)y"
    }

    static func age(since date: Date?, now: Date = Date()) -> String {
        guard let date else { return "<unknown>" }
        return age(now.timeIntervalSince(date))
    }

    /// Elapsed time while waiting: 12s, 1m05s, 1h02m.
    static func elapsed(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded()))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }
}

extension CLIError {
    /// The user-facing form of a workspace workflow's outcome: invalid exits 2, timed out 3, anything else 1.
    /// `timeout` is the `--timeout` text as the user wrote it.
    static func workspace(_ error: WorkspaceError, timeout: WaitTimeout? = nil) -> CLIError {
        let text = timeout?.text ?? WorkspaceFormat.elapsed(error.timeout?.seconds ?? 0)
        switch error.kind {
        case .invalid:
            return CLIError(lines: error.problems.map { "\(error.name): \($0)" }, status: .usage)
        case .timedOut:
            return CLIError(
                "timed out after \(text) waiting for workspace \(error.name): \(error.detail ?? "")", status: .timedOut)
        case .deletionTimedOut:
            return CLIError(
                "timed out after \(text) waiting for workspace \(error.name) to be deleted: \(error.detail ?? "")",
                status: .timedOut)
        case .notFound, .failed, .deletedWhileWaiting, .watchEnded:
            return CLIError(error.description, status: .failure)
        }
    }
}

extension Duration {
    /// The length in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension WaitTimeout {
    /// The length as a `Duration`.
    var duration: Duration { .milliseconds(Int64((seconds * 1000).rounded())) }
}

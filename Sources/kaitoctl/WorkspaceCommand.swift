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

    static func notFound(_ name: String, namespace: String) -> CLIError {
        CLIError("workspace \"\(name)\" not found in namespace \"\(namespace)\"")
    }

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

    /// The workspace's conditions in the order the server stores them.
    static func conditions(of object: KubernetesObject) -> [(
        type: String, status: String, reason: String, message: String, time: Date?
    )] {
        (object.value(at: "status", "conditions")?.arrayValue ?? []).compactMap { value in
            guard let type = value["type"]?.stringValue else { return nil }
            return (
                type, value["status"]?.stringValue ?? "Unknown", value["reason"]?.stringValue ?? "",
                value["message"]?.stringValue ?? "",
                value["lastTransitionTime"]?.stringValue.flatMap(RFC3339.date(from:))
            )
        }
    }

    /// Whether a condition reports a failure the operator will not get past by itself.
    static func isFailure(status: String, reason: String) -> Bool {
        status == "False" && reason.lowercased().contains("failed")
    }

    /// The condition that ends a wait with failure, if any: WorkspaceSucceeded=False, or a False condition whose
    /// reason names a failure.
    static func failingCondition(of object: KubernetesObject) -> (type: String, reason: String, message: String)? {
        let all = conditions(of: object)
        // The phase condition that failed says more than WorkspaceSucceeded, which repeats its message.
        if let failed = all.first(where: {
            $0.type != WorkspaceConditions.workspaceSucceeded && isFailure(status: $0.status, reason: $0.reason)
        }) {
            return (failed.type, failed.reason, failed.message)
        }
        if let succeeded = all.first(where: { $0.type == WorkspaceConditions.workspaceSucceeded }),
            succeeded.status == "False"
        {
            return (succeeded.type, succeeded.reason, succeeded.message)
        }
        return nil
    }

    static func isSucceeded(_ object: KubernetesObject) -> Bool {
        object.statusConditions[WorkspaceConditions.workspaceSucceeded]?.isTrue ?? false
    }

    /// Decodes a server object leniently (the server may add fields this version does not know).
    static func workspace(from object: KubernetesObject) throws -> Workspace {
        try Workspace.decode(from: object.jsonValue(), strict: false)
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

extension WorkspaceCommand {
    /// `kaitoctl workspace create -f FILE | NAME --preset P --instance-type T`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a workspace from a manifest or from flags, and optionally wait until it serves.",
            discussion: """
                The workspace is checked with the controller's admission rules first; an invalid one never \
                reaches the cluster (exit 2, one "FILE: field.path: message" line per problem).

                Examples:
                  kaitoctl workspace create -f falcon-7b.yaml --wait
                  kaitoctl workspace create falcon-7b --preset falcon-7b --instance-type Standard_NC12s_v3

                With --wait, one line is printed per condition change; the command ends when \
                WorkspaceSucceeded is True (exit 0, then the endpoint), when the workspace fails (exit 1), or \
                after --timeout (exit 3).

                \(exitCodeHelp)
                """
        )

        enum DryRun: String, ExpressibleByArgument, CaseIterable {
            case none, client, server
        }

        @Option(
            name: .shortAndLong, help: ArgumentHelp("A Workspace manifest; - reads standard input.", valueName: "file"))
        var filename: String?

        @Argument(help: "The workspace name, to build it from flags instead of a file.")
        var name: String?

        @Option(help: ArgumentHelp("The preset model to serve (see `kaitoctl models`).", valueName: "name"))
        var preset: String?

        @Option(help: ArgumentHelp("The GPU instance type (see `kaitoctl skus`).", valueName: "type"))
        var instanceType: String?

        @Option(help: "How many GPU nodes.")
        var count: Int?

        @Option(
            name: .customLong("label"),
            help: ArgumentHelp(
                "A node label the workspace selects, KEY=VALUE; repeatable (default: apps=NAME).",
                valueName: "key=value"))
        var labels: [String] = []

        @Option(help: "none, client (check locally only) or server (the server checks, nothing is stored).")
        var dryRun: DryRun = .none

        @OptionGroup var waiting: WaitOptions
        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            switch (filename, name) {
            case (nil, nil):
                throw ValidationError("give a manifest with -f FILE, or a NAME with --preset and --instance-type")
            case (.some, .some):
                throw ValidationError("give either -f FILE or NAME with flags, not both")
            case (.some, nil):
                if preset != nil || instanceType != nil || count != nil || !labels.isEmpty {
                    throw ValidationError(
                        "--preset, --instance-type, --count and --label build a workspace from NAME; "
                            + "with -f FILE, put them in the file")
                }
            case (nil, .some):
                guard preset != nil else {
                    throw ValidationError("--preset is required with NAME (see `kaitoctl models`)")
                }
                for label in labels where Self.parseLabel(label) == nil {
                    throw ValidationError("--label \(label): write KEY=VALUE, e.g. --label apps=falcon-7b")
                }
            }
            if waiting.wait && dryRun != .none {
                throw ValidationError("--wait cannot be combined with --dry-run: nothing is created")
            }
        }

        static func parseLabel(_ text: String) -> (String, String)? {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }

        /// The workspace the flags describe, exactly as the equivalent YAML file would.
        func workspaceFromFlags(name: String) -> Workspace {
            var matchLabels: [String: String] = [:]
            for label in labels {
                if let (key, value) = Self.parseLabel(label) { matchLabels[key] = value }
            }
            if matchLabels.isEmpty { matchLabels = ["apps": name] }
            return Workspace(
                metadata: ObjectMeta(name: name),
                resource: ResourceSpec(
                    count: count ?? ResourceSpec.defaultCount,
                    instanceType: instanceType ?? ResourceSpec.defaultInstanceType,
                    labelSelector: LabelSelector(matchLabels: matchLabels)),
                inference: InferenceSpec(preset: PresetSpec(name: preset ?? "")))
        }

        func run() async throws {
            // What to create, each with the location its problems are reported at.
            var workspaces: [(location: String, workspace: Workspace)] = []
            if let filename {
                let file = try InputFile.read(filename, limit: ManifestReader.maximumSize)
                do {
                    workspaces = try PlanCommand.workspaces(in: file)
                } catch let error as CLIError {
                    throw CLIError(lines: error.lines, status: .usage)
                }
            } else if let name {
                workspaces = [("\(name) (flags)", workspaceFromFlags(name: name))]
            }

            // Every workspace is checked before anything is sent, so an invalid one leaves nothing half-created.
            let validator = WorkspaceValidator()
            var problems: [String] = []
            var warnings: [String] = []
            for (location, workspace) in workspaces {
                for problem in validator.validateCreate(workspace) {
                    var text = "\(location): "
                    if !problem.fieldPath.isEmpty { text += "\(problem.fieldPath): " }
                    if problem.severity == .warning { text += "warning: " }
                    text += problem.message
                    if let hint = problem.hint { text += " (\(hint))" }
                    if problem.severity == .warning { warnings.append(text) } else { problems.append(text) }
                }
            }
            Console.error(warnings)
            if !problems.isEmpty { throw CLIError(lines: problems, status: .usage) }

            let (client, namespace) = try cluster.workspaces()
            var targets: [(workspace: Workspace, namespace: String)] = []
            for (location, workspace) in workspaces {
                var workspace = workspace
                if let own = workspace.metadata.namespace, let flag = cluster.namespace, own != flag {
                    throw CLIError(
                        "\(location): metadata.namespace is \"\(own)\" but -n says \"\(flag)\"; remove one of them",
                        status: .usage)
                }
                let target = workspace.metadata.namespace ?? namespace
                workspace.metadata.namespace = target
                targets.append((workspace, target))
            }

            for (workspace, target) in targets {
                let name = workspace.metadata.name ?? ""
                switch dryRun {
                case .client:
                    Console.out("\(WorkspaceFormat.reference(name)) created (dry run)")
                case .server:
                    try await withClusterErrors { try await client.create(workspace, namespace: target, dryRun: true) }
                    Console.out("\(WorkspaceFormat.reference(name)) created (server dry run)")
                case .none:
                    try await withClusterErrors { try await client.create(workspace, namespace: target) }
                    Console.out("\(WorkspaceFormat.reference(name)) created")
                }
            }

            guard waiting.wait else { return }
            for (workspace, target) in targets {
                let name = workspace.metadata.name ?? ""
                let printer = ProgressPrinter()
                try await printer.spinning("waiting for workspace \(name) to succeed") {
                    try await withClusterErrors(timeout: waiting.timeout) {
                        try await client.waitUntilSucceeded(
                            name, namespace: target, timeout: waiting.timeout.duration, onProgress: printer.print)
                    }
                }
                Console.out("\(WorkspaceFormat.reference(name)) succeeded")
                if workspace.inference != nil {
                    Console.out("Endpoint: \(WorkspaceFormat.endpoint(name, namespace: target))")
                    Console.out("Try it:   kaitoctl chat \(name) -n \(target) --prompt \"What is Kubernetes?\"")
                }
            }
        }
    }
}

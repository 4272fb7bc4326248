import ArgumentParser
import KaitoCore

/// `kaitoctl validate -f FILE…`: checks workspace manifests offline with the controller's rules.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Workspace manifests against Kaito's admission rules, without a cluster.",
        discussion: """
            Each file may hold several YAML or JSON documents. A valid file prints "FILE: valid" on \
            standard output; each problem prints one line "FILE[:docN]: field.path: message" on standard \
            error. Unknown fields are errors, as with kubectl --validate=strict.

            With --old FILE (the stored workspace, e.g. from kubectl get workspace NAME -o yaml), each \
            workspace is checked as an update of the one with its name in FILE, with Kaito's update rules: \
            immutable fields, inference/tuning toggles, preset and template changes, adapter rules.

            \(exitCodeHelp)
            """
    )

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("A manifest to check; - reads standard input. Repeatable.", valueName: "file"))
    var filename: [String] = []

    @Argument(help: ArgumentHelp("More manifests to check, as with -f.", valueName: "file"))
    var files: [String] = []

    var allFiles: [String] { filename + files }

    @Option(
        help: ArgumentHelp(
            "The workspace as stored now (kubectl get workspace NAME -o yaml): check the files as updates of it.",
            valueName: "file"))
    var old: String?

    @Option(help: "The cloud whose SKU table sizes GPUs: azure or aws.")
    var cloud: CloudProvider = .azure

    @OptionGroup var catalogs: CatalogOptions

    func validate() throws {
        guard !allFiles.isEmpty else {
            throw ValidationError("give at least one manifest with -f FILE (or -f - for standard input)")
        }
        guard (allFiles + [old].compactMap { $0 }).filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input (-) can be read only once; give - one time")
        }
    }

    func run() async throws {
        let validator = WorkspaceValidator(presets: try catalogs.presets(), gpus: try catalogs.gpus(), cloud: cloud)
        var worstStatus = ExitStatus.success
        var baseline: Baseline?
        if let old {
            let file = try InputFile.read(old, limit: ManifestReader.maximumSize)
            var report = FileReport()
            let workspaces = Self.workspaces(in: file, report: &report).map(\.workspace)
            guard report.isValid else {
                Console.error(report.lines)
                throw CLIError(lines: [], status: .failure)
            }
            baseline = Baseline(file: file.name, workspaces: workspaces)
        }
        for path in allFiles {
            do {
                let report = Self.check(
                    file: try InputFile.read(path, limit: ManifestReader.maximumSize), validator: validator,
                    baseline: baseline)
                Console.error(report.lines)
                if report.isValid {
                    Console.out("\(path): valid")
                } else {
                    worstStatus = max(worstStatus, .failure)
                }
            } catch let error as CLIError {
                Console.error(error.lines)
                worstStatus = max(worstStatus, error.status)
            }
        }
        if worstStatus != .success {
            throw CLIError(lines: [], status: worstStatus)
        }
    }

    /// Diagnostics for one file, errors and warnings in rule order.
    struct FileReport {
        var lines: [String] = []
        var isValid = true

        mutating func error(_ line: String) {
            lines.append(line)
            isValid = false
        }
    }

    /// The stored workspaces given with `--old`.
    struct Baseline {
        var file: String
        var workspaces: [Workspace]

        /// The stored workspace `workspace` updates: same name, and same namespace where both name one.
        func stored(for workspace: Workspace) -> Workspace? {
            workspaces.first { old in
                old.metadata.name == workspace.metadata.name
                    && (old.metadata.namespace == nil || workspace.metadata.namespace == nil
                        || old.metadata.namespace == workspace.metadata.namespace)
            }
        }
    }

    /// Reads a file's documents and decodes each as a Workspace, reporting every problem.
    static func workspaces(
        in file: InputFile.Contents, report: inout FileReport
    ) -> [(workspace: Workspace, documentIndex: Int?)] {
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: file.data)
        } catch {
            report.error("\(file.name): \(error)")
            return []
        }
        guard !documents.isEmpty else {
            report.error("\(file.name): no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace")
            return []
        }
        let isMultiDocument = documents.count > 1
        var workspaces: [(workspace: Workspace, documentIndex: Int?)] = []
        for document in documents {
            let index = isMultiDocument ? document.index : nil
            func location(_ path: String) -> String {
                ManifestLocation(file: file.name, documentIndex: index, fieldPath: path).description
            }
            do {
                workspaces.append((try Workspace.decode(from: document.value), index))
            } catch let error as ObjectDecodingError {
                report.error("\(location(error.fieldPath)): \(error.message)")
            } catch {
                report.error("\(location("")): \(error)")
            }
        }
        return workspaces
    }

    static func check(
        file: InputFile.Contents, validator: WorkspaceValidator, baseline: Baseline? = nil
    ) -> FileReport {
        var report = FileReport()
        let workspaces = workspaces(in: file, report: &report)
        for (workspace, index) in workspaces {
            func location(_ path: String) -> String {
                ManifestLocation(file: file.name, documentIndex: index, fieldPath: path).description
            }
            let problems: [FieldProblem]
            if let baseline {
                if let stored = baseline.stored(for: workspace) {
                    problems = validator.validateUpdate(workspace, from: stored)
                } else if baseline.workspaces.count == 1, workspaces.count == 1, let stored = baseline.workspaces.first
                {
                    report.error(
                        "\(location("metadata.name")): \(Self.describe(workspace)) is not the workspace in "
                            + "\(baseline.file) (\(Self.describe(stored))), so applying it would create another "
                            + "workspace instead of updating that one; keep its name and namespace")
                    continue
                } else {
                    report.lines.append(
                        "\(location("metadata.name")): warning: no workspace \(Self.describe(workspace)) in "
                            + "\(baseline.file); checked as a new workspace")
                    problems = validator.validateCreate(workspace)
                }
            } else {
                problems = validator.validateCreate(workspace)
            }
            for problem in problems {
                var text = "\(location(problem.fieldPath)): "
                if problem.severity == .warning { text += "warning: " }
                text += problem.message
                if let hint = problem.hint { text += " (\(hint))" }
                if problem.severity == .warning {
                    report.lines.append(text)
                } else {
                    report.error(text)
                }
            }
        }
        return report
    }

    /// `"name"` or `"namespace/name"`.
    private static func describe(_ workspace: Workspace) -> String {
        let name = workspace.metadata.name ?? ""
        if let namespace = workspace.metadata.namespace { return "\"\(namespace)/\(name)\"" }
        return "\"\(name)\""
    }
}

extension ExitStatus: Comparable {
    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}

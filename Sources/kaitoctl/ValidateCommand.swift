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

    @Option(help: "The cloud whose SKU table sizes GPUs: azure or aws.")
    var cloud: CloudProvider = .azure

    @OptionGroup var catalogs: CatalogOptions

    func validate() throws {
        guard !allFiles.isEmpty else {
            throw ValidationError("give at least one manifest with -f FILE (or -f - for standard input)")
        }
        guard allFiles.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input (-) can be read only once; give -f - one time")
        }
    }

    func run() async throws {
        let validator = WorkspaceValidator(presets: try catalogs.presets(), gpus: try catalogs.gpus(), cloud: cloud)
        var worstStatus = ExitStatus.success
        for path in allFiles {
            do {
                let report = Self.check(
                    file: try InputFile.read(path, limit: ManifestReader.maximumSize), validator: validator)
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

    static func check(file: InputFile.Contents, validator: WorkspaceValidator) -> FileReport {
        var report = FileReport()
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: file.data)
        } catch {
            report.error("\(file.name): \(error)")
            return report
        }
        guard !documents.isEmpty else {
            report.error("\(file.name): no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace")
            return report
        }
        let isMultiDocument = documents.count > 1
        for document in documents {
            let index = isMultiDocument ? document.index : nil
            func location(_ path: String) -> String {
                ManifestLocation(file: file.name, documentIndex: index, fieldPath: path).description
            }
            let workspace: Workspace
            do {
                workspace = try Workspace.decode(from: document.value)
            } catch let error as ObjectDecodingError {
                report.error("\(location(error.fieldPath)): \(error.message)")
                continue
            } catch {
                report.error("\(location("")): \(error)")
                continue
            }
            for problem in validator.validateCreate(workspace) {
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
}

extension ExitStatus: Comparable {
    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}

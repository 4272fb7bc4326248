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

    @Option(name: .shortAndLong, help: ArgumentHelp("A manifest to check; - reads standard input. Repeatable.", valueName: "file"))
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
    }

    func run() async throws {
        let validator = WorkspaceValidator(presets: try catalogs.presets(), gpus: try catalogs.gpus(), cloud: cloud)
        var failures: [String] = []
        var worstStatus = ExitStatus.success
        for path in allFiles {
            let report: FileReport
            do {
                report = try Self.check(file: InputFile.read(path, limit: ManifestReader.maximumSize), validator: validator)
            } catch let error as CLIError {
                failures += error.lines
                worstStatus = max(worstStatus, error.status)
                continue
            }
            Console.error(report.warnings)
            if report.errors.isEmpty {
                Console.out("\(path): valid")
            } else {
                failures += report.errors
                worstStatus = max(worstStatus, .failure)
            }
        }
        if worstStatus != .success {
            throw CLIError(lines: failures, status: worstStatus)
        }
    }

    struct FileReport {
        var errors: [String] = []
        var warnings: [String] = []
    }

    static func check(file: InputFile.Contents, validator: WorkspaceValidator) -> FileReport {
        var report = FileReport()
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: file.data)
        } catch {
            report.errors.append("\(file.name): \(error)")
            return report
        }
        guard !documents.isEmpty else {
            report.errors.append("\(file.name): no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace")
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
                report.errors.append("\(location(error.fieldPath)): \(error.message)")
                continue
            } catch {
                report.errors.append("\(location("")): \(error)")
                continue
            }
            for problem in validator.validateCreate(workspace) {
                var text = "\(location(problem.fieldPath)): "
                if problem.severity == .warning { text += "warning: " }
                text += problem.message
                if let hint = problem.hint { text += " (\(hint))" }
                if problem.severity == .warning {
                    report.warnings.append(text)
                } else {
                    report.errors.append(text)
                }
            }
        }
        return report
    }
}

extension ExitStatus: Comparable {
    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}

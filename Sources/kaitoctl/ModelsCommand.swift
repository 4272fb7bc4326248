import ArgumentParser
import KaitoCore

/// `kaitoctl models`: the preset catalog.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the preset models a Workspace can name.",
        discussion: exitCodeHelp,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List every preset with its GPU needs.", discussion: exitCodeHelp)

        @OptionGroup var output: OutputOptions
        @OptionGroup var catalogs: CatalogOptions

        func run() async throws {
            let catalog = try catalogs.presets()
            switch output.output {
            case .table:
                var table = Table(headers: [
                    "NAME", "FAMILY", "GPUS", "TOTAL GPU MEM", "PER-GPU MEM", "ACCESS", "TUNING",
                ])
                for model in catalog.models {
                    table.rows.append([
                        model.name, model.family, String(model.gpuCountRequirement),
                        model.totalGPUMemoryRequirement.description,
                        ModelsCommand.memoryCell(model.perGPUMemoryRequirement),
                        model.accessMode.rawValue, model.supportsTuning ? "yes" : "no",
                    ])
                }
                Console.out(table.render())
            case .json, .yaml:
                Console.out(try Rendering.render(catalog.models, as: output.output))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show everything known about one preset.", discussion: exitCodeHelp)

        @Argument(help: "The preset name, e.g. falcon-7b.")
        var name: String

        @OptionGroup var output: OutputOptions
        @OptionGroup var catalogs: CatalogOptions

        func run() async throws {
            let model = try catalogs.preset(named: name, in: catalogs.presets())
            switch output.output {
            case .table: Console.out(ModelsCommand.describe(model))
            case .json, .yaml: Console.out(try Rendering.render(model, as: output.output))
            }
        }
    }

    static func memoryCell(_ quantity: Quantity) -> String {
        quantity == Quantity(integer: 0) ? "-" : quantity.description
    }

    static func describe(_ model: PresetModel) -> String {
        var lines: [(String, String)] = [
            ("Name", model.name),
            ("Family", model.family),
            ("Runtime", "\(model.runtime) (\(model.modelType))"),
            ("Access", model.accessMode.rawValue),
            (
                "Image",
                model.imageReference(registry: PresetModel.defaultImageRegistry)
                    ?? "supplied by you (presetOptions.image)"
            ),
            ("GPUs", String(model.gpuCountRequirement)),
            ("Total GPU memory", model.totalGPUMemoryRequirement.description),
            ("Per-GPU memory", memoryCell(model.perGPUMemoryRequirement)),
            ("Disk", model.inference.diskStorageRequirement.description),
            ("Workload", model.supportsDistributedInference ? "StatefulSet (distributed)" : "Deployment"),
            ("Readiness timeout", "\(model.inference.readinessTimeoutSeconds / 60)m"),
            ("Command", runCommand(model.inference)),
        ]
        if let revision = model.huggingFaceRevision { lines.append(("Weights", revision)) }
        if let tuning = model.tuning {
            lines.append(
                (
                    "Tuning",
                    "yes: \(tuning.gpuCountRequirement) GPU(s), \(tuning.totalGPUMemoryRequirement) total, \(tuning.perGPUMemoryRequirement) per GPU"
                ))
        } else {
            lines.append(("Tuning", "no"))
        }
        let width = (lines.map(\.0.count).max() ?? 0) + 1
        return lines.map { ($0.0 + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + $0.1 }
            .joined(separator: "\n")
    }

    /// The shell command the preset container runs, with flags sorted (Kaito's order is random).
    static func runCommand(_ parameters: PresetRunParameters) -> String {
        func flags(_ map: [String: String]) -> String {
            map.keys.sorted().map { key in
                let value = map[key] ?? ""
                return value.isEmpty ? " --\(key)" : " --\(key)=\(value)"
            }.joined()
        }
        return parameters.baseCommand + flags(parameters.launcherParameters) + flags(parameters.rendezvousParameters)
            + " " + parameters.entryFile + flags(parameters.modelRunParameters)
    }
}

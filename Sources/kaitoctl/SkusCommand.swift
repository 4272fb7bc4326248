import ArgumentParser
import KaitoCore

/// `kaitoctl skus`: the GPU SKU tables, and which SKUs fit a model.
struct SkusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skus",
        abstract: "List the GPU instance types Kaito knows, or which of them fit a preset.",
        discussion: """
            Memory is GiB of GPU memory: per GPU and for the whole node. With --model, SKUs are sorted with \
            the cheapest-looking fit first (fewest GPUs, then least memory) and NODES is the smallest \
            resource.count that fits.

            \(exitCodeHelp)
            """
    )

    @Option(help: "Which cloud's table: azure or aws.")
    var cloud: CloudProvider = .azure

    @Option(help: ArgumentHelp("A preset name: show whether and how each SKU fits it.", valueName: "name"))
    var model: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var catalogs: CatalogOptions

    /// One SKU as `-o json|yaml` prints it: the catalog entry, per-GPU memory, and the fit with `--model`.
    struct Row: Encodable {
        var sku: GPUSKU
        var fits: Bool?
        var minimumNodeCount: Int?

        enum CodingKeys: String, CodingKey {
            case fits, minimumNodeCount, gpuMemoryPerGPUGiB
        }

        func encode(to encoder: any Encoder) throws {
            try sku.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sku.gpuMemoryPerGPUGiB, forKey: .gpuMemoryPerGPUGiB)
            try container.encodeIfPresent(fits, forKey: .fits)
            if fits != nil {
                try container.encode(minimumNodeCount, forKey: .minimumNodeCount)
            }
        }
    }

    func run() async throws {
        let gpus = try catalogs.gpus()
        let rows: [Row]
        if let model {
            let preset = try catalogs.preset(named: model, in: catalogs.presets())
            rows = Sizing.options(for: preset, in: gpus, cloud: cloud).map { option in
                Row(sku: option.sku, fits: option.minimumNodeCount != nil, minimumNodeCount: option.minimumNodeCount)
            }
        } else {
            rows = gpus.skus(for: cloud).map { Row(sku: $0) }
        }
        switch output.output {
        case .table:
            var headers = ["SKU", "GPUS", "GPU MODEL", "MEM/GPU", "MEM/NODE"]
            if model != nil { headers += ["FITS", "NODES"] }
            var table = Table(headers: headers)
            for row in rows {
                var cells = [
                    row.sku.name, String(row.sku.gpuCount), row.sku.gpuModel ?? "-",
                    "\(row.sku.gpuMemoryPerGPUGiB)Gi", "\(row.sku.gpuMemoryPerNodeGiB)Gi",
                ]
                if model != nil {
                    cells += [row.fits == true ? "yes" : "no", row.minimumNodeCount.map(String.init) ?? "-"]
                }
                table.rows.append(cells)
            }
            Console.out(table.render())
        case .json, .yaml:
            Console.out(try Rendering.render(rows, as: output.output))
        }
    }
}

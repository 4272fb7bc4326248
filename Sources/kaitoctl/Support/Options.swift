public import ArgumentParser
import Foundation
import KaitoCore

/// Output format for commands that print data.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case yaml
}

/// `-o table|json|yaml`.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table
}

extension CloudProvider: ExpressibleByArgument {}

/// Catalog selection shared by commands that look up presets and SKUs.
struct CatalogOptions: ParsableArguments {
    @Option(name: .customLong("preset-catalog"), help: ArgumentHelp(
        "A JSON preset catalog that extends or overrides the bundled v0.3.1 presets.", valueName: "file"))
    var presetCatalogPath: String?

    @Option(name: .customLong("sku-catalog"), help: ArgumentHelp(
        "A JSON GPU SKU catalog that extends or overrides the bundled SKU tables.", valueName: "file"))
    var skuCatalogPath: String?

    func presets() throws -> PresetCatalog {
        guard let path = presetCatalogPath else { return .bundled }
        let data = try InputFile.read(path, limit: ManifestReader.maximumSize).data
        do {
            return PresetCatalog.bundled.merging(try PresetCatalog(json: data))
        } catch {
            throw CLIError("\(path): not a valid preset catalog: \(error)", status: .usage)
        }
    }

    func gpus() throws -> GPUCatalog {
        guard let path = skuCatalogPath else { return .bundled }
        let data = try InputFile.read(path, limit: ManifestReader.maximumSize).data
        do {
            return GPUCatalog.bundled.merging(try GPUCatalog(json: data))
        } catch {
            throw CLIError("\(path): not a valid SKU catalog: \(error)", status: .usage)
        }
    }
}

/// Reads an input file or standard input with user-facing errors.
enum InputFile {
    struct Contents {
        var name: String
        var data: Data
    }

    /// Reads `path` (`-` for standard input).
    /// - Throws: ``CLIError`` with exit status 2 when the file cannot be read.
    static func read(_ path: String, limit: Int) throws -> Contents {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            try checkSize(data.count, name: "-", limit: limit)
            return Contents(name: "-", data: data)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("\(path): no such file; check the path", status: .usage)
        }
        if isDirectory.boolValue {
            throw CLIError("\(path): is a directory; pass the files inside it, e.g. -f \(path)/*.yaml", status: .usage)
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber {
            try checkSize(size.intValue, name: path, limit: limit)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot be read; check its permissions", status: .usage)
        }
        try checkSize(data.count, name: path, limit: limit)
        return Contents(name: path, data: data)
    }

    private static func checkSize(_ size: Int, name: String, limit: Int) throws {
        guard size > limit else { return }
        throw CLIError(
            "\(name): file is \(size) bytes, over the \(limit / 1024 / 1024) MiB limit; split it into smaller files",
            status: .usage)
    }
}

/// Encodes values for `-o json` and `-o yaml`.
enum Rendering {
    static func json(_ value: JSONValue) throws -> String {
        let data = try KubernetesJSON.encoder(prettyPrinted: true).encode(value)
        return String(decoding: data, as: UTF8.self)
    }

    static func render(_ value: some Encodable, as format: OutputFormat) throws -> String {
        let tree = try KubernetesJSON.jsonValue(of: value)
        switch format {
        case .json: return try json(tree)
        case .yaml, .table: return try YAMLWriter.string(from: tree)
        }
    }
}

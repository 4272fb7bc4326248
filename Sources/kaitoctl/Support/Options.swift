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

extension PlannerConfiguration.NodeProvisionerKind: ExpressibleByArgument {}

/// Catalog selection shared by commands that look up presets and SKUs.
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .customLong("preset-catalog"),
        help: ArgumentHelp(
            "A JSON preset catalog that extends or overrides the bundled v0.3.1 presets.", valueName: "file"))
    var presetCatalogPath: String?

    @Option(
        name: .customLong("sku-catalog"),
        help: ArgumentHelp(
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

    /// The preset named `name`, or an error that suggests close names.
    func preset(named name: String, in catalog: PresetCatalog) throws -> PresetModel {
        if let model = catalog.model(named: name) { return model }
        let close = catalog.suggestions(for: name)
        let hint =
            close.isEmpty ? "run `kaitoctl models` for the list" : "did you mean \(close.joined(separator: " or "))?"
        throw CLIError("unknown preset \"\(name)\" (\(hint))")
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

    /// Reads `path` (`-` for standard input), at most `limit` bytes.
    ///
    /// Pipes and process substitutions (`-f /dev/stdin`, `-f <(helm template …)`) work like files. Reading stops
    /// one byte past the limit, so an endless stream is rejected instead of read forever.
    /// - Throws: ``CLIError`` with exit status 2 when the input cannot be read or is too large.
    static func read(_ path: String, limit: Int) throws -> Contents {
        if path == "-" {
            return Contents(name: "-", data: try readBounded(FileHandle.standardInput, name: "-", limit: limit))
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
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CLIError("\(path): cannot be opened; check its permissions", status: .usage)
        }
        defer { try? handle.close() }
        return Contents(name: path, data: try readBounded(handle, name: path, limit: limit))
    }

    private static func readBounded(_ handle: FileHandle, name: String, limit: Int) throws -> Data {
        var data = Data()
        do {
            while data.count <= limit, let chunk = try handle.read(upToCount: min(1 << 20, limit + 1 - data.count)),
                !chunk.isEmpty
            {
                data.append(chunk)
            }
        } catch {
            throw CLIError("\(name): cannot be read: \(error.localizedDescription)", status: .usage)
        }
        guard data.count <= limit else {
            throw CLIError(
                "\(name): input is over the \(limit / 1024 / 1024) MiB limit; split it into smaller files",
                status: .usage)
        }
        return data
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

public import Foundation

/// The preset models the operator can deploy, in registry order.
///
/// A catalog is a value: pass the one you want. ``bundled`` is Kaito v0.3.1's seventeen presets; a user-supplied
/// file (``init(json:)``) can add presets or replace bundled ones through ``merging(_:)``.
///
/// The JSON form is an object with a `models` array of ``PresetModel`` objects:
///
/// ```json
/// {"models": [{"name": "my-model", "family": "Custom", "accessMode": "public", "imageTag": "0.1.0",
///   "inference": {"baseCommand": "accelerate launch", "entryFile": "inference_api.py",
///     "readinessTimeoutSeconds": 1800, "diskStorageRequirement": "50Gi", "gpuCountRequirement": 1,
///     "totalGPUMemoryRequirement": "14Gi"}}]}
/// ```
public struct PresetCatalog: Sendable, Hashable {
    /// The presets, in registry order.
    public var models: [PresetModel]

    /// Creates a catalog from presets, kept in the given order.
    public init(models: [PresetModel]) {
        self.models = models
    }

    /// Decodes a catalog file (see the type's documentation for its shape).
    /// - Throws: ``CatalogError`` naming the offending field, e.g. `models[2].inference.totalGPUMemoryRequirement`.
    public init(json: Data) throws {
        let file = try CatalogFileCoding.decode(CatalogFile.self, from: json, catalog: Self.catalogName)
        try Self.check(file.models)
        self.models = file.models
    }

    /// The catalog as JSON in the shape ``init(json:)`` reads (sorted keys, pretty-printed).
    public func encodedJSON() throws -> Data {
        try CatalogFileCoding.encode(CatalogFile(models: models))
    }

    /// This catalog with `other`'s presets applied: a preset with the same name is replaced in place, new presets
    /// are appended in `other`'s order.
    public func merging(_ other: PresetCatalog) -> PresetCatalog {
        PresetCatalog(models: CatalogFileCoding.merge(models, with: other.models))
    }

    /// The preset with exactly this name (case-sensitive, as Kaito v0.3.1 looks it up), or nil.
    public func model(named name: String) -> PresetModel? {
        models.first { $0.name == name }
    }

    /// The preset names, in registry order.
    public var names: [String] { models.map(\.name) }

    /// Up to `limit` preset names close to `name`, best first (`falcon7b` and `Falcon-7B` suggest `falcon-7b`);
    /// empty when nothing is close.
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        NameSuggestions.closest(to: name, among: names, limit: limit)
    }

    /// Kaito v0.3.1's registered presets.
    public static let v0_3_1: PresetCatalog = decodeBundled()

    /// The catalog used when none is given: ``v0_3_1``.
    public static var bundled: PresetCatalog { v0_3_1 }

    static let catalogName = "preset catalog"

    /// Decodes ``bundledJSON``; failing means the source literal is broken, which a test guards.
    static func decodeBundled() -> PresetCatalog {
        do {
            return try PresetCatalog(json: Data(bundledJSON.utf8))
        } catch {
            fatalError("The bundled Kaito v0.3.1 preset catalog in PresetCatalog+Bundled.swift is invalid: \(error)")
        }
    }

    /// Semantic checks that decoding cannot express.
    static func check(_ models: [PresetModel]) throws {
        var seen: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            let path = "models[\(index)]"
            if model.name.isEmpty {
                throw CatalogError(code: .invalidValue, catalog: catalogName, path: "\(path).name", message: "is empty")
            }
            if let first = seen[model.name] {
                throw CatalogError(
                    code: .duplicateEntry, catalog: catalogName, path: "\(path).name",
                    message: "preset \"\(model.name)\" is already defined at models[\(first)]")
            }
            seen[model.name] = index
            try check(model.inference, path: "\(path).inference")
            if let tuning = model.tuning {
                try check(tuning, path: "\(path).tuning")
            }
            if model.worldSize < 0 {
                throw CatalogError(
                    code: .invalidValue, catalog: catalogName, path: "\(path).worldSize",
                    message: "must not be negative, got \(model.worldSize)")
            }
        }
    }

    private static func check(_ parameters: PresetRunParameters, path: String) throws {
        if parameters.gpuCountRequirement < 0 {
            throw CatalogError(
                code: .invalidValue, catalog: catalogName, path: "\(path).gpuCountRequirement",
                message: "must not be negative, got \(parameters.gpuCountRequirement)")
        }
        if parameters.readinessTimeoutSeconds < 0 {
            throw CatalogError(
                code: .invalidValue, catalog: catalogName, path: "\(path).readinessTimeoutSeconds",
                message: "must not be negative, got \(parameters.readinessTimeoutSeconds)")
        }
        let quantities: [(String, Quantity)] = [
            ("diskStorageRequirement", parameters.diskStorageRequirement),
            ("totalGPUMemoryRequirement", parameters.totalGPUMemoryRequirement),
            ("perGPUMemoryRequirement", parameters.perGPUMemoryRequirement),
        ]
        for (field, quantity) in quantities where quantity.isNegative {
            throw CatalogError(
                code: .invalidValue, catalog: catalogName, path: "\(path).\(field)",
                message: "must not be negative, got \(quantity)")
        }
    }

    /// The top-level JSON object.
    private struct CatalogFile: Codable {
        var models: [PresetModel]
    }
}

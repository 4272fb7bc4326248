public import Foundation

/// The GPU SKUs known to the operator, per cloud, with Kaito v0.3.1's table memberships.
///
/// A catalog is a value: pass the one you want. ``bundled`` holds Kaito v0.3.1's Azure tables (42 distinct SKUs:
/// 38 in the validation table, 22 in the GPU-request table) and its 57 AWS instance types. A user-supplied file
/// (``init(json:)``) can add SKUs or replace bundled ones through ``merging(_:)``.
///
/// The JSON form is an object with a `skus` array of ``GPUSKU`` objects:
///
/// ```json
/// {"skus": [{"name": "Standard_NC40ads_H100_v5", "cloud": "azure", "gpuCount": 1, "gpuMemoryPerNodeGiB": 94,
///   "gpuModel": "NVIDIA H100"}]}
/// ```
public struct GPUCatalog: Sendable, Hashable {
    /// The SKUs, in table order (Azure first in the bundled catalog).
    public var skus: [GPUSKU]

    /// Creates a catalog from SKUs, kept in the given order.
    public init(skus: [GPUSKU]) {
        self.skus = skus
    }

    /// Decodes a catalog file (see the type's documentation for its shape).
    /// - Throws: ``CatalogError`` naming the offending field, e.g. `skus[4].gpuCount`.
    public init(json: Data) throws {
        let file = try CatalogFileCoding.decode(CatalogFile.self, from: json, catalog: Self.catalogName)
        try Self.check(file.skus)
        self.skus = file.skus
    }

    /// The catalog as JSON in the shape ``init(json:)`` reads (sorted keys, pretty-printed).
    public func encodedJSON() throws -> Data {
        try CatalogFileCoding.encode(CatalogFile(skus: skus))
    }

    /// This catalog with `other`'s SKUs applied: a SKU with the same name and cloud is replaced in place, new SKUs
    /// are appended in `other`'s order.
    public func merging(_ other: GPUCatalog) -> GPUCatalog {
        GPUCatalog(skus: CatalogFileCoding.merge(skus, with: other.skus))
    }

    /// The SKU with exactly this name (case-sensitive) in `cloud`, whichever table it comes from.
    public func sku(named name: String, cloud: CloudProvider) -> GPUSKU? {
        skus.first { $0.cloud == cloud && $0.name == name }
    }

    /// Every SKU of `cloud`, in table order.
    public func skus(for cloud: CloudProvider) -> [GPUSKU] {
        skus.filter { $0.cloud == cloud }
    }

    /// Kaito v0.3.1's webhook validation table: the Azure SKUs with ``GPUSKU/inValidationTable``, in table order.
    public var validationSKUs: [GPUSKU] {
        skus.filter { $0.cloud == .azure && $0.inValidationTable }
    }

    /// The validation-table SKU with exactly this name, used by the webhook's sizing checks; nil when not listed.
    public func validationSKU(named name: String) -> GPUSKU? {
        skus.first { $0.cloud == .azure && $0.inValidationTable && $0.name == name }
    }

    /// The SKUs Kaito can check a preset against on `cloud`: the webhook's validation table on Azure, the AWS
    /// table on AWS. Other Azure SKUs pass Kaito's webhook only through its `Standard_N`/`Standard_D` bypass.
    public func sizingSKUs(for cloud: CloudProvider) -> [GPUSKU] {
        switch cloud {
        case .azure: validationSKUs
        case .aws: skus(for: .aws)
        }
    }

    /// The SKU named `name` among ``sizingSKUs(for:)``.
    public func sizingSKU(named name: String, cloud: CloudProvider) -> GPUSKU? {
        sizingSKUs(for: cloud).first { $0.name == name }
    }

    /// The GPU-request-table SKU of `cloud` with exactly this name, whose ``GPUSKU/gpuCount`` sets the
    /// `nvidia.com/gpu` request; nil when not listed.
    public func gpuRequestSKU(named name: String, cloud: CloudProvider) -> GPUSKU? {
        skus.first { $0.cloud == cloud && $0.inGPURequestTable && $0.name == name }
    }

    /// Up to `limit` SKU names close to `name` (in `cloud`, or all clouds when nil), best first; empty when nothing
    /// is close. `standard_nc12s_v3` and `NC12s_v3` both suggest `Standard_NC12s_v3`.
    public func suggestions(for name: String, cloud: CloudProvider?, limit: Int = 3) -> [String] {
        let candidates = skus.filter { cloud == nil || $0.cloud == cloud }.map(\.name)
        return NameSuggestions.closest(to: name, among: candidates, limit: limit)
    }

    /// Kaito v0.3.1's Azure tables and AWS table.
    public static let v0_3_1: GPUCatalog = decodeBundled()

    /// The catalog used when none is given: ``v0_3_1``.
    public static var bundled: GPUCatalog { v0_3_1 }

    static let catalogName = "GPU catalog"

    /// Decodes ``bundledJSON``; failing means the source literal is broken, which a test guards.
    static func decodeBundled() -> GPUCatalog {
        do {
            return try GPUCatalog(json: Data(bundledJSON.utf8))
        } catch {
            fatalError("The bundled Kaito v0.3.1 GPU catalog in GPUCatalog+Bundled.swift is invalid: \(error)")
        }
    }

    /// Semantic checks that decoding cannot express.
    static func check(_ skus: [GPUSKU]) throws {
        var seen: [String: Int] = [:]
        for (index, sku) in skus.enumerated() {
            let path = "skus[\(index)]"
            if sku.name.isEmpty {
                throw CatalogError(code: .invalidValue, catalog: catalogName, path: "\(path).name", message: "is empty")
            }
            if let first = seen[sku.id] {
                throw CatalogError(
                    code: .duplicateEntry, catalog: catalogName, path: "\(path).name",
                    message: "\(sku.cloud.rawValue) SKU \"\(sku.name)\" is already defined at skus[\(first)]")
            }
            seen[sku.id] = index
            if sku.gpuCount < 1 {
                throw CatalogError(
                    code: .invalidValue, catalog: catalogName, path: "\(path).gpuCount",
                    message: "must be at least 1, got \(sku.gpuCount)")
            }
            if sku.gpuMemoryPerNodeGiB < 0 {
                throw CatalogError(
                    code: .invalidValue, catalog: catalogName, path: "\(path).gpuMemoryPerNodeGiB",
                    message: "must not be negative, got \(sku.gpuMemoryPerNodeGiB)")
            }
        }
    }

    /// The top-level JSON object.
    private struct CatalogFile: Codable {
        var skus: [GPUSKU]
    }
}

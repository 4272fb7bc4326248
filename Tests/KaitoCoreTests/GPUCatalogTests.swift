import Foundation
import Testing

@testable import KaitoCore

@Suite("GPUCatalog")
struct GPUCatalogTests {
    let catalog = GPUCatalog.v0_3_1

    @Test("the bundled JSON literal decodes")
    func bundledLiteralDecodes() throws {
        let decoded = try GPUCatalog(json: Data(GPUCatalog.bundledJSON.utf8))
        #expect(decoded == GPUCatalog.v0_3_1)
        #expect(GPUCatalog.bundled == GPUCatalog.v0_3_1)
    }

    @Test("table sizes: 38 validation rows, 22 Azure request rows, 57 AWS rows")
    func rowCounts() {
        #expect(catalog.validationSKUs.count == 38)
        #expect(catalog.skus(for: .azure).filter(\.inGPURequestTable).count == 22)
        #expect(catalog.skus(for: .azure).filter { $0.inGPURequestTable && $0.inValidationTable }.count == 18)
        #expect(catalog.skus(for: .azure).count == 42)
        #expect(catalog.skus(for: .aws).count == 57)
        #expect(catalog.skus(for: .aws).allSatisfy { $0.inGPURequestTable && !$0.inValidationTable })
        #expect(catalog.skus.count == 99)
        #expect(Set(catalog.skus.map(\.id)).count == 99)
    }

    @Test("validation table keeps sku_config.go's order")
    func validationOrder() {
        let names = catalog.validationSKUs.map(\.name)
        #expect(
            names.prefix(6) == [
                "Standard_NC6", "Standard_NC12", "Standard_NC24", "Standard_NC24r", "Standard_NV6",
                "Standard_NV12",
            ])
        #expect(names.last == "Standard_NV72ads_A10_v5")
        #expect(!names.contains("Standard_ND96asr_A100_v4"))
        #expect(!names.contains("Standard_NG32ads_V620_v1"))
        #expect(!names.contains("Standard_NV32as_v4"))
    }

    /// A SKU and the numbers spec section 4 gives for it.
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let cloud: CloudProvider
        let gpus: Int
        let perNode: Int
        let perGPU: Int
        let model: String
        let validation: Bool
        let request: Bool
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        .init(
            name: "Standard_NC6", cloud: .azure, gpus: 1, perNode: 12, perGPU: 12, model: "NVIDIA K80",
            validation: true, request: false),
        .init(
            name: "Standard_NV12", cloud: .azure, gpus: 2, perNode: 16, perGPU: 8, model: "NVIDIA M60",
            validation: true, request: true),
        .init(
            name: "Standard_ND24rs", cloud: .azure, gpus: 4, perNode: 96, perGPU: 24, model: "NVIDIA P40",
            validation: true, request: false),
        .init(
            name: "Standard_NC24s_v2", cloud: .azure, gpus: 4, perNode: 64, perGPU: 16, model: "NVIDIA P100",
            validation: true, request: false),
        .init(
            name: "Standard_NC6s_v3", cloud: .azure, gpus: 1, perNode: 16, perGPU: 16, model: "NVIDIA V100",
            validation: true, request: true),
        .init(
            name: "Standard_NC12s_v3", cloud: .azure, gpus: 2, perNode: 32, perGPU: 16, model: "NVIDIA V100",
            validation: true, request: true),
        .init(
            name: "Standard_ND40rs_v2", cloud: .azure, gpus: 8, perNode: 256, perGPU: 32, model: "NVIDIA V100",
            validation: true, request: false),
        .init(
            name: "Standard_NC64as_T4_v3", cloud: .azure, gpus: 4, perNode: 64, perGPU: 16, model: "NVIDIA T4",
            validation: true, request: true),
        .init(
            name: "Standard_ND96asr_v4", cloud: .azure, gpus: 8, perNode: 320, perGPU: 40, model: "NVIDIA A100",
            validation: true, request: false),
        .init(
            name: "Standard_ND96asr_A100_v4", cloud: .azure, gpus: 8, perNode: 320, perGPU: 40,
            model: "NVIDIA A100", validation: false, request: true),
        .init(
            name: "Standard_ND96amsr_A100_v4", cloud: .azure, gpus: 8, perNode: 640, perGPU: 80,
            model: "NVIDIA A100", validation: true, request: true),
        .init(
            name: "Standard_NC24ads_A100_v4", cloud: .azure, gpus: 1, perNode: 80, perGPU: 80,
            model: "NVIDIA A100", validation: true, request: true),
        .init(
            name: "Standard_NC48ads_A100_v4", cloud: .azure, gpus: 2, perNode: 160, perGPU: 80,
            model: "NVIDIA A100", validation: true, request: true),
        .init(
            name: "Standard_NC96ads_A100_v4", cloud: .azure, gpus: 4, perNode: 320, perGPU: 80,
            model: "NVIDIA A100", validation: true, request: true),
        .init(
            name: "Standard_NV6ads_A10_v5", cloud: .azure, gpus: 1, perNode: 4, perGPU: 4, model: "NVIDIA A10",
            validation: true, request: false),
        .init(
            name: "Standard_NV72ads_A10_v5", cloud: .azure, gpus: 2, perNode: 48, perGPU: 24, model: "NVIDIA A10",
            validation: true, request: false),
        .init(
            name: "Standard_NG32adms_V620_v1", cloud: .azure, gpus: 1, perNode: 32, perGPU: 32,
            model: "AMD Radeon PRO V620", validation: false, request: true),
        .init(
            name: "Standard_NV32as_v4", cloud: .azure, gpus: 1, perNode: 16, perGPU: 16,
            model: "AMD Radeon Instinct MI25", validation: false, request: true),
        .init(
            name: "p2.16xlarge", cloud: .aws, gpus: 16, perNode: 192, perGPU: 12, model: "NVIDIA K80",
            validation: false, request: true),
        .init(
            name: "p3.2xlarge", cloud: .aws, gpus: 1, perNode: 16, perGPU: 16, model: "NVIDIA V100",
            validation: false, request: true),
        .init(
            name: "p4d.24xlarge", cloud: .aws, gpus: 8, perNode: 320, perGPU: 40, model: "NVIDIA A100",
            validation: false, request: true),
        .init(
            name: "p5.48xlarge", cloud: .aws, gpus: 8, perNode: 640, perGPU: 80, model: "NVIDIA H100",
            validation: false, request: true),
        .init(
            name: "g5.12xlarge", cloud: .aws, gpus: 4, perNode: 96, perGPU: 24, model: "NVIDIA A10G",
            validation: false, request: true),
        .init(
            name: "inf2.24xlarge", cloud: .aws, gpus: 6, perNode: 192, perGPU: 32,
            model: "AWS Inferentia2 accelerators", validation: false, request: true),
    ]

    @Test("per-node and per-GPU memory", arguments: rows)
    func skuNumbers(_ row: Row) throws {
        let sku = try #require(catalog.sku(named: row.name, cloud: row.cloud))
        #expect(sku.gpuCount == row.gpus)
        #expect(sku.gpuMemoryPerNodeGiB == row.perNode)
        #expect(sku.gpuMemoryPerGPUGiB == row.perGPU)
        #expect(sku.gpuMemoryPerGPU == .gibibytes(Int64(row.perGPU)))
        #expect(sku.gpuMemoryPerNode.description == "\(row.perNode)Gi")
        #expect(sku.gpuModel == row.model)
        #expect(sku.inValidationTable == row.validation)
        #expect(sku.inGPURequestTable == row.request)
        #expect((catalog.validationSKU(named: row.name) != nil) == row.validation)
        #expect((catalog.gpuRequestSKU(named: row.name, cloud: row.cloud) != nil) == row.request)
        #expect(sku.id == "\(row.cloud.rawValue)/\(row.name)")
    }

    @Test("ND96amsr_A100_v4 has 640 GiB (the request table's 80 is a data error)")
    func nd96amsr() throws {
        let sku = try #require(catalog.validationSKU(named: "Standard_ND96amsr_A100_v4"))
        #expect(sku.gpuMemoryPerNodeGiB == 640)
        #expect(sku.gpuMemoryPerGPUGiB == 80)
        #expect(catalog.gpuRequestSKU(named: "Standard_ND96amsr_A100_v4", cloud: .azure)?.gpuCount == 8)
    }

    @Test("validation rows record driver and OS")
    func driversAndOS() throws {
        let v3 = try #require(catalog.validationSKU(named: "Standard_NC12s_v3"))
        #expect(v3.nvidiaDriver == "Nvidia525CudaDriver")
        #expect(v3.supportedOS == ["Mariner", "Ubuntu"])
        let k80 = try #require(catalog.validationSKU(named: "Standard_NC24r"))
        #expect(k80.nvidiaDriver == "Nvidia470CudaDriver")
        #expect(k80.supportedOS == ["Ubuntu"])
        let grid = try #require(catalog.validationSKU(named: "Standard_NV36adms_A10_v5"))
        #expect(grid.nvidiaDriver == "Nvidia510GridDriver")
        #expect(catalog.validationSKUs.allSatisfy { $0.nvidiaDriver != nil && !$0.supportedOS.isEmpty })
        let amd = try #require(catalog.sku(named: "Standard_NG32ads_V620_v1", cloud: .azure))
        #expect(amd.nvidiaDriver == nil)
        #expect(amd.supportedOS.isEmpty)
    }

    @Test("lookups are per cloud, per table and exact")
    func lookups() {
        #expect(catalog.sku(named: "p3.2xlarge", cloud: .azure) == nil)
        #expect(catalog.sku(named: "Standard_NC6s_v3", cloud: .aws) == nil)
        #expect(catalog.sku(named: "standard_nc6s_v3", cloud: .azure) == nil)
        #expect(catalog.validationSKU(named: "p3.2xlarge") == nil)
        #expect(catalog.validationSKU(named: "Standard_Nfoo") == nil)
        #expect(catalog.validationSKU(named: "Standard_ND96asr_A100_v4") == nil)
        #expect(catalog.gpuRequestSKU(named: "Standard_ND96asr_A100_v4", cloud: .azure)?.gpuCount == 8)
        #expect(catalog.gpuRequestSKU(named: "Standard_NC6", cloud: .azure) == nil)
        #expect(catalog.validationSKU(named: "Standard_NC6")?.gpuCount == 1)
        #expect(catalog.gpuRequestSKU(named: "p3.2xlarge", cloud: .aws)?.gpuCount == 1)
        #expect(catalog.gpuRequestSKU(named: "p3.2xlarge", cloud: .azure) == nil)
    }

    @Test("suggestions for mistyped SKU names")
    func suggestions() {
        #expect(catalog.suggestions(for: "standard_nc12s_v3", cloud: .azure).first == "Standard_NC12s_v3")
        #expect(catalog.suggestions(for: "NC12s_v3", cloud: .azure).first == "Standard_NC12s_v3")
        #expect(
            Set(catalog.suggestions(for: "Standard_NC12s_v4", cloud: .azure).prefix(2))
                == ["Standard_NC12s_v2", "Standard_NC12s_v3"])
        #expect(catalog.suggestions(for: "p4d.24xl", cloud: .aws).first == "p4d.24xlarge")
        #expect(catalog.suggestions(for: "P3.2XLARGE", cloud: nil).first == "p3.2xlarge")
        #expect(catalog.suggestions(for: "p4d.24xlarge", cloud: .azure).isEmpty)
        #expect(catalog.suggestions(for: "banana", cloud: nil).isEmpty)
        #expect(catalog.suggestions(for: "NC24ads", cloud: .azure, limit: 1) == ["Standard_NC24ads_A100_v4"])
    }

    static let userCatalogJSON = #"""
        {"skus": [
            {"name": "Standard_NC6s_v3", "cloud": "azure", "gpuCount": 1, "gpuMemoryPerNodeGiB": 15,
             "gpuModel": "NVIDIA V100", "inValidationTable": true},
            {"name": "Standard_NC40ads_H100_v5", "cloud": "azure", "gpuCount": 1, "gpuMemoryPerNodeGiB": 94,
             "gpuModel": "NVIDIA H100"}
        ]}
        """#

    @Test("user catalogs decode with defaults and merge by name and cloud")
    func userCatalogAndMerging() throws {
        let user = try GPUCatalog(json: Data(Self.userCatalogJSON.utf8))
        let h100 = try #require(user.sku(named: "Standard_NC40ads_H100_v5", cloud: .azure))
        #expect(h100.inGPURequestTable)
        #expect(!h100.inValidationTable)
        #expect(h100.supportedOS.isEmpty)
        #expect(h100.nvidiaDriver == nil)

        let merged = catalog.merging(user)
        #expect(merged.skus.count == 100)
        #expect(merged.skus.last?.name == "Standard_NC40ads_H100_v5")
        let replaced = try #require(merged.sku(named: "Standard_NC6s_v3", cloud: .azure))
        #expect(replaced.gpuMemoryPerNodeGiB == 15)
        #expect(replaced.inGPURequestTable)
        #expect(
            merged.skus.firstIndex { $0.name == "Standard_NC6s_v3" }
                == catalog.skus.firstIndex { $0.name == "Standard_NC6s_v3" })
        #expect(merged.validationSKUs.count == 38)
        #expect(merged.gpuRequestSKU(named: "Standard_NC40ads_H100_v5", cloud: .azure)?.gpuCount == 1)
        #expect(catalog.sku(named: "Standard_NC6s_v3", cloud: .azure)?.gpuMemoryPerNodeGiB == 16)
    }

    @Test("JSON round-trips the bundled catalog")
    func roundTrip() throws {
        let data = try catalog.encodedJSON()
        #expect(try GPUCatalog(json: data) == catalog)
    }

    @Test("broken catalogs fail with a message naming the field")
    func decodeErrors() {
        let cases: [(String, CatalogError.Code, String, String)] = [
            ("[]", .invalidValue, "", "expected"),
            (
                #"{"skus": [{"name": "x", "cloud": "azure", "gpuCount": 1}]}"#, .missingField,
                "skus[0].gpuMemoryPerNodeGiB", #"required field "gpuMemoryPerNodeGiB" is missing"#
            ),
            (
                #"{"skus": [{"name": "x", "cloud": "gcp", "gpuCount": 1, "gpuMemoryPerNodeGiB": 1}]}"#, .invalidValue,
                "skus[0].cloud", "gcp"
            ),
            (
                #"{"skus": [{"name": "x", "cloud": "aws", "gpuCount": 0, "gpuMemoryPerNodeGiB": 1}]}"#, .invalidValue,
                "skus[0].gpuCount", "must be at least 1, got 0"
            ),
            (
                #"{"skus": [{"name": "x", "cloud": "aws", "gpuCount": 1, "gpuMemoryPerNodeGiB": 1},"#
                    + #"{"name": "x", "cloud": "aws", "gpuCount": 2, "gpuMemoryPerNodeGiB": 2}]}"#, .duplicateEntry,
                "skus[1].name", #"aws SKU "x" is already defined at skus[0]"#
            ),
        ]
        for (json, code, path, phrase) in cases {
            do {
                _ = try GPUCatalog(json: Data(json.utf8))
                Issue.record("expected a CatalogError for \(json)")
            } catch let error as CatalogError {
                #expect(error.code == code, "\(json)")
                #expect(error.path == path, "\(json)")
                #expect(error.catalog == "GPU catalog")
                #expect(error.description.contains(phrase), "\(error.description)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        // The same file in the same cloud twice is a duplicate; the same name in two clouds is not.
        let twoClouds =
            #"{"skus": [{"name": "x", "cloud": "aws", "gpuCount": 1, "gpuMemoryPerNodeGiB": 1},"#
            + #"{"name": "x", "cloud": "azure", "gpuCount": 1, "gpuMemoryPerNodeGiB": 1}]}"#
        #expect(throws: Never.self) { try GPUCatalog(json: Data(twoClouds.utf8)) }
    }
}

import Foundation
import Testing

@testable import KaitoCore

@Suite("PresetCatalog")
struct PresetCatalogTests {
    let catalog = PresetCatalog.v0_3_1

    static let registryOrder = [
        "falcon-7b", "falcon-7b-instruct", "falcon-40b", "falcon-40b-instruct",
        "llama-2-7b", "llama-2-13b", "llama-2-70b",
        "llama-2-7b-chat", "llama-2-13b-chat", "llama-2-70b-chat",
        "mistral-7b", "mistral-7b-instruct",
        "phi-2",
        "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct",
        "phi-3-medium-128k-instruct",
    ]

    @Test("registers exactly the 17 v0.3.1 presets in registry order")
    func names() {
        #expect(catalog.names == Self.registryOrder)
        #expect(catalog.models.count == 17)
        #expect(PresetCatalog.bundled == PresetCatalog.v0_3_1)
    }

    @Test("the bundled JSON literal decodes")
    func bundledLiteralDecodes() throws {
        let decoded = try PresetCatalog(json: Data(PresetCatalog.bundledJSON.utf8))
        #expect(decoded.models.count == 17)
    }

    /// One row of spec table 3.2.
    struct InferenceRow: Sendable, CustomTestStringConvertible {
        let name: String
        let family: String
        let access: PresetAccessMode
        let tag: String
        let disk: String
        let gpus: Int
        let total: String
        let perGPU: String
        let timeoutMinutes: Int
        let worldSize: Int
        let distributed: Bool
        let tuning: Bool
        var testDescription: String { name }
    }

    static let inferenceRows: [InferenceRow] = [
        .init(
            name: "falcon-7b", family: "Falcon", access: .public, tag: "0.0.6", disk: "50Gi", gpus: 1,
            total: "14Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "falcon-7b-instruct", family: "Falcon", access: .public, tag: "0.0.6", disk: "50Gi", gpus: 1,
            total: "14Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: false),
        .init(
            name: "falcon-40b", family: "Falcon", access: .public, tag: "0.0.7", disk: "400", gpus: 2,
            total: "90Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "falcon-40b-instruct", family: "Falcon", access: .public, tag: "0.0.7", disk: "400", gpus: 2,
            total: "90Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: false),
        .init(
            name: "llama-2-7b", family: "LLaMa2", access: .private, tag: "", disk: "34Gi", gpus: 1,
            total: "14Gi", perGPU: "14Gi", timeoutMinutes: 10, worldSize: 1, distributed: false, tuning: false),
        .init(
            name: "llama-2-13b", family: "LLaMa2", access: .private, tag: "", disk: "46Gi", gpus: 2,
            total: "30Gi", perGPU: "15Gi", timeoutMinutes: 20, worldSize: 2, distributed: true, tuning: false),
        .init(
            name: "llama-2-70b", family: "LLaMa2", access: .private, tag: "", disk: "158Gi", gpus: 8,
            total: "152Gi", perGPU: "19Gi", timeoutMinutes: 30, worldSize: 8, distributed: true, tuning: false),
        .init(
            name: "llama-2-7b-chat", family: "LLaMa2", access: .private, tag: "", disk: "34Gi", gpus: 1,
            total: "16Gi", perGPU: "14Gi", timeoutMinutes: 10, worldSize: 1, distributed: false, tuning: false),
        .init(
            name: "llama-2-13b-chat", family: "LLaMa2", access: .private, tag: "", disk: "46Gi", gpus: 2,
            total: "30Gi", perGPU: "15Gi", timeoutMinutes: 20, worldSize: 2, distributed: true, tuning: false),
        .init(
            name: "llama-2-70b-chat", family: "LLaMa2", access: .private, tag: "", disk: "158Gi", gpus: 8,
            total: "192Gi", perGPU: "19Gi", timeoutMinutes: 30, worldSize: 8, distributed: true, tuning: false),
        .init(
            name: "mistral-7b", family: "Mistral", access: .public, tag: "0.0.7", disk: "100Gi", gpus: 1,
            total: "14Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "mistral-7b-instruct", family: "Mistral", access: .public, tag: "0.0.7", disk: "100Gi", gpus: 1,
            total: "16Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: false),
        .init(
            name: "phi-2", family: "Phi", access: .public, tag: "0.0.5", disk: "50Gi", gpus: 1,
            total: "12Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "phi-3-mini-4k-instruct", family: "Phi3", access: .public, tag: "0.0.2", disk: "50Gi", gpus: 1,
            total: "9Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "phi-3-mini-128k-instruct", family: "Phi3", access: .public, tag: "0.0.2", disk: "50Gi", gpus: 1,
            total: "9Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "phi-3-medium-4k-instruct", family: "Phi3", access: .public, tag: "0.0.2", disk: "50Gi", gpus: 1,
            total: "28Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
        .init(
            name: "phi-3-medium-128k-instruct", family: "Phi3", access: .public, tag: "0.0.2", disk: "50Gi",
            gpus: 1, total: "28Gi", perGPU: "0", timeoutMinutes: 30, worldSize: 0, distributed: false, tuning: true),
    ]

    @Test("inference parameters match spec table 3.2", arguments: inferenceRows)
    func inferenceParameters(_ row: InferenceRow) throws {
        let model = try #require(catalog.model(named: row.name))
        #expect(model.family == row.family)
        #expect(model.accessMode == row.access)
        #expect(model.imageTag == row.tag)
        #expect(model.imageName == "kaito-\(row.name)")
        #expect(model.inference.diskStorageRequirement.description == row.disk)
        #expect(model.gpuCountRequirement == row.gpus)
        #expect(model.inference.gpuCountRequirement == row.gpus)
        #expect(model.totalGPUMemoryRequirement.description == row.total)
        #expect(model.perGPUMemoryRequirement.description == row.perGPU)
        #expect(model.inference.readinessTimeoutSeconds == row.timeoutMinutes * 60)
        #expect(model.worldSize == row.worldSize)
        #expect(model.supportsDistributedInference == row.distributed)
        #expect(model.supportsTuning == row.tuning)
        #expect(model.inference.entryFile == "inference_api.py")
        #expect(model.inference.tuningPerGPUMemoryRequirement.isEmpty)
        #expect(model.id == row.name)
    }

    @Test("per-family inference launch parameters", arguments: registryOrder)
    func familyParameters(_ name: String) throws {
        let model = try #require(catalog.model(named: name))
        let inference = model.inference
        if model.family == "LLaMa2" {
            #expect(model.runtime == "llama-2")
            #expect(model.modelType == (name.hasSuffix("-chat") ? "llama2-chat" : "llama2-completion"))
            #expect(inference.baseCommand == "cd /workspace/llama/llama-2 && torchrun")
            #expect(
                inference.launcherParameters == [
                    "nnodes": "1", "nproc_per_node": "1", "node_rank": "0", "master_addr": "localhost",
                    "master_port": "29500",
                ])
            #expect(
                inference.rendezvousParameters == [
                    "max_restarts": "3", "rdzv_id": "rdzv_id", "rdzv_backend": "c10d",
                    "rdzv_endpoint": "localhost:29500",
                ])
            #expect(inference.modelRunParameters == ["max_seq_len": "512", "max_batch_size": "8"])
            #expect(model.huggingFaceRevision == nil)
        } else {
            #expect(model.runtime == "tfs")
            #expect(model.modelType == "text-generation")
            #expect(inference.baseCommand == "accelerate launch")
            #expect(
                inference.launcherParameters == [
                    "num_processes": "1", "num_machines": "1", "machine_rank": "0", "gpu_ids": "all",
                ])
            #expect(inference.rendezvousParameters.isEmpty)
            let expectedRunParameters: [String: String] =
                switch model.family {
                case "Phi": ["torch_dtype": "float16", "pipeline": "text-generation"]
                case "Phi3": ["torch_dtype": "auto", "pipeline": "text-generation", "trust_remote_code": ""]
                default: ["torch_dtype": "bfloat16", "pipeline": "text-generation"]
                }
            #expect(inference.modelRunParameters == expectedRunParameters)
            let revision = try #require(model.huggingFaceRevision)
            #expect(revision.hasPrefix("https://huggingface.co/"))
            #expect(revision.contains("/commit/"))
        }
    }

    /// One row of spec table 3.3.
    struct TuningRow: Sendable, CustomTestStringConvertible {
        let name: String
        let disk: String
        let gpus: Int
        let total: String
        let perGPU: String
        let hasAccelerateMap: Bool
        let perMethod: [String: Int]
        var testDescription: String { name }
    }

    static let tuningRows: [TuningRow] = [
        .init(
            name: "falcon-7b", disk: "50Gi", gpus: 1, total: "16Gi", perGPU: "16Gi", hasAccelerateMap: true,
            perMethod: ["qlora": 16]),
        .init(
            name: "falcon-40b", disk: "50Gi", gpus: 2, total: "90Gi", perGPU: "16Gi", hasAccelerateMap: true,
            perMethod: [:]),
        .init(
            name: "mistral-7b", disk: "100Gi", gpus: 1, total: "16Gi", perGPU: "16Gi", hasAccelerateMap: false,
            perMethod: [:]),
        .init(
            name: "phi-2", disk: "50Gi", gpus: 1, total: "16Gi", perGPU: "16Gi", hasAccelerateMap: false,
            perMethod: [:]),
        .init(
            name: "phi-3-mini-4k-instruct", disk: "50Gi", gpus: 1, total: "72Gi", perGPU: "72Gi",
            hasAccelerateMap: false, perMethod: [:]),
        .init(
            name: "phi-3-mini-128k-instruct", disk: "50Gi", gpus: 1, total: "72Gi", perGPU: "72Gi",
            hasAccelerateMap: false, perMethod: [:]),
        .init(
            name: "phi-3-medium-4k-instruct", disk: "50Gi", gpus: 1, total: "80Gi", perGPU: "80Gi",
            hasAccelerateMap: false, perMethod: [:]),
        .init(
            name: "phi-3-medium-128k-instruct", disk: "50Gi", gpus: 1, total: "80Gi", perGPU: "80Gi",
            hasAccelerateMap: false, perMethod: [:]),
    ]

    @Test("tuning parameters match spec table 3.3", arguments: tuningRows)
    func tuningParameters(_ row: TuningRow) throws {
        let model = try #require(catalog.model(named: row.name))
        let tuning = try #require(model.tuning)
        #expect(tuning.baseCommand == "python3 metrics_server.py & accelerate launch")
        #expect(tuning.entryFile == "fine_tuning.py")
        #expect(tuning.readinessTimeoutSeconds == 1800)
        #expect(tuning.modelRunParameters.isEmpty)
        #expect(tuning.rendezvousParameters.isEmpty)
        #expect(tuning.diskStorageRequirement.description == row.disk)
        #expect(tuning.gpuCountRequirement == row.gpus)
        #expect(tuning.totalGPUMemoryRequirement.description == row.total)
        #expect(tuning.perGPUMemoryRequirement.description == row.perGPU)
        let accelerate = ["num_processes": "1", "num_machines": "1", "machine_rank": "0", "gpu_ids": "all"]
        #expect(tuning.launcherParameters == (row.hasAccelerateMap ? accelerate : [:]))
        #expect(tuning.tuningPerGPUMemoryRequirement == row.perMethod)
        #expect(model.accessMode == .public)
    }

    @Test("only the eight tuning presets have tuning parameters")
    func tuningPresets() {
        let tunable = catalog.models.filter(\.supportsTuning).map(\.name)
        #expect(tunable == Self.tuningRows.map(\.name))
    }

    @Test("falcon-40b keeps v0.3.1's unit-less disk of 400 bytes")
    func falcon40bDiskQuirk() throws {
        for name in ["falcon-40b", "falcon-40b-instruct"] {
            let disk = try #require(catalog.model(named: name)).inference.diskStorageRequirement
            #expect(disk.description == "400")
            #expect(disk.bytesRoundedUp == 400)
            #expect(disk.format == .decimalSI)
        }
        // Its tuning half asks for 50Gi like the others.
        #expect(catalog.model(named: "falcon-40b")?.tuning?.diskStorageRequirement == .gibibytes(50))
    }

    @Test("llama presets are private, and the 13b/70b ones distributed")
    func llamaPresets() throws {
        let llamas = catalog.models.filter { $0.family == "LLaMa2" }
        #expect(llamas.count == 6)
        for model in llamas {
            #expect(model.accessMode == .private)
            #expect(model.imageTag.isEmpty)
            #expect(model.imageReference(registry: PresetModel.defaultImageRegistry) == nil)
            #expect(!model.supportsTuning)
            #expect(model.supportsDistributedInference == !model.name.hasPrefix("llama-2-7b"))
        }
        let distributed = catalog.models.filter(\.supportsDistributedInference).map(\.name)
        #expect(distributed == ["llama-2-13b", "llama-2-70b", "llama-2-13b-chat", "llama-2-70b-chat"])
    }

    @Test("public presets build <registry>/kaito-<name>:<tag>")
    func imageReferences() throws {
        let falcon = try #require(catalog.model(named: "falcon-7b"))
        #expect(
            falcon.imageReference(registry: "mcr.microsoft.com/aks/kaito")
                == "mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.6")
        #expect(
            falcon.imageReference(registry: "myregistry.azurecr.io/") == "myregistry.azurecr.io/kaito-falcon-7b:0.0.6")
        // Fixed quirk: an empty registry gives no leading slash.
        #expect(falcon.imageReference(registry: "") == "kaito-falcon-7b:0.0.6")
        let expected: [String: String] = [
            "falcon-40b-instruct": "kaito-falcon-40b-instruct:0.0.7",
            "mistral-7b": "kaito-mistral-7b:0.0.7",
            "phi-2": "kaito-phi-2:0.0.5",
            "phi-3-medium-128k-instruct": "kaito-phi-3-medium-128k-instruct:0.0.2",
        ]
        for (name, suffix) in expected {
            let model = try #require(catalog.model(named: name))
            #expect(
                model.imageReference(registry: PresetModel.defaultImageRegistry)
                    == "mcr.microsoft.com/aks/kaito/\(suffix)")
        }
    }

    @Test("lookup is exact and case-sensitive")
    func lookup() {
        #expect(catalog.model(named: "falcon-7b")?.name == "falcon-7b")
        #expect(catalog.model(named: "Falcon-7b") == nil)
        #expect(catalog.model(named: "falcon-7b ") == nil)
        #expect(catalog.model(named: "phi-3-small-8k-instruct") == nil)
        #expect(catalog.model(named: "phi-3.5-mini-instruct") == nil)
    }

    @Test("suggestions for mistyped names")
    func suggestions() {
        #expect(catalog.suggestions(for: "falcon7b").first == "falcon-7b")
        #expect(catalog.suggestions(for: "Falcon-7B").first == "falcon-7b")
        #expect(catalog.suggestions(for: "FALCON-40B-INSTRUCT").first == "falcon-40b-instruct")
        let phi3 = catalog.suggestions(for: "phi3")
        #expect(phi3.count == 3)
        #expect(phi3.allSatisfy { $0.hasPrefix("phi-3-") })
        // All four phi-3 presets start with "phi3"; phi-2 is one edit away and ranks after them.
        #expect(
            catalog.suggestions(for: "phi3", limit: 10) == [
                "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct",
                "phi-3-medium-128k-instruct", "phi-2",
            ])
        #expect(catalog.suggestions(for: "lama-2-7b").first == "llama-2-7b")
        #expect(catalog.suggestions(for: "mistral-7b-instrcut").first == "mistral-7b-instruct")
        #expect(catalog.suggestions(for: "llama-2-70b-chat", limit: 1) == ["llama-2-70b-chat"])
        #expect(catalog.suggestions(for: "gpt-4").isEmpty)
        #expect(catalog.suggestions(for: "xyz").isEmpty)
        #expect(catalog.suggestions(for: "").isEmpty)
        #expect(catalog.suggestions(for: "falcon-7b", limit: 0).isEmpty)
    }

    // MARK: - User-supplied catalogs

    static let userCatalogJSON = #"""
        {"models": [
            {"name": "falcon-7b", "family": "Falcon", "accessMode": "public", "imageTag": "0.0.9",
             "inference": {"baseCommand": "accelerate launch", "entryFile": "inference_api.py",
                           "readinessTimeoutSeconds": 900, "diskStorageRequirement": "60Gi",
                           "gpuCountRequirement": 1, "totalGPUMemoryRequirement": "15Gi"}},
            {"name": "my-model", "family": "Custom", "accessMode": "public", "imageTag": "1.0.0",
             "inference": {"baseCommand": "accelerate launch", "entryFile": "inference_api.py",
                           "modelRunParameters": {"trust_remote_code": ""},
                           "readinessTimeoutSeconds": 1800, "diskStorageRequirement": "100Gi",
                           "gpuCountRequirement": 2, "totalGPUMemoryRequirement": "40Gi",
                           "perGPUMemoryRequirement": "20Gi"}}
        ]}
        """#

    @Test("decodes a user catalog with defaults for optional fields")
    func userCatalog() throws {
        let user = try PresetCatalog(json: Data(Self.userCatalogJSON.utf8))
        #expect(user.names == ["falcon-7b", "my-model"])
        let custom = try #require(user.model(named: "my-model"))
        #expect(custom.imageName == "kaito-my-model")
        #expect(custom.runtime == "tfs")
        #expect(custom.modelType == "text-generation")
        #expect(custom.worldSize == 0)
        #expect(!custom.supportsDistributedInference)
        #expect(custom.tuning == nil)
        #expect(custom.huggingFaceRevision == nil)
        #expect(custom.inference.launcherParameters.isEmpty)
        #expect(custom.inference.modelRunParameters == ["trust_remote_code": ""])
        #expect(custom.perGPUMemoryRequirement == .gibibytes(20))
        #expect(custom.imageReference(registry: "example.io") == "example.io/kaito-my-model:1.0.0")
        #expect(user.model(named: "falcon-7b")?.perGPUMemoryRequirement == .zero)
    }

    @Test("merging replaces same-named presets in place and appends new ones")
    func merging() throws {
        let user = try PresetCatalog(json: Data(Self.userCatalogJSON.utf8))
        let merged = catalog.merging(user)
        #expect(merged.models.count == 18)
        #expect(merged.names == Self.registryOrder + ["my-model"])
        #expect(merged.model(named: "falcon-7b")?.imageTag == "0.0.9")
        #expect(merged.model(named: "falcon-7b")?.totalGPUMemoryRequirement == .gibibytes(15))
        #expect(merged.model(named: "falcon-7b")?.tuning == nil)
        #expect(merged.model(named: "phi-2") == catalog.model(named: "phi-2"))
        // The original is untouched.
        #expect(catalog.model(named: "falcon-7b")?.imageTag == "0.0.6")
        #expect(catalog.merging(PresetCatalog(models: [])) == catalog)
    }

    @Test("JSON round-trips the bundled catalog")
    func roundTrip() throws {
        let data = try catalog.encodedJSON()
        let decoded = try PresetCatalog(json: data)
        #expect(decoded == catalog)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains(#""diskStorageRequirement" : "400""#))
        #expect(text.contains(#""totalGPUMemoryRequirement" : "14Gi""#))
    }

    /// A broken catalog, the error code and path expected, and a phrase of the message.
    struct BrokenCatalog: Sendable, CustomTestStringConvertible {
        let json: String
        let code: CatalogError.Code
        let path: String
        let phrase: String
        var testDescription: String { "\(code) at \(path)" }
    }

    /// A catalog of `copies` presets named `a` with the given access mode and inference fields (plus stubs).
    static func catalogJSON(accessMode: String = "public", inference: String, copies: Int = 1) -> String {
        let stub =
            #""baseCommand": "b", "entryFile": "e", "readinessTimeoutSeconds": 1, "diskStorageRequirement": "1Gi""#
        let model =
            #"{"name": "a", "family": "F", "accessMode": "\#(accessMode)", "#
            + #""inference": {\#(stub), \#(inference)}}"#
        return #"{"models": ["# + Array(repeating: model, count: copies).joined(separator: ", ") + "]}"
    }

    static let brokenCatalogs: [BrokenCatalog] = [
        .init(json: "not json", code: .malformedJSON, path: "", phrase: "not valid JSON"),
        .init(json: #"{"presets": []}"#, code: .missingField, path: "models", phrase: #"required field "models""#),
        .init(
            json: catalogJSON(inference: #""totalGPUMemoryRequirement": "1Gi""#),
            code: .missingField, path: "models[0].inference.gpuCountRequirement",
            phrase: #"required field "gpuCountRequirement" is missing"#),
        .init(
            json: catalogJSON(inference: #""gpuCountRequirement": 1, "totalGPUMemoryRequirement": "14GB""#),
            code: .invalidValue, path: "models[0].inference.totalGPUMemoryRequirement", phrase: "unknown suffix"),
        .init(
            json: catalogJSON(inference: #""gpuCountRequirement": "one", "totalGPUMemoryRequirement": "1Gi""#),
            code: .invalidValue, path: "models[0].inference.gpuCountRequirement", phrase: "expected an integer"),
        .init(
            json: catalogJSON(accessMode: "shared", inference: #""gpuCountRequirement": 1"#),
            code: .invalidValue, path: "models[0].accessMode", phrase: "shared"),
        .init(
            json: catalogJSON(inference: #""gpuCountRequirement": -1, "totalGPUMemoryRequirement": "1Gi""#),
            code: .invalidValue, path: "models[0].inference.gpuCountRequirement", phrase: "must not be negative"),
        .init(
            json: catalogJSON(inference: #""gpuCountRequirement": 1, "totalGPUMemoryRequirement": "-1Gi""#),
            code: .invalidValue, path: "models[0].inference.totalGPUMemoryRequirement",
            phrase: "must not be negative, got -1Gi"),
        .init(
            json: catalogJSON(inference: #""gpuCountRequirement": 1, "totalGPUMemoryRequirement": "1Gi""#, copies: 2),
            code: .duplicateEntry, path: "models[1].name", phrase: #"preset "a" is already defined at models[0]"#),
    ]

    @Test("broken catalogs fail with a message naming the field", arguments: brokenCatalogs)
    func decodeErrors(_ broken: BrokenCatalog) {
        do {
            _ = try PresetCatalog(json: Data(broken.json.utf8))
            Issue.record("expected a CatalogError")
        } catch let error as CatalogError {
            #expect(error.code == broken.code)
            #expect(error.path == broken.path)
            #expect(error.catalog == "preset catalog")
            #expect(error.description.contains(broken.phrase), "\(error.description)")
            if !broken.path.isEmpty {
                #expect(error.description.hasPrefix("invalid preset catalog at \(broken.path): "))
            }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

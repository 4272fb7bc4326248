import Testing

@testable import KaitoCore

@Suite("Sizing")
struct SizingTests {
    let presets = PresetCatalog.v0_3_1
    let gpus = GPUCatalog.v0_3_1

    /// One row of the spec 2.4 worked-examples table.
    struct WorkedExample: Sendable, CustomTestStringConvertible {
        let preset: String
        let sku: String
        let count: Int
        let gpus: (offered: Int, required: Int)
        let perGPU: (offered: String, required: String)
        let total: (offered: String, required: String)
        let problems: [SizingProblem]
        var testDescription: String { "\(preset) on \(count) × \(sku)" }
    }

    // The spec prints the "no constraint" per-GPU requirement as 0Gi; its canonical form is 0.
    static let workedExamples: [WorkedExample] = [
        .init(
            preset: "falcon-7b", sku: "Standard_NC12s_v3", count: 1, gpus: (2, 1), perGPU: ("16Gi", "0"),
            total: ("32Gi", "14Gi"), problems: []),
        .init(
            preset: "falcon-40b", sku: "Standard_NC96ads_A100_v4", count: 1, gpus: (4, 2), perGPU: ("80Gi", "0"),
            total: ("320Gi", "90Gi"), problems: []),
        .init(
            preset: "llama-2-13b", sku: "Standard_NC12s_v3", count: 1, gpus: (2, 2), perGPU: ("16Gi", "15Gi"),
            total: ("32Gi", "30Gi"), problems: []),
        .init(
            preset: "llama-2-70b", sku: "Standard_NC96ads_A100_v4", count: 2, gpus: (8, 8),
            perGPU: ("80Gi", "19Gi"), total: ("640Gi", "152Gi"), problems: []),
        .init(
            preset: "phi-3-mini-4k-instruct", sku: "Standard_NC6s_v3", count: 1, gpus: (1, 1),
            perGPU: ("16Gi", "0"), total: ("16Gi", "9Gi"), problems: []),
        .init(
            preset: "phi-3-medium-4k-instruct", sku: "Standard_NC6s_v3", count: 1, gpus: (1, 1),
            perGPU: ("16Gi", "0"), total: ("16Gi", "28Gi"), problems: [.insufficientTotalGPUMemory]),
        .init(
            preset: "llama-2-13b", sku: "Standard_NC24ads_A100_v4", count: 1, gpus: (1, 2),
            perGPU: ("80Gi", "15Gi"), total: ("80Gi", "30Gi"), problems: [.insufficientGPUCount]),
    ]

    @Test("spec 2.4 worked examples", arguments: workedExamples)
    func workedExample(_ example: WorkedExample) throws {
        let preset = try #require(presets.model(named: example.preset))
        let sku = try #require(gpus.validationSKU(named: example.sku))
        let verdict = try #require(Sizing.evaluate(preset, on: sku, nodeCount: example.count))
        #expect(verdict.preset == example.preset)
        #expect(verdict.sku == example.sku)
        #expect(verdict.nodeCount == example.count)
        #expect(verdict.offeredGPUCount == example.gpus.offered)
        #expect(verdict.requiredGPUCount == example.gpus.required)
        #expect(verdict.offeredPerGPUMemory.description == example.perGPU.offered)
        #expect(verdict.requiredPerGPUMemory.description == example.perGPU.required)
        #expect(verdict.offeredTotalGPUMemory.description == example.total.offered)
        #expect(verdict.requiredTotalGPUMemory.description == example.total.required)
        #expect(verdict.problems == example.problems)
        #expect(verdict.fits == example.problems.isEmpty)
    }

    @Test("SKUs outside the validation table are not sized by the webhook")
    func unknownSKUs() {
        #expect(gpus.validationSKU(named: "Standard_Nfoo") == nil)
        #expect(gpus.validationSKU(named: "Standard_Dfoo") == nil)
        #expect(gpus.validationSKU(named: "p3.2xlarge") == nil)
    }

    @Test("minimum node counts for the failing worked examples")
    func workedExampleMinimums() throws {
        let medium = try #require(presets.model(named: "phi-3-medium-4k-instruct"))
        let nc6 = try #require(gpus.validationSKU(named: "Standard_NC6s_v3"))
        let verdict = try #require(Sizing.evaluate(medium, on: nc6, nodeCount: 1))
        #expect(verdict.minimumNodeCount == 2)  // 2 × 16Gi = 32Gi ≥ 28Gi
        #expect(Sizing.evaluate(medium, on: nc6, nodeCount: 2)?.fits == true)

        let llama = try #require(presets.model(named: "llama-2-13b"))
        let a100 = try #require(gpus.validationSKU(named: "Standard_NC24ads_A100_v4"))
        #expect(Sizing.evaluate(llama, on: a100, nodeCount: 1)?.minimumNodeCount == 2)
        #expect(Sizing.evaluate(llama, on: a100, nodeCount: 2)?.problems == [])

        // llama-2-70b needs 19Gi per GPU: a 16Gi V100 never fits, whatever the count.
        let seventy = try #require(presets.model(named: "llama-2-70b"))
        let v100 = try #require(gpus.validationSKU(named: "Standard_NC24s_v3"))
        let never = try #require(Sizing.evaluate(seventy, on: v100, nodeCount: 10))
        #expect(never.problems == [.insufficientPerGPUMemory])
        #expect(never.minimumNodeCount == nil)
        // All three checks can fail at once, in order.
        let tiny = try #require(gpus.validationSKU(named: "Standard_NV6ads_A10_v5"))
        #expect(
            Sizing.evaluate(seventy, on: tiny, nodeCount: 1)?.problems
                == [.insufficientGPUCount, .insufficientPerGPUMemory, .insufficientTotalGPUMemory])
        // Zero nodes offer nothing.
        let none = try #require(Sizing.evaluate(llama, on: a100, nodeCount: 0))
        #expect(none.offeredGPUCount == 0)
        #expect(none.offeredTotalGPUMemory.isZero)
        #expect(none.problems == [.insufficientGPUCount, .insufficientTotalGPUMemory])
    }

    /// Inference requirements of every preset, from spec table 3.2 (GPUs, total GiB, per-GPU GiB).
    static let requirements: [String: (gpus: Int, total: Int, perGPU: Int)] = [
        "falcon-7b": (1, 14, 0), "falcon-7b-instruct": (1, 14, 0),
        "falcon-40b": (2, 90, 0), "falcon-40b-instruct": (2, 90, 0),
        "llama-2-7b": (1, 14, 14), "llama-2-13b": (2, 30, 15), "llama-2-70b": (8, 152, 19),
        "llama-2-7b-chat": (1, 16, 14), "llama-2-13b-chat": (2, 30, 15), "llama-2-70b-chat": (8, 192, 19),
        "mistral-7b": (1, 14, 0), "mistral-7b-instruct": (1, 16, 0),
        "phi-2": (1, 12, 0),
        "phi-3-mini-4k-instruct": (1, 9, 0), "phi-3-mini-128k-instruct": (1, 9, 0),
        "phi-3-medium-4k-instruct": (1, 28, 0), "phi-3-medium-128k-instruct": (1, 28, 0),
    ]

    /// SKUs from spec section 4 (GPUs, GiB per node).
    static let skus: [String: (gpus: Int, perNode: Int)] = [
        "Standard_NC12s_v3": (2, 32), "Standard_NC6s_v3": (1, 16),
        "Standard_NC24ads_A100_v4": (1, 80), "Standard_NC96ads_A100_v4": (4, 320),
    ]

    struct Pairing: Sendable, CustomTestStringConvertible {
        let preset: String
        let sku: String
        var testDescription: String { "\(preset) on \(sku)" }
    }

    static let pairings: [Pairing] = PresetCatalogTests.registryOrder.flatMap { preset in
        ["Standard_NC12s_v3", "Standard_NC6s_v3", "Standard_NC24ads_A100_v4", "Standard_NC96ads_A100_v4"].map {
            Pairing(preset: preset, sku: $0)
        }
    }

    @Test("every preset on common SKUs, checked from first principles", arguments: pairings)
    func firstPrinciples(_ pairing: Pairing) throws {
        let need = try #require(Self.requirements[pairing.preset])
        let have = try #require(Self.skus[pairing.sku])
        let preset = try #require(presets.model(named: pairing.preset))
        let sku = try #require(gpus.validationSKU(named: pairing.sku))

        var expected: [SizingProblem] = []
        if have.gpus < need.gpus { expected.append(.insufficientGPUCount) }
        if have.perNode / have.gpus < need.perGPU { expected.append(.insufficientPerGPUMemory) }
        if have.perNode < need.total { expected.append(.insufficientTotalGPUMemory) }
        let expectedMinimum: Int? =
            have.perNode / have.gpus < need.perGPU
            ? nil
            : max(1, (need.gpus + have.gpus - 1) / have.gpus, (need.total + have.perNode - 1) / have.perNode)

        let verdict = try #require(Sizing.evaluate(preset, on: sku, nodeCount: 1))
        #expect(verdict.problems == expected)
        #expect(verdict.fits == expected.isEmpty)
        #expect(verdict.minimumNodeCount == expectedMinimum)
        #expect(verdict.offeredGPUCount == have.gpus)
        #expect(verdict.offeredPerGPUMemory == .gibibytes(Int64(have.perNode / have.gpus)))
        #expect(verdict.offeredTotalGPUMemory == .gibibytes(Int64(have.perNode)))
        #expect(verdict.requiredTotalGPUMemory == .gibibytes(Int64(need.total)))

        if let minimum = expectedMinimum {
            let atMinimum = try #require(Sizing.evaluate(preset, on: sku, nodeCount: minimum))
            #expect(atMinimum.fits)
            #expect(atMinimum.offeredGPUCount == minimum * have.gpus)
            #expect(atMinimum.offeredTotalGPUMemory == .gibibytes(Int64(minimum * have.perNode)))
            if minimum > 1 {
                #expect(Sizing.evaluate(preset, on: sku, nodeCount: minimum - 1)?.fits == false)
            }
        } else {
            #expect(Sizing.evaluate(preset, on: sku, nodeCount: 16)?.fits == false)
        }
    }

    @Test("tuning sizes against the tuning requirements")
    func tuning() throws {
        let phi3 = try #require(presets.model(named: "phi-3-mini-128k-instruct"))
        let a100 = try #require(gpus.validationSKU(named: "Standard_NC24ads_A100_v4"))
        let v100 = try #require(gpus.validationSKU(named: "Standard_NC6s_v3"))
        let fits = try #require(Sizing.evaluate(phi3, on: a100, nodeCount: 1, for: .tuning))
        #expect(fits.fits)
        #expect(fits.requiredPerGPUMemory.description == "72Gi")
        #expect(fits.requiredTotalGPUMemory.description == "72Gi")
        let tooSmall = try #require(Sizing.evaluate(phi3, on: v100, nodeCount: 1, for: .tuning))
        #expect(tooSmall.problems == [.insufficientPerGPUMemory, .insufficientTotalGPUMemory])
        #expect(tooSmall.minimumNodeCount == nil)
        // For inference the same SKU is fine.
        #expect(Sizing.evaluate(phi3, on: v100, nodeCount: 1)?.fits == true)

        let instruct = try #require(presets.model(named: "falcon-7b-instruct"))
        #expect(Sizing.evaluate(instruct, on: a100, nodeCount: 1, for: .tuning) == nil)
        #expect(Sizing.options(for: instruct, in: gpus, cloud: .azure, for: .tuning).isEmpty)
    }

    @Test("options: fitting SKUs first, then fewest GPUs, least memory, name")
    func optionsOrdering() throws {
        let falcon = try #require(presets.model(named: "falcon-7b"))
        let options = Sizing.options(for: falcon, in: gpus, cloud: .azure)
        // Azure sizes against Kaito's validation table (38 SKUs), not the request-only rows.
        #expect(options.count == 38)
        #expect(options.map(\.sku.name).sorted() == GPUCatalog.bundled.validationSKUs.map(\.name).sorted())
        #expect(
            options.prefix(6).map(\.sku.name) == [
                "Standard_NC16as_T4_v3", "Standard_NC4as_T4_v3", "Standard_NC6s_v2", "Standard_NC6s_v3",
                "Standard_NC8as_T4_v3", "Standard_ND6s",
            ])
        #expect(options.first?.minimumNodeCount == 1)
        #expect(options.first?.verdict.offeredTotalGPUMemory == .gibibytes(16))
        // falcon-7b runs one replica per node, so every fitting SKU fits with one node.
        #expect(options.filter(\.fits).allSatisfy { $0.minimumNodeCount == 1 })
        // NV6ads_A10_v5 (1 GPU, 4Gi) passes Kaito's rule with 4 nodes, but one node cannot hold a replica.
        let a10 = try #require(options.first { $0.sku.name == "Standard_NV6ads_A10_v5" })
        #expect(a10.minimumNodeCount == nil)
        #expect(a10.verdict.nodeCount == 1)
        #expect(a10.verdict.minimumNodeCount == 4)
        #expect(!a10.verdict.fits)
        try expectSorted(options)
    }

    @Test("options: SKUs that can never fit come last, evaluated at one node")
    func optionsNeverFitting() throws {
        let llama = try #require(presets.model(named: "llama-2-70b"))
        let options = Sizing.options(for: llama, in: gpus, cloud: .azure)
        let first = try #require(options.first)
        #expect(first.sku.name == "Standard_ND12s")  // 4 nodes × 2 × 24Gi: 8 GPUs, 192Gi
        #expect(first.minimumNodeCount == 4)
        #expect(first.verdict.offeredGPUCount == 8)
        #expect(first.verdict.offeredTotalGPUMemory == .gibibytes(192))
        let fitting = options.prefix { $0.fits }.map(\.sku.name)
        #expect(fitting.count == 13)
        #expect(
            fitting.suffix(4) == [
                "Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4", "Standard_NC96ads_A100_v4",
                "Standard_ND96amsr_A100_v4",
            ])
        let never = options.drop { $0.fits }
        #expect(never.count == 25)
        for option in never {
            #expect(option.minimumNodeCount == nil)
            #expect(option.verdict.nodeCount == 1)
            #expect(option.verdict.problems.contains(.insufficientPerGPUMemory))
        }
        try expectSorted(options)

        // AMD, Inferentia and Trainium instances cannot run the CUDA images and are left out.
        let aws = Sizing.options(for: llama, in: gpus, cloud: .aws)
        #expect(aws.count == 57 - 12)
        #expect(aws.allSatisfy { $0.sku.cloud == .aws && $0.sku.isNVIDIA })
        try expectSorted(aws)
    }

    @Test("runnable node count: distributed presets span nodes, others need one node that holds a replica")
    func runnableNodeCount() throws {
        let a100 = try #require(gpus.validationSKU(named: "Standard_NC24ads_A100_v4"))
        let falcon40 = try #require(presets.model(named: "falcon-40b"))
        #expect(Sizing.evaluate(falcon40, on: a100, nodeCount: 2)?.fits == true)  // Kaito's rule sums nodes
        #expect(Sizing.minimumRunnableNodeCount(falcon40, on: a100) == nil)
        let llama13 = try #require(presets.model(named: "llama-2-13b"))
        #expect(Sizing.minimumRunnableNodeCount(llama13, on: a100) == 2)
        let phi = try #require(presets.model(named: "phi-3-mini-4k-instruct"))
        #expect(Sizing.minimumRunnableNodeCount(phi, on: a100) == 1)
        #expect(Sizing.minimumRunnableNodeCount(phi, on: a100, for: .tuning) == 1)
        let v100 = try #require(gpus.validationSKU(named: "Standard_NC6s_v3"))
        #expect(Sizing.minimumRunnableNodeCount(phi, on: v100, for: .tuning) == nil)  // 72Gi to tune
        let instruct = try #require(presets.model(named: "falcon-7b-instruct"))
        #expect(Sizing.minimumRunnableNodeCount(instruct, on: a100, for: .tuning) == nil)
    }

    /// Checks the documented order between every pair of neighbours.
    private func expectSorted(_ options: [SizingOption]) throws {
        for (lhs, rhs) in zip(options, options.dropFirst()) {
            let left = (lhs.fits ? 0 : 1, lhs.verdict.offeredGPUCount, lhs.verdict.offeredTotalGPUMemory.bytesRoundedUp)
            let right = (
                rhs.fits ? 0 : 1, rhs.verdict.offeredGPUCount, rhs.verdict.offeredTotalGPUMemory.bytesRoundedUp
            )
            #expect(left <= right, "\(lhs.sku.name) before \(rhs.sku.name)")
            if left == right {
                #expect(lhs.sku.name < rhs.sku.name)
            }
        }
    }
}

/// A reason a SKU cannot host a preset, in the order Kaito's webhook checks them.
public enum SizingProblem: Sendable, Hashable {
    /// Nodes × GPUs per node is below the preset's GPU count requirement.
    case insufficientGPUCount
    /// One GPU has less memory than the preset's per-GPU requirement; more nodes cannot help.
    case insufficientPerGPUMemory
    /// Nodes × GPU memory per node is below the preset's total GPU memory requirement.
    case insufficientTotalGPUMemory
}

/// Which of a preset's requirement sets to size for.
public enum SizingPurpose: Sendable {
    /// The inference requirements (the ones Kaito v0.3.1's webhook checks).
    case inference
    /// The tuning requirements (informational in v0.3.1; nothing checks them there).
    case tuning
}

/// The outcome of checking a preset against a SKU and node count, with every number the checks compared.
///
/// The offered values follow Kaito v0.3.1's webhook (spec 2.4): GPUs are `nodeCount × gpuCount`, per-GPU memory is
/// the node's GiB divided by its GPU count (rounded down), total memory is `nodeCount × node GiB`.
public struct SizingVerdict: Sendable, Hashable {
    /// The preset name.
    public var preset: String
    /// The SKU name.
    public var sku: String
    /// The node count that was evaluated.
    public var nodeCount: Int
    /// GPUs the preset needs.
    public var requiredGPUCount: Int
    /// GPUs the nodes offer: `nodeCount × gpuCount`.
    public var offeredGPUCount: Int
    /// Memory each GPU must have (zero: no constraint).
    public var requiredPerGPUMemory: Quantity
    /// Memory of each GPU, in Gi: node memory / GPU count, rounded down.
    public var offeredPerGPUMemory: Quantity
    /// GPU memory the preset needs in total.
    public var requiredTotalGPUMemory: Quantity
    /// GPU memory of all nodes together: `nodeCount × node GiB`.
    public var offeredTotalGPUMemory: Quantity
    /// Failed checks, in the order GPU count, per-GPU memory, total memory; empty when the preset fits.
    public var problems: [SizingProblem]
    /// The smallest node count (at least 1) at which the preset fits on this SKU; nil when no count can work
    /// (a GPU is too small, or the SKU has no GPUs or no GPU memory while some is needed).
    public var minimumNodeCount: Int?

    /// Creates a verdict.
    public init(
        preset: String, sku: String, nodeCount: Int,
        requiredGPUCount: Int, offeredGPUCount: Int,
        requiredPerGPUMemory: Quantity, offeredPerGPUMemory: Quantity,
        requiredTotalGPUMemory: Quantity, offeredTotalGPUMemory: Quantity,
        problems: [SizingProblem], minimumNodeCount: Int?
    ) {
        self.preset = preset
        self.sku = sku
        self.nodeCount = nodeCount
        self.requiredGPUCount = requiredGPUCount
        self.offeredGPUCount = offeredGPUCount
        self.requiredPerGPUMemory = requiredPerGPUMemory
        self.offeredPerGPUMemory = offeredPerGPUMemory
        self.requiredTotalGPUMemory = requiredTotalGPUMemory
        self.offeredTotalGPUMemory = offeredTotalGPUMemory
        self.problems = problems
        self.minimumNodeCount = minimumNodeCount
    }

    /// Whether every check passed at ``nodeCount``.
    public var fits: Bool { problems.isEmpty }
}

/// One SKU considered for a preset: how many nodes it takes, and the verdict there.
public struct SizingOption: Sendable, Hashable {
    /// The SKU.
    public var sku: GPUSKU
    /// The smallest node count that fits; nil when none does.
    public var minimumNodeCount: Int?
    /// The verdict at ``minimumNodeCount``, or at one node when the SKU never fits.
    public var verdict: SizingVerdict

    /// Creates an option.
    public init(sku: GPUSKU, minimumNodeCount: Int?, verdict: SizingVerdict) {
        self.sku = sku
        self.minimumNodeCount = minimumNodeCount
        self.verdict = verdict
    }

    /// Whether the preset can run on this SKU with some node count.
    public var fits: Bool { minimumNodeCount != nil }

    /// GPUs used at the evaluated node count.
    public var totalGPUCount: Int { verdict.offeredGPUCount }
}

/// GPU sizing: does a preset fit a SKU, with how many nodes, and which SKUs fit best.
public enum Sizing {
    /// Checks `preset` on `nodeCount` nodes of `sku`, as Kaito v0.3.1's webhook does for inference.
    ///
    /// Node counts below 1 offer no GPUs. Returns nil only when `purpose` is `.tuning` and the preset cannot be
    /// tuned.
    public static func evaluate(
        _ preset: PresetModel, on sku: GPUSKU, nodeCount: Int, for purpose: SizingPurpose = .inference
    ) -> SizingVerdict? {
        guard let requirements = requirements(of: preset, for: purpose) else { return nil }
        return verdict(preset: preset.name, requirements: requirements, sku: sku, nodeCount: nodeCount)
    }

    /// The smallest node count at which `preset` can really run on `sku`, or nil when it cannot.
    ///
    /// Kaito's webhook adds up the GPUs and GPU memory of all nodes, but only distributed presets (the ones that
    /// run as a StatefulSet, such as llama-2-13b) split the model across nodes. Every other preset runs one full
    /// replica per node, so one node alone must hold it; more nodes only add replicas. Tuning runs on one node.
    public static func minimumRunnableNodeCount(
        _ preset: PresetModel, on sku: GPUSKU, for purpose: SizingPurpose = .inference
    ) -> Int? {
        guard let requirements = requirements(of: preset, for: purpose) else { return nil }
        if purpose == .inference && preset.supportsDistributedInference {
            return minimumNodeCount(requirements: requirements, sku: sku)
        }
        return verdict(preset: preset.name, requirements: requirements, sku: sku, nodeCount: 1).fits ? 1 : nil
    }

    /// Every NVIDIA SKU Kaito can size on `cloud` (``GPUCatalog/sizingSKUs(for:)``; the preset images need CUDA),
    /// evaluated at the smallest node count
    /// at which the preset can really run (``minimumRunnableNodeCount(_:on:for:)``), best first.
    ///
    /// Order: SKUs that fit first; then fewer GPUs in total (`minimumNodeCount × gpuCount`), then less GPU memory
    /// in total, then name. SKUs that never fit are evaluated at one node and ordered the same way after the
    /// fitting ones. Empty when `purpose` is `.tuning` and the preset cannot be tuned.
    public static func options(
        for preset: PresetModel, in catalog: GPUCatalog, cloud: CloudProvider, for purpose: SizingPurpose = .inference
    ) -> [SizingOption] {
        guard let requirements = requirements(of: preset, for: purpose) else { return [] }
        let options = catalog.sizingSKUs(for: cloud).filter(\.isNVIDIA).map { sku in
            let minimum = minimumRunnableNodeCount(preset, on: sku, for: purpose)
            let verdict = verdict(preset: preset.name, requirements: requirements, sku: sku, nodeCount: minimum ?? 1)
            return SizingOption(sku: sku, minimumNodeCount: minimum, verdict: verdict)
        }
        return options.sorted { lhs, rhs in
            if lhs.fits != rhs.fits { return lhs.fits }
            if lhs.verdict.offeredGPUCount != rhs.verdict.offeredGPUCount {
                return lhs.verdict.offeredGPUCount < rhs.verdict.offeredGPUCount
            }
            if lhs.verdict.offeredTotalGPUMemory != rhs.verdict.offeredTotalGPUMemory {
                return lhs.verdict.offeredTotalGPUMemory < rhs.verdict.offeredTotalGPUMemory
            }
            if lhs.sku.name != rhs.sku.name { return lhs.sku.name < rhs.sku.name }
            return lhs.sku.cloud.rawValue < rhs.sku.cloud.rawValue
        }
    }

    /// The requirement set for `purpose`, or nil when the preset has none.
    private static func requirements(of preset: PresetModel, for purpose: SizingPurpose) -> PresetRunParameters? {
        switch purpose {
        case .inference: return preset.inference
        case .tuning: return preset.tuning
        }
    }

    /// The three checks of spec 2.4 at a given node count.
    private static func verdict(
        preset: String, requirements: PresetRunParameters, sku: GPUSKU, nodeCount: Int
    ) -> SizingVerdict {
        let nodes = max(0, nodeCount)
        let offeredGPUs = nodes * max(0, sku.gpuCount)
        let offeredPerGPU = sku.gpuMemoryPerGPU
        let offeredTotal = Quantity.gibibytes(Int64(nodes) * Int64(sku.gpuMemoryPerNodeGiB))
        var problems: [SizingProblem] = []
        if offeredGPUs < requirements.gpuCountRequirement {
            problems.append(.insufficientGPUCount)
        }
        if offeredPerGPU < requirements.perGPUMemoryRequirement {
            problems.append(.insufficientPerGPUMemory)
        }
        if offeredTotal < requirements.totalGPUMemoryRequirement {
            problems.append(.insufficientTotalGPUMemory)
        }
        return SizingVerdict(
            preset: preset, sku: sku.name, nodeCount: nodeCount,
            requiredGPUCount: requirements.gpuCountRequirement, offeredGPUCount: offeredGPUs,
            requiredPerGPUMemory: requirements.perGPUMemoryRequirement, offeredPerGPUMemory: offeredPerGPU,
            requiredTotalGPUMemory: requirements.totalGPUMemoryRequirement, offeredTotalGPUMemory: offeredTotal,
            problems: problems, minimumNodeCount: minimumNodeCount(requirements: requirements, sku: sku))
    }

    /// The smallest node count ≥ 1 that passes all three checks, or nil when none does.
    private static func minimumNodeCount(requirements: PresetRunParameters, sku: GPUSKU) -> Int? {
        if sku.gpuMemoryPerGPU < requirements.perGPUMemoryRequirement { return nil }
        var count = 1
        if requirements.gpuCountRequirement > 0 {
            guard sku.gpuCount > 0 else { return nil }
            count = max(count, ceilingDivision(requirements.gpuCountRequirement, sku.gpuCount))
        }
        let neededBytes = requirements.totalGPUMemoryRequirement.bytesRoundedUp
        if neededBytes > 0 {
            guard sku.gpuMemoryPerNodeGiB > 0 else { return nil }
            let (nodeBytes, overflow) = Int64(sku.gpuMemoryPerNodeGiB).multipliedReportingOverflow(by: 1 << 30)
            if !overflow {
                count = max(count, Int(ceilingDivision(neededBytes, nodeBytes)))
            }
        }
        return count
    }

    private static func ceilingDivision<T: BinaryInteger>(_ numerator: T, _ denominator: T) -> T {
        (numerator + denominator - 1) / denominator
    }
}

/// Who can pull a preset's image.
public enum PresetAccessMode: String, Sendable, Codable {
    /// Published in the preset registry; the controller builds the image reference itself.
    case `public`
    /// Not published (the Llama 2 presets): the user supplies the image and its pull secrets.
    case `private`
}

/// How one workload of a preset is launched and what it needs (Kaito's `PresetParam` inference or tuning half).
///
/// Kaito v0.3.1 distinguishes a `nil` parameter map from an empty one (for example the tuning accelerate map of
/// `mistral-7b` is `nil`); both render no flags, so here an absent map is simply empty. The controller's tuning
/// launcher rewrite ("set `num_processes`, creating the map when absent") behaves the same either way.
public struct PresetRunParameters: Sendable, Hashable, Codable {
    /// Shell prefix of the container command, e.g. `accelerate launch` or `cd /workspace/llama/llama-2 && torchrun`.
    public var baseCommand: String
    /// Launcher flags (accelerate or torchrun), rendered as ` --key=value` after ``baseCommand``.
    public var launcherParameters: [String: String]
    /// torchrun rendezvous flags, rendered after the launcher flags (Llama 2 only).
    public var rendezvousParameters: [String: String]
    /// The Python entry point: `inference_api.py` or `fine_tuning.py`.
    public var entryFile: String
    /// Flags for the entry point; an empty value renders as a bare ` --key`.
    public var modelRunParameters: [String: String]
    /// How long the controller waits for the workload to become ready, in seconds.
    public var readinessTimeoutSeconds: Int
    /// OS disk the node needs. Kept verbatim from Kaito, including falcon-40b's unit-less `400` (400 bytes).
    public var diskStorageRequirement: Quantity
    /// Minimum number of GPUs across all nodes.
    public var gpuCountRequirement: Int
    /// Minimum GPU memory across all nodes.
    public var totalGPUMemoryRequirement: Quantity
    /// Minimum memory of each GPU; zero means no per-GPU constraint (the model is split with `device_map=auto`).
    public var perGPUMemoryRequirement: Quantity
    /// Per-GPU memory in GiB by tuning method (e.g. `["qlora": 16]`); informational in v0.3.1, empty when none.
    public var tuningPerGPUMemoryRequirement: [String: Int]

    /// Creates a parameter set; maps default to empty.
    public init(
        baseCommand: String,
        launcherParameters: [String: String] = [:],
        rendezvousParameters: [String: String] = [:],
        entryFile: String,
        modelRunParameters: [String: String] = [:],
        readinessTimeoutSeconds: Int,
        diskStorageRequirement: Quantity,
        gpuCountRequirement: Int,
        totalGPUMemoryRequirement: Quantity,
        perGPUMemoryRequirement: Quantity,
        tuningPerGPUMemoryRequirement: [String: Int] = [:]
    ) {
        self.baseCommand = baseCommand
        self.launcherParameters = launcherParameters
        self.rendezvousParameters = rendezvousParameters
        self.entryFile = entryFile
        self.modelRunParameters = modelRunParameters
        self.readinessTimeoutSeconds = readinessTimeoutSeconds
        self.diskStorageRequirement = diskStorageRequirement
        self.gpuCountRequirement = gpuCountRequirement
        self.totalGPUMemoryRequirement = totalGPUMemoryRequirement
        self.perGPUMemoryRequirement = perGPUMemoryRequirement
        self.tuningPerGPUMemoryRequirement = tuningPerGPUMemoryRequirement
    }

    private enum CodingKeys: String, CodingKey {
        case baseCommand, launcherParameters, rendezvousParameters, entryFile, modelRunParameters
        case readinessTimeoutSeconds, diskStorageRequirement, gpuCountRequirement, totalGPUMemoryRequirement
        case perGPUMemoryRequirement, tuningPerGPUMemoryRequirement
    }

    /// Decodes a parameter set; the four maps may be left out (empty), and `perGPUMemoryRequirement` defaults to 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        baseCommand = try container.decode(String.self, forKey: .baseCommand)
        launcherParameters = try container.decodeIfPresent([String: String].self, forKey: .launcherParameters) ?? [:]
        rendezvousParameters =
            try container.decodeIfPresent([String: String].self, forKey: .rendezvousParameters) ?? [:]
        entryFile = try container.decode(String.self, forKey: .entryFile)
        modelRunParameters = try container.decodeIfPresent([String: String].self, forKey: .modelRunParameters) ?? [:]
        readinessTimeoutSeconds = try container.decode(Int.self, forKey: .readinessTimeoutSeconds)
        diskStorageRequirement = try container.decode(Quantity.self, forKey: .diskStorageRequirement)
        gpuCountRequirement = try container.decode(Int.self, forKey: .gpuCountRequirement)
        totalGPUMemoryRequirement = try container.decode(Quantity.self, forKey: .totalGPUMemoryRequirement)
        perGPUMemoryRequirement =
            try container.decodeIfPresent(Quantity.self, forKey: .perGPUMemoryRequirement) ?? .zero
        tuningPerGPUMemoryRequirement =
            try container.decodeIfPresent([String: Int].self, forKey: .tuningPerGPUMemoryRequirement) ?? [:]
    }
}

/// One preset model of the catalog: its image, how it runs, and the GPUs it needs.
public struct PresetModel: Sendable, Hashable, Codable, Identifiable {
    /// The preset name users write in `inference.preset.name`, e.g. `falcon-7b`. Lookup is case-sensitive.
    public var name: String
    /// Kaito's model family name: `Falcon`, `LLaMa2`, `Mistral`, `Phi`, `Phi3`.
    public var family: String
    /// The serving runtime: `tfs` (Hugging Face transformers) or `llama-2`.
    public var runtime: String
    /// The model type: `text-generation`, `llama2-completion` or `llama2-chat`.
    public var modelType: String
    /// Whether the image is public (built by Kaito) or private (supplied by the user).
    public var accessMode: PresetAccessMode
    /// The image repository name under the preset registry, e.g. `kaito-falcon-7b`.
    public var imageName: String
    /// The image tag the controller uses, e.g. `0.0.6`; empty for private presets.
    public var imageTag: String
    /// The pinned Hugging Face commit URL of the weights, when known.
    public var huggingFaceRevision: String?
    /// torchrun world size for distributed presets (Llama 2); 0 when unused.
    public var worldSize: Int
    /// Whether inference runs as a StatefulSet that can span several nodes.
    public var supportsDistributedInference: Bool
    /// How inference runs and what it needs.
    public var inference: PresetRunParameters
    /// How tuning runs and what it needs; nil when the preset cannot be tuned.
    public var tuning: PresetRunParameters?

    /// The registry Kaito's chart uses by default for public preset images (`PRESET_REGISTRY_NAME`).
    public static let defaultImageRegistry = "mcr.microsoft.com/aks/kaito"

    /// Creates a preset model.
    public init(
        name: String,
        family: String,
        runtime: String = "tfs",
        modelType: String = "text-generation",
        accessMode: PresetAccessMode,
        imageName: String? = nil,
        imageTag: String = "",
        huggingFaceRevision: String? = nil,
        worldSize: Int = 0,
        supportsDistributedInference: Bool = false,
        inference: PresetRunParameters,
        tuning: PresetRunParameters? = nil
    ) {
        self.name = name
        self.family = family
        self.runtime = runtime
        self.modelType = modelType
        self.accessMode = accessMode
        self.imageName = imageName ?? "kaito-\(name)"
        self.imageTag = imageTag
        self.huggingFaceRevision = huggingFaceRevision
        self.worldSize = worldSize
        self.supportsDistributedInference = supportsDistributedInference
        self.inference = inference
        self.tuning = tuning
    }

    /// The preset name, which identifies it within a catalog.
    public var id: String { name }

    /// Whether the preset can be fine-tuned (it has tuning parameters).
    public var supportsTuning: Bool { tuning != nil }

    /// Minimum number of GPUs for inference.
    public var gpuCountRequirement: Int { inference.gpuCountRequirement }

    /// Minimum total GPU memory for inference.
    public var totalGPUMemoryRequirement: Quantity { inference.totalGPUMemoryRequirement }

    /// Minimum per-GPU memory for inference (zero: no constraint).
    public var perGPUMemoryRequirement: Quantity { inference.perGPUMemoryRequirement }

    /// The image a public preset runs: `<registry>/<imageName>:<imageTag>`, e.g.
    /// `mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.6`; nil for private presets (the user supplies the image).
    ///
    /// Fixes Kaito's `/kaito-<name>:<tag>` quirk for an unset registry: an empty `registry` gives
    /// `<imageName>:<imageTag>`. A trailing `/` on `registry` is ignored, and an empty tag is left out.
    public func imageReference(registry: String) -> String? {
        guard accessMode == .public else { return nil }
        var prefix = Substring(registry)
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        let repository = prefix.isEmpty ? imageName : "\(prefix)/\(imageName)"
        return imageTag.isEmpty ? repository : "\(repository):\(imageTag)"
    }

    private enum CodingKeys: String, CodingKey {
        case name, family, runtime, modelType, accessMode, imageName, imageTag, huggingFaceRevision, worldSize
        case supportsDistributedInference, inference, tuning
    }

    /// Decodes a preset. Required: `name`, `family`, `accessMode`, `inference`. Defaults: `runtime` `tfs`,
    /// `modelType` `text-generation`, `imageName` `kaito-<name>`, `imageTag` empty, `worldSize` 0,
    /// `supportsDistributedInference` false, no `tuning`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        family = try container.decode(String.self, forKey: .family)
        runtime = try container.decodeIfPresent(String.self, forKey: .runtime) ?? "tfs"
        modelType = try container.decodeIfPresent(String.self, forKey: .modelType) ?? "text-generation"
        accessMode = try container.decode(PresetAccessMode.self, forKey: .accessMode)
        imageName = try container.decodeIfPresent(String.self, forKey: .imageName) ?? "kaito-\(name)"
        imageTag = try container.decodeIfPresent(String.self, forKey: .imageTag) ?? ""
        huggingFaceRevision = try container.decodeIfPresent(String.self, forKey: .huggingFaceRevision)
        worldSize = try container.decodeIfPresent(Int.self, forKey: .worldSize) ?? 0
        supportsDistributedInference =
            try container.decodeIfPresent(Bool.self, forKey: .supportsDistributedInference) ?? false
        inference = try container.decode(PresetRunParameters.self, forKey: .inference)
        tuning = try container.decodeIfPresent(PresetRunParameters.self, forKey: .tuning)
    }
}

/// A GPU virtual machine size or instance type (a SKU) and its GPUs.
///
/// Kaito v0.3.1 keeps two Azure tables: the webhook **validation table** (`api/v1alpha1/sku_config.go`, 38 rows),
/// used for sizing checks, the unsupported-instance-type allow-list and tuning's `num_processes`; and the cloud
/// **GPU-request table** (`pkg/sku`, 22 Azure rows, 57 AWS rows), used for the `nvidia.com/gpu` request. A SKU in
/// both tables is one value with both flags set.
public struct GPUSKU: Sendable, Hashable, Codable, Identifiable {
    /// The SKU name exactly as the cloud spells it, e.g. `Standard_NC12s_v3` or `p4d.24xlarge`.
    public var name: String
    /// The cloud the SKU belongs to.
    public var cloud: CloudProvider
    /// Number of GPUs on one node (partial-GPU SKUs such as the A10 v5 ones count as 1).
    public var gpuCount: Int
    /// GPU memory of the whole node (all its GPUs together), in GiB, as Kaito's tables store it.
    public var gpuMemoryPerNodeGiB: Int
    /// GPU model, e.g. `NVIDIA V100`; nil when unknown.
    public var gpuModel: String?
    /// The NVIDIA driver family Kaito's validation table records, e.g. `Nvidia525CudaDriver`.
    public var nvidiaDriver: String?
    /// Node operating systems the validation table lists, e.g. `["Mariner", "Ubuntu"]`; empty when not recorded.
    public var supportedOS: [String]
    /// Whether the SKU is in Kaito v0.3.1's webhook validation table (Azure only).
    public var inValidationTable: Bool
    /// Whether the SKU is in the cloud's GPU-request table (`nvidia.com/gpu` requests use its ``gpuCount``).
    public var inGPURequestTable: Bool

    /// Creates a SKU.
    public init(
        name: String,
        cloud: CloudProvider,
        gpuCount: Int,
        gpuMemoryPerNodeGiB: Int,
        gpuModel: String? = nil,
        nvidiaDriver: String? = nil,
        supportedOS: [String] = [],
        inValidationTable: Bool = false,
        inGPURequestTable: Bool = true
    ) {
        self.name = name
        self.cloud = cloud
        self.gpuCount = gpuCount
        self.gpuMemoryPerNodeGiB = gpuMemoryPerNodeGiB
        self.gpuModel = gpuModel
        self.nvidiaDriver = nvidiaDriver
        self.supportedOS = supportedOS
        self.inValidationTable = inValidationTable
        self.inGPURequestTable = inGPURequestTable
    }

    /// `<cloud>/<name>`, unique within a catalog.
    public var id: String { "\(cloud.rawValue)/\(name)" }

    /// Memory of one GPU in GiB: node memory divided by GPU count, rounded down as Kaito does (0 without GPUs).
    public var gpuMemoryPerGPUGiB: Int {
        gpuCount > 0 ? gpuMemoryPerNodeGiB / gpuCount : 0
    }

    /// Memory of one GPU as a quantity, e.g. `16Gi`.
    public var gpuMemoryPerGPU: Quantity { .gibibytes(Int64(gpuMemoryPerGPUGiB)) }

    /// GPU memory of one node as a quantity, e.g. `32Gi`.
    public var gpuMemoryPerNode: Quantity { .gibibytes(Int64(gpuMemoryPerNodeGiB)) }

    private enum CodingKeys: String, CodingKey {
        case name, cloud, gpuCount, gpuMemoryPerNodeGiB, gpuModel, nvidiaDriver, supportedOS
        case inValidationTable, inGPURequestTable
    }

    /// Decodes a SKU. Required: `name`, `cloud`, `gpuCount`, `gpuMemoryPerNodeGiB`. Defaults: no model or driver,
    /// `supportedOS` empty, `inValidationTable` false, `inGPURequestTable` true (a user-added SKU is known for GPU
    /// requests and sizing, but is not part of v0.3.1's webhook table).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        cloud = try container.decode(CloudProvider.self, forKey: .cloud)
        gpuCount = try container.decode(Int.self, forKey: .gpuCount)
        gpuMemoryPerNodeGiB = try container.decode(Int.self, forKey: .gpuMemoryPerNodeGiB)
        gpuModel = try container.decodeIfPresent(String.self, forKey: .gpuModel)
        nvidiaDriver = try container.decodeIfPresent(String.self, forKey: .nvidiaDriver)
        supportedOS = try container.decodeIfPresent([String].self, forKey: .supportedOS) ?? []
        inValidationTable = try container.decodeIfPresent(Bool.self, forKey: .inValidationTable) ?? false
        inGPURequestTable = try container.decodeIfPresent(Bool.self, forKey: .inGPURequestTable) ?? true
    }

    /// Whether the accelerator is an NVIDIA GPU (or of unknown make). Kaito v0.3.1's preset images need CUDA, so
    /// AMD GPUs and AWS Inferentia or Trainium accelerators cannot run them.
    public var isNVIDIA: Bool {
        gpuModel.map { $0.hasPrefix("NVIDIA") } ?? true
    }
}

public import Foundation

/// How the operator is set up: the planner's third input. Values only; the clock is passed in as ``now``.
public struct PlannerConfiguration: Sendable, Hashable {
    /// How GPU nodes are obtained.
    public enum NodeProvisionerKind: String, Sendable, Hashable, CaseIterable, Codable {
        /// gpu-provisioner's `karpenter.sh/v1alpha5` `Machine` (Kaito v0.3.1's default).
        case machine
        /// Karpenter's `NodeClaim` (Kaito's `Karpenter=true` feature gate).
        case nodeclaim
        /// Bring your own nodes: only existing labelled nodes are used.
        case none
    }

    /// The cloud (`CLOUD_PROVIDER`): selects the GPU-request table and the NodeClass kind.
    public var cloud: CloudProvider
    /// Registry of the public preset images (`PRESET_REGISTRY_NAME`).
    public var presetRegistry: String
    /// How GPU nodes are obtained.
    public var provisioner: NodeProvisionerKind
    /// API version written on NodeClaims: `karpenter.sh/v1beta1` (Kaito v0.3.1) or `karpenter.sh/v1`.
    public var nodeClaimAPIVersion: String
    /// Kaito's feature gates by name. `Karpenter=true` turns the ``NodeProvisionerKind/machine`` provisioner into
    /// ``NodeProvisionerKind/nodeclaim``, as the gate does in Kaito v0.3.1.
    public var featureGates: [String: Bool]
    /// The current time: timeouts are measured against it.
    public var now: Date
    /// The preset catalog.
    public var presets: PresetCatalog
    /// The GPU catalog.
    public var gpus: GPUCatalog

    /// Creates a configuration with Kaito v0.3.1's defaults.
    public init(
        cloud: CloudProvider = .azure, presetRegistry: String = PresetModel.defaultImageRegistry,
        provisioner: NodeProvisionerKind = .machine, nodeClaimAPIVersion: String = "karpenter.sh/v1beta1",
        featureGates: [String: Bool] = [:], now: Date, presets: PresetCatalog = .bundled, gpus: GPUCatalog = .bundled
    ) {
        self.cloud = cloud
        self.presetRegistry = presetRegistry
        self.provisioner = provisioner
        self.nodeClaimAPIVersion = nodeClaimAPIVersion
        self.featureGates = featureGates
        self.now = now
        self.presets = presets
        self.gpus = gpus
    }

    /// The provisioner in effect once the `Karpenter` feature gate is applied.
    public var effectiveProvisioner: NodeProvisionerKind {
        provisioner == .machine && featureGates["Karpenter"] == true ? .nodeclaim : provisioner
    }
}

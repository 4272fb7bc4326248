public import Foundation
public import KaitoK8s
public import KaitoCore

/// How a ``WorkspaceController`` runs: the planner's settings (cloud, registry, provisioner, feature gates,
/// catalogs) and the controller's own (concurrency, namespace scope, field manager, resync, retry backoff, clock).
public struct WorkspaceControllerConfiguration: Sendable {
    /// The cloud (`CLOUD_PROVIDER`): selects the GPU-request table and the NodeClass kind.
    public var cloud: CloudProvider
    /// Registry of the public preset images (`PRESET_REGISTRY_NAME`).
    public var presetRegistry: String
    /// How GPU nodes are obtained: `machine` (gpu-provisioner, Kaito v0.3.1's default), `nodeclaim` (Karpenter)
    /// or `none` (bring your own nodes).
    public var provisioner: PlannerConfiguration.NodeProvisionerKind
    /// The NodeClaim API version the cluster serves: `karpenter.sh/v1beta1` (Kaito v0.3.1) or `karpenter.sh/v1`.
    public var nodeClaimAPIVersion: String
    /// Kaito's feature gates by name; `Karpenter=true` turns the `machine` provisioner into `nodeclaim`.
    public var featureGates: [String: Bool]
    /// The preset catalog.
    public var presets: PresetCatalog
    /// The GPU catalog.
    public var gpus: GPUCatalog
    /// How many workspaces are reconciled at once (Kaito: 5).
    public var maxConcurrentReconciles: Int
    /// The only namespace whose workspaces are reconciled, or `nil` for every namespace.
    public var namespace: String?
    /// The field manager of every write (`kaito-controller`).
    public var fieldManager: String
    /// How often every cached object is revisited even without changes; `nil` never. The default is
    /// controller-runtime's cache resync (10 hours): deadlines are handled by requeues, not by resyncs.
    public var resyncPeriod: Duration?
    /// The first retry delay of a failed reconcile (client-go: 5 ms).
    public var retryBaseDelay: Duration
    /// The longest retry delay of a failed reconcile (client-go: 1000 s).
    public var retryMaxDelay: Duration
    /// Watch the node classes (AKSNodeClass on Azure, EC2NodeClass on AWS) when the effective provisioner is
    /// `nodeclaim`, so the planner creates the `default` one only when it is missing. The controller becomes ready
    /// only once that list succeeds: turn it off for clusters that do not serve the node class.
    public var watchNodeClasses: Bool
    /// The clock timeouts are measured against (`Date()`; tests pass the simulator's).
    public var clock: @Sendable () -> Date

    /// Creates a configuration with Kaito v0.3.1's defaults.
    public init(
        cloud: CloudProvider = .azure, presetRegistry: String = PresetModel.defaultImageRegistry,
        provisioner: PlannerConfiguration.NodeProvisionerKind = .machine,
        nodeClaimAPIVersion: String = "karpenter.sh/v1beta1", featureGates: [String: Bool] = [:],
        presets: PresetCatalog = .bundled, gpus: GPUCatalog = .bundled, maxConcurrentReconciles: Int = 5,
        namespace: String? = nil, fieldManager: String = "kaito-controller", resyncPeriod: Duration? = .seconds(36_000),
        retryBaseDelay: Duration = .milliseconds(5), retryMaxDelay: Duration = .seconds(1000),
        watchNodeClasses: Bool = true, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cloud = cloud
        self.presetRegistry = presetRegistry
        self.provisioner = provisioner
        self.nodeClaimAPIVersion = nodeClaimAPIVersion
        self.featureGates = featureGates
        self.presets = presets
        self.gpus = gpus
        self.maxConcurrentReconciles = maxConcurrentReconciles
        self.namespace = namespace
        self.fieldManager = fieldManager
        self.resyncPeriod = resyncPeriod
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.watchNodeClasses = watchNodeClasses
        self.clock = clock
    }

    /// The provisioner in effect once the `Karpenter` feature gate is applied.
    public var effectiveProvisioner: PlannerConfiguration.NodeProvisionerKind {
        plannerConfiguration(now: Date(timeIntervalSince1970: 0)).effectiveProvisioner
    }

    /// The planner's configuration at `now`.
    public func plannerConfiguration(now: Date) -> PlannerConfiguration {
        PlannerConfiguration(
            cloud: cloud, presetRegistry: presetRegistry, provisioner: provisioner,
            nodeClaimAPIVersion: nodeClaimAPIVersion, featureGates: featureGates, now: now, presets: presets,
            gpus: gpus)
    }

    /// The resource of the node claims the controller watches and creates, or `nil` for the `none` provisioner.
    public var nodeClaimResource: ResourceType? {
        switch effectiveProvisioner {
        case .machine: .machines
        case .nodeclaim:
            .nodeClaims(
                version: nodeClaimAPIVersion.hasPrefix("karpenter.sh/")
                    ? String(nodeClaimAPIVersion.dropFirst("karpenter.sh/".count)) : nodeClaimAPIVersion)
        case .none: nil
        }
    }
}

extension WorkspaceControllerConfiguration {
    /// The node class resource NodeClaims refer to, when the effective provisioner is `nodeclaim`:
    /// `karpenter.azure.com/v1alpha2` AKSNodeClass on Azure, `karpenter.k8s.aws` EC2NodeClass (at the NodeClaim's
    /// version) on AWS.
    public var nodeClassResource: ResourceType? {
        guard effectiveProvisioner == .nodeclaim else { return nil }
        switch cloud {
        case .azure:
            return .aksNodeClasses
        case .aws:
            let version = nodeClaimResource?.version ?? "v1beta1"
            return ResourceType(
                group: "karpenter.k8s.aws", version: version, kind: "EC2NodeClass", plural: "ec2nodeclasses",
                isNamespaced: false)
        }
    }
}

/// One permission the controller needs, as an RBAC rule names it: an API group, a resource and verbs.
public struct RequiredPermission: Sendable, Hashable, CustomStringConvertible {
    /// The API group (empty for the core group).
    public var apiGroup: String
    /// The resource (plural), or `resource/subresource`.
    public var resource: String
    /// The verbs, sorted.
    public var verbs: [String]

    /// Creates a permission.
    public init(apiGroup: String, resource: String, verbs: [String]) {
        self.apiGroup = apiGroup
        self.resource = resource
        self.verbs = verbs.sorted()
    }

    /// `deployments.apps: create, delete, get, …`.
    public var description: String {
        "\(apiGroup.isEmpty ? resource : "\(resource).\(apiGroup)"): \(verbs.joined(separator: ", "))"
    }
}

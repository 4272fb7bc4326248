public import Foundation

/// A Kaito `Workspace` (`kaito.sh/v1alpha1`): a model to serve or fine-tune and the GPU nodes to run it on.
///
/// The layout is Kaito's: `resource`, `inference` and `tuning` sit at the top level beside `metadata`
/// and `status`; there is no `spec`.
public struct Workspace: Sendable, Hashable, Codable {
    /// `kaito.sh/v1alpha1`.
    public static let apiVersion = "kaito.sh/v1alpha1"
    /// `Workspace`.
    public static let kind = "Workspace"
    /// The API group, `kaito.sh`.
    public static let group = "kaito.sh"
    /// The plural resource name, `workspaces`.
    public static let plural = "workspaces"

    /// Always ``Workspace/apiVersion`` once decoded.
    public var apiVersion: String?
    /// Always ``Workspace/kind`` once decoded.
    public var kind: String?
    /// Object metadata.
    public var metadata: ObjectMeta
    /// The GPU nodes to run on.
    public var resource: ResourceSpec?
    /// Serve a model. Exactly one of `inference` and `tuning` is set.
    public var inference: InferenceSpec?
    /// Fine-tune a model. Exactly one of `inference` and `tuning` is set.
    public var tuning: TuningSpec?
    /// What the controller observed.
    public var status: WorkspaceStatus?

    /// Creates a workspace.
    public init(
        metadata: ObjectMeta, resource: ResourceSpec? = nil, inference: InferenceSpec? = nil,
        tuning: TuningSpec? = nil, status: WorkspaceStatus? = nil
    ) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.resource = resource
        self.inference = inference
        self.tuning = tuning
        self.status = status
    }

    /// The workspace with the CRD's schema defaults applied, as the API server applies them on create:
    /// `resource.count` 1 and `resource.instanceType` `Standard_NC12s_v3` when `resource` is present, and
    /// `accessMode` `public` on each present `preset`. Values already set are kept.
    public func defaulted() -> Workspace {
        var copy = self
        if var resource = copy.resource {
            if resource.count == nil { resource.count = ResourceSpec.defaultCount }
            if resource.instanceType == nil { resource.instanceType = ResourceSpec.defaultInstanceType }
            copy.resource = resource
        }
        if copy.inference?.preset != nil, copy.inference?.preset?.accessMode == nil {
            copy.inference?.preset?.accessMode = PresetSpec.defaultAccessMode
        }
        if copy.tuning?.preset != nil, copy.tuning?.preset?.accessMode == nil {
            copy.tuning?.preset?.accessMode = PresetSpec.defaultAccessMode
        }
        return copy
    }
}

/// The GPU nodes a workspace needs (`ResourceSpec`).
public struct ResourceSpec: Sendable, Hashable, Codable {
    /// The CRD default for `count`.
    public static let defaultCount = 1
    /// The CRD default for `instanceType`.
    public static let defaultInstanceType = "Standard_NC12s_v3"

    /// Number of GPU nodes.
    public var count: Int?
    /// The GPU node SKU, such as `Standard_NC12s_v3` or `p3.8xlarge`.
    public var instanceType: String?
    /// Labels the GPU nodes must carry (required by the CRD).
    public var labelSelector: LabelSelector?
    /// Names of existing nodes to use first.
    public var preferredNodes: [String]?

    /// Creates a resource spec.
    public init(
        count: Int? = nil, instanceType: String? = nil, labelSelector: LabelSelector? = nil,
        preferredNodes: [String]? = nil
    ) {
        self.count = count
        self.instanceType = instanceType
        self.labelSelector = labelSelector
        self.preferredNodes = preferredNodes
    }
}

/// How a workspace serves a model (`InferenceSpec`).
public struct InferenceSpec: Sendable, Hashable, Codable {
    /// A preset model. Exclusive with `template`.
    public var preset: PresetSpec?
    /// A custom pod template (schemaless, kept verbatim). Exclusive with `preset`.
    public var template: JSONValue?
    /// LoRA adapters merged into the base model.
    public var adapters: [AdapterSpec]?

    /// Creates an inference spec.
    public init(preset: PresetSpec? = nil, template: JSONValue? = nil, adapters: [AdapterSpec]? = nil) {
        self.preset = preset
        self.template = template
        self.adapters = adapters
    }
}

/// A preset model reference with its access options (`PresetSpec`).
public struct PresetSpec: Sendable, Hashable, Codable {
    /// The CRD default for `accessMode`.
    public static let defaultAccessMode = "public"

    /// Preset name, such as `falcon-7b`.
    public var name: String
    /// `public` (Kaito's registry) or `private` (the user's image in `presetOptions`).
    public var accessMode: String?
    /// Image options for private presets.
    public var presetOptions: PresetOptions?

    /// Creates a preset reference.
    public init(name: String, accessMode: String? = nil, presetOptions: PresetOptions? = nil) {
        self.name = name
        self.accessMode = accessMode
        self.presetOptions = presetOptions
    }
}

/// Image options of a preset (`PresetOptions`).
public struct PresetOptions: Sendable, Hashable, Codable {
    /// Full image reference of the model container.
    public var image: String?
    /// Names of secrets in the workspace namespace used to pull `image`.
    public var imagePullSecrets: [String]?

    /// Creates preset options.
    public init(image: String? = nil, imagePullSecrets: [String]? = nil) {
        self.image = image
        self.imagePullSecrets = imagePullSecrets
    }
}

/// A LoRA adapter (`AdapterSpec`).
public struct AdapterSpec: Sendable, Hashable, Codable {
    /// Where the adapter comes from (`name` and `image` are used).
    public var source: DataSource?
    /// Weight of the adapter as a decimal string in `[0, 1]`.
    public var strength: String?

    /// Creates an adapter.
    public init(source: DataSource? = nil, strength: String? = nil) {
        self.source = source
        self.strength = strength
    }
}

/// Input data for tuning, or an adapter's origin (`DataSource`).
public struct DataSource: Sendable, Hashable, Codable {
    /// Dataset or adapter name.
    public var name: String?
    /// Public URLs of the data.
    public var urls: [String]?
    /// A Kubernetes volume source (schemaless; not supported by Kaito v0.3.1).
    public var volumeSource: JSONValue?
    /// An image whose `/data` folder holds the data.
    public var image: String?
    /// Secrets used to pull `image`.
    public var imagePullSecrets: [String]?

    /// Creates a data source.
    public init(
        name: String? = nil, urls: [String]? = nil, volumeSource: JSONValue? = nil, image: String? = nil,
        imagePullSecrets: [String]? = nil
    ) {
        self.name = name
        self.urls = urls
        self.volumeSource = volumeSource
        self.image = image
        self.imagePullSecrets = imagePullSecrets
    }
}

/// Where tuning results go (`DataDestination`).
public struct DataDestination: Sendable, Hashable, Codable {
    /// A Kubernetes volume source (schemaless; not supported by Kaito v0.3.1).
    public var volumeSource: JSONValue?
    /// Image reference the adapter is pushed to.
    public var image: String?
    /// Name of a `kubernetes.io/dockerconfigjson` secret used to push `image`.
    public var imagePushSecret: String?

    /// Creates a destination.
    public init(volumeSource: JSONValue? = nil, image: String? = nil, imagePushSecret: String? = nil) {
        self.volumeSource = volumeSource
        self.image = image
        self.imagePushSecret = imagePushSecret
    }
}

/// How a workspace fine-tunes a model (`TuningSpec`).
public struct TuningSpec: Sendable, Hashable, Codable {
    /// The model to tune.
    public var preset: PresetSpec?
    /// `lora` or `qlora`.
    public var method: String?
    /// Name of a ConfigMap holding `training_config.yaml`; empty means the method's default template.
    public var config: String?
    /// Training data.
    public var input: DataSource?
    /// Where the trained adapter goes.
    public var output: DataDestination?

    /// Creates a tuning spec.
    public init(
        preset: PresetSpec? = nil, method: String? = nil, config: String? = nil, input: DataSource? = nil,
        output: DataDestination? = nil
    ) {
        self.preset = preset
        self.method = method
        self.config = config
        self.input = input
        self.output = output
    }
}

/// What the controller observed (`WorkspaceStatus`).
public struct WorkspaceStatus: Sendable, Hashable, Codable {
    /// Names of the nodes running the workload, sorted.
    public var workerNodes: [String]?
    /// Standard conditions.
    public var conditions: [Condition]?

    /// Creates a status.
    public init(workerNodes: [String]? = nil, conditions: [Condition]? = nil) {
        self.workerNodes = workerNodes
        self.conditions = conditions
    }
}

/// A standard Kubernetes condition (`metav1.Condition`).
public struct Condition: Sendable, Hashable, Codable {
    /// `True`, `False` or `Unknown`.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The condition holds.
        case `true` = "True"
        /// The condition does not hold.
        case `false` = "False"
        /// Not known yet.
        case unknown = "Unknown"
    }

    /// Condition type, such as `WorkspaceSucceeded`.
    public var type: String
    /// Its status.
    public var status: Status
    /// Generation the condition was computed from.
    public var observedGeneration: Int64?
    /// When the status last changed.
    public var lastTransitionTime: Date?
    /// A CamelCase reason.
    public var reason: String
    /// A human-readable message.
    public var message: String

    /// Creates a condition.
    public init(
        type: String, status: Status, reason: String, message: String, observedGeneration: Int64? = nil,
        lastTransitionTime: Date? = nil
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
    }
}

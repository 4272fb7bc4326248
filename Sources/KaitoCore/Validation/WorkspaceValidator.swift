/// Validates workspaces as Kaito's admission webhook does, with v0.3.1's messages, and with v0.3.1's
/// validation gaps closed (see `Docs/compatibility.md`).
///
/// The validator is pure: everything it needs from a cluster (the tuning ConfigMap) is passed in through
/// a ``ValidationContext``. Every rule runs and all problems are returned at once, errors and warnings.
///
/// ```swift
/// let validator = WorkspaceValidator()
/// let problems = validator.validateCreate(workspace)
/// if problems.errors.isEmpty { /* create it */ }
/// ```
public struct WorkspaceValidator: Sendable {
    /// Maximum number of adapters on one workspace.
    public static let maximumAdapters = 10

    /// The presets that may be referenced.
    public var presets: PresetCatalog
    /// The GPU SKUs known for sizing checks.
    public var gpus: GPUCatalog
    /// The cloud the cluster runs on; selects the SKU table (`azure` uses Kaito's validation table).
    public var cloud: CloudProvider

    /// Creates a validator over the given catalogs (the bundled v0.3.1 ones by default).
    public init(presets: PresetCatalog = .bundled, gpus: GPUCatalog = .bundled, cloud: CloudProvider = .azure) {
        self.presets = presets
        self.gpus = gpus
        self.cloud = cloud
    }

    /// The rules for a new workspace. CRD defaults are applied first, as the API server does before admission.
    public func validateCreate(_ workspace: Workspace, context: ValidationContext = .init()) -> [FieldProblem] {
        let workspace = workspace.defaulted()
        var problems = validateMetadata(workspace)
        problems += validateWorkspaceShape(workspace)
        if workspace.inference != nil || workspace.tuning != nil {
            problems += validateResourceBasics(workspace)
        }
        if let inference = workspace.inference {
            problems += validateResourceForInference(workspace)
            problems += validateInference(inference, workspace: workspace, mode: .create)
        }
        if let tuning = workspace.tuning {
            problems += validateResourceForTuning(workspace)
            problems += validateTuning(tuning, workspace: workspace, context: context)
        }
        return problems
    }

    /// The rules for a change to an existing workspace; `old` is the stored object.
    public func validateUpdate(
        _ workspace: Workspace, from old: Workspace, context: ValidationContext = .init()
    ) -> [FieldProblem] {
        let workspace = workspace.defaulted()
        let old = old.defaulted()
        var problems: [FieldProblem] = []
        if (workspace.inference == nil) != (old.inference == nil) {
            problems.append(FieldProblem("inference", "Inference field cannot be toggled once set"))
        }
        if (workspace.tuning == nil) != (old.tuning == nil) {
            problems.append(FieldProblem("tuning", "Tuning field cannot be toggled once set"))
        }
        problems += validateResourceUpdate(workspace.resource, old: old.resource)
        if let inference = workspace.inference {
            problems += validateInferenceUpdate(inference, old: old.inference, workspace: workspace)
        }
        if let tuning = workspace.tuning {
            problems += validateTuningUpdate(tuning, old: old.tuning)
        }
        return problems
    }

    // MARK: Workspace level

    func validateMetadata(_ workspace: Workspace) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let name = workspace.metadata.name ?? ""
        if name.isEmpty {
            if (workspace.metadata.generateName ?? "").isEmpty {
                problems.append(.missing("metadata.name", hint: "give the workspace a name"))
            }
        } else if !NameRules.isDNS1123Label(name) {
            problems.append(
                .invalidValue("metadata.name", name, hint: NameRules.dns1123LabelRule))
        } else if !NameRules.isDNS1035Label(name) {
            problems.append(
                .invalidValue(
                    "metadata.name", name,
                    hint: "the workspace's Service is named after it, and a Service name must start with a letter"))
        }
        if let namespace = workspace.metadata.namespace, !NameRules.isDNS1123Label(namespace) {
            problems.append(.invalidValue("metadata.namespace", namespace, hint: NameRules.dns1123LabelRule))
        }
        return problems
    }

    func validateWorkspaceShape(_ workspace: Workspace) -> [FieldProblem] {
        switch (workspace.inference, workspace.tuning) {
        case (nil, nil):
            return [
                FieldProblem(
                    "", "Either Inference or Tuning must be specified, not neither",
                    hint: "add an inference or a tuning section")
            ]
        case (.some, .some):
            return [
                FieldProblem(
                    "", "Either Inference or Tuning must be specified, but not both",
                    hint: "use one workspace per model to serve or tune")
            ]
        default:
            return []
        }
    }
}

/// What the validator needs to know about the cluster, fetched beforehand by the caller.
public struct ValidationContext: Sendable, Hashable {
    /// The tuning ConfigMap named by ``WorkspaceValidator/tuningConfigMapReference(for:releaseNamespace:)``,
    /// or `nil` to skip the ConfigMap checks (no cluster at hand).
    public var tuningConfigMap: ConfigMapLookup?
    /// The namespace Kaito is installed in, where the default tuning templates live.
    public var releaseNamespace: String

    /// The namespace Kaito's chart installs into by default.
    public static let defaultReleaseNamespace = "kaito-workspace"

    /// Creates a context.
    public init(tuningConfigMap: ConfigMapLookup? = nil, releaseNamespace: String = defaultReleaseNamespace) {
        self.tuningConfigMap = tuningConfigMap
        self.releaseNamespace = releaseNamespace
    }
}

/// The result of reading a ConfigMap from the cluster.
public enum ConfigMapLookup: Sendable, Hashable {
    /// The ConfigMap exists with this `data`.
    case found(data: [String: String])
    /// There is no such ConfigMap.
    case notFound
    /// The read failed for another reason, described here.
    case failed(String)
}

/// A ConfigMap by namespace and name.
public struct ConfigMapReference: Sendable, Hashable {
    /// Its namespace.
    public var namespace: String
    /// Its name.
    public var name: String

    /// Creates a reference.
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
}

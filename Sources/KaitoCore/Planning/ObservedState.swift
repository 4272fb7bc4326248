public import Foundation

/// What the controller saw of the cluster for one workspace: the input of ``Planner/plan(_:observed:configuration:)``
/// besides the workspace itself.
///
/// Build it from any objects with ``init(objects:for:)``: objects that do not belong to the workspace are left out,
/// so a controller can hand over its caches and `kaitoctl plan --observed` a whole described cluster.
public struct ObservedState: Sendable, Hashable {
    /// Every node of the cluster (the planner selects among them).
    public var nodes: [ObservedNode]
    /// The workspace's Machines or NodeClaims (labelled `kaito.sh/workspace` and `kaito.sh/workspacenamespace`).
    public var nodeClaims: [ObservedNodeClaim]
    /// The workspace's ControllerRevisions (labelled `workspace.kaito.io/name`).
    public var controllerRevisions: [KubernetesObject]
    /// Services in the workspace's namespace named after it (`<ws>`, `<ws>-headless`).
    public var services: [KubernetesObject]
    /// The Deployment named after the workspace, if any.
    public var deployment: KubernetesObject?
    /// The StatefulSet named after the workspace, if any.
    public var statefulSet: KubernetesObject?
    /// The Job named after the workspace, if any.
    public var job: KubernetesObject?
    /// Karpenter node classes (`AKSNodeClass`, `EC2NodeClass`) by name.
    public var nodeClasses: [KubernetesObject]

    /// An empty cluster.
    public init(
        nodes: [ObservedNode] = [], nodeClaims: [ObservedNodeClaim] = [], controllerRevisions: [KubernetesObject] = [],
        services: [KubernetesObject] = [], deployment: KubernetesObject? = nil, statefulSet: KubernetesObject? = nil,
        job: KubernetesObject? = nil, nodeClasses: [KubernetesObject] = []
    ) {
        self.nodes = nodes
        self.nodeClaims = nodeClaims
        self.controllerRevisions = controllerRevisions
        self.services = services
        self.deployment = deployment
        self.statefulSet = statefulSet
        self.job = job
        self.nodeClasses = nodeClasses
    }

    /// Sorts `objects` into the state of `workspace`, keeping only what belongs to it (and all nodes).
    public init(objects: [KubernetesObject], for workspace: Workspace) {
        self.init()
        let name = workspace.metadata.name ?? ""
        let namespace = workspace.metadata.namespace ?? "default"
        func inNamespace(_ object: KubernetesObject) -> Bool { (object.metadata.namespace ?? "default") == namespace }
        for object in objects {
            switch (object.apiVersion, object.kind) {
            case ("v1", "Node"):
                nodes.append(ObservedNode(object))
            case (let version, "Machine") where version.hasPrefix("karpenter.sh/"),
                (let version, "NodeClaim") where version.hasPrefix("karpenter.sh/"):
                let labels = object.metadata.labels ?? [:]
                if labels[WorkspaceLabels.workspace] == name, labels[WorkspaceLabels.workspaceNamespace] == namespace {
                    nodeClaims.append(ObservedNodeClaim(object))
                }
            case ("apps/v1", "ControllerRevision"):
                if inNamespace(object), object.metadata.labels?[WorkspaceRevision.nameLabel] == name {
                    controllerRevisions.append(object)
                }
            case ("v1", "Service"):
                if inNamespace(object), object.name == name || object.name == "\(name)-headless" {
                    services.append(object)
                }
            case ("apps/v1", "Deployment") where inNamespace(object) && object.name == name:
                deployment = object
            case ("apps/v1", "StatefulSet") where inNamespace(object) && object.name == name:
                statefulSet = object
            case ("batch/v1", "Job") where inNamespace(object) && object.name == name:
                job = object
            case (let version, "AKSNodeClass") where version.hasPrefix("karpenter.azure.com/"),
                (let version, "EC2NodeClass") where version.hasPrefix("karpenter.k8s.aws/"):
                nodeClasses.append(object)
            default:
                continue
            }
        }
    }

    /// The Service named `name`, if observed.
    public func service(named name: String) -> KubernetesObject? {
        services.first { $0.name == name }
    }
}

/// The labels Kaito puts on objects it creates for a workspace.
public enum WorkspaceLabels {
    /// `kaito.sh/workspace`: the workspace name (pods, node claims, Jobs, selectors).
    public static let workspace = "kaito.sh/workspace"
    /// `kaito.sh/workspacenamespace`: the workspace namespace (node claims).
    public static let workspaceNamespace = "kaito.sh/workspacenamespace"
}

/// A node as the planner needs it.
public struct ObservedNode: Sendable, Hashable {
    /// Node name.
    public var name: String
    /// Node labels.
    public var labels: [String: String]
    /// Whether the node has condition `Ready=True`.
    public var isReady: Bool
    /// Whether the node is being deleted.
    public var isDeleting: Bool
    /// `status.capacity["nvidia.com/gpu"]`, when the device plugin advertises it.
    public var gpuCapacity: Int?

    /// Creates a node.
    public init(
        name: String, labels: [String: String] = [:], isReady: Bool = true, isDeleting: Bool = false,
        gpuCapacity: Int? = nil
    ) {
        self.name = name
        self.labels = labels
        self.isReady = isReady
        self.isDeleting = isDeleting
        self.gpuCapacity = gpuCapacity
    }

    /// Reads a `v1` Node object.
    public init(_ object: KubernetesObject) {
        let capacity = object.value(at: "status", "capacity", "nvidia.com/gpu")
        let gpus: Int? =
            switch capacity {
            case .string(let text)?: (try? Quantity(parsing: text)).map { Int($0.bytesRoundedUp) }
            case .integer(let number)?: Int(number)
            default: nil
            }
        self.init(
            name: object.name, labels: object.metadata.labels ?? [:],
            isReady: object.statusConditions["Ready"]?.isTrue ?? false,
            isDeleting: object.metadata.deletionTimestamp != nil, gpuCapacity: gpus)
    }

    /// The node's `node.kubernetes.io/instance-type` label.
    public var instanceType: String? { labels["node.kubernetes.io/instance-type"] }
}

/// A Machine (gpu-provisioner) or NodeClaim (Karpenter) of a workspace, as the planner needs it.
public struct ObservedNodeClaim: Sendable, Hashable {
    /// The object as observed.
    public var object: KubernetesObject

    /// Wraps an observed Machine or NodeClaim.
    public init(_ object: KubernetesObject) {
        self.object = object
    }

    /// Its name.
    public var name: String { object.name }

    /// The instance type it requests (`node.kubernetes.io/instance-type In [...]`), if any.
    public var instanceTypes: [String] {
        for requirement in object.value(at: "spec", "requirements")?.arrayValue ?? []
        where requirement["key"]?.stringValue == "node.kubernetes.io/instance-type" {
            return requirement["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return []
    }

    /// The node it became, once launched (`status.nodeName`).
    public var nodeName: String? { object.value(at: "status", "nodeName")?.stringValue }

    /// Whether it has condition `Ready=True`.
    public var isReady: Bool { object.statusConditions["Ready"]?.isTrue ?? false }

    /// Whether it is being deleted.
    public var isDeleting: Bool { object.metadata.deletionTimestamp != nil }

    /// When it was created, if known.
    public var creationTimestamp: Date? { object.metadata.creationTimestamp }

    /// The launch failure message, when the provisioner reported one (`MachineLaunched`/`Launched` = False).
    public var launchFailure: String? {
        let conditions = object.statusConditions
        for type in ["MachineLaunched", "Launched"] {
            if let condition = conditions[type], condition.isFalse, let message = condition.message, !message.isEmpty {
                return message
            }
        }
        return nil
    }
}

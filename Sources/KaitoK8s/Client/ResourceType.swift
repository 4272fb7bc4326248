import Foundation

/// Names one kind of Kubernetes resource the way the REST API addresses it.
///
/// ```swift
/// let workspaces = ResourceType(group: "kaito.sh", version: "v1alpha1", kind: "Workspace", plural: "workspaces")
/// workspaces.path(namespace: "default", name: "falcon")  // /apis/kaito.sh/v1alpha1/namespaces/default/workspaces/falcon
/// ```
public struct ResourceType: Hashable, Sendable, CustomStringConvertible {
    /// The API group; empty for the core group (`v1`).
    public var group: String
    /// The API version within the group.
    public var version: String
    /// The kind, as written in `kind:`.
    public var kind: String
    /// The plural resource name used in URLs.
    public var plural: String
    /// Whether objects live in a namespace.
    public var isNamespaced: Bool

    /// Creates a resource type.
    public init(group: String, version: String, kind: String, plural: String, isNamespaced: Bool = true) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.isNamespaced = isNamespaced
    }

    /// `group/version`, or `version` for the core group: the value of `apiVersion:`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `plural.group` (or `plural` for the core group), as kubectl and error messages name it.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The URL path of the collection (`name == nil`) or of one object, optionally a subresource of it.
    ///
    /// - Parameters:
    ///   - namespace: The namespace; ignored for cluster-scoped resources, and `nil` lists across namespaces.
    ///   - name: The object's name, or `nil` for the collection.
    ///   - subresource: `status`, `proxy`, … (only with a name).
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if isNamespaced, let namespace, !namespace.isEmpty {
            path += "/namespaces/\(Self.escape(namespace))"
        }
        path += "/\(plural)"
        if let name {
            path += "/\(Self.escape(name))"
            if let subresource { path += "/\(subresource)" }
        }
        return path
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(
            withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? segment
    }
}

extension ResourceType {
    /// kaito.sh/v1alpha1 Workspace.
    public static let workspaces = ResourceType(
        group: "kaito.sh", version: "v1alpha1", kind: "Workspace", plural: "workspaces")
    /// karpenter.sh/v1alpha5 Machine (gpu-provisioner), cluster-scoped.
    public static let machines = ResourceType(
        group: "karpenter.sh", version: "v1alpha5", kind: "Machine", plural: "machines", isNamespaced: false)
    /// karpenter.sh NodeClaim at `version` (`v1` or `v1beta1`), cluster-scoped.
    public static func nodeClaims(version: String = "v1beta1") -> ResourceType {
        ResourceType(
            group: "karpenter.sh", version: version, kind: "NodeClaim", plural: "nodeclaims", isNamespaced: false)
    }
    /// karpenter.azure.com/v1alpha2 AKSNodeClass, cluster-scoped.
    public static let aksNodeClasses = ResourceType(
        group: "karpenter.azure.com", version: "v1alpha2", kind: "AKSNodeClass", plural: "aksnodeclasses",
        isNamespaced: false)
    /// v1 Node, cluster-scoped.
    public static let nodes = ResourceType(group: "", version: "v1", kind: "Node", plural: "nodes", isNamespaced: false)
    /// v1 Namespace, cluster-scoped.
    public static let namespaces = ResourceType(
        group: "", version: "v1", kind: "Namespace", plural: "namespaces", isNamespaced: false)
    /// v1 Pod.
    public static let pods = ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods")
    /// v1 Service.
    public static let services = ResourceType(group: "", version: "v1", kind: "Service", plural: "services")
    /// v1 ConfigMap.
    public static let configMaps = ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps")
    /// v1 Secret.
    public static let secrets = ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets")
    /// v1 Event (core group, as `kubectl describe` reads them).
    public static let events = ResourceType(group: "", version: "v1", kind: "Event", plural: "events")
    /// v1 ServiceAccount.
    public static let serviceAccounts = ResourceType(
        group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts")
    /// apps/v1 Deployment.
    public static let deployments = ResourceType(
        group: "apps", version: "v1", kind: "Deployment", plural: "deployments")
    /// apps/v1 StatefulSet.
    public static let statefulSets = ResourceType(
        group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets")
    /// apps/v1 ControllerRevision.
    public static let controllerRevisions = ResourceType(
        group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions")
    /// batch/v1 Job.
    public static let jobs = ResourceType(group: "batch", version: "v1", kind: "Job", plural: "jobs")
    /// coordination.k8s.io/v1 Lease.
    public static let leases = ResourceType(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases")
    /// apiextensions.k8s.io/v1 CustomResourceDefinition, cluster-scoped.
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions", isNamespaced: false)

    /// The well-known types above, for looking one up by `apiVersion` and `kind`.
    public static let wellKnown: [ResourceType] = [
        .workspaces, .machines, .nodeClaims(version: "v1beta1"), .nodeClaims(version: "v1"), .aksNodeClasses, .nodes,
        .namespaces, .pods, .services, .configMaps, .secrets, .events, .serviceAccounts, .deployments, .statefulSets,
        .controllerRevisions, .jobs, .leases, .customResourceDefinitions,
    ]

    /// The well-known type with this `apiVersion` and `kind`, or `nil`.
    public static func wellKnown(apiVersion: String, kind: String) -> ResourceType? {
        wellKnown.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}

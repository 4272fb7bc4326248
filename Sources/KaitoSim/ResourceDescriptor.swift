public import KaitoCore

/// How a list field merges in a strategic merge patch and is tracked by server-side apply.
public enum ListType: Sendable, Hashable {
    /// Replaced as a whole (Kubernetes' default for lists without a patch strategy).
    case atomic
    /// Elements are objects identified by key fields; the first key is the strategic-merge-patch merge key
    /// (`containers` by `name`).
    case map(keys: [String])
    /// Elements are distinct scalars, merged as a set union (`metadata.finalizers`).
    case set
}

/// What a create does with the `status` a client sends.
public enum StatusOnCreate: Sendable, Hashable {
    /// Keep it (kinds without a status subresource, and Nodes).
    case keep
    /// Replace it with this value (`{}` for most built-in kinds, `{phase: Pending}` for Pods).
    case reset(JSONValue)
    /// Drop it (custom resources with a status subresource).
    case remove
}

/// The rule an object name must satisfy.
public enum NameRule: Sendable, Hashable {
    /// An RFC 1123 subdomain (most kinds).
    case dns1123Subdomain
    /// An RFC 1123 label (Namespaces).
    case dns1123Label
    /// An RFC 1035 label (Services).
    case dns1035Label
    /// A path segment: anything but `.`, `..`, or text with `/` or `%` (RBAC objects, such as
    /// `system:discovery`).
    case pathSegment
}

/// A subresource that discovery lists beside its resource, such as `deployments/scale` or `pods/log`.
public struct SubresourceDescriptor: Sendable, Hashable {
    /// The subresource's name, such as `scale`.
    public var name: String
    /// The kind it answers with, such as `Scale`.
    public var kind: String
    /// The group of that kind when it differs from the resource's (`autoscaling` for `Scale`).
    public var group: String?
    /// The version of that kind when it differs from the resource's.
    public var version: String?
    /// The verbs it serves.
    public var verbs: [String]

    /// Creates a subresource entry.
    public init(name: String, kind: String, group: String? = nil, version: String? = nil, verbs: [String]) {
        self.name = name
        self.kind = kind
        self.group = group
        self.version = version
        self.verbs = verbs
    }

    /// `autoscaling/v1` `Scale` with get, patch and update, as Deployments, StatefulSets and ReplicaSets have it.
    public static let scale = SubresourceDescriptor(
        name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"])
}

/// Everything the emulator knows about one served resource version: discovery names, scope, subresources and
/// the behaviour that differs between kinds.
public struct ResourceDescriptor: Sendable, Hashable {
    /// API group; empty for the core group.
    public var group: String
    /// API version, such as `v1`.
    public var version: String
    /// Kind, such as `Deployment`.
    public var kind: String
    /// Kind of the list, such as `DeploymentList`.
    public var listKind: String
    /// Plural resource name used in paths, such as `deployments`.
    public var plural: String
    /// Singular name, such as `deployment`.
    public var singular: String
    /// Short names for `kubectl`, such as `deploy`.
    public var shortNames: [String]
    /// Whether objects live in namespaces.
    public var namespaced: Bool
    /// Whether `status` is a separate subresource.
    public var hasStatusSubresource: Bool
    /// Discovery categories, such as `all`.
    public var categories: [String]
    /// Whether the resource is a custom resource (served from a CRD): no strategic merge patch, list items carry
    /// `apiVersion` and `kind`, deletions return the object.
    public var isCustomResource: Bool
    /// Whether objects carry `metadata.generation`.
    public var tracksGeneration: Bool
    /// The rule object names must satisfy.
    public var nameRule: NameRule
    /// Whether an update of a missing object creates it (Leases, Events, Endpoints).
    public var allowsCreateOnUpdate: Bool
    /// The propagation policy of a delete that names none (`Orphan` for Jobs, as in `batch/v1`).
    public var defaultPropagationPolicy: PropagationPolicy
    /// Field-selector names beyond `metadata.name` and `metadata.namespace`, each with its path in the object.
    public var selectableFields: [String: [String]]
    /// List semantics by dotted field path (list indices left out), such as
    /// `spec.template.spec.containers` → `.map(keys: ["name"])`. Lists not named here are atomic.
    public var listTypes: [String: ListType]
    /// What a create does with `status`.
    public var statusOnCreate: StatusOnCreate
    /// The structural `openAPIV3Schema` of a custom resource version, used for defaults, pruning and validation.
    public var schema: JSONValue?
    /// `additionalPrinterColumns` of a custom resource version, for the HTTP layer's Table output.
    public var printerColumns: [JSONValue]
    /// The verbs discovery lists for the resource (all eight by default).
    public var verbs: [String]
    /// Subresources other than `status` (which ``hasStatusSubresource`` adds), for discovery and routing.
    public var subresources: [SubresourceDescriptor]
    /// Whether the resource is not stored: a request-response API such as `selfsubjectreviews` or `bindings`,
    /// answered by the HTTP layer, never listed or watched.
    public var isVirtual: Bool
    /// The resource whose storage this one shares, converting on the way in and out (`events.k8s.io` Events are
    /// core Events); `nil` for the resource's own storage.
    public var storedAs: GroupResource?
    /// The `.spec.replicas`-style paths of a custom resource's scale subresource (`specReplicasPath`,
    /// `statusReplicasPath`, `labelSelectorPath`), when its CRD declares one.
    public var scalePaths: JSONValue?

    /// Creates a descriptor; `listKind` and `singular` default from `kind`.
    public init(
        group: String, version: String, kind: String, plural: String, singular: String? = nil,
        listKind: String? = nil, shortNames: [String] = [], namespaced: Bool, hasStatusSubresource: Bool = false,
        categories: [String] = [], isCustomResource: Bool = false, tracksGeneration: Bool? = nil,
        nameRule: NameRule = .dns1123Subdomain, allowsCreateOnUpdate: Bool = false,
        defaultPropagationPolicy: PropagationPolicy = .background, selectableFields: [String: [String]] = [:],
        listTypes: [String: ListType] = [:], statusOnCreate: StatusOnCreate? = nil, schema: JSONValue? = nil,
        printerColumns: [JSONValue] = [], verbs: [String]? = nil, subresources: [SubresourceDescriptor] = [],
        isVirtual: Bool = false, scalePaths: JSONValue? = nil, storedAs: GroupResource? = nil
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.listKind = listKind ?? "\(kind)List"
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.hasStatusSubresource = hasStatusSubresource
        self.categories = categories
        self.isCustomResource = isCustomResource
        self.tracksGeneration = tracksGeneration ?? isCustomResource
        self.nameRule = nameRule
        self.allowsCreateOnUpdate = allowsCreateOnUpdate
        self.defaultPropagationPolicy = defaultPropagationPolicy
        self.selectableFields = selectableFields
        var types = listTypes
        types["metadata.finalizers"] = types["metadata.finalizers"] ?? .set
        types["metadata.ownerReferences"] = types["metadata.ownerReferences"] ?? .map(keys: ["uid"])
        self.listTypes = types
        if let statusOnCreate {
            self.statusOnCreate = statusOnCreate
        } else if hasStatusSubresource {
            self.statusOnCreate = isCustomResource ? .remove : .reset([:])
        } else {
            self.statusOnCreate = .keep
        }
        self.schema = schema
        self.printerColumns = printerColumns
        self.verbs = verbs ?? Self.allVerbs
        self.subresources = subresources
        self.isVirtual = isVirtual
        self.scalePaths = scalePaths
        self.storedAs = storedAs
    }

    /// Whether a delete that removes the object at once answers with the object instead of a `Status`
    /// (`ReturnDeletedObject` in the API server's registry).
    public var returnsDeletedObject: Bool {
        guard group.isEmpty || group == "storage.k8s.io" else { return false }
        return ["pods", "services", "serviceaccounts", "persistentvolumes", "persistentvolumeclaims", "storageclasses"]
            .contains(plural)
    }

    /// The group-resource objects are stored under: ``storedAs`` or the resource itself.
    public var storageResource: GroupResource { storedAs ?? groupResource }

    /// The eight verbs of a stored resource.
    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// The subresources discovery lists, `status` included, sorted by name.
    public var discoverySubresources: [SubresourceDescriptor] {
        var all = subresources
        if hasStatusSubresource {
            all.append(SubresourceDescriptor(name: "status", kind: kind, verbs: ["get", "patch", "update"]))
        }
        return all.sorted { $0.name < $1.name }
    }

    /// The subresource named `name`, `status` included.
    public func subresource(named name: String) -> SubresourceDescriptor? {
        discoverySubresources.first { $0.name == name }
    }

    /// `group/version`, or `version` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The group and plural name.
    public var groupResource: GroupResource { GroupResource(group: group, resource: plural) }

    /// The group, version and plural name.
    public var groupVersionResource: GroupVersionResource {
        GroupVersionResource(group: group, version: version, resource: plural)
    }

    /// The patch media types the resource accepts; custom resources do not take strategic merge patches.
    public var acceptedPatchTypes: [PatchType] {
        isCustomResource ? [.json, .merge, .apply] : [.json, .merge, .strategicMerge, .apply]
    }

    /// Whether the object at a dotted path (list indices left out) is owned as a whole in `managedFields`
    /// (`x-kubernetes-map-type: atomic`): label selectors of built-in kinds, a Service's `spec.selector`, and what a
    /// custom resource's schema marks atomic.
    func isAtomicMap(at path: [String]) -> Bool {
        guard let last = path.last else { return false }
        guard let schema else {
            if ["labelSelector", "namespaceSelector", "nodeSelectorTerm"].contains(last) { return true }
            return path == ["spec", "selector"] && group != ""
                || (groupResource == GroupResource(group: "", resource: "services") && path == ["spec", "selector"])
        }
        return StructuralSchema.node(in: schema, at: path)?["x-kubernetes-map-type"]?.stringValue == "atomic"
    }

    /// The object-valued fields that are always present in a built-in kind's wire form (non-pointer structs in its
    /// Go type, such as `spec` or a Deployment's `spec.strategy`), so that creating their content does not give a
    /// manager ownership of the field itself; for custom resources only `metadata`.
    var alwaysPresentObjects: Set<[String]> {
        var result: Set<[String]> = [["metadata"]]
        guard !isCustomResource else { return result }
        result.formUnion([["spec"], ["status"]])
        let podSpec: (String...) -> [[String]] = { prefix in
            [prefix + ["containers", "resources"], prefix + ["initContainers", "resources"]]
        }
        switch groupResource {
        case GroupResource(group: "apps", resource: "deployments"):
            result.formUnion([
                ["spec", "strategy"], ["spec", "template"], ["spec", "template", "metadata"],
                ["spec", "template", "spec"],
            ])
            result.formUnion(podSpec("spec", "template", "spec"))
        case GroupResource(group: "apps", resource: "statefulsets"),
            GroupResource(group: "apps", resource: "daemonsets"):
            result.formUnion([
                ["spec", "updateStrategy"], ["spec", "template"], ["spec", "template", "metadata"],
                ["spec", "template", "spec"],
            ])
            result.formUnion(podSpec("spec", "template", "spec"))
        case GroupResource(group: "apps", resource: "replicasets"), GroupResource(group: "batch", resource: "jobs"):
            result.formUnion([["spec", "template"], ["spec", "template", "metadata"], ["spec", "template", "spec"]])
            result.formUnion(podSpec("spec", "template", "spec"))
        case GroupResource(group: "", resource: "pods"):
            result.formUnion(podSpec("spec"))
        case GroupResource(group: "", resource: "services"):
            result.insert(["status", "loadBalancer"])
        case GroupResource(group: "", resource: "nodes"):
            result.formUnion([
                ["status", "daemonEndpoints"], ["status", "daemonEndpoints", "kubeletEndpoint"],
                ["status", "nodeInfo"],
            ])
        case GroupResource(group: "", resource: "events"):
            result.formUnion([["involvedObject"], ["source"]])
        case GroupResource(group: "rbac.authorization.k8s.io", resource: "rolebindings"),
            GroupResource(group: "rbac.authorization.k8s.io", resource: "clusterrolebindings"):
            result.insert(["roleRef"])
        case GroupResource(group: "", resource: "persistentvolumeclaims"):
            result.insert(["spec", "resources"])
        case GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions"):
            result.formUnion([["spec", "names"], ["status", "acceptedNames"]])
        default:
            break
        }
        return result
    }

    /// The list semantics at a dotted path: from ``listTypes`` for built-in kinds, from the schema's
    /// `x-kubernetes-list-type` for custom resources; atomic otherwise.
    func listType(at path: [String]) -> ListType {
        if let known = listTypes[path.joined(separator: ".")] { return known }
        guard let schema else { return .atomic }
        return StructuralSchema.listType(in: schema, at: path)
    }
}

/// The set of served resources, indexed by group, version and plural name.
public struct ResourceRegistry: Sendable {
    private var byResource: [GroupVersionResource: ResourceDescriptor] = [:]

    /// Creates a registry from descriptors; a later descriptor for the same resource version wins.
    public init(_ descriptors: [ResourceDescriptor]) {
        for descriptor in descriptors { register(descriptor) }
    }

    /// Every descriptor, sorted by group, version and plural name.
    public var descriptors: [ResourceDescriptor] {
        byResource.values.sorted { ($0.group, $0.version, $0.plural) < ($1.group, $1.version, $1.plural) }
    }

    /// The descriptor of a resource version, if served.
    public func descriptor(for resource: GroupVersionResource) -> ResourceDescriptor? {
        byResource[resource]
    }

    /// The descriptor of a resource version, if served.
    public func descriptor(group: String, version: String, resource: String) -> ResourceDescriptor? {
        byResource[GroupVersionResource(group: group, version: version, resource: resource)]
    }

    /// The descriptor serving `kind` in `apiVersion` (`apps/v1`, `v1`), if any.
    public func descriptor(apiVersion: String, kind: String) -> ResourceDescriptor? {
        let (group, version) = Self.split(apiVersion: apiVersion)
        return byResource.values.first { $0.group == group && $0.version == version && $0.kind == kind }
    }

    /// Every served version of a group-resource, preferred version first.
    public func descriptors(for resource: GroupResource) -> [ResourceDescriptor] {
        byResource.values.filter { $0.groupResource == resource }
            .sorted { KubeVersion.isPreferred($0.version, over: $1.version) }
    }

    /// The resources served in one group version, sorted by plural name.
    public func descriptors(group: String, version: String) -> [ResourceDescriptor] {
        byResource.values.filter { $0.group == group && $0.version == version }.sorted { $0.plural < $1.plural }
    }

    /// Every served group with its versions, preferred version first; the core group is `""`.
    public var groupVersions: [String: [String]] {
        var result: [String: Set<String>] = [:]
        for descriptor in byResource.values { result[descriptor.group, default: []].insert(descriptor.version) }
        return result.mapValues { $0.sorted { KubeVersion.isPreferred($0, over: $1) } }
    }

    /// Adds or replaces a descriptor.
    public mutating func register(_ descriptor: ResourceDescriptor) {
        byResource[descriptor.groupVersionResource] = descriptor
    }

    /// Removes a resource version.
    public mutating func unregister(_ resource: GroupVersionResource) {
        byResource[resource] = nil
    }

    /// Splits `group/version` (or `version` for the core group).
    public static func split(apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }
}

/// Kubernetes API version ordering: GA before beta before alpha, higher numbers first (`v1` > `v1beta1`).
public enum KubeVersion {
    /// Whether `lhs` is preferred over `rhs`.
    public static func isPreferred(_ lhs: String, over rhs: String) -> Bool {
        let left = parse(lhs)
        let right = parse(rhs)
        switch (left, right) {
        case (nil, nil): return lhs < rhs
        case (nil, _): return false
        case (_, nil): return true
        case (let left?, let right?):
            if left.stability != right.stability { return left.stability > right.stability }
            if left.major != right.major { return left.major > right.major }
            return left.minor > right.minor
        }
    }

    private static func parse(_ version: String) -> (major: Int, stability: Int, minor: Int)? {
        guard version.hasPrefix("v") else { return nil }
        let body = version.dropFirst()
        let digits = body.prefix { $0.isNumber }
        guard let major = Int(digits) else { return nil }
        let rest = body.dropFirst(digits.count)
        if rest.isEmpty { return (major, 2, 0) }
        for (word, stability) in [("beta", 1), ("alpha", 0)] where rest.hasPrefix(word) {
            guard let minor = Int(rest.dropFirst(word.count)) else { return nil }
            return (major, stability, minor)
        }
        return nil
    }
}

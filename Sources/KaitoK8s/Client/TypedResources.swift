public import Foundation
public import KaitoCore

/// A typed value that wraps an unstructured ``KaitoCore/KubernetesObject`` of one kind and adds typed accessors
/// for the fields a controller reads.
///
/// The wrapped object keeps every field, so a value read from the server and sent back loses nothing.
///
/// ```swift
/// let node = try await client.resource(Node.self).get("gpu-node-0")
/// if node.isReady, node.allocatableGPUs > 0 { … }
/// ```
public protocol KubernetesObjectWrapper: KubernetesResource, Hashable {
    /// The whole object.
    var object: KubernetesObject { get set }
    /// Wraps an object (its `apiVersion` and `kind` are not checked).
    init(object: KubernetesObject)
}

extension KubernetesObjectWrapper {
    /// Decodes an object the server returned.
    /// - Throws: ``KaitoCore/ObjectDecodingError`` when `apiVersion`, `kind` or metadata are malformed.
    public init(kubernetesJSON: JSONValue) throws {
        self.init(object: try KubernetesObject(json: kubernetesJSON))
    }

    /// Creates a new object of this kind with the type's `apiVersion` and `kind`.
    /// - Parameters:
    ///   - name: `metadata.name`.
    ///   - namespace: `metadata.namespace` (ignore for cluster-scoped kinds).
    ///   - labels: `metadata.labels`.
    ///   - content: The other top-level fields (`spec`, `data`, …).
    public init(
        name: String, namespace: String? = nil, labels: [String: String]? = nil, content: [String: JSONValue] = [:]
    ) {
        let type = Self.resourceType
        self.init(
            object: KubernetesObject(
                apiVersion: type.apiVersion, kind: type.kind,
                metadata: ObjectMeta(name: name, namespace: type.isNamespaced ? namespace : nil, labels: labels),
                content: content))
    }

    /// The object as JSON.
    public func kubernetesJSON() throws -> JSONValue {
        try object.jsonValue()
    }

    /// The object's metadata.
    public var metadata: ObjectMeta {
        get { object.metadata }
        set { object.metadata = newValue }
    }

    /// `metadata.name`, or an empty string.
    public var name: String { object.name }
    /// `metadata.namespace`.
    public var namespace: String? { object.metadata.namespace }
    /// `metadata.labels` (empty when there are none).
    public var labels: [String: String] { object.metadata.labels ?? [:] }
    /// `metadata.annotations` (empty when there are none).
    public var annotations: [String: String] { object.metadata.annotations ?? [:] }
    /// `metadata.resourceVersion`.
    public var resourceVersion: String? { object.metadata.resourceVersion }
    /// Whether the object is being deleted (`metadata.deletionTimestamp` is set).
    public var isBeingDeleted: Bool { object.metadata.deletionTimestamp != nil }

    /// `spec`, when present.
    public var spec: JSONValue? {
        get { object.content["spec"] }
        set { object.content["spec"] = newValue }
    }
    /// `status`, when present.
    public var status: JSONValue? {
        get { object.content["status"] }
        set { object.content["status"] = newValue }
    }
    /// The `type` → condition map of `status.conditions`.
    public var conditions: [String: ObservedCondition] { object.statusConditions }

    /// The value at a path of keys below the top level, such as `value(at: "spec", "replicas")`.
    public func value(at path: String...) -> JSONValue? {
        guard let first = path.first else { return nil }
        return path.dropFirst().reduce(object.content[first]) { value, key in value?[key] }
    }

    /// The integer at a path below the top level, or `nil` when absent or not an integer.
    func integer(at path: String...) -> Int? {
        guard let first = path.first else { return nil }
        let value = path.dropFirst().reduce(object.content[first]) { value, key in value?[key] }
        if case .integer(let number)? = value { return Int(number) }
        return nil
    }

    /// A resource count from a `capacity`/`allocatable` map (`"2"`, `2`), or 0.
    func resourceCount(_ map: JSONValue?, _ name: String) -> Int {
        switch map?[name] {
        case .integer(let number)?: return Int(number)
        case .string(let text)?:
            if let number = Int(text) { return number }
            if let quantity = try? Quantity(parsing: text), let number = Int(quantity.description) { return number }
            return 0
        default: return 0
        }
    }
}

/// Readiness and node binding of provisioning objects (Machine, NodeClaim).
public protocol ProvisionedNodeResource: KubernetesObjectWrapper {}

extension ProvisionedNodeResource {
    /// Whether the `Ready` condition is `True`.
    public var isReady: Bool { conditions["Ready"]?.isTrue ?? false }
    /// The node the object launched, from `status.nodeName`.
    public var nodeName: String? {
        guard let name = value(at: "status", "nodeName")?.stringValue, !name.isEmpty else { return nil }
        return name
    }
    /// The cloud instance, from `status.providerID`.
    public var providerID: String? { value(at: "status", "providerID")?.stringValue }
    /// The requested instance type: the `node.kubernetes.io/instance-type` requirement's first value.
    public var instanceType: String? {
        for requirement in value(at: "spec", "requirements")?.arrayValue ?? []
        where requirement["key"]?.stringValue == "node.kubernetes.io/instance-type" {
            return requirement["values"]?.arrayValue?.first?.stringValue
        }
        return nil
    }
}

/// Desired and ready replicas of workloads (Deployment, StatefulSet).
public protocol ReplicatedWorkloadResource: KubernetesObjectWrapper {}

extension ReplicatedWorkloadResource {
    /// `spec.replicas` (the API server defaults it to 1).
    public var replicas: Int { integer(at: "spec", "replicas") ?? 1 }
    /// `status.readyReplicas` (0 when absent).
    public var readyReplicas: Int { integer(at: "status", "readyReplicas") ?? 0 }
    /// `status.replicas` (0 when absent).
    public var currentReplicas: Int { integer(at: "status", "replicas") ?? 0 }
    /// `status.observedGeneration`.
    public var observedGeneration: Int? { integer(at: "status", "observedGeneration") }
    /// Whether the controller has seen the latest spec and every desired replica is ready.
    public var isRolledOut: Bool {
        var observed = true
        if let generation = object.metadata.generation {
            observed = (observedGeneration ?? -1) >= Int(generation)
        }
        return observed && readyReplicas >= replicas
    }
}

/// karpenter.sh/v1alpha5 Machine: a node gpu-provisioner creates for a Workspace (cluster-scoped).
public struct Machine: ProvisionedNodeResource {
    /// karpenter.sh/v1alpha5 `machines`.
    public static var resourceType: ResourceType { .machines }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }
}

/// karpenter.sh NodeClaim (v1beta1 by default; read v1 with `client.resource(NodeClaim.self, .nodeClaims(version: "v1"))`).
public struct NodeClaim: ProvisionedNodeResource {
    /// karpenter.sh/v1beta1 `nodeclaims`.
    public static var resourceType: ResourceType { .nodeClaims() }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }
}

/// karpenter.azure.com/v1alpha2 AKSNodeClass: image family and OS disk for NodeClaims on AKS (cluster-scoped).
public struct AKSNodeClass: KubernetesObjectWrapper {
    /// karpenter.azure.com/v1alpha2 `aksnodeclasses`.
    public static var resourceType: ResourceType { .aksNodeClasses }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `spec.imageFamily` (`Ubuntu2204`, `AzureLinux`).
    public var imageFamily: String? { value(at: "spec", "imageFamily")?.stringValue }
    /// `spec.osDiskSizeGB`.
    public var osDiskSizeGB: Int? { integer(at: "spec", "osDiskSizeGB") }
}

/// v1 Node (cluster-scoped).
public struct Node: KubernetesObjectWrapper {
    /// The extended resource name of NVIDIA GPUs.
    public static let gpuResourceName = "nvidia.com/gpu"
    /// v1 `nodes`.
    public static var resourceType: ResourceType { .nodes }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// Whether the `Ready` condition is `True`.
    public var isReady: Bool { conditions["Ready"]?.isTrue ?? false }
    /// `spec.unschedulable` (cordoned).
    public var isUnschedulable: Bool { value(at: "spec", "unschedulable") == .bool(true) }
    /// NVIDIA GPUs the scheduler may hand out: `status.allocatable["nvidia.com/gpu"]`, or 0.
    public var allocatableGPUs: Int { resourceCount(value(at: "status", "allocatable"), Self.gpuResourceName) }
    /// NVIDIA GPUs installed: `status.capacity["nvidia.com/gpu"]`, or 0.
    public var capacityGPUs: Int { resourceCount(value(at: "status", "capacity"), Self.gpuResourceName) }
    /// An allocatable resource as a quantity (`cpu`, `memory`, `nvidia.com/gpu`).
    public func allocatable(_ resource: String) -> Quantity? {
        value(at: "status", "allocatable")?[resource]?.stringValue.flatMap { try? Quantity(parsing: $0) }
    }
    /// The `node.kubernetes.io/instance-type` label.
    public var instanceType: String? { labels["node.kubernetes.io/instance-type"] }
}

/// apps/v1 Deployment.
public struct Deployment: ReplicatedWorkloadResource {
    /// apps/v1 `deployments`.
    public static var resourceType: ResourceType { .deployments }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `status.availableReplicas` (0 when absent).
    public var availableReplicas: Int { integer(at: "status", "availableReplicas") ?? 0 }
}

/// apps/v1 StatefulSet.
public struct StatefulSet: ReplicatedWorkloadResource {
    /// apps/v1 `statefulsets`.
    public static var resourceType: ResourceType { .statefulSets }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `spec.serviceName`: the headless Service that names the pods.
    public var serviceName: String? { value(at: "spec", "serviceName")?.stringValue }
}

/// v1 Service.
public struct Service: KubernetesObjectWrapper {
    /// v1 `services`.
    public static var resourceType: ResourceType { .services }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `spec.clusterIP` (`None` for a headless Service).
    public var clusterIP: String? { value(at: "spec", "clusterIP")?.stringValue }
    /// `spec.selector`.
    public var selector: [String: String] {
        (value(at: "spec", "selector")?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
    /// The port numbers of `spec.ports`.
    public var ports: [Int] {
        (value(at: "spec", "ports")?.arrayValue ?? []).compactMap {
            if case .integer(let port)? = $0["port"] { return Int(port) }
            return nil
        }
    }
}

/// batch/v1 Job (tuning and RAG indexing runs).
public struct Job: KubernetesObjectWrapper {
    /// batch/v1 `jobs`.
    public static var resourceType: ResourceType { .jobs }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `status.succeeded` (0 when absent).
    public var succeeded: Int { integer(at: "status", "succeeded") ?? 0 }
    /// `status.failed` (0 when absent).
    public var failed: Int { integer(at: "status", "failed") ?? 0 }
    /// `status.active` (0 when absent).
    public var active: Int { integer(at: "status", "active") ?? 0 }
    /// Whether the `Complete` condition is `True`.
    public var isComplete: Bool { conditions["Complete"]?.isTrue ?? false }
    /// Whether the `Failed` condition is `True`.
    public var isFailed: Bool { conditions["Failed"]?.isTrue ?? false }
}

/// apps/v1 ControllerRevision: a stored snapshot of a Workspace's spec for revision history.
public struct ControllerRevision: KubernetesObjectWrapper {
    /// apps/v1 `controllerrevisions`.
    public static var resourceType: ResourceType { .controllerRevisions }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `revision`.
    public var revision: Int? { integer(at: "revision") }
    /// `data`: the snapshot.
    public var data: JSONValue? { value(at: "data") }
}

/// coordination.k8s.io/v1 Lease: leader election.
public struct Lease: KubernetesObjectWrapper {
    /// coordination.k8s.io/v1 `leases`.
    public static var resourceType: ResourceType { .leases }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `spec.holderIdentity`: the current leader.
    public var holderIdentity: String? { value(at: "spec", "holderIdentity")?.stringValue }
    /// `spec.leaseDurationSeconds`.
    public var leaseDurationSeconds: Int? { integer(at: "spec", "leaseDurationSeconds") }
    /// `spec.leaseTransitions`.
    public var leaseTransitions: Int? { integer(at: "spec", "leaseTransitions") }
    /// `spec.renewTime` (RFC 3339 with microseconds).
    public var renewTime: Date? { value(at: "spec", "renewTime")?.stringValue.flatMap(Self.parseMicroTime) }
    /// `spec.acquireTime`.
    public var acquireTime: Date? { value(at: "spec", "acquireTime")?.stringValue.flatMap(Self.parseMicroTime) }

    /// Reads a `MicroTime` (`2024-05-01T10:00:00.123456Z`) or a plain RFC 3339 time.
    static func parseMicroTime(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}

/// v1 Event (core group).
public struct Event: KubernetesObjectWrapper {
    /// v1 `events`.
    public static var resourceType: ResourceType { .events }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `type`: `Normal` or `Warning`.
    public var type: String? { value(at: "type")?.stringValue }
    /// `reason`.
    public var reason: String? { value(at: "reason")?.stringValue }
    /// `message`.
    public var message: String? { value(at: "message")?.stringValue }
    /// `count` (1 when absent).
    public var count: Int { integer(at: "count") ?? 1 }
    /// The object the event is about.
    public var involvedObject: ObjectReference? {
        guard let involved = value(at: "involvedObject"), let name = involved["name"]?.stringValue else { return nil }
        return ObjectReference(
            apiVersion: involved["apiVersion"]?.stringValue ?? "", kind: involved["kind"]?.stringValue ?? "",
            namespace: involved["namespace"]?.stringValue, name: name)
    }
}

/// v1 Pod.
public struct Pod: KubernetesObjectWrapper {
    /// v1 `pods`.
    public static var resourceType: ResourceType { .pods }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// `status.phase` (`Pending`, `Running`, `Succeeded`, `Failed`).
    public var phase: String? { value(at: "status", "phase")?.stringValue }
    /// Whether the `Ready` condition is `True`.
    public var isReady: Bool { conditions["Ready"]?.isTrue ?? false }
    /// `spec.nodeName`: the node the pod is bound to.
    public var nodeName: String? { value(at: "spec", "nodeName")?.stringValue }
}

/// v1 ConfigMap.
public struct ConfigMap: KubernetesObjectWrapper {
    /// v1 `configmaps`.
    public static var resourceType: ResourceType { .configMaps }
    /// The whole object.
    public var object: KubernetesObject
    /// Wraps an object.
    public init(object: KubernetesObject) { self.object = object }

    /// Creates a ConfigMap holding `data`.
    public init(name: String, namespace: String? = nil, labels: [String: String]? = nil, data: [String: String]) {
        self.init(
            name: name, namespace: namespace, labels: labels,
            content: ["data": .object(data.mapValues(JSONValue.string))])
    }

    /// `data` (string values).
    public var data: [String: String] {
        get { (value(at: "data")?.objectValue ?? [:]).compactMapValues(\.stringValue) }
        set { object.content["data"] = .object(newValue.mapValues(JSONValue.string)) }
    }
}

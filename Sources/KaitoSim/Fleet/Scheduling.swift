import Foundation
import KaitoCore

/// A node taint.
struct FleetTaint: Sendable, Hashable {
    var key: String
    var value: String
    var effect: String

    init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    init?(_ json: JSONValue) {
        guard let key = json["key"]?.stringValue, let effect = json["effect"]?.stringValue else { return nil }
        self.init(key: key, value: json["value"]?.stringValue ?? "", effect: effect)
    }

    /// Whether the scheduler must not place pods that do not tolerate the taint.
    var blocksScheduling: Bool { effect == "NoSchedule" || effect == "NoExecute" }
}

/// A pod toleration.
struct FleetToleration: Sendable, Hashable {
    var key: String
    var `operator`: String
    var value: String
    var effect: String

    init(_ json: JSONValue) {
        key = json["key"]?.stringValue ?? ""
        `operator` = json["operator"]?.stringValue ?? "Equal"
        value = json["value"]?.stringValue ?? ""
        effect = json["effect"]?.stringValue ?? ""
    }

    /// `v1.Toleration.ToleratesTaint`: an empty effect matches every effect, an empty key with `Exists` every key.
    func tolerates(_ taint: FleetTaint) -> Bool {
        if !effect.isEmpty, effect != taint.effect { return false }
        if key.isEmpty { return `operator` == "Exists" }
        guard key == taint.key else { return false }
        switch `operator` {
        case "Exists": return true
        case "Equal", "": return value == taint.value
        default: return false
        }
    }
}

/// A node as the scheduler sees it: labels, taints, allocatable resources and what bound pods already request.
struct SchedulingNode: Sendable {
    /// Resources a node that does not report them is not checked for (the simulated device plugin reports GPUs, so
    /// a node without `nvidia.com/gpu` has none, but a hand-made node without `cpu` should still take pods).
    static let uncheckedWhenMissing: Set<String> = ["cpu", "memory", "ephemeral-storage", "pods"]

    let name: String
    let labels: [String: String]
    let taints: [FleetTaint]
    let unschedulable: Bool
    let allocatable: [String: Quantity]
    var requested: [String: Quantity] = [:]
    var podCount = 0

    init(
        name: String, labels: [String: String], taints: [FleetTaint], unschedulable: Bool,
        allocatable: [String: Quantity]
    ) {
        self.name = name
        self.labels = labels
        self.taints = taints
        self.unschedulable = unschedulable
        self.allocatable = allocatable
    }

    /// Reads a Node. A node that is not Ready carries the `node.kubernetes.io/not-ready:NoSchedule` taint, as the node
    /// lifecycle controller adds it.
    init(_ node: FleetObject) {
        var taints = (node["spec", "taints"]?.arrayValue ?? []).compactMap(FleetTaint.init)
        if !node.conditionIsTrue("Ready"), !taints.contains(where: { $0.key == "node.kubernetes.io/not-ready" }) {
            taints.append(FleetTaint(key: "node.kubernetes.io/not-ready", effect: "NoSchedule"))
        }
        var allocatable: [String: Quantity] = [:]
        for (resource, value) in node["status", "allocatable"]?.objectValue ?? [:] {
            if let quantity = FleetJSON.quantity(value) { allocatable[resource] = quantity }
        }
        self.init(
            name: node.name, labels: node.labels, taints: taints,
            unschedulable: node["spec", "unschedulable"] == .bool(true), allocatable: allocatable)
    }

    /// Counts a pod bound to the node.
    mutating func add(_ requests: [String: Quantity]) {
        podCount += 1
        for (resource, quantity) in requests {
            requested[resource] = (requested[resource] ?? .zero) + quantity
        }
    }
}

/// The default scheduler's filters, with the reasons it reports.
enum Scheduling {
    /// The pod's effective requests: per resource, the sum over containers of the request (or the limit when only a
    /// limit is given, as API defaulting does), or the largest init container's when that is more.
    static func requests(ofPodSpec spec: JSONValue?) -> [String: Quantity] {
        func containerRequests(_ container: JSONValue) -> [String: Quantity] {
            var result: [String: Quantity] = [:]
            for (resource, value) in container["resources"]?["limits"]?.objectValue ?? [:] {
                if let quantity = FleetJSON.quantity(value) { result[resource] = quantity }
            }
            for (resource, value) in container["resources"]?["requests"]?.objectValue ?? [:] {
                if let quantity = FleetJSON.quantity(value) { result[resource] = quantity }
            }
            return result
        }
        var total: [String: Quantity] = [:]
        for container in spec?["containers"]?.arrayValue ?? [] {
            for (resource, quantity) in containerRequests(container) {
                total[resource] = (total[resource] ?? .zero) + quantity
            }
        }
        for container in spec?["initContainers"]?.arrayValue ?? [] {
            for (resource, quantity) in containerRequests(container) where quantity > (total[resource] ?? .zero) {
                total[resource] = quantity
            }
        }
        return total
    }

    /// Why the pod cannot go on the node, as the first failing filter plugin reports it (NodeUnschedulable,
    /// TaintToleration, NodeAffinity, NodeResourcesFit, in the default profile's order); empty when it fits.
    static func reasons(podSpec spec: JSONValue?, requests: [String: Quantity], node: SchedulingNode) -> [String] {
        let tolerations = (spec?["tolerations"]?.arrayValue ?? []).map(FleetToleration.init)
        if node.unschedulable {
            let taint = FleetTaint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")
            if !tolerations.contains(where: { $0.tolerates(taint) }) { return ["node(s) were unschedulable"] }
        }
        if let taint = node.taints.first(where: { taint in
            taint.blocksScheduling && !tolerations.contains { $0.tolerates(taint) }
        }) {
            return ["node(s) had untolerated taint {\(taint.key): \(taint.value)}"]
        }
        if !matchesNodeSelection(podSpec: spec, nodeName: node.name, labels: node.labels) {
            return ["node(s) didn't match Pod's node affinity/selector"]
        }
        return insufficientResources(requests: requests, node: node)
    }

    /// NodeResourcesFit: `Too many pods`, then `Insufficient <resource>` for cpu, memory, ephemeral-storage and
    /// extended resources (sorted), each when bound pods' requests plus this pod's exceed allocatable.
    static func insufficientResources(requests: [String: Quantity], node: SchedulingNode) -> [String] {
        var reasons: [String] = []
        if let pods = node.allocatable["pods"], Quantity(integer: Int64(node.podCount + 1)) > pods {
            reasons.append("Too many pods")
        }
        let standard = ["cpu", "memory", "ephemeral-storage"]
        let extended = requests.keys.filter { !standard.contains($0) && $0 != "pods" }.sorted()
        for resource in standard + extended {
            guard let wanted = requests[resource], wanted > .zero else { continue }
            let available: Quantity
            if let allocatable = node.allocatable[resource] {
                available = allocatable
            } else if SchedulingNode.uncheckedWhenMissing.contains(resource) {
                continue
            } else {
                available = .zero
            }
            if (node.requested[resource] ?? .zero) + wanted > available {
                reasons.append("Insufficient \(resource)")
            }
        }
        return reasons
    }

    /// `nodeSelector` and the required node affinity (`nodeSelectorTerms`, any term; within a term every
    /// `matchExpressions` and `matchFields` requirement).
    static func matchesNodeSelection(podSpec spec: JSONValue?, nodeName: String, labels: [String: String]) -> Bool {
        for (key, value) in FleetJSON.stringMap(spec?["nodeSelector"]) where labels[key] != value {
            return false
        }
        let required = spec?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]
        guard let required, required != .null else { return true }
        let terms = required["nodeSelectorTerms"]?.arrayValue ?? []
        return terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            guard !expressions.isEmpty || !fields.isEmpty else { return false }
            return expressions.allSatisfy { matches($0, value: labels[$0["key"]?.stringValue ?? ""]) }
                && fields.allSatisfy { field in
                    field["key"]?.stringValue == "metadata.name" && matches(field, value: nodeName)
                }
        }
    }

    /// One node selector requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`) against a label value.
    static func matches(_ requirement: JSONValue, value: String?) -> Bool {
        let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        switch requirement["operator"]?.stringValue {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let value, let number = Int64(value), values.count == 1, let bound = Int64(values[0]) else {
                return false
            }
            return requirement["operator"]?.stringValue == "Gt" ? number > bound : number < bound
        default: return false
        }
    }

    /// The `PodScheduled=False` message: `0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't
    /// match Pod's node affinity/selector.` (reason counts sorted as text), or the scheduler's message for an empty
    /// cluster.
    static func failureMessage(reasonsPerNode: [[String]]) -> String {
        guard !reasonsPerNode.isEmpty else { return "no nodes available to schedule pods" }
        var counts: [String: Int] = [:]
        for reasons in reasonsPerNode {
            for reason in reasons { counts[reason, default: 0] += 1 }
        }
        let parts = counts.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(reasonsPerNode.count) nodes are available: \(parts.joined(separator: ", "))."
    }
}

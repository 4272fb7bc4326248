import Foundation
import KaitoCore

/// The resources the fleet reads and writes.
enum FleetResources {
    static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let services = GroupVersionResource(group: "", version: "v1", resource: "services")
    static let endpoints = GroupVersionResource(group: "", version: "v1", resource: "endpoints")
    static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
    static let statefulSets = GroupVersionResource(group: "apps", version: "v1", resource: "statefulsets")
    static let replicaSets = GroupVersionResource(group: "apps", version: "v1", resource: "replicasets")
    static let jobs = GroupVersionResource(group: "batch", version: "v1", resource: "jobs")
    static let definitions = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
    /// gpu-provisioner's Machines.
    static let machines = GroupResource(group: "karpenter.sh", resource: "machines")
    /// Karpenter's NodeClaims (v1beta1 and v1 share storage).
    static let nodeClaims = GroupResource(group: "karpenter.sh", resource: "nodeclaims")

    /// What ``FleetSimulator/run()`` watches: every resource whose changes give the fleet work.
    static let watched: [GroupResource] = [
        machines, nodeClaims, nodes.groupResource, pods.groupResource, services.groupResource,
        deployments.groupResource, statefulSets.groupResource, jobs.groupResource, replicaSets.groupResource,
    ]
}

/// Label keys and values the fleet writes.
enum FleetLabels {
    static let instanceType = "node.kubernetes.io/instance-type"
    static let betaInstanceType = "beta.kubernetes.io/instance-type"
    static let hostname = "kubernetes.io/hostname"
    static let os = "kubernetes.io/os"
    static let arch = "kubernetes.io/arch"
    static let podTemplateHash = "pod-template-hash"
    static let statefulSetPodName = "statefulset.kubernetes.io/pod-name"
    static let controllerRevisionHash = "controller-revision-hash"
    static let podIndex = "apps.kubernetes.io/pod-index"
    static let jobName = "batch.kubernetes.io/job-name"
    static let jobControllerUID = "batch.kubernetes.io/controller-uid"
    static let legacyJobName = "job-name"
    static let legacyControllerUID = "controller-uid"
    static let endpointsTrigger = "endpoints.kubernetes.io/last-change-trigger-time"
    static let headlessService = "service.kubernetes.io/headless"
}

/// A stored object read through typed accessors; the fleet edits copies and writes them back.
struct FleetObject: Sendable, Hashable {
    var json: JSONValue

    init(_ json: JSONValue) {
        self.json = json
    }

    subscript(path: String...) -> JSONValue? {
        json.value(at: path)
    }

    mutating func set(_ value: JSONValue?, at path: String...) {
        json.setValue(value, at: path)
    }

    var apiVersion: String { json["apiVersion"]?.stringValue ?? "" }
    var kind: String { json["kind"]?.stringValue ?? "" }
    var name: String { self["metadata", "name"]?.stringValue ?? "" }
    var namespace: String { self["metadata", "namespace"]?.stringValue ?? "" }
    var uid: String { self["metadata", "uid"]?.stringValue ?? "" }
    var isDeleting: Bool { self["metadata", "deletionTimestamp"] != nil }
    var generation: Int64 { FleetJSON.integer(self["metadata", "generation"]) ?? 0 }
    /// `namespace/name`, or `name` for cluster-scoped objects.
    var key: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    var labels: [String: String] {
        FleetJSON.stringMap(self["metadata", "labels"])
    }

    var finalizers: [String] {
        (self["metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The UID of the owner reference marked `controller: true`, if any.
    var controllerUID: String? {
        for reference in self["metadata", "ownerReferences"]?.arrayValue ?? []
        where reference["controller"] == .bool(true) {
            return reference["uid"]?.stringValue
        }
        return nil
    }

    /// Owner references whatever their `controller` flag.
    var ownerReferences: [JSONValue] { self["metadata", "ownerReferences"]?.arrayValue ?? [] }

    /// The condition of `type` in `status.conditions`.
    func condition(_ type: String) -> JSONValue? {
        (self["status", "conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
    }

    /// Whether `status.conditions` has `type` with status `True`.
    func conditionIsTrue(_ type: String) -> Bool {
        condition(type)?["status"]?.stringValue == "True"
    }

    /// A controller owner reference to this object (`blockOwnerDeletion: true`, as controllers set it).
    var controllerReference: JSONValue {
        [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }
}

/// Reading JSON values the way Kubernetes objects use them.
enum FleetJSON {
    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .integer(let number)?: number
        case .double(let number)? where number == number.rounded(): Int64(exactly: number)
        case .string(let text)?: Int64(text)
        default: nil
        }
    }

    static func stringMap(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (key, entry) in value?.objectValue ?? [:] {
            if let text = entry.stringValue { result[key] = text }
        }
        return result
    }

    static func object(_ map: [String: String]) -> JSONValue {
        .object(map.mapValues(JSONValue.string))
    }

    /// A quantity written as a string or a bare number.
    static func quantity(_ value: JSONValue?) -> Quantity? {
        switch value {
        case .string(let text)?: try? Quantity(parsing: text)
        case .integer(let number)?: Quantity(integer: number)
        case .double(let number)?: try? Quantity(parsing: String(number))
        default: nil
        }
    }
}

/// Conditions as the simulated controllers write them.
enum FleetConditions {
    /// Sets a condition in place (or appends it), keeping `lastTransitionTime` when the status does not change.
    /// Keys of `condition` other than `type` replace the existing ones; `nil` values are removed.
    static func set(
        _ conditions: inout [JSONValue], type: String, status: String, fields: [String: JSONValue?] = [:],
        now: String
    ) {
        let index = conditions.firstIndex { $0["type"]?.stringValue == type }
        let existing = index.map { conditions[$0] }
        var condition: [String: JSONValue] = ["type": .string(type), "status": .string(status)]
        for (key, value) in fields {
            if let value { condition[key] = value }
        }
        let sameStatus = existing?["status"]?.stringValue == status
        condition["lastTransitionTime"] =
            sameStatus ? existing?["lastTransitionTime"] ?? .string(now) : .string(now)
        if let index {
            conditions[index] = .object(condition)
        } else {
            conditions.append(.object(condition))
        }
    }
}

/// Names derived from hashes, as the Kubernetes controllers make them.
enum FleetHashing {
    /// FNV-1a (32 bits) of the canonical JSON text of `value`, rendered as Kubernetes renders
    /// `pod-template-hash`: the decimal digits, each mapped into ``GeneratedNames/alphabet``
    /// (`rand.SafeEncodeString`).
    static func templateHash(_ value: JSONValue?) -> String {
        let text = JSONText.string(from: value ?? .null)
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let alphabet = GeneratedNames.alphabet
        return String(String(hash).unicodeScalars.map { alphabet[Int($0.value) % alphabet.count] })
    }

    /// 64 bits of FNV-1a of `text`, as hex digits, for identifiers such as provider IDs.
    static func hex(_ text: String, count: Int) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        return String(padded.prefix(count))
    }
}

extension FleetPods {
    /// Whether the pod has condition `Ready=True`.
    static func isReady(_ pod: FleetObject) -> Bool { pod.conditionIsTrue("Ready") }

    /// Whether the pod has finished (`Succeeded` or `Failed`).
    static func isTerminal(_ pod: FleetObject) -> Bool {
        let phase = pod["status", "phase"]?.stringValue
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Whether the pod counts for its controller: not being deleted and not finished.
    static func isActive(_ pod: FleetObject) -> Bool { !pod.isDeleting && !isTerminal(pod) }
}

/// Pod helpers.
enum FleetPods {}

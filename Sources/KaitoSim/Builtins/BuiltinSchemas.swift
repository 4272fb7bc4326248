import KaitoCore

/// The type of one field of a built-in kind, as the API server's Go types declare it.
indirect enum BuiltinFieldType: Sendable, Hashable {
    case string
    case int32
    case int64
    case number
    case boolean
    /// `metav1.Time`: RFC 3339 with seconds.
    case time
    /// `metav1.MicroTime`: RFC 3339 with exactly six fractional digits.
    case microTime
    /// `resource.Quantity`: a string or a number.
    case quantity
    /// `intstr.IntOrString`: an integer or a string.
    case intOrString
    /// `[]byte`: a base64 string.
    case bytes
    /// Kept whole, unknown fields and all (`runtime.RawExtension`, `metav1.FieldsV1`, JSON schema values).
    case freeForm
    /// A struct, by its OpenAPI name (`io.k8s.api.core.v1.PodSpec`).
    case object(String)
    case list(BuiltinFieldType)
    case map(BuiltinFieldType)
}

/// The field names and types of the built-in kinds (from ``generatedDefinitions``), and the structural walks the
/// API server's JSON decoding does with them: pruning of unknown fields and the zero values Go always encodes.
enum BuiltinSchemas {
    static let objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    /// Every generated type: OpenAPI name → JSON field → type.
    static let definitions: [String: [String: BuiltinFieldType]] = parse(generatedDefinitions)

    /// The OpenAPI name of a built-in kind's root type (`io.k8s.api.apps.v1.Deployment`), if generated.
    static func rootType(apiVersion: String, kind: String) -> String? {
        generatedKinds["\(apiVersion)/\(kind)"]
    }

    static func parse(_ text: String) -> [String: [String: BuiltinFieldType]] {
        var result: [String: [String: BuiltinFieldType]] = [:]
        var current = ""
        for line in text.split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)
            if !line.hasPrefix(" "), !words.isEmpty {
                current = words.removeFirst()
                result[current] = result[current] ?? [:]
            }
            for word in words {
                guard let equals = word.firstIndex(of: "=") else { continue }
                let field = String(word[..<equals])
                if let type = parseType(word[word.index(after: equals)...]) { result[current]?[field] = type }
            }
        }
        return result
    }

    private static func parseType(_ code: Substring) -> BuiltinFieldType? {
        guard let first = code.first else { return nil }
        let rest = code.dropFirst()
        switch first {
        case "s": return .string
        case "i": return .int32
        case "l": return .int64
        case "n": return .number
        case "b": return .boolean
        case "t": return .time
        case "u": return .microTime
        case "q": return .quantity
        case "x": return .intOrString
        case "y": return .bytes
        case "*": return .freeForm
        case "@": return .object(String(rest))
        case "[": return parseType(rest).map(BuiltinFieldType.list)
        case "{": return parseType(rest).map(BuiltinFieldType.map)
        default: return nil
        }
    }

    // MARK: - Pruning

    /// Removes the fields `type` does not declare, at every depth, and returns their paths as the API server's
    /// strict decoding names them (`spec.template.spec.containers[0].bogus`), sorted. `null` members are dropped
    /// (Go decodes them to nothing), except `Time` and `MicroTime` ones, which Go encodes back as `null`.
    static func prune(_ value: inout JSONValue, as type: BuiltinFieldType, path: String = "") -> [String] {
        switch (type, value) {
        case (.object(let name), .object(var members)):
            guard let fields = definitions[name] else { return [] }
            var unknown: [String] = []
            for key in members.keys.sorted() {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let fieldType = fields[key] else {
                    members[key] = nil
                    unknown.append(childPath)
                    continue
                }
                guard var member = members[key] else { continue }
                if member == .null {
                    if fieldType != .time, fieldType != .microTime { members[key] = nil }
                    continue
                }
                unknown += prune(&member, as: fieldType, path: childPath)
                members[key] = member
            }
            value = .object(members)
            return unknown
        case (.list(let element), .array(var items)):
            var unknown: [String] = []
            for index in items.indices {
                unknown += prune(&items[index], as: element, path: "\(path)[\(index)]")
            }
            value = .array(items)
            return unknown
        case (.map(let element), .object(var members)):
            var unknown: [String] = []
            for key in members.keys.sorted() {
                guard var member = members[key] else { continue }
                unknown += prune(&member, as: element, path: path.isEmpty ? key : "\(path).\(key)")
                members[key] = member
            }
            value = .object(members)
            return unknown
        default:
            return []
        }
    }

    // MARK: - Zero values Go encodes

    /// Fields that Go's encoding writes even when unset: struct fields (which `omitempty` never omits), non-pointer
    /// `Time`s (written `null`), and fields without `omitempty`. Only the ones clients meet are listed.
    static let alwaysEncoded: [String: [String: JSONValue]] = [
        "io.k8s.api.core.v1.Container": ["resources": [:]],
        "io.k8s.api.core.v1.EphemeralContainer": ["resources": [:]],
        "io.k8s.api.core.v1.PodTemplateSpec": ["metadata": [:], "spec": [:]],
        "io.k8s.api.core.v1.Pod": ["spec": [:], "status": [:]],
        "io.k8s.api.core.v1.PodTemplate": ["template": [:]],
        "io.k8s.api.core.v1.Service": ["spec": [:], "status": [:]],
        "io.k8s.api.core.v1.Namespace": ["spec": [:], "status": [:]],
        "io.k8s.api.core.v1.Node": ["spec": [:], "status": [:]],
        "io.k8s.api.core.v1.PersistentVolumeClaim": ["spec": [:], "status": [:]],
        "io.k8s.api.apps.v1.Deployment": ["spec": [:], "status": [:]],
        "io.k8s.api.apps.v1.StatefulSet": ["spec": [:], "status": [:]],
        "io.k8s.api.apps.v1.DaemonSet": ["spec": [:], "status": [:]],
        "io.k8s.api.apps.v1.ReplicaSet": ["spec": [:], "status": [:]],
        "io.k8s.api.apps.v1.ControllerRevision": ["revision": 0],
        "io.k8s.api.batch.v1.Job": ["spec": [:], "status": [:]],
        "io.k8s.api.batch.v1.CronJob": ["spec": [:], "status": [:]],
        "io.k8s.api.core.v1.PodCondition": ["lastProbeTime": .null, "lastTransitionTime": .null],
        "io.k8s.api.core.v1.NodeCondition": ["lastHeartbeatTime": .null, "lastTransitionTime": .null],
        "io.k8s.api.core.v1.NamespaceCondition": ["lastTransitionTime": .null],
        "io.k8s.api.core.v1.PersistentVolumeClaimCondition": ["lastProbeTime": .null, "lastTransitionTime": .null],
        "io.k8s.api.core.v1.ContainerStateRunning": ["startedAt": .null],
        "io.k8s.api.core.v1.ContainerStateTerminated": ["startedAt": .null, "finishedAt": .null],
        "io.k8s.api.core.v1.ContainerStatus": ["lastState": [:], "state": [:]],
        "io.k8s.api.core.v1.Event": [
            "involvedObject": [:], "source": [:], "firstTimestamp": .null, "lastTimestamp": .null,
            "eventTime": .null, "reportingComponent": "", "reportingInstance": "",
        ],
        "io.k8s.api.core.v1.EventSeries": ["lastObservedTime": .null],
        "io.k8s.api.events.v1.Event": [
            "eventTime": .null, "deprecatedFirstTimestamp": .null, "deprecatedLastTimestamp": .null,
        ],
        "io.k8s.api.events.v1.EventSeries": ["lastObservedTime": .null],
        "io.k8s.api.apps.v1.DeploymentCondition": ["lastUpdateTime": .null, "lastTransitionTime": .null],
        "io.k8s.api.apps.v1.ReplicaSetCondition": ["lastTransitionTime": .null],
        "io.k8s.api.apps.v1.StatefulSetCondition": ["lastTransitionTime": .null],
        "io.k8s.api.apps.v1.DaemonSetCondition": ["lastTransitionTime": .null],
        "io.k8s.api.apps.v1.DeploymentSpec": ["template": [:]],
        "io.k8s.api.apps.v1.StatefulSetSpec": ["template": [:]],
        "io.k8s.api.apps.v1.DaemonSetSpec": ["template": [:]],
        "io.k8s.api.batch.v1.JobSpec": ["template": [:]],
        "io.k8s.api.batch.v1.JobCondition": ["lastProbeTime": .null, "lastTransitionTime": .null],
        "io.k8s.api.batch.v1.CronJobSpec": ["jobTemplate": [:]],
        "io.k8s.api.batch.v1.JobTemplateSpec": ["metadata": [:]],
        "io.k8s.api.core.v1.ServiceStatus": ["loadBalancer": [:]],
        "io.k8s.api.core.v1.ResourceFieldSelector": ["divisor": "0"],
        "io.k8s.api.core.v1.PersistentVolumeClaimSpec": ["resources": [:]],
        "io.k8s.api.core.v1.PersistentVolumeClaimTemplate": ["metadata": [:]],
        "io.k8s.api.core.v1.NodeStatus": ["daemonEndpoints": [:], "nodeInfo": [:]],
        "io.k8s.api.core.v1.NodeDaemonEndpoints": ["kubeletEndpoint": [:]],
        "io.k8s.api.core.v1.DaemonEndpoint": ["Port": 0],
        "io.k8s.api.core.v1.NodeSystemInfo": [
            "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "",
            "containerRuntimeVersion": "", "kubeletVersion": "", "kubeProxyVersion": "", "operatingSystem": "",
            "architecture": "",
        ],
        "io.k8s.apimachinery.pkg.apis.meta.v1.Condition": ["lastTransitionTime": .null],
        "io.k8s.api.rbac.v1.RoleBinding": ["roleRef": ["apiGroup": "", "kind": "", "name": ""]],
        "io.k8s.api.rbac.v1.ClusterRoleBinding": ["roleRef": ["apiGroup": "", "kind": "", "name": ""]],
        "io.k8s.api.rbac.v1.Role": ["rules": .null],
        "io.k8s.api.rbac.v1.ClusterRole": ["rules": .null],
        "io.k8s.api.coordination.v1.Lease": ["spec": [:]],
        "io.k8s.api.discovery.v1.EndpointSlice": ["endpoints": .null],
        "io.k8s.api.discovery.v1.Endpoint": ["conditions": [:]],
    ]

    /// List and map fields without `omitempty`: Go encodes them even when empty (the others it leaves out).
    static let emptyCollectionsEncoded: Set<String> = [
        "io.k8s.api.core.v1.PodSpec.containers", "io.k8s.api.rbac.v1.Role.rules",
        "io.k8s.api.rbac.v1.ClusterRole.rules", "io.k8s.api.rbac.v1.PolicyRule.verbs",
        "io.k8s.api.discovery.v1.EndpointSlice.endpoints", "io.k8s.api.discovery.v1.Endpoint.addresses",
        "io.k8s.api.core.v1.NodeSelector.nodeSelectorTerms",
    ]

    /// Rewrites `value` as the API server's encoding of the decoded Go object shows it: the ``alwaysEncoded``
    /// fields added where missing, empty lists and maps of `omitempty` fields left out, at every depth.
    static func normalizeEncoding(_ value: inout JSONValue, as type: BuiltinFieldType) {
        switch (type, value) {
        case (.object(let name), .object(var members)):
            guard let fields = definitions[name] else { return }
            for key in Array(members.keys) {
                guard let fieldType = fields[key], var member = members[key] else { continue }
                let isEmptyCollection: Bool
                switch (fieldType, member) {
                case (.list, .array(let items)): isEmptyCollection = items.isEmpty
                case (.map, .object(let items)): isEmptyCollection = items.isEmpty
                default: isEmptyCollection = false
                }
                if isEmptyCollection {
                    if !emptyCollectionsEncoded.contains("\(name).\(key)") { members[key] = nil }
                    continue
                }
                normalizeEncoding(&member, as: fieldType)
                members[key] = member
            }
            for (key, zero) in alwaysEncoded[name] ?? [:] where members[key] == nil {
                var filled = zero
                if let fieldType = fields[key] { normalizeEncoding(&filled, as: fieldType) }
                members[key] = filled
            }
            value = .object(members)
        case (.list(let element), .array(var items)):
            for index in items.indices { normalizeEncoding(&items[index], as: element) }
            value = .array(items)
        case (.map(let element), .object(var members)):
            for key in Array(members.keys) {
                guard var member = members[key] else { continue }
                normalizeEncoding(&member, as: element)
                members[key] = member
            }
            value = .object(members)
        default:
            return
        }
    }
}

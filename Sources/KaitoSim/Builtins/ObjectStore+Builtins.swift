import Foundation
import KaitoCore

extension ObjectStore {
    /// Removes the fields a built-in kind's schema does not know (and, for every kind, unknown `metadata`
    /// fields), as the API server's decoder drops them, and returns their paths for warnings or strict decoding.
    func pruneUnknownBuiltinFields(_ object: inout [String: JSONValue], descriptor: ResourceDescriptor) -> [String] {
        if descriptor.isCustomResource {
            guard var metadata = object["metadata"], metadata.objectValue != nil else { return [] }
            let unknown = BuiltinSchemas.prune(&metadata, as: .object(BuiltinSchemas.objectMeta), path: "metadata")
            object["metadata"] = metadata
            return unknown
        }
        guard let root = BuiltinSchemas.rootType(apiVersion: descriptor.apiVersion, kind: descriptor.kind) else {
            return []
        }
        var document = JSONValue.object(object)
        let unknown = BuiltinSchemas.prune(&document, as: .object(root))
        object = document.objectValue ?? object
        return unknown
    }

    /// Defaulting, admission and validation of a write as the API server does them for built-in kinds, and the
    /// `metadata` rules every kind shares. `old` is the stored object for updates, `nil` for creates.
    /// - Returns: the validation failures, empty when the object is valid.
    /// - Throws: ``APIError`` for admission refusals that are not validation failures (such as 403 Forbidden).
    mutating func admitBuiltin(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws -> [FieldError] {
        var document = JSONValue.object(object)
        if descriptor.isCustomResource {
            if var metadata = document["metadata"] {
                do {
                    try BuiltinDecoding.decode(
                        &metadata, as: .object(BuiltinSchemas.objectMeta), context: "ObjectMeta",
                        fieldStack: ["metadata"])
                } catch {
                    throw APIError.badRequest(decodingMessage(error.message, descriptor: descriptor))
                }
                BuiltinSchemas.normalizeEncoding(&metadata, as: .object(BuiltinSchemas.objectMeta))
                object["metadata"] = metadata
            }
            return ObjectMetaValidation.validate(object["metadata"]?.objectValue ?? [:], inTree: false).errors
        }
        guard let root = BuiltinSchemas.rootType(apiVersion: descriptor.apiVersion, kind: descriptor.kind) else {
            return ObjectMetaValidation.validate(object["metadata"]?.objectValue ?? [:], inTree: true).errors
        }
        let kind = "\(descriptor.apiVersion)/\(descriptor.kind)"
        do {
            try BuiltinDecoding.decode(
                &document, as: .object(root), context: String(root.split(separator: ".").last ?? ""), fieldStack: [])
        } catch {
            throw APIError.badRequest(decodingMessage(error.message, descriptor: descriptor))
        }
        BuiltinDefaults.apply(&document, kind: kind)
        try prepareBuiltin(
            &document, old: old.map(JSONValue.object), kind: kind, descriptor: descriptor,
            subresource: subresource)
        BuiltinSchemas.normalizeEncoding(&document, as: .object(root))
        object = document.objectValue ?? object
        var context = BuiltinValidation.Context(
            kind: kind, namespace: ObjectAccessor(object).namespace, subresource: subresource,
            old: old.map(JSONValue.object))
        context.services = serviceAllocations(excluding: ObjectAccessor(object).uid)
        return BuiltinValidation.validate(document, context: context).errors
    }

    func decodingMessage(_ message: String, descriptor: ResourceDescriptor) -> String {
        "\(descriptor.kind) in version \"\(descriptor.version)\" cannot be handled as a \(descriptor.kind): \(message)"
    }

    // MARK: - Strategies and admission plugins

    /// The registry strategies' `PrepareForCreate`/`PrepareForUpdate` steps and the mutating admission plugins
    /// enabled by default (ServiceAccount, Priority, DefaultTolerationSeconds, StorageObjectInUseProtection).
    mutating func prepareBuiltin(
        _ object: inout JSONValue, old: JSONValue?, kind: String, descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws {
        switch kind {
        case "v1/Pod" where old == nil:
            try admitPodCreate(&object, descriptor: descriptor)
        case "v1/Pod":
            // Priority keeps what it set on create.
            for field in ["priority", "preemptionPolicy"] where object["spec"]?[field] == nil {
                object.setValue(old?["spec"]?[field], at: ["spec", field])
            }
            if object["spec"]?["serviceAccount"] == nil {
                object.setValue(object["spec"]?["serviceAccountName"], at: ["spec", "serviceAccount"])
            }
        case "v1/Secret":
            if let stringData = object["stringData"]?.objectValue {
                var data = object["data"]?.objectValue ?? [:]
                for (key, value) in stringData {
                    data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
                }
                object.setValue(.object(data), at: ["data"])
                object.setValue(nil, at: ["stringData"])
            }
        case "v1/Service" where subresource == .main:
            try allocateService(&object, old: old)
        case "v1/PersistentVolumeClaim" where old == nil:
            var finalizers = object["metadata"]?["finalizers"]?.arrayValue ?? []
            if !finalizers.contains("kubernetes.io/pvc-protection") {
                finalizers.append("kubernetes.io/pvc-protection")
                object.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            }
        case "batch/v1/Job" where old == nil:
            if object["spec"]?["manualSelector"] != .bool(true) { generateJobSelector(&object) }
        default:
            break
        }
    }

    /// `batch/v1` `generateSelector`: job-name and controller-uid labels on the template, the selector on the UID.
    func generateJobSelector(_ job: inout JSONValue) {
        let name = job["metadata"]?["name"]?.stringValue ?? ""
        let uid = job["metadata"]?["uid"]?.stringValue ?? ""
        var labels = job.value(at: ["spec", "template", "metadata", "labels"])?.objectValue ?? [:]
        for key in ["job-name", "batch.kubernetes.io/job-name"] where labels[key] == nil { labels[key] = .string(name) }
        for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] where labels[key] == nil {
            labels[key] = .string(uid)
        }
        job.setValue(.object(labels), at: ["spec", "template", "metadata", "labels"])
        var matchLabels = job.value(at: ["spec", "selector", "matchLabels"])?.objectValue ?? [:]
        if matchLabels["batch.kubernetes.io/controller-uid"] == nil {
            matchLabels["batch.kubernetes.io/controller-uid"] = .string(uid)
        }
        job.setValue(.object(matchLabels), at: ["spec", "selector", "matchLabels"])
        // Stored objects are defaulted again when read: a Job without labels gets its template's.
        if (job["metadata"]?["labels"]?.objectValue ?? [:]).isEmpty {
            job.setValue(.object(labels), at: ["metadata", "labels"])
        }
    }

    static let serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The ServiceAccount, Priority and DefaultTolerationSeconds admission plugins on a new Pod.
    mutating func admitPodCreate(_ pod: inout JSONValue, descriptor: ResourceDescriptor) throws {
        let metadata = pod["metadata"]?.objectValue ?? [:]
        let namespace = metadata["namespace"]?.stringValue ?? ""
        let name = metadata["name"]?.stringValue ?? ""
        let displayName = name.isEmpty ? (metadata["generateName"]?.stringValue ?? "Unknown") : name
        let forbidden: (String) -> APIError = {
            APIError.forbidden(descriptor.groupResource, name: displayName, detail: $0)
        }
        var spec = pod["spec"] ?? [:]
        let isMirror = (metadata["annotations"]?["kubernetes.io/config.mirror"]) != nil

        // ServiceAccount (the plugin needs the account controller: without it, as with an API server run alone,
        // only the account name is defaulted)
        if !isMirror, !configuration.namespaceBootstrapControllers {
            var account = spec["serviceAccountName"]?.stringValue ?? ""
            if account.isEmpty { account = spec["serviceAccount"]?.stringValue ?? "" }
            if account.isEmpty { account = "default" }
            spec.setValue(.string(account), at: ["serviceAccountName"])
            spec.setValue(.string(account), at: ["serviceAccount"])
        } else if !isMirror {
            var account = spec["serviceAccountName"]?.stringValue ?? ""
            if account.isEmpty { account = spec["serviceAccount"]?.stringValue ?? "" }
            if account.isEmpty { account = "default" }
            spec.setValue(.string(account), at: ["serviceAccountName"])
            spec.setValue(.string(account), at: ["serviceAccount"])
            guard let serviceAccount = try lookUpServiceAccount(namespace: namespace, name: account) else {
                throw forbidden(
                    "error looking up service account \(namespace)/\(account): serviceaccount \"\(account)\" not found")
            }
            let automount =
                spec["automountServiceAccountToken"]?.boolValue
                ?? serviceAccount["automountServiceAccountToken"]?.boolValue ?? true
            if automount { mountServiceAccountToken(&spec, uid: metadata["uid"]?.stringValue ?? "") }
            if (spec["imagePullSecrets"]?.arrayValue ?? []).isEmpty,
                let secrets = serviceAccount["imagePullSecrets"]?.arrayValue, !secrets.isEmpty
            {
                spec.setValue(.array(secrets), at: ["imagePullSecrets"])
            }
        }

        // Priority
        let className = spec["priorityClassName"]?.stringValue ?? ""
        var priority: Int64 = 0
        var preemption = "PreemptLowerPriority"
        let priorityClasses = GroupResource(group: "scheduling.k8s.io", resource: "priorityclasses")
        let chosen: StoredObject?
        if className.isEmpty {
            chosen = allKeys(of: priorityClasses).compactMap { stored($0) }
                .first { $0.object["globalDefault"] == .bool(true) }
        } else {
            guard let found = stored(ObjectKey(resource: priorityClasses, namespace: "", name: className)) else {
                throw forbidden("no PriorityClass with name \(className) was found")
            }
            chosen = found
        }
        if let chosen {
            if case .integer(let value)? = chosen.object["value"] { priority = value }
            if let policy = chosen.object["preemptionPolicy"]?.stringValue { preemption = policy }
        }
        if let given = spec["priority"]?.integerValue, given != priority {
            throw forbidden(
                "the integer value of priority (\(given)) must not be provided in pod spec; priority admission "
                    + "controller computed \(priority) from the given PriorityClass name")
        }
        if let given = spec["preemptionPolicy"]?.stringValue, given != preemption {
            throw forbidden(
                "the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority admission "
                    + "controller computed \(preemption) from the given PriorityClass name")
        }
        spec.setValue(.integer(priority), at: ["priority"])
        spec.setValue(.string(preemption), at: ["preemptionPolicy"])

        // DefaultTolerationSeconds
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let tolerated = tolerations.contains { toleration in
                let tolerationKey = toleration["key"]?.stringValue ?? ""
                let effect = toleration["effect"]?.stringValue ?? ""
                return (tolerationKey == key || tolerationKey.isEmpty) && (effect == "NoExecute" || effect.isEmpty)
            }
            if !tolerated {
                tolerations.append([
                    "key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300,
                ])
            }
        }
        spec.setValue(.array(tolerations), at: ["tolerations"])
        pod.setValue(spec, at: ["spec"])
    }

    /// The ServiceAccount, if it exists. The `default` one always does, as in a cluster: the ServiceAccount
    /// controller creates it in every namespace (and recreates it when deleted), so it is created here on first
    /// use when no one has yet.
    mutating func lookUpServiceAccount(namespace: String, name: String) throws -> JSONValue? {
        let key = ObjectKey(resource: Self.serviceAccounts, namespace: namespace, name: name)
        return stored(key).map { .object($0.object) }
    }

    /// Mounts the `kube-api-access-*` projected volume (bound token, cluster CA, namespace) in every container that
    /// does not mount something at the service-account path already.
    func mountServiceAccountToken(_ spec: inout JSONValue, uid: String) {
        let volumes = spec["volumes"]?.arrayValue ?? []
        var volumeName =
            volumes.compactMap { $0["name"]?.stringValue }.first { $0.hasPrefix("kube-api-access-") } ?? ""
        let hasVolume = !volumeName.isEmpty
        if volumeName.isEmpty { volumeName = "kube-api-access-" + Self.suffix(from: uid) }
        let mount: JSONValue = [
            "name": .string(volumeName), "readOnly": true, "mountPath": .string(Self.serviceAccountMountPath),
        ]
        var needsVolume = false
        for list in ["initContainers", "containers"] {
            guard var containers = spec[list]?.arrayValue else { continue }
            for index in containers.indices {
                var mounts = containers[index]["volumeMounts"]?.arrayValue ?? []
                if mounts.contains(where: { $0["mountPath"]?.stringValue == Self.serviceAccountMountPath }) {
                    continue
                }
                mounts.append(mount)
                containers[index].setValue(.array(mounts), at: ["volumeMounts"])
                needsVolume = true
            }
            spec.setValue(.array(containers), at: [list])
        }
        if !hasVolume, needsVolume {
            let volume: JSONValue = [
                "name": .string(volumeName),
                "projected": [
                    "defaultMode": 420,
                    "sources": [
                        ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                        ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                        [
                            "downwardAPI": [
                                "items": [
                                    [
                                        "path": "namespace",
                                        "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"],
                                    ]
                                ]
                            ]
                        ],
                    ],
                ],
            ]
            spec.setValue(.array(volumes + [volume]), at: ["volumes"])
        }
    }

    /// Five characters of the `generateName` alphabet derived from `seed` (the pod's UID), so a mutation does not
    /// draw from the store's random source.
    static func suffix(from seed: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let alphabet = GeneratedNames.alphabet
        return String(
            (0..<GeneratedNames.suffixLength).map { position in
                alphabet[Int((hash >> (UInt64(position) * 8)) % UInt64(alphabet.count))]
            })
    }
}

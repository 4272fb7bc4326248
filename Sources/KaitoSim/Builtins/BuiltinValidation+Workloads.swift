import KaitoCore

extension BuiltinValidation {
    // MARK: - Workloads

    /// Selector present, non-empty and valid, and selecting the template's labels.
    static func validateWorkloadSelector(_ spec: JSONValue, path: String, emptyMessage: String) -> ValidationErrors {
        var errors = ValidationErrors()
        guard let selector = spec["selector"], selector != .null else {
            errors.required("\(path).selector")
            return errors
        }
        errors.append(validateSelector(selector, path: "\(path).selector"))
        if isEmptySelector(selector) {
            errors.invalid("\(path).selector", selector, emptyMessage)
        } else {
            let labels = spec["template"]?["metadata"]?["labels"]?.stringMap ?? [:]
            if !selects(selector, labels) {
                errors.invalid(
                    "\(path).template.metadata.labels", spec["template"]?["metadata"]?["labels"] ?? [:],
                    "`selector` does not match template `labels`")
            }
        }
        return errors
    }

    static func validateReplicas(_ spec: JSONValue, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        for field in ["replicas", "minReadySeconds", "revisionHistoryLimit"] {
            errors.nonNegative("\(path).\(field)", spec[field])
        }
        return errors
    }

    static func validateImmutableSelector(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        if let old, !(object["spec"]?["selector"]).sameAs(old["spec"]?["selector"]) {
            errors.invalid("spec.selector", object["spec"]?["selector"] ?? .null, immutable)
        }
        return errors
    }

    /// A `25%` or a non-negative integer.
    static func validateIntOrPercent(_ value: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        switch value {
        case .integer(let number)?:
            errors.nonNegative(path, .integer(number))
        case .string(let text)?:
            if let number = Int(text.dropLast()), text.hasSuffix("%") {
                if number < 0 { errors.invalid(path, .string(text), "must be greater than or equal to 0") }
                if number > 100 { errors.invalid(path, .string(text), "must not be greater than 100%") }
            } else {
                errors.invalid(
                    path, .string(text),
                    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or "
                        + "'93%', regex used for validation is '[0-9]+%')"
                )
            }
        default:
            break
        }
        return errors
    }

    static func percentOrInteger(_ value: JSONValue?) -> Int64 {
        switch value {
        case .integer(let number)?: return number
        case .string(let text)?: return Int64(text.dropLast()) ?? 0
        default: return 0
        }
    }

    /// What Deployments and ReplicaSets share: replicas, a non-empty selector, a pod template that always restarts.
    static func validateReplicatedPods(_ spec: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.append(validateReplicas(spec, path: "spec"))
        errors.append(
            validateWorkloadSelector(spec, path: "spec", emptyMessage: "empty selector is invalid for deployment"))
        errors.append(validatePodTemplate(spec["template"], path: "spec.template", restartPolicies: ["Always"]))
        return errors
    }

    static func validateDeployment(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = object["spec"] ?? [:]
        errors.append(validateReplicatedPods(spec))
        let strategy = spec["strategy"] ?? [:]
        switch strategy["type"]?.stringValue ?? "" {
        case "Recreate":
            if strategy["rollingUpdate"] != nil {
                errors.forbidden(
                    "spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
            }
        case "RollingUpdate":
            let update = strategy["rollingUpdate"]
            errors.append(
                validateIntOrPercent(update?["maxUnavailable"], path: "spec.strategy.rollingUpdate.maxUnavailable"))
            errors.append(validateIntOrPercent(update?["maxSurge"], path: "spec.strategy.rollingUpdate.maxSurge"))
            if percentOrInteger(update?["maxUnavailable"]) == 0, percentOrInteger(update?["maxSurge"]) == 0 {
                errors.invalid(
                    "spec.strategy.rollingUpdate.maxUnavailable", update?["maxUnavailable"] ?? 0,
                    "may not be 0 when `maxSurge` is 0")
            }
        case let other:
            errors.notSupported("spec.strategy.type", .string(other), ["Recreate", "RollingUpdate"])
        }
        if let deadline = spec["progressDeadlineSeconds"]?.integerValue {
            errors.nonNegative("spec.progressDeadlineSeconds", .integer(deadline))
            if deadline <= (spec["minReadySeconds"]?.integerValue ?? 0) {
                errors.invalid(
                    "spec.progressDeadlineSeconds", .integer(deadline), "must be greater than minReadySeconds")
            }
        }
        errors.append(validateImmutableSelector(object, old: old))
        return errors
    }

    static func validateReplicaSet(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = validateReplicatedPods(object["spec"] ?? [:])
        errors.append(validateImmutableSelector(object, old: old))
        return errors
    }

    static func validateDaemonSet(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = object["spec"] ?? [:]
        errors.nonNegative("spec.revisionHistoryLimit", spec["revisionHistoryLimit"])
        errors.append(
            validateWorkloadSelector(spec, path: "spec", emptyMessage: "empty selector is invalid for daemonset"))
        errors.append(validatePodTemplate(spec["template"], path: "spec.template", restartPolicies: ["Always"]))
        errors.oneOf("spec.updateStrategy.type", spec["updateStrategy"]?["type"] ?? "", ["OnDelete", "RollingUpdate"])
        errors.append(validateImmutableSelector(object, old: old))
        return errors
    }

    static let statefulSetUpdatable =
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
        + "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

    static func validateStatefulSet(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = object["spec"] ?? [:]
        errors.oneOf("spec.podManagementPolicy", spec["podManagementPolicy"] ?? "", ["OrderedReady", "Parallel"])
        let strategy = spec["updateStrategy"] ?? [:]
        switch strategy["type"]?.stringValue ?? "" {
        case "OnDelete":
            if strategy["rollingUpdate"] != nil {
                errors.invalid(
                    "spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"] ?? .null,
                    "only allowed for updateStrategy 'RollingUpdate'")
            }
        case "RollingUpdate":
            errors.nonNegative("spec.updateStrategy.rollingUpdate.partition", strategy["rollingUpdate"]?["partition"])
        case "":
            errors.required("spec.updateStrategy")
        case let other:
            errors.notSupported("spec.updateStrategy.type", .string(other), ["OnDelete", "RollingUpdate"])
        }
        let retention = spec["persistentVolumeClaimRetentionPolicy"]
        for field in ["whenDeleted", "whenScaled"] {
            errors.oneOf(
                "spec.persistentVolumeClaimRetentionPolicy.\(field)", retention?[field] ?? "", ["Retain", "Delete"])
        }
        errors.append(validateReplicas(spec, path: "spec"))
        errors.append(
            validateWorkloadSelector(spec, path: "spec", emptyMessage: "empty selector is invalid for statefulset"))
        errors.append(validatePodTemplate(spec["template"], path: "spec.template", restartPolicies: ["Always"]))
        for (index, claim) in (spec["volumeClaimTemplates"]?.arrayValue ?? []).enumerated() {
            errors.append(validateClaim(claim, path: "spec.volumeClaimTemplates[\(index)].", old: nil))
        }
        if let old, var oldSpec = old["spec"] {
            for field in [
                "replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
            ] {
                oldSpec.setValue(spec[field], at: [field])
            }
            if !oldSpec.isSemanticallyEqual(to: spec) { errors.forbidden("spec", statefulSetUpdatable) }
        }
        return errors
    }

    static func validateControllerRevision(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.nonNegative("revision", object["revision"])
        if let old, !object["data"].sameAs(old["data"]) {
            errors.invalid("data", object["data"] ?? .null, immutable)
        }
        return errors
    }

    static func validateJob(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = object["spec"] ?? [:]
        for field in ["parallelism", "completions", "backoffLimit"] {
            errors.nonNegative("spec.\(field)", spec[field])
        }
        if let deadline = spec["activeDeadlineSeconds"]?.integerValue, deadline <= 0 {
            errors.invalid("spec.activeDeadlineSeconds", .integer(deadline), "must be greater than 0")
        }
        if let ttl = spec["ttlSecondsAfterFinished"] { errors.nonNegative("spec.ttlSecondsAfterFinished", ttl) }
        errors.oneOf("spec.completionMode", spec["completionMode"] ?? "", ["NonIndexed", "Indexed"])
        if spec["completionMode"] == "Indexed", spec["completions"] == nil {
            errors.required("spec.completions", "when completion mode is Indexed")
        }
        errors.append(validateWorkloadSelector(spec, path: "spec", emptyMessage: "empty selector is invalid for job"))
        errors.append(
            validatePodTemplate(spec["template"], path: "spec.template", restartPolicies: ["OnFailure", "Never"]))
        if let old, let oldSpec = old["spec"] {
            if !spec["selector"].sameAs(oldSpec["selector"]) {
                errors.invalid("spec.selector", spec["selector"] ?? .null, immutable)
            }
            if spec["completionMode"] != "Indexed", !spec["completions"].sameAs(oldSpec["completions"]) {
                errors.invalid("spec.completions", spec["completions"] ?? .null, immutable)
            }
            if !spec["completionMode"].sameAs(oldSpec["completionMode"]) {
                errors.invalid("spec.completionMode", spec["completionMode"] ?? .null, immutable)
            }
            var template = spec["template"] ?? [:]
            let oldTemplate = oldSpec["template"] ?? [:]
            // A suspended Job that never started may change its pods' scheduling directives and metadata.
            if oldSpec["suspend"] == .bool(true), old["status"]?["startTime"] == nil {
                for path in [
                    ["metadata", "labels"], ["metadata", "annotations"], ["spec", "nodeSelector"],
                    ["spec", "affinity"], ["spec", "tolerations"], ["spec", "schedulingGates"],
                ] {
                    template.setValue(oldTemplate.value(at: path), at: path)
                }
            }
            if !template.isSemanticallyEqual(to: oldTemplate) {
                errors.invalid("spec.template", spec["template"] ?? .null, immutable)
            }
        }
        return errors
    }

    // MARK: - Claims

    static func validateClaim(_ claim: JSONValue, path prefix: String, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = claim["spec"] ?? [:]
        let modes = spec["accessModes"]?.arrayValue ?? []
        if modes.isEmpty { errors.required("\(prefix)spec.accessModes", "at least 1 access mode is required") }
        for (index, mode) in modes.enumerated() {
            let supported = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
            if !supported.contains(mode.stringValue ?? "") {
                errors.notSupported("\(prefix)spec.accessModes[\(index)]", mode, supported)
            }
        }
        if spec["resources"]?["requests"]?["storage"] == nil, spec["dataSourceRef"] == nil {
            errors.required("\(prefix)spec.resources[storage]")
        }
        if let old, var oldSpec = old["spec"] {
            oldSpec.setValue(spec["resources"]?["requests"], at: ["resources", "requests"])
            oldSpec.setValue(spec["volumeAttributesClassName"], at: ["volumeAttributesClassName"])
            if (oldSpec["volumeName"]?.stringValue ?? "").isEmpty {
                oldSpec.setValue(spec["volumeName"], at: ["volumeName"])
            }
            if !oldSpec.isSemanticallyEqual(to: spec) {
                errors.forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for "
                        + "bound claims")
            }
        }
        return errors
    }
}

import KaitoCore

/// The validation of `pkg/apis/*/validation` for the built-in kinds, on creates and updates, with the API server's
/// field paths and messages.
enum BuiltinValidation {
    struct Context {
        /// `apiVersion/Kind`, such as `apps/v1/Deployment`.
        var kind: String
        var namespace: String
        var subresource: Subresource
        /// The stored object on updates.
        var old: JSONValue?
        var services = ServiceAllocations()

        init(kind: String, namespace: String, subresource: Subresource, old: JSONValue?) {
            self.kind = kind
            self.namespace = namespace
            self.subresource = subresource
            self.old = old
        }
    }

    static let immutable = "field is immutable"
    static let immutableWhenSet = "field is immutable when `immutable` is set"

    static func validate(_ object: JSONValue, context: Context) -> ValidationErrors {
        var errors = ValidationErrors()
        let metadata = object["metadata"]?.objectValue ?? [:]
        // core/v1 Events skip metadata validation for compatibility (`ValidateEventCreate`).
        if context.kind != "v1/Event" {
            errors.append(ObjectMetaValidation.validate(metadata, inTree: true))
        }
        if context.subresource == .status {
            errors.append(validateStatus(object, context: context))
            return errors
        }
        switch context.kind {
        case "v1/ConfigMap": errors.append(validateConfigMap(object, old: context.old))
        case "v1/Secret": errors.append(validateSecret(object, old: context.old))
        case "v1/Pod": errors.append(validatePod(object, old: context.old))
        case "v1/PodTemplate":
            errors.append(validatePodTemplate(object["template"], path: "template", restartPolicies: nil))
        case "v1/Service": errors.append(validateService(object, context: context))
        case "v1/Endpoints": errors.append(validateEndpoints(object))
        case "v1/Event": errors.append(validateCoreEvent(object, namespace: context.namespace))
        case "events.k8s.io/v1/Event": errors.append(validateEventsEvent(object, namespace: context.namespace))
        case "v1/Namespace": errors.append(validateNamespace(object))
        case "v1/Node": errors.append(validateNode(object, old: context.old))
        case "v1/ServiceAccount": errors.append(validateServiceAccount(object))
        case "v1/PersistentVolumeClaim": errors.append(validateClaim(object, path: "", old: context.old))
        case "apps/v1/Deployment": errors.append(validateDeployment(object, old: context.old))
        case "apps/v1/StatefulSet": errors.append(validateStatefulSet(object, old: context.old))
        case "apps/v1/DaemonSet": errors.append(validateDaemonSet(object, old: context.old))
        case "apps/v1/ReplicaSet": errors.append(validateReplicaSet(object, old: context.old))
        case "apps/v1/ControllerRevision": errors.append(validateControllerRevision(object, old: context.old))
        case "batch/v1/Job": errors.append(validateJob(object, old: context.old))
        case "coordination.k8s.io/v1/Lease": errors.append(validateLease(object))
        case "rbac.authorization.k8s.io/v1/Role": errors.append(validateRules(object, namespaced: true))
        case "rbac.authorization.k8s.io/v1/ClusterRole": errors.append(validateRules(object, namespaced: false))
        case "rbac.authorization.k8s.io/v1/RoleBinding", "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
            errors.append(validateBinding(object, old: context.old, namespaced: context.kind.hasSuffix("/RoleBinding")))
        case "discovery.k8s.io/v1/EndpointSlice": errors.append(validateEndpointSlice(object))
        default: break
        }
        return errors
    }

    // MARK: - Status updates

    static func validateStatus(_ object: JSONValue, context: Context) -> ValidationErrors {
        var errors = ValidationErrors()
        switch context.kind {
        case "v1/Pod":
            for (index, condition) in (object["status"]?["conditions"]?.arrayValue ?? []).enumerated() {
                let path = "status.conditions[\(index)]"
                if (condition["type"]?.stringValue ?? "").isEmpty { errors.required("\(path).type") }
                errors.oneOf("\(path).status", condition["status"], ["True", "False", "Unknown"])
            }
        case "apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/ReplicaSet", "apps/v1/DaemonSet":
            for field in ["replicas", "readyReplicas", "availableReplicas", "updatedReplicas", "observedGeneration"] {
                errors.nonNegative("status.\(field)", object["status"]?[field])
            }
        case "batch/v1/Job":
            for field in ["active", "succeeded", "failed"] {
                errors.nonNegative("status.\(field)", object["status"]?[field])
            }
        default:
            break
        }
        return errors
    }

    // MARK: - ConfigMaps and Secrets

    static func validateConfigMap(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        if let old, old["immutable"] == .bool(true) {
            if object["immutable"] != .bool(true) { errors.forbidden("immutable", immutableWhenSet) }
            if !object["data"].sameAs(old["data"]) { errors.forbidden("data", immutableWhenSet) }
            if !object["binaryData"].sameAs(old["binaryData"]) { errors.forbidden("binaryData", immutableWhenSet) }
        }
        let data = object["data"]?.objectValue ?? [:]
        let binary = object["binaryData"]?.objectValue ?? [:]
        var size = 0
        for key in data.keys.sorted() {
            errors.invalid("data[\(key)]", key, messages: KubeNames.configMapKeyProblems(key))
            if binary[key] != nil {
                errors.invalid("data[\(key)]", .string(key), "duplicate of key present in binaryData")
            }
            size += data[key]?.stringValue?.utf8.count ?? 0
        }
        for key in binary.keys.sorted() {
            errors.invalid("binaryData[\(key)]", key, messages: KubeNames.configMapKeyProblems(key))
            if data[key] != nil {
                errors.invalid("binaryData[\(key)]", .string(key), "duplicate of key present in data")
            }
            size += (binary[key]?.stringValue?.utf8.count ?? 0) * 3 / 4
        }
        if size > 1024 * 1024 { errors.tooLong("", "may not be more than 1048576 bytes") }
        return errors
    }

    static func validateSecret(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        if let old {
            if !object["type"].sameAs(old["type"]) { errors.invalid("type", object["type"] ?? "", immutable) }
            if old["immutable"] == .bool(true) {
                if object["immutable"] != .bool(true) { errors.forbidden("immutable", immutableWhenSet) }
                if !object["data"].sameAs(old["data"]) { errors.forbidden("data", immutableWhenSet) }
            }
        }
        let data = object["data"]?.objectValue ?? [:]
        var size = 0
        for key in data.keys.sorted() {
            errors.invalid("data[\(key)]", key, messages: KubeNames.configMapKeyProblems(key))
            size += (data[key]?.stringValue?.utf8.count ?? 0) * 3 / 4
        }
        if size > 1024 * 1024 { errors.tooLong("data", "may not be more than 1048576 bytes") }
        let annotations = object["metadata"]?["annotations"]?.stringMap ?? [:]
        switch object["type"]?.stringValue ?? "" {
        case "kubernetes.io/service-account-token":
            if (annotations["kubernetes.io/service-account.name"] ?? "").isEmpty {
                errors.required("metadata.annotations[kubernetes.io/service-account.name]")
            }
        case "kubernetes.io/dockercfg":
            if data[".dockercfg"] == nil { errors.required("data[.dockercfg]") }
        case "kubernetes.io/dockerconfigjson":
            if data[".dockerconfigjson"] == nil { errors.required("data[.dockerconfigjson]") }
        case "kubernetes.io/basic-auth":
            if data["username"] == nil, data["password"] == nil {
                errors.required("data[username]")
                errors.required("data[password]")
            }
        case "kubernetes.io/ssh-auth":
            if (data["ssh-privatekey"]?.stringValue ?? "").isEmpty { errors.required("data[ssh-privatekey]") }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errors.required("data[tls.crt]") }
            if data["tls.key"] == nil { errors.required("data[tls.key]") }
        default:
            break
        }
        return errors
    }

    // MARK: - Namespaces, Nodes, ServiceAccounts, Leases

    static func validateNamespace(_ object: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        for finalizer in (object["spec"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue) {
            errors.invalid("spec.finalizers", finalizer, messages: KubeNames.qualifiedNameProblems(finalizer))
            if !finalizer.contains("/"), !ObjectMetaValidation.standardFinalizers.contains(finalizer) {
                errors.invalid(
                    "spec.finalizers", .string(finalizer),
                    "name is neither a standard finalizer name nor is it fully qualified")
            }
        }
        return errors
    }

    static func validateNode(_ object: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.append(validateTaints(object["spec"]?["taints"], path: "spec.taints"))
        if let old {
            let oldCIDRs = old["spec"]?["podCIDRs"]?.arrayValue ?? []
            if !oldCIDRs.isEmpty, !(object["spec"]?["podCIDRs"]).sameAs(old["spec"]?["podCIDRs"]) {
                errors.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid")
            }
            let oldProvider = old["spec"]?["providerID"]?.stringValue ?? ""
            if !oldProvider.isEmpty, object["spec"]?["providerID"]?.stringValue != oldProvider {
                errors.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid")
            }
        }
        return errors
    }

    static func validateTaints(_ taints: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        for (index, taint) in (taints?.arrayValue ?? []).enumerated() {
            let item = "\(path)[\(index)]"
            let key = taint["key"]?.stringValue ?? ""
            errors.invalid("\(item).key", key, messages: KubeNames.qualifiedNameProblems(key))
            if let value = taint["value"]?.stringValue {
                errors.invalid("\(item).value", value, messages: KubeNames.labelValueProblems(value))
            }
            errors.oneOf("\(item).effect", taint["effect"] ?? "", ["NoSchedule", "PreferNoSchedule", "NoExecute"])
        }
        return errors
    }

    static func validateServiceAccount(_ object: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        for (index, reference) in (object["imagePullSecrets"]?.arrayValue ?? []).enumerated() {
            if (reference["name"]?.stringValue ?? "").isEmpty { errors.required("imagePullSecrets[\(index)].name") }
        }
        return errors
    }

    static func validateLease(_ object: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        if let duration = object["spec"]?["leaseDurationSeconds"]?.integerValue, duration <= 0 {
            errors.invalid("spec.leaseDurationSeconds", .integer(duration), "must be greater than 0")
        }
        errors.nonNegative("spec.leaseTransitions", object["spec"]?["leaseTransitions"])
        return errors
    }

    // MARK: - Events

    static func validateCoreEvent(_ object: JSONValue, namespace: String) -> ValidationErrors {
        var errors = ValidationErrors()
        let involvedNamespace = object["involvedObject"]?["namespace"]?.stringValue ?? ""
        let eventTime = object["eventTime"]
        if eventTime == nil || eventTime == .null {
            if involvedNamespace.isEmpty {
                if !namespace.isEmpty, namespace != "default" {
                    errors.invalid(
                        "involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace")
                }
            } else if namespace != involvedNamespace {
                errors.invalid("involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace")
            }
        } else {
            errors.append(
                validateNewStyleEvent(
                    object, namespace: namespace, involvedNamespace: involvedNamespace,
                    controllerField: "reportingComponent", noteField: "message"))
        }
        errors.invalid("namespace", namespace, messages: KubeNames.dns1123SubdomainProblems(namespace))
        return errors
    }

    static func validateNewStyleEvent(
        _ object: JSONValue, namespace: String, involvedNamespace: String, controllerField: String, noteField: String
    ) -> ValidationErrors {
        var errors = ValidationErrors()
        if involvedNamespace.isEmpty, namespace != "default", namespace != "kube-system" {
            errors.invalid("involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace")
        }
        let controller = object[controllerField]?.stringValue ?? ""
        if controller.isEmpty { errors.required(controllerField) }
        errors.invalid(controllerField, controller, messages: KubeNames.qualifiedNameProblems(controller))
        let instance = object["reportingInstance"]?.stringValue ?? ""
        if instance.isEmpty { errors.required("reportingInstance") }
        if instance.utf8.count > 128 { errors.invalid("reportingInstance", "", "can have at most 128 characters") }
        let action = object["action"]?.stringValue ?? ""
        if action.isEmpty { errors.required("action") }
        if action.utf8.count > 128 { errors.invalid("action", "", "can have at most 128 characters") }
        let reason = object["reason"]?.stringValue ?? ""
        if reason.isEmpty { errors.required("reason") }
        if reason.utf8.count > 128 { errors.invalid("reason", "", "can have at most 128 characters") }
        if (object[noteField]?.stringValue ?? "").utf8.count > 1024 {
            errors.invalid("message", "", "can have at most 1024 characters")
        }
        return errors
    }

    static func validateEventsEvent(_ object: JSONValue, namespace: String) -> ValidationErrors {
        var errors = ValidationErrors()
        let involvedNamespace = object["regarding"]?["namespace"]?.stringValue ?? ""
        errors.append(
            validateNewStyleEvent(
                object, namespace: namespace, involvedNamespace: involvedNamespace,
                controllerField: "reportingController", noteField: "note"))
        errors.invalid("namespace", namespace, messages: KubeNames.dns1123SubdomainProblems(namespace))
        if object["eventTime"] == nil || object["eventTime"] == .null { errors.required("eventTime") }
        let type = object["type"]?.stringValue ?? ""
        if type != "Normal", type != "Warning" { errors.invalid("type", "", "has invalid value: \(type)") }
        if let first = object["deprecatedFirstTimestamp"], first != .null {
            errors.invalid("firstTimestamp", "", "needs to be unset")
        }
        if let last = object["deprecatedLastTimestamp"], last != .null {
            errors.invalid("lastTimestamp", "", "needs to be unset")
        }
        if (object["deprecatedCount"]?.integerValue ?? 0) != 0 { errors.invalid("count", "", "needs to be unset") }
        let source = object["deprecatedSource"]
        if !(source?["component"]?.stringValue ?? "").isEmpty || !(source?["host"]?.stringValue ?? "").isEmpty {
            errors.invalid("source", "", "needs to be unset")
        }
        return errors
    }

    // MARK: - Label selectors

    /// `ValidateLabelSelector`: match labels and expressions.
    static func validateSelector(_ selector: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        guard let selector else { return errors }
        errors.append(ObjectMetaValidation.validateLabels(selector["matchLabels"], path: "\(path).matchLabels"))
        for (index, expression) in (selector["matchExpressions"]?.arrayValue ?? []).enumerated() {
            let item = "\(path).matchExpressions[\(index)]"
            let values = expression["values"]?.arrayValue ?? []
            switch expression["operator"]?.stringValue ?? "" {
            case "In", "NotIn":
                if values.isEmpty {
                    errors.required("\(item).values", "must be specified when `operator` is 'In' or 'NotIn'")
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errors.forbidden(
                        "\(item).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
                }
            default:
                errors.invalid("\(item).operator", expression["operator"] ?? "", "not a valid selector operator")
            }
            let key = expression["key"]?.stringValue ?? ""
            errors.invalid("\(item).key", key, messages: KubeNames.qualifiedNameProblems(key))
        }
        return errors
    }

    /// Whether the label selector selects `labels`.
    static func selects(_ selector: JSONValue?, _ labels: [String: String]) -> Bool {
        guard let selector else { return false }
        for (key, value) in selector["matchLabels"]?.stringMap ?? [:] where labels[key] != value { return false }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = Set((expression["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            switch expression["operator"]?.stringValue ?? "" {
            case "In": if !(labels[key].map(values.contains) ?? false) { return false }
            case "NotIn": if labels[key].map(values.contains) ?? false { return false }
            case "Exists": if labels[key] == nil { return false }
            case "DoesNotExist": if labels[key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    static func isEmptySelector(_ selector: JSONValue?) -> Bool {
        (selector?["matchLabels"]?.objectValue ?? [:]).isEmpty
            && (selector?["matchExpressions"]?.arrayValue ?? []).isEmpty
    }
}

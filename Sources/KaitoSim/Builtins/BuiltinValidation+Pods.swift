import Foundation
import KaitoCore

extension BuiltinValidation {
    static let podUpdatableFields =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
        + "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
        + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    // MARK: - Pods

    static func validatePod(_ pod: JSONValue, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.append(validatePodSpec(pod["spec"] ?? [:], path: "spec", restartPolicies: nil))
        guard let old, let oldSpec = old["spec"] else { return errors }
        let spec = pod["spec"] ?? [:]
        for list in ["containers", "initContainers"] {
            if (spec[list]?.arrayValue ?? []).count != (oldSpec[list]?.arrayValue ?? []).count {
                errors.forbidden("spec.\(list)", "pod updates may not add or remove containers")
                return errors
            }
        }
        // The fields a pod update may change, taken from the old spec: what is left must be equal.
        var munged = spec
        for list in ["containers", "initContainers"] {
            let oldContainers = oldSpec[list]?.arrayValue ?? []
            BuiltinDefaults.mapArray(&munged, at: [list]) { _ in }
            if var containers = munged[list]?.arrayValue {
                for index in containers.indices where index < oldContainers.count {
                    containers[index].setValue(oldContainers[index]["image"], at: ["image"])
                }
                munged.setValue(.array(containers), at: [list])
            }
        }
        munged.setValue(oldSpec["activeDeadlineSeconds"], at: ["activeDeadlineSeconds"])
        munged.setValue(oldSpec["schedulingGates"], at: ["schedulingGates"])
        munged.setValue(oldSpec["tolerations"], at: ["tolerations"])
        if let oldGrace = oldSpec["terminationGracePeriodSeconds"]?.integerValue, oldGrace < 0,
            spec["terminationGracePeriodSeconds"]?.integerValue == 1
        {
            munged.setValue(.integer(oldGrace), at: ["terminationGracePeriodSeconds"])
        }
        if let activeDeadline = spec["activeDeadlineSeconds"]?.integerValue,
            let oldDeadline = oldSpec["activeDeadlineSeconds"]?.integerValue, activeDeadline > oldDeadline
        {
            errors.invalid(
                "spec.activeDeadlineSeconds", .integer(activeDeadline),
                "must be less than or equal to previous value")
        }
        errors.append(validateTolerationUpdate(spec["tolerations"], old: oldSpec["tolerations"]))
        if !munged.isSemanticallyEqual(to: oldSpec) {
            errors.forbidden("spec", podUpdatableFields + "\n" + specDifference(oldSpec, munged))
        }
        return errors
    }

    /// A short account of what differs, in place of the `cmp.Diff` output the API server appends.
    static func specDifference(_ old: JSONValue, _ new: JSONValue) -> String {
        let keys = Set((old.objectValue ?? [:]).keys).union((new.objectValue ?? [:]).keys).sorted()
        let changed = keys.filter { !old[$0].sameAs(new[$0]) }
        return "  core.PodSpec{\n" + changed.map { "  \t\($0): changed,\n" }.joined() + "  }\n"
    }

    /// Tolerations may only be added (and `tolerationSeconds` of existing NoExecute ones shortened).
    static func validateTolerationUpdate(_ new: JSONValue?, old: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let newItems = new?.arrayValue ?? []
        for oldItem in old?.arrayValue ?? [] {
            let found = newItems.contains { item in
                var left = item
                var right = oldItem
                left.setValue(nil, at: ["tolerationSeconds"])
                right.setValue(nil, at: ["tolerationSeconds"])
                return left.isSemanticallyEqual(to: right)
            }
            if !found {
                errors.forbidden(
                    "spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
                break
            }
        }
        return errors
    }

    static func validatePodTemplate(_ template: JSONValue?, path: String, restartPolicies: [String]?)
        -> ValidationErrors
    {
        var errors = ValidationErrors()
        guard let template else {
            errors.required(path)
            return errors
        }
        errors.append(
            ObjectMetaValidation.validateLabels(template["metadata"]?["labels"], path: "\(path).metadata.labels"))
        errors.append(
            ObjectMetaValidation.validateAnnotations(
                template["metadata"]?["annotations"], path: "\(path).metadata.annotations"))
        errors.append(validatePodSpec(template["spec"] ?? [:], path: "\(path).spec", restartPolicies: restartPolicies))
        return errors
    }

    /// `ValidatePodSpec`; `restartPolicies` narrows the allowed `restartPolicy` (workload templates).
    static func validatePodSpec(_ spec: JSONValue, path: String, restartPolicies: [String]?) -> ValidationErrors {
        var errors = ValidationErrors()
        let volumes = spec["volumes"]?.arrayValue ?? []
        var volumeNames: Set<String> = []
        for (index, volume) in volumes.enumerated() {
            let item = "\(path).volumes[\(index)]"
            let name = volume["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.required("\(item).name")
            } else {
                errors.invalid("\(item).name", name, messages: KubeNames.dns1123LabelProblems(name))
                errors.unique("\(item).name", name, in: &volumeNames)
            }
            let sources = (volume.objectValue ?? [:]).keys.filter { $0 != "name" }.sorted()
            if sources.isEmpty {
                errors.required(item, "must specify a volume type")
            } else if sources.count > 1 {
                errors.forbidden("\(item).\(sources[1])", "may not specify more than 1 volume type")
            }
        }
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.required("\(path).containers") }
        var containerNames: Set<String> = []
        for (index, container) in containers.enumerated() {
            errors.append(
                validateContainer(
                    container, path: "\(path).containers[\(index)]", volumes: volumeNames, names: &containerNames))
        }
        for (index, container) in (spec["initContainers"]?.arrayValue ?? []).enumerated() {
            errors.append(
                validateContainer(
                    container, path: "\(path).initContainers[\(index)]", volumes: volumeNames,
                    names: &containerNames))
        }
        let restartPolicy = spec["restartPolicy"]?.stringValue ?? ""
        if let allowed = restartPolicies {
            if !allowed.contains(restartPolicy) {
                errors.notSupported("\(path).restartPolicy", .string(restartPolicy), allowed)
            }
        } else {
            errors.oneOf("\(path).restartPolicy", spec["restartPolicy"] ?? "", ["Always", "OnFailure", "Never"])
        }
        errors.oneOf(
            "\(path).dnsPolicy", spec["dnsPolicy"] ?? "",
            ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])
        errors.append(ObjectMetaValidation.validateLabels(spec["nodeSelector"], path: "\(path).nodeSelector"))
        if let account = spec["serviceAccountName"]?.stringValue, !account.isEmpty {
            errors.invalid(
                "\(path).serviceAccountName", account, messages: KubeNames.dns1123SubdomainProblems(account))
        }
        if let node = spec["nodeName"]?.stringValue, !node.isEmpty {
            errors.invalid("\(path).nodeName", node, messages: KubeNames.dns1123SubdomainProblems(node))
        }
        if let deadline = spec["activeDeadlineSeconds"]?.integerValue, deadline < 1 || deadline > Int64(Int32.max) {
            errors.invalid(
                "\(path).activeDeadlineSeconds", .integer(deadline), "must be between 1 and 2147483647, inclusive")
        }
        for field in ["hostname", "subdomain"] {
            if let value = spec[field]?.stringValue, !value.isEmpty {
                errors.invalid("\(path).\(field)", value, messages: KubeNames.dns1123LabelProblems(value))
            }
        }
        errors.append(validateTolerations(spec["tolerations"], path: "\(path).tolerations"))
        if let className = spec["priorityClassName"]?.stringValue, !className.isEmpty {
            errors.invalid(
                "\(path).priorityClassName", className, messages: KubeNames.dns1123SubdomainProblems(className))
        }
        if let policy = spec["preemptionPolicy"] {
            errors.oneOf("\(path).preemptionPolicy", policy, ["Never", "PreemptLowerPriority"])
        }
        return errors
    }

    static func validateContainer(
        _ container: JSONValue, path: String, volumes: Set<String>, names: inout Set<String>
    ) -> ValidationErrors {
        var errors = ValidationErrors()
        let name = container["name"]?.stringValue ?? ""
        if name.isEmpty {
            errors.required("\(path).name")
        } else {
            errors.invalid("\(path).name", name, messages: KubeNames.dns1123LabelProblems(name))
            errors.unique("\(path).name", name, in: &names)
        }
        let image = container["image"]?.stringValue ?? ""
        if image.isEmpty {
            errors.required("\(path).image")
        } else if image != image.trimmingCharacters(in: .whitespaces) {
            errors.invalid("\(path).image", .string(image), "must not have leading or trailing whitespace")
        }
        var portNames: Set<String> = []
        for (index, port) in (container["ports"]?.arrayValue ?? []).enumerated() {
            let item = "\(path).ports[\(index)]"
            let number = port["containerPort"]?.integerValue ?? 0
            if number == 0 {
                errors.required("\(item).containerPort")
            } else {
                for message in KubeNames.portNumberProblems(number) {
                    errors.invalid("\(item).containerPort", .integer(number), message)
                }
            }
            if let hostPort = port["hostPort"]?.integerValue, hostPort != 0 {
                for message in KubeNames.portNumberProblems(hostPort) {
                    errors.invalid("\(item).hostPort", .integer(hostPort), message)
                }
            }
            if let portName = port["name"]?.stringValue, !portName.isEmpty {
                errors.invalid("\(item).name", portName, messages: KubeNames.portNameProblems(portName))
                errors.unique("\(item).name", portName, in: &portNames)
            }
            errors.oneOf("\(item).protocol", port["protocol"] ?? "", ["SCTP", "TCP", "UDP"])
        }
        for (index, variable) in (container["env"]?.arrayValue ?? []).enumerated() {
            let item = "\(path).env[\(index)]"
            let variableName = variable["name"]?.stringValue ?? ""
            if variableName.isEmpty {
                errors.required("\(item).name")
            } else if !variableName.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value <= 126 && $0 != "=" }) {
                errors.invalid(
                    "\(item).name", .string(variableName),
                    "a valid environment variable name must consist only of printable ASCII characters other than '='")
            }
            if !(variable["value"]?.stringValue ?? "").isEmpty, variable["valueFrom"] != nil {
                errors.invalid("\(item).valueFrom", "", "may not be specified when `value` is not empty")
            }
        }
        var mountPaths: Set<String> = []
        for (index, mount) in (container["volumeMounts"]?.arrayValue ?? []).enumerated() {
            let item = "\(path).volumeMounts[\(index)]"
            let volume = mount["name"]?.stringValue ?? ""
            if volume.isEmpty { errors.required("\(item).name") }
            if !volumes.contains(volume) { errors.notFound("\(item).name", .string(volume)) }
            let mountPath = mount["mountPath"]?.stringValue ?? ""
            if mountPath.isEmpty { errors.required("\(item).mountPath") }
            if mountPaths.contains(mountPath) {
                errors.invalid("\(item).mountPath", .string(mountPath), "must be unique")
            }
            mountPaths.insert(mountPath)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard let value = container[probe], value.objectValue != nil else { continue }
            for field in [
                "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold",
            ] {
                errors.nonNegative("\(path).\(probe).\(field)", value[field])
            }
            let handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter { value[$0] != nil }
            if handlers.isEmpty {
                errors.required("\(path).\(probe)", "must specify a handler type")
            } else if handlers.count > 1 {
                errors.forbidden("\(path).\(probe).\(handlers[1])", "may not specify more than 1 handler type")
            }
            if (probe == "livenessProbe" || probe == "startupProbe"),
                let success = value["successThreshold"]?.integerValue,
                success != 1
            {
                errors.invalid("\(path).\(probe).successThreshold", .integer(success), "must be 1")
            }
        }
        errors.append(validateResources(container["resources"], path: "\(path).resources"))
        errors.oneOf(
            "\(path).imagePullPolicy", container["imagePullPolicy"] ?? "", ["Always", "IfNotPresent", "Never"])
        errors.oneOf(
            "\(path).terminationMessagePolicy", container["terminationMessagePolicy"] ?? "",
            ["File", "FallbackToLogsOnError"])
        return errors
    }

    static let standardContainerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    static func isNativeResource(_ name: String) -> Bool {
        !name.contains("/") || name.hasPrefix("kubernetes.io/") || name.contains(".kubernetes.io/")
    }

    static func validateResources(_ resources: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        let limits = resources?["limits"]?.objectValue ?? [:]
        let requests = resources?["requests"]?.objectValue ?? [:]
        func checkName(_ name: String, _ item: String) {
            errors.invalid(item, name, messages: KubeNames.qualifiedNameProblems(name))
            let standard = standardContainerResources.contains(name) || name.hasPrefix("hugepages-")
            if isNativeResource(name), !standard {
                errors.invalid(item, .string(name), "must be a standard resource for containers")
            }
        }
        func quantity(_ value: JSONValue?) -> Quantity? {
            switch value {
            case .string(let text)?: return try? Quantity(parsing: text)
            case .integer(let number)?: return Quantity(integer: number)
            case .double(let number)?: return try? Quantity(parsing: String(number))
            default: return nil
            }
        }
        func checkValue(_ name: String, _ value: Quantity, _ item: String) {
            if value.isNegative {
                errors.invalid(item, .string(value.description), "must be greater than or equal to 0")
            }
            if !isNativeResource(name), value != Quantity(integer: value.bytesRoundedUp) {
                errors.invalid(item, .string(value.description), "must be an integer")
            }
        }
        for name in limits.keys.sorted() {
            let item = "\(path).limits[\(name)]"
            checkName(name, item)
            if let value = quantity(limits[name]) { checkValue(name, value, item) }
        }
        for name in requests.keys.sorted() {
            let item = "\(path).requests[\(name)]"
            checkName(name, item)
            guard let value = quantity(requests[name]) else { continue }
            checkValue(name, value, item)
            let overcommit = isNativeResource(name) && !name.hasPrefix("hugepages-")
            if let limit = quantity(limits[name]) {
                if value != limit, !overcommit {
                    errors.invalid(
                        "\(path).requests", .string(value.description),
                        "must be equal to \(name) limit of \(limit.description)")
                } else if limit < value {
                    errors.invalid(
                        "\(path).requests", .string(value.description),
                        "must be less than or equal to \(name) limit of \(limit.description)")
                }
            } else if !overcommit {
                errors.required("\(path).limits", "Limit must be set for non overcommitable resources")
            }
        }
        return errors
    }

    static func validateTolerations(_ tolerations: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        for (index, toleration) in (tolerations?.arrayValue ?? []).enumerated() {
            let item = "\(path)[\(index)]"
            let key = toleration["key"]?.stringValue ?? ""
            let operation = toleration["operator"]?.stringValue ?? ""
            let effect = toleration["effect"]?.stringValue ?? ""
            if !key.isEmpty { errors.invalid("\(item).key", key, messages: KubeNames.qualifiedNameProblems(key)) }
            if key.isEmpty, operation != "Exists" {
                errors.invalid(
                    "\(item).operator", .string(operation),
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\"")
            }
            if toleration["tolerationSeconds"] != nil, effect != "NoExecute" {
                errors.invalid(
                    "\(item).effect", .string(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set")
            }
            switch operation {
            case "Equal", "":
                let value = toleration["value"]?.stringValue ?? ""
                let problems = KubeNames.labelValueProblems(value)
                if !problems.isEmpty {
                    errors.invalid("\(item).operator", .string(value), problems.joined(separator: ";"))
                }
            case "Exists":
                if !(toleration["value"]?.stringValue ?? "").isEmpty {
                    errors.invalid("\(item).operator", toleration, "value must be empty when `operator` is 'Exists'")
                }
            default:
                errors.notSupported("\(item).operator", .string(operation), ["Equal", "Exists"])
            }
            if !effect.isEmpty, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errors.notSupported("\(item).effect", .string(effect), ["NoSchedule", "PreferNoSchedule", "NoExecute"])
            }
        }
        return errors
    }
}

import KaitoCore

extension BuiltinValidation {
    // MARK: - Services

    static func validateService(_ service: JSONValue, context: Context) -> ValidationErrors {
        var errors = ValidationErrors()
        let spec = service["spec"] ?? [:]
        let type = spec["type"]?.stringValue ?? ""
        let clusterIP = spec["clusterIP"]?.stringValue ?? ""
        let headless = clusterIP == "None"
        let ports = spec["ports"]?.arrayValue ?? []
        if type == "ExternalName" {
            if !clusterIP.isEmpty {
                errors.forbidden("spec.clusterIP", "may not be set for ExternalName services")
            }
            let name = spec["externalName"]?.stringValue ?? ""
            if name.isEmpty {
                errors.required("spec.externalName")
            } else {
                errors.invalid("spec.externalName", name, messages: KubeNames.dns1123SubdomainProblems(name))
            }
        } else if ports.isEmpty, !headless {
            errors.required("spec.ports")
        }
        var names: Set<String> = []
        var seen: Set<String> = []
        for (index, port) in ports.enumerated() {
            let item = "spec.ports[\(index)]"
            let name = port["name"]?.stringValue ?? ""
            if ports.count > 1, name.isEmpty {
                errors.required("\(item).name")
            } else if !name.isEmpty {
                errors.invalid("\(item).name", name, messages: KubeNames.dns1123LabelProblems(name))
                errors.unique("\(item).name", name, in: &names)
            }
            let number = port["port"]?.integerValue ?? 0
            for message in KubeNames.portNumberProblems(number) {
                errors.invalid("\(item).port", .integer(number), message)
            }
            errors.oneOf("\(item).protocol", port["protocol"] ?? "", ["SCTP", "TCP", "UDP"])
            switch port["targetPort"] {
            case .integer(let target)?:
                for message in KubeNames.portNumberProblems(target) {
                    errors.invalid("\(item).targetPort", .integer(target), message)
                }
            case .string(let target)?:
                errors.invalid("\(item).targetPort", target, messages: KubeNames.portNameProblems(target))
            default:
                break
            }
            let identity = "\(number)/\(port["protocol"]?.stringValue ?? "")"
            if seen.contains(identity) { errors.duplicate(item, port) }
            seen.insert(identity)
            if let nodePort = port["nodePort"]?.integerValue, nodePort != 0 {
                if type != "NodePort", type != "LoadBalancer" {
                    errors.forbidden("\(item).nodePort", "may not be used when `type` is '\(type)'")
                } else if !ServiceNetwork.nodePorts.contains(nodePort) {
                    errors.invalid(
                        "\(item).nodePort", .integer(nodePort),
                        "provided port is not in the valid range. The range of valid ports is 30000-32767")
                } else if context.services.nodePorts.contains(nodePort),
                    context.old == nil
                        || !(context.old?["spec"]?["ports"]?.arrayValue ?? []).contains(where: {
                            $0["nodePort"]?.integerValue == nodePort
                        })
                {
                    errors.invalid("\(item).nodePort", .integer(nodePort), "provided port is already allocated")
                }
            }
        }
        errors.oneOf("spec.type", spec["type"] ?? "", ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
        errors.oneOf("spec.sessionAffinity", spec["sessionAffinity"] ?? "", ["ClientIP", "None"])
        errors.append(ObjectMetaValidation.validateLabels(spec["selector"], path: "spec.selector"))
        if type != "ExternalName", !clusterIP.isEmpty, !headless {
            if ServiceNetwork.parse(clusterIP) == nil {
                errors.invalid(
                    "spec.clusterIPs[0]", .string(clusterIP),
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
            } else if context.old == nil {
                if !ServiceNetwork.contains(clusterIP) {
                    errors.invalid(
                        "spec.clusterIPs", .array([.string(clusterIP)]),
                        "failed to allocate IP \(clusterIP): the provided IP (\(clusterIP)) is not in the valid range. "
                            + "The range of valid IPs is 10.96.0.0/12")
                } else if context.services.clusterIPs.contains(clusterIP) {
                    errors.invalid(
                        "spec.clusterIPs", .array([.string(clusterIP)]),
                        "failed to allocate IP \(clusterIP): provided IP is already allocated")
                }
            }
        }
        if let old = context.old, let oldType = old["spec"]?["type"]?.stringValue, oldType != "ExternalName",
            type != "ExternalName"
        {
            let oldIP = old["spec"]?["clusterIP"]?.stringValue ?? ""
            if !oldIP.isEmpty, oldIP != clusterIP {
                errors.invalid("spec.clusterIPs[0]", .string(clusterIP), "may not change once set")
            }
        }
        if type == "ClusterIP" || type == "ExternalName" {
            if spec["externalTrafficPolicy"] != nil, type == "ClusterIP" {
                errors.invalid(
                    "spec.externalTrafficPolicy", spec["externalTrafficPolicy"] ?? "",
                    "may only be set for externally-accessible services")
            }
        }
        if let policy = spec["externalTrafficPolicy"] {
            errors.oneOf("spec.externalTrafficPolicy", policy, ["Cluster", "Local"])
        }
        if let policy = spec["internalTrafficPolicy"] {
            errors.oneOf("spec.internalTrafficPolicy", policy, ["Cluster", "Local"])
        }
        if let policy = spec["ipFamilyPolicy"] {
            errors.oneOf("spec.ipFamilyPolicy", policy, ["SingleStack", "PreferDualStack", "RequireDualStack"])
        }
        return errors
    }

    // MARK: - Endpoints

    static func isIPAddress(_ text: String) -> Bool {
        ServiceNetwork.parse(text) != nil || (text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" })
    }

    static func validateEndpoints(_ endpoints: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        for (subsetIndex, subset) in (endpoints["subsets"]?.arrayValue ?? []).enumerated() {
            let path = "subsets[\(subsetIndex)]"
            let addresses = subset["addresses"]?.arrayValue ?? []
            let notReady = subset["notReadyAddresses"]?.arrayValue ?? []
            if addresses.isEmpty, notReady.isEmpty {
                errors.required(path, "must specify `addresses` or `notReadyAddresses`")
            }
            for (list, items) in [("addresses", addresses), ("notReadyAddresses", notReady)] {
                for (index, address) in items.enumerated() {
                    let ip = address["ip"]?.stringValue ?? ""
                    if !isIPAddress(ip) {
                        errors.invalid(
                            "\(path).\(list)[\(index)].ip", .string(ip),
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
                    }
                }
            }
            let ports = subset["ports"]?.arrayValue ?? []
            for (index, port) in ports.enumerated() {
                let item = "\(path).ports[\(index)]"
                let name = port["name"]?.stringValue ?? ""
                if ports.count > 1, name.isEmpty { errors.required("\(item).name") }
                if !name.isEmpty {
                    errors.invalid("\(item).name", name, messages: KubeNames.dns1123LabelProblems(name))
                }
                let number = port["port"]?.integerValue ?? 0
                for message in KubeNames.portNumberProblems(number) {
                    errors.invalid("\(item).port", .integer(number), message)
                }
                errors.oneOf("\(item).protocol", port["protocol"] ?? "", ["SCTP", "TCP", "UDP"])
            }
        }
        return errors
    }

    static func validateEndpointSlice(_ slice: JSONValue) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.oneOf("addressType", slice["addressType"] ?? "", ["IPv4", "IPv6", "FQDN"])
        for (index, endpoint) in (slice["endpoints"]?.arrayValue ?? []).enumerated() {
            let addresses = endpoint["addresses"]?.arrayValue ?? []
            if addresses.isEmpty {
                errors.required("endpoints[\(index)].addresses", "must contain at least 1 address")
            } else if addresses.count > 100 {
                errors.errors.append(
                    FieldError(
                        field: "endpoints[\(index)].addresses", kind: .tooMany(actual: addresses.count, maximum: 100)))
            }
        }
        for (index, port) in (slice["ports"]?.arrayValue ?? []).enumerated() {
            if let number = port["port"]?.integerValue {
                for message in KubeNames.portNumberProblems(number) {
                    errors.invalid("ports[\(index)].port", .integer(number), message)
                }
            }
            if let name = port["name"]?.stringValue, !name.isEmpty {
                errors.invalid("ports[\(index)].name", name, messages: KubeNames.dns1123LabelProblems(name))
            }
        }
        return errors
    }

    // MARK: - RBAC

    static func validateRules(_ role: JSONValue, namespaced: Bool) -> ValidationErrors {
        var errors = ValidationErrors()
        for (index, rule) in (role["rules"]?.arrayValue ?? []).enumerated() {
            let path = "rules[\(index)]"
            if (rule["verbs"]?.arrayValue ?? []).isEmpty {
                errors.required("\(path).verbs", "verbs must contain at least one value")
            }
            let urls = rule["nonResourceURLs"]?.arrayValue ?? []
            if !urls.isEmpty {
                if namespaced {
                    errors.invalid(
                        "\(path).nonResourceURLs", .array(urls), "namespaced rules cannot apply to non-resource URLs")
                }
                if !(rule["apiGroups"]?.arrayValue ?? []).isEmpty || !(rule["resources"]?.arrayValue ?? []).isEmpty
                    || !(rule["resourceNames"]?.arrayValue ?? []).isEmpty
                {
                    errors.invalid(
                        "\(path).nonResourceURLs", .array(urls),
                        "rules cannot apply to both regular resources and non-resource URLs")
                }
                continue
            }
            if (rule["apiGroups"]?.arrayValue ?? []).isEmpty {
                errors.required("\(path).apiGroups", "resource rules must supply at least one api group")
            }
            if (rule["resources"]?.arrayValue ?? []).isEmpty {
                errors.required("\(path).resources", "resource rules must supply at least one resource")
            }
        }
        return errors
    }

    static func validateBinding(_ binding: JSONValue, old: JSONValue?, namespaced: Bool) -> ValidationErrors {
        var errors = ValidationErrors()
        let roleRef = binding["roleRef"] ?? [:]
        if roleRef["apiGroup"]?.stringValue != "rbac.authorization.k8s.io" {
            errors.notSupported("roleRef.apiGroup", roleRef["apiGroup"] ?? "", ["rbac.authorization.k8s.io"])
        }
        let kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
        if !kinds.contains(roleRef["kind"]?.stringValue ?? "") {
            errors.notSupported("roleRef.kind", roleRef["kind"] ?? "", kinds)
        }
        let name = roleRef["name"]?.stringValue ?? ""
        if name.isEmpty { errors.required("roleRef.name") }
        for (index, subject) in (binding["subjects"]?.arrayValue ?? []).enumerated() {
            let path = "subjects[\(index)]"
            let subjectName = subject["name"]?.stringValue ?? ""
            if subjectName.isEmpty { errors.required("\(path).name") }
            switch subject["kind"]?.stringValue ?? "" {
            case "ServiceAccount":
                if !subjectName.isEmpty {
                    errors.invalid(
                        "\(path).name", subjectName, messages: KubeNames.dns1123SubdomainProblems(subjectName))
                }
                if !(subject["apiGroup"]?.stringValue ?? "").isEmpty {
                    errors.notSupported("\(path).apiGroup", subject["apiGroup"] ?? "", [""])
                }
                if !namespaced, (subject["namespace"]?.stringValue ?? "").isEmpty {
                    errors.required("\(path).namespace")
                }
            case "User", "Group":
                if subject["apiGroup"]?.stringValue != "rbac.authorization.k8s.io" {
                    errors.notSupported("\(path).apiGroup", subject["apiGroup"] ?? "", ["rbac.authorization.k8s.io"])
                }
            case let other:
                errors.notSupported("\(path).kind", .string(other), ["ServiceAccount", "User", "Group"])
            }
        }
        if let old, !binding["roleRef"].sameAs(old["roleRef"]) {
            errors.invalid("roleRef", roleRef, "cannot change roleRef")
        }
        return errors
    }
}

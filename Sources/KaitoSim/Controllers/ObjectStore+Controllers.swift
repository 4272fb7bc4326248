import KaitoCore

extension ObjectStore {
    static let serviceAccounts = GroupResource(group: "", resource: "serviceaccounts")
    static let configMaps = GroupResource(group: "", resource: "configmaps")
    static let rootCAConfigMap = "kube-root-ca.crt"

    /// The CA certificate published as `kube-root-ca.crt` when the store was given none: a self-signed certificate
    /// made for this purpose (its key was discarded), so that stores served without TLS still publish a PEM
    /// certificate as a real cluster does.
    static let placeholderClusterCA = """
        -----BEGIN CERTIFICATE-----
        MIIBnDCCAUOgAwIBAgIUL42K0W+9KWzpsYQ/55a8jr+Ds4MwCgYIKoZIzj0EAwIw
        IzEhMB8GA1UEAwwYa2FpdG8tc2ltLXBsYWNlaG9sZGVyLWNhMCAXDTI2MTIwNzEz
        MTMxOFoYDzIxMjYxMTEzMTMxMzE4WjAjMSEwHwYDVQQDDBhrYWl0by1zaW0tcGxh
        Y2Vob2xkZXItY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASqD2VK2Ym9l2Y2
        /OF2i8tRcSyXmBH8o42kIW4Ku9lAUEsevSFvxN5XsRT9xcMJPLLR7NolF86hQsQI
        D0iPKcWIo1MwUTAdBgNVHQ4EFgQUoL2XEX/UKDQvAjqCEZbBZPfDso8wHwYDVR0j
        BBgwFoAUoL2XEX/UKDQvAjqCEZbBZPfDso8wDwYDVR0TAQH/BAUwAwEB/zAKBggq
        hkjOPQQDAgNHADBEAiB9pbux+y59bzHyfMI2dxSAq8GHOw2AqxwbVx279EFaAgIg
        d8Zt7EFP1znjoAmX4cEkhX/hR52GA7kHiAv5Pcq+gps=
        -----END CERTIFICATE-----
        """ + "\n"

    /// The controllers of kube-controller-manager that bootstrap every namespace: the ServiceAccount controller
    /// (a `default` ServiceAccount in each active namespace, without token Secrets as since v1.24) and the root-CA
    /// publisher (a `kube-root-ca.crt` ConfigMap with `ca.crt`, restored when changed or deleted).
    mutating func bootstrapNamespaces(_ actions: inout [GarbageCollectionAction]) {
        guard configuration.namespaceBootstrapControllers else { return }
        let caPEM = configuration.clusterCAPEM ?? Self.placeholderClusterCA
        for key in allKeys(of: Self.namespaces) {
            guard let namespace = stored(key), ObjectAccessor(namespace.object).deletionTimestamp == nil else {
                continue
            }
            let account = ObjectKey(resource: Self.serviceAccounts, namespace: key.name, name: "default")
            if stored(account) == nil {
                controllerCreate(
                    account,
                    object: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default"]],
                    into: &actions)
            }
            let rootCA = ObjectKey(resource: Self.configMaps, namespace: key.name, name: Self.rootCAConfigMap)
            let wanted: JSONValue = ["ca.crt": .string(caPEM)]
            if let existing = stored(rootCA) {
                if existing.object["data"] != wanted {
                    var updated = existing.object
                    updated["data"] = wanted
                    _ = try? commit(
                        rootCA, descriptor: anyDescriptor(Self.configMaps), existing: existing, updated: updated,
                        subresource: .main, attribution: .update(manager: Self.garbageCollectorManager))
                }
            } else {
                controllerCreate(
                    rootCA,
                    object: [
                        "apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": [
                            "name": .string(Self.rootCAConfigMap),
                            "annotations": ["kubernetes.io/description": .string(Self.rootCADescription)],
                        ],
                        "data": wanted,
                    ],
                    into: &actions)
            }
        }
    }

    static let rootCADescription =
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
        + "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
        + "Kubernetes clusters."

    /// Creates an object as a controller does (through the normal create path, attributed to
    /// kube-controller-manager); one that already exists or is refused is left alone.
    mutating func controllerCreate(_ key: ObjectKey, object: JSONValue, into actions: inout [GarbageCollectionAction]) {
        guard let descriptor = anyDescriptor(key.resource) else { return }
        let saved = request
        request = RequestScope(fieldValidation: .ignore)
        defer { request = saved }
        guard
            (try? create(
                descriptor.groupVersionResource, namespace: key.namespace.isEmpty ? nil : key.namespace, body: object,
                attribution: .update(manager: Self.garbageCollectorManager))) != nil
        else { return }
        actions.append(
            GarbageCollectionAction(kind: .created, resource: key.resource, namespace: key.namespace, name: key.name))
    }
}

extension ObjectStore {
    /// The objects a new API server creates for itself: the bootstrap RBAC policy, the system PriorityClasses and
    /// the `kubernetes` Service with its Endpoints in `default`.
    mutating func seedBootstrapObjects() {
        let saved = request
        request = RequestScope(fieldValidation: .ignore)
        defer { request = saved }
        let rbac = "rbac.authorization.k8s.io"
        for role in BootstrapPolicy.clusterRoles {
            _ = try? create(
                GroupVersionResource(group: rbac, version: "v1", resource: "clusterroles"), namespace: nil, body: role,
                attribution: .update(manager: "kube-apiserver"))
        }
        for binding in BootstrapPolicy.clusterRoleBindings {
            _ = try? create(
                GroupVersionResource(group: rbac, version: "v1", resource: "clusterrolebindings"), namespace: nil,
                body: binding, attribution: .update(manager: "kube-apiserver"))
        }
        for (name, value, description) in [
            (
                "system-cluster-critical", 2_000_000_000,
                "Used for system critical pods that must run in the cluster, "
                    + "but can be moved to another node if necessary."
            ),
            (
                "system-node-critical", 2_000_001_000,
                "Used for system critical pods that must not be moved from "
                    + "their current node."
            ),
        ] {
            _ = try? create(
                GroupVersionResource(group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses"),
                namespace: nil,
                body: [
                    "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
                    "value": .integer(Int64(value)), "description": .string(description),
                    "preemptionPolicy": "PreemptLowerPriority", "globalDefault": false,
                ],
                attribution: .update(manager: "kube-apiserver"))
        }
        guard stored(ObjectKey(resource: Self.namespaces, namespace: "", name: "default")) != nil else { return }
        _ = try? create(
            GroupVersionResource(group: "", version: "v1", resource: "services"), namespace: "default",
            body: [
                "apiVersion": "v1", "kind": "Service",
                "metadata": [
                    "name": "kubernetes",
                    "labels": ["component": "apiserver", "provider": "kubernetes"],
                ],
                "spec": [
                    "type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                    "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]],
                    "sessionAffinity": "None",
                ],
            ],
            attribution: .update(manager: "kube-apiserver"))
        _ = try? create(
            GroupVersionResource(group: "", version: "v1", resource: "endpoints"), namespace: "default",
            body: [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": ["name": "kubernetes", "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
                "subsets": [
                    [
                        "addresses": [["ip": "127.0.0.1"]],
                        "ports": [["name": "https", "port": 6443, "protocol": "TCP"]],
                    ]
                ],
            ],
            attribution: .update(manager: "kube-apiserver"))
    }
}

import KaitoCore

/// The RBAC objects a new API server creates (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`): the roles that
/// give discovery and health paths to everyone, self-reviews to authenticated users, everything to
/// `system:masters`, and the user-facing `admin`, `edit` and `view` roles (aggregated from their
/// `system:aggregate-to-*` parts), with their bindings.
enum BootstrapPolicy {
    private static let read = ["get", "list", "watch"]
    private static let write = ["create", "delete", "deletecollection", "patch", "update"]

    private static func rule(
        _ verbs: [String], groups: [String] = [""], resources: [String] = [], urls: [String] = []
    ) -> JSONValue {
        var rule: [String: JSONValue] = ["verbs": .array(verbs.map(JSONValue.string))]
        if !urls.isEmpty {
            rule["nonResourceURLs"] = .array(urls.map(JSONValue.string))
        } else {
            rule["apiGroups"] = .array(groups.map(JSONValue.string))
            rule["resources"] = .array(resources.map(JSONValue.string))
        }
        return .object(rule)
    }

    private static let viewRules: [JSONValue] = [
        rule(
            read,
            resources: [
                "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                "services/status",
            ]),
        rule(
            read,
            resources: [
                "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                "replicationcontrollers/status", "resourcequotas", "resourcequotas/status",
            ]),
        rule(read, resources: ["namespaces"]),
        rule(read, groups: ["discovery.k8s.io"], resources: ["endpointslices"]),
        rule(
            read, groups: ["apps"],
            resources: [
                "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                "statefulsets/scale", "statefulsets/status",
            ]),
        rule(read, groups: ["batch"], resources: ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
        rule(read, groups: ["policy"], resources: ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(read, groups: ["events.k8s.io"], resources: ["events"]),
    ]

    private static let editRules: [JSONValue] = [
        rule(["impersonate"], resources: ["serviceaccounts"]),
        rule(
            write,
            resources: [
                "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps", "endpoints",
                "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets",
                "serviceaccounts", "services", "services/proxy",
            ]),
        rule(["create"], resources: ["serviceaccounts/token"]),
        rule(["create"], resources: ["pods/eviction"]),
        rule(read, resources: ["secrets"]),
        rule(
            write, groups: ["apps"],
            resources: [
                "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                "replicasets/scale", "statefulsets", "statefulsets/scale",
            ]),
        rule(write, groups: ["batch"], resources: ["cronjobs", "jobs"]),
        rule(write, groups: ["policy"], resources: ["poddisruptionbudgets"]),
        rule(write, groups: ["discovery.k8s.io"], resources: ["endpointslices"]),
    ]

    private static let adminRules: [JSONValue] = [
        rule(["create"], groups: ["authorization.k8s.io"], resources: ["localsubjectaccessreviews"]),
        rule(read + write, groups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "roles"]),
    ]

    /// The ClusterRoles, each with its rules and, for the aggregated roles, the label selector.
    static var clusterRoles: [JSONValue] {
        let discoveryURLs = [
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
            "/version", "/version/",
        ]
        return [
            clusterRole(
                "cluster-admin",
                rules: [rule(["*"], groups: ["*"], resources: ["*"]), rule(["*"], urls: ["*"])]),
            clusterRole("system:discovery", rules: [rule(["get"], urls: discoveryURLs)]),
            clusterRole(
                "system:public-info-viewer",
                rules: [rule(["get"], urls: ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
            clusterRole(
                "system:basic-user",
                rules: [
                    rule(
                        ["create"], groups: ["authorization.k8s.io"],
                        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                    rule(["create"], groups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"]),
                ]),
            clusterRole(
                "system:monitoring",
                rules: [
                    rule(
                        ["get"],
                        urls: [
                            "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics",
                            "/metrics/slis", "/readyz", "/readyz/*",
                        ])
                ]),
            clusterRole(
                "system:auth-delegator",
                rules: [
                    rule(["create"], groups: ["authentication.k8s.io"], resources: ["tokenreviews"]),
                    rule(["create"], groups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"]),
                ]),
            clusterRole(
                "system:service-account-issuer-discovery",
                rules: [rule(["get"], urls: ["/.well-known/openid-configuration", "/openid/v1/jwks"])]),
            clusterRole("admin", aggregatedFrom: "admin"),
            clusterRole(
                "edit", aggregatedFrom: "edit", labels: ["rbac.authorization.k8s.io/aggregate-to-admin": "true"]),
            clusterRole(
                "view", aggregatedFrom: "view", labels: ["rbac.authorization.k8s.io/aggregate-to-edit": "true"]),
            clusterRole(
                "system:aggregate-to-admin", rules: adminRules,
                labels: ["rbac.authorization.k8s.io/aggregate-to-admin": "true"]),
            clusterRole(
                "system:aggregate-to-edit", rules: editRules,
                labels: ["rbac.authorization.k8s.io/aggregate-to-edit": "true"]),
            clusterRole(
                "system:aggregate-to-view", rules: viewRules,
                labels: ["rbac.authorization.k8s.io/aggregate-to-view": "true"]),
        ]
    }

    /// The ClusterRoleBindings of the bootstrap roles.
    static var clusterRoleBindings: [JSONValue] {
        [
            binding("cluster-admin", groups: ["system:masters"]),
            binding("system:discovery", groups: ["system:authenticated"]),
            binding("system:basic-user", groups: ["system:authenticated"]),
            binding("system:public-info-viewer", groups: ["system:authenticated", "system:unauthenticated"]),
            binding("system:monitoring", groups: ["system:monitoring"]),
            binding("system:service-account-issuer-discovery", groups: ["system:serviceaccounts"]),
        ]
    }

    private static let bootstrapLabels: [String: JSONValue] = ["kubernetes.io/bootstrapping": "rbac-defaults"]
    private static let autoupdate: JSONValue = ["rbac.authorization.kubernetes.io/autoupdate": "true"]

    private static func clusterRole(
        _ name: String, rules: [JSONValue] = [], aggregatedFrom: String? = nil, labels: [String: String] = [:]
    ) -> JSONValue {
        var allLabels = bootstrapLabels
        for (key, value) in labels { allLabels[key] = .string(value) }
        var role: [String: JSONValue] = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": ["name": .string(name), "labels": .object(allLabels), "annotations": autoupdate],
            "rules": .array(rules),
        ]
        if let aggregatedFrom {
            let selector: [String: JSONValue] = ["rbac.authorization.k8s.io/aggregate-to-\(aggregatedFrom)": "true"]
            role["aggregationRule"] = ["clusterRoleSelectors": [["matchLabels": .object(selector)]]]
        }
        return .object(role)
    }

    private static func binding(_ role: String, groups: [String]) -> JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": ["name": .string(role), "labels": .object(bootstrapLabels), "annotations": autoupdate],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(role)],
            "subjects": .array(
                groups.map { ["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": .string($0)] }),
        ]
    }
}

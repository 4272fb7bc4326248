import KaitoCore

extension ResourceRegistry {
    /// The resources this project uses, as a Kubernetes 1.30 API server (with the behaviour recorded from v1.36) (plus Karpenter's and Kaito's CRDs)
    /// serves them: core/v1, apps/v1, batch/v1, coordination.k8s.io/v1, apiextensions.k8s.io/v1,
    /// karpenter.sh/v1alpha5 machines, karpenter.sh/v1beta1 and v1 nodeclaims, karpenter.azure.com/v1alpha2
    /// aksnodeclasses, kaito.sh/v1alpha1 workspaces.
    ///
    /// The Karpenter and Kaito resources are custom resources without a schema until their CRD is created;
    /// creating it replaces the entry with the CRD's schema and printer columns.
    public static let builtIn = ResourceRegistry(BuiltinResources.all)
}

enum BuiltinResources {
    static let all: [ResourceDescriptor] = core + apps + others + customResources

    private static let proxyVerbs = ["create", "delete", "get", "patch", "update"]
    private static let withoutDeleteCollection = ["create", "delete", "get", "list", "patch", "update", "watch"]

    private static let core: [ResourceDescriptor] = [
        ResourceDescriptor(
            group: "", version: "v1", kind: "Namespace", plural: "namespaces", shortNames: ["ns"], namespaced: false,
            hasStatusSubresource: true, nameRule: .dns1123Label,
            selectableFields: ["status.phase": ["status", "phase"]],
            listTypes: ["status.conditions": .map(keys: ["type"])], statusOnCreate: .reset(["phase": "Active"]),
            verbs: withoutDeleteCollection,
            subresources: [SubresourceDescriptor(name: "finalize", kind: "Namespace", verbs: ["update"])]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Node", plural: "nodes", shortNames: ["no"], namespaced: false,
            hasStatusSubresource: true, selectableFields: ["spec.unschedulable": ["spec", "unschedulable"]],
            listTypes: [
                "status.conditions": .map(keys: ["type"]), "status.addresses": .map(keys: ["type"]),
                "spec.podCIDRs": .set,
            ], statusOnCreate: .keep,
            subresources: [SubresourceDescriptor(name: "proxy", kind: "NodeProxyOptions", verbs: proxyVerbs)]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"], namespaced: true,
            hasStatusSubresource: true, categories: ["all"], tracksGeneration: true,
            selectableFields: [
                "spec.nodeName": ["spec", "nodeName"], "spec.restartPolicy": ["spec", "restartPolicy"],
                "spec.schedulerName": ["spec", "schedulerName"],
                "spec.serviceAccountName": ["spec", "serviceAccountName"],
                "spec.hostNetwork": ["spec", "hostNetwork"], "status.phase": ["status", "phase"],
                "status.podIP": ["status", "podIP"], "status.nominatedNodeName": ["status", "nominatedNodeName"],
            ],
            listTypes: podSpecListTypes(prefix: "spec").merging([
                "status.conditions": .map(keys: ["type"]), "status.podIPs": .map(keys: ["ip"]),
                "status.hostIPs": .map(keys: ["ip"]),
            ]) { first, _ in first },
            statusOnCreate: .reset(["phase": "Pending"]),
            subresources: [
                SubresourceDescriptor(name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"]),
                SubresourceDescriptor(name: "binding", kind: "Binding", verbs: ["create"]),
                SubresourceDescriptor(
                    name: "ephemeralcontainers", kind: "Pod", verbs: ["get", "patch", "update"]),
                SubresourceDescriptor(
                    name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"]),
                SubresourceDescriptor(name: "exec", kind: "PodExecOptions", verbs: ["create", "get"]),
                SubresourceDescriptor(name: "log", kind: "Pod", verbs: ["get"]),
                SubresourceDescriptor(name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"]),
                SubresourceDescriptor(name: "proxy", kind: "PodProxyOptions", verbs: proxyVerbs),
                SubresourceDescriptor(name: "resize", kind: "Pod", verbs: ["get", "patch", "update"]),
            ]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Binding", plural: "bindings", namespaced: true, verbs: ["create"],
            isVirtual: true),
        ResourceDescriptor(
            group: "", version: "v1", kind: "ComponentStatus", plural: "componentstatuses", shortNames: ["cs"],
            namespaced: false, verbs: ["get", "list"], isVirtual: true),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Service", plural: "services", shortNames: ["svc"], namespaced: true,
            hasStatusSubresource: true, categories: ["all"], nameRule: .dns1035Label,
            listTypes: ["spec.ports": .map(keys: ["port"]), "status.conditions": .map(keys: ["type"])],
            subresources: [SubresourceDescriptor(name: "proxy", kind: "ServiceProxyOptions", verbs: proxyVerbs)]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints",
            listKind: "EndpointsList", shortNames: ["ep"], namespaced: true, allowsCreateOnUpdate: true),
        ResourceDescriptor(
            group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"], namespaced: true),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true,
            selectableFields: ["type": ["type"]]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"],
            namespaced: true, listTypes: ["secrets": .map(keys: ["name"])],
            subresources: [
                SubresourceDescriptor(
                    name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1",
                    verbs: ["create"])
            ]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"], namespaced: true,
            allowsCreateOnUpdate: true,
            selectableFields: [
                "involvedObject.kind": ["involvedObject", "kind"],
                "involvedObject.namespace": ["involvedObject", "namespace"],
                "involvedObject.name": ["involvedObject", "name"], "involvedObject.uid": ["involvedObject", "uid"],
                "involvedObject.apiVersion": ["involvedObject", "apiVersion"],
                "involvedObject.resourceVersion": ["involvedObject", "resourceVersion"],
                "involvedObject.fieldPath": ["involvedObject", "fieldPath"], "reason": ["reason"],
                "reportingComponent": ["reportingComponent"], "source": ["source", "component"], "type": ["type"],
            ]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "LimitRange", plural: "limitranges", shortNames: ["limits"],
            namespaced: true),
        ResourceDescriptor(
            group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims",
            shortNames: ["pvc"], namespaced: true, hasStatusSubresource: true,
            listTypes: ["status.conditions": .map(keys: ["type"])], statusOnCreate: .reset(["phase": "Pending"])),
        ResourceDescriptor(
            group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", shortNames: ["pv"],
            namespaced: false, hasStatusSubresource: true, statusOnCreate: .reset(["phase": "Pending"])),
        ResourceDescriptor(
            group: "", version: "v1", kind: "PodTemplate", plural: "podtemplates", namespaced: true,
            listTypes: podSpecListTypes(prefix: "template.spec")),
        ResourceDescriptor(
            group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers",
            shortNames: ["rc"], namespaced: true, hasStatusSubresource: true, categories: ["all"],
            tracksGeneration: true, listTypes: workloadListTypes, subresources: [.scale]),
        ResourceDescriptor(
            group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", shortNames: ["quota"],
            namespaced: true, hasStatusSubresource: true),
    ]

    private static let apps: [ResourceDescriptor] = [
        ResourceDescriptor(
            group: "apps", version: "v1", kind: "Deployment", plural: "deployments", shortNames: ["deploy"],
            namespaced: true, hasStatusSubresource: true, categories: ["all"], tracksGeneration: true,
            listTypes: workloadListTypes, subresources: [.scale]),
        ResourceDescriptor(
            group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", shortNames: ["sts"],
            namespaced: true, hasStatusSubresource: true, categories: ["all"], tracksGeneration: true,
            listTypes: workloadListTypes, subresources: [.scale]),
        ResourceDescriptor(
            group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", shortNames: ["ds"],
            namespaced: true, hasStatusSubresource: true, categories: ["all"], tracksGeneration: true,
            listTypes: workloadListTypes),
        ResourceDescriptor(
            group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", shortNames: ["rs"],
            namespaced: true, hasStatusSubresource: true, categories: ["all"], tracksGeneration: true,
            listTypes: workloadListTypes, subresources: [.scale]),
        ResourceDescriptor(
            group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions",
            namespaced: true),
    ]

    private static let others: [ResourceDescriptor] = [
        ResourceDescriptor(
            group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, hasStatusSubresource: true,
            categories: ["all"], tracksGeneration: true, defaultPropagationPolicy: .orphan,
            selectableFields: ["status.successful": ["status", "succeeded"]], listTypes: workloadListTypes),
        ResourceDescriptor(
            group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true,
            allowsCreateOnUpdate: true),
        ResourceDescriptor(
            group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"],
            namespaced: true, allowsCreateOnUpdate: true,
            selectableFields: [
                "regarding.kind": ["involvedObject", "kind"], "regarding.namespace": ["involvedObject", "namespace"],
                "regarding.name": ["involvedObject", "name"], "regarding.uid": ["involvedObject", "uid"],
                "regarding.apiVersion": ["involvedObject", "apiVersion"],
                "regarding.resourceVersion": ["involvedObject", "resourceVersion"],
                "regarding.fieldPath": ["involvedObject", "fieldPath"], "reason": ["reason"],
                "reportingController": ["reportingComponent"], "type": ["type"],
            ], storedAs: GroupResource(group: "", resource: "events")),
        ResourceDescriptor(
            group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices",
            namespaced: true),
        ResourceDescriptor(
            group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", plural: "selfsubjectreviews",
            namespaced: false, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "authentication.k8s.io", version: "v1", kind: "TokenReview", plural: "tokenreviews",
            namespaced: false, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "authorization.k8s.io", version: "v1", kind: "LocalSubjectAccessReview",
            plural: "localsubjectaccessreviews", namespaced: true, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview",
            plural: "selfsubjectaccessreviews", namespaced: false, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectRulesReview",
            plural: "selfsubjectrulesreviews", namespaced: false, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview",
            plural: "subjectaccessreviews", namespaced: false, verbs: ["create"], isVirtual: true),
        ResourceDescriptor(
            group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets",
            shortNames: ["pdb"], namespaced: true, hasStatusSubresource: true, tracksGeneration: true,
            listTypes: ["status.conditions": .map(keys: ["type"])]),
        ResourceDescriptor(
            group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses",
            shortNames: ["pc"], namespaced: false),
        ResourceDescriptor(
            group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses",
            shortNames: ["sc"], namespaced: false),
        // RBAC objects are stored, served, and authorize requests (see SimAuthorization).
        ResourceDescriptor(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles",
            namespaced: false, nameRule: .pathSegment),
        ResourceDescriptor(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding",
            plural: "clusterrolebindings", namespaced: false, nameRule: .pathSegment),
        ResourceDescriptor(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true,
            nameRule: .pathSegment),
        ResourceDescriptor(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings",
            namespaced: true, nameRule: .pathSegment),
        ResourceDescriptor(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
            plural: "customresourcedefinitions", shortNames: ["crd", "crds"], namespaced: false,
            hasStatusSubresource: true, categories: ["api-extensions"], tracksGeneration: true,
            listTypes: ["status.conditions": .map(keys: ["type"])], statusOnCreate: .keep),
    ]

    private static let customResources: [ResourceDescriptor] = [
        ResourceDescriptor(
            group: "karpenter.sh", version: "v1alpha5", kind: "Machine", plural: "machines", namespaced: false,
            hasStatusSubresource: true, categories: ["karpenter"], isCustomResource: true),
        ResourceDescriptor(
            group: "karpenter.sh", version: "v1beta1", kind: "NodeClaim", plural: "nodeclaims", namespaced: false,
            hasStatusSubresource: true, categories: ["karpenter"], isCustomResource: true),
        ResourceDescriptor(
            group: "karpenter.sh", version: "v1", kind: "NodeClaim", plural: "nodeclaims", namespaced: false,
            hasStatusSubresource: true, categories: ["karpenter"], isCustomResource: true),
        ResourceDescriptor(
            group: "karpenter.azure.com", version: "v1alpha2", kind: "AKSNodeClass", plural: "aksnodeclasses",
            namespaced: false, hasStatusSubresource: true, categories: ["karpenter"], isCustomResource: true),
        ResourceDescriptor(
            group: "kaito.sh", version: "v1alpha1", kind: "Workspace", plural: "workspaces",
            shortNames: ["wk", "wks"], namespaced: true, hasStatusSubresource: true, categories: ["workspace"],
            isCustomResource: true),
    ]

    /// Patch merge keys of a pod spec (`k8s.io/api/core/v1` `patchMergeKey` tags) below `prefix`.
    static func podSpecListTypes(prefix: String) -> [String: ListType] {
        var result: [String: ListType] = [
            "volumes": .map(keys: ["name"]), "imagePullSecrets": .map(keys: ["name"]),
            "hostAliases": .map(keys: ["ip"]), "topologySpreadConstraints": .map(keys: ["topologyKey"]),
            "resourceClaims": .map(keys: ["name"]), "schedulingGates": .map(keys: ["name"]),
        ]
        for containers in ["containers", "initContainers", "ephemeralContainers"] {
            result[containers] = .map(keys: ["name"])
            result["\(containers).ports"] = .map(keys: ["containerPort"])
            result["\(containers).env"] = .map(keys: ["name"])
            result["\(containers).volumeMounts"] = .map(keys: ["mountPath"])
            result["\(containers).volumeDevices"] = .map(keys: ["devicePath"])
        }
        return Dictionary(uniqueKeysWithValues: result.map { ("\(prefix).\($0.key)", $0.value) })
    }

    private static let workloadListTypes: [String: ListType] = podSpecListTypes(prefix: "spec.template.spec")
        .merging(["status.conditions": .map(keys: ["type"])]) { first, _ in first }
}

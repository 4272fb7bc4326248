import Foundation
import KaitoCore

/// The defaulting functions of `k8s.io/kubernetes/pkg/apis/*/v1/defaults.go` that the API server applies to every
/// decoded request body (creates and updates alike).
enum BuiltinDefaults {
    /// Applies the defaults of the kind `key` (`apps/v1/Deployment`) to `object`.
    static func apply(_ object: inout JSONValue, kind key: String) {
        switch key {
        case "v1/Pod":
            defaultPod(&object)
        case "v1/PodTemplate":
            defaultPodTemplate(&object, at: ["template"])
        case "v1/Service":
            defaultService(&object)
        case "v1/Secret":
            if (object["type"]?.stringValue ?? "").isEmpty { object.setValue("Opaque", at: ["type"]) }
        case "v1/Namespace":
            if let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty {
                object.setValue(.string(name), at: ["metadata", "labels", "kubernetes.io/metadata.name"])
            }
            if (object["status"]?["phase"]?.stringValue ?? "").isEmpty {
                object.setValue("Active", at: ["status", "phase"])
            }
        case "v1/Node":
            if object["status"]?["allocatable"] == nil, let capacity = object["status"]?["capacity"] {
                object.setValue(capacity, at: ["status", "allocatable"])
            }
        case "v1/PersistentVolumeClaim":
            defaultClaim(&object)
        case "v1/Endpoints":
            mapArray(&object, at: ["subsets"]) { subset in
                mapArray(&subset, at: ["ports"]) { port in setIfAbsent(&port, ["protocol"], "TCP") }
            }
        case "apps/v1/Deployment":
            defaultDeployment(&object)
        case "apps/v1/StatefulSet":
            defaultStatefulSet(&object)
        case "apps/v1/DaemonSet":
            defaultDaemonSet(&object)
        case "apps/v1/ReplicaSet":
            setIfAbsent(&object, ["spec", "replicas"], 1)
            defaultPodTemplate(&object, at: ["spec", "template"])
        case "batch/v1/Job":
            defaultJob(&object)
        case "batch/v1/CronJob":
            setIfEmpty(&object, ["spec", "concurrencyPolicy"], "Allow")
            setIfAbsent(&object, ["spec", "suspend"], false)
            setIfAbsent(&object, ["spec", "successfulJobsHistoryLimit"], 3)
            setIfAbsent(&object, ["spec", "failedJobsHistoryLimit"], 1)
            var jobSpec = object.value(at: ["spec", "jobTemplate", "spec"]) ?? [:]
            var labels = object.value(at: ["spec", "jobTemplate", "metadata", "labels"])?.objectValue ?? [:]
            defaultJobSpec(&jobSpec, labels: &labels)
            object.setValue(jobSpec, at: ["spec", "jobTemplate", "spec"])
        case "rbac.authorization.k8s.io/v1/RoleBinding", "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
            setIfEmpty(&object, ["roleRef", "apiGroup"], "rbac.authorization.k8s.io")
            mapArray(&object, at: ["subjects"]) { subject in
                switch subject["kind"]?.stringValue {
                case "User", "Group": setIfEmpty(&subject, ["apiGroup"], "rbac.authorization.k8s.io")
                default: break
                }
            }
        case "discovery.k8s.io/v1/EndpointSlice":
            mapArray(&object, at: ["ports"]) { port in
                setIfAbsent(&port, ["name"], "")
                setIfAbsent(&port, ["protocol"], "TCP")
            }
        default:
            break
        }
    }

    // MARK: - Helpers

    static func setIfAbsent(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        if object.value(at: path) == nil || object.value(at: path) == .null { object.setValue(value, at: path) }
    }

    static func setIfEmpty(_ object: inout JSONValue, _ path: [String], _ value: JSONValue) {
        let current = object.value(at: path)
        if current == nil || current == .null || current == "" { object.setValue(value, at: path) }
    }

    /// Applies `body` to each element of the array at `path`, if there is one.
    static func mapArray(_ object: inout JSONValue, at path: [String], _ body: (inout JSONValue) -> Void) {
        guard var items = object.value(at: path)?.arrayValue else { return }
        for index in items.indices { body(&items[index]) }
        object.setValue(.array(items), at: path)
    }

    // MARK: - Pods

    static func defaultPod(_ pod: inout JSONValue) {
        var spec = pod["spec"] ?? [:]
        defaultPodSpec(&spec)
        // Requests default to limits, for pods only (not templates).
        for list in ["containers", "initContainers"] {
            mapArray(&spec, at: [list]) { container in
                guard let limits = container["resources"]?["limits"]?.objectValue else { return }
                var requests = container["resources"]?["requests"]?.objectValue ?? [:]
                for (resource, quantity) in limits where requests[resource] == nil { requests[resource] = quantity }
                container.setValue(.object(requests), at: ["resources", "requests"])
            }
        }
        setIfAbsent(&spec, ["enableServiceLinks"], true)
        if spec["hostNetwork"] == .bool(true) {
            for list in ["containers", "initContainers"] {
                mapArray(&spec, at: [list]) { container in
                    mapArray(&container, at: ["ports"]) { port in
                        if (port["hostPort"]?.integerValue ?? 0) == 0, let containerPort = port["containerPort"] {
                            port.setValue(containerPort, at: ["hostPort"])
                        }
                    }
                }
            }
        }
        pod.setValue(spec, at: ["spec"])
    }

    static func defaultPodTemplate(_ object: inout JSONValue, at path: [String]) {
        var spec = object.value(at: path + ["spec"]) ?? [:]
        defaultPodSpec(&spec)
        object.setValue(spec, at: path + ["spec"])
    }

    static func defaultPodSpec(_ spec: inout JSONValue) {
        setIfEmpty(&spec, ["dnsPolicy"], "ClusterFirst")
        setIfEmpty(&spec, ["restartPolicy"], "Always")
        setIfAbsent(&spec, ["securityContext"], [:])
        setIfAbsent(&spec, ["terminationGracePeriodSeconds"], 30)
        setIfEmpty(&spec, ["schedulerName"], "default-scheduler")
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            mapArray(&spec, at: [list], defaultContainer)
        }
        mapArray(&spec, at: ["volumes"], defaultVolume)
    }

    static func defaultContainer(_ container: inout JSONValue) {
        if (container["imagePullPolicy"]?.stringValue ?? "").isEmpty {
            let tag = imageTag(container["image"]?.stringValue ?? "")
            container.setValue(tag == "latest" ? "Always" : "IfNotPresent", at: ["imagePullPolicy"])
        }
        setIfEmpty(&container, ["terminationMessagePath"], "/dev/termination-log")
        setIfEmpty(&container, ["terminationMessagePolicy"], "File")
        mapArray(&container, at: ["ports"]) { port in setIfEmpty(&port, ["protocol"], "TCP") }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] where container[probe]?.objectValue != nil {
            var value = container[probe] ?? [:]
            setIfAbsent(&value, ["timeoutSeconds"], 1)
            setIfAbsent(&value, ["periodSeconds"], 10)
            setIfAbsent(&value, ["successThreshold"], 1)
            setIfAbsent(&value, ["failureThreshold"], 3)
            defaultHandler(&value)
            container.setValue(value, at: [probe])
        }
        for hook in ["postStart", "preStop"] where container["lifecycle"]?[hook]?.objectValue != nil {
            var value = container["lifecycle"]?[hook] ?? [:]
            defaultHandler(&value)
            container.setValue(value, at: ["lifecycle", hook])
        }
        mapArray(&container, at: ["env"]) { variable in
            if variable["valueFrom"]?["fieldRef"]?.objectValue != nil {
                setIfEmpty(&variable, ["valueFrom", "fieldRef", "apiVersion"], "v1")
            }
        }
    }

    private static func defaultHandler(_ handler: inout JSONValue) {
        guard handler["httpGet"]?.objectValue != nil else { return }
        setIfEmpty(&handler, ["httpGet", "path"], "/")
        setIfEmpty(&handler, ["httpGet", "scheme"], "HTTP")
    }

    /// The tag `parsers.ParseImageName` finds: `latest` when the reference has neither a tag nor a digest.
    static func imageTag(_ image: String) -> String {
        var reference = image
        var hasDigest = false
        if let at = reference.firstIndex(of: "@") {
            hasDigest = true
            reference = String(reference[..<at])
        }
        let lastComponent =
            reference.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init)
            ?? reference
        if let colon = lastComponent.lastIndex(of: ":") {
            return String(lastComponent[lastComponent.index(after: colon)...])
        }
        return hasDigest ? "" : "latest"
    }

    static func defaultVolume(_ volume: inout JSONValue) {
        let sources = Set((volume.objectValue ?? [:]).keys).subtracting(["name"])
        if sources.isEmpty { volume.setValue([:], at: ["emptyDir"]) }
        for source in ["secret", "configMap", "downwardAPI", "projected"] where volume[source]?.objectValue != nil {
            setIfAbsent(&volume, [source, "defaultMode"], 420)
        }
        if volume["downwardAPI"]?.objectValue != nil {
            mapArray(&volume, at: ["downwardAPI", "items"]) { item in
                if item["fieldRef"]?.objectValue != nil { setIfEmpty(&item, ["fieldRef", "apiVersion"], "v1") }
            }
        }
        if volume["projected"]?.objectValue != nil {
            mapArray(&volume, at: ["projected", "sources"]) { projection in
                if projection["serviceAccountToken"]?.objectValue != nil {
                    setIfAbsent(&projection, ["serviceAccountToken", "expirationSeconds"], 3600)
                }
                mapArray(&projection, at: ["downwardAPI", "items"]) { item in
                    if item["fieldRef"]?.objectValue != nil { setIfEmpty(&item, ["fieldRef", "apiVersion"], "v1") }
                }
            }
        }
        if volume["hostPath"]?.objectValue != nil { setIfAbsent(&volume, ["hostPath", "type"], "") }
        if volume["ephemeral"]?["volumeClaimTemplate"]?["spec"]?.objectValue != nil {
            setIfAbsent(&volume, ["ephemeral", "volumeClaimTemplate", "spec", "volumeMode"], "Filesystem")
        }
    }

    // MARK: - Services

    static func defaultService(_ service: inout JSONValue) {
        var spec = service["spec"] ?? [:]
        setIfEmpty(&spec, ["sessionAffinity"], "None")
        if spec["sessionAffinity"] == "None" { spec.setValue(nil, at: ["sessionAffinityConfig"]) }
        if spec["sessionAffinity"] == "ClientIP",
            spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"] == nil
        {
            spec.setValue(["clientIP": ["timeoutSeconds": 10800]], at: ["sessionAffinityConfig"])
        }
        setIfEmpty(&spec, ["type"], "ClusterIP")
        mapArray(&spec, at: ["ports"]) { port in
            setIfEmpty(&port, ["protocol"], "TCP")
            let target = port["targetPort"]
            if target == nil || target == .null || target == 0 || target == "" {
                port.setValue(port["port"], at: ["targetPort"])
            }
        }
        let type = spec["type"]?.stringValue ?? ""
        if type == "NodePort" || type == "LoadBalancer" { setIfEmpty(&spec, ["externalTrafficPolicy"], "Cluster") }
        if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
            setIfAbsent(&spec, ["internalTrafficPolicy"], "Cluster")
        }
        if type == "LoadBalancer" { setIfAbsent(&spec, ["allocateLoadBalancerNodePorts"], true) }
        service.setValue(spec, at: ["spec"])
    }

    // MARK: - Claims

    static func defaultClaim(_ claim: inout JSONValue) {
        setIfAbsent(&claim, ["spec", "volumeMode"], "Filesystem")
        setIfEmpty(&claim, ["status", "phase"], "Pending")
    }

    // MARK: - Workloads

    static func defaultDeployment(_ deployment: inout JSONValue) {
        setIfAbsent(&deployment, ["spec", "replicas"], 1)
        setIfEmpty(&deployment, ["spec", "strategy", "type"], "RollingUpdate")
        if deployment.value(at: ["spec", "strategy", "type"]) == "RollingUpdate" {
            setIfAbsent(&deployment, ["spec", "strategy", "rollingUpdate"], [:])
            setIfAbsent(&deployment, ["spec", "strategy", "rollingUpdate", "maxUnavailable"], "25%")
            setIfAbsent(&deployment, ["spec", "strategy", "rollingUpdate", "maxSurge"], "25%")
        }
        setIfAbsent(&deployment, ["spec", "revisionHistoryLimit"], 10)
        setIfAbsent(&deployment, ["spec", "progressDeadlineSeconds"], 600)
        defaultPodTemplate(&deployment, at: ["spec", "template"])
    }

    static func defaultStatefulSet(_ set: inout JSONValue) {
        setIfEmpty(&set, ["spec", "podManagementPolicy"], "OrderedReady")
        if (set.value(at: ["spec", "updateStrategy", "type"])?.stringValue ?? "").isEmpty {
            set.setValue("RollingUpdate", at: ["spec", "updateStrategy", "type"])
            setIfAbsent(&set, ["spec", "updateStrategy", "rollingUpdate"], [:])
        }
        if set.value(at: ["spec", "updateStrategy", "type"]) == "RollingUpdate",
            set.value(at: ["spec", "updateStrategy", "rollingUpdate"])?.objectValue != nil
        {
            setIfAbsent(&set, ["spec", "updateStrategy", "rollingUpdate", "partition"], 0)
        }
        setIfAbsent(&set, ["spec", "persistentVolumeClaimRetentionPolicy"], [:])
        setIfEmpty(&set, ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"], "Retain")
        setIfEmpty(&set, ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], "Retain")
        setIfAbsent(&set, ["spec", "replicas"], 1)
        setIfAbsent(&set, ["spec", "revisionHistoryLimit"], 10)
        defaultPodTemplate(&set, at: ["spec", "template"])
        mapArray(&set, at: ["spec", "volumeClaimTemplates"], defaultClaim)
    }

    static func defaultDaemonSet(_ set: inout JSONValue) {
        setIfEmpty(&set, ["spec", "updateStrategy", "type"], "RollingUpdate")
        if set.value(at: ["spec", "updateStrategy", "type"]) == "RollingUpdate" {
            setIfAbsent(&set, ["spec", "updateStrategy", "rollingUpdate"], [:])
            setIfAbsent(&set, ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], 1)
            setIfAbsent(&set, ["spec", "updateStrategy", "rollingUpdate", "maxSurge"], 0)
        }
        setIfAbsent(&set, ["spec", "revisionHistoryLimit"], 10)
        defaultPodTemplate(&set, at: ["spec", "template"])
    }

    static func defaultJob(_ job: inout JSONValue) {
        var labels = job["metadata"]?["labels"]?.objectValue ?? [:]
        var spec = job["spec"] ?? [:]
        defaultJobSpec(&spec, labels: &labels)
        job.setValue(spec, at: ["spec"])
        if !labels.isEmpty { job.setValue(.object(labels), at: ["metadata", "labels"]) }
    }

    /// `SetDefaults_Job` on a job spec; `labels` (the Job's) receive the template labels when empty.
    static func defaultJobSpec(_ spec: inout JSONValue, labels: inout [String: JSONValue]) {
        if spec["completions"] == nil, spec["parallelism"] == nil {
            spec.setValue(1, at: ["completions"])
            spec.setValue(1, at: ["parallelism"])
        }
        setIfAbsent(&spec, ["parallelism"], 1)
        if spec["backoffLimit"] == nil {
            spec.setValue(spec["backoffLimitPerIndex"] != nil ? .integer(Int64(Int32.max)) : 6, at: ["backoffLimit"])
        }
        if let templateLabels = spec["template"]?["metadata"]?["labels"]?.objectValue, labels.isEmpty {
            labels = templateLabels
        }
        setIfAbsent(&spec, ["completionMode"], "NonIndexed")
        setIfAbsent(&spec, ["suspend"], false)
        setIfAbsent(&spec, ["manualSelector"], false)
        if spec["podReplacementPolicy"] == nil {
            let policy: JSONValue = spec["podFailurePolicy"] != nil ? "Failed" : "TerminatingOrFailed"
            spec.setValue(policy, at: ["podReplacementPolicy"])
        }
        mapArray(&spec, at: ["podFailurePolicy", "rules"]) { rule in
            mapArray(&rule, at: ["onPodConditions"]) { condition in setIfEmpty(&condition, ["status"], "True") }
        }
        var template = spec["template"] ?? [:]
        defaultPodTemplate(&template, at: [])
        spec.setValue(template, at: ["template"])
    }
}

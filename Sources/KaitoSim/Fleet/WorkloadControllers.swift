import Foundation
import KaitoCore

/// The Deployment, StatefulSet and Job controllers: pods from templates.
extension FleetSimulator {
    static let controllerManager = "kube-controller-manager"

    func reconcileWorkloadPods() async {
        let replicaSets = await list(FleetResources.replicaSets)
        let replicaSetsByOwner = Dictionary(grouping: replicaSets) { $0.controllerUID ?? "" }
        for deployment in await list(FleetResources.deployments) where !deployment.isDeleting {
            await reconcileReplicaSets(ofDeployment: deployment, owned: replicaSetsByOwner[deployment.uid] ?? [])
        }
        let pods = await list(FleetResources.pods).filter { !$0.isDeleting }
        let byOwner = Dictionary(grouping: pods) { $0.controllerUID ?? "" }
        for replicaSet in await list(FleetResources.replicaSets) where !replicaSet.isDeleting {
            await reconcilePods(ofReplicaSet: replicaSet, pods: byOwner[replicaSet.uid] ?? [])
        }
        for statefulSet in await list(FleetResources.statefulSets) where !statefulSet.isDeleting {
            await reconcilePods(ofStatefulSet: statefulSet, pods: byOwner[statefulSet.uid] ?? [])
        }
        for job in await list(FleetResources.jobs) where !job.isDeleting {
            await reconcilePods(ofJob: job, pods: byOwner[job.uid] ?? [])
        }
    }

    /// `spec.replicas`, 1 when absent (the API server's default).
    static func desiredReplicas(_ workload: FleetObject) -> Int {
        max(0, Int(FleetJSON.integer(workload["spec", "replicas"]) ?? 1))
    }

    // MARK: Deployments

    static let revisionAnnotation = "deployment.kubernetes.io/revision"

    /// The deployment controller: a ReplicaSet `NAME-HASH` for the current template, owned by the Deployment and
    /// scaled to its replicas; ReplicaSets of older templates scaled to 0 (at once: no surge or unavailability
    /// budget), and those beyond `revisionHistoryLimit` deleted.
    private func reconcileReplicaSets(ofDeployment deployment: FleetObject, owned: [FleetObject]) async {
        let desired = Self.desiredReplicas(deployment)
        let hash = FleetHashing.templateHash(deployment["spec", "template"])
        let name = "\(deployment.name)-\(hash)"
        let live = owned.filter { !$0.isDeleting }
        let revisions = live.compactMap {
            Int($0["metadata", "annotations", Self.revisionAnnotation]?.stringValue ?? "")
        }
        if let current = live.first(where: { $0.name == name }) {
            var scaled = current
            scaled.set(.integer(Int64(desired)), at: "spec", "replicas")
            scaled.set(
                .string(String(desired)), at: "metadata", "annotations", "deployment.kubernetes.io/desired-replicas")
            await update(
                FleetResources.replicaSets, scaled, original: current, manager: Self.controllerManager,
                describe: "scaled to \(desired)")
        } else {
            await create(
                FleetResources.replicaSets, namespace: deployment.namespace,
                object: Self.replicaSet(
                    for: deployment, name: name, hash: hash, replicas: desired,
                    revision: (revisions.max() ?? 0) + 1),
                manager: Self.controllerManager, describe: "ReplicaSet")
        }
        var old = live.filter { $0.name != name }
        for replicaSet in old where FleetJSON.integer(replicaSet["spec", "replicas"]) != 0 {
            var scaled = replicaSet
            scaled.set(.integer(0), at: "spec", "replicas")
            await update(
                FleetResources.replicaSets, scaled, original: replicaSet, manager: Self.controllerManager,
                describe: "scaled down")
        }
        let limit = Int(FleetJSON.integer(deployment["spec", "revisionHistoryLimit"]) ?? 10)
        old.sort {
            Int($0["metadata", "annotations", Self.revisionAnnotation]?.stringValue ?? "") ?? 0
                < Int($1["metadata", "annotations", Self.revisionAnnotation]?.stringValue ?? "") ?? 0
        }
        for replicaSet in old.dropLast(max(0, limit)) {
            await delete(
                FleetResources.replicaSets, replicaSet, manager: Self.controllerManager,
                why: "beyond the revision history limit")
        }
    }

    /// The ReplicaSet the deployment controller makes for a template: the template's labels and the
    /// `pod-template-hash` on it, its selector and its pods, the revision annotations, a controller reference.
    static func replicaSet(for deployment: FleetObject, name: String, hash: String, replicas: Int, revision: Int)
        -> JSONValue
    {
        var template = deployment["spec", "template"] ?? [:]
        var labels = FleetJSON.stringMap(template["metadata"]?["labels"])
        labels[FleetLabels.podTemplateHash] = hash
        template.setValue(FleetJSON.object(labels), at: ["metadata", "labels"])
        var selector = deployment["spec", "selector"] ?? [:]
        var matchLabels = FleetJSON.stringMap(selector["matchLabels"])
        matchLabels[FleetLabels.podTemplateHash] = hash
        selector.setValue(FleetJSON.object(matchLabels), at: ["matchLabels"])
        let surge = Int((Double(replicas) * 0.25).rounded(.up))
        var spec: [String: JSONValue] = [
            "replicas": .integer(Int64(replicas)), "selector": selector, "template": template,
        ]
        if let minReady = deployment["spec", "minReadySeconds"] { spec["minReadySeconds"] = minReady }
        let annotations: [String: JSONValue] = [
            revisionAnnotation: .string(String(revision)),
            "deployment.kubernetes.io/desired-replicas": .string(String(replicas)),
            "deployment.kubernetes.io/max-replicas": .string(String(replicas + surge)),
        ]
        return [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(name), "namespace": .string(deployment.namespace), "labels": FleetJSON.object(labels),
                "annotations": .object(annotations),
                "ownerReferences": [deployment.controllerReference],
            ],
            "spec": .object(spec),
        ]
    }

    // MARK: ReplicaSets

    private func reconcilePods(ofReplicaSet replicaSet: FleetObject, pods: [FleetObject]) async {
        let desired = max(0, Int(FleetJSON.integer(replicaSet["spec", "replicas"]) ?? 1))
        let surplus = max(0, pods.count - desired)
        let missing = max(0, desired - pods.count)
        guard surplus > 0 || missing > 0 else { return }
        guard isDue("pods/\(replicaSet.uid)", after: configuration.timing.podCreation) else { return }
        for pod in Self.deletionOrder(pods).prefix(surplus) {
            await delete(FleetResources.pods, pod, manager: Self.controllerManager, why: "scaled down")
        }
        for _ in 0..<missing {
            let pod = Self.pod(from: replicaSet, generateName: "\(replicaSet.name)-", labels: [:])
            await create(
                FleetResources.pods, namespace: replicaSet.namespace, object: pod, manager: Self.controllerManager,
                describe: "Pod")
        }
    }

    /// Pods in the order a ReplicaSet deletes surplus ones: unscheduled, then Pending, then not Ready, then newest.
    static func deletionOrder(_ pods: [FleetObject]) -> [FleetObject] {
        func rank(_ pod: FleetObject) -> (Int, Int, Int) {
            (
                (pod["spec", "nodeName"]?.stringValue ?? "").isEmpty ? 0 : 1,
                pod["status", "phase"]?.stringValue == "Running" ? 1 : 0,
                FleetPods.isReady(pod) ? 1 : 0
            )
        }
        return pods.sorted { lhs, rhs in
            let (left, right) = (rank(lhs), rank(rhs))
            if left != right { return left < right }
            let leftTime = lhs["metadata", "creationTimestamp"]?.stringValue ?? ""
            let rightTime = rhs["metadata", "creationTimestamp"]?.stringValue ?? ""
            return leftTime != rightTime ? leftTime > rightTime : lhs.name > rhs.name
        }
    }

    /// A pod from a workload's template: the template's labels (plus `labels`), annotations and spec, in the
    /// workload's namespace, with a controller owner reference to the workload.
    static func pod(
        from workload: FleetObject, name: String? = nil, generateName: String? = nil, labels: [String: String],
        spec extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        let template = workload["spec", "template"]
        var metadata: [String: JSONValue] = [
            "namespace": .string(workload.namespace), "ownerReferences": [workload.controllerReference],
        ]
        if let name { metadata["name"] = .string(name) }
        if let generateName { metadata["generateName"] = .string(generateName) }
        metadata["labels"] = FleetJSON.object(
            FleetJSON.stringMap(template?["metadata"]?["labels"]).merging(labels) {
                _, added in added
            })
        if let annotations = template?["metadata"]?["annotations"] { metadata["annotations"] = annotations }
        var spec = template?["spec"]?.objectValue ?? [:]
        spec.merge(extra) { _, added in added }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": .object(spec)]
    }

    // MARK: StatefulSets

    /// `NAME-HASH`, the `controller-revision-hash` of a StatefulSet's current template.
    static func revision(of statefulSet: FleetObject) -> String {
        "\(statefulSet.name)-\(FleetHashing.templateHash(statefulSet["spec", "template"]))"
    }

    /// The ordinal of a StatefulSet pod named `SET-N`.
    static func ordinal(of pod: FleetObject, in statefulSet: FleetObject) -> Int? {
        let prefix = "\(statefulSet.name)-"
        guard pod.name.hasPrefix(prefix) else { return nil }
        return Int(pod.name.dropFirst(prefix.count))
    }

    private func reconcilePods(ofStatefulSet statefulSet: FleetObject, pods: [FleetObject]) async {
        let desired = Self.desiredReplicas(statefulSet)
        let revision = Self.revision(of: statefulSet)
        var byOrdinal: [Int: FleetObject] = [:]
        var stale: [FleetObject] = []
        for pod in pods {
            if let ordinal = Self.ordinal(of: pod, in: statefulSet), ordinal < desired,
                pod.labels[FleetLabels.controllerRevisionHash] == revision, byOrdinal[ordinal] == nil
            {
                byOrdinal[ordinal] = pod
            } else {
                stale.append(pod)
            }
        }
        let parallel = statefulSet["spec", "podManagementPolicy"]?.stringValue == "Parallel"
        var toCreate: [Int] = []
        for ordinal in 0..<desired {
            if let pod = byOrdinal[ordinal] {
                if !parallel, !(FleetPods.isReady(pod) && pod["status", "phase"]?.stringValue == "Running") { break }
                continue
            }
            toCreate.append(ordinal)
            if !parallel { break }
        }
        guard !stale.isEmpty || !toCreate.isEmpty else { return }
        guard isDue("pods/\(statefulSet.uid)", after: configuration.timing.podCreation) else { return }
        for pod in stale.sorted(by: { $0.name > $1.name }) {
            await delete(
                FleetResources.pods, pod, manager: Self.controllerManager, why: "scaled down or out of date")
        }
        let serviceName = statefulSet["spec", "serviceName"]?.stringValue ?? ""
        for ordinal in toCreate {
            let name = "\(statefulSet.name)-\(ordinal)"
            var spec: [String: JSONValue] = ["hostname": .string(name)]
            if !serviceName.isEmpty { spec["subdomain"] = .string(serviceName) }
            let pod = Self.pod(
                from: statefulSet, name: name,
                labels: [
                    FleetLabels.statefulSetPodName: name, FleetLabels.controllerRevisionHash: revision,
                    FleetLabels.podIndex: String(ordinal),
                ], spec: spec)
            await create(
                FleetResources.pods, namespace: statefulSet.namespace, object: pod, manager: Self.controllerManager,
                describe: "Pod")
        }
    }

    // MARK: Jobs

    /// Whether the Job has finished (`Complete` or `Failed` True).
    static func isFinished(_ job: FleetObject) -> Bool {
        job.conditionIsTrue("Complete") || job.conditionIsTrue("Failed")
    }

    private func reconcilePods(ofJob job: FleetObject, pods: [FleetObject]) async {
        guard !Self.isFinished(job), job["spec", "suspend"] != .bool(true) else { return }
        let succeeded = pods.contains { $0["status", "phase"]?.stringValue == "Succeeded" }
        guard !succeeded, !pods.contains(where: FleetPods.isActive) else { return }
        guard isDue("pods/\(job.uid)", after: configuration.timing.podCreation) else { return }
        let pod = Self.pod(
            from: job, generateName: "\(job.name)-",
            labels: [
                FleetLabels.jobControllerUID: job.uid, FleetLabels.jobName: job.name,
                FleetLabels.legacyControllerUID: job.uid, FleetLabels.legacyJobName: job.name,
            ])
        await create(
            FleetResources.pods, namespace: job.namespace, object: pod, manager: Self.controllerManager,
            describe: "Pod")
    }
}

import Foundation
import KaitoCore

/// The Deployment, StatefulSet and Job controllers: pods from templates.
extension FleetSimulator {
    static let controllerManager = "kube-controller-manager"

    func reconcileWorkloadPods() async {
        let pods = await list(FleetResources.pods).filter { !$0.isDeleting }
        let byOwner = Dictionary(grouping: pods) { $0.controllerUID ?? "" }
        for deployment in await list(FleetResources.deployments) where !deployment.isDeleting {
            await reconcilePods(ofDeployment: deployment, pods: byOwner[deployment.uid] ?? [])
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

    private func reconcilePods(ofDeployment deployment: FleetObject, pods: [FleetObject]) async {
        let desired = Self.desiredReplicas(deployment)
        let hash = FleetHashing.templateHash(deployment["spec", "template"])
        let outdated = pods.filter { $0.labels[FleetLabels.podTemplateHash] != hash }
        let current = pods.filter { $0.labels[FleetLabels.podTemplateHash] == hash }
        let surplus = max(0, current.count - desired)
        let missing = max(0, desired - current.count)
        guard !outdated.isEmpty || surplus > 0 || missing > 0 else { return }
        guard isDue("pods/\(deployment.uid)", after: configuration.timing.podCreation) else { return }
        for pod in outdated {
            await delete(FleetResources.pods, pod, manager: Self.controllerManager, why: "its template is out of date")
        }
        for pod in Self.deletionOrder(current).prefix(surplus) {
            await delete(FleetResources.pods, pod, manager: Self.controllerManager, why: "scaled down")
        }
        for _ in 0..<missing {
            let pod = Self.pod(
                from: deployment, generateName: "\(deployment.name)-\(hash)-",
                labels: [FleetLabels.podTemplateHash: hash])
            await create(
                FleetResources.pods, namespace: deployment.namespace, object: pod, manager: Self.controllerManager,
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

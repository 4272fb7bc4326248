import Foundation
import KaitoCore

/// Workload status, as the Deployment, StatefulSet and Job controllers write it.
extension FleetSimulator {
    func updateWorkloadStatus() async {
        let pods = await list(FleetResources.pods).filter { !$0.isDeleting }
        let byOwner = Dictionary(grouping: pods) { $0.controllerUID ?? "" }
        let replicaSets = await list(FleetResources.replicaSets)
        for replicaSet in replicaSets where !replicaSet.isDeleting {
            var updated = replicaSet
            updated.set(replicaSetStatus(replicaSet, pods: byOwner[replicaSet.uid] ?? []), at: "status")
            await update(
                FleetResources.replicaSets, updated, original: replicaSet, subresource: .status,
                manager: Self.controllerManager, describe: "updated status of")
        }
        let replicaSetsByOwner = Dictionary(grouping: replicaSets) { $0.controllerUID ?? "" }
        for deployment in await list(FleetResources.deployments) where !deployment.isDeleting {
            let owned = (replicaSetsByOwner[deployment.uid] ?? []).flatMap { byOwner[$0.uid] ?? [] }
            var updated = deployment
            updated.set(deploymentStatus(deployment, pods: owned), at: "status")
            await update(
                FleetResources.deployments, updated, original: deployment, subresource: .status,
                manager: Self.controllerManager, describe: "updated status of")
        }
        for statefulSet in await list(FleetResources.statefulSets) where !statefulSet.isDeleting {
            var updated = statefulSet
            updated.set(statefulSetStatus(statefulSet, pods: byOwner[statefulSet.uid] ?? []), at: "status")
            await update(
                FleetResources.statefulSets, updated, original: statefulSet, subresource: .status,
                manager: Self.controllerManager, describe: "updated status of")
        }
        for job in await list(FleetResources.jobs) where !job.isDeleting {
            var updated = job
            updated.set(jobStatus(job, pods: byOwner[job.uid] ?? []), at: "status")
            await update(
                FleetResources.jobs, updated, original: job, subresource: .status, manager: Self.controllerManager,
                describe: "updated status of")
        }
    }

    /// `.integer(n)`, or `nil` for 0 (the `omitempty` counters of workload status).
    private static func count(_ value: Int) -> JSONValue? { value > 0 ? .integer(Int64(value)) : nil }

    // MARK: ReplicaSets

    /// The replica set controller's status: `replicas` always, the other counters when not 0.
    private func replicaSetStatus(_ replicaSet: FleetObject, pods: [FleetObject]) -> JSONValue {
        let labels = FleetJSON.stringMap(replicaSet["spec", "template", "metadata", "labels"])
        let minReady = FleetJSON.integer(replicaSet["spec", "minReadySeconds"]) ?? 0
        var status: [String: JSONValue] = ["replicas": .integer(Int64(pods.count))]
        status["fullyLabeledReplicas"] = Self.count(
            pods.filter { pod in labels.allSatisfy { pod.labels[$0.key] == $0.value } }.count)
        status["readyReplicas"] = Self.count(pods.filter(FleetPods.isReady).count)
        status["availableReplicas"] = Self.count(pods.filter { isAvailable($0, minReadySeconds: minReady) }.count)
        status["observedGeneration"] = replicaSet["metadata", "generation"]
        return .object(status)
    }

    // MARK: Deployments

    /// `MaxUnavailable` of the deployment utilities: for `RollingUpdate` (the default), `maxUnavailable` (25 % by
    /// default) of the replicas rounded down, 1 when both it and `maxSurge` (rounded up) come to 0, at most the
    /// replicas; 0 for `Recreate`.
    static func maxUnavailable(_ deployment: FleetObject, replicas: Int) -> Int {
        let strategy = deployment["spec", "strategy"]
        guard (strategy?["type"]?.stringValue ?? "RollingUpdate") == "RollingUpdate", replicas > 0 else { return 0 }
        func scaled(_ value: JSONValue?, default fallback: String, roundUp: Bool) -> Int {
            switch value ?? .string(fallback) {
            case .integer(let number): return Int(number)
            case .string(let text) where text.hasSuffix("%"):
                let percent = Double(text.dropLast()) ?? 0
                let exact = percent * Double(replicas) / 100
                return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
            case .string(let text): return Int(text) ?? 0
            default: return 0
            }
        }
        let surge = scaled(strategy?["rollingUpdate"]?["maxSurge"], default: "25%", roundUp: true)
        var unavailable = scaled(strategy?["rollingUpdate"]?["maxUnavailable"], default: "25%", roundUp: false)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        return min(unavailable, replicas)
    }

    /// Whether a pod has been Ready for `minReadySeconds`; a pod that will be soon sets the wake time.
    private func isAvailable(_ pod: FleetObject, minReadySeconds: Int64) -> Bool {
        guard FleetPods.isReady(pod) else { return false }
        guard minReadySeconds > 0 else { return true }
        let since = pod.condition("Ready")?["lastTransitionTime"]?.stringValue.flatMap(RFC3339.date(from:))
        guard let since else { return true }
        let availableAt = since.addingTimeInterval(TimeInterval(minReadySeconds))
        if pass.now >= availableAt { return true }
        wake(at: availableAt)
        return false
    }

    /// `SetDeploymentCondition`: no change for the same status and reason; otherwise the condition moves to the end
    /// with a new update time, keeping its transition time when the status is unchanged.
    private func setDeploymentCondition(
        _ conditions: inout [JSONValue], type: String, status: String, reason: String, message: String,
        forceUpdate: Bool = false
    ) {
        let existing = conditions.first { $0["type"]?.stringValue == type }
        if !forceUpdate, existing?["status"]?.stringValue == status, existing?["reason"]?.stringValue == reason {
            return
        }
        let now = JSONValue.string(pass.timestamp)
        let transition =
            existing?["status"]?.stringValue == status ? existing?["lastTransitionTime"] ?? now : now
        conditions.removeAll { $0["type"]?.stringValue == type }
        conditions.append([
            "type": .string(type), "status": .string(status), "lastUpdateTime": now, "lastTransitionTime": transition,
            "reason": .string(reason), "message": .string(message),
        ])
    }

    private func deploymentStatus(_ deployment: FleetObject, pods: [FleetObject]) -> JSONValue {
        let desired = Self.desiredReplicas(deployment)
        let hash = FleetHashing.templateHash(deployment["spec", "template"])
        let replicaSet = "\"\(deployment.name)-\(hash)\""
        let minReady = FleetJSON.integer(deployment["spec", "minReadySeconds"]) ?? 0
        let old = deployment["status"]
        let replicas = pods.count
        let updated = pods.filter { $0.labels[FleetLabels.podTemplateHash] == hash }.count
        let ready = pods.filter(FleetPods.isReady).count
        let available = pods.filter { isAvailable($0, minReadySeconds: minReady) }.count
        var conditions = old?["conditions"]?.arrayValue ?? []

        let progressing = conditions.first { $0["type"]?.stringValue == "Progressing" }
        if !(progressing?["message"]?.stringValue ?? "").contains(replicaSet) {
            setDeploymentCondition(
                &conditions, type: "Progressing", status: "True", reason: "NewReplicaSetCreated",
                message: "Created new replica set \(replicaSet)", forceUpdate: true)
        }
        if available >= desired - Self.maxUnavailable(deployment, replicas: desired) {
            setDeploymentCondition(
                &conditions, type: "Available", status: "True", reason: "MinimumReplicasAvailable",
                message: "Deployment has minimum availability.")
        } else {
            setDeploymentCondition(
                &conditions, type: "Available", status: "False", reason: "MinimumReplicasUnavailable",
                message: "Deployment does not have minimum availability.")
        }

        let current = conditions.first { $0["type"]?.stringValue == "Progressing" }
        let oldUpdated = Int(FleetJSON.integer(old?["updatedReplicas"]) ?? 0)
        let oldReplicas = Int(FleetJSON.integer(old?["replicas"]) ?? 0)
        let progressed =
            updated > oldUpdated || replicas - updated < oldReplicas - oldUpdated
            || ready > Int(FleetJSON.integer(old?["readyReplicas"]) ?? 0)
            || available > Int(FleetJSON.integer(old?["availableReplicas"]) ?? 0)
        if updated == desired, replicas == desired, available == desired {
            setDeploymentCondition(
                &conditions, type: "Progressing", status: "True", reason: "NewReplicaSetAvailable",
                message: "ReplicaSet \(replicaSet) has successfully progressed.")
        } else if progressed {
            setDeploymentCondition(
                &conditions, type: "Progressing", status: "True", reason: "ReplicaSetUpdated",
                message: "ReplicaSet \(replicaSet) is progressing.", forceUpdate: true)
        } else if let deadline = progressDeadline(deployment), let current,
            current["reason"]?.stringValue != "NewReplicaSetAvailable",
            current["reason"]?.stringValue != "ProgressDeadlineExceeded",
            let lastUpdate = current["lastUpdateTime"]?.stringValue.flatMap(RFC3339.date(from:))
        {
            let expiry = lastUpdate.addingTimeInterval(deadline)
            if pass.now > expiry {
                setDeploymentCondition(
                    &conditions, type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded",
                    message: "ReplicaSet \(replicaSet) has timed out progressing.")
            } else {
                wake(at: expiry.addingTimeInterval(1))
            }
        }

        var status: [String: JSONValue] = [
            "observedGeneration": .integer(deployment.generation), "conditions": .array(conditions),
        ]
        status["replicas"] = Self.count(replicas)
        status["updatedReplicas"] = Self.count(updated)
        status["readyReplicas"] = Self.count(ready)
        status["availableReplicas"] = Self.count(available)
        status["unavailableReplicas"] = Self.count(max(0, desired - available))
        status["collisionCount"] = old?["collisionCount"]
        return .object(status)
    }

    /// `spec.progressDeadlineSeconds` (600 by default); `nil` when it is disabled.
    private func progressDeadline(_ deployment: FleetObject) -> TimeInterval? {
        let seconds = FleetJSON.integer(deployment["spec", "progressDeadlineSeconds"]) ?? 600
        guard seconds > 0, seconds < Int64(Int32.max) else { return nil }
        return TimeInterval(seconds)
    }

    // MARK: StatefulSets

    private func statefulSetStatus(_ statefulSet: FleetObject, pods: [FleetObject]) -> JSONValue {
        let desired = Self.desiredReplicas(statefulSet)
        let updateRevision = Self.revision(of: statefulSet)
        let old = statefulSet["status"]
        let minReady = FleetJSON.integer(statefulSet["spec", "minReadySeconds"]) ?? 0
        let updated = pods.filter { $0.labels[FleetLabels.controllerRevisionHash] == updateRevision }.count
        var currentRevision = old?["currentRevision"]?.stringValue ?? updateRevision
        if updated == desired, pods.count == desired { currentRevision = updateRevision }
        let current = pods.filter { $0.labels[FleetLabels.controllerRevisionHash] == currentRevision }.count
        var status: [String: JSONValue] = [
            "observedGeneration": .integer(statefulSet.generation), "replicas": .integer(Int64(pods.count)),
            "availableReplicas": .integer(Int64(pods.filter { isAvailable($0, minReadySeconds: minReady) }.count)),
            "currentRevision": .string(currentRevision), "updateRevision": .string(updateRevision),
            "collisionCount": old?["collisionCount"] ?? 0,
        ]
        status["readyReplicas"] = Self.count(pods.filter(FleetPods.isReady).count)
        status["currentReplicas"] = Self.count(current)
        status["updatedReplicas"] = Self.count(updated)
        if let conditions = old?["conditions"] { status["conditions"] = conditions }
        return .object(status)
    }

    // MARK: Jobs

    private func jobStatus(_ job: FleetObject, pods: [FleetObject]) -> JSONValue {
        var status = job["status"]?.objectValue ?? [:]
        guard !Self.isFinished(job) else { return .object(status) }
        let now = JSONValue.string(pass.timestamp)
        let active = pods.filter { !FleetPods.isTerminal($0) }
        let succeeded = pods.filter { $0["status", "phase"]?.stringValue == "Succeeded" }.count
        let failed = pods.filter { $0["status", "phase"]?.stringValue == "Failed" }.count
        let completions = Int(FleetJSON.integer(job["spec", "completions"]) ?? 1)
        if job["spec", "suspend"] != .bool(true) { status["startTime"] = status["startTime"] ?? now }
        status["active"] = Self.count(active.count)
        status["ready"] = .integer(Int64(active.filter(FleetPods.isReady).count))
        status["succeeded"] = Self.count(succeeded)
        status["failed"] = Self.count(failed)
        status["uncountedTerminatedPods"] = [:]
        if succeeded >= max(1, completions) {
            var conditions = status["conditions"]?.arrayValue ?? []
            conditions.append([
                "type": "Complete", "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
            ])
            status["conditions"] = .array(conditions)
            status["completionTime"] = now
            status["active"] = nil
            status["ready"] = 0
        }
        return .object(status)
    }
}

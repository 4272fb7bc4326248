import Foundation
import KaitoCore

/// The scheduler, the kubelets and the pod garbage collector.
extension FleetSimulator {
    static let schedulerManager = "kube-scheduler"
    static let kubeletManager = "kubelet"

    // MARK: Pod garbage collection

    /// Deletes pods bound to Nodes that no longer exist, as the pod garbage collector does.
    func collectOrphanedPods() async {
        let nodeNames = Set(await list(FleetResources.nodes).map(\.name))
        for pod in await list(FleetResources.pods) {
            guard let nodeName = pod["spec", "nodeName"]?.stringValue, !nodeName.isEmpty,
                !nodeNames.contains(nodeName)
            else { continue }
            await delete(
                FleetResources.pods, pod, manager: Self.controllerManager, why: "its Node \(nodeName) is gone",
                gracePeriod: 0)
        }
    }

    /// The kubelet's side of a graceful pod deletion: once a pod on a Node is marked for deletion, its (simulated)
    /// containers stop and the kubelet deletes it with grace period 0.
    func finishTerminatingPods() async {
        let nodeNames = Set(await list(FleetResources.nodes).map(\.name))
        for pod in await list(FleetResources.pods) where pod.isDeleting {
            // A pod kept by finalizers stays Terminating until they are gone; deleting it again changes nothing.
            guard let nodeName = pod["spec", "nodeName"]?.stringValue, nodeNames.contains(nodeName),
                (pod["metadata", "finalizers"]?.arrayValue ?? []).isEmpty
            else { continue }
            await delete(
                FleetResources.pods, pod, manager: Self.kubeletManager, why: "its containers stopped", gracePeriod: 0)
        }
    }

    // MARK: Scheduler

    func schedulePods() async {
        var nodes: [String: SchedulingNode] = [:]
        for node in await list(FleetResources.nodes) where !node.isDeleting {
            nodes[node.name] = SchedulingNode(node)
        }
        let pods = await list(FleetResources.pods)
        for pod in pods where FleetPods.isActive(pod) {
            if let nodeName = pod["spec", "nodeName"]?.stringValue, !nodeName.isEmpty {
                nodes[nodeName]?.add(Scheduling.requests(ofPodSpec: pod["spec"]))
            }
        }
        let pending = pods.filter { pod in
            FleetPods.isActive(pod) && (pod["spec", "nodeName"]?.stringValue ?? "").isEmpty
                && ["default-scheduler", nil].contains(pod["spec", "schedulerName"]?.stringValue)
        }
        let ordered = pending.sorted { lhs, rhs in
            let leftTime = lhs["metadata", "creationTimestamp"]?.stringValue ?? ""
            let rightTime = rhs["metadata", "creationTimestamp"]?.stringValue ?? ""
            return leftTime != rightTime ? leftTime < rightTime : lhs.key < rhs.key
        }
        for pod in ordered {
            guard isDue("schedule/\(pod.uid)", after: configuration.timing.podScheduling) else { continue }
            let requests = Scheduling.requests(ofPodSpec: pod["spec"])
            var feasible: [SchedulingNode] = []
            var reasons: [[String]] = []
            for node in nodes.values.sorted(by: { $0.name < $1.name }) {
                let nodeReasons = Scheduling.reasons(podSpec: pod["spec"], requests: requests, node: node)
                if nodeReasons.isEmpty { feasible.append(node) } else { reasons.append(nodeReasons) }
            }
            let choice = feasible.min { lhs, rhs in
                lhs.podCount != rhs.podCount ? lhs.podCount < rhs.podCount : lhs.name < rhs.name
            }
            if let choice {
                if await bind(pod, to: choice.name) { nodes[choice.name]?.add(requests) }
            } else {
                await markUnschedulable(pod, message: Scheduling.failureMessage(reasonsPerNode: reasons))
            }
        }
    }

    private func bind(_ pod: FleetObject, to nodeName: String) async -> Bool {
        do {
            try await store.bindPod(namespace: pod.namespace, name: pod.name, nodeName: nodeName)
            record("\(Self.schedulerManager): bound Pod \(pod.key) to \(nodeName)")
            return true
        } catch {
            recordError("\(Self.schedulerManager): bind Pod \(pod.key) to \(nodeName)", error)
            return false
        }
    }

    private func markUnschedulable(_ pod: FleetObject, message: String) async {
        var updated = pod
        var conditions = pod["status", "conditions"]?.arrayValue ?? []
        FleetConditions.set(
            &conditions, type: "PodScheduled", status: "False",
            fields: ["reason": "Unschedulable", "message": .string(message), "lastProbeTime": .null],
            now: pass.timestamp)
        updated.set(.array(conditions), at: "status", "conditions")
        if updated["status", "phase"] == nil { updated.set("Pending", at: "status", "phase") }
        await update(
            FleetResources.pods, updated, original: pod, subresource: .status, manager: Self.schedulerManager,
            describe: "could not schedule (\(message))")
    }

    // MARK: Kubelet

    /// Starts bound Pending pods on Ready nodes: Running, an IP, every container running and ready.
    func startPods() async {
        var nodes: [String: FleetObject] = [:]
        for node in await list(FleetResources.nodes) { nodes[node.name] = node }
        let pods = await list(FleetResources.pods)
        var usedIPs = Set(pods.compactMap { $0["status", "podIP"]?.stringValue })
        for pod in pods.sorted(by: { $0.key < $1.key }) where FleetPods.isActive(pod) {
            guard let nodeName = pod["spec", "nodeName"]?.stringValue, let node = nodes[nodeName],
                node.conditionIsTrue("Ready"), (pod["status", "phase"]?.stringValue ?? "Pending") == "Pending"
            else { continue }
            guard isDue("start/\(pod.uid)", after: configuration.timing.containerStartup) else { continue }
            let ip = Self.podIP(on: node, avoiding: usedIPs)
            usedIPs.insert(ip)
            await update(
                FleetResources.pods, running(pod, node: node, ip: ip), original: pod, subresource: .status,
                manager: Self.kubeletManager, describe: "started (\(ip))")
        }
    }

    private func running(_ pod: FleetObject, node: FleetObject, ip: String) -> FleetObject {
        let now = JSONValue.string(pass.timestamp)
        var started = pod
        var conditions = pod["status", "conditions"]?.arrayValue ?? []
        for type in ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] {
            FleetConditions.set(
                &conditions, type: type, status: "True", fields: ["lastProbeTime": .null], now: pass.timestamp)
        }
        let hostIP =
            (node["status", "addresses"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "InternalIP" }?[
                "address"]?.stringValue ?? "10.224.0.1"
        var status = pod["status"]?.objectValue ?? [:]
        status["phase"] = "Running"
        status["conditions"] = .array(conditions)
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        status["podIP"] = .string(ip)
        status["podIPs"] = [["ip": .string(ip)]]
        status["startTime"] = status["startTime"] ?? now
        status["qosClass"] = .string(Self.qosClass(pod["spec"]))
        status["containerStatuses"] = .array(
            (pod["spec", "containers"]?.arrayValue ?? []).map { container in
                Self.containerStatus(
                    container, pod: pod, ready: true, state: ["running": ["startedAt": now]])
            })
        let initContainers = pod["spec", "initContainers"]?.arrayValue ?? []
        if !initContainers.isEmpty {
            status["initContainerStatuses"] = .array(
                initContainers.map { container in
                    Self.containerStatus(
                        container, pod: pod, ready: true,
                        state: [
                            "terminated": [
                                "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now,
                            ]
                        ], started: false)
                })
        }
        started.set(.object(status), at: "status")
        return started
    }

    static func containerStatus(
        _ container: JSONValue, pod: FleetObject, ready: Bool, state: JSONValue, started: Bool? = nil
    ) -> JSONValue {
        let name = container["name"]?.stringValue ?? ""
        let image = container["image"]?.stringValue ?? ""
        let digest = (0..<4).map { FleetHashing.hex("\(image)#\($0)", count: 16) }.joined()
        let containerID = (0..<4).map { FleetHashing.hex("\(pod.uid)/\(name)#\($0)", count: 16) }.joined()
        return [
            "name": .string(name), "image": .string(image), "imageID": .string("\(image)@sha256:\(digest)"),
            "containerID": .string("containerd://\(containerID)"), "ready": .bool(ready),
            "started": .bool(started ?? ready), "restartCount": 0, "state": state, "lastState": [:],
        ]
    }

    /// `BestEffort` without CPU or memory requests or limits, `Guaranteed` when every container's CPU and memory
    /// limits equal its requests, `Burstable` otherwise.
    static func qosClass(_ spec: JSONValue?) -> String {
        let containers = (spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])
        var any = false
        var guaranteed = true
        for container in containers {
            for resource in ["cpu", "memory"] {
                let limit = FleetJSON.quantity(container["resources"]?["limits"]?[resource])
                let request = FleetJSON.quantity(container["resources"]?["requests"]?[resource]) ?? limit
                if limit != nil || request != nil { any = true }
                if limit == nil || request != limit { guaranteed = false }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable"
    }

    /// The first free address in the node's pod range: `spec.podCIDR` when it is a `/24`, else `10.244.N.0/24` with
    /// N the last byte of the node's internal address. Addresses start at `.2`.
    static func podIP(on node: FleetObject, avoiding used: Set<String>) -> String {
        var prefix = "10.244.0."
        if let cidr = node["spec", "podCIDR"]?.stringValue, cidr.hasSuffix(".0/24") {
            prefix = String(cidr.dropLast("0/24".count))
        } else if let internalAddress = (node["status", "addresses"]?.arrayValue ?? []).first(where: {
            $0["type"]?.stringValue == "InternalIP"
        })?["address"]?.stringValue, let last = internalAddress.split(separator: ".").last, let number = Int(last) {
            prefix = "10.244.\(number % 256)."
        }
        let host = (2...254).first { !used.contains("\(prefix)\($0)") } ?? 254
        return "\(prefix)\(host)"
    }

    /// Lets the running, ready pod of each Job that reports it ready finish successfully.
    func completeJobPods() async {
        let jobs = await list(FleetResources.jobs).filter { job in
            !job.isDeleting && !Self.isFinished(job) && (FleetJSON.integer(job["status", "ready"]) ?? 0) > 0
        }
        guard !jobs.isEmpty else { return }
        let jobUIDs = Set(jobs.map(\.uid))
        let now = JSONValue.string(pass.timestamp)
        for pod in await list(FleetResources.pods) where FleetPods.isActive(pod) {
            guard let owner = pod.controllerUID, jobUIDs.contains(owner),
                pod["status", "phase"]?.stringValue == "Running", FleetPods.isReady(pod)
            else { continue }
            guard isDue("complete/\(pod.uid)", after: configuration.timing.jobCompletion) else { continue }
            var finished = pod
            var conditions = pod["status", "conditions"]?.arrayValue ?? []
            for type in ["Ready", "ContainersReady"] {
                FleetConditions.set(
                    &conditions, type: type, status: "False",
                    fields: ["reason": "PodCompleted", "lastProbeTime": .null],
                    now: pass.timestamp)
            }
            FleetConditions.set(
                &conditions, type: "PodReadyToStartContainers", status: "False", fields: ["lastProbeTime": .null],
                now: pass.timestamp)
            finished.set(.array(conditions), at: "status", "conditions")
            finished.set("Succeeded", at: "status", "phase")
            let statuses = (pod["spec", "containers"]?.arrayValue ?? []).map { container in
                let startedAt =
                    (pod["status", "containerStatuses"]?.arrayValue ?? []).first {
                        $0["name"] == container["name"]
                    }?["state"]?["running"]?["startedAt"] ?? now
                return Self.containerStatus(
                    container, pod: pod, ready: false,
                    state: [
                        "terminated": [
                            "exitCode": 0, "reason": "Completed", "startedAt": startedAt, "finishedAt": now,
                        ]
                    ])
            }
            finished.set(.array(statuses), at: "status", "containerStatuses")
            await update(
                FleetResources.pods, finished, original: pod, subresource: .status, manager: Self.kubeletManager,
                describe: "completed")
        }
    }
}

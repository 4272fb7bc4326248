import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Fleet: workloads, scheduling and endpoints")
struct FleetWorkloadTests {
    /// Two labelled, tainted GPU nodes (2 GPUs each) and `plain` unlabelled, untainted nodes without GPUs.
    static func gpuCluster(_ fixture: FleetFixture, plain: Int = 0) async throws {
        for index in 0..<2 {
            try await fixture.create(
                R.nodes,
                fleetNode(
                    "gpu-\(index)", gpus: 2,
                    labels: ["apps": "falcon", "node.kubernetes.io/instance-type": "Standard_NC12s_v3"],
                    taints: [fleetSKUTaint]))
        }
        for index in 0..<plain {
            try await fixture.create(R.nodes, fleetNode("cpu-\(index)"))
        }
    }

    static let gpuPodSpec = fleetPodSpec(gpus: 2, affinity: ["apps": "falcon"], tolerate: true)

    @Test("Two 2-GPU replicas with affinity and toleration land on the two GPU nodes and report ready")
    func deploymentOnGPUNodes() async throws {
        let fixture = FleetFixture()
        try await Self.gpuCluster(fixture, plain: 1)
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "falcon", replicas: 2, podSpec: Self.gpuPodSpec),
            namespace: "default")
        await fixture.settle()

        let pods = try await fixture.list(R.pods, namespace: "default")
        #expect(pods.count == 2)
        #expect(Set(pods.compactMap { $0.at("spec.nodeName")?.stringValue }) == ["gpu-0", "gpu-1"])
        let deployment = try await fixture.get(R.deployments, "default", "falcon")
        // As the deployment controller does it: a ReplicaSet NAME-HASH, owned by the Deployment, owns the pods.
        let replicaSets = try await fixture.list(R.replicaSets, namespace: "default")
        #expect(replicaSets.count == 1)
        let replicaSet = try #require(replicaSets.first)
        #expect(replicaSet.at("metadata.ownerReferences")?.arrayValue?.first?["uid"] == .string(deployment.uid))
        #expect(replicaSet.at("metadata.annotations")?["deployment.kubernetes.io/revision"] == "1")
        #expect(replicaSet.at("spec.replicas") == 2)
        #expect(replicaSet.at("status.readyReplicas") == 2)
        for pod in pods {
            let hash = try #require(fleetLabels(pod)["pod-template-hash"])
            #expect(replicaSet.name == "falcon-\(hash)")
            #expect(pod.name.hasPrefix("falcon-\(hash)-") && pod.name.count == "falcon-\(hash)-".count + 5)
            #expect(fleetLabels(pod)["app"] == "falcon")
            #expect(pod.at("metadata.ownerReferences")?.arrayValue?.first?["uid"] == .string(replicaSet.uid))
            #expect(pod.at("status.phase") == "Running")
            #expect(pod.at("status.podIP")?.stringValue?.hasPrefix("10.244.") == true)
            #expect(pod.at("status.containerStatuses")?.arrayValue?.first?["ready"] == true)
            #expect(
                fleetConditionStates(pod, ["PodScheduled", "Initialized", "ContainersReady", "Ready"])
                    == ["PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True"])
        }
        #expect(fleetInteger(deployment, "status.replicas") == 2)
        #expect(fleetInteger(deployment, "status.updatedReplicas") == 2)
        #expect(fleetInteger(deployment, "status.readyReplicas") == 2)
        #expect(fleetInteger(deployment, "status.availableReplicas") == 2)
        #expect(fleetInteger(deployment, "status.observedGeneration") == 1)
        #expect(deployment.at("status.unavailableReplicas") == nil)
        let available = try #require(fleetCondition(deployment, "Available"))
        #expect(available["status"] == "True" && available["reason"] == "MinimumReplicasAvailable")
        let progressing = try #require(fleetCondition(deployment, "Progressing"))
        #expect(progressing["status"] == "True" && progressing["reason"] == "NewReplicaSetAvailable")
        #expect(progressing["message"]?.stringValue?.hasSuffix("has successfully progressed.") == true)
    }

    @Test("Without enough GPUs one replica stays Pending with the scheduler's message")
    func insufficientGPUs() async throws {
        let fixture = FleetFixture()
        try await fixture.create(
            R.nodes, fleetNode("gpu-0", gpus: 2, labels: ["apps": "falcon"], taints: [fleetSKUTaint]))
        try await fixture.create(R.nodes, fleetNode("cpu-0"))
        try await fixture.create(R.nodes, fleetNode("cpu-1", gpus: 4))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "falcon", replicas: 2, podSpec: Self.gpuPodSpec),
            namespace: "default")
        await fixture.settle()

        let pods = try await fixture.list(R.pods, namespace: "default")
        let pending = pods.filter { $0.at("status.phase") == "Pending" }
        #expect(pods.filter { $0.at("status.phase") == "Running" }.count == 1)
        let stuck = try #require(pending.first)
        #expect(pending.count == 1)
        #expect(stuck.at("spec.nodeName") == nil)
        let scheduled = try #require(fleetCondition(stuck, "PodScheduled"))
        #expect(scheduled["status"] == "False")
        #expect(scheduled["reason"] == "Unschedulable")
        #expect(
            scheduled["message"]?.stringValue
                == "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, "
                + "2 node(s) didn't match Pod's node affinity/selector.")
        let deployment = try await fixture.get(R.deployments, "default", "falcon")
        #expect(fleetInteger(deployment, "status.readyReplicas") == 1)
        #expect(fleetInteger(deployment, "status.unavailableReplicas") == 1)
        #expect(fleetCondition(deployment, "Available")?["status"] == "False")
        #expect(fleetCondition(deployment, "Progressing")?["reason"] == "ReplicaSetUpdated")

        // A pass with nothing new to say writes nothing, even for the Pending pod.
        #expect(await fixture.fleet.reconcileOnce().actions.isEmpty)
    }

    @Test("A pod without the toleration stays Pending on tainted nodes")
    func untoleratedTaint() async throws {
        let fixture = FleetFixture()
        try await Self.gpuCluster(fixture)
        try await fixture.create(
            R.deployments,
            fleetWorkload(
                "Deployment", "plain", replicas: 1, podSpec: fleetPodSpec(gpus: 1, affinity: ["apps": "falcon"])),
            namespace: "default")
        await fixture.settle()
        let pod = try #require(try await fixture.list(R.pods, namespace: "default").first)
        #expect(pod.at("status.phase") == "Pending")
        #expect(
            fleetCondition(pod, "PodScheduled")?["message"]
                == "0/2 nodes are available: 2 node(s) had untolerated taint {sku: gpu}.")
    }

    @Test("Node affinity and nodeSelector mismatches keep pods Pending")
    func affinityMismatch() async throws {
        let fixture = FleetFixture()
        try await Self.gpuCluster(fixture)
        try await fixture.create(
            R.deployments,
            fleetWorkload(
                "Deployment", "other", replicas: 1,
                podSpec: fleetPodSpec(gpus: 1, affinity: ["apps": "phi"], tolerate: true)),
            namespace: "default")
        var selecting = fleetWorkload(
            "Deployment", "selecting", replicas: 1, podSpec: fleetPodSpec(tolerate: true))
        selecting.setValue(["disk": "ssd"], at: ["spec", "template", "spec", "nodeSelector"])
        try await fixture.create(R.deployments, selecting, namespace: "default")
        await fixture.settle()
        for pod in try await fixture.list(R.pods, namespace: "default") {
            #expect(pod.at("status.phase") == "Pending")
            #expect(
                fleetCondition(pod, "PodScheduled")?["message"]
                    == "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.")
        }
    }

    @Test("Node selector requirement operators")
    func selectorOperators() {
        let labels = ["zone": "a", "gpus": "4"]
        func term(_ op: String, _ key: String, _ values: [String]) -> JSONValue {
            [
                "affinity": [
                    "nodeAffinity": [
                        "requiredDuringSchedulingIgnoredDuringExecution": [
                            "nodeSelectorTerms": [
                                [
                                    "matchExpressions": [
                                        [
                                            "key": .string(key), "operator": .string(op),
                                            "values": .array(values.map(JSONValue.string)),
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            ]
        }
        func matches(_ spec: JSONValue) -> Bool {
            Scheduling.matchesNodeSelection(podSpec: spec, nodeName: "n", labels: labels)
        }
        #expect(matches(term("In", "zone", ["a", "b"])))
        #expect(!matches(term("In", "zone", ["b"])))
        #expect(matches(term("NotIn", "zone", ["b"])))
        #expect(matches(term("NotIn", "missing", ["b"])))
        #expect(!matches(term("NotIn", "zone", ["a"])))
        #expect(matches(term("Exists", "zone", [])))
        #expect(!matches(term("Exists", "missing", [])))
        #expect(matches(term("DoesNotExist", "missing", [])))
        #expect(!matches(term("DoesNotExist", "zone", [])))
        #expect(matches(term("Gt", "gpus", ["2"])))
        #expect(!matches(term("Lt", "gpus", ["2"])))
        let emptyTerms: JSONValue = [
            "affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": []]]]
        ]
        #expect(!matches(emptyTerms))
        #expect(matches([:]))
        #expect(Scheduling.failureMessage(reasonsPerNode: []) == "no nodes available to schedule pods")
    }

    @Test("Deployment availability uses the rolling update budget")
    func availabilityBudget() {
        func budget(_ strategy: JSONValue?, replicas: Int) -> Int {
            var deployment = FleetObject(["spec": [:]])
            deployment.set(strategy, at: "spec", "strategy")
            return FleetSimulator.maxUnavailable(deployment, replicas: replicas)
        }
        #expect(budget(nil, replicas: 4) == 1)
        #expect(budget(nil, replicas: 2) == 0)
        #expect(
            budget(["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 1]], replicas: 1) == 1)
        #expect(
            budget(["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 0]], replicas: 3) == 1)
        #expect(budget(["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "50%"]], replicas: 3) == 1)
        #expect(budget(["type": "Recreate"], replicas: 3) == 0)
        #expect(budget(nil, replicas: 0) == 0)
    }

    @Test("A node that is not Ready takes no pods")
    func notReadyNode() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("sick", ready: false))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 1, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        let pod = try #require(try await fixture.list(R.pods, namespace: "default").first)
        #expect(
            fleetCondition(pod, "PodScheduled")?["message"]
                == "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.")
    }

    @Test("StatefulSet pods are named -0, -1 and counted", arguments: ["Parallel", "OrderedReady"])
    func statefulSetPods(policy: String) async throws {
        let fixture = FleetFixture()
        try await Self.gpuCluster(fixture)
        try await fixture.create(
            R.statefulSets,
            fleetWorkload(
                "StatefulSet", "llama", replicas: 2, podSpec: Self.gpuPodSpec,
                extraSpec: ["podManagementPolicy": .string(policy), "serviceName": "llama-headless"]),
            namespace: "default")
        let report = await fixture.settle()
        if policy == "OrderedReady" {
            let creations = report.actions.filter { $0.contains("created Pod") }
            #expect(
                creations == [
                    "kube-controller-manager: created Pod default/llama-0",
                    "kube-controller-manager: created Pod default/llama-1",
                ])
        }
        let pods = try await fixture.list(R.pods, namespace: "default")
        #expect(pods.map(\.name) == ["llama-0", "llama-1"])
        for pod in pods {
            #expect(fleetLabels(pod)["statefulset.kubernetes.io/pod-name"] == .some(pod.name))
            #expect(pod.at("spec.hostname") == .string(pod.name))
            #expect(pod.at("spec.subdomain") == "llama-headless")
            #expect(pod.at("status.phase") == "Running")
        }
        let statefulSet = try await fixture.get(R.statefulSets, "default", "llama")
        #expect(fleetInteger(statefulSet, "status.replicas") == 2)
        #expect(fleetInteger(statefulSet, "status.readyReplicas") == 2)
        #expect(fleetInteger(statefulSet, "status.currentReplicas") == 2)
        #expect(fleetInteger(statefulSet, "status.observedGeneration") == 1)
        #expect(statefulSet.at("status.currentRevision") == statefulSet.at("status.updateRevision"))
    }

    @Test("Scaling down removes pods; scaling up adds them")
    func scaling() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 3, podSpec: fleetPodSpec()),
            namespace: "default")
        try await fixture.create(
            R.statefulSets, fleetWorkload("StatefulSet", "db", replicas: 2, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        #expect(try await fixture.list(R.pods, namespace: "default", labelSelector: "app=web").count == 3)

        try await fixture.modify(R.deployments, "default", "web") { $0.setValue(1, at: ["spec", "replicas"]) }
        try await fixture.modify(R.statefulSets, "default", "db") { $0.setValue(1, at: ["spec", "replicas"]) }
        await fixture.settle()
        #expect(try await fixture.list(R.pods, namespace: "default", labelSelector: "app=web").count == 1)
        #expect(
            try await fixture.list(R.pods, namespace: "default", labelSelector: "app=db").map(\.name) == ["db-0"])
        let deployment = try await fixture.get(R.deployments, "default", "web")
        #expect(fleetInteger(deployment, "status.replicas") == 1)
        #expect(fleetInteger(deployment, "status.readyReplicas") == 1)
        #expect(fleetInteger(deployment, "status.observedGeneration") == 2)
        #expect(fleetInteger(try await fixture.get(R.statefulSets, "default", "db"), "status.replicas") == 1)

        try await fixture.modify(R.deployments, "default", "web") { $0.setValue(2, at: ["spec", "replicas"]) }
        await fixture.settle()
        #expect(try await fixture.list(R.pods, namespace: "default", labelSelector: "app=web").count == 2)
    }

    @Test("A template change replaces the Deployment's pods")
    func templateChange() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 2, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        let before = Set(try await fixture.list(R.pods, namespace: "default").map(\.name))

        try await fixture.modify(R.deployments, "default", "web") {
            var containers = $0.at("spec.template.spec.containers")?.arrayValue ?? []
            containers[0].setValue("nginx:1.27", at: ["image"])
            $0.setValue(.array(containers), at: ["spec", "template", "spec", "containers"])
        }
        await fixture.settle()
        let after = try await fixture.list(R.pods, namespace: "default")
        #expect(after.count == 2)
        #expect(before.isDisjoint(with: after.map(\.name)))
        #expect(after.allSatisfy { $0.at("spec.containers")?.arrayValue?.first?["image"] == "nginx:1.27" })
        let deployment = try await fixture.get(R.deployments, "default", "web")
        #expect(fleetInteger(deployment, "status.updatedReplicas") == 2)
        #expect(fleetInteger(deployment, "status.readyReplicas") == 2)
        #expect(fleetCondition(deployment, "Progressing")?["reason"] == "NewReplicaSetAvailable")
        let hash = fleetLabels(after[0])["pod-template-hash"] ?? ""
        #expect(fleetCondition(deployment, "Progressing")?["message"]?.stringValue?.contains("web-\(hash)") == true)
    }

    @Test("A Deployment that cannot progress reports ProgressDeadlineExceeded after its deadline")
    func progressDeadline() async throws {
        let fixture = FleetFixture()
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "stuck", replicas: 1, podSpec: fleetPodSpec(gpus: 1)),
            namespace: "default")
        let report = await fixture.settle()
        #expect(report.nextWakeTime == fixture.clock.now().addingTimeInterval(601))
        fixture.clock.advance(by: 601)
        await fixture.settle()
        let progressing = try #require(
            fleetCondition(try await fixture.get(R.deployments, "default", "stuck"), "Progressing"))
        #expect(progressing["status"] == "False")
        #expect(progressing["reason"] == "ProgressDeadlineExceeded")
    }

    @Test("A Job's pod runs, the Job reports it active and ready, then complete")
    func jobCompletes() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        let watch = try await fixture.store.watch(
            R.jobs, namespace: "default", options: WatchOptions(allowBookmarks: true))
        var iterator = watch.makeAsyncIterator()
        try await fixture.create(
            R.jobs,
            [
                "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "tune"],
                "spec": [
                    "template": [
                        "metadata": ["labels": ["app": "tune"]],
                        "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]],
                    ]
                ],
            ], namespace: "default")
        await fixture.settle()

        let job = try await fixture.get(R.jobs, "default", "tune")
        #expect(fleetInteger(job, "status.succeeded") == 1)
        #expect(job.at("status.active") == nil)
        #expect(job.at("status.completionTime") != nil && job.at("status.startTime") != nil)
        #expect(fleetCondition(job, "Complete")?["status"] == "True")
        let pods = try await fixture.list(R.pods, namespace: "default")
        #expect(pods.count == 1)
        let pod = try #require(pods.first)
        #expect(pod.name.hasPrefix("tune-") && pod.name.count == "tune-".count + 5)
        #expect(fleetLabels(pod)["batch.kubernetes.io/job-name"] == "tune")
        #expect(pod.at("status.phase") == "Succeeded")
        #expect(
            pod.at("status.containerStatuses")?.arrayValue?.first?["state"]?["terminated"]?["reason"] == "Completed")

        let states = await drain(&iterator, fixture.store).map { event in
            let counts = ["active", "ready", "succeeded"].map {
                "\($0)=\(fleetInteger(event.object, "status.\($0)") ?? 0)"
            }
            return counts.joined(separator: " ")
        }
        #expect(states.contains("active=1 ready=1 succeeded=0"))
        #expect(states.last == "active=0 ready=0 succeeded=1")
        #expect(await fixture.fleet.reconcileOnce().actions.isEmpty)
    }

    @Test("Endpoints list the ready pods of a Service, with resolved ports, and follow them")
    func endpointsFollowReadyPods() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(R.services, fleetService("web", targetPort: "http"), namespace: "default")
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 2, podSpec: fleetPodSpec(port: 8080)),
            namespace: "default")
        await fixture.settle()

        let pods = try await fixture.list(R.pods, namespace: "default")
        var endpoints = try await fixture.get(R.endpoints, "default", "web")
        var subset = try #require(endpoints.at("subsets")?.arrayValue?.first)
        let addresses = subset["addresses"]?.arrayValue ?? []
        #expect(
            Set(addresses.compactMap { $0["ip"]?.stringValue })
                == Set(pods.compactMap { $0.at("status.podIP")?.stringValue }))
        #expect(addresses.allSatisfy { $0["nodeName"] == "node-0" && $0["targetRef"]?["kind"] == "Pod" })
        #expect(subset["ports"] == [["name": "http", "port": 8080, "protocol": "TCP"]])

        // A pod that stops being ready moves to notReadyAddresses.
        let first = try #require(pods.first)
        try await fixture.modify(R.pods, "default", first.name, subresource: .status) { pod in
            var conditions = pod.at("status.conditions")?.arrayValue ?? []
            for index in conditions.indices where conditions[index]["type"] == "Ready" {
                conditions[index].setValue("False", at: ["status"])
            }
            pod.setValue(.array(conditions), at: ["status", "conditions"])
        }
        await fixture.settle()
        endpoints = try await fixture.get(R.endpoints, "default", "web")
        subset = try #require(endpoints.at("subsets")?.arrayValue?.first)
        #expect(subset["addresses"]?.arrayValue?.count == 1)
        #expect(subset["notReadyAddresses"]?.arrayValue?.first?["targetRef"]?["name"] == .string(first.name))

        // Scaling to zero empties the Endpoints; deleting the Service deletes them.
        try await fixture.modify(R.deployments, "default", "web") { $0.setValue(0, at: ["spec", "replicas"]) }
        await fixture.settle()
        #expect(try await fixture.get(R.endpoints, "default", "web").at("subsets") == nil)
        _ = try await fixture.store.delete(R.services, namespace: "default", name: "web")
        await fixture.settle()
        #expect(!(await fixture.exists(R.endpoints, "default", "web")))
    }

    @Test("With publishNotReadyAddresses every pod with an address is listed as ready")
    func publishNotReady() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.services, fleetService("web", targetPort: 5000, publishNotReady: true), namespace: "default")
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 1, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        let pod = try #require(try await fixture.list(R.pods, namespace: "default").first)
        try await fixture.modify(R.pods, "default", pod.name, subresource: .status) {
            $0.setValue([], at: ["status", "conditions"])
        }
        await fixture.settle()
        let subset = try #require(
            try await fixture.get(R.endpoints, "default", "web").at("subsets")?.arrayValue?.first)
        #expect(subset["addresses"]?.arrayValue?.count == 1)
        #expect(subset["notReadyAddresses"] == nil)
        #expect(subset["ports"] == [["name": "http", "port": 5000, "protocol": "TCP"]])
    }

    @Test("Pods of a deleted node are deleted and replaced")
    func podsOfLostNode() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 1, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        let original = try #require(try await fixture.list(R.pods, namespace: "default").first)
        _ = try await fixture.store.delete(R.nodes, name: "node-0")
        await fixture.settle()
        let replacement = try #require(try await fixture.list(R.pods, namespace: "default").first)
        #expect(replacement.name != original.name)
        #expect(replacement.at("status.phase") == "Pending")
        #expect(
            fleetInteger(try await fixture.get(R.deployments, "default", "web"), "status.readyReplicas") == nil)
    }

    @Test("Deleting a Deployment lets the garbage collector remove its pods")
    func deploymentDeletion() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 2, podSpec: fleetPodSpec()),
            namespace: "default")
        await fixture.settle()
        _ = try await fixture.store.delete(R.deployments, namespace: "default", name: "web")
        await fixture.settle()
        #expect(try await fixture.list(R.pods, namespace: "default").isEmpty)
    }

    @Test("Scheduling, startup and pod creation wait for their delays")
    func workloadDelays() async throws {
        let timing = FleetTiming(podCreation: 1, podScheduling: 2, containerStartup: 3)
        let fixture = FleetFixture(configuration: FleetConfiguration(timing: timing))
        try await fixture.create(R.nodes, fleetNode("node-0"))
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "web", replicas: 1, podSpec: fleetPodSpec()),
            namespace: "default")
        var phases: [String] = []
        for _ in 0..<8 {
            await fixture.settle()
            let pod = try await fixture.list(R.pods, namespace: "default").first
            let phase = pod.map {
                "\($0.at("status.phase")?.stringValue ?? "")@\($0.at("spec.nodeName")?.stringValue ?? "-")"
            }
            phases.append(phase ?? "none")
            fixture.clock.advance(by: 1)
        }
        #expect(
            phases == [
                "none", "Pending@-", "Pending@-", "Pending@node-0", "Pending@node-0", "Pending@node-0",
                "Running@node-0", "Running@node-0",
            ])
    }
}

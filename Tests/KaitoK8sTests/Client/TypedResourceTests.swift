import Foundation
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

private func decode<T: KubernetesObjectWrapper>(_ type: T.Type, _ json: String) throws -> T {
    try T(kubernetesJSON: JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
}

@Suite("Typed resources: accessors a controller reads, lossless round trips")
struct TypedResourceTests {
    @Test("Node: readiness, GPUs from allocatable and capacity, instance type, cordon")
    func node() throws {
        let node = try decode(
            Node.self,
            #"""
            {"apiVersion": "v1", "kind": "Node",
             "metadata": {"name": "gpu-0", "labels": {"node.kubernetes.io/instance-type": "Standard_NC12s_v3"}},
             "spec": {"unschedulable": true},
             "status": {"allocatable": {"nvidia.com/gpu": "2", "cpu": "11500m", "memory": "100Gi"},
                        "capacity": {"nvidia.com/gpu": "2"},
                        "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                        "nodeInfo": {"kubeletVersion": "v1.30.0"}}}
            """#)
        #expect(node.isReady)
        #expect(node.isUnschedulable)
        #expect(node.allocatableGPUs == 2)
        #expect(node.capacityGPUs == 2)
        #expect(node.allocatable("cpu") == (try Quantity(parsing: "11.5")))
        #expect(node.instanceType == "Standard_NC12s_v3")
        #expect(Node.resourceType == .nodes)

        let plain = Node(name: "cpu-0")
        #expect(!plain.isReady)
        #expect(plain.allocatableGPUs == 0)
        #expect(plain.object.apiVersion == "v1")
        #expect(plain.object.kind == "Node")
        #expect(plain.namespace == nil)
    }

    @Test("Unknown fields survive a decode and encode")
    func roundTrip() throws {
        let json: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "generation": 3],
            "spec": ["replicas": 2, "futureField": ["nested": [1, 2.5, "x", nil]]],
            "status": ["replicas": 2, "readyReplicas": 1, "observedGeneration": 3],
            "topLevelExtra": true,
        ]
        let deployment = try Deployment(kubernetesJSON: json)
        #expect(try deployment.kubernetesJSON() == json)
        #expect(deployment.replicas == 2)
        #expect(deployment.readyReplicas == 1)
        #expect(!deployment.isRolledOut)
        var scaled = deployment
        scaled.status = ["replicas": 2, "readyReplicas": 2, "observedGeneration": 3]
        #expect(scaled.isRolledOut)
        scaled.metadata.generation = 4
        #expect(!scaled.isRolledOut)
    }

    @Test("StatefulSet defaults replicas to 1 and reads its headless Service")
    func statefulSet() throws {
        let set = try decode(
            StatefulSet.self,
            #"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "ws"}, "spec": {"serviceName": "ws-headless"}}"#
        )
        #expect(set.replicas == 1)
        #expect(set.readyReplicas == 0)
        #expect(set.serviceName == "ws-headless")
    }

    @Test("NodeClaim and Machine: Ready condition, node name, requested instance type")
    func provisioning() throws {
        let claim = try decode(
            NodeClaim.self,
            #"""
            {"apiVersion": "karpenter.sh/v1beta1", "kind": "NodeClaim", "metadata": {"name": "ws0"},
             "spec": {"requirements": [{"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["Standard_NC24ads_A100_v4"]}]},
             "status": {"nodeName": "aks-ws0", "providerID": "azure:///x", "conditions": [{"type": "Ready", "status": "True"}]}}
            """#)
        #expect(claim.isReady)
        #expect(claim.nodeName == "aks-ws0")
        #expect(claim.providerID == "azure:///x")
        #expect(claim.instanceType == "Standard_NC24ads_A100_v4")
        #expect(NodeClaim.resourceType == .nodeClaims(version: "v1beta1"))
        #expect(!NodeClaim.resourceType.isNamespaced)

        let launching = try decode(
            Machine.self,
            #"{"apiVersion": "karpenter.sh/v1alpha5", "kind": "Machine", "metadata": {"name": "m"}, "status": {"nodeName": "", "conditions": [{"type": "Ready", "status": "False"}]}}"#
        )
        #expect(!launching.isReady)
        #expect(launching.nodeName == nil)
    }

    @Test(
        "Lease: holder and MicroTime renew time; Job, Event, Pod, Service, ConfigMap, ControllerRevision, AKSNodeClass")
    func others() throws {
        let lease = try decode(
            Lease.self,
            #"{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "kaito", "namespace": "kaito"}, "spec": {"holderIdentity": "pod-a", "leaseDurationSeconds": 15, "renewTime": "2024-05-01T10:00:00.123456Z", "acquireTime": "2024-05-01T09:00:00Z"}}"#
        )
        #expect(lease.holderIdentity == "pod-a")
        #expect(lease.leaseDurationSeconds == 15)
        let renew = try #require(lease.renewTime)
        #expect(abs(renew.timeIntervalSince1970 - 1_714_557_600.123) < 0.001)
        #expect(lease.acquireTime?.timeIntervalSince1970 == 1_714_554_000)

        let job = try decode(
            Job.self,
            #"{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "tune"}, "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}"#
        )
        #expect(job.isComplete)
        #expect(!job.isFailed)
        #expect(job.succeeded == 1)
        #expect(job.active == 0)

        let event = try decode(
            Event.self,
            #"{"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "default"}, "type": "Warning", "reason": "FailedScheduling", "message": "0/3 nodes", "count": 4, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default", "apiVersion": "v1"}}"#
        )
        #expect(event.type == "Warning")
        #expect(event.reason == "FailedScheduling")
        #expect(event.count == 4)
        #expect(event.involvedObject == ObjectReference(apiVersion: "v1", kind: "Pod", namespace: "default", name: "p"))

        let pod = try decode(
            Pod.self,
            #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}"#
        )
        #expect(pod.phase == "Running")
        #expect(pod.nodeName == "n1")
        #expect(!pod.isReady)

        let service = try decode(
            Service.self,
            #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"clusterIP": "None", "selector": {"app": "x"}, "ports": [{"port": 80}, {"port": 29500}]}}"#
        )
        #expect(service.clusterIP == "None")
        #expect(service.selector == ["app": "x"])
        #expect(service.ports == [80, 29500])

        var configMap = ConfigMap(name: "c", namespace: "ns", data: ["a": "1"])
        #expect(configMap.data == ["a": "1"])
        configMap.data["b"] = "2"
        #expect(configMap.object.content["data"] == ["a": "1", "b": "2"])
        #expect(configMap.namespace == "ns")

        let revision = try decode(
            ControllerRevision.self,
            #"{"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "r"}, "revision": 3, "data": {"spec": 1}}"#
        )
        #expect(revision.revision == 3)
        #expect(revision.data == ["spec": 1])

        let nodeClass = try decode(
            AKSNodeClass.self,
            #"{"apiVersion": "karpenter.azure.com/v1alpha2", "kind": "AKSNodeClass", "metadata": {"name": "image-family-ubuntu"}, "spec": {"imageFamily": "Ubuntu2204", "osDiskSizeGB": 300}}"#
        )
        #expect(nodeClass.imageFamily == "Ubuntu2204")
        #expect(nodeClass.osDiskSizeGB == 300)
        // A cluster-scoped kind drops the namespace it is given.
        #expect(AKSNodeClass(name: "x", namespace: "ignored").namespace == nil)
    }

    @Test("Patch bodies and media types; DeleteOptions as the server reads them")
    func patchAndDeleteBodies() throws {
        #expect(Patch.merge(["a": 1]).contentType == "application/merge-patch+json")
        #expect(Patch.strategicMerge(["a": 1]).contentType == "application/strategic-merge-patch+json")
        let json = Patch.json([
            .add("/a", value: 1), .remove("/b"), .replace("/c", value: nil), .move(from: "/d", to: "/e"),
            .copy(from: "/f", to: "/g"), .test("/h", value: "x"),
        ])
        #expect(json.contentType == "application/json-patch+json")
        #expect(
            json.jsonValue == [
                ["op": "add", "path": "/a", "value": 1], ["op": "remove", "path": "/b"],
                ["op": "replace", "path": "/c", "value": nil], ["op": "move", "path": "/e", "from": "/d"],
                ["op": "copy", "path": "/g", "from": "/f"], ["op": "test", "path": "/h", "value": "x"],
            ])
        #expect(JSONPatchOperation.escapePointer("a/b~c") == "a~1b~0c")

        let options = KaitoK8s.DeleteOptions(
            propagationPolicy: .foreground, preconditionUID: "u", preconditionResourceVersion: "7",
            gracePeriodSeconds: 0, dryRun: true)
        #expect(
            options.jsonValue == [
                "apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground",
                "preconditions": ["uid": "u", "resourceVersion": "7"], "gracePeriodSeconds": 0, "dryRun": ["All"],
            ])
        #expect(KaitoK8s.DeleteOptions().jsonValue == ["apiVersion": "v1", "kind": "DeleteOptions"])
        #expect(ResourceType.deployments.supportsStrategicMerge)
        #expect(ResourceType.configMaps.supportsStrategicMerge)
        #expect(!ResourceType.workspaces.supportsStrategicMerge)
        #expect(!ResourceType.nodeClaims().supportsStrategicMerge)
    }
}

@Suite("Server-sent events parsing")
struct ServerSentEventTests {
    private func events(_ chunks: [String]) async throws -> [ServerSentEvent] {
        let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
            for chunk in chunks { continuation.yield(Array(chunk.utf8)) }
            continuation.finish()
        }
        var result: [ServerSentEvent] = []
        for try await event in ServerSentEvents(body: HTTPBody(stream)) { result.append(event) }
        return result
    }

    @Test("Events split across chunks, CRLF and CR line ends, multi-line data, comments, event and id fields")
    func parsing() async throws {
        let parsed = try await events([
            ": keep-alive\n\ndata: {\"a\"", ":1}\n\n",
            "event: update\r\nid: 7\r\ndata: line one\r\ndata:line two\r", "\n\r\n",
            "data: cr only\r\r",
            "retry: 100\nunknown\n\n",
            "data: [DONE]",
        ])
        #expect(
            parsed == [
                ServerSentEvent(data: #"{"a":1}"#),
                ServerSentEvent(event: "update", data: "line one\nline two", id: "7"),
                ServerSentEvent(data: "cr only", id: "7"),
                ServerSentEvent(data: "[DONE]", id: "7"),
            ])
    }

    @Test("An empty body has no events; a byte-order mark is skipped")
    func edges() async throws {
        #expect(try await events([]).isEmpty)
        #expect(try await events(["\u{FEFF}data: x\n\n"]) == [ServerSentEvent(data: "x")])
    }
}

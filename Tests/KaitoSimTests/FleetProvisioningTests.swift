import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Fleet: node provisioning")
struct FleetProvisioningTests {
    @Test("A Machine for Standard_NC12s_v3 becomes a Ready Node with 2 GPUs and the Machine Ready with its node name")
    func machineBecomesNode() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.machines, fleetMachine("ws0abc12345", labels: ["apps": "falcon-7b"]))
        await fixture.settle()

        let node = try await fixture.get(R.nodes, "ws0abc12345")
        let labels = fleetLabels(node)
        #expect(labels["node.kubernetes.io/instance-type"] == "Standard_NC12s_v3")
        #expect(labels["kubernetes.io/hostname"] == "ws0abc12345")
        #expect(labels["kubernetes.io/os"] == "linux")
        #expect(labels["kubernetes.io/arch"] == "amd64")
        #expect(labels["apps"] == "falcon-7b")
        #expect(labels["kaito.sh/workspace"] == "ws")
        #expect(labels["kaito.sh/machine-type"] == "gpu")
        #expect(node.at("status.capacity")?["nvidia.com/gpu"] == "2")
        #expect(node.at("status.allocatable")?["nvidia.com/gpu"] == "2")
        #expect(node.at("status.capacity")?["cpu"] == "12")
        #expect(node.at("status.capacity")?["ephemeral-storage"] == "100Gi")
        #expect(fleetCondition(node, "Ready")?["status"] == "True")
        #expect(node.at("spec.taints") == [["key": "sku", "value": "gpu", "effect": "NoSchedule"]])
        #expect(node.at("metadata.ownerReferences")?.arrayValue?.first?["kind"] == "Machine")

        let machine = try await fixture.get(R.machines, "ws0abc12345")
        #expect(machine.at("status.nodeName") == "ws0abc12345")
        #expect(machine.at("status.providerID")?.stringValue?.hasPrefix("azure:///subscriptions/") == true)
        #expect(machine.at("status.capacity")?["nvidia.com/gpu"] == "2")
        #expect(
            fleetConditionStates(machine, ["MachineLaunched", "MachineRegistered", "MachineInitialized", "Ready"])
                == ["MachineLaunched=True", "MachineRegistered=True", "MachineInitialized=True", "Ready=True"])
        #expect(machine.at("metadata.finalizers") == ["karpenter.sh/termination"])

        // Kaito's readers see what the controller waits for.
        let observedNode = ObservedNode(try KubernetesObject(json: node))
        #expect(
            observedNode.isReady && observedNode.gpuCapacity == 2 && observedNode.instanceType == "Standard_NC12s_v3")
        let observedClaim = ObservedNodeClaim(try KubernetesObject(json: machine))
        #expect(observedClaim.isReady && observedClaim.nodeName == "ws0abc12345" && observedClaim.launchFailure == nil)

        // A settled fleet has nothing more to do.
        #expect(await fixture.fleet.reconcileOnce() == FleetReport())
    }

    @Test(
        "A NodeClaim becomes a Ready Node with Launched, Registered, Initialized and Ready",
        arguments: [
            "karpenter.sh/v1beta1", "karpenter.sh/v1",
        ])
    func nodeClaimBecomesNode(apiVersion: String) async throws {
        let fixture = FleetFixture()
        let resource = apiVersion.hasSuffix("v1beta1") ? R.nodeClaimsBeta : R.nodeClaims
        try await fixture.create(resource, fleetNodeClaim("ws1def67890", apiVersion: apiVersion, labels: ["apps": "x"]))
        await fixture.settle()

        let node = try await fixture.get(R.nodes, "ws1def67890")
        let labels = fleetLabels(node)
        #expect(labels["karpenter.sh/nodepool"] == "kaito")
        #expect(labels["karpenter.azure.com/sku-name"] == "Standard_NC12s_v3")
        #expect(labels["apps"] == "x")
        #expect(labels["kaito.sh/machine-type"] == nil)
        #expect(node.at("status.capacity")?["nvidia.com/gpu"] == "2")
        #expect(fleetCondition(node, "Ready")?["status"] == "True")

        let claim = try await fixture.get(resource, "ws1def67890")
        #expect(claim.at("apiVersion")?.stringValue == apiVersion)
        #expect(claim.at("status.nodeName") == "ws1def67890")
        #expect(claim.at("status.providerID")?.stringValue?.isEmpty == false)
        #expect(claim.at("status.allocatable")?["nvidia.com/gpu"] == "2")
        #expect(
            fleetConditionStates(claim, ["Launched", "Registered", "Initialized", "Ready"])
                == ["Launched=True", "Registered=True", "Initialized=True", "Ready=True"])
        #expect(fleetCondition(claim, "Launched")?["reason"] == "Launched")
        #expect(ObservedNodeClaim(try KubernetesObject(json: claim)).isReady)
    }

    @Test(
        "An unknown SKU fails the claim with the cloud's message and makes no Node",
        arguments: [
            "machine", "nodeclaim",
        ])
    func unknownSKU(kind: String) async throws {
        let fixture = FleetFixture()
        let isMachine = kind == "machine"
        let resource = isMachine ? R.machines : R.nodeClaims
        let claim =
            isMachine
            ? fleetMachine("wsbad", instanceType: "Standard_NC999_v9")
            : fleetNodeClaim("wsbad", apiVersion: "karpenter.sh/v1", instanceType: "Standard_NC999_v9")
        try await fixture.create(resource, claim)
        await fixture.settle()

        let stored = try await fixture.get(resource, "wsbad")
        let launched = try #require(fleetCondition(stored, isMachine ? "MachineLaunched" : "Launched"))
        #expect(launched["status"] == "False")
        #expect(launched["reason"] == "LaunchFailed")
        #expect(launched["message"] == "all requested instance types were unavailable during launch")
        #expect(fleetCondition(stored, "Ready")?["status"] == "False")
        #expect(stored.at("status.nodeName") == nil)
        #expect(try await fixture.list(R.nodes).isEmpty)
        #expect(ObservedNodeClaim(try KubernetesObject(json: stored)).launchFailure == Planner.instanceTypesUnavailable)
    }

    @Test("An AWS SKU is unknown on Azure and known on AWS")
    func cloudDecidesKnownSKUs() async throws {
        let azure = FleetFixture()
        try await azure.create(R.machines, fleetMachine("wsaws", instanceType: "p4d.24xlarge"))
        await azure.settle()
        #expect(!(await azure.exists(R.nodes, "wsaws")))

        let aws = FleetFixture(configuration: FleetConfiguration(cloud: .aws))
        try await aws.create(R.machines, fleetMachine("wsaws", instanceType: "p4d.24xlarge"))
        await aws.settle()
        let node = try await aws.get(R.nodes, "wsaws")
        #expect(node.at("status.capacity")?["nvidia.com/gpu"] == "8")
        #expect(node.at("status.capacity")?["cpu"] == "96")
        #expect(node.at("spec.providerID")?.stringValue?.hasPrefix("aws:///") == true)
    }

    @Test("Deleting a claim deletes its Node, then the provisioner releases the claim")
    func deletingClaimRemovesNode() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.machines, fleetMachine("wsgone"))
        await fixture.settle()
        #expect(await fixture.exists(R.nodes, "wsgone"))

        let result = try await fixture.store.delete(R.machines, name: "wsgone")
        #expect(result.httpStatusCode == 202)  // held by karpenter.sh/termination
        #expect(await fixture.exists(R.nodes, "wsgone"))
        let report = await fixture.settle()
        #expect(report.actions.contains("karpenter: deleted Node wsgone (its Machine is being deleted)"))
        #expect(!(await fixture.exists(R.nodes, "wsgone")))
        #expect(!(await fixture.exists(R.machines, "wsgone")))
    }

    @Test("Without a provisioner finalizer the claim goes at once and its orphaned Node follows")
    func deletingClaimWithoutFinalizer() async throws {
        let fixture = FleetFixture(configuration: FleetConfiguration(claimFinalizer: nil))
        try await fixture.create(R.nodeClaims, fleetNodeClaim("wsquick", apiVersion: "karpenter.sh/v1"))
        await fixture.settle()
        #expect(try await fixture.get(R.nodeClaims, "wsquick").at("metadata.finalizers") == nil)

        #expect(try await fixture.store.delete(R.nodeClaims, name: "wsquick").httpStatusCode == 200)
        await fixture.settle()
        #expect(!(await fixture.exists(R.nodes, "wsquick")))
    }

    @Test("A launched claim whose Node is deleted is deleted too")
    func lostNodeDeletesClaim() async throws {
        let fixture = FleetFixture()
        try await fixture.create(R.machines, fleetMachine("wslost"))
        await fixture.settle()
        _ = try await fixture.store.delete(R.nodes, name: "wslost")
        await fixture.settle()
        #expect(!(await fixture.exists(R.machines, "wslost")))
    }

    @Test("Provisioning waits for its delay by the store's clock")
    func provisioningDelay() async throws {
        let fixture = FleetFixture(configuration: FleetConfiguration(timing: FleetTiming(nodeProvisioning: 30)))
        let start = fixture.clock.now()
        try await fixture.create(R.machines, fleetMachine("wsslow"))

        let first = await fixture.fleet.reconcileOnce()
        #expect(first.actions.isEmpty)
        #expect(first.nextWakeTime == start.addingTimeInterval(30))
        fixture.clock.advance(by: 29)
        #expect(await fixture.fleet.reconcileOnce().actions.isEmpty)
        #expect(!(await fixture.exists(R.nodes, "wsslow")))

        fixture.clock.advance(by: 1)
        await fixture.settle()
        #expect(await fixture.exists(R.nodes, "wsslow"))
        let machine = try await fixture.get(R.machines, "wsslow")
        #expect(fleetCondition(machine, "Ready")?["lastTransitionTime"] == .string(RFC3339.string(from: start + 30)))
    }

    @Test("Node shapes are estimated from SKU names")
    func shapes() {
        #expect(NodeShape.estimatedCPUs("Standard_NC12s_v3") == 12)
        #expect(NodeShape.estimatedCPUs("Standard_ND96asr_v4") == 96)
        #expect(NodeShape.estimatedCPUs("Standard_NC4as_T4_v3") == 4)
        #expect(NodeShape.estimatedCPUs("g5.xlarge") == 4)
        #expect(NodeShape.estimatedCPUs("g5.48xlarge") == 192)
        #expect(NodeShape.estimatedCPUs("p3.2xlarge") == 8)
        #expect(NodeShape.estimatedCPUs("unknown") == nil)
    }
}

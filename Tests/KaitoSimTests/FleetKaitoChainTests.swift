import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// Plays Kaito's controller by hand: plans with ``Planner`` from what the store holds and applies the plan.
struct KaitoChainDriver {
    let fixture: FleetFixture
    let configuration: PlannerConfiguration
    let namespace = "default"

    /// Kinds a plan created that the store does not serve (the AKSNodeClass of the NodeClaim mode).
    var skippedKinds: Set<String> = []

    /// `examples/inference/NAME.yaml`, located from this file.
    static func example(_ name: String) throws -> JSONValue {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("examples/inference/\(name).yaml"))
        return try #require(try ManifestReader.documents(from: data).first).value
    }

    /// Every object the planner may observe.
    func observedObjects() async throws -> [KubernetesObject] {
        let registry = await fixture.store.registry
        let resources: [GroupResource] = [
            R.nodes.groupResource, R.machines.groupResource, R.nodeClaims.groupResource,
            R.controllerRevisions.groupResource, R.services.groupResource,
            R.deployments.groupResource, R.statefulSets.groupResource, R.jobs.groupResource,
        ]
        var objects: [KubernetesObject] = []
        for resource in resources {
            guard let descriptor = registry.descriptors(for: resource).first else { continue }
            let items = try await fixture.store.list(descriptor.groupVersionResource).items
            objects += try items.map { try KubernetesObject(json: $0) }
        }
        return objects
    }

    /// One reconcile of workspace `name`: plan, then apply the actions and the status.
    mutating func reconcile(_ name: String) async throws -> ReconcilePlan {
        let stored = try await fixture.get(R.workspaces, namespace, name)
        let workspace = try Workspace.decode(from: stored, strict: false)
        var configuration = configuration
        configuration.now = fixture.clock.now()
        let plan = Planner.plan(
            workspace, observed: ObservedState(objects: try await observedObjects(), for: workspace),
            configuration: configuration)
        for action in plan.actions {
            try await apply(action, workspace: name)
        }
        try await fixture.modify(R.workspaces, namespace, name, subresource: .status) { object in
            object.setValue(try? KubernetesJSON.jsonValue(of: plan.status), at: ["status"])
        }
        return plan
    }

    private mutating func apply(_ action: PlanAction, workspace name: String) async throws {
        let store = fixture.store
        switch action {
        case .create(let object), .update(let object):
            guard let descriptor = await store.registry.descriptor(apiVersion: object.apiVersion, kind: object.kind)
            else {
                skippedKinds.insert(object.kind)
                return
            }
            let namespace = descriptor.namespaced ? object.metadata.namespace ?? self.namespace : nil
            if case .create = action {
                do {
                    _ = try await store.create(
                        descriptor.groupVersionResource, namespace: namespace, object: try object.jsonValue())
                } catch let error as APIError where error.reason == "AlreadyExists" {}
            } else {
                _ = try await store.update(
                    descriptor.groupVersionResource, namespace: namespace, name: object.name,
                    object: try object.jsonValue())
            }
        case .delete(let reference):
            guard
                let descriptor = await store.registry.descriptor(apiVersion: reference.apiVersion, kind: reference.kind)
            else { return }
            _ = try await store.delete(
                descriptor.groupVersionResource, namespace: descriptor.namespaced ? reference.namespace : nil,
                name: reference.name)
        case .addFinalizer(let finalizer):
            try await fixture.modify(R.workspaces, namespace, name) { object in
                let finalizers = (object.at("metadata.finalizers")?.arrayValue ?? []) + [.string(finalizer)]
                object.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            }
        case .removeFinalizer(let finalizer):
            try await fixture.modify(R.workspaces, namespace, name) { object in
                let finalizers = (object.at("metadata.finalizers")?.arrayValue ?? []).filter {
                    $0 != .string(finalizer)
                }
                object.setValue(.array(finalizers), at: ["metadata", "finalizers"])
            }
        case .setWorkspaceAnnotations(let annotations):
            try await fixture.modify(R.workspaces, namespace, name) { object in
                for (key, value) in annotations {
                    object.setValue(.string(value), at: ["metadata", "annotations", key])
                }
            }
        case .labelNode(let node, let labels):
            try await fixture.modify(R.nodes, nil, node) { object in
                for (key, value) in labels { object.setValue(.string(value), at: ["metadata", "labels", key]) }
            }
        }
    }
}

@Suite("Fleet: the Kaito chain")
struct FleetKaitoChainTests {
    @Test(
        "falcon-7b: plan, apply, run the fleet, plan again until WorkspaceSucceeded",
        arguments: [PlannerConfiguration.NodeProvisionerKind.machine, .nodeclaim])
    func falconChain(provisioner: PlannerConfiguration.NodeProvisionerKind) async throws {
        let fixture = FleetFixture()
        let configuration = PlannerConfiguration(
            provisioner: provisioner, nodeClaimAPIVersion: "karpenter.sh/v1beta1", now: fixture.clock.now())
        var driver = KaitoChainDriver(fixture: fixture, configuration: configuration)
        try await fixture.create(R.workspaces, try KaitoChainDriver.example("falcon-7b"), namespace: "default")

        var plans: [ReconcilePlan] = []
        for _ in 0..<8 {
            let plan = try await driver.reconcile("workspace-falcon-7b")
            plans.append(plan)
            if plan.status.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .true { break }
            await fixture.settle()
            fixture.clock.advance(by: 1)
        }
        let final = try #require(plans.last)
        #expect(final.status.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .true)
        #expect(final.status.conditions?[type: WorkspaceConditions.inferenceReady]?.status == .true)
        #expect(final.status.conditions?[type: WorkspaceConditions.resourceReady]?.status == .true)
        #expect(plans.count <= 4)
        #expect(driver.skippedKinds.isSubset(of: ["AKSNodeClass"]))

        // The node the provisioner made is the worker, labelled for the device plugin, and runs the model server.
        let claims = provisioner == .machine ? R.machines : R.nodeClaimsBeta
        let claim = try #require(try await fixture.list(claims).first)
        #expect(final.status.workerNodes == [claim.name])
        let node = try await fixture.get(R.nodes, claim.name)
        #expect(fleetLabels(node)["accelerator"] == "nvidia")
        #expect(fleetLabels(node)["apps"] == "falcon-7b")
        let deployment = try await fixture.get(R.deployments, "default", "workspace-falcon-7b")
        #expect(fleetInteger(deployment, "status.readyReplicas") == 1)
        let pod = try #require(try await fixture.list(R.pods, namespace: "default").first)
        #expect(pod.at("spec.nodeName") == .string(claim.name))
        #expect(pod.at("spec.containers")?.arrayValue?.first?["resources"]?["requests"]?["nvidia.com/gpu"] == "2")
        let endpoints = try await fixture.get(R.endpoints, "default", "workspace-falcon-7b")
        let addresses = endpoints.at("subsets")?.arrayValue?.first?["addresses"]?.arrayValue ?? []
        #expect(addresses.map { $0["ip"] } == [pod.at("status.podIP")])
        let ports = endpoints.at("subsets")?.arrayValue?.first?["ports"]?.arrayValue ?? []
        #expect(Set(ports.compactMap { $0["port"] }) == [5000, 29500])

        // The stored workspace carries the status the last plan wrote.
        let stored = try await fixture.get(R.workspaces, "default", "workspace-falcon-7b")
        #expect(fleetCondition(stored, "WorkspaceSucceeded")?["status"] == "True")
    }

    @Test("An unknown instance type fails the workspace through the claim's launch failure")
    func unknownInstanceType() async throws {
        let fixture = FleetFixture()
        var workspace = try KaitoChainDriver.example("falcon-7b")
        workspace.setValue("Standard_NC999_v9", at: ["resource", "instanceType"])
        try await fixture.create(R.workspaces, workspace, namespace: "default")
        var driver = KaitoChainDriver(fixture: fixture, configuration: PlannerConfiguration(now: fixture.clock.now()))
        _ = try await driver.reconcile("workspace-falcon-7b")
        await fixture.settle()
        let plan = try await driver.reconcile("workspace-falcon-7b")
        let succeeded = try #require(plan.status.conditions?[type: WorkspaceConditions.workspaceSucceeded])
        #expect(succeeded.status == .false)
        #expect(succeeded.message == Planner.instanceTypesUnavailable)
        #expect(try await fixture.list(R.nodes).isEmpty)
    }
}

@Suite("Fleet: running on watches")
struct FleetRunTests {
    @Test(
        "run() drives the fleet from watches: claims become nodes, pods become ready, endpoints follow",
        .timeLimit(.minutes(1)))
    func runOnWatches() async throws {
        let fixture = FleetFixture()
        let store = fixture.store
        let fleet = fixture.fleet
        let running = Task { await fleet.run() }
        defer { running.cancel() }

        try await fixture.create(R.machines, fleetMachine("wsrun0", labels: ["apps": "falcon"]))
        let node = try await fleetAwait(store, R.nodes, name: "wsrun0") {
            fleetCondition($0, "Ready")?["status"] == "True"
        }
        #expect(node.at("status.capacity")?["nvidia.com/gpu"] == "2")

        try await fixture.create(R.services, fleetService("falcon"), namespace: "default")
        try await fixture.create(
            R.deployments,
            fleetWorkload(
                "Deployment", "falcon", replicas: 1,
                podSpec: fleetPodSpec(gpus: 2, affinity: ["apps": "falcon"], tolerate: true)),
            namespace: "default")
        _ = try await fleetAwait(store, R.deployments, namespace: "default", name: "falcon") {
            fleetInteger($0, "status.readyReplicas") == 1
        }
        _ = try await fleetAwait(store, R.endpoints, namespace: "default", name: "falcon") {
            $0.at("subsets")?.arrayValue?.first?["addresses"]?.arrayValue?.count == 1
        }

        // The fleet re-watches after dropped watches: a second node and a second replica still happen.
        await store.dropWatches()
        try await fixture.create(R.machines, fleetMachine("wsrun1", labels: ["apps": "falcon"]))
        try await fixture.modify(R.deployments, "default", "falcon") { $0.setValue(2, at: ["spec", "replicas"]) }
        let deployment = try await fleetAwait(store, R.deployments, namespace: "default", name: "falcon") {
            fleetInteger($0, "status.readyReplicas") == 2
        }
        #expect(fleetCondition(deployment, "Progressing")?["reason"] == "NewReplicaSetAvailable")
        _ = try await fleetAwait(store, R.endpoints, namespace: "default", name: "falcon") {
            $0.at("subsets")?.arrayValue?.first?["addresses"]?.arrayValue?.count == 2
        }

        running.cancel()
        await running.value
    }

    @Test("run() wakes for delayed steps when the store's clock reaches them", .timeLimit(.minutes(1)))
    func runWithDelays() async throws {
        let fixture = FleetFixture(configuration: FleetConfiguration(timing: FleetTiming(nodeProvisioning: 30)))
        let fleet = fixture.fleet
        let running = Task { await fleet.run() }
        defer { running.cancel() }
        let watch = try await fixture.store.watch(R.nodes)
        try await fixture.create(R.machines, fleetMachine("wsdelayed"))
        // The fleet's timer sleeps on the manual clock; advancing it wakes the provisioner. The clock is advanced
        // only once a sleeper waits, so the advance cannot come before the pass that set the timer.
        while fixture.clock.sleeperCount == 0 { await Task.yield() }
        fixture.clock.advance(by: 30)
        var iterator = watch.makeAsyncIterator()
        let event = await iterator.next()
        #expect(event?.type == .added)
        #expect(event?.object.name == "wsdelayed")
        running.cancel()
        await running.value
    }
}

import Foundation
import KaitoCore
import KaitoSim
import KaitoTestSupport
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

@Suite("WorkspaceController", .timeLimit(.minutes(2)))
struct WorkspaceControllerTests {
    static let falcon = "workspace-falcon-7b"

    @Test("falcon-7b with the Machine provisioner reaches WorkspaceSucceeded=True")
    func falconSucceeds() async throws {
        try await ControllerHarness.run { harness in
            try await harness.createExample("falcon-7b")
            let workspace = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.workspaceSucceeded, .true)
            let conditions = workspace.status?.conditions ?? []
            #expect(conditions[type: WorkspaceConditions.machineReady]?.status == .true)
            #expect(conditions[type: WorkspaceConditions.resourceReady]?.status == .true)
            #expect(conditions[type: WorkspaceConditions.inferenceReady]?.status == .true)
            // Every condition carries the generation it was computed from.
            #expect(conditions.allSatisfy { $0.observedGeneration == workspace.metadata.generation })
            #expect(workspace.metadata.finalizers == [Planner.finalizer])
            #expect(workspace.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "1")

            let machines = try await harness.list(.machines)
            #expect(machines.count == 1)
            let machine = try #require(machines.first)
            #expect(machine.metadata.labels?[WorkspaceLabels.workspace] == Self.falcon)
            #expect(workspace.status?.workerNodes == [machine.name])

            // Owned objects carry the workspace's real uid.
            let deployment = try await harness.client.resource(.deployments).get(Self.falcon, namespace: "default")
            #expect(deployment.metadata.ownerReferences?.first?.uid == workspace.metadata.uid)
            #expect(deployment.metadata.ownerReferences?.first?.uid.isEmpty == false)
            let node = try await harness.client.resource(.nodes).get(machine.name)
            #expect(node.metadata.labels?["accelerator"] == "nvidia")

            // Events: the claim and the condition changes, with a warning for none of them.
            let events = await harness.events.events
            #expect(events.filter { $0.reason == "NodeClaimCreated" }.count == 1)
            // One event per change: no repeats from reconciles that ran on a stale cache.
            #expect(events.filter { $0.message.hasPrefix("WorkspaceSucceeded: ") }.count == 1)
            #expect(events.filter { $0.message.hasPrefix("MachineReady: ") }.map(\.message).count == 2)
            #expect(events.filter { $0.message.hasPrefix("ResourceReady: ") }.count == 1)
            #expect(events.allSatisfy { $0.kind == .normal })
            #expect(events.allSatisfy { $0.workspaceUID == workspace.metadata.uid })
            #expect(harness.controller.isReady)
            let outcomes = harness.observer.outcomes.withLock { $0 }
            #expect(outcomes.contains(.success))
            #expect(!outcomes.contains(.error))
            let snapshot = try #require(harness.observer.snapshots.withLock { $0.last })
            #expect(snapshot.workspaceCount == 1)
        }
    }

    @Test(
        "Node claims created = count - matching Ready nodes",
        arguments: [
            (PlannerConfiguration.NodeProvisionerKind.machine, "karpenter.sh/v1beta1"),
            (.nodeclaim, "karpenter.sh/v1beta1"), (.nodeclaim, "karpenter.sh/v1"),
        ])
    func claimsForMissingNodes(provisioner: PlannerConfiguration.NodeProvisionerKind, version: String) async throws {
        try await ControllerHarness.run(
            configure: {
                $0.provisioner = provisioner
                $0.nodeClaimAPIVersion = version
            },
            setup: { cluster, client in
                try await seedNodes(cluster.store, count: 1, labels: ["apps": "falcon-7b"])
                // A matching node of another instance type does not count.
                try await seedNodes(
                    cluster.store, count: 1, instanceType: "Standard_NC6s_v3", prefix: "other",
                    labels: ["apps": "falcon-7b"])
            }
        ) { harness in
            try await harness.createExample("falcon-7b") { $0.set(3, at: ["resource", "count"]) }
            let workspace = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.resourceReady, .true)
            let claimType: ResourceType =
                provisioner == .machine
                ? .machines : .nodeClaims(version: String(version.dropFirst("karpenter.sh/".count)))
            let claims = try await harness.list(claimType)
            #expect(claims.count == 2)
            #expect(claims.allSatisfy { $0.apiVersion == claimType.apiVersion })
            #expect(workspace.status?.workerNodes?.count == 3)
            #expect(workspace.status?.workerNodes?.contains("byo-0") == true)
            let readyType =
                provisioner == .machine ? WorkspaceConditions.machineReady : WorkspaceConditions.nodeClaimReady
            #expect(workspace.status?.conditions?[type: readyType]?.status == .true)
            if provisioner == .nodeclaim {
                let nodeClasses = try await harness.list(.aksNodeClasses)
                #expect(nodeClasses.map(\.name) == ["default"])
            }
            #expect(await harness.events.events.filter { $0.reason == "NodeClaimCreated" }.count == 2)
        }
    }

    @Test("The none provisioner with too few nodes reports how many are missing and creates nothing")
    func noneProvisioner() async throws {
        try await ControllerHarness.run(
            configure: { $0.provisioner = .none },
            setup: { cluster, _ in try await seedNodes(cluster.store, count: 1, labels: ["apps": "falcon-7b"]) }
        ) { harness in
            try await harness.createExample("falcon-7b") { $0.set(2, at: ["resource", "count"]) }
            let workspace = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.resourceReady, .false)
            let condition = try #require(workspace.status?.conditions?[type: WorkspaceConditions.resourceReady])
            #expect(condition.message.contains("found 1 of 2 ready nodes"))
            #expect(condition.message.contains("add 1 more"))
            #expect(workspace.status?.conditions?[type: WorkspaceConditions.machineReady] == nil)
            #expect(try await harness.list(.machines).isEmpty)
            #expect(try await harness.list(.nodeClaims()).isEmpty)
            let events = await harness.events.events
            #expect(events.contains { $0.kind == .warning && $0.message.hasPrefix("ResourceReady: ") })

            // Adding the missing node completes the resource phase.
            try await seedNodes(harness.cluster.store, count: 1, prefix: "late", labels: ["apps": "falcon-7b"])
            let ready = try await harness.waitForCondition(Self.falcon, WorkspaceConditions.resourceReady, .true)
            #expect(ready.status?.workerNodes == ["byo-0", "late-0"])
        }
    }

    @Test("An unknown instance type fails the workspace through the Machine's launch failure")
    func unknownInstanceType() async throws {
        try await ControllerHarness.run { harness in
            try await harness.createExample("falcon-7b") {
                $0.set("Standard_NC999_v9", at: ["resource", "instanceType"])
            }
            let workspace = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.workspaceSucceeded, .false)
            let machine = try #require(workspace.status?.conditions?[type: WorkspaceConditions.machineReady])
            #expect(machine.status == .false)
            #expect(machine.reason == WorkspaceConditions.Reason.machineFailedCreation)
            #expect(machine.message == Planner.instanceTypesUnavailable)
            #expect(workspace.status?.conditions?[type: WorkspaceConditions.resourceReady]?.status == .false)
            #expect(try await harness.list(.nodes).isEmpty)
            let events = await harness.events.events
            #expect(events.contains { $0.kind == .warning && $0.message.hasPrefix("MachineReady: Unknown -> False") })
        }
    }

    @Test("A workload no node can hold ends in InferenceReady=False once its Deployment stops progressing")
    func unschedulableWorkload() async throws {
        try await ControllerHarness.run { harness in
            // A custom template asking for more GPUs than a Standard_NC12s_v3 node has (2): its pod never schedules.
            try await harness.createExample("custom-template") {
                $0.set("Standard_NC12s_v3", at: ["resource", "instanceType"])
                $0.set(
                    [
                        [
                            "name": "server", "image": "nginx:1.27",
                            "resources": ["limits": ["nvidia.com/gpu": "8"], "requests": ["nvidia.com/gpu": "8"]],
                        ]
                    ], at: ["inference", "template", "spec", "containers"])
            }
            let name = try #require(try Examples.inference("custom-template")["metadata"]?["name"]?.stringValue)
            try await harness.waitForCondition(name, WorkspaceConditions.resourceReady, .true)
            try await eventually("the pod to be reported Unschedulable") {
                let pods = try await harness.list(.pods)
                return pods.contains { pod in
                    (pod.value(at: "status", "conditions")?.arrayValue ?? []).contains {
                        $0["type"]?.stringValue == "PodScheduled" && $0["reason"]?.stringValue == "Unschedulable"
                    }
                }
            }
            #expect(
                try await harness.workspace(name).status?.conditions?[type: WorkspaceConditions.inferenceReady]?.status
                    != .false)
            // Past the Deployment's progress deadline (600 s by default) the deployment controller gives up.
            harness.cluster.clock.advance(by: 601)
            // The workspace's own readiness timeout (10 minutes for a template) passes at the same moment, so the
            // controller may report that first; once the deployment controller has set Progressing=False on the
            // Deployment, the reconcile its status change brings names that cause instead.
            let workspace = try await eventually("InferenceReady=False naming the stalled Deployment") {
                let workspace = try await harness.workspace(name)
                let inference = workspace.status?.conditions?[type: WorkspaceConditions.inferenceReady]
                return inference?.status == .false && inference?.message.contains("is not progressing") == true
                    ? workspace : nil
            }
            let inference = try #require(workspace.status?.conditions?[type: WorkspaceConditions.inferenceReady])
            #expect(inference.reason == WorkspaceConditions.Reason.inferenceFailed)
            #expect(inference.message.contains("is not progressing"), "\(inference.message)")
            #expect(workspace.status?.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .false)
        }
    }

    @Test("Adding an adapter rolls the Deployment to a new revision")
    func adapterRollsWorkload() async throws {
        try await ControllerHarness.run { harness in
            try await harness.createExample("falcon-7b")
            try await harness.waitForCondition(Self.falcon, WorkspaceConditions.workspaceSucceeded, .true)
            let deployments = harness.client.resource(.deployments)
            let before = try await deployments.get(Self.falcon, namespace: "default")
            #expect(before.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "1")

            let adapters = try #require(try Examples.inference("falcon-7b-with-adapters")["inference"]?["adapters"])
            _ = try await harness.workspaces.patch(
                Self.falcon, namespace: "default", .merge(["inference": ["adapters": adapters]]))
            let rolled = try await eventually("the Deployment at revision 2") {
                let deployment = try await deployments.get(Self.falcon, namespace: "default")
                return deployment.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "2"
                    ? deployment : nil
            }
            #expect(rolled.value(at: "spec", "template") != before.value(at: "spec", "template"))
            let workspace = try await eventually("the workspace at revision 2, serving") {
                let workspace = try await harness.workspace(Self.falcon)
                return workspace.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "2"
                    && workspace.status?.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .true
                    ? workspace : nil
            }
            #expect(workspace.status?.workerNodes?.count == 1)
            let revisions = try await harness.list(.controllerRevisions)
            #expect(revisions.count == 2)
            // Still one node: the roll reuses it.
            #expect(try await harness.list(.machines).count == 1)
        }
    }

    @Test("Deleting the workspace deletes its node claims; garbage collection removes the rest")
    func deletion() async throws {
        try await ControllerHarness.run { harness in
            try await harness.createExample("falcon-7b")
            try await harness.waitForCondition(Self.falcon, WorkspaceConditions.workspaceSucceeded, .true)
            #expect(try await harness.list(.machines).count == 1)

            try await harness.workspaces.delete(Self.falcon, namespace: "default")
            try await eventually("the workspace to go") {
                try await harness.workspaces.exists(Self.falcon, namespace: "default") ? nil : true
            }
            try await eventually("machines, nodes and owned objects to go") {
                let machines = try await harness.list(.machines)
                let nodes = try await harness.list(.nodes)
                let deployments = try await harness.list(.deployments)
                let revisions = try await harness.list(.controllerRevisions)
                let services = try await harness.client.resource(.services).list(namespace: "default").items
                    .filter { $0.name.hasPrefix(Self.falcon) }
                return machines.isEmpty && nodes.isEmpty && deployments.isEmpty && revisions.isEmpty
                    && services.isEmpty ? true : nil
            }
            let events = await harness.events.events
            #expect(events.filter { $0.reason == "NodeClaimDeleted" }.count == 1)
        }
    }

    @Test("A foreign object in the way fails the workspace with a warning; it is retried with backoff until it goes")
    func foreignObjectRetried() async throws {
        try await ControllerHarness.run { harness in
            let services = harness.client.resource(.services)
            let foreign = KubernetesObject(
                apiVersion: "v1", kind: "Service",
                metadata: ObjectMeta(name: Self.falcon, namespace: "default", labels: ["app": "someone-else"]),
                content: ["spec": ["ports": [["port": 80]]]])
            _ = try await services.create(foreign)
            try await harness.createExample("falcon-7b")
            let failed = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.workspaceSucceeded, .false)
            let condition = try #require(failed.status?.conditions?[type: WorkspaceConditions.workspaceSucceeded])
            #expect(condition.reason == WorkspaceConditions.Reason.workspaceFailed)
            #expect(condition.message.contains("Service default/\(Self.falcon) already exists"))
            let failure = try await eventually("a Warning event") {
                await harness.events.events.first { $0.message.hasPrefix("WorkspaceSucceeded: - -> False") }
            }
            #expect(failure.kind == .warning)
            #expect(harness.observer.outcomes.withLock { $0.contains(.error) })
            // Retries do not repeat the event.
            let warnings = await harness.events.events.filter { $0.message.hasPrefix("WorkspaceSucceeded: ") }
            #expect(warnings.count == 1)

            try await services.delete(Self.falcon, namespace: "default")
            let workspace = try await harness.waitForCondition(
                Self.falcon, WorkspaceConditions.workspaceSucceeded, .true)
            let service = try await services.get(Self.falcon, namespace: "default")
            #expect(service.metadata.ownerReferences?.first?.uid == workspace.metadata.uid)
        }
    }

    @Test("A restarted controller finds the node claims it created instead of creating more")
    func restartAdoptsClaims() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let clock = cluster.clock
            let configuration = WorkspaceControllerConfiguration(resyncPeriod: nil, clock: { clock.now() })
            var json = try Examples.inference("falcon-7b")
            json.set(2, at: ["resource", "count"])
            _ = try await client.resource(.workspaces).create(try KubernetesObject(json: json), namespace: "default")
            // No fleet: the Machines stay pending.
            for _ in 0..<2 {
                let observer = RecordingObserver()
                let controller = WorkspaceController(
                    client: client, configuration: configuration, observer: observer,
                    logger: TestLogging.logger("kaito.workspace-controller"))
                let running = Task { try await controller.run() }
                try await eventually("a reconcile that leaves two Machines pending") {
                    let machines = try await client.resource(.machines).list().items
                    let workspace = try await client.resource(Workspace.self).get(Self.falcon, namespace: "default")
                    let pending = workspace.status?.conditions?[type: WorkspaceConditions.machineReady]?.status
                    return observer.outcomes.withLock { $0.contains(.requeue) } && machines.count == 2
                        && pending == .unknown ? true : nil
                }
                running.cancel()
                try await running.value
            }
            #expect(try await client.resource(.machines).list().items.count == 2)
        }
    }

    @Test("Cancelling run() stops the workers and returns")
    func cancellation() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let controller = WorkspaceController(
                client: client, configuration: WorkspaceControllerConfiguration(resyncPeriod: nil),
                logger: TestLogging.logger("kaito.workspace-controller"))
            let running = Task { try await controller.run() }
            try await eventually("the caches to sync") { controller.isReady ? true : nil }
            running.cancel()
            try await running.value
            #expect(!controller.isReady)
            #expect(await controller.queue.isShuttingDown)

            // It runs again (a new leader term) and reconciles.
            let again = Task { try await controller.run() }
            try await eventually("the caches to sync again") { controller.isReady ? true : nil }
            #expect(await !controller.queue.isShuttingDown)
            _ = try await client.resource(.workspaces).create(
                try KubernetesObject(json: try Examples.inference("falcon-7b")), namespace: "default")
            try await eventually("the finalizer from the second run") {
                let workspace = try await client.resource(Workspace.self).get(Self.falcon, namespace: "default")
                return workspace.metadata.finalizers == [Planner.finalizer] ? true : nil
            }
            again.cancel()
            try await again.value
        }
    }

    @Test("requiredPermissions lists the resources the controller touches")
    func permissions() {
        let permissions = WorkspaceController.requiredPermissions
        func verbs(_ group: String, _ resource: String) -> Set<String> {
            Set(permissions.first { $0.apiGroup == group && $0.resource == resource }?.verbs ?? [])
        }
        #expect(verbs("kaito.sh", "workspaces/status").isSuperset(of: ["patch"]))
        #expect(verbs("kaito.sh", "workspaces").isSuperset(of: ["get", "list", "watch", "patch"]))
        #expect(verbs("karpenter.sh", "machines").isSuperset(of: ["create", "delete", "list", "watch"]))
        #expect(verbs("karpenter.sh", "nodeclaims").isSuperset(of: ["create", "delete", "list", "watch"]))
        #expect(verbs("", "nodes").isSuperset(of: ["list", "watch", "patch"]))
        #expect(verbs("apps", "deployments").isSuperset(of: ["create", "update", "list", "watch"]))
        #expect(verbs("apps", "controllerrevisions").isSuperset(of: ["create", "delete"]))
        #expect(verbs("karpenter.azure.com", "aksnodeclasses") == ["get", "list", "watch", "create"])
        let aws = WorkspaceController.requiredPermissions(cloud: .aws)
        #expect(!aws.contains { $0.apiGroup == "karpenter.azure.com" })
        #expect(aws.contains { $0.apiGroup == "karpenter.k8s.aws" && $0.resource == "ec2nodeclasses" })
    }
}

@Suite("WorkspaceControllerConfiguration")
struct WorkspaceControllerConfigurationTests {
    @Test("Kaito's defaults")
    func defaults() {
        let configuration = WorkspaceControllerConfiguration()
        #expect(configuration.maxConcurrentReconciles == 5)
        #expect(configuration.fieldManager == "kaito-controller")
        #expect(configuration.namespace == nil)
        #expect(configuration.effectiveProvisioner == .machine)
        #expect(configuration.nodeClaimResource == .machines)
        #expect(configuration.retryBaseDelay == .milliseconds(5))
        #expect(configuration.retryMaxDelay == .seconds(1000))
    }

    @Test("The Karpenter feature gate turns Machines into NodeClaims at the configured version")
    func karpenterGate() {
        var configuration = WorkspaceControllerConfiguration(featureGates: ["Karpenter": true])
        #expect(configuration.effectiveProvisioner == .nodeclaim)
        #expect(configuration.nodeClaimResource == .nodeClaims(version: "v1beta1"))
        configuration.nodeClaimAPIVersion = "karpenter.sh/v1"
        #expect(configuration.nodeClaimResource == .nodeClaims(version: "v1"))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let planner = configuration.plannerConfiguration(now: now)
        #expect(planner.now == now)
        #expect(planner.effectiveProvisioner == .nodeclaim)
        #expect(planner.nodeClaimAPIVersion == "karpenter.sh/v1")
        #expect(configuration.nodeClassResource == .aksNodeClasses)
        configuration.cloud = .aws
        #expect(configuration.nodeClassResource?.apiVersion == "karpenter.k8s.aws/v1")
        #expect(configuration.nodeClassResource?.kind == "EC2NodeClass")
        configuration.provisioner = .none
        #expect(configuration.nodeClaimResource == nil)
        #expect(configuration.nodeClassResource == nil)
    }
}

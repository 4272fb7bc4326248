import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// Fails the first `count` requests of `verb` on `resource` with 409 Conflict.
final class ConflictInjector: SimFaultInjector, Sendable {
    let verb: String
    let resource: GroupResource
    let remaining: Locked<Int>
    let seen = Locked(0)

    init(verb: String, resource: GroupResource, count: Int) {
        self.verb = verb
        self.resource = resource
        self.remaining = Locked(count)
    }

    func injectedError(verb: String, resource: GroupResource) async -> APIError? {
        guard verb == self.verb, resource == self.resource else { return nil }
        seen.withLock { $0 += 1 }
        let fail = remaining.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        guard fail else { return nil }
        return APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource): the object has been modified; please apply your "
                + "changes to the latest version and try again")
    }

    func injectedLatency() async -> TimeInterval { 0 }
}

@Suite("PlanExecutor")
struct PlanExecutorTests {
    static let name = "workspace-falcon-7b"

    /// Creates the falcon-7b workspace and returns it as stored (with its uid).
    static func createWorkspace(_ client: KubernetesClient, finalizers: [String]? = nil) async throws -> Workspace {
        var json = try Examples.inference("falcon-7b")
        if let finalizers { json.set(.array(finalizers.map(JSONValue.string)), at: ["metadata", "finalizers"]) }
        let created = try await client.resource(.workspaces).create(
            try KubernetesObject(json: json), namespace: "default")
        return try await client.resource(Workspace.self).get(created.name, namespace: "default")
    }

    static func executor(_ client: KubernetesClient, events: RecordingEventRecorder? = nil) -> PlanExecutor {
        PlanExecutor(
            client: client, provisioner: APIServerNodeProvisioner(client: client, kind: .machine), events: events)
    }

    static func ownerReference(_ workspace: Workspace, uid: String? = nil) -> OwnerReference {
        OwnerReference(
            apiVersion: Workspace.apiVersion, kind: Workspace.kind, name: workspace.metadata.name ?? "",
            uid: uid ?? workspace.metadata.uid ?? "", controller: true)
    }

    static func service(labels: [String: String]? = nil, owners: [OwnerReference]? = nil) -> KubernetesObject {
        KubernetesObject(
            apiVersion: "v1", kind: "Service",
            metadata: ObjectMeta(name: name, namespace: "default", labels: labels, ownerReferences: owners),
            content: ["spec": ["selector": ["apps": "falcon-7b"], "ports": [["port": 80, "targetPort": 5000]]]])
    }

    @Test("Create adopts an object of the same name that carries the workspace's labels, and fills its owner uid")
    func adoptsOwnObject() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            let services = client.resource(.services)
            _ = try await services.create(Self.service(labels: [WorkspaceLabels.workspace: Self.name]))
            // The plan was made offline: its owner reference has no uid.
            let planned = Self.service(
                labels: [WorkspaceLabels.workspace: Self.name], owners: [Self.ownerReference(workspace, uid: "")])
            let result = try await Self.executor(client).execute(
                ReconcilePlan(actions: [.create(planned)]), for: workspace)
            #expect(result.adopted == [planned.reference])
            #expect(result.created.isEmpty)
            let stored = try await services.get(Self.name, namespace: "default")
            #expect(stored.metadata.ownerReferences?.map(\.uid) == [workspace.metadata.uid ?? "-"])
        }
    }

    @Test("Create fails with a clear message when the name is taken by an object of something else")
    func foreignObject() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            _ = try await client.resource(.services).create(Self.service(labels: ["app": "someone-else"]))
            let planned = Self.service(
                labels: [WorkspaceLabels.workspace: Self.name], owners: [Self.ownerReference(workspace)])
            let error = await #expect(throws: PlanExecutionError.self) {
                try await Self.executor(client).execute(ReconcilePlan(actions: [.create(planned)]), for: workspace)
            }
            #expect(error?.message.contains("Service default/\(Self.name) already exists") == true)
            #expect(error?.message.contains("does not belong to workspace default/\(Self.name)") == true)
            #expect(error?.object == planned.reference)
        }
    }

    @Test("A conflicting update is retried from fresh state")
    func conflictRetried() async throws {
        let injector = ConflictInjector(
            verb: "update", resource: GroupResource(group: "apps", resource: "deployments"), count: 2)
        try await SimCluster.run(configure: { $0.faults = injector }) { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            let deployments = client.resource(.deployments)
            func deployment(image: String) -> KubernetesObject {
                KubernetesObject(
                    apiVersion: "apps/v1", kind: "Deployment",
                    metadata: ObjectMeta(
                        name: Self.name, namespace: "default", labels: [WorkspaceLabels.workspace: Self.name],
                        annotations: [WorkspaceRevision.revisionAnnotation: image == "v1" ? "1" : "2"],
                        ownerReferences: [Self.ownerReference(workspace)]),
                    content: [
                        "spec": [
                            "replicas": 1, "selector": ["matchLabels": ["apps": "falcon-7b"]],
                            "template": [
                                "metadata": ["labels": ["apps": "falcon-7b"]],
                                "spec": ["containers": [["name": "model", "image": .string("falcon:\(image)")]]],
                            ],
                        ]
                    ])
            }
            _ = try await deployments.create(deployment(image: "v1"))
            let result = try await Self.executor(client).execute(
                ReconcilePlan(actions: [.update(deployment(image: "v2"))]), for: workspace)
            #expect(result.updated.count == 1)
            #expect(injector.seen.withLock { $0 } == 3)
            let stored = try await deployments.get(Self.name, namespace: "default")
            #expect(stored.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "2")
            let containers = stored.value(at: "spec", "template", "spec", "containers")?.arrayValue
            #expect(containers?.first?["image"] == "falcon:v2")
        }
    }

    @Test("Removing the finalizer keeps the others, even when the workspace changed since it was read")
    func finalizerRemoval() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(
                client, finalizers: ["example.com/first", Planner.finalizer])
            // Someone adds a finalizer after the controller read the workspace.
            _ = try await client.resource(Workspace.self).patch(
                Self.name, namespace: "default", .json([.add("/metadata/finalizers/0", value: "example.com/zeroth")]))
            let executor = Self.executor(client)
            _ = try await executor.execute(
                ReconcilePlan(actions: [.removeFinalizer(Planner.finalizer)]), for: workspace)
            let stored = try await client.resource(Workspace.self).get(Self.name, namespace: "default")
            #expect(stored.metadata.finalizers == ["example.com/zeroth", "example.com/first"])

            // Adding it back appends it and keeps the rest.
            _ = try await executor.execute(ReconcilePlan(actions: [.addFinalizer(Planner.finalizer)]), for: stored)
            let again = try await client.resource(Workspace.self).get(Self.name, namespace: "default")
            #expect(again.metadata.finalizers == ["example.com/zeroth", "example.com/first", Planner.finalizer])
        }
    }

    @Test("The finalizer is added to a workspace without finalizers")
    func finalizerAdded() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            _ = try await Self.executor(client).execute(
                ReconcilePlan(actions: [.addFinalizer(Planner.finalizer)]), for: workspace)
            let stored = try await client.resource(Workspace.self).get(Self.name, namespace: "default")
            #expect(stored.metadata.finalizers == [Planner.finalizer])
        }
    }

    @Test("The status is written through the status subresource with observedGeneration, only when it changed")
    func statusWrite() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            let events = RecordingEventRecorder()
            let executor = Self.executor(client, events: events)
            let configuration = PlannerConfiguration(provisioner: .none, now: cluster.clock.now())
            let plan = Planner.plan(workspace, observed: ObservedState(), configuration: configuration)
            let result = try await executor.execute(plan, for: workspace)
            #expect(result.statusWritten)
            let stored = try await client.resource(Workspace.self).get(Self.name, namespace: "default")
            let conditions = try #require(stored.status?.conditions)
            #expect(conditions[type: WorkspaceConditions.resourceReady]?.status == .false)
            #expect(conditions.allSatisfy { $0.observedGeneration == workspace.metadata.generation })
            #expect(workspace.metadata.generation != nil)
            // The annotations and finalizer of the plan were applied too.
            #expect(stored.metadata.finalizers == [Planner.finalizer])
            #expect(stored.metadata.annotations?[WorkspaceRevision.revisionAnnotation] == "1")
            let recorded = await events.events
            #expect(recorded.filter { $0.reason == "ConditionChanged" }.count == conditions.count)
            #expect(recorded.filter { $0.kind == .warning }.count == 2)

            // The same plan against the stored workspace writes nothing and records nothing.
            let again = Planner.plan(stored, observed: ObservedState(), configuration: configuration)
            let second = try await executor.execute(again, for: stored)
            #expect(!second.statusWritten)
            #expect(second.events.isEmpty)
            #expect(await events.events.count == recorded.count)
        }
    }

    @Test("Deletes ignore objects that are gone; node claims go through the provisioner")
    func deletes() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            let events = RecordingEventRecorder()
            let claim = KubernetesObject(
                apiVersion: "karpenter.sh/v1alpha5", kind: "Machine",
                metadata: ObjectMeta(
                    name: "wsabc",
                    labels: [
                        WorkspaceLabels.workspace: Self.name, WorkspaceLabels.workspaceNamespace: "default",
                    ]),
                content: ["spec": ["requirements": []]])
            let executor = Self.executor(client, events: events)
            let created = try await executor.execute(ReconcilePlan(actions: [.create(claim)]), for: workspace)
            #expect(created.created == [claim.reference])
            // Creating it again adopts it.
            let adopted = try await executor.execute(ReconcilePlan(actions: [.create(claim)]), for: workspace)
            #expect(adopted.adopted == [claim.reference])
            let gone = ObjectReference(apiVersion: "v1", kind: "Service", namespace: "default", name: "missing")
            let result = try await executor.execute(
                ReconcilePlan(actions: [.delete(claim.reference), .delete(claim.reference), .delete(gone)]),
                for: workspace)
            #expect(result.deleted == [claim.reference])
            #expect(try await client.resource(.machines).list().items.isEmpty)
            #expect(await events.reasons() == ["NodeClaimCreated", "NodeClaimDeleted"])
        }
    }

    @Test("A Machine of the same name for another workspace is not adopted")
    func foreignClaim() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspace = try await Self.createWorkspace(client)
            func claim(_ owner: String) -> KubernetesObject {
                KubernetesObject(
                    apiVersion: "karpenter.sh/v1alpha5", kind: "Machine",
                    metadata: ObjectMeta(
                        name: "wsabc",
                        labels: [WorkspaceLabels.workspace: owner, WorkspaceLabels.workspaceNamespace: "default"]),
                    content: ["spec": ["requirements": []]])
            }
            _ = try await client.resource(.machines).create(claim("other"))
            let error = await #expect(throws: PlanExecutionError.self) {
                try await Self.executor(client).execute(
                    ReconcilePlan(actions: [.create(claim(Self.name))]), for: workspace)
            }
            #expect(error?.message.contains("Machine wsabc already exists") == true)
        }
    }
}

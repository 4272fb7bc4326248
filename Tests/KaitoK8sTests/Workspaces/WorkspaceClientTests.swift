import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import KaitoTestSupport
import Testing

@testable import KaitoK8s

/// The falcon-7b example as a typed workspace, renamed.
private func falcon(_ name: String, instanceType: String = "Standard_NC12s_v3") throws -> Workspace {
    var workspace = try Workspace.decode(from: try Examples.inference("falcon-7b"), strict: false)
    workspace.metadata.name = name
    workspace.resource?.instanceType = instanceType
    workspace.resource?.labelSelector = LabelSelector(matchLabels: ["apps": name])
    return workspace
}

/// Collects progress events from any task.
private final class EventLog: Sendable {
    let events = Locked<[WorkspaceProgressEvent]>([])
    func append(_ event: WorkspaceProgressEvent) { events.withLock { $0.append(event) } }
    var all: [WorkspaceProgressEvent] { events.value }
}

@Suite("WorkspaceClient: the workspace workflows of kaitoctl as an SDK")
struct WorkspaceClientTests {
    @Test("create, follow to success with conditions, claims and pods, describe, chat, delete and wait")
    func lifecycle() async throws {
        try await ControllerHarness.run { harness in
            let workspaces = WorkspaceClient(client: harness.client)
            let created = try await workspaces.create(try falcon("falcon"), namespace: "default")
            #expect(created.workspace.name == "falcon")
            #expect(created.warnings.isEmpty)

            let log = EventLog()
            let succeeded = try await workspaces.waitUntilSucceeded(
                "falcon", namespace: "default", timeout: .seconds(60), onProgress: log.append)
            #expect(succeeded.isWorkspaceSucceeded)
            let events = log.all
            guard case .succeeded(let last)? = events.last else {
                Issue.record("the last event is not .succeeded: \(events)")
                return
            }
            #expect(last.name == "falcon")
            let conditions = events.compactMap { event -> WorkspaceCondition? in
                if case .condition(let condition) = event { return condition }
                return nil
            }
            for type in ["ResourceReady", "InferenceReady", "WorkspaceSucceeded"] {
                #expect(conditions.contains { $0.type == type && $0.status == "True" }, "\(type) in \(conditions)")
            }
            // Each condition state is reported once.
            let keys = conditions.map { "\($0.type)/\($0.status)/\($0.reason)/\($0.message)" }
            #expect(Set(keys).count == keys.count, "\(keys)")
            #expect(
                events.contains {
                    if case .nodeClaim(let claim) = $0 { return claim.kind == "Machine" && claim.state == .ready }
                    return false
                }, "a Ready Machine in \(events)")
            #expect(
                events.contains {
                    if case .pod(let pod) = $0 { return pod.phase == "Running" && pod.isReady }
                    return false
                }, "a ready pod in \(events)")

            // Following a workspace that already succeeded: its conditions, then .succeeded, then the end.
            var again: [WorkspaceProgressEvent] = []
            for try await event in workspaces.progress(of: "falcon", namespace: "default") { again.append(event) }
            #expect(again.count == last.workspaceConditions.count + 1, "\(again)")
            if case .succeeded? = again.last {} else { Issue.record("ends with \(String(describing: again.last))") }

            let observation = try await workspaces.describe("falcon", namespace: "default")
            #expect(observation.deployment?.name == "falcon")
            #expect(observation.services.map(\.name) == ["falcon"])
            #expect(observation.claims.count == 1)
            #expect(observation.revisions.count == 1)
            #expect(observation.events.isEmpty, "this harness records the controller's events in memory")
            #expect(observation.waitingFor().isEmpty)

            let reply = try await workspaces.chat("falcon", namespace: "default", prompt: "What is Kubernetes?")
            #expect(!reply.text.isEmpty)

            let listed = try await workspaces.list(namespace: nil)
            #expect(listed.map(\.name) == ["falcon"])

            let deletion = try await workspaces.delete("falcon", namespace: "default")
            #expect(deletion == .pending(finalizers: [Planner.finalizer]))
            try await workspaces.waitUntilDeleted("falcon", namespace: "default", timeout: .seconds(30))
            let gone = await #expect(throws: WorkspaceError.self) {
                try await workspaces.get("falcon", namespace: "default")
            }
            #expect(gone?.kind == .notFound)
            #expect(gone?.description == "workspace \"falcon\" not found in namespace \"default\"")
        }
    }

    @Test("an invalid workspace is refused before anything is sent; a namespace clash too")
    func invalid() async throws {
        try await SimCluster.run { cluster in
            let workspaces = WorkspaceClient(client: try cluster.client())
            var broken = try falcon("broken")
            broken.inference?.preset?.name = "falcon-13b-imaginary"
            let refused = await #expect(throws: WorkspaceError.self) {
                try await workspaces.create(broken, namespace: "default")
            }
            #expect(refused?.kind == .invalid)
            #expect(refused?.problems.contains { $0.fieldPath == "inference.preset.name" } == true, "\(refused!)")
            let applied = await #expect(throws: WorkspaceError.self) { try await workspaces.apply(broken) }
            #expect(applied?.kind == .invalid)

            var elsewhere = try falcon("elsewhere")
            elsewhere.metadata.namespace = "team-a"
            let clash = await #expect(throws: WorkspaceError.self) {
                try await workspaces.create(elsewhere, namespace: "default")
            }
            #expect(clash?.problems.map(\.fieldPath) == ["metadata.namespace"])
            #expect(try await cluster.client().resource(.workspaces).list().items.isEmpty)

            // A dry run is checked by the server and stores nothing.
            let dry = try await workspaces.create(try falcon("dry"), namespace: "default", dryRun: true)
            #expect(dry.workspace.name == "dry")
            #expect(try await cluster.client().resource(.workspaces).list().items.isEmpty)
        }
    }

    @Test("apply creates, re-applies unchanged, and refuses to change what is immutable")
    func apply() async throws {
        try await SimCluster.run { cluster in
            let workspaces = WorkspaceClient(client: try cluster.client())
            let first = try await workspaces.apply(try falcon("applied"), namespace: "default")
            let version = try #require(first.workspace.metadata.resourceVersion)
            let second = try await workspaces.apply(try falcon("applied"), namespace: "default")
            #expect(second.workspace.metadata.resourceVersion == version, "an unchanged apply writes nothing")

            let moved = await #expect(throws: WorkspaceError.self) {
                try await workspaces.apply(
                    try falcon("applied", instanceType: "Standard_NC24ads_A100_v4"), namespace: "default")
            }
            #expect(moved?.kind == .invalid)
            #expect(moved?.problems.contains { $0.fieldPath.hasPrefix("resource.instanceType") } == true, "\(moved!)")
            let stored = try await workspaces.get("applied", namespace: "default")
            #expect(stored.value(at: "resource", "instanceType")?.stringValue == "Standard_NC12s_v3")
        }
    }

    @Test("no controller: the wait times out saying what the workspace waits for; unknown and deleted workspaces")
    func waiting() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspaces = WorkspaceClient(client: client)
            try await workspaces.create(try falcon("lonely"), namespace: "default")
            let timedOut = await #expect(throws: WorkspaceError.self) {
                try await workspaces.waitUntilSucceeded("lonely", namespace: "default", timeout: .milliseconds(300))
            }
            #expect(timedOut?.kind == .timedOut)
            #expect(timedOut?.detail?.hasPrefix("waiting for ") == true, "\(timedOut!)")
            #expect(timedOut?.description.hasPrefix("timed out after 300ms waiting for workspace lonely: ") == true)

            let unknown = await #expect(throws: WorkspaceError.self) {
                for try await _ in workspaces.progress(of: "nobody", namespace: "default") {}
            }
            #expect(unknown?.kind == .notFound)

            // Deleted while following: a condition first, so the follow has listed it before the delete.
            _ = try await client.resource(.workspaces).patchStatus(
                "lonely", namespace: "default",
                .merge([
                    "status": [
                        "conditions": [
                            [
                                "type": "ResourceReady", "status": "False", "reason": "waiting",
                                "message": "waiting for nodes", "lastTransitionTime": "2026-12-07T00:00:00Z",
                            ]
                        ]
                    ]
                ]))
            let deleted = await #expect(throws: WorkspaceError.self) {
                for try await event in workspaces.progress(of: "lonely", namespace: "default") {
                    if case .condition = event {
                        try await workspaces.delete("lonely", namespace: "default")
                    }
                }
            }
            #expect(deleted?.kind == .deletedWhileWaiting)
        }
    }

    @Test("a failing workspace ends the wait with its condition")
    func failure() async throws {
        try await ControllerHarness.run { harness in
            let workspaces = WorkspaceClient(client: harness.client)
            try await workspaces.create(try falcon("nosku", instanceType: "Standard_ND999_imaginary"))
            let failed = await #expect(throws: WorkspaceError.self) {
                try await workspaces.waitUntilSucceeded("nosku", namespace: "default", timeout: .seconds(60))
            }
            #expect(failed?.kind == .failed)
            // The phase condition that failed (the claim's), not WorkspaceSucceeded, which repeats it.
            let stored = try await workspaces.get("nosku", namespace: "default")
            #expect(failed?.failure == stored.workspaceFailure)
            #expect(failed?.failure?.conditionType == "MachineReady")
            #expect(failed?.failure?.message.contains("all requested instance types were unavailable") == true)
        }
    }
}

import Foundation
import KaitoCore
import KaitoHTTP
import KaitoSim
import Logging
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

@Suite("Kubernetes Events for workspaces")
struct KubernetesEventRecorderTests {
    static let workspace = ObjectReference(
        apiVersion: "kaito.sh/v1alpha1", kind: "Workspace", namespace: "default", name: "workspace-falcon-7b")

    static func event(
        _ reason: String = "NodeClaimCreated", message: String = "created Machine ws1a2b3c4d for 1 node",
        kind: WorkspaceEvent.Kind = .normal, workspace: ObjectReference = workspace
    ) -> WorkspaceEvent {
        WorkspaceEvent(workspace: workspace, workspaceUID: "uid-1234", kind: kind, reason: reason, message: message)
    }

    @Test("an event is a core/v1 Event about the workspace with every field kubectl shows")
    func fields() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let recorder = KubernetesEventRecorder(client: client, instance: "controller-0")
            await recorder.record(Self.event(kind: .warning))
            let events = try await client.resource(Event.self).list(namespace: "default").items
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.name.hasPrefix("workspace-falcon-7b."))
            let suffix = event.name.dropFirst("workspace-falcon-7b.".count)
            #expect(!suffix.isEmpty && suffix.allSatisfy { $0.isHexDigit })
            #expect(event.namespace == "default")
            #expect(event.type == "Warning")
            #expect(event.reason == "NodeClaimCreated")
            #expect(event.message == "created Machine ws1a2b3c4d for 1 node")
            #expect(event.count == 1)
            #expect(event.involvedObject == Self.workspace)
            #expect(event.value(at: "involvedObject", "uid")?.stringValue == "uid-1234")
            #expect(event.value(at: "source", "component")?.stringValue == "kaito-controller")
            #expect(event.value(at: "source", "host")?.stringValue == "controller-0")
            #expect(event.value(at: "reportingComponent")?.stringValue == "kaito-controller")
            #expect(event.value(at: "reportingInstance")?.stringValue == "controller-0")
            let first = try #require(event.value(at: "firstTimestamp")?.stringValue)
            #expect(first.wholeMatch(of: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) != nil)
            #expect(event.value(at: "lastTimestamp")?.stringValue == first)
        }
    }

    @Test("a repeated event increments count and moves lastTimestamp instead of creating another Event")
    func repeats() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let clock = Locked(Date(timeIntervalSince1970: 1_714_557_600))
            let recorder = KubernetesEventRecorder(client: client, now: { clock.withLock { $0 } })
            await recorder.record(Self.event())
            clock.withLock { $0 += 30 }
            await recorder.record(Self.event())
            clock.withLock { $0 += 30 }
            await recorder.record(Self.event())
            var events = try await client.resource(Event.self).list(namespace: "default").items
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.count == 3)
            #expect(event.value(at: "firstTimestamp")?.stringValue == "2024-05-01T10:00:00Z")
            #expect(event.value(at: "lastTimestamp")?.stringValue == "2024-05-01T10:01:00Z")

            // Another message, reason or type is another Event.
            await recorder.record(Self.event(message: "created Machine ws9z for 1 node"))
            await recorder.record(Self.event("NodeClaimDeleted"))
            await recorder.record(Self.event(kind: .warning))
            events = try await client.resource(Event.self).list(namespace: "default").items
            #expect(events.count == 4)

            // After the correlation window the same event starts a new Event.
            clock.withLock { $0 += 3600 }
            await recorder.record(Self.event())
            events = try await client.resource(Event.self).list(namespace: "default").items
            #expect(events.count == 5)
            #expect(
                events.filter { $0.reason == "NodeClaimCreated" && $0.type == "Normal" }.map(\.count).sorted() == [
                    1, 1, 3,
                ])
        }
    }

    @Test("an Event deleted meanwhile is created again on the next repeat")
    func deletedMeanwhile() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let recorder = KubernetesEventRecorder(client: client)
            await recorder.record(Self.event())
            let events = client.resource(Event.self)
            let first = try #require(try await events.list(namespace: "default").items.first)
            try await events.delete(first.name, namespace: "default")
            await recorder.record(Self.event())
            let again = try await events.list(namespace: "default").items
            #expect(again.count == 1)
            #expect(again.first?.count == 1)
        }
    }

    @Test("failures are logged, never thrown: a workspace in a missing namespace records nothing")
    func failuresAreSwallowed() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            var quiet = Logger(label: "event-tests")
            quiet.logLevel = .critical
            let recorder = KubernetesEventRecorder(client: client, logger: quiet)
            let elsewhere = ObjectReference(
                apiVersion: "kaito.sh/v1alpha1", kind: "Workspace", namespace: "no-such-namespace", name: "w")
            await recorder.record(Self.event(workspace: elsewhere))
            let events = try await client.resource(Event.self).list().items
            #expect(events.isEmpty)
        }
    }

    @Test("long messages are cut to 1024 characters")
    func longMessages() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let recorder = KubernetesEventRecorder(client: client)
            await recorder.record(Self.event(message: String(repeating: "x", count: 5000)))
            let event = try #require(try await client.resource(Event.self).list(namespace: "default").items.first)
            #expect(event.message?.count == 1024)
        }
    }
}

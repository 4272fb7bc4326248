import Foundation
import KaitoCore
import KaitoSim
import Testing

@testable import KaitoK8s

/// Helpers for the watch and informer tests: writes straight into the simulator's store, bounded waits, and a
/// fault injector that holds watch requests back.
enum RuntimeTest {
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")

    /// The error a bounded wait throws when its deadline passes.
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// Runs `body`, cancelling it and throwing ``TimedOut`` when it takes longer than `limit`.
    static func withDeadline<T: Sendable>(
        _ what: String, _ limit: Duration = .seconds(20), _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: DeadlineOutcome<T>.self) { group in
            group.addTask { .value(try await body()) }
            group.addTask {
                try await Task.sleep(for: limit)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), case .value(let value) = first else {
                throw TimedOut(what: what)
            }
            return value
        }
    }

    /// The value of a task, cancelling it when the deadline passes first.
    static func value<T: Sendable>(
        of task: Task<T, any Error>, _ what: String, _ limit: Duration = .seconds(20)
    ) async throws -> T {
        try await withDeadline(what, limit) {
            try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        }
    }

    /// Waits until `condition` holds, checking every few milliseconds, for state nothing can be awaited on (such as
    /// the server's count of open watches).
    static func waitUntil(
        _ what: String, _ limit: Duration = .seconds(20), _ condition: @escaping @Sendable () async throws -> Bool
    ) async throws {
        try await withDeadline(what, limit) {
            while try await !condition() {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// The first `count` elements of a sequence, within a deadline.
    static func first<S: AsyncSequence & Sendable>(
        _ count: Int, of sequence: S, _ what: String, _ limit: Duration = .seconds(20)
    ) async throws -> [S.Element] where S.Element: Sendable {
        try await withDeadline(what, limit) {
            var result: [S.Element] = []
            guard count > 0 else { return result }
            for try await element in sequence {
                result.append(element)
                if result.count == count { break }
            }
            return result
        }
    }

    /// Collects informer events until `done` says the collection is complete.
    static func collect<Object: KubernetesObjectConvertible>(
        _ events: AsyncStream<InformerEvent<Object>>, _ what: String, _ limit: Duration = .seconds(20),
        until done: @escaping @Sendable ([InformerEvent<Object>]) -> Bool
    ) async throws -> [InformerEvent<Object>] {
        try await withDeadline(what, limit) {
            var result: [InformerEvent<Object>] = []
            if done(result) { return result }
            for await event in events {
                result.append(event)
                if done(result) { return result }
            }
            throw TimedOut(what: "\(what) (the stream ended)")
        }
    }

    // MARK: - Writes into the simulator

    static func configMap(
        _ name: String, namespace: String = "default", labels: [String: String] = [:], data: [String: String] = [:]
    ) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues { .string($0) }) }
        return .object([
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata),
            "data": .object(data.mapValues { .string($0) }),
        ])
    }

    /// Creates a ConfigMap and returns its resourceVersion.
    @discardableResult
    static func create(
        _ store: APIStore, _ name: String, namespace: String = "default", labels: [String: String] = [:],
        data: [String: String] = [:]
    ) async throws -> String {
        let created = try await store.create(
            configMaps, namespace: namespace,
            object: configMap(name, namespace: namespace, labels: labels, data: data))
        return try #require(created["metadata"]?["resourceVersion"]?.stringValue)
    }

    /// Replaces a ConfigMap's data (and labels, when given) and returns its new resourceVersion.
    @discardableResult
    static func update(
        _ store: APIStore, _ name: String, namespace: String = "default", labels: [String: String]? = nil,
        data: [String: String]
    ) async throws -> String {
        let current = try await store.get(configMaps, namespace: namespace, name: name)
        guard case .object(var object) = current, case .object(var metadata)? = object["metadata"] else {
            throw TimedOut(what: "a ConfigMap object")
        }
        object["data"] = .object(data.mapValues { .string($0) })
        if let labels { metadata["labels"] = .object(labels.mapValues { .string($0) }) }
        object["metadata"] = .object(metadata)
        let updated = try await store.update(configMaps, namespace: namespace, name: name, object: .object(object))
        return try #require(updated["metadata"]?["resourceVersion"]?.stringValue)
    }

    /// Deletes a ConfigMap and returns the resourceVersion of the deletion.
    @discardableResult
    static func delete(_ store: APIStore, _ name: String, namespace: String = "default") async throws -> String {
        let result = try await store.delete(configMaps, namespace: namespace, name: name)
        return try #require(result.object["metadata"]?["resourceVersion"]?.stringValue)
    }

    /// `namespace/name` → (resourceVersion, data) of every ConfigMap in a namespace, as the server lists it now.
    static func serverState(
        _ client: KubernetesClient, namespace: String? = "default"
    ) async throws -> [ObjectKey: Snapshot] {
        let list = try await client.resource(.configMaps).list(namespace: namespace)
        return Dictionary(uniqueKeysWithValues: list.items.map { (ObjectKey($0), Snapshot($0)) })
    }

    /// What the consistency checks compare of an object.
    struct Snapshot: Hashable, Sendable, CustomStringConvertible {
        var resourceVersion: String
        var data: JSONValue?
        var labels: [String: String]

        init(_ object: KubernetesObject) {
            resourceVersion = object.metadata.resourceVersion ?? ""
            data = object.content["data"]
            labels = object.metadata.labels ?? [:]
        }

        var description: String { "rv \(resourceVersion) \(String(describing: data))" }
    }
}

/// What finished first in ``RuntimeTest/withDeadline(_:_:_:)``.
enum DeadlineOutcome<T: Sendable>: Sendable {
    case value(T)
    case timedOut
}

/// Holds watch requests back while closed (they wait in the server before it serves them), and fails requests
/// of chosen verbs a given number of times: a network outage and a flaky server, on demand.
actor WatchGate: SimFaultInjector {
    private var closed = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var queuedErrors: [String: [APIError]] = [:]
    /// How many watch requests reached the server.
    private(set) var watchRequests = 0
    /// How many requests of each verb reached the server.
    private(set) var requests: [String: Int] = [:]

    func injectedError(verb: String, resource: GroupResource) async -> APIError? {
        requests[verb, default: 0] += 1
        if verb == "watch" {
            watchRequests += 1
            while closed {
                await withCheckedContinuation { waiting.append($0) }
            }
        }
        if var queue = queuedErrors[verb], !queue.isEmpty {
            let error = queue.removeFirst()
            queuedErrors[verb] = queue
            return error
        }
        return nil
    }

    func injectedLatency() async -> TimeInterval { 0 }

    /// Watch requests wait from now on.
    func close() { closed = true }

    /// Lets waiting and later watch requests through.
    func open() {
        closed = false
        let resumed = waiting
        waiting = []
        for continuation in resumed { continuation.resume() }
    }

    /// How many watch requests are waiting.
    var waitingCount: Int { waiting.count }

    /// Answers the next requests of `verb` with these errors, one each.
    func fail(_ verb: String, with errors: [APIError]) {
        queuedErrors[verb, default: []] += errors
    }

    /// How many requests of `verb` reached the server.
    func count(_ verb: String) -> Int { requests[verb] ?? 0 }
}

public import Foundation
public import KaitoK8s
import KaitoCore
import KaitoHTTP
public import Logging

/// Writes ``WorkspaceEvent``s as core/v1 Events in the workspace's namespace, so `kubectl describe workspace` and
/// `kubectl get events` show them.
///
/// Like client-go's event correlator, an event that repeats (same workspace, type, reason and message) within
/// ``correlationWindow`` does not create a new Event: the existing one's `count` goes up and its `lastTimestamp`
/// moves (a merge patch). Event names are `<workspace>.<hex>`, as client-go names them. Failures are logged and
/// never thrown: an event is not worth failing a reconcile for.
public final class KubernetesEventRecorder: WorkspaceEventRecorder {
    /// The `source.component` and `reportingComponent` of every Event.
    public let component: String
    /// The `source.host` and `reportingInstance`: which process wrote the Event.
    public let instance: String
    /// How long a repeated event updates the existing Event instead of creating one.
    public let correlationWindow: Duration

    private let events: ResourceClient<Event>
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let seen: Locked<[Key: Entry]>
    private let sequence: Locked<UInt64>

    private struct Key: Hashable, Sendable {
        var namespace: String
        var name: String
        var uid: String
        var type: String
        var reason: String
        var message: String
    }

    private struct Entry: Sendable {
        var eventName: String
        var count: Int
        var lastSeen: Date
    }

    /// The most entries remembered for correlation (client-go keeps 4096).
    static let cacheSize = 4096

    /// Creates a recorder.
    /// - Parameters:
    ///   - client: The API server client.
    ///   - component: `source.component` and `reportingComponent`; `kaito-controller` by default.
    ///   - instance: `source.host` and `reportingInstance`; the host name by default.
    ///   - correlationWindow: How long repeats are folded into one Event; 10 minutes by default (client-go's).
    ///   - logger: Where failures are logged.
    ///   - now: The clock of the timestamps.
    public init(
        client: KubernetesClient, component: String = "kaito-controller",
        instance: String = ProcessInfo.processInfo.hostName, correlationWindow: Duration = .seconds(600),
        logger: Logger = Logger(label: "kaito.events"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.events = client.resource(Event.self)
        self.component = component
        self.instance = instance
        self.correlationWindow = correlationWindow
        self.logger = logger
        self.now = now
        self.seen = Locked([:])
        self.sequence = Locked(0)
    }

    /// Records one event: creates an Event, or bumps the count of the same recent one.
    public func record(_ event: WorkspaceEvent) async {
        let namespace = event.workspace.namespace ?? "default"
        let key = Key(
            namespace: namespace, name: event.workspace.name, uid: event.workspaceUID, type: event.kind.rawValue,
            reason: event.reason, message: Self.truncated(event.message))
        let time = now()
        let window = LeaderElector.seconds(correlationWindow)
        // Decide under the lock, so concurrent repeats count up rather than each creating an Event.
        let previous: Entry? = seen.withLock { cache in
            if var entry = cache[key], time.timeIntervalSince(entry.lastSeen) <= window {
                entry.count += 1
                entry.lastSeen = time
                cache[key] = entry
                return entry
            }
            return nil
        }
        if let previous {
            do {
                _ = try await events.patch(
                    previous.eventName, namespace: namespace,
                    .merge(["count": .integer(Int64(previous.count)), "lastTimestamp": .string(Self.timestamp(time))]))
                return
            } catch let error as KubernetesError where error.isNotFound {
                // The Event expired or was deleted: write a new one below.
            } catch {
                logger.warning(
                    "cannot update event",
                    metadata: [
                        "workspace": "\(namespace)/\(event.workspace.name)", "reason": "\(event.reason)",
                        "error": "\(LeaderElector.describe(error))",
                    ])
                return
            }
        }
        let name = eventName(for: event.workspace.name, at: time)
        let object = Event(
            name: name, namespace: namespace,
            content: [
                "involvedObject": [
                    "apiVersion": .string(event.workspace.apiVersion), "kind": .string(event.workspace.kind),
                    "namespace": .string(namespace), "name": .string(event.workspace.name),
                    "uid": .string(event.workspaceUID),
                ],
                "reason": .string(event.reason),
                "message": .string(key.message),
                "type": .string(event.kind.rawValue),
                "source": ["component": .string(component), "host": .string(instance)],
                "reportingComponent": .string(component),
                "reportingInstance": .string(instance),
                "firstTimestamp": .string(Self.timestamp(time)),
                "lastTimestamp": .string(Self.timestamp(time)),
                "count": 1,
            ])
        do {
            _ = try await events.create(object, namespace: namespace)
            seen.withLock { cache in
                if cache.count >= Self.cacheSize {
                    // Forget the entries seen longest ago.
                    let oldest = cache.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(Self.cacheSize / 4)
                    for (stale, _) in oldest { cache[stale] = nil }
                }
                cache[key] = Entry(eventName: name, count: 1, lastSeen: time)
            }
        } catch {
            logger.warning(
                "cannot record event",
                metadata: [
                    "workspace": "\(namespace)/\(event.workspace.name)", "reason": "\(event.reason)",
                    "error": "\(LeaderElector.describe(error))",
                ])
        }
    }

    /// `<workspace>.<hex nanoseconds>`, unique within this process.
    private func eventName(for workspace: String, at time: Date) -> String {
        let nanos = UInt64(max(0, time.timeIntervalSince1970 * 1e9))
        let bump = sequence.withLock { value -> UInt64 in
            value = max(value + 1, nanos)
            return value
        }
        return "\(workspace).\(String(bump, radix: 16))"
    }

    /// RFC 3339 in UTC, whole seconds (the `Time` type of `firstTimestamp`/`lastTimestamp`).
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Messages are cut at 1024 characters, as the events API limits notes.
    static func truncated(_ message: String) -> String {
        message.count <= 1024 ? message : String(message.prefix(1021)) + "..."
    }
}

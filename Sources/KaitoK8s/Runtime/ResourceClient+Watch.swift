import Foundation
import KaitoCore
import KaitoHTTP

/// How a watch (or an informer's list) waits before trying again after a transport failure: exponential backoff
/// with a cap and some jitter.
public struct WatchReconnectPolicy: Sendable, Equatable {
    /// The wait after the first failure.
    public var initialBackoff: Duration
    /// The longest wait, however many failures came before.
    public var maxBackoff: Duration
    /// How many failures in a row are tolerated before the watch gives up and throws the last one; `nil` retries
    /// forever, as client-go's reflector does. A connection that delivers an event resets the count.
    public var maxConsecutiveFailures: Int?
    /// The fraction of each wait added at random (0 to 1), so many clients do not reconnect in step.
    public var jitter: Double

    /// Creates a policy; the defaults wait 200 ms, then twice as long after each failure, up to 30 s, forever.
    public init(
        initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(30),
        maxConsecutiveFailures: Int? = nil, jitter: Double = 0.2
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = max(maxBackoff, initialBackoff)
        self.maxConsecutiveFailures = maxConsecutiveFailures.map { max(0, $0) }
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait after failure number `attempt + 1` (0 for the first failure).
    public func backoff(attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let base = initialBackoff * (1 << min(max(attempt, 0), 20))
        let capped = min(base, maxBackoff)
        return capped + capped * (jitter * random)
    }
}

extension ResourceClient {
    /// Watches the collection: every change as a ``WatchEvent``, across dropped connections, until the caller stops.
    ///
    /// ```swift
    /// let list = try await workspaces.list(namespace: "default")
    /// for try await event in workspaces.watch(namespace: "default", resourceVersion: list.resourceVersion) {
    ///     if case .modified(let workspace) = event { print(workspace.metadata.name ?? "") }
    /// }
    /// ```
    ///
    /// Nothing is sent until the first call to `next()`. Leaving the loop (or cancelling the task that runs it)
    /// closes the connection. See ``ResourceWatch`` for reconnection and resourceVersion semantics.
    ///
    /// - Parameters:
    ///   - namespace: One namespace, or `nil` for every namespace (and for cluster-scoped resources).
    ///   - labelSelector: A label selector such as `app=falcon`; objects that start or stop matching arrive as
    ///     `.added` and `.deleted`.
    ///   - fieldSelector: A field selector such as `metadata.name=falcon`.
    ///   - resourceVersion: Where to start: the changes after this version (a list's ``ObjectList/resourceVersion``
    ///     or an object's). `nil` (or empty) starts from now: the watch first asks the server for its current
    ///     resourceVersion and reports only the changes after it, so existing objects are not replayed; list first
    ///     for the current state. `"0"` is sent as is and gets the server's "any state" semantics (synthetic
    ///     `.added` events for existing objects, in no particular resourceVersion order); a reconnection during
    ///     those events resumes from the last one seen, which may miss objects, so prefer list-then-watch.
    ///   - timeoutSeconds: Asks the server to end each connection after this long (the watch then reconnects);
    ///     `nil` leaves it to the server.
    ///   - reconnect: The backoff between attempts after transport failures and 429/5xx answers.
    ///   - maxEventBytes: The largest single event accepted.
    ///   - onTransportError: Called with each failure the watch recovers from by reconnecting (for logging and
    ///     health reporting); called on the iterating task.
    public func watch(
        namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        resourceVersion: String? = nil, timeoutSeconds: Int? = nil,
        reconnect: WatchReconnectPolicy = WatchReconnectPolicy(),
        maxEventBytes: Int = WatchEventDecoder.defaultMaxLineBytes,
        onTransportError: (@Sendable (any Error) -> Void)? = nil
    ) -> ResourceWatch<Object> {
        ResourceWatch(
            resource: self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
            resourceVersion: resourceVersion?.isEmpty == true ? nil : resourceVersion, timeoutSeconds: timeoutSeconds,
            reconnect: reconnect, maxEventBytes: maxEventBytes, onTransportError: onTransportError)
    }
}

/// A watch on a collection, as an `AsyncSequence` of ``WatchEvent``s that survives dropped connections.
///
/// The watch asks for bookmarks (`allowWatchBookmarks=true`) and remembers the resourceVersion of the last
/// event or bookmark it delivered. When the connection drops, the server ends the watch (its timeout, a restart),
/// or a request fails with a transport error, 429 or 5xx, it reconnects from that resourceVersion, so no change
/// is lost or repeated across the reconnection; transport failures in a row back off per
/// ``WatchReconnectPolicy``. The caller notices nothing.
///
/// The sequence ends by throwing:
/// - ``KubernetesError`` with ``KubernetesError/isGone`` when the resourceVersion is too old for the server (an
///   `ERROR` event or an HTTP 410): the changes in between are lost, so list again and watch from the list;
/// - ``KubernetesError`` for any other `ERROR` event or refusal (403, 404, …), and for a malformed stream;
/// - the last transport error after ``WatchReconnectPolicy/maxConsecutiveFailures`` failures in a row;
/// - `CancellationError` when the iterating task is cancelled.
///
/// Each iterator is an independent watch with its own connection.
public struct ResourceWatch<Object: KubernetesObjectConvertible>: AsyncSequence, Sendable {
    /// A change, or a bookmark.
    public typealias Element = WatchEvent<Object>
    /// Any error: ``KubernetesError`` or `CancellationError`.
    public typealias Failure = any Error

    /// The resource being watched.
    public let resource: ResourceClient<Object>
    /// The namespace, or `nil` for all.
    public let namespace: String?
    /// The label selector, if any.
    public let labelSelector: String?
    /// The field selector, if any.
    public let fieldSelector: String?
    /// The resourceVersion to start after; `nil` starts from now.
    public let resourceVersion: String?
    /// The server-side timeout of each connection, in seconds.
    public let timeoutSeconds: Int?
    /// The reconnection backoff.
    public let reconnect: WatchReconnectPolicy
    /// The largest single event accepted.
    public let maxEventBytes: Int
    let onTransportError: (@Sendable (any Error) -> Void)?

    /// Starts a watch: the first call to `next()` connects.
    public func makeAsyncIterator() -> Iterator {
        Iterator(watch: self)
    }

    /// Reads events, reconnecting as needed; dropping it closes the connection.
    public struct Iterator: AsyncIteratorProtocol {
        /// A change, or a bookmark.
        public typealias Element = WatchEvent<Object>
        /// Any error.
        public typealias Failure = any Error

        private let watch: ResourceWatch
        /// The resourceVersion of the last event or bookmark delivered (or the start).
        private(set) var resourceVersion: String?
        private var body: HTTPBody.AsyncIterator?
        private var decoder: WatchEventDecoder
        /// The current connection ended cleanly; its remaining lines are being delivered.
        private var ended = false
        private var failures = 0
        private var quietEnds = 0
        private var connectedAt = ContinuousClock.now
        private var deliveredOnConnection = false
        private var done = false

        init(watch: ResourceWatch) {
            self.watch = watch
            self.resourceVersion = watch.resourceVersion
            self.decoder = WatchEventDecoder(maxLineBytes: watch.maxEventBytes)
        }

        /// The next event, waiting for it as long as it takes; `nil` never comes while the watch is healthy.
        public mutating func next() async throws -> WatchEvent<Object>? {
            guard !done else { return nil }
            do {
                return try await nextEvent()
            } catch {
                done = true
                body = nil
                throw error
            }
        }

        private mutating func nextEvent() async throws -> WatchEvent<Object> {
            while true {
                if Task.isCancelled { throw CancellationError() }
                if let event = try nextBufferedEvent() { return event }
                if ended {
                    try await connectionEnded()
                    continue
                }
                guard var iterator = body else {
                    try await connect()
                    continue
                }
                let chunk: [UInt8]?
                do {
                    chunk = try await iterator.next()
                } catch {
                    body = nil
                    decoder = WatchEventDecoder(maxLineBytes: watch.maxEventBytes)
                    try await recover(from: error)
                    continue
                }
                guard let chunk else {
                    body = nil
                    ended = true
                    decoder.finish()
                    continue
                }
                body = iterator
                decoder.append(chunk)
            }
        }

        /// The next complete event already received, if any.
        private mutating func nextBufferedEvent() throws -> WatchEvent<Object>? {
            let line: JSONValue?
            if ended {
                // A last line cut short by the end of the stream is resent after reconnecting.
                line = try? decoder.next()
            } else {
                line = try decoder.next()
            }
            guard let line else { return nil }
            let event = try WatchEvent<Object>(json: completed(line), request: describe())
            deliveredOnConnection = true
            failures = 0
            quietEnds = 0
            if let version = event.resourceVersion, !version.isEmpty { resourceVersion = version }
            return event
        }

        /// The server ended the watch cleanly: reconnect at once, unless connections keep ending empty-handed.
        private mutating func connectionEnded() async throws {
            ended = false
            decoder = WatchEventDecoder(maxLineBytes: watch.maxEventBytes)
            if !deliveredOnConnection, ContinuousClock.now - connectedAt < .seconds(1) {
                quietEnds += 1
                try await Task.sleep(for: watch.reconnect.backoff(attempt: quietEnds - 1))
            }
        }

        private mutating func connect() async throws {
            do {
                if resourceVersion == nil {
                    // "From now": the collection's current resourceVersion, from the smallest possible list.
                    let page = try await watch.resource.listPage(
                        namespace: watch.namespace, labelSelector: watch.labelSelector,
                        fieldSelector: watch.fieldSelector, limit: 1)
                    resourceVersion = page.resourceVersion.isEmpty ? nil : page.resourceVersion
                }
                let response = try await watch.resource.client.stream(request())
                body = response.body.makeAsyncIterator()
                connectedAt = .now
                deliveredOnConnection = false
            } catch let error as KubernetesError where !Self.isTransient(error) {
                if Task.isCancelled { throw CancellationError() }
                throw error
            } catch {
                try await recover(from: error)
            }
        }

        /// Counts a transport failure and waits before the next attempt, or throws when the watch should end.
        private mutating func recover(from error: any Error) async throws {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            failures += 1
            if let limit = watch.reconnect.maxConsecutiveFailures, failures > limit {
                throw wrap(error)
            }
            watch.onTransportError?(wrap(error))
            try await Task.sleep(for: watch.reconnect.backoff(attempt: failures - 1))
        }

        private static func isTransient(_ error: KubernetesError) -> Bool {
            switch error.kind {
            case .unreachable: return true
            case .status: return [429, 500, 502, 503, 504].contains(error.code ?? 0)
            default: return false
            }
        }

        private func wrap(_ error: any Error) -> any Error {
            if error is KubernetesError { return error }
            let reason = (error as? HTTPClientError)?.message ?? String(describing: error)
            return KubernetesError(
                kind: .unreachable,
                message: "the watch \(describe()) lost its connection: \(reason)", request: describe(),
                underlying: error)
        }

        private func request() -> KubernetesRequest {
            var query: [(name: String, value: String)] = [("watch", "1"), ("allowWatchBookmarks", "true")]
            if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
            if let labelSelector = watch.labelSelector, !labelSelector.isEmpty {
                query.append(("labelSelector", labelSelector))
            }
            if let fieldSelector = watch.fieldSelector, !fieldSelector.isEmpty {
                query.append(("fieldSelector", fieldSelector))
            }
            if let timeoutSeconds = watch.timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
            return KubernetesRequest(
                method: .get, path: watch.resource.type.path(namespace: watch.namespace), query: query)
        }

        private func describe() -> String {
            "GET \(watch.resource.client.connection.server)\(watch.resource.type.path(namespace: watch.namespace))?watch=1"
        }

        /// Adds `apiVersion` and `kind` to an event's object when the server left them off.
        private func completed(_ line: JSONValue) -> JSONValue {
            guard case .object(var event) = line, case .object(var object)? = event["object"],
                object["kind"]?.stringValue != "Status"
            else { return line }
            if object["apiVersion"] == nil { object["apiVersion"] = .string(watch.resource.type.apiVersion) }
            if object["kind"] == nil { object["kind"] = .string(watch.resource.type.kind) }
            event["object"] = .object(object)
            return .object(event)
        }
    }
}

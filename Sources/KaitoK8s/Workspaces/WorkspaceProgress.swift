public import KaitoCore

/// One step of a workspace on its way to `WorkspaceSucceeded`, as ``WorkspaceProgress`` reports them.
public enum WorkspaceProgressEvent: Sendable, Hashable {
    /// A condition appeared or changed its status, reason or message.
    case condition(WorkspaceCondition)
    /// One of the workspace's Machines or NodeClaims appeared or changed state.
    case nodeClaim(NodeClaimProgress)
    /// One of the workspace's pods appeared, changed state or went away.
    case pod(PodProgress)
    /// `WorkspaceSucceeded` is `True`; the last event. Carries the workspace as stored.
    case succeeded(KubernetesObject)
    /// The workspace failed (see ``KubernetesObject/workspaceFailure``); the last event.
    case failed(WorkspaceFailure)
}

/// The state of a Machine or NodeClaim, read from its status.
public struct NodeClaimProgress: Sendable, Hashable {
    /// Where it stands.
    public enum State: Sendable, Hashable {
        /// Waiting for the provisioner to launch a node.
        case pending
        /// Its node is `Ready`.
        case ready
        /// The provisioner could not launch it, with its message.
        case failed(String)
        /// Being deleted.
        case deleting
        /// Gone.
        case deleted
    }

    /// `Machine` or `NodeClaim`.
    public var kind: String
    /// Its name.
    public var name: String
    /// The instance types it asks for.
    public var instanceTypes: [String]
    /// The node it became, once launched.
    public var nodeName: String?
    /// Where it stands.
    public var state: State

    /// Reads a Machine or NodeClaim.
    public init(_ object: KubernetesObject, deleted: Bool = false) {
        let observed = ObservedNodeClaim(object)
        kind = object.kind
        name = object.name
        instanceTypes = observed.instanceTypes
        nodeName = observed.nodeName
        if deleted {
            state = .deleted
        } else if observed.isDeleting {
            state = .deleting
        } else if observed.isReady {
            state = .ready
        } else if let failure = observed.launchFailure {
            state = .failed(failure)
        } else {
            state = .pending
        }
    }
}

/// The state of one of a workspace's pods.
public struct PodProgress: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// `Pending`, `Running`, `Succeeded`, `Failed` (or `Unknown`).
    public var phase: String
    /// Whether its `Ready` condition is `True`.
    public var isReady: Bool
    /// The node it is bound to.
    public var nodeName: String?
    /// Why it is not running as it should, when it says: `Unschedulable`, `ImagePullBackOff`, `CrashLoopBackOff`,
    /// `Error`, `Terminating`, …
    public var reason: String?
    /// The message with ``reason``, when there is one.
    public var message: String?
    /// Whether the pod is gone.
    public var isDeleted: Bool

    /// Reads a pod.
    public init(_ pod: Pod, deleted: Bool = false) {
        name = pod.name
        phase = pod.phase ?? "Pending"
        isReady = pod.isReady
        nodeName = pod.nodeName
        isDeleted = deleted
        (reason, message) = Self.trouble(of: pod)
    }

    private static func trouble(of pod: Pod) -> (String?, String?) {
        if pod.isBeingDeleted { return ("Terminating", nil) }
        for condition in pod.value(at: "status", "conditions")?.arrayValue ?? []
        where condition["type"]?.stringValue == "PodScheduled" && condition["status"]?.stringValue == "False" {
            return (condition["reason"]?.stringValue ?? "Unschedulable", condition["message"]?.stringValue)
        }
        let statuses =
            (pod.value(at: "status", "initContainerStatuses")?.arrayValue ?? [])
            + (pod.value(at: "status", "containerStatuses")?.arrayValue ?? [])
        for status in statuses {
            if let waiting = status["state"]?["waiting"], let reason = waiting["reason"]?.stringValue {
                return (reason, waiting["message"]?.stringValue)
            }
            if let terminated = status["state"]?["terminated"], let reason = terminated["reason"]?.stringValue,
                reason != "Completed"
            {
                return (reason, terminated["message"]?.stringValue)
            }
        }
        return (nil, nil)
    }
}

/// What ``WorkspaceProgress`` follows besides the workspace itself.
public struct WorkspaceFollowOptions: Sendable, Equatable {
    /// Report the workspace's Machines and NodeClaims.
    public var nodeClaims: Bool
    /// Report the workspace's pods.
    public var pods: Bool
    /// How watches reconnect after dropped connections; after this many failures in a row the sequence throws.
    public var reconnect: WatchReconnectPolicy

    /// Creates options; by default everything is followed, and a server that stays unreachable for about
    /// half a minute ends the sequence.
    public init(
        nodeClaims: Bool = true, pods: Bool = true,
        reconnect: WatchReconnectPolicy = WatchReconnectPolicy(maxBackoff: .seconds(5), maxConsecutiveFailures: 8)
    ) {
        self.nodeClaims = nodeClaims
        self.pods = pods
        self.reconnect = reconnect
    }
}

/// A workspace's progress as an `AsyncSequence`: its conditions as they change, its node claims and pods, then
/// ``WorkspaceProgressEvent/succeeded(_:)`` or ``WorkspaceProgressEvent/failed(_:)`` and the end.
///
/// The current state comes first (every condition, claim and pod as it stands), then each change. Each iterator
/// lists and watches on its own (the workspace, plus its Machines or NodeClaims and pods when the caller may read
/// them: kinds the cluster does not serve or the caller may not watch are skipped) and stops every watch when it
/// is dropped or its task is cancelled.
///
/// The sequence throws ``WorkspaceError`` (``WorkspaceError/Kind/notFound``,
/// ``WorkspaceError/Kind/deletedWhileWaiting``, ``WorkspaceError/Kind/watchEnded``) or the ``KubernetesError`` of a
/// request that failed. It never times out by itself; ``WorkspaceClient/waitUntilSucceeded(_:namespace:timeout:onProgress:)``
/// adds a deadline.
public struct WorkspaceProgress: AsyncSequence, Sendable {
    /// A step.
    public typealias Element = WorkspaceProgressEvent

    /// The client that lists and watches.
    public let client: KubernetesClient
    /// The workspace.
    public let name: String
    /// Its namespace.
    public let namespace: String
    /// What is followed besides the workspace.
    public let options: WorkspaceFollowOptions

    /// Follows workspace `name` in `namespace`.
    public init(client: KubernetesClient, name: String, namespace: String, options: WorkspaceFollowOptions = .init()) {
        self.client = client
        self.name = name
        self.namespace = namespace
        self.options = options
    }

    /// Starts following.
    public func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncThrowingStream<Element, any Error>.makeStream()
        let follower = self
        let task = Task { await follower.produce(into: continuation) }
        continuation.onTermination = { _ in task.cancel() }
        return Iterator(base: stream.makeAsyncIterator())
    }

    /// Delivers the events of one follow.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<Element, any Error>.Iterator

        /// The next event; `nil` after the last.
        public mutating func next() async throws -> Element? {
            try await base.next()
        }
    }

    typealias Continuation = AsyncThrowingStream<Element, any Error>.Continuation

    private func produce(into continuation: Continuation) async {
        do {
            try await follow(into: continuation)
            continuation.finish()
        } catch is CancellationError {
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }

    private func follow(into continuation: Continuation) async throws {
        let workspaces = client.resource(.workspaces)
        let fieldSelector = "metadata.name=\(name)"
        var seen: [String: WorkspaceCondition] = [:]
        /// Yields what changed; true when the workspace reached its end.
        func report(_ object: KubernetesObject) -> Bool {
            for condition in object.workspaceConditions {
                var compared = condition
                compared.lastTransitionTime = seen[condition.type]?.lastTransitionTime
                guard seen[condition.type] != compared else { continue }
                seen[condition.type] = condition
                continuation.yield(.condition(condition))
            }
            if object.isWorkspaceSucceeded {
                continuation.yield(.succeeded(object))
                return true
            }
            if let failure = object.workspaceFailure {
                continuation.yield(.failed(failure))
                return true
            }
            return false
        }
        let list = try await workspaces.list(namespace: namespace, fieldSelector: fieldSelector)
        guard let initial = list.items.first else {
            throw WorkspaceError(.notFound, name: name, namespace: namespace)
        }
        if report(initial) { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            if options.nodeClaims {
                // gpu-provisioner's Machines; Karpenter's NodeClaims in the first version served (one object is
                // served in every version, so watching two would report each change twice).
                group.addTask { await self.followClaims(in: [.machines], into: continuation) }
                group.addTask {
                    await self.followClaims(
                        in: [.nodeClaims(version: "v1"), .nodeClaims(version: "v1beta1")], into: continuation)
                }
            }
            if options.pods {
                group.addTask { await self.followPods(into: continuation) }
            }
            for try await event in workspaces.watch(
                namespace: namespace, fieldSelector: fieldSelector, resourceVersion: list.resourceVersion,
                reconnect: options.reconnect)
            {
                switch event {
                case .added(let object), .modified(let object):
                    if report(object) {
                        // The end: nothing may follow it, whatever the other watches still deliver.
                        continuation.finish()
                        return
                    }
                case .deleted:
                    throw WorkspaceError(.deletedWhileWaiting, name: name, namespace: namespace)
                case .bookmark:
                    continue
                }
            }
            throw WorkspaceError(.watchEnded, name: name, namespace: namespace)
        }
    }

    private func followClaims(in types: [ResourceType], into continuation: Continuation) async {
        var last: [String: NodeClaimProgress] = [:]
        await followCollection(
            types.map { client.resource($0) }, namespace: nil,
            labelSelector: WorkspaceObservation.claimSelector(name: name, namespace: namespace)
        ) { object, deleted in
            let progress = NodeClaimProgress(object, deleted: deleted)
            guard last[object.name] != progress else { return }
            last[object.name] = progress
            continuation.yield(.nodeClaim(progress))
        }
    }

    private func followPods(into continuation: Continuation) async {
        var last: [String: PodProgress] = [:]
        await followCollection(
            [client.resource(Pod.self)], namespace: namespace, labelSelector: "\(WorkspaceLabels.workspace)=\(name)"
        ) { pod, deleted in
            let progress = PodProgress(pod, deleted: deleted)
            guard last[pod.name] != progress else { return }
            last[pod.name] = progress
            continuation.yield(.pod(progress))
        }
    }

    /// Lists then watches a collection, handing each object (and whether it was deleted) to `handle`, until the
    /// task is cancelled. `candidates` are tried in order until one is served (not 404). Failures end it quietly:
    /// these watches only add detail to the workspace's own.
    private func followCollection<Object: KubernetesObjectConvertible>(
        _ candidates: [ResourceClient<Object>], namespace: String?, labelSelector: String,
        handle: (Object, Bool) -> Void
    ) async {
        var candidates = candidates[...]
        while let resource = candidates.first, !Task.isCancelled {
            do {
                let list = try await resource.list(namespace: namespace, labelSelector: labelSelector)
                for object in list.items { handle(object, false) }
                for try await event in resource.watch(
                    namespace: namespace, labelSelector: labelSelector, resourceVersion: list.resourceVersion,
                    reconnect: options.reconnect)
                {
                    switch event {
                    case .added(let object), .modified(let object): handle(object, false)
                    case .deleted(let object): handle(object, true)
                    case .bookmark: continue
                    }
                }
                return
            } catch let error as KubernetesError where error.isGone {
                continue  // Too old to resume: list again.
            } catch let error as KubernetesError where error.isNotFound {
                candidates = candidates.dropFirst()  // Not served here: the next version, if any.
            } catch {
                return
            }
        }
    }
}

extension WorkspaceProgressEvent: CustomStringConvertible {
    /// One line, as `kaitoctl workspace create --wait` prints it: `ResourceReady: True
    /// workspaceResourceStatusSuccess, workspace resource is ready`, `Machine ws1a2b3c4d5: Ready, node ws1a2b3c4d5`,
    /// `Pod falcon-7b-6d9c…: Running on ws1a2b3c4d5, ready`, `WorkspaceSucceeded`.
    public var description: String {
        switch self {
        case .condition(let condition):
            var line = "\(condition.type): \(condition.status)"
            if !condition.reason.isEmpty { line += " \(condition.reason)" }
            if !condition.message.isEmpty { line += ", \(condition.message)" }
            return line
        case .nodeClaim(let claim):
            var line = "\(claim.kind) \(claim.name): "
            switch claim.state {
            case .pending: line += "Pending"
            case .ready: line += "Ready"
            case .failed(let message): line += "Failed, \(message)"
            case .deleting: line += "Deleting"
            case .deleted: line += "Deleted"
            }
            if !claim.instanceTypes.isEmpty, claim.state == .pending {
                line += " (\(claim.instanceTypes.joined(separator: ",")))"
            }
            if let node = claim.nodeName, claim.state == .ready { line += ", node \(node)" }
            return line
        case .pod(let pod):
            var line = "Pod \(pod.name): "
            if pod.isDeleted { return line + "Deleted" }
            line += pod.phase
            if let node = pod.nodeName { line += " on \(node)" }
            if pod.phase == "Running" { line += pod.isReady ? ", ready" : ", not ready" }
            if let reason = pod.reason {
                line += ", \(reason)"
                if let message = pod.message, !message.isEmpty { line += ": \(message)" }
            }
            return line
        case .succeeded(let workspace):
            return "\(workspace.name) succeeded"
        case .failed(let failure):
            return "failed: \(failure)"
        }
    }
}

public import Foundation
public import KaitoCore

/// Everything on the cluster that belongs to one workspace, read at one moment: what `kaitoctl workspace status`
/// shows, and what ``WorkspaceObservation/waitingFor(now:)`` plans from.
public struct WorkspaceObservation: Sendable {
    /// The workspace as stored.
    public var workspace: KubernetesObject
    /// The cluster's nodes (the workspace's worker nodes among them).
    public var nodes: [Node] = []
    /// Its Machines or NodeClaims (labelled `kaito.sh/workspace` and `kaito.sh/workspacenamespace`).
    public var claims: [KubernetesObject] = []
    /// Its Deployment (single-node inference), when there is one.
    public var deployment: KubernetesObject?
    /// Its StatefulSet (multi-node inference), when there is one.
    public var statefulSet: KubernetesObject?
    /// Its tuning Job, when there is one.
    public var job: KubernetesObject?
    /// Its Services: the one of the same name, and `NAME-headless` for multi-node inference.
    public var services: [KubernetesObject] = []
    /// Its ControllerRevisions (one per spec the operator has seen).
    public var revisions: [KubernetesObject] = []
    /// The Events about the workspace, oldest first.
    public var events: [Event] = []

    /// Wraps a workspace with nothing observed around it yet.
    public init(workspace: KubernetesObject) {
        self.workspace = workspace
    }

    /// The workspace's name.
    public var name: String { workspace.name }
    /// The workspace's namespace (`default` when the object does not say).
    public var namespace: String { workspace.metadata.namespace ?? "default" }

    /// Reads the workspace's nodes, claims, workloads, Services, revisions and events. Kinds the cluster does not
    /// serve or the caller may not read are left empty.
    /// - Throws: ``KubernetesError`` for any other failure.
    public static func load(client: KubernetesClient, workspace: KubernetesObject) async throws
        -> WorkspaceObservation
    {
        var observation = WorkspaceObservation(workspace: workspace)
        let name = workspace.name
        let namespace = observation.namespace
        func optional<T>(_ body: () async throws -> T) async throws -> T? {
            do {
                return try await body()
            } catch let error as KubernetesError where error.isNotFound || error.isForbidden {
                return nil
            }
        }
        observation.nodes = try await optional { try await client.resource(Node.self).list().items } ?? []
        let claimSelector = Self.claimSelector(name: name, namespace: namespace)
        observation.claims =
            try await optional {
                try await client.resource(.machines).list(labelSelector: claimSelector).items
            } ?? []
        if observation.claims.isEmpty {
            for version in ["v1beta1", "v1"] {
                let claims =
                    try await optional {
                        try await client.resource(.nodeClaims(version: version)).list(labelSelector: claimSelector)
                            .items
                    } ?? []
                if !claims.isEmpty {
                    observation.claims = claims
                    break
                }
            }
        }
        observation.deployment = try await optional {
            try await client.resource(.deployments).get(name, namespace: namespace)
        }
        observation.statefulSet = try await optional {
            try await client.resource(.statefulSets).get(name, namespace: namespace)
        }
        observation.job = try await optional { try await client.resource(.jobs).get(name, namespace: namespace) }
        for serviceName in [name, "\(name)-headless"] {
            if let service = try await optional({
                try await client.resource(.services).get(serviceName, namespace: namespace)
            }) {
                observation.services.append(service)
            }
        }
        observation.revisions =
            try await optional {
                try await client.resource(.controllerRevisions).list(
                    namespace: namespace, labelSelector: "\(WorkspaceRevision.nameLabel)=\(name)"
                ).items
            } ?? []
        let events =
            try await optional {
                try await client.resource(Event.self).list(
                    namespace: namespace, fieldSelector: "involvedObject.kind=Workspace,involvedObject.name=\(name)"
                ).items
            } ?? []
        observation.events = events.filter { $0.involvedObject?.name == name }
            .sorted { Self.eventTime($0) < Self.eventTime($1) }
        return observation
    }

    /// The label selector of a workspace's Machines and NodeClaims.
    static func claimSelector(name: String, namespace: String) -> String {
        "\(WorkspaceLabels.workspace)=\(name),\(WorkspaceLabels.workspaceNamespace)=\(namespace)"
    }

    /// When an event last happened: `lastTimestamp`, else `eventTime`, else `firstTimestamp`, else its creation.
    public static func eventTime(_ event: Event) -> Date {
        for field in ["lastTimestamp", "eventTime", "firstTimestamp"] {
            if let text = event.value(at: field)?.stringValue, let date = RFC3339.date(from: text) { return date }
        }
        return event.metadata.creationTimestamp ?? .distantPast
    }

    /// What the operator's next reconcile would wait for, planned from these objects with the planner.
    public func waitingFor(now: Date = Date()) -> [String] {
        guard var decoded = try? workspace.decodedWorkspace() else { return [] }
        decoded.metadata.namespace = namespace
        var objects = nodes.map(\.object) + claims + revisions + services
        objects += [deployment, statefulSet, job].compactMap { $0 }
        let state = ObservedState(objects: objects, for: decoded)
        let claimVersion = claims.first { $0.kind == "NodeClaim" }?.apiVersion
        let configuration = PlannerConfiguration(
            provisioner: claimVersion == nil ? .machine : .nodeclaim,
            nodeClaimAPIVersion: claimVersion ?? "karpenter.sh/v1beta1", now: now)
        return Planner.plan(decoded, observed: state, configuration: configuration).waitingFor
    }

    /// One line: the failing condition (`ResourceReady is False (reason): message`), else what the workspace
    /// waits for.
    public func pendingSummary(now: Date = Date()) -> String {
        if let failed = workspace.workspaceFailure {
            return "\(failed.conditionType) is False (\(failed.reason)): \(failed.message)"
        }
        let waiting = waitingFor(now: now)
        if waiting.isEmpty {
            return workspace.workspaceConditions.isEmpty
                ? "the controller to report the workspace's status (is kaito-controller running?)"
                : "the controller to mark the workspace succeeded"
        }
        return waiting.joined(separator: "; ")
    }
}

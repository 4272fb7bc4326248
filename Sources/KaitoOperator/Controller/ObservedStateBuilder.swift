import Foundation
internal import KaitoK8s
import KaitoCore

extension WorkspaceController {
    /// What the caches hold about `workspace`, sorted as the planner needs it: every node, the workspace's node
    /// claims and ControllerRevisions (by label), and its Services, Deployment, StatefulSet and Job (by name, when
    /// they belong to it).
    func observedState(for workspace: Workspace) async -> ObservedState {
        let name = workspace.metadata.name ?? ""
        let namespace = workspace.metadata.namespace ?? "default"
        var observed = ObservedState()
        observed.nodes = await caches.nodes.store.objects().map(ObservedNode.init)
        if let claims = caches.nodeClaims {
            observed.nodeClaims = await claims.store.objects(
                matching: LabelSelector(
                    matchLabels: [WorkspaceLabels.workspace: name, WorkspaceLabels.workspaceNamespace: namespace])
            ).map(ObservedNodeClaim.init)
        }
        observed.controllerRevisions = await caches.controllerRevisions.store.objects(
            matching: LabelSelector(matchLabels: [WorkspaceRevision.nameLabel: name]), namespace: namespace)
        // Objects of the planned names that belong to something else are left out: the planner then plans to
        // create them, and the executor reports the object in the way instead of the workspace using it.
        func owned(_ object: KubernetesObject?) -> KubernetesObject? {
            object.flatMap { WorkspaceOwnership.belongs($0.metadata, to: workspace) ? $0 : nil }
        }
        for serviceName in [name, "\(name)-headless"] {
            if let service = owned(await caches.services.store.object(namespace: namespace, name: serviceName)) {
                observed.services.append(service)
            }
        }
        observed.deployment = owned(await caches.deployments.store.object(namespace: namespace, name: name))
        observed.statefulSet = owned(await caches.statefulSets.store.object(namespace: namespace, name: name))
        observed.job = owned(await caches.jobs.store.object(namespace: namespace, name: name))
        if let nodeClasses = caches.nodeClasses {
            observed.nodeClasses = await nodeClasses.store.objects()
        }
        return observed
    }

    /// A summary of the caches for the observer's gauges.
    func snapshot() async -> ControllerSnapshot {
        var snapshot = ControllerSnapshot()
        let workspaces = await caches.workspaces.store.objects()
        snapshot.workspaceCount = workspaces.count
        for workspace in workspaces {
            for condition in workspace.status?.conditions ?? [] {
                snapshot.workspacesByCondition[condition.type, default: [:]][condition.status.rawValue, default: 0] += 1
            }
        }
        if let claims = caches.nodeClaims {
            for claim in await claims.store.objects().map(ObservedNodeClaim.init) {
                let state =
                    claim.isDeleting
                    ? "deleting" : claim.isReady ? "ready" : claim.launchFailure != nil ? "failed" : "pending"
                snapshot.nodeClaimsByState[state, default: 0] += 1
            }
        }
        return snapshot
    }
}

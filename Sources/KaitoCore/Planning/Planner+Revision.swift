extension PlanContext {
    /// Spec 5.3: hash the spec, keep a ControllerRevision per distinct spec, annotate the workspace.
    /// Returns false when the revision history is inconsistent (the plan then stops).
    mutating func planRevision() -> Bool {
        let hash = WorkspaceRevision.hash(of: workspace)
        let revisionName = WorkspaceRevision.controllerRevisionName(workspaceName: name, hash: hash)
        let history = observed.controllerRevisions.sorted { revisionNumber($0) < revisionNumber($1) }
        if let existing = history.first(where: { $0.name == revisionName }) {
            guard existing.metadata.annotations?[WorkspaceRevision.hashAnnotation] == hash else {
                fail("revision name conflicts, the hash values are different", types: [])
                return false
            }
            revision = revisionNumber(existing)
        } else {
            revision = (history.last.map(revisionNumber) ?? 0) + 1
            actions.append(.create(controllerRevision(name: revisionName, hash: hash)))
            // Kaito keeps at most 10 earlier revisions beside the new one.
            for old in history.prefix(max(0, history.count - WorkspaceRevision.maxHistory)) {
                actions.append(.delete(old.reference))
            }
        }
        let wanted = [WorkspaceRevision.hashAnnotation: hash, WorkspaceRevision.revisionAnnotation: String(revision)]
        let current = workspace.metadata.annotations ?? [:]
        if wanted.contains(where: { current[$0.key] != $0.value }) {
            actions.append(.setWorkspaceAnnotations(wanted))
        }
        return true
    }

    private func revisionNumber(_ object: KubernetesObject) -> Int {
        switch object.content["revision"] {
        case .integer(let number)?: Int(number)
        default: 0
        }
    }

    private func controllerRevision(name revisionName: String, hash: String) -> KubernetesObject {
        KubernetesObject(
            apiVersion: "apps/v1", kind: "ControllerRevision",
            metadata: ObjectMeta(
                name: revisionName, namespace: namespace, labels: [WorkspaceRevision.nameLabel: name],
                annotations: [WorkspaceRevision.hashAnnotation: hash],
                ownerReferences: [ownerReference(blockOwnerDeletion: true)]),
            content: [
                "revision": .integer(Int64(revision)),
                "data": WorkspaceRevision.controllerRevisionData(of: workspace),
            ])
    }

    /// Spec 5.4: mark the workspace deleting, delete its node claims, then release it by removing our finalizer.
    mutating func planDeletion() {
        setCondition(
            WorkspaceConditions.workspaceDeleting, .true, WorkspaceConditions.Reason.workspaceDeleted,
            "workspace is being deleted")
        for claim in observed.nodeClaims.sorted(by: { $0.name < $1.name }) where !claim.isDeleting {
            actions.append(.delete(claim.object.reference))
        }
        if (workspace.metadata.finalizers ?? []).contains(Planner.finalizer) {
            actions.append(.removeFinalizer(Planner.finalizer))
        }
    }
}

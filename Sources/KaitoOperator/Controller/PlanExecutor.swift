import Foundation
public import KaitoK8s
public import KaitoCore

/// Applies a ``KaitoCore/ReconcilePlan`` to the API server, idempotently.
///
/// - **create**: creates the object; when its name is taken, the existing object is adopted if it belongs to the
///   workspace (an owner reference to it, or its `kaito.sh/workspace` labels), and its owner reference and labels are
///   completed; an object that belongs to something else fails the plan with a message naming it. Shared objects
///   (the `default` node class) are accepted as they are.
/// - **update**: reads the object fresh, puts the planned top-level fields (`spec`, `data`, …), labels, annotations
///   and owner references on it and replaces it at that resourceVersion; a conflict reads it again (bounded).
/// - **delete**: background propagation; an object already gone is fine.
/// - Machines and NodeClaims are created and deleted through the ``KaitoCore/NodeProvisioner``.
/// - **finalizers**: a JSON patch with a `test` of the current finalizer (or resourceVersion), so only
///   `workspace.finalizer.kaito.sh` is added or removed and a concurrent change is retried from fresh state.
/// - **annotations** and **node labels**: merge patches that keep the other keys.
/// - **status**: written through the `status` subresource with a merge patch, only when it differs from the
///   workspace's; each condition carries `observedGeneration`.
///
/// Every condition that appears or changes status, reason or message is recorded as a `ConditionChanged`
/// ``WorkspaceEvent`` (`Warning` when it is `False`), and every node claim created or deleted as `NodeClaimCreated` or
/// `NodeClaimDeleted`.
public struct PlanExecutor: Sendable {
    /// The client writes go through.
    public let client: KubernetesClient
    /// Creates and deletes node claims.
    public let provisioner: any NodeProvisioner
    /// Receives workspace events; `nil` records none.
    public let events: (any WorkspaceEventRecorder)?
    /// The field manager of every write.
    public let fieldManager: String
    /// How many times a write that conflicts is retried from fresh state.
    public let maxConflictRetries: Int

    /// Creates an executor.
    /// - Parameters:
    ///   - client: The API server client.
    ///   - provisioner: Creates and deletes Machines and NodeClaims.
    ///   - events: Receives workspace events.
    ///   - fieldManager: The field manager of every write (`kaito-controller`).
    ///   - maxConflictRetries: How many times a conflicting write is retried from fresh state.
    public init(
        client: KubernetesClient, provisioner: any NodeProvisioner, events: (any WorkspaceEventRecorder)? = nil,
        fieldManager: String = "kaito-controller", maxConflictRetries: Int = 5
    ) {
        self.client = client
        self.provisioner = provisioner
        self.events = events
        self.fieldManager = fieldManager
        self.maxConflictRetries = max(0, maxConflictRetries)
    }

    /// What one execution did.
    public struct Result: Sendable, Hashable {
        /// Objects created (node claims included).
        public var created: [ObjectReference] = []
        /// Objects that existed already and were adopted.
        public var adopted: [ObjectReference] = []
        /// Objects replaced.
        public var updated: [ObjectReference] = []
        /// Objects deleted (those already gone are not listed).
        public var deleted: [ObjectReference] = []
        /// Whether the workspace status was written.
        public var statusWritten = false
        /// The events recorded.
        public var events: [WorkspaceEvent] = []
        /// Whether the workspace is gone (its finalizer was removed and the server deleted it).
        public var workspaceGone = false
        /// The workspace as the executor's own writes left it (their answers from the server).
        public var workspace: Workspace?
        /// The resourceVersions the workspace had after each of the executor's writes to it, in order.
        public var workspaceVersions: [String] = []

        /// An empty result.
        public init() {}
    }

    /// Applies `plan` to `workspace` (as read from the server or a cache, with its uid).
    ///
    /// Actions run in order and the first failure stops the execution; the status is written after the actions
    /// (before removing the finalizer, so a workspace being deleted shows `WorkspaceDeleting` while it goes).
    /// - Throws: ``PlanExecutionError`` for an object that belongs to something else or an unknown kind;
    ///   ``KubernetesError`` when the API server refuses a write.
    @discardableResult
    public func execute(_ plan: ReconcilePlan, for workspace: Workspace) async throws -> Result {
        var context = ExecutionContext(workspace: workspace)
        var statusPending = true
        for action in plan.actions {
            if case .removeFinalizer = action, statusPending {
                try await writeStatus(plan.status, context: &context)
                statusPending = false
            }
            try await apply(action, context: &context)
        }
        if statusPending, !context.result.workspaceGone {
            try await writeStatus(plan.status, context: &context)
        }
        context.result.workspace = context.workspace
        return context.result
    }

    // MARK: - Actions

    struct ExecutionContext {
        /// The workspace as last seen (updated by our own writes).
        var workspace: Workspace
        var result = Result()

        var key: String { "\(workspace.metadata.namespace ?? "default")/\(workspace.metadata.name ?? "")" }
        var namespace: String { workspace.metadata.namespace ?? "default" }
        var name: String { workspace.metadata.name ?? "" }
        var reference: ObjectReference {
            ObjectReference(apiVersion: Workspace.apiVersion, kind: Workspace.kind, namespace: namespace, name: name)
        }

        /// Remembers the workspace's resourceVersion after one of our writes.
        mutating func noteWrite() {
            if let version = workspace.metadata.resourceVersion { result.workspaceVersions.append(version) }
        }
    }

    private func apply(_ action: PlanAction, context: inout ExecutionContext) async throws {
        switch action {
        case .create(let object):
            try await create(WorkspaceOwnership.fillingOwnerUIDs(object, workspace: context.workspace), &context)
        case .update(let object):
            try await update(WorkspaceOwnership.fillingOwnerUIDs(object, workspace: context.workspace), &context)
        case .delete(let reference):
            try await delete(reference, &context)
        case .addFinalizer(let finalizer):
            try await changeFinalizer(finalizer, add: true, &context)
        case .removeFinalizer(let finalizer):
            try await changeFinalizer(finalizer, add: false, &context)
        case .setWorkspaceAnnotations(let annotations):
            let patch: JSONValue = ["metadata": ["annotations": .object(annotations.mapValues(JSONValue.string))]]
            context.workspace = try await client.resource(Workspace.self).patch(
                context.name, namespace: context.namespace, .merge(patch), fieldManager: fieldManager)
            context.noteWrite()
        case .labelNode(let node, let labels):
            let patch: JSONValue = ["metadata": ["labels": .object(labels.mapValues(JSONValue.string))]]
            _ = try await client.resource(.nodes).patch(node, .merge(patch), fieldManager: fieldManager)
        }
    }

    private static func isNodeClaim(_ apiVersion: String, _ kind: String) -> Bool {
        apiVersion.hasPrefix("karpenter.sh/") && (kind == "Machine" || kind == "NodeClaim")
    }

    private func create(_ object: KubernetesObject, _ context: inout ExecutionContext) async throws {
        if Self.isNodeClaim(object.apiVersion, object.kind) {
            let outcome = try await provisioner.provision(object)
            switch outcome {
            case .created:
                context.result.created.append(object.reference)
                let instanceType = ObservedNodeClaim(object).instanceTypes.first.map { " (\($0))" } ?? ""
                await record(
                    .normal, "NodeClaimCreated", "created \(object.kind) \(object.name)\(instanceType)", &context)
            case .adopted:
                context.result.adopted.append(object.reference)
            }
            return
        }
        let resource = client.resource(try ResourceType.planned(apiVersion: object.apiVersion, kind: object.kind))
        let namespace = resource.type.isNamespaced ? object.metadata.namespace ?? context.namespace : nil
        do {
            _ = try await resource.create(object, namespace: namespace, fieldManager: fieldManager)
            context.result.created.append(object.reference)
        } catch let error as KubernetesError where error.isAlreadyExists {
            let existing = try await resource.get(object.name, namespace: namespace)
            guard WorkspaceOwnership.isWorkspaceScoped(object.metadata) else {
                // A shared object (the default node class): whoever made it, it serves.
                context.result.adopted.append(object.reference)
                return
            }
            guard WorkspaceOwnership.belongs(existing.metadata, to: context.workspace) else {
                throw WorkspaceOwnership.foreignObjectError(
                    existing.metadata, reference: object.reference, workspace: context.workspace)
            }
            if let patch = adoptionPatch(existing: existing.metadata, desired: object.metadata, context.workspace) {
                _ = try await resource.patch(
                    object.name, namespace: namespace, .merge(patch), fieldManager: fieldManager)
            }
            context.result.adopted.append(object.reference)
        }
    }

    /// The merge patch that completes an adopted object's owner references and labels, or `nil` when complete.
    private func adoptionPatch(existing: ObjectMeta, desired: ObjectMeta, _ workspace: Workspace) -> JSONValue? {
        var metadata: [String: JSONValue] = [:]
        let wantedReferences = desired.ownerReferences ?? []
        var references = existing.ownerReferences ?? []
        var changed = false
        for wanted in wantedReferences
        where !references.contains(where: { $0.uid == wanted.uid && $0.kind == wanted.kind }) {
            // A reference to an earlier workspace of the same name is replaced by one to this workspace.
            references.removeAll { $0.kind == wanted.kind && $0.name == wanted.name }
            references.append(wanted)
            changed = true
        }
        if changed, let encoded = try? KubernetesJSON.jsonValue(of: references) {
            metadata["ownerReferences"] = encoded
        }
        let labels = existing.labels ?? [:]
        let missing = (desired.labels ?? [:]).filter { labels[$0.key] != $0.value }
        if !missing.isEmpty { metadata["labels"] = .object(missing.mapValues(JSONValue.string)) }
        return metadata.isEmpty ? nil : ["metadata": .object(metadata)]
    }

    private func update(_ desired: KubernetesObject, _ context: inout ExecutionContext) async throws {
        let resource = client.resource(try ResourceType.planned(apiVersion: desired.apiVersion, kind: desired.kind))
        let namespace = resource.type.isNamespaced ? desired.metadata.namespace ?? context.namespace : nil
        var attempt = 0
        while true {
            let fresh: KubernetesObject
            do {
                fresh = try await resource.get(desired.name, namespace: namespace)
            } catch let error as KubernetesError where error.isNotFound {
                // Gone since it was observed: create it instead.
                try await create(desired, &context)
                return
            }
            if WorkspaceOwnership.isWorkspaceScoped(desired.metadata),
                !WorkspaceOwnership.belongs(fresh.metadata, to: context.workspace)
            {
                throw WorkspaceOwnership.foreignObjectError(
                    fresh.metadata, reference: desired.reference, workspace: context.workspace)
            }
            var merged = fresh
            for (key, value) in desired.content where key != "status" {
                merged.content[key] = value
            }
            if let labels = desired.metadata.labels {
                merged.metadata.labels = (fresh.metadata.labels ?? [:]).merging(labels) { _, new in new }
            }
            if let annotations = desired.metadata.annotations {
                merged.metadata.annotations = (fresh.metadata.annotations ?? [:]).merging(annotations) { _, new in new }
            }
            if let references = desired.metadata.ownerReferences, !references.isEmpty {
                merged.metadata.ownerReferences = references
            }
            do {
                _ = try await resource.replace(merged, namespace: namespace, fieldManager: fieldManager)
                context.result.updated.append(desired.reference)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < maxConflictRetries {
                attempt += 1
            }
        }
    }

    private func delete(_ reference: ObjectReference, _ context: inout ExecutionContext) async throws {
        if Self.isNodeClaim(reference.apiVersion, reference.kind) {
            if try await provisioner.deprovision(reference) {
                context.result.deleted.append(reference)
                await record(.normal, "NodeClaimDeleted", "deleted \(reference.kind) \(reference.name)", &context)
            }
            return
        }
        let resource = client.resource(try ResourceType.planned(apiVersion: reference.apiVersion, kind: reference.kind))
        let namespace = resource.type.isNamespaced ? reference.namespace ?? context.namespace : nil
        do {
            try await resource.delete(
                reference.name, namespace: namespace, options: DeleteOptions(propagationPolicy: .background))
            context.result.deleted.append(reference)
        } catch let error as KubernetesError where error.isNotFound {
            return
        }
    }

    /// Adds or removes one finalizer with a JSON patch guarded by a `test`, retrying from fresh state.
    private func changeFinalizer(_ finalizer: String, add: Bool, _ context: inout ExecutionContext) async throws {
        let workspaces = client.resource(Workspace.self)
        var attempt = 0
        while true {
            let current = context.workspace.metadata.finalizers
            var operations: [JSONPatchOperation]
            if add {
                guard !(current ?? []).contains(finalizer) else { return }
                if let current {
                    operations = [
                        .test("/metadata/finalizers", value: .array(current.map(JSONValue.string))),
                        .add("/metadata/finalizers/-", value: .string(finalizer)),
                    ]
                } else {
                    operations = [
                        .test(
                            "/metadata/resourceVersion",
                            value: .string(context.workspace.metadata.resourceVersion ?? "")),
                        .add("/metadata/finalizers", value: [.string(finalizer)]),
                    ]
                }
            } else {
                guard let index = current?.firstIndex(of: finalizer) else { return }
                operations = [
                    .test("/metadata/finalizers/\(index)", value: .string(finalizer)),
                    .remove("/metadata/finalizers/\(index)"),
                ]
            }
            do {
                let patched = try await workspaces.patch(
                    context.name, namespace: context.namespace, .json(operations), fieldManager: fieldManager)
                context.workspace = patched
                context.noteWrite()
                return
            } catch let error as KubernetesError where error.isNotFound && !add {
                context.result.workspaceGone = true
                return
            } catch let error as KubernetesError
                where (error.isConflict || error.isInvalid || error.code == 400) && attempt < maxConflictRetries
            {
                // The finalizers or resourceVersion changed under us: read them again.
                attempt += 1
                do {
                    context.workspace = try await workspaces.get(context.name, namespace: context.namespace)
                } catch let error as KubernetesError where error.isNotFound && !add {
                    context.result.workspaceGone = true
                    return
                }
            }
        }
    }

    // MARK: - Status

    /// Writes `status` through the status subresource when it differs from `workspace`'s, and records an event per
    /// condition that changed (for reporting a failure the plan could not foresee).
    /// - Throws: ``KubernetesError`` when the API server refuses the write.
    @discardableResult
    public func writeStatus(_ status: WorkspaceStatus, for workspace: Workspace) async throws -> Result {
        var context = ExecutionContext(workspace: workspace)
        try await writeStatus(status, context: &context)
        context.result.workspace = context.workspace
        return context.result
    }

    /// Writes `status` through the status subresource when it differs from the workspace's, then records an event
    /// per condition that changed.
    private func writeStatus(_ status: WorkspaceStatus, context: inout ExecutionContext) async throws {
        let old = context.workspace.status ?? WorkspaceStatus()
        guard !Self.sameStatus(old, status) else { return }
        var fields: [String: JSONValue] = [:]
        fields["workerNodes"] = status.workerNodes.map { .array($0.map(JSONValue.string)) } ?? .null
        fields["conditions"] = try status.conditions.map { try KubernetesJSON.jsonValue(of: $0) } ?? .null
        do {
            let patched = try await client.resource(Workspace.self).patchStatus(
                context.name, namespace: context.namespace, .merge(["status": .object(fields)]),
                fieldManager: fieldManager)
            context.workspace.status = patched.status
            context.workspace.metadata.resourceVersion = patched.metadata.resourceVersion
            context.noteWrite()
        } catch let error as KubernetesError where error.isNotFound {
            context.result.workspaceGone = true
            return
        }
        context.result.statusWritten = true
        for event in Self.conditionEvents(from: old.conditions ?? [], to: status.conditions ?? []) {
            await record(event.kind, event.reason, event.message, &context)
        }
    }

    /// Whether two statuses say the same (condition order and sub-second times aside).
    static func sameStatus(_ lhs: WorkspaceStatus, _ rhs: WorkspaceStatus) -> Bool {
        guard (lhs.workerNodes ?? []) == (rhs.workerNodes ?? []) else { return false }
        let left = lhs.conditions ?? []
        let right = rhs.conditions ?? []
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) {
            guard a.type == b.type, a.status == b.status, a.reason == b.reason, a.message == b.message,
                a.observedGeneration == b.observedGeneration
            else { return false }
            switch (a.lastTransitionTime, b.lastTransitionTime) {
            case (nil, nil): break
            case (let x?, let y?) where abs(x.timeIntervalSince(y)) < 1: break
            default: return false
            }
        }
        return true
    }

    /// One event per condition that appeared or changed status, reason or message; `Warning` when it is `False`.
    static func conditionEvents(from old: [Condition], to new: [Condition])
        -> [(kind: WorkspaceEvent.Kind, reason: String, message: String)]
    {
        var events: [(kind: WorkspaceEvent.Kind, reason: String, message: String)] = []
        for condition in new {
            let previous = old.first { $0.type == condition.type }
            if let previous, previous.status == condition.status, previous.reason == condition.reason,
                previous.message == condition.message
            {
                continue
            }
            let from = previous?.status.rawValue ?? "-"
            var message = "\(condition.type): \(from) -> \(condition.status.rawValue) (\(condition.reason))"
            if !condition.message.isEmpty { message += ": \(condition.message)" }
            events.append((condition.status == .false ? .warning : .normal, "ConditionChanged", message))
        }
        return events
    }

    private func record(
        _ kind: WorkspaceEvent.Kind, _ reason: String, _ message: String, _ context: inout ExecutionContext
    ) async {
        let event = WorkspaceEvent(
            workspace: context.reference, workspaceUID: context.workspace.metadata.uid ?? "", kind: kind,
            reason: reason, message: message)
        context.result.events.append(event)
        await events?.record(event)
    }
}

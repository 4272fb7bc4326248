import Foundation
import KaitoCore

extension ObjectStore {
    static let undeletableNamespaces: Set<String> = ["default", "kube-system", "kube-public"]

    mutating func delete(
        _ resource: GroupVersionResource, namespace: String?, name: String, options: DeleteOptions
    ) throws -> DeleteResult {
        let descriptor = try descriptor(resource)
        let namespace = try objectNamespace(descriptor, namespace)
        let key = ObjectKey(resource: descriptor.storageResource, namespace: namespace, name: name)
        guard let existing = stored(key) else { throw APIError.notFound(descriptor.groupResource, name: name) }
        let current = ObjectAccessor(existing.object)
        if let uid = options.preconditionUID, uid != current.uid {
            throw storagePreconditionFailure(
                key, descriptor: descriptor,
                detail: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current.uid)")
        }
        if let version = options.preconditionResourceVersion, version != current.resourceVersion {
            throw storagePreconditionFailure(
                key, descriptor: descriptor,
                detail: "Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object "
                    + "meta: \(current.resourceVersion)")
        }
        if key.resource == Self.namespaces, Self.undeletableNamespaces.contains(name) {
            throw APIError.forbidden(Self.namespaces, name: name, detail: "this namespace may not be deleted")
        }
        return deleteObject(
            key, descriptor: descriptor, policy: options.propagationPolicy, gracePeriod: options.gracePeriodSeconds)
    }

    mutating func deleteCollection(
        _ resource: GroupVersionResource, namespace: String?, listOptions: ListOptions, deleteOptions: DeleteOptions
    ) throws -> [DeleteResult] {
        let descriptor = try descriptor(resource)
        let selection = try Selection(
            descriptor: descriptor, labelSelector: listOptions.labelSelector, fieldSelector: listOptions.fieldSelector)
        let namespaceFilter = try collectionNamespace(descriptor, namespace)
        var results: [DeleteResult] = []
        for key in allKeys(of: descriptor.storageResource) {
            if let namespaceFilter, key.namespace != namespaceFilter { continue }
            guard let stored = stored(key), selection.matches(stored.object) else { continue }
            if key.resource == Self.namespaces, Self.undeletableNamespaces.contains(key.name) { continue }
            results.append(
                deleteObject(
                    key, descriptor: descriptor, policy: deleteOptions.propagationPolicy,
                    gracePeriod: deleteOptions.gracePeriodSeconds))
        }
        return results
    }

    /// Deletes an object: removes it at once, or (with finalizers, foreground or orphan propagation, the
    /// namespace and CRD cleanups, or a graceful Pod deletion) marks it with `deletionTimestamp` and keeps it.
    ///
    /// A Pod bound to a node and not finished is deleted gracefully, as the pod strategy does: `deletionTimestamp`
    /// is set `gracePeriod` (else the pod's `terminationGracePeriodSeconds`, 30 by default) seconds ahead, with
    /// `deletionGracePeriodSeconds`, and the kubelet deletes it for good (grace 0) once its containers stopped; a
    /// later delete may only shorten the period. Unbound and finished pods, and every other kind, go at once.
    mutating func deleteObject(
        _ key: ObjectKey, descriptor: ResourceDescriptor?, policy: PropagationPolicy?, gracePeriod: Int64? = nil
    ) -> DeleteResult {
        guard let existing = stored(key) else {
            return .deleted(output([:], descriptor))
        }
        var accessor = ObjectAccessor(existing.object)
        let hadOrphan = accessor.finalizers.contains(Self.orphanFinalizer)
        let hadForeground = accessor.finalizers.contains(Self.foregroundFinalizer)
        let effective: PropagationPolicy
        if let policy {
            effective = policy
        } else if hadOrphan {
            effective = .orphan
        } else if hadForeground {
            effective = .foreground
        } else {
            effective = descriptor?.defaultPropagationPolicy ?? .background
        }
        var finalizers = accessor.finalizers.filter { $0 != Self.orphanFinalizer && $0 != Self.foregroundFinalizer }
        switch effective {
        case .orphan: finalizers.append(Self.orphanFinalizer)
        case .foreground: finalizers.append(Self.foregroundFinalizer)
        case .background: break
        }
        accessor.finalizers = finalizers
        let timestamp = now()
        if key.resource == CustomResourceDefinitions.resource {
            CustomResourceDefinitions.markTerminating(&accessor.object, now: timestamp)
        }
        if key.resource == Self.namespaces {
            var document = JSONValue.object(accessor.object)
            document.setValue("Terminating", at: ["status", "phase"])
            accessor.object = document.objectValue ?? accessor.object
        }
        let grace = key.resource == Self.pods ? Self.podGracePeriod(existing.object, requested: gracePeriod) : 0
        if grace > 0 {
            let deadline = RFC3339.string(from: clock.now().addingTimeInterval(TimeInterval(grace)))
            let current: Int64? = {
                if case .integer(let seconds)? = accessor.metadata["deletionGracePeriodSeconds"] { return seconds }
                return nil
            }()
            if accessor.deletionTimestamp == nil {
                accessor.setString("deletionTimestamp", deadline)
                accessor.metadata["deletionGracePeriodSeconds"] = .integer(grace)
                if let generation = accessor.generation { accessor.metadata["generation"] = .integer(generation + 1) }
            } else if let current, grace < current {
                accessor.setString("deletionTimestamp", deadline)
                accessor.metadata["deletionGracePeriodSeconds"] = .integer(grace)
            }
        } else if accessor.finalizers.isEmpty, !Self.hasBlockingSpecFinalizers(accessor.object, key: key) {
            return .deleted(output(remove(key) ?? existing.object, descriptor))
        }
        if accessor.deletionTimestamp == nil {
            accessor.setString("deletionTimestamp", timestamp)
            accessor.metadata["deletionGracePeriodSeconds"] = .integer(0)
            if let generation = accessor.generation { accessor.metadata["generation"] = .integer(generation + 1) }
        } else if grace == 0, key.resource == Self.pods, accessor.finalizers.isEmpty {
            // A pod whose graceful deletion is cut short (grace 0, the kubelet's final delete) goes now.
            return .deleted(output(remove(key) ?? existing.object, descriptor))
        }
        if Self.sameContent(existing.object, accessor.object) {
            return .pending(output(existing.object, descriptor))
        }
        let final = put(key, object: accessor.object, managers: existing.managers)
        return .pending(output(final, descriptor))
    }

    /// The grace period of a pod deletion: 0 for a pod that is not bound to a node or has finished, else the
    /// requested period or the pod's `terminationGracePeriodSeconds` (30 by default).
    static func podGracePeriod(_ pod: [String: JSONValue], requested: Int64?) -> Int64 {
        let document = JSONValue.object(pod)
        if (document["spec"]?["nodeName"]?.stringValue ?? "").isEmpty { return 0 }
        if ["Succeeded", "Failed"].contains(document["status"]?["phase"]?.stringValue ?? "") { return 0 }
        if let requested { return requested }
        if case .integer(let seconds)? = document["spec"]?["terminationGracePeriodSeconds"] { return max(0, seconds) }
        return 30
    }

    // MARK: - Garbage collection

    /// One garbage-collector and namespace/CRD-controller pass, repeated until nothing changes.
    mutating func collectGarbage() -> [GarbageCollectionAction] {
        var actions: [GarbageCollectionAction] = []
        for _ in 0..<100 {
            let before = actions.count
            finishTerminatingNamespaces(&actions)
            bootstrapNamespaces(&actions)
            finishTerminatingDefinitions(&actions)
            processOwnersBeingDeleted(&actions)
            deleteDanglingDependents(&actions)
            if actions.count == before { break }
        }
        return actions
    }

    private func dependentsIndex() -> [String: [ObjectKey]] {
        var index: [String: [ObjectKey]] = [:]
        for (resource, namespaces) in tables {
            for (namespace, objects) in namespaces {
                for (name, stored) in objects {
                    for uid in ObjectAccessor(stored.object).ownerUIDs {
                        index[uid, default: []].append(ObjectKey(resource: resource, namespace: namespace, name: name))
                    }
                }
            }
        }
        return index.mapValues { $0.sorted() }
    }

    private mutating func gcDelete(
        _ key: ObjectKey, policy: PropagationPolicy, into actions: inout [GarbageCollectionAction]
    ) {
        guard let stored = stored(key), ObjectAccessor(stored.object).deletionTimestamp == nil else { return }
        _ = deleteObject(key, descriptor: anyDescriptor(key.resource), policy: policy)
        actions.append(
            GarbageCollectionAction(kind: .deleted, resource: key.resource, namespace: key.namespace, name: key.name))
    }

    /// Writes a change made by a controller (finalizer or owner-reference removal).
    private mutating func controllerWrite(_ key: ObjectKey, _ change: (inout ObjectAccessor) -> Void) {
        guard let existing = stored(key) else { return }
        var accessor = ObjectAccessor(existing.object)
        change(&accessor)
        _ = try? commit(
            key, descriptor: anyDescriptor(key.resource), existing: existing, updated: accessor.object,
            subresource: .main, attribution: .update(manager: Self.garbageCollectorManager))
    }

    private mutating func removeFinalizer(
        _ finalizer: String, from key: ObjectKey, into actions: inout [GarbageCollectionAction]
    ) {
        controllerWrite(key) { accessor in accessor.finalizers.removeAll { $0 == finalizer } }
        actions.append(
            GarbageCollectionAction(
                kind: .finalizerRemoved, resource: key.resource, namespace: key.namespace, name: key.name,
                detail: finalizer))
    }

    /// The namespace controller: deletes everything in a terminating namespace, then finalizes it.
    private mutating func finishTerminatingNamespaces(_ actions: inout [GarbageCollectionAction]) {
        for key in allKeys(of: Self.namespaces) {
            guard let namespace = stored(key), ObjectAccessor(namespace.object).deletionTimestamp != nil else {
                continue
            }
            let contents = allKeys().filter { $0.namespace == key.name }
            for content in contents {
                gcDelete(content, policy: .background, into: &actions)
            }
            updateTerminationConditions(key, remaining: allKeys().filter { $0.namespace == key.name })
            guard allKeys().allSatisfy({ $0.namespace != key.name }),
                Self.hasBlockingSpecFinalizers(namespace.object, key: key)
            else { continue }
            controllerWrite(key) { accessor in
                var document = JSONValue.object(accessor.object)
                document.setValue([], at: ["spec", "finalizers"])
                accessor.object = document.objectValue ?? accessor.object
            }
            actions.append(
                GarbageCollectionAction(
                    kind: .finalizerRemoved, resource: key.resource, namespace: "", name: key.name,
                    detail: Self.namespaceFinalizer))
        }
    }

    /// The namespace controller's status conditions on a terminating namespace: what it discovered, deleted, and
    /// what remains (by resource, and the finalizers that hold it).
    private mutating func updateTerminationConditions(_ key: ObjectKey, remaining: [ObjectKey]) {
        guard let namespace = stored(key) else { return }
        var counts: [String: Int] = [:]
        var finalizers: [String: Int] = [:]
        for content in remaining {
            counts["\(content.resource.resource).\(content.resource.group)", default: 0] += 1
            for finalizer in stored(content).map({ ObjectAccessor($0.object).finalizers }) ?? [] {
                finalizers[finalizer, default: 0] += 1
            }
        }
        let contentCondition: (String, String, String) =
            counts.isEmpty
            ? ("False", "ContentRemoved", "All content successfully removed")
            : (
                "True", "SomeResourcesRemain",
                "Some resources are remaining: "
                    + counts.keys.sorted().map { "\($0) has \(counts[$0] ?? 0) resource instances" }
                    .joined(separator: ", ")
            )
        let finalizerCondition: (String, String, String) =
            finalizers.isEmpty
            ? ("False", "ContentHasNoFinalizers", "All content-preserving finalizers finished")
            : (
                "True", "SomeFinalizersRemain",
                "Some content in the namespace has finalizers remaining: "
                    + finalizers.keys.sorted().map { "\($0) in \(finalizers[$0] ?? 0) resource instances" }
                    .joined(separator: ", ")
            )
        let wanted: [(type: String, status: String, reason: String, message: String)] = [
            (
                "NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
                "All resources successfully discovered"
            ),
            (
                "NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
                "All legacy kube types successfully parsed"
            ),
            (
                "NamespaceDeletionContentFailure", "False", "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization"
            ),
            ("NamespaceContentRemaining", contentCondition.0, contentCondition.1, contentCondition.2),
            ("NamespaceFinalizersRemaining", finalizerCondition.0, finalizerCondition.1, finalizerCondition.2),
        ]
        var document = JSONValue.object(namespace.object)
        let previous = document["status"]?["conditions"]?.arrayValue ?? []
        let conditions: [JSONValue] = wanted.map { condition in
            let before = previous.first { $0["type"]?.stringValue == condition.type }
            let since =
                before?["status"]?.stringValue == condition.status
                ? before?["lastTransitionTime"] ?? .string(now()) : .string(now())
            return [
                "type": .string(condition.type), "status": .string(condition.status),
                "lastTransitionTime": since, "reason": .string(condition.reason),
                "message": .string(condition.message),
            ]
        }
        guard conditions != previous else { return }
        document.setValue(.array(conditions), at: ["status", "conditions"])
        guard let updated = document.objectValue else { return }
        _ = try? commit(
            key, descriptor: anyDescriptor(key.resource), existing: namespace, updated: updated, subresource: .status,
            attribution: .update(manager: Self.garbageCollectorManager))
    }

    /// The CRD finalizer controller: deletes every custom resource of a terminating CRD, then lets it go.
    private mutating func finishTerminatingDefinitions(_ actions: inout [GarbageCollectionAction]) {
        for key in allKeys(of: CustomResourceDefinitions.resource) {
            guard let crd = stored(key) else { continue }
            let accessor = ObjectAccessor(crd.object)
            guard accessor.deletionTimestamp != nil,
                accessor.finalizers.contains(CustomResourceDefinitions.cleanupFinalizer),
                let defined = CustomResourceDefinitions.definedResource(crd.object)
            else { continue }
            for instance in allKeys(of: defined) {
                gcDelete(instance, policy: .background, into: &actions)
            }
            if allKeys(of: defined).isEmpty {
                removeFinalizer(CustomResourceDefinitions.cleanupFinalizer, from: key, into: &actions)
            }
        }
    }

    /// Orphan and foreground propagation for owners marked for deletion.
    private mutating func processOwnersBeingDeleted(_ actions: inout [GarbageCollectionAction]) {
        let dependents = dependentsIndex()
        for key in allKeys() {
            guard let owner = stored(key) else { continue }
            let accessor = ObjectAccessor(owner.object)
            guard accessor.deletionTimestamp != nil else { continue }
            let uid = accessor.uid
            if accessor.finalizers.contains(Self.orphanFinalizer) {
                for dependent in dependents[uid] ?? [] {
                    controllerWrite(dependent) { accessor in
                        accessor.ownerReferences.removeAll { $0["uid"]?.stringValue == uid }
                    }
                    actions.append(
                        GarbageCollectionAction(
                            kind: .ownerReferenceRemoved, resource: dependent.resource, namespace: dependent.namespace,
                            name: dependent.name, detail: uid))
                }
                removeFinalizer(Self.orphanFinalizer, from: key, into: &actions)
            } else if accessor.finalizers.contains(Self.foregroundFinalizer) {
                for dependent in dependents[uid] ?? [] {
                    let hasOwnDependents = stored(dependent).map {
                        !(dependents[ObjectAccessor($0.object).uid] ?? []).isEmpty
                    }
                    gcDelete(dependent, policy: hasOwnDependents == true ? .foreground : .background, into: &actions)
                }
                let blocking = (dependents[uid] ?? []).contains { dependent in
                    guard let stored = stored(dependent) else { return false }
                    return ObjectAccessor(stored.object).ownerReferences.contains {
                        $0["uid"]?.stringValue == uid && $0["blockOwnerDeletion"] == .bool(true)
                    }
                }
                if !blocking { removeFinalizer(Self.foregroundFinalizer, from: key, into: &actions) }
            }
        }
    }

    /// Whether an owner reference of an object in `namespace` points at an existing owner.
    private func ownerExists(_ uid: String, dependentNamespace namespace: String) -> Bool {
        guard let key = uidIndex[uid], stored(key) != nil else { return false }
        return key.namespace.isEmpty || key.namespace == namespace
    }

    /// Deletes objects all of whose owners are gone; drops references to missing owners when others remain.
    private mutating func deleteDanglingDependents(_ actions: inout [GarbageCollectionAction]) {
        for key in allKeys() {
            guard let stored = stored(key) else { continue }
            let accessor = ObjectAccessor(stored.object)
            let owners = accessor.ownerUIDs
            guard !owners.isEmpty, accessor.deletionTimestamp == nil else { continue }
            let missing = owners.filter { !ownerExists($0, dependentNamespace: key.namespace) }
            if missing.count == owners.count {
                gcDelete(key, policy: .background, into: &actions)
            } else if !missing.isEmpty {
                controllerWrite(key) { accessor in
                    accessor.ownerReferences.removeAll { missing.contains($0["uid"]?.stringValue ?? "") }
                }
                for uid in missing {
                    actions.append(
                        GarbageCollectionAction(
                            kind: .ownerReferenceRemoved, resource: key.resource, namespace: key.namespace,
                            name: key.name, detail: uid))
                }
            }
        }
    }
}

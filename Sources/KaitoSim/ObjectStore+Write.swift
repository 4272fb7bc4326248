import Foundation
import KaitoCore

extension ObjectStore {
    // MARK: - Create

    mutating func create(
        _ resource: GroupVersionResource, namespace: String?, body: JSONValue, attribution: Attribution
    ) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let namespace = try objectNamespace(descriptor, namespace)
        var object = try decodeBody(body, descriptor: descriptor)
        var accessor = ObjectAccessor(object)
        if descriptor.namespaced {
            if !accessor.namespace.isEmpty, accessor.namespace != namespace {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
            accessor.setString("namespace", namespace)
        } else {
            accessor.setString("namespace", nil)
        }
        if !accessor.resourceVersion.isEmpty {
            throw APIError.internalError("resourceVersion should not be set on objects to be created")
        }
        let generateName = accessor.string("generateName") ?? ""
        try admitNamespace(descriptor, namespace: namespace, name: accessor.name.isEmpty ? generateName : accessor.name)
        try admitCustomResource(descriptor)
        try validateName(descriptor, name: accessor.name, generateName: generateName)

        accessor.setString("uid", identifiers.makeUID())
        accessor.setString("creationTimestamp", now())
        accessor.metadata["generation"] = descriptor.tracksGeneration ? .integer(1) : nil
        for field in ["deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"] {
            accessor.metadata[field] = nil
        }
        object = accessor.object
        switch descriptor.statusOnCreate {
        case .keep: break
        case .remove: object["status"] = nil
        case .reset(let status): object["status"] = status
        }
        try prepareForCreate(&object, descriptor: descriptor)

        let usesGeneratedName = accessor.name.isEmpty
        for attempt in 1...max(1, configuration.generateNameAttempts) {
            var candidate = ObjectAccessor(object)
            if usesGeneratedName {
                let prefix = String(generateName.prefix(GeneratedNames.maximumPrefixLength))
                candidate.setString("name", prefix + identifiers.makeNameSuffix(length: GeneratedNames.suffixLength))
            }
            let key = ObjectKey(resource: descriptor.storageResource, namespace: namespace, name: candidate.name)
            if stored(key) != nil {
                if usesGeneratedName, attempt < configuration.generateNameAttempts { continue }
                throw APIError.alreadyExists(descriptor.groupResource, name: candidate.name)
            }
            let managers: [ManagedFieldsEntry]
            switch attribution {
            case .apply(let entries):
                managers = entries
            case .update(let manager):
                let content = ManagedFields.trackedContent(
                    of: candidate.object, subresource: .main, descriptor: descriptor)
                managers = ManagedFields.recordUpdate(
                    [], old: [:], new: ManagedFields.leaves(of: content, descriptor: descriptor, includingNodes: true),
                    writer: entry(manager: manager, operation: "Update", subresource: .main, descriptor: descriptor))
            }
            let final = put(key, object: candidate.object, managers: managers)
            if descriptor.groupResource == CustomResourceDefinitions.resource {
                crdWritten(final)
            }
            return output(final, descriptor)
        }
        throw APIError.alreadyExists(descriptor.groupResource, name: accessor.name)
    }

    func entry(manager: String, operation: String, subresource: Subresource, descriptor: ResourceDescriptor)
        -> ManagedFieldsEntry
    {
        ManagedFieldsEntry(
            manager: manager, operation: operation, apiVersion: descriptor.apiVersion, time: now(),
            subresource: subresource.rawValue, fields: [])
    }

    /// Checks the body is an object of the resource's kind, filling `apiVersion` and `kind` when absent.
    func decodeBody(_ body: JSONValue, descriptor: ResourceDescriptor) throws -> [String: JSONValue] {
        guard case .object(var object) = body else {
            throw APIError.badRequest(
                "json: cannot unmarshal \(body.typeName) into Go value of type struct { APIVersion string "
                    + "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }")
        }
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty,
            ResourceRegistry.split(apiVersion: apiVersion).group != descriptor.group
                || (descriptor.isCustomResource && apiVersion != descriptor.apiVersion)
        {
            throw APIError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version "
                    + "(\(descriptor.apiVersion))")
        }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != descriptor.kind {
            throw APIError.badRequest(
                "the kind in the data (\(kind)) does not match the expected kind (\(descriptor.kind))")
        }
        if let metadata = object["metadata"], metadata.objectValue == nil, metadata != .null {
            throw APIError.badRequest(
                "json: cannot unmarshal \(metadata.typeName) into Go struct field \(descriptor.kind).metadata of type "
                    + "v1.ObjectMeta")
        }
        object["apiVersion"] = .string(descriptor.apiVersion)
        object["kind"] = .string(descriptor.kind)
        if object["metadata"]?.objectValue == nil { object["metadata"] = [:] }
        if EventConversion.converts(descriptor) { object = EventConversion.toCore(object) }
        return object
    }

    /// The NamespaceLifecycle admission plugin: the namespace must exist and not be terminating.
    func admitNamespace(_ descriptor: ResourceDescriptor, namespace: String, name: String) throws {
        guard descriptor.namespaced else { return }
        guard let stored = stored(ObjectKey(resource: Self.namespaces, namespace: "", name: namespace)) else {
            throw APIError.notFound(Self.namespaces, name: namespace)
        }
        if ObjectAccessor(stored.object).deletionTimestamp != nil {
            throw APIError.forbidden(
                descriptor.groupResource, name: name,
                detail: "unable to create new content in namespace \(namespace) because it is being terminated",
                causes: [
                    StatusCause(
                        reason: "NamespaceTerminating", message: "namespace \(namespace) is being terminated",
                        field: "metadata.namespace")
                ])
        }
    }

    /// Custom resources cannot be created while their CRD is being deleted.
    func admitCustomResource(_ descriptor: ResourceDescriptor) throws {
        guard descriptor.isCustomResource else { return }
        let crd = ObjectKey(
            resource: CustomResourceDefinitions.resource, namespace: "",
            name: "\(descriptor.plural).\(descriptor.group)")
        if let stored = stored(crd), ObjectAccessor(stored.object).deletionTimestamp != nil {
            throw APIError.methodNotAllowed("create not allowed while custom resource definition is terminating")
        }
    }

    func validateName(_ descriptor: ResourceDescriptor, name: String, generateName: String) throws {
        let invalid: (FieldError) -> APIError = {
            APIError.invalid(kind: descriptor.kind, group: descriptor.group, name: name, errors: [$0])
        }
        if name.isEmpty {
            guard !generateName.isEmpty else {
                throw invalid(
                    FieldError(field: "metadata.name", kind: .required, detail: "name or generateName is required"))
            }
            let masked = generateName.hasSuffix("-") ? String(generateName.dropLast()) + "a" : generateName
            if let problem = NameValidation.problem(masked, rule: descriptor.nameRule) {
                throw invalid(
                    FieldError(field: "metadata.generateName", kind: .invalid(.string(generateName)), detail: problem))
            }
            return
        }
        if let problem = NameValidation.problem(name, rule: descriptor.nameRule) {
            throw invalid(FieldError(field: "metadata.name", kind: .invalid(.string(name)), detail: problem))
        }
    }

    /// Kind-specific preparation of a new object (`PrepareForCreate` and defaulting).
    mutating func prepareForCreate(_ object: inout [String: JSONValue], descriptor: ResourceDescriptor) throws {
        switch descriptor.groupResource {
        case Self.namespaces:
            var document = JSONValue.object(object)
            document.setValue([.string(Self.namespaceFinalizer)], at: ["spec", "finalizers"])
            document.setValue(
                .string(ObjectAccessor(object).name), at: ["metadata", "labels", "kubernetes.io/metadata.name"])
            object = document.objectValue ?? object
        case Self.pods:
            var document = JSONValue.object(object)
            document.setValue(.string(PodQoS.qosClass(of: document["spec"])), at: ["status", "qosClass"])
            object = document.objectValue ?? object
        case CustomResourceDefinitions.resource:
            try CustomResourceDefinitions.prepare(&object, previousStatus: nil, now: now())
        default:
            break
        }
        try admit(&object, old: nil, descriptor: descriptor, subresource: .main)
    }

    /// The decoding and admission steps every write goes through after its kind-specific preparation: unknown
    /// fields pruned (400 under strict field validation), then built-in defaulting, admission and validation,
    /// and a custom resource's schema defaults, validation and CEL rules. Validation failures of both steps are
    /// reported together in one 422.
    mutating func admit(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws {
        // events.k8s.io Events are stored as core Events, but decoded, defaulted and validated in their own shape.
        if EventConversion.converts(descriptor) {
            var shaped = EventConversion.toEventsV1(object)
            try admitAsStored(
                &shaped, old: old.map(EventConversion.toEventsV1), descriptor: descriptor, subresource: subresource)
            object = EventConversion.toCore(shaped)
            return
        }
        try admitAsStored(&object, old: old, descriptor: descriptor, subresource: subresource)
    }

    private mutating func admitAsStored(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws {
        var unknown = pruneUnknownBuiltinFields(&object, descriptor: descriptor)
        unknown += pruneUnknownSchemaFields(&object, descriptor: descriptor)
        reportUnknownFields(unknown)
        try throwIfStrictDecodingFailed()
        var errors = try admitBuiltin(&object, old: old, descriptor: descriptor, subresource: subresource)
        errors += applySchema(&object, old: old, descriptor: descriptor)
        if !errors.isEmpty {
            throw APIError.invalid(
                kind: descriptor.kind, group: descriptor.group, name: ObjectAccessor(object).name, errors: errors)
        }
    }

    // MARK: - Update

    mutating func update(
        _ resource: GroupVersionResource, namespace: String?, name: String, body: JSONValue, subresource: Subresource,
        attribution: Attribution
    ) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let namespace = try objectNamespace(descriptor, namespace)
        if subresource == .status, !descriptor.hasStatusSubresource { throw APIError.resourceNotFound() }
        var incoming = ObjectAccessor(try decodeBody(body, descriptor: descriptor))
        if descriptor.namespaced {
            if !incoming.namespace.isEmpty, incoming.namespace != namespace {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
            incoming.setString("namespace", namespace)
        }
        if incoming.name != name {
            throw APIError.badRequest(
                "the name of the object (\(incoming.name)) does not match the name on the URL (\(name))")
        }
        let key = ObjectKey(resource: descriptor.storageResource, namespace: namespace, name: name)
        guard let existing = stored(key) else {
            if descriptor.allowsCreateOnUpdate, subresource == .main, incoming.resourceVersion.isEmpty {
                return try create(
                    resource, namespace: namespace, body: .object(incoming.object), attribution: attribution)
            }
            throw APIError.notFound(descriptor.groupResource, name: name)
        }
        // Custom resources and CRDs allow no unconditional update: a PUT must carry the resourceVersion it read.
        if incoming.resourceVersion.isEmpty,
            descriptor.isCustomResource || descriptor.groupResource == CustomResourceDefinitions.resource
        {
            // The registry reports it with the qualified resource, not the kind: `workspaces.kaito.sh "ws" is
            // invalid: …`.
            throw APIError.invalid(
                kind: descriptor.plural, group: descriptor.group, name: name,
                errors: [
                    FieldError(
                        field: "metadata.resourceVersion", kind: .invalidRendered("0x0"),
                        detail: "must be specified for an update")
                ])
        }
        try checkPreconditions(incoming, existing: existing, key: key, descriptor: descriptor)
        return try updateExisting(
            key, descriptor: descriptor, existing: existing, incoming: incoming.object, subresource: subresource,
            attribution: attribution)
    }

    /// The UID and resourceVersion carried by a write must match the stored object.
    func checkPreconditions(
        _ incoming: ObjectAccessor, existing: StoredObject, key: ObjectKey, descriptor: ResourceDescriptor
    ) throws {
        let current = ObjectAccessor(existing.object)
        if !incoming.uid.isEmpty, incoming.uid != current.uid {
            throw storagePreconditionFailure(
                key, descriptor: descriptor,
                detail: "Precondition failed: UID in precondition: \(incoming.uid), UID in object meta: \(current.uid)")
        }
        if !incoming.resourceVersion.isEmpty, incoming.resourceVersion != current.resourceVersion {
            throw APIError.staleResourceVersion(descriptor.groupResource, name: key.name)
        }
    }

    func storagePreconditionFailure(_ key: ObjectKey, descriptor: ResourceDescriptor, detail: String) -> APIError {
        let storageKey = key.storageKey(customResource: descriptor.isCustomResource)
        return APIError.conflict(
            descriptor.groupResource, name: key.name,
            detail: "StorageError: invalid object, Code: 4, Key: \(storageKey), ResourceVersion: 0, "
                + "AdditionalErrorMsg: \(detail)")
    }

    /// Builds the new state of an existing object from a request body and commits it.
    mutating func updateExisting(
        _ key: ObjectKey, descriptor: ResourceDescriptor, existing: StoredObject, incoming: [String: JSONValue],
        subresource: Subresource, attribution: Attribution
    ) throws -> JSONValue {
        let old = existing.object
        var updated: [String: JSONValue]
        switch subresource {
        case .main:
            var accessor = ObjectAccessor(incoming)
            let oldMetadata = ObjectAccessor(old).metadata
            for field in [
                "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "selfLink",
            ] {
                accessor.metadata[field] = oldMetadata[field]
            }
            accessor.metadata["resourceVersion"] = nil
            accessor.metadata["managedFields"] = nil
            updated = accessor.object
            if descriptor.hasStatusSubresource { updated["status"] = old["status"] }
        case .status:
            updated = old
            updated["status"] = incoming["status"]
        case .scale:
            updated = old
            let path = ScaleSubresource.specReplicasPath(descriptor)
            var document = JSONValue.object(updated)
            document.setValue(JSONValue.object(incoming).value(at: path), at: path)
            updated = document.objectValue ?? updated
        }
        updated["apiVersion"] = old["apiVersion"]
        updated["kind"] = old["kind"]
        try prepareForUpdate(&updated, old: old, descriptor: descriptor, subresource: subresource)
        return try commit(
            key, descriptor: descriptor, existing: existing, updated: updated, subresource: subresource,
            attribution: attribution)
    }

    /// Kind-specific preparation of an update (`PrepareForUpdate`).
    mutating func prepareForUpdate(
        _ object: inout [String: JSONValue], old: [String: JSONValue], descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws {
        switch descriptor.groupResource {
        case Self.namespaces:
            var document = JSONValue.object(object)
            document.setValue(JSONValue.object(old)["spec"]?["finalizers"], at: ["spec", "finalizers"])
            object = document.objectValue ?? object
        case CustomResourceDefinitions.resource where subresource == .main:
            try CustomResourceDefinitions.prepare(&object, previousStatus: old["status"], now: now())
        default:
            break
        }
        try admit(&object, old: old, descriptor: descriptor, subresource: subresource)
    }

    /// Commits an update: the finalizer rule for objects being deleted, generation, ownership, no-op detection, and
    /// removal once the last finalizer is gone.
    mutating func commit(
        _ key: ObjectKey, descriptor: ResourceDescriptor?, existing: StoredObject, updated: [String: JSONValue],
        subresource: Subresource, attribution: Attribution
    ) throws -> JSONValue {
        let old = ObjectAccessor(existing.object)
        var new = ObjectAccessor(updated)
        if old.deletionTimestamp != nil {
            let added = new.finalizers.filter { !old.finalizers.contains($0) }
            if !added.isEmpty, let descriptor {
                throw APIError.invalid(
                    kind: descriptor.kind, group: descriptor.group, name: key.name,
                    errors: [
                        FieldError(
                            field: "metadata.finalizers", kind: .forbidden,
                            detail: "no new finalizers can be added if the object is being deleted, found new "
                                + "finalizers []string{" + added.map { "\"\($0)\"" }.joined(separator: ", ") + "}")
                    ])
            }
        }
        if let descriptor, descriptor.tracksGeneration,
            Self.specChanged(existing.object, new.object, ignoringStatus: descriptor.hasStatusSubresource)
                || (descriptor.groupResource == Self.deployments
                    && (old.metadata["annotations"] ?? [:]) != (new.metadata["annotations"] ?? [:]))
        {
            // Deployments also count annotation changes: the controller copies annotations to its ReplicaSets.
            new.metadata["generation"] = .integer((old.generation ?? 0) + 1)
        }
        var managers = existing.managers
        if let descriptor {
            switch attribution {
            case .apply(let entries):
                managers = entries
            case .update(let manager):
                let oldContent = ManagedFields.trackedContent(
                    of: existing.object, subresource: subresource, descriptor: descriptor)
                let newContent = ManagedFields.trackedContent(
                    of: new.object, subresource: subresource, descriptor: descriptor)
                managers = ManagedFields.recordUpdate(
                    existing.managers,
                    old: ManagedFields.leaves(of: oldContent, descriptor: descriptor, includingNodes: true),
                    new: ManagedFields.leaves(of: newContent, descriptor: descriptor, includingNodes: true),
                    writer: entry(
                        manager: manager, operation: "Update", subresource: subresource, descriptor: descriptor))
            }
        }
        if Self.sameContent(existing.object, new.object), ManagedFields.sameOwnership(existing.managers, managers) {
            return output(existing.object, descriptor)
        }
        if new.deletionTimestamp != nil, new.finalizers.isEmpty, !Self.hasBlockingSpecFinalizers(new.object, key: key) {
            // As the API server's registry does: the object is deleted from storage, so watches see its last
            // stored state (finalizers and all) in the DELETED event, while the writer gets the state it sent.
            let deleted = remove(key)
            var answer = new
            if let version = deleted.map({ ObjectAccessor($0).resourceVersion }) {
                answer.setString("resourceVersion", version)
            }
            return output(answer.object, descriptor)
        }
        let final = put(key, object: new.object, managers: managers)
        if key.resource == CustomResourceDefinitions.resource {
            crdWritten(final)
        }
        return output(final, descriptor)
    }

    /// Whether anything but metadata (and status, for kinds with a status subresource) differs.
    static func specChanged(_ old: [String: JSONValue], _ new: [String: JSONValue], ignoringStatus: Bool) -> Bool {
        var left = old
        var right = new
        for key in ["metadata", "apiVersion", "kind"] + (ignoringStatus ? ["status"] : []) {
            left[key] = nil
            right[key] = nil
        }
        return !JSONValue.object(left).isSemanticallyEqual(to: .object(right))
    }

    /// Whether two states are the same apart from resourceVersion and managedFields.
    static func sameContent(_ old: [String: JSONValue], _ new: [String: JSONValue]) -> Bool {
        var left = ObjectAccessor(old)
        var right = ObjectAccessor(new)
        for field in ["resourceVersion", "managedFields"] {
            left.metadata[field] = nil
            right.metadata[field] = nil
        }
        return JSONValue.object(left.object).isSemanticallyEqual(to: .object(right.object))
    }

    /// Namespaces also wait for `spec.finalizers` (the namespace controller's `kubernetes`).
    static func hasBlockingSpecFinalizers(_ object: [String: JSONValue], key: ObjectKey) -> Bool {
        guard key.resource == namespaces else { return false }
        return !(JSONValue.object(object)["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty
    }

    // MARK: - Patch

    mutating func patch(
        _ resource: GroupVersionResource, namespace: String?, name: String, type: PatchType, body: JSONValue,
        options: PatchOptions, subresource: Subresource
    ) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        if type == .apply {
            return try apply(
                resource, namespace: namespace, name: name, body: body, options: options, subresource: subresource)
        }
        guard descriptor.acceptedPatchTypes.contains(type) else {
            throw APIError.unsupportedMediaType(accepted: descriptor.acceptedPatchTypes.map(\.rawValue))
        }
        let namespace = try objectNamespace(descriptor, namespace)
        if subresource == .status, !descriptor.hasStatusSubresource { throw APIError.resourceNotFound() }
        let key = ObjectKey(resource: descriptor.storageResource, namespace: namespace, name: name)
        guard let existing = stored(key) else { throw APIError.notFound(descriptor.groupResource, name: name) }
        let current = output(existing.object, descriptor)
        let patched: JSONValue
        switch type {
        case .json: patched = try JSONPatch.apply(body, to: current)
        case .merge:
            guard case .object = body else {
                throw APIError.badRequest(
                    "json: cannot unmarshal \(body.typeName) into Go value of type map[string]interface {}")
            }
            patched = MergePatch.apply(body, to: current)
        case .strategicMerge:
            patched = try StrategicMergePatch { descriptor.listType(at: $0) }.apply(body, to: current)
        case .apply: patched = current
        }
        var incoming = ObjectAccessor(try decodeBody(patched, descriptor: descriptor))
        if descriptor.namespaced, incoming.namespace.isEmpty { incoming.setString("namespace", namespace) }
        if incoming.name != name || (descriptor.namespaced && incoming.namespace != namespace) {
            throw APIError.badRequest(
                "the name of the object (\(incoming.name)) does not match the name on the URL (\(name))")
        }
        try checkPreconditions(incoming, existing: existing, key: key, descriptor: descriptor)
        return try updateExisting(
            key, descriptor: descriptor, existing: existing, incoming: incoming.object, subresource: subresource,
            attribution: .update(manager: options.fieldManager ?? Self.defaultManager))
    }

    // MARK: - Server-side apply

    mutating func apply(
        _ resource: GroupVersionResource, namespace: String?, name: String, body: JSONValue, options: PatchOptions,
        subresource: Subresource
    ) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let namespace = try objectNamespace(descriptor, namespace)
        if subresource == .status, !descriptor.hasStatusSubresource { throw APIError.resourceNotFound() }
        guard let manager = options.fieldManager, !manager.isEmpty else {
            throw APIError.invalid(
                kind: "PatchOptions", group: "meta.k8s.io", name: "",
                errors: [FieldError(field: "fieldManager", kind: .required, detail: "is required for apply patch")])
        }
        // An applied configuration must say what it is: the decoder refuses a body without kind or apiVersion.
        if (body["kind"]?.stringValue ?? "").isEmpty {
            throw APIError.badRequest("Object 'Kind' is missing in '\(JSONText.string(from: body))'")
        }
        if (body["apiVersion"]?.stringValue ?? "").isEmpty {
            throw APIError.badRequest("Object 'apiVersion' is missing in '\(JSONText.string(from: body))'")
        }
        var applied = ObjectAccessor(try decodeBody(body, descriptor: descriptor))
        if !applied.name.isEmpty, applied.name != name {
            throw APIError.badRequest(
                "the name of the object (\(applied.name)) does not match the name on the URL (\(name))")
        }
        if descriptor.namespaced, !applied.namespace.isEmpty, applied.namespace != namespace {
            throw APIError.badRequest(
                "the namespace of the provided object does not match the namespace sent on the request")
        }
        applied.setString("name", name)
        let appliedContent = ManagedFields.trackedContent(
            of: applied.object, subresource: subresource, descriptor: descriptor)
        let appliedLeaves = ManagedFields.leaves(of: appliedContent, descriptor: descriptor)
        var applier = entry(manager: manager, operation: "Apply", subresource: subresource, descriptor: descriptor)
        applier.fields = Set(appliedLeaves.keys)
        let key = ObjectKey(resource: descriptor.storageResource, namespace: namespace, name: name)

        guard let existing = stored(key) else {
            guard subresource == .main else { throw APIError.notFound(descriptor.groupResource, name: name) }
            applied.setString("resourceVersion", nil)
            return try create(
                resource, namespace: namespace, body: .object(applied.object),
                attribution: .apply(entries: applier.fields.isEmpty ? [] : [applier]))
        }
        try checkPreconditions(applied, existing: existing, key: key, descriptor: descriptor)

        let currentContent = ManagedFields.trackedContent(
            of: existing.object, subresource: subresource, descriptor: descriptor)
        let currentLeaves = ManagedFields.leaves(of: currentContent, descriptor: descriptor)
        var entries = existing.managers
        var conflicts: [(manager: ManagedFieldsEntry, path: FieldPath)] = []
        for other in entries where !other.sameIdentity(as: applier) {
            for path in other.fields.intersection(applier.fields).sorted(by: { $0.display < $1.display })
            where appliedLeaves[path].map({ !$0.same(as: currentLeaves[path]) }) ?? false {
                conflicts.append((other, path))
            }
        }
        if !conflicts.isEmpty {
            guard options.force else { throw Self.applyConflict(conflicts) }
            for (owner, path) in conflicts {
                for index in entries.indices where entries[index].sameIdentity(as: owner) {
                    entries[index].fields.remove(path)
                }
            }
        }
        let previous = entries.first { $0.sameIdentity(as: applier) }?.fields ?? []
        let others = entries.filter { !$0.sameIdentity(as: applier) && !$0.fields.isEmpty }
        var merged = ManagedFields.merge(
            .object(existing.object), .object(appliedContent), schemaPath: [], descriptor: descriptor)
        let retained = others.map(\.fields) + [applier.fields]
        let isOwned: (FieldPath) -> Bool = { path in
            retained.contains { fields in
                fields.contains { $0.count >= path.count && Array($0.prefix(path.count)) == path }
            }
        }
        // Shortest paths first: removing a list element removes its fields, whose removal then finds nothing.
        for path in previous.subtracting(applier.fields).sorted(by: { $0.count < $1.count })
        where !isOwned(path) && !ManagedFields.isKeyField(path) {
            ManagedFields.remove(path[...], from: &merged)
            // Lists and maps the removal left empty go too, unless someone owns them.
            for length in stride(from: path.count - 1, to: 0, by: -1) {
                let parent = Array(path.prefix(length))
                guard !isOwned(parent), ManagedFields.isEmptyContainer(at: parent[...], in: merged) else { break }
                ManagedFields.remove(parent[...], from: &merged)
            }
        }
        if let index = entries.firstIndex(where: { $0.sameIdentity(as: applier) }) {
            if entries[index].fields == applier.fields { applier.time = entries[index].time }
            entries[index] = applier
        } else {
            entries.append(applier)
        }
        entries.removeAll { $0.fields.isEmpty }
        var incoming = merged.objectValue ?? existing.object
        if subresource == .main, descriptor.hasStatusSubresource { incoming["status"] = existing.object["status"] }
        return try updateExisting(
            key, descriptor: descriptor, existing: existing, incoming: incoming, subresource: subresource,
            attribution: .apply(entries: entries))
    }

    /// 409 listing the fields other managers own with different values.
    static func applyConflict(_ conflicts: [(manager: ManagedFieldsEntry, path: FieldPath)]) -> APIError {
        var groups: [(entry: ManagedFieldsEntry, paths: [String])] = []
        for (entry, path) in conflicts {
            if let index = groups.firstIndex(where: { $0.entry.sameIdentity(as: entry) }) {
                groups[index].paths.append(path.display)
            } else {
                groups.append((entry, [path.display]))
            }
        }
        let count = conflicts.count
        var message = "Apply failed with \(count) conflict\(count == 1 ? "" : "s"): "
        if count == 1, let only = groups.first {
            message += "conflict with \"\(only.entry.manager)\" using \(only.entry.apiVersion): \(only.paths[0])"
        } else {
            message += groups.map { group in
                "conflicts with \"\(group.entry.manager)\" using \(group.entry.apiVersion):\n"
                    + group.paths.map { "- \($0)" }.joined(separator: "\n")
            }.joined(separator: "\n")
        }
        let causes = conflicts.map { conflict in
            StatusCause(
                reason: "FieldManagerConflict",
                message: "conflict with \"\(conflict.manager.manager)\" using \(conflict.manager.apiVersion)",
                field: conflict.path.display)
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: StatusDetails(causes: causes))
    }
}

/// Name rules with the messages `apimachinery` uses.
enum NameValidation {
    static let subdomainRule =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
        + "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelRule =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
        + "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Rule =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        + "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
        + "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    /// The problem with `name`, or `nil` when it satisfies `rule`.
    static func problem(_ name: String, rule: NameRule) -> String? {
        switch rule {
        case .dns1123Subdomain:
            if name.utf8.count > 253 { return "must be no more than 253 characters" }
            return NameRules.isDNS1123Subdomain(name) ? nil : subdomainRule
        case .dns1123Label:
            if name.utf8.count > 63 { return "must be no more than 63 characters" }
            return NameRules.isDNS1123Label(name) ? nil : labelRule
        case .dns1035Label:
            if name.utf8.count > 63 { return "must be no more than 63 characters" }
            return NameRules.isDNS1035Label(name) ? nil : dns1035Rule
        case .pathSegment:
            if name == "." || name == ".." { return "may not be '\(name)'" }
            for bad in ["/", "%"] where name.contains(bad) { return "may not contain '\(bad)'" }
            return nil
        }
    }
}

/// The QoS class the API server records in a new Pod's status.
enum PodQoS {
    static func qosClass(of spec: JSONValue?) -> String {
        let containers = (spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])
        var anySet = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let requests = container["resources"]?["requests"]?.objectValue ?? [:]
            let limits = container["resources"]?["limits"]?.objectValue ?? [:]
            for resource in ["cpu", "memory"] {
                if requests[resource] != nil || limits[resource] != nil { anySet = true }
                guard let limit = limits[resource] else {
                    guaranteed = false
                    continue
                }
                if let request = requests[resource], !request.isSemanticallyEqual(to: limit) { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}

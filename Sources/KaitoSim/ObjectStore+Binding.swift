import KaitoCore

extension ObjectStore {
    /// Binds a pod to a node, as `POST …/pods/NAME/binding` (and the older `…/bindings`) does: `spec.nodeName` set,
    /// the binding's annotations copied, `PodScheduled=True`. The pod's managedFields do not change (the binding
    /// writes storage directly, without a field manager), and no validation of the pod runs.
    /// - Parameter body: the `Binding` object (`metadata.name`, `target.kind` Node or empty, `target.name`).
    /// - Throws: ``APIError`` 404 for a missing pod, 409 when it is already bound or being deleted, 422 for an
    ///   invalid binding, 400 when the binding's name differs from the pod's.
    mutating func bind(namespace: String, podName: String?, body: JSONValue) throws -> JSONValue {
        guard case .object = body else { throw APIError.badRequest("the body of a Binding must be an object") }
        let name = body["metadata"]?["name"]?.stringValue ?? ""
        if let podName, !name.isEmpty, name != podName {
            throw APIError.badRequest("name in URL does not match name in Binding object")
        }
        let pod = podName ?? name
        var errors: [FieldError] = []
        let targetKind = body["target"]?["kind"]?.stringValue ?? ""
        if !targetKind.isEmpty, targetKind != "Node" {
            errors.append(
                FieldError(field: "target.kind", kind: .notSupported(.string(targetKind), supported: ["Node"])))
        }
        let node = body["target"]?["name"]?.stringValue ?? ""
        if node.isEmpty { errors.append(FieldError(field: "target.name", kind: .required)) }
        if !errors.isEmpty { throw APIError.invalid(kind: "Binding", group: "", name: pod, errors: errors) }
        let key = ObjectKey(resource: Self.pods, namespace: namespace, name: pod)
        guard let existing = stored(key) else { throw APIError.notFound(Self.pods, name: pod) }
        var accessor = ObjectAccessor(existing.object)
        if accessor.deletionTimestamp != nil {
            throw APIError.conflict(
                Self.pods, name: pod, detail: "pod \(pod) is being deleted, cannot be assigned to a host")
        }
        var document = JSONValue.object(existing.object)
        if let assigned = document["spec"]?["nodeName"]?.stringValue, !assigned.isEmpty {
            throw APIError.conflict(
                Self.pods, name: pod, detail: "pod \(pod) is already assigned to node \"\(assigned)\"")
        }
        if let annotations = body["metadata"]?["annotations"]?.objectValue, !annotations.isEmpty {
            var merged = accessor.metadata["annotations"]?.objectValue ?? [:]
            merged.merge(annotations) { _, new in new }
            accessor.metadata["annotations"] = .object(merged)
            document = .object(accessor.object)
        }
        document.setValue(.string(node), at: ["spec", "nodeName"])
        var conditions = document["status"]?["conditions"]?.arrayValue ?? []
        let scheduled: JSONValue = [
            "type": "PodScheduled", "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(now()),
        ]
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == "PodScheduled" }) {
            if conditions[index]["status"]?.stringValue == "True" {
                var kept = scheduled.objectValue ?? [:]
                kept["lastTransitionTime"] = conditions[index]["lastTransitionTime"]
                conditions[index] = .object(kept)
            } else {
                conditions[index] = scheduled
            }
        } else {
            conditions.append(scheduled)
        }
        document.setValue(.array(conditions), at: ["status", "conditions"])
        guard let updated = document.objectValue else { return [:] }
        _ = try commit(
            key, descriptor: anyDescriptor(Self.pods), existing: existing, updated: updated, subresource: .main,
            attribution: .apply(entries: existing.managers))
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201]
    }
}

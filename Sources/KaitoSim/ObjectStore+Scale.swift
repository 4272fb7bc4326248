import KaitoCore

/// The `scale` subresource: an `autoscaling/v1` `Scale` view of a workload's replica count.
enum ScaleSubresource {
    /// Where the desired replica count lives: `spec.replicas`, or a custom resource's `specReplicasPath`.
    static func specReplicasPath(_ descriptor: ResourceDescriptor?) -> [String] {
        path(descriptor?.scalePaths?["specReplicasPath"]?.stringValue) ?? ["spec", "replicas"]
    }

    /// Where the observed replica count lives: `status.replicas`, or a custom resource's `statusReplicasPath`.
    static func statusReplicasPath(_ descriptor: ResourceDescriptor?) -> [String] {
        path(descriptor?.scalePaths?["statusReplicasPath"]?.stringValue) ?? ["status", "replicas"]
    }

    private static func path(_ jsonPath: String?) -> [String]? {
        guard let jsonPath, jsonPath.hasPrefix(".") else { return nil }
        return jsonPath.dropFirst().split(separator: ".").map(String.init)
    }

    /// A label selector rendered as the API server writes `Scale.status.selector`
    /// (`metav1.FormatLabelSelector`: `a=b,c in (d,e),!f`).
    static func format(selector: JSONValue?) -> String {
        guard let selector else { return "" }
        var parts: [String] = []
        if let labels = selector["matchLabels"]?.objectValue {
            parts += labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }
        }
        for requirement in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = requirement["key"]?.stringValue ?? ""
            let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
            switch requirement["operator"]?.stringValue {
            case "In": parts.append("\(key) in (\(values.joined(separator: ",")))")
            case "NotIn": parts.append("\(key) notin (\(values.joined(separator: ",")))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default: break
            }
        }
        return parts.joined(separator: ",")
    }
}

extension ObjectStore {
    /// `GET …/NAME/scale`: the object's `Scale`.
    /// - Throws: ``APIError`` 404.
    func scale(_ resource: GroupVersionResource, namespace: String?, name: String) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let key = ObjectKey(
            resource: descriptor.storageResource, namespace: try objectNamespace(descriptor, namespace), name: name)
        guard let stored = stored(key) else { throw APIError.notFound(descriptor.groupResource, name: name) }
        return Self.scaleView(of: stored.object, descriptor: descriptor)
    }

    static func scaleView(of object: [String: JSONValue], descriptor: ResourceDescriptor) -> JSONValue {
        let document = JSONValue.object(object)
        let accessor = ObjectAccessor(object)
        var metadata: [String: JSONValue] = [
            "name": .string(accessor.name), "uid": .string(accessor.uid),
            "resourceVersion": .string(accessor.resourceVersion),
            "creationTimestamp": accessor.metadata["creationTimestamp"] ?? .null,
        ]
        if !accessor.namespace.isEmpty { metadata["namespace"] = .string(accessor.namespace) }
        let selector: String
        if let path = descriptor.scalePaths?["labelSelectorPath"]?.stringValue, path.hasPrefix(".") {
            selector = document.value(at: path.dropFirst().split(separator: ".").map(String.init))?.stringValue ?? ""
        } else if descriptor.groupResource == GroupResource(group: "", resource: "replicationcontrollers") {
            let labels = document["spec"]?["selector"]?.objectValue ?? [:]
            selector = labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ",")
        } else {
            selector = ScaleSubresource.format(selector: document["spec"]?["selector"])
        }
        var status: [String: JSONValue] = [
            "replicas": document.value(at: ScaleSubresource.statusReplicasPath(descriptor)) ?? .integer(0)
        ]
        if !selector.isEmpty { status["selector"] = .string(selector) }
        var spec: [String: JSONValue] = [:]
        if let replicas = document.value(at: ScaleSubresource.specReplicasPath(descriptor)) {
            spec["replicas"] = replicas
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(metadata), "spec": .object(spec),
            "status": .object(status),
        ]
    }

    /// `PUT …/NAME/scale` (and patches, applied by the caller to the current `Scale`): sets the replica count.
    /// - Throws: ``APIError`` 404, 409 for a stale resourceVersion, 422 for a negative count.
    mutating func updateScale(
        _ resource: GroupVersionResource, namespace: String?, name: String, body: JSONValue, manager: String
    ) throws -> JSONValue {
        let descriptor = try descriptor(resource)
        let key = ObjectKey(
            resource: descriptor.storageResource, namespace: try objectNamespace(descriptor, namespace), name: name)
        guard let existing = stored(key) else { throw APIError.notFound(descriptor.groupResource, name: name) }
        if let kind = body["kind"]?.stringValue, !kind.isEmpty, kind != "Scale" {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (Scale)")
        }
        let version = body["metadata"]?["resourceVersion"]?.stringValue ?? ""
        if !version.isEmpty, version != ObjectAccessor(existing.object).resourceVersion {
            throw APIError.staleResourceVersion(descriptor.groupResource, name: name)
        }
        let replicas: Int64
        switch body["spec"]?["replicas"] {
        case .integer(let value)?: replicas = value
        case nil, .null?: replicas = 0
        default: throw APIError.badRequest("json: cannot unmarshal spec.replicas of Scale into an integer")
        }
        if replicas < 0 {
            throw APIError.invalid(
                kind: "Scale", group: "autoscaling", name: name,
                errors: [
                    FieldError(
                        field: "spec.replicas", kind: .invalid(.integer(replicas)),
                        detail: "must be greater than or equal to 0")
                ])
        }
        var incoming = JSONValue.object(existing.object)
        incoming.setValue(.integer(replicas), at: ScaleSubresource.specReplicasPath(descriptor))
        let updated = try updateExisting(
            key, descriptor: descriptor, existing: existing, incoming: incoming.objectValue ?? existing.object,
            subresource: .scale, attribution: .update(manager: manager))
        return Self.scaleView(of: updated.objectValue ?? [:], descriptor: descriptor)
    }
}

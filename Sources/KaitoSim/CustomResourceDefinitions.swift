import KaitoCore

/// How a CustomResourceDefinition becomes served resources: validation, defaulting, the status the
/// apiextensions controllers would write, and descriptors for its served versions.
enum CustomResourceDefinitions {
    static let resource = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    /// The group-resource a CRD defines, if its spec names one.
    static func definedResource(_ object: [String: JSONValue]) -> GroupResource? {
        let spec = JSONValue.object(object)["spec"]
        guard let group = spec?["group"]?.stringValue, let plural = spec?["names"]?["plural"]?.stringValue else {
            return nil
        }
        return GroupResource(group: group, resource: plural)
    }

    /// Validates and defaults a CRD for a write, and sets the status the apiextensions controllers would set
    /// (names accepted, established, stored versions).
    /// - Throws: ``APIError`` 422 with the API server's messages for a malformed definition.
    static func prepare(_ object: inout [String: JSONValue], previousStatus: JSONValue?, now: String) throws {
        var document = JSONValue.object(object)
        let name = ObjectAccessor(object).name
        var errors: [FieldError] = []
        let group = document["spec"]?["group"]?.stringValue ?? ""
        let kind = document["spec"]?["names"]?["kind"]?.stringValue ?? ""
        let plural = document["spec"]?["names"]?["plural"]?.stringValue ?? ""
        if group.isEmpty { errors.append(FieldError(field: "spec.group", kind: .required)) }
        if plural.isEmpty { errors.append(FieldError(field: "spec.names.plural", kind: .required)) }
        if kind.isEmpty { errors.append(FieldError(field: "spec.names.kind", kind: .required)) }
        if !group.isEmpty, !plural.isEmpty, name != "\(plural).\(group)" {
            errors.append(
                FieldError(
                    field: "metadata.name", kind: .invalid(.string(name)),
                    detail: "must be spec.names.plural+\".\"+spec.group"))
        }
        switch document["spec"]?["scope"]?.stringValue {
        case "Namespaced"?, "Cluster"?: break
        case nil: errors.append(FieldError(field: "spec.scope", kind: .required))
        case let scope?:
            errors.append(
                FieldError(
                    field: "spec.scope", kind: .notSupported(.string(scope), supported: ["Cluster", "Namespaced"])))
        }
        let versions = document["spec"]?["versions"]?.arrayValue ?? []
        if versions.isEmpty {
            errors.append(
                FieldError(
                    field: "spec.versions", kind: .required,
                    detail: "must have exactly one version marked as storage version"))
        } else if versions.filter({ $0["storage"] == .bool(true) }).count != 1 {
            errors.append(
                FieldError(
                    field: "spec.versions", kind: .invalid(.array(versions.map { $0["name"] ?? .null })),
                    detail: "must have exactly one version marked as storage version"))
        }
        for (index, version) in versions.enumerated() {
            if (version["name"]?.stringValue ?? "").isEmpty {
                errors.append(FieldError(field: "spec.versions[\(index)].name", kind: .required))
            }
            if version["schema"]?["openAPIV3Schema"] == nil {
                errors.append(
                    FieldError(
                        field: "spec.versions[\(index)].schema.openAPIV3Schema", kind: .required,
                        detail: "schemas are required"))
            }
        }
        errors += schemaErrors(versions)
        guard errors.isEmpty else {
            throw APIError.invalid(
                kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: name, errors: errors)
        }
        if document["spec"]?["names"]?["singular"] == nil {
            document.setValue(.string(kind.lowercased()), at: ["spec", "names", "singular"])
        }
        if document["spec"]?["names"]?["listKind"] == nil {
            document.setValue(.string("\(kind)List"), at: ["spec", "names", "listKind"])
        }
        if document["spec"]?["conversion"] == nil {
            document.setValue(["strategy": "None"], at: ["spec", "conversion"])
        }
        document.setValue(status(for: document, previous: previousStatus, now: now), at: ["status"])
        object = document.objectValue ?? object
    }

    /// The problems of the versions' schemas. The API server stores the schemas of a v1 CRD whose versions all
    /// have the same schema once (`spec.validation`), so its messages name `spec.validation.openAPIV3Schema`;
    /// versions with different schemas are named `spec.versions[i].schema.openAPIV3Schema`.
    static func schemaErrors(_ versions: [JSONValue]) -> [FieldError] {
        let schemas = versions.map { $0["schema"]?["openAPIV3Schema"] }
        guard !schemas.isEmpty, schemas.allSatisfy({ $0 != nil }) else { return [] }
        if let first = schemas.first, let schema = first, schemas.allSatisfy({ $0 == first }) {
            return CustomResourceDefinitionSchemas.validate(schema, path: "spec.validation.openAPIV3Schema")
        }
        var errors: [FieldError] = []
        for (index, schema) in schemas.enumerated() {
            guard let schema else { continue }
            errors += CustomResourceDefinitionSchemas.validate(
                schema, path: "spec.versions[\(index)].schema.openAPIV3Schema")
        }
        return errors
    }

    private static func status(for document: JSONValue, previous: JSONValue?, now: String) -> JSONValue {
        let storage = (document["spec"]?["versions"]?.arrayValue ?? []).first { $0["storage"] == .bool(true) }?["name"]
        var stored = previous?["storedVersions"]?.arrayValue ?? []
        if let storage, !stored.contains(storage) { stored.append(storage) }
        let previousConditions = previous?["conditions"]?.arrayValue ?? []
        func condition(_ type: String, reason: String, message: String) -> JSONValue {
            let since = previousConditions.first { $0["type"]?.stringValue == type && $0["status"] == "True" }?[
                "lastTransitionTime"]
            return [
                "type": .string(type), "status": "True", "reason": .string(reason), "message": .string(message),
                "lastTransitionTime": since ?? .string(now),
            ]
        }
        var conditions = [
            condition("NamesAccepted", reason: "NoConflicts", message: "no conflicts found"),
            condition("Established", reason: "InitialNamesAccepted", message: "the initial names have been accepted"),
        ]
        conditions += previousConditions.filter { $0["type"]?.stringValue == "Terminating" }
        return [
            "acceptedNames": document["spec"]?["names"] ?? [:], "conditions": .array(conditions),
            "storedVersions": .array(stored),
        ]
    }

    /// Marks a CRD as terminating: the cleanup finalizer and a `Terminating` condition.
    static func markTerminating(_ object: inout [String: JSONValue], now: String) {
        var accessor = ObjectAccessor(object)
        if !accessor.finalizers.contains(cleanupFinalizer) { accessor.finalizers.append(cleanupFinalizer) }
        var document = JSONValue.object(accessor.object)
        var conditions = document["status"]?["conditions"]?.arrayValue ?? []
        if !conditions.contains(where: { $0["type"]?.stringValue == "Terminating" }) {
            conditions.append([
                "type": "Terminating", "status": "True", "reason": "InstanceDeletionPending",
                "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
                "lastTransitionTime": .string(now),
            ])
        }
        document.setValue(.array(conditions), at: ["status", "conditions"])
        object = document.objectValue ?? object
    }

    /// A descriptor for every served version of a CRD.
    static func descriptors(from object: [String: JSONValue]) -> [ResourceDescriptor] {
        let document = JSONValue.object(object)
        guard let spec = document["spec"], let group = spec["group"]?.stringValue,
            let kind = spec["names"]?["kind"]?.stringValue, let plural = spec["names"]?["plural"]?.stringValue
        else { return [] }
        let names = spec["names"]
        let strings: (JSONValue?) -> [String] = { $0?.arrayValue?.compactMap(\.stringValue) ?? [] }
        return (spec["versions"]?.arrayValue ?? []).compactMap { version in
            guard version["served"] == .bool(true), let name = version["name"]?.stringValue else { return nil }
            var selectable: [String: [String]] = [:]
            for field in version["selectableFields"]?.arrayValue ?? [] {
                guard let path = field["jsonPath"]?.stringValue, path.hasPrefix(".") else { continue }
                selectable[String(path.dropFirst())] = path.dropFirst().split(separator: ".").map(String.init)
            }
            return ResourceDescriptor(
                group: group, version: name, kind: kind, plural: plural, singular: names?["singular"]?.stringValue,
                listKind: names?["listKind"]?.stringValue, shortNames: strings(names?["shortNames"]),
                namespaced: spec["scope"]?.stringValue == "Namespaced",
                hasStatusSubresource: version["subresources"]?["status"] != nil,
                categories: strings(names?["categories"]),
                isCustomResource: true, selectableFields: selectable, schema: version["schema"]?["openAPIV3Schema"],
                printerColumns: version["additionalPrinterColumns"]?.arrayValue ?? [])
        }
    }
}

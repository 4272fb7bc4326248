import Foundation

extension Workspace {
    /// Decodes a workspace from one manifest document, checking `apiVersion` and `kind` first.
    ///
    /// - Parameter strict: report fields the Workspace schema does not declare (default), like
    ///   `kubectl --validate=strict`.
    /// - Throws: ``ObjectDecodingError`` naming the field path.
    public static func decode(from value: JSONValue, strict: Bool = true) throws -> Workspace {
        guard case .object(let object) = value else {
            throw ObjectDecodingError(
                kind: .typeMismatch, fieldPath: "",
                message: "expected a Workspace object, got \(value.typeName)")
        }
        switch object["kind"] {
        case .string(Workspace.kind): break
        case .string(let other):
            throw ObjectDecodingError(
                kind: .invalidValue, fieldPath: "kind",
                message: "kind \"\(other)\" is not supported here; expected \"Workspace\" (apiVersion \(apiVersion))")
        case nil:
            throw ObjectDecodingError(
                kind: .missingField, fieldPath: "kind",
                message: "required field is missing; set kind: Workspace")
        case let value?:
            throw ObjectDecodingError(
                kind: .typeMismatch, fieldPath: "kind", message: "expected string, got \(value.typeName)")
        }
        switch object["apiVersion"] {
        case .string(Workspace.apiVersion): break
        case .string(let other):
            throw ObjectDecodingError(
                kind: .invalidValue, fieldPath: "apiVersion",
                message: "apiVersion \"\(other)\" is not supported; use \(apiVersion)")
        case nil:
            throw ObjectDecodingError(
                kind: .missingField, fieldPath: "apiVersion",
                message: "required field is missing; set apiVersion: \(apiVersion)")
        case let value?:
            throw ObjectDecodingError(
                kind: .typeMismatch, fieldPath: "apiVersion", message: "expected string, got \(value.typeName)")
        }
        return try KubernetesJSON.decode(Workspace.self, from: value, strict: strict)
    }

    /// The workspace as JSON, with `nil` fields left out.
    public func jsonValue() throws -> JSONValue {
        try KubernetesJSON.jsonValue(of: self)
    }
}

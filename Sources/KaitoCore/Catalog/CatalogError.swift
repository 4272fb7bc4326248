/// Why a user-supplied catalog file could not be loaded.
///
/// The message names the catalog, the place in the file (`models[3].inference.gpuCountRequirement`) and what is
/// wrong, so the file can be fixed without reading code.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The data is not JSON, or the top level is not an object.
        case malformedJSON
        /// A required field is absent.
        case missingField
        /// A field has the wrong JSON type or an invalid value.
        case invalidValue
        /// Two entries share an identity (a preset name, or a SKU name within one cloud).
        case duplicateEntry
    }

    /// The kind of problem.
    public var code: Code
    /// Which catalog: `preset catalog` or `GPU catalog`.
    public var catalog: String
    /// Where in the file, as a JSON path such as `models[3].inference.gpuCountRequirement`; empty for the whole file.
    public var path: String
    /// What is wrong there.
    public var message: String

    /// Creates an error.
    public init(code: Code, catalog: String, path: String, message: String) {
        self.code = code
        self.catalog = catalog
        self.path = path
        self.message = message
    }

    /// `invalid <catalog> at <path>: <message>`.
    public var description: String {
        path.isEmpty ? "invalid \(catalog): \(message)" : "invalid \(catalog) at \(path): \(message)"
    }

    /// Translates a `DecodingError` into a catalog error with a readable path.
    static func decoding(_ error: DecodingError, catalog: String) -> CatalogError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = jsonPath(context.codingPath + [key])
            return CatalogError(
                code: .missingField, catalog: catalog, path: path,
                message: "required field \"\(key.stringValue)\" is missing")
        case .valueNotFound(let type, let context):
            return CatalogError(
                code: .missingField, catalog: catalog, path: jsonPath(context.codingPath),
                message: "expected \(typeName(type)) but found null")
        case .typeMismatch(let type, let context):
            return CatalogError(
                code: .invalidValue, catalog: catalog, path: jsonPath(context.codingPath),
                message: "expected \(typeName(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return CatalogError(
                    code: .malformedJSON, catalog: catalog, path: "", message: "the data is not valid JSON")
            }
            return CatalogError(
                code: .invalidValue, catalog: catalog, path: jsonPath(context.codingPath),
                message: context.debugDescription)
        @unknown default:
            return CatalogError(code: .invalidValue, catalog: catalog, path: "", message: "\(error)")
        }
    }

    /// `models[3].inference.gpuCountRequirement` from a coding path.
    static func jsonPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }

    /// A user-facing name for the expected JSON type.
    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }
}

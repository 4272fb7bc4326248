import KaitoCore

/// What the API server does with a custom resource's structural `openAPIV3Schema`: pruning of unknown fields,
/// defaulting, and the basic validations (types, `required`, `enum`).
///
/// Not implemented: `pattern`, `format`, numeric and length bounds, `oneOf`/`anyOf`/`allOf`/`not`, and CEL rules.
enum StructuralSchema {
    private static let rootFields: Set<String> = ["apiVersion", "kind", "metadata"]

    /// The list semantics of the list at `path` (object keys; array levels are crossed implicitly).
    static func listType(in schema: JSONValue, at path: [String]) -> ListType {
        var node: JSONValue? = schema
        for key in path {
            node = node.flatMap(skipArrays).flatMap { child(of: $0, named: key) }
        }
        guard let node, node["type"]?.stringValue == "array" else { return .atomic }
        switch node["x-kubernetes-list-type"]?.stringValue {
        case "map":
            let keys = node["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return keys.isEmpty ? .atomic : .map(keys: keys)
        case "set":
            return .set
        default:
            return .atomic
        }
    }

    private static func skipArrays(_ node: JSONValue) -> JSONValue? {
        var current = node
        while current["type"]?.stringValue == "array", let items = current["items"] {
            current = items
        }
        return current
    }

    private static func child(of node: JSONValue, named key: String) -> JSONValue? {
        if let property = node["properties"]?[key] { return property }
        if case .object = node["additionalProperties"] { return node["additionalProperties"] }
        return nil
    }

    /// Drops fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields`), and `null`s of
    /// fields that are not `nullable`.
    static func prune(_ value: JSONValue, schema: JSONValue, isRoot: Bool = true) -> JSONValue {
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"]
            let preserve = schema["x-kubernetes-preserve-unknown-fields"] == .bool(true)
            let embedded = isRoot || schema["x-kubernetes-embedded-resource"] == .bool(true)
            var result: [String: JSONValue] = [:]
            for (key, member) in members {
                if embedded, rootFields.contains(key) {
                    result[key] = member
                } else if let property = properties[key] {
                    if member == .null, property["nullable"] != .bool(true) { continue }
                    result[key] = prune(member, schema: property, isRoot: false)
                } else if case .object = additional, let additional {
                    result[key] = prune(member, schema: additional, isRoot: false)
                } else if additional == .bool(true) || preserve {
                    result[key] = member
                }
            }
            return .object(result)
        case .array(let items):
            guard let itemSchema = schema["items"] else { return value }
            return .array(items.map { prune($0, schema: itemSchema, isRoot: false) })
        default:
            return value
        }
    }

    /// Fills absent fields that have a `default`, at every depth (defaults are themselves defaulted further).
    static func applyDefaults(_ value: inout JSONValue, schema: JSONValue) {
        switch value {
        case .object(var members):
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, property) in properties {
                guard let defaultValue = property["default"] else { continue }
                if members[key] == nil || (members[key] == .null && property["nullable"] != .bool(true)) {
                    members[key] = defaultValue
                }
            }
            for key in Array(members.keys) {
                guard var member = members[key] else { continue }
                if let property = properties[key] {
                    applyDefaults(&member, schema: property)
                } else if case .object = schema["additionalProperties"], let additional = schema["additionalProperties"]
                {
                    applyDefaults(&member, schema: additional)
                } else {
                    continue
                }
                members[key] = member
            }
            value = .object(members)
        case .array(var items):
            guard let itemSchema = schema["items"] else { return }
            for index in items.indices {
                applyDefaults(&items[index], schema: itemSchema)
            }
            value = .array(items)
        default:
            return
        }
    }

    /// Type, `required` and `enum` violations, with the messages of the API server's OpenAPI validator.
    static func validate(_ value: JSONValue, schema: JSONValue, path: String = "", isRoot: Bool = true) -> [FieldError]
    {
        var errors: [FieldError] = []
        if !isRoot, let typeError = typeError(value, schema: schema, path: path) {
            return [typeError]
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(where: { $0.isSemanticallyEqual(to: value) }) {
            let supported = allowed.map { $0.stringValue ?? JSONText.string(from: $0) }
            errors.append(FieldError(field: path, kind: .notSupported(value, supported: supported)))
        }
        switch value {
        case .object(let members):
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            where members[required] == nil {
                errors.append(FieldError(field: join(path, required), kind: .required))
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            let embedded = isRoot || schema["x-kubernetes-embedded-resource"] == .bool(true)
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if embedded, rootFields.contains(key) { continue }
                if let property = properties[key] {
                    errors += validate(member, schema: property, path: join(path, key), isRoot: false)
                } else if case .object = schema["additionalProperties"], let additional = schema["additionalProperties"]
                {
                    errors += validate(member, schema: additional, path: join(path, key), isRoot: false)
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    errors += validate(item, schema: itemSchema, path: "\(path)[\(index)]", isRoot: false)
                }
            }
        default:
            break
        }
        return errors
    }

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    private static func typeError(_ value: JSONValue, schema: JSONValue, path: String) -> FieldError? {
        if value == .null {
            return schema["nullable"] == .bool(true)
                ? nil : mismatch(value, expected: schema["type"]?.stringValue, path: path)
        }
        if schema["x-kubernetes-int-or-string"] == .bool(true) {
            switch value {
            case .integer, .string: return nil
            case .double(let number) where number == number.rounded(): return nil
            default: return mismatch(value, expected: "integer-or-string", path: path)
            }
        }
        guard let expected = schema["type"]?.stringValue else { return nil }
        let matches: Bool
        switch (expected, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer),
            ("number", .integer), ("number", .double):
            matches = true
        case ("integer", .double(let number)):
            matches = number == number.rounded()
        default:
            matches = false
        }
        return matches ? nil : mismatch(value, expected: expected, path: path)
    }

    private static func mismatch(_ value: JSONValue, expected: String?, path: String) -> FieldError? {
        guard let expected else { return nil }
        let actual = value.typeName == "double" ? "number" : value.typeName
        return FieldError(
            field: path, kind: .invalid(.string(actual)),
            detail: "\(path) in body must be of type \(expected): \"\(actual)\"")
    }
}

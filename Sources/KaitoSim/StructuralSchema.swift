import Foundation
import KaitoCore

/// What the API server does with a custom resource's structural `openAPIV3Schema`: pruning of unknown fields,
/// defaulting, OpenAPI value validation (kube-openapi's validator and messages), `x-kubernetes-list-type`
/// invariants, and the structural-schema rules a CRD's schema must follow.
///
/// The CEL rules (`x-kubernetes-validations`) are compiled and evaluated by ``SchemaRules``.
enum StructuralSchema {
    private static let rootFields: Set<String> = ["apiVersion", "kind", "metadata"]

    // MARK: - Paths

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func index(_ path: String, _ index: Int) -> String {
        "\(path)[\(index)]"
    }

    // MARK: - List types

    /// The list semantics of the list at `path` (object keys; array levels are crossed implicitly).
    static func listType(in schema: JSONValue, at path: [String]) -> ListType {
        guard let node = node(in: schema, at: path), node["type"]?.stringValue == "array" else { return .atomic }
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

    /// The schema of the field at a dotted path (object keys; array levels are crossed implicitly), if declared.
    static func node(in schema: JSONValue, at path: [String]) -> JSONValue? {
        var node: JSONValue? = schema
        for key in path {
            node = node.flatMap(skipArrays).flatMap { child(of: $0, named: key) }
        }
        return node
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

    // MARK: - Pruning

    /// Drops fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields`), keeping
    /// `apiVersion`, `kind` and `metadata` of the resource root and of embedded resources, and drops `null`s of
    /// fields that are neither `nullable` nor defaulted.
    /// - Parameter pruned: receives the paths of the dropped unknown fields (`resource.bogus`, `a.items[0].x`).
    static func prune(
        _ value: JSONValue, schema: JSONValue, isRoot: Bool = true, path: String = "",
        pruned: inout [String]
    ) -> JSONValue {
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"]
            let preserve = schema["x-kubernetes-preserve-unknown-fields"] == .bool(true)
            let embedded = isRoot || schema["x-kubernetes-embedded-resource"] == .bool(true)
            var result: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                let memberPath = join(path, key)
                if embedded, rootFields.contains(key) {
                    if key == "metadata" || properties[key] == nil {
                        result[key] = member
                    } else {
                        result[key] = prune(
                            member, schema: properties[key] ?? [:], isRoot: false, path: memberPath,
                            pruned: &pruned)
                    }
                } else if let property = properties[key] {
                    if member == .null, property["nullable"] != .bool(true), property["default"] == nil { continue }
                    result[key] = prune(member, schema: property, isRoot: false, path: memberPath, pruned: &pruned)
                } else if case .object = additional, let additional {
                    if member == .null, additional["nullable"] != .bool(true), additional["default"] == nil {
                        continue
                    }
                    result[key] = prune(member, schema: additional, isRoot: false, path: memberPath, pruned: &pruned)
                } else if additional == .bool(true) || preserve {
                    result[key] = member
                } else {
                    pruned.append(memberPath)
                }
            }
            return .object(result)
        case .array(let items):
            guard let itemSchema = schema["items"] else { return value }
            return .array(
                items.enumerated().map { offset, item in
                    prune(item, schema: itemSchema, isRoot: false, path: index(path, offset), pruned: &pruned)
                })
        default:
            return value
        }
    }

    // MARK: - Defaulting

    /// Fills absent (or non-nullable `null`) fields that have a `default`, at every depth; defaults are themselves
    /// defaulted further.
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
                    if member == .null, additional["nullable"] != .bool(true), let defaultValue = additional["default"]
                    {
                        member = defaultValue
                    }
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
                if items[index] == .null, itemSchema["nullable"] != .bool(true),
                    let defaultValue = itemSchema["default"]
                {
                    items[index] = defaultValue
                }
                applyDefaults(&items[index], schema: itemSchema)
            }
            value = .array(items)
        default:
            return
        }
    }

    // MARK: - Value validation

    /// kube-openapi's schema validation of a value, with the API server's conversion to field errors.
    /// - Parameters:
    ///   - old: the correlated value of the object being updated; a node equal to its old value is not validated
    ///     (CRD validation ratcheting).
    static func validate(
        _ value: JSONValue, schema: JSONValue, path: String = "", isRoot: Bool = true, old: JSONValue? = nil,
        ratcheting: Bool = false
    ) -> [FieldError] {
        var errors: [FieldError] = []
        validate(value, schema: schema, path: path, isRoot: isRoot, old: old, ratcheting: ratcheting, into: &errors)
        return errors
    }

    private static func name(_ path: String) -> String { path }

    private static func typeMismatch(_ value: JSONValue, expected: String, path: String) -> FieldError {
        let actual = value.typeName
        return FieldError(
            field: path, kind: .typeInvalid(.string(actual)),
            detail: "\(name(path)) in body must be of type \(expected): \"\(actual)\"")
    }

    private static func matchesType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer),
            ("number", .integer), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number == number.rounded() && number.isFinite
        default:
            return false
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    private static func count(_ value: JSONValue?) -> Int? {
        number(value).map { Int($0) }
    }

    private static func validate(
        _ value: JSONValue, schema: JSONValue, path: String, isRoot: Bool, old: JSONValue?, ratcheting: Bool,
        into errors: inout [FieldError]
    ) {
        if ratcheting, let old, old.isSemanticallyEqual(to: value) { return }
        // Type.
        if value == .null {
            if schema["nullable"] == .bool(true) { return }
            if schema["x-kubernetes-int-or-string"] == .bool(true) {
                errors.append(typeMismatch(value, expected: "integer,string", path: path))
                return
            }
            if let type = schema["type"]?.stringValue {
                errors.append(typeMismatch(value, expected: type, path: path))
                return
            }
        } else if schema["x-kubernetes-int-or-string"] == .bool(true) {
            if !matchesType(value, "integer"), !matchesType(value, "string") {
                errors.append(typeMismatch(value, expected: "integer,string", path: path))
                return
            }
        } else if let type = schema["type"]?.stringValue, !matchesType(value, type) {
            errors.append(typeMismatch(value, expected: type, path: path))
            return
        }

        validateJunctions(value, schema: schema, path: path, into: &errors)

        // Strings.
        if case .string(let text) = value {
            let length = text.unicodeScalars.count
            if let maximum = count(schema["maxLength"]), length > maximum {
                errors.append(FieldError(field: path, kind: .tooLong, detail: "may not be more than \(maximum) bytes"))
            }
            if let minimum = count(schema["minLength"]), length < minimum {
                errors.append(
                    FieldError(
                        field: path, kind: .invalid(value),
                        detail: "\(name(path)) in body should be at least \(minimum) chars long"))
            }
            if let pattern = schema["pattern"]?.stringValue, let regex = try? CELRegex.compile(pattern),
                !regex.matches(text)
            {
                errors.append(
                    FieldError(
                        field: path, kind: .invalid(value), detail: "\(name(path)) in body should match '\(pattern)'"))
            }
            if let format = schema["format"]?.stringValue, !SchemaFormats.isValid(text, format: format) {
                errors.append(
                    FieldError(
                        field: path, kind: .typeInvalid(value),
                        detail: "\(name(path)) in body must be of type \(format): \(FieldError.quoted(text))"))
            }
        }

        // Numbers.
        if let numeric = number(value), value.typeName != "string" {
            let shown = value
            if let maximum = number(schema["maximum"]) {
                if schema["exclusiveMaximum"] == .bool(true) ? numeric >= maximum : numeric > maximum {
                    let relation = schema["exclusiveMaximum"] == .bool(true) ? "less than" : "less than or equal to"
                    errors.append(
                        FieldError(
                            field: path, kind: .invalid(shown),
                            detail: "\(name(path)) in body should be \(relation) \(celFormatDouble(maximum))"))
                }
            }
            if let minimum = number(schema["minimum"]) {
                if schema["exclusiveMinimum"] == .bool(true) ? numeric <= minimum : numeric < minimum {
                    let relation =
                        schema["exclusiveMinimum"] == .bool(true) ? "greater than" : "greater than or equal to"
                    errors.append(
                        FieldError(
                            field: path, kind: .invalid(shown),
                            detail: "\(name(path)) in body should be \(relation) \(celFormatDouble(minimum))"))
                }
            }
            if let factor = number(schema["multipleOf"]), factor > 0 {
                let quotient = numeric / factor
                if quotient != quotient.rounded() {
                    errors.append(
                        FieldError(
                            field: path, kind: .invalid(shown),
                            detail: "\(name(path)) in body should be a multiple of \(celFormatDouble(factor))"))
                }
            }
        }

        // Enum.
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(where: { $0.isSemanticallyEqual(to: value) }) {
            let supported = allowed.map { $0.stringValue ?? JSONText.string(from: $0) }
            errors.append(FieldError(field: path, kind: .notSupported(value, supported: supported)))
        }

        switch value {
        case .object(let members):
            let oldMembers = old?.objectValue
            if let maximum = count(schema["maxProperties"]), members.count > maximum {
                errors.append(FieldError(field: path, kind: .tooMany(actual: members.count, maximum: maximum)))
            }
            if let minimum = count(schema["minProperties"]), members.count < minimum {
                errors.append(
                    FieldError(
                        field: path, kind: .invalid(.integer(Int64(members.count))),
                        detail: "\(name(path)) in body should have at least \(minimum) properties"))
            }
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            where members[required] == nil {
                errors.append(FieldError(field: join(path, required), kind: .required))
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            let embedded = isRoot || schema["x-kubernetes-embedded-resource"] == .bool(true)
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if embedded, key == "metadata" { continue }
                let memberOld = oldMembers?[key]
                if let property = properties[key] {
                    validate(
                        member, schema: property, path: join(path, key), isRoot: false, old: memberOld,
                        ratcheting: ratcheting, into: &errors)
                } else if case .object = schema["additionalProperties"], let additional = schema["additionalProperties"]
                {
                    validate(
                        member, schema: additional, path: join(path, key), isRoot: false, old: memberOld,
                        ratcheting: ratcheting, into: &errors)
                }
            }
        case .array(let items):
            if let maximum = count(schema["maxItems"]), items.count > maximum {
                errors.append(FieldError(field: path, kind: .tooMany(actual: items.count, maximum: maximum)))
            }
            if let minimum = count(schema["minItems"]), items.count < minimum {
                errors.append(
                    FieldError(
                        field: path, kind: .invalid(.integer(Int64(items.count))),
                        detail: "\(name(path)) in body should have at least \(minimum) items"))
            }
            if let itemSchema = schema["items"] {
                let oldItems = correlatedItems(items, old: old, schema: schema)
                for (offset, item) in items.enumerated() {
                    validate(
                        item, schema: itemSchema, path: index(path, offset), isRoot: false, old: oldItems[offset],
                        ratcheting: ratcheting, into: &errors)
                }
            }
        default:
            break
        }
    }

    /// The old item each new list item correlates with: map lists by their keys, sets by value; atomic lists
    /// do not correlate their items.
    static func correlatedItems(_ items: [JSONValue], old: JSONValue?, schema: JSONValue) -> [JSONValue?] {
        guard let oldItems = old?.arrayValue else { return items.map { _ in nil } }
        switch schema["x-kubernetes-list-type"]?.stringValue {
        case "map":
            let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return items.map { item in
                oldItems.first { candidate in
                    keys.allSatisfy { key in
                        (candidate[key] ?? .null).isSemanticallyEqual(to: item[key] ?? .null)
                    }
                }
            }
        case "set":
            return items.map { item in oldItems.first { $0.isSemanticallyEqual(to: item) } }
        default:
            return items.map { _ in nil }
        }
    }

    private static func validateJunctions(
        _ value: JSONValue, schema: JSONValue, path: String,
        into errors: inout [FieldError]
    ) {
        for (offset, sub) in (schema["allOf"]?.arrayValue ?? []).enumerated() {
            _ = offset
            validate(value, schema: sub, path: path, isRoot: false, old: nil, ratcheting: false, into: &errors)
        }
        func passes(_ sub: JSONValue) -> Bool {
            var scratch: [FieldError] = []
            validate(value, schema: sub, path: path, isRoot: false, old: nil, ratcheting: false, into: &scratch)
            return scratch.isEmpty
        }
        if let anyOf = schema["anyOf"]?.arrayValue, !anyOf.isEmpty, !anyOf.contains(where: passes) {
            errors.append(
                FieldError(
                    field: path, kind: .invalid(.string("")),
                    detail: "\(name(path)) in body must validate at least one schema (anyOf)"))
        }
        if let oneOf = schema["oneOf"]?.arrayValue, !oneOf.isEmpty, oneOf.filter(passes).count != 1 {
            errors.append(
                FieldError(
                    field: path, kind: .invalid(.string("")),
                    detail: "\(name(path)) in body must validate one and only one schema (oneOf)"))
        }
        if let not = schema["not"], passes(not) {
            errors.append(
                FieldError(
                    field: path, kind: .invalid(.string("")),
                    detail: "\(name(path)) in body must not validate the schema (not)"))
        }
    }

    // MARK: - List types

    /// Duplicate items of `x-kubernetes-list-type: set` lists and duplicate keys of `map` lists
    /// (`structurallisttype.ValidateListSetsAndMaps`).
    static func validateListTypes(_ value: JSONValue, schema: JSONValue, path: String = "") -> [FieldError] {
        var errors: [FieldError] = []
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if let property = properties[key] {
                    errors += validateListTypes(member, schema: property, path: join(path, key))
                } else if case .object = schema["additionalProperties"], let additional = schema["additionalProperties"]
                {
                    errors += validateListTypes(member, schema: additional, path: join(path, key))
                }
            }
        case .array(let items):
            switch schema["x-kubernetes-list-type"]?.stringValue {
            case "set":
                for (offset, item) in items.enumerated()
                where items[..<offset].contains(where: { $0.isSemanticallyEqual(to: item) }) {
                    errors.append(FieldError(field: index(path, offset), kind: .duplicate(item)))
                }
            case "map":
                let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                func keyValues(_ item: JSONValue) -> [(String, JSONValue)] {
                    keys.compactMap { key in item[key].map { (key, $0) } }
                }
                for (offset, item) in items.enumerated() {
                    let mine = keyValues(item)
                    let duplicate = items[..<offset].contains { other in
                        let theirs = keyValues(other)
                        return theirs.count == mine.count
                            && zip(theirs, mine).allSatisfy { $0.0 == $1.0 && $0.1.isSemanticallyEqual(to: $1.1) }
                    }
                    if duplicate {
                        let rendered =
                            "map[string]interface {}{"
                            + mine.sorted { $0.0 < $1.0 }.map { "\(goQuote($0.0)):\(goValue($0.1))" }
                            .joined(separator: ", ") + "}"
                        errors.append(FieldError(field: index(path, offset), kind: .duplicateRendered(rendered)))
                    }
                }
            default:
                break
            }
            if let itemSchema = schema["items"] {
                for (offset, item) in items.enumerated() {
                    errors += validateListTypes(item, schema: itemSchema, path: index(path, offset))
                }
            }
        default:
            break
        }
        return errors
    }

    /// Go's `%#v` of a decoded JSON scalar inside an `interface{}`.
    static func goValue(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return goQuote(text)
        case .integer(let number): return "\(number)"
        case .double(let number): return celFormatDouble(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "interface {}(nil)"
        default: return JSONText.string(from: value)
        }
    }
}

/// The string formats kube-openapi's validator knows (`strfmt.Default`), as far as the API server checks them.
enum SchemaFormats {
    static func isValid(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time", "datetime":
            return (try? CELTime.parseTimestamp(text)) != nil
                || (try? CELTime.parseTimestamp(text.replacingOccurrences(of: " ", with: "T"))) != nil
        case "date":
            return text.count == 10 && (try? CELTime.parseTimestamp(text + "T00:00:00Z")) != nil
        case "byte":
            return Data(base64Encoded: text) != nil
        case "uuid":
            return matches(text, "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
        case "ipv4":
            return CELIP.parseV4(text) != nil
        case "ipv6":
            return CELIP.parseV6(text) != nil
        case "cidr":
            return (try? CELCIDR.parse(text)) != nil
        case "mac":
            return matches(text, "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
        case "hostname":
            return text.utf8.count <= 255
                && matches(
                    text,
                    "^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$")
        case "email":
            return matches(text, "^[^@\\s]+@[^@\\s]+$")
        case "uri":
            return (try? CELURL.parse(text)) != nil
        case "duration":
            return (try? CELTime.parseDuration(text)) != nil
                || matches(text, "^[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+$")
        default:
            return true
        }
    }

    private static func matches(_ text: String, _ pattern: String) -> Bool {
        (try? CELRegex.compile(pattern).matches(text)) ?? true
    }
}

import Foundation
import KaitoCore

/// Converts between structural schemas, JSON values and CEL (`k8s.io/apiserver/pkg/cel/common`).
enum CELSchemaBridge {
    /// `DefaultMaxRequestSizeBytes`.
    static let maxRequestSizeBytes: UInt64 = 3 * 1024 * 1024

    private static let reserved: Set<String> = [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ]

    /// A property name as CEL sees it (`foo-bar` → `foo__dash__bar`), or `nil` when it cannot be a CEL field.
    static func escape(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return nil }
        if reserved.contains(name) { return "__\(name)__" }
        var result = ""
        let scalars = Array(name.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "_", index + 1 < scalars.count, scalars[index + 1] == "_" {
                result += "__underscores__"
                index += 2
                continue
            }
            switch scalar {
            case ".": result += "__dot__"
            case "-": result += "__dash__"
            case "/": result += "__slash__"
            case "a"..."z", "A"..."Z", "0"..."9", "_": result.unicodeScalars.append(scalar)
            default: return nil
            }
            index += 1
        }
        return result
    }

    private static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .integer(let number)?: number
        case .double(let number)?: Int64(exactly: number)
        default: nil
        }
    }

    /// The root schema with `apiVersion`, `kind` and `metadata.name`/`generateName` declared
    /// (`WithTypeAndObjectMeta`).
    static func withTypeAndObjectMeta(_ schema: JSONValue) -> JSONValue {
        var result = schema
        var properties = schema["properties"]?.objectValue ?? [:]
        properties["kind"] = ["type": "string"]
        properties["apiVersion"] = ["type": "string"]
        properties["metadata"] = [
            "type": "object", "properties": ["name": ["type": "string"], "generateName": ["type": "string"]],
        ]
        result.setValue(.object(properties), at: ["properties"])
        return result
    }

    /// `SchemaDeclType`: the CEL declaration of a schema node, or `nil` when the node is not visible to CEL
    /// (preserve-unknown-fields without a type, arrays without items).
    static func declType(_ schema: JSONValue, isResourceRoot: Bool, name: String) -> CELDeclType? {
        if schema["x-kubernetes-int-or-string"] == .bool(true) {
            let maxLength = integer(schema["maxLength"]).map { UInt64(max(0, $0)) * 4 } ?? (maxRequestSizeBytes - 2)
            return CELDeclType(type: .dyn, maxElements: maxLength, minSerializedSize: 1)
        }
        let schema = isResourceRoot ? withTypeAndObjectMeta(schema) : schema
        switch schema["type"]?.stringValue {
        case "array":
            guard let items = schema["items"],
                let element = declType(
                    items, isResourceRoot: items["x-kubernetes-embedded-resource"] == .bool(true), name: name + ".@idx")
            else { return nil }
            let maxItems =
                integer(schema["maxItems"]).map { UInt64(max(0, $0)) }
                ?? (maxRequestSizeBytes - 2) / (element.minSerializedSize + 1)
            return CELDeclType(type: .list(element.type), maxElements: maxItems, minSerializedSize: 2, element: element)
        case "object":
            if case .object(let additional)? = schema["additionalProperties"] {
                let additionalSchema = JSONValue.object(additional)
                guard
                    let element = declType(
                        additionalSchema,
                        isResourceRoot: additionalSchema["x-kubernetes-embedded-resource"] == .bool(true),
                        name: name + ".@elem")
                else { return nil }
                let maxProperties =
                    integer(schema["maxProperties"]).map { UInt64(max(0, $0)) }
                    ?? (maxRequestSizeBytes - 2) / (element.minSerializedSize + 6)
                return CELDeclType(
                    type: .map(.string, element.type), maxElements: maxProperties, minSerializedSize: 2,
                    element: element)
            }
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            var fields: [String: CELDeclType] = [:]
            var minSize: UInt64 = 2
            for (property, propertySchema) in schema["properties"]?.objectValue ?? [:] {
                guard let escaped = escape(property) else { continue }
                guard
                    let field = declType(
                        propertySchema, isResourceRoot: propertySchema["x-kubernetes-embedded-resource"] == .bool(true),
                        name: name + "." + escaped)
                else { continue }
                fields[escaped] = field
                if required.contains(property), propertySchema["default"] == nil {
                    minSize += UInt64(property.utf8.count) + field.minSerializedSize + 4
                }
            }
            let objectType = CELObjectType(name: name, fields: fields.mapValues(\.type))
            return CELDeclType(
                type: .object(objectType), maxElements: UInt64(fields.count), minSerializedSize: minSize,
                fields: fields)
        case "string":
            switch schema["format"]?.stringValue {
            case "byte":
                let maxLength = integer(schema["maxLength"]).map { UInt64(max(0, $0)) } ?? (maxRequestSizeBytes - 2)
                return CELDeclType(type: .bytes, maxElements: maxLength, minSerializedSize: 2)
            case "duration":
                return CELDeclType(type: .duration, maxElements: 32, minSerializedSize: 4)
            case "date":
                return CELDeclType(type: .timestamp, maxElements: 12, minSerializedSize: 12)
            case "date-time":
                return CELDeclType(type: .timestamp, maxElements: 37, minSerializedSize: 22)
            default:
                let maxLength: UInt64
                if let limit = integer(schema["maxLength"]) {
                    maxLength = UInt64(max(0, limit)) * 4
                } else if let values = schema["enum"]?.arrayValue, !values.isEmpty {
                    maxLength = UInt64(values.compactMap { $0.stringValue?.utf8.count }.max() ?? 0)
                } else {
                    maxLength = maxRequestSizeBytes - 2
                }
                return CELDeclType(type: .string, maxElements: maxLength, minSerializedSize: 2)
            }
        case "boolean":
            return CELDeclType(type: .bool, minSerializedSize: 4)
        case "number":
            return CELDeclType(type: .double, minSerializedSize: 1)
        case "integer":
            return CELDeclType(type: .int, minSerializedSize: 1)
        default:
            return nil
        }
    }

    /// The CEL value of a JSON value of a schema node (only the declared fields of objects are visible).
    static func value(_ json: JSONValue, schema: JSONValue, declType: CELDeclType, isResourceRoot: Bool = false)
        -> CELValue
    {
        if json == .null { return .null }
        switch declType.type {
        case .dyn:
            switch json {
            case .integer(let number): return .int(number)
            case .double(let number): return Int64(exactly: number).map(CELValue.int) ?? .double(number)
            case .string(let text): return .string(text)
            case .bool(let flag): return .bool(flag)
            default: return genericValue(json)
            }
        case .int:
            if case .double(let number) = json, let exact = Int64(exactly: number) { return .int(exact) }
            if case .integer(let number) = json { return .int(number) }
            return genericValue(json)
        case .double:
            if case .integer(let number) = json { return .double(Double(number)) }
            return genericValue(json)
        case .bytes:
            if case .string(let text) = json, let data = Data(base64Encoded: text) { return .bytes(Array(data)) }
            return genericValue(json)
        case .duration:
            if case .string(let text) = json, let duration = try? CELTime.parseDuration(text) {
                return .duration(duration)
            }
            return genericValue(json)
        case .timestamp:
            if case .string(let text) = json {
                if let timestamp = try? CELTime.parseTimestamp(text) { return .timestamp(timestamp) }
                if let timestamp = try? CELTime.parseTimestamp(text + "T00:00:00Z") { return .timestamp(timestamp) }
            }
            return genericValue(json)
        case .list:
            guard case .array(let items) = json, let element = declType.element, let itemSchema = schema["items"] else {
                return genericValue(json)
            }
            let kind: CELListKind
            switch schema["x-kubernetes-list-type"]?.stringValue {
            case "set": kind = .set
            case "map":
                kind = .map(
                    keys: (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap {
                        $0.stringValue.flatMap(escape)
                    })
            default: kind = .atomic
            }
            return .list(
                CELList(
                    elements: items.map {
                        value(
                            $0, schema: itemSchema, declType: element,
                            isResourceRoot: itemSchema["x-kubernetes-embedded-resource"] == .bool(true))
                    }, kind: kind))
        case .map:
            guard case .object(let members) = json, let element = declType.element,
                case .object(let additional)? = schema["additionalProperties"]
            else { return genericValue(json) }
            var map = CELMap()
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                map.set(
                    .string(key),
                    value(
                        member, schema: .object(additional), declType: element,
                        isResourceRoot: additional["x-kubernetes-embedded-resource"] == .bool(true)))
            }
            return .map(map)
        case .object(let objectType):
            guard case .object(let members) = json else { return genericValue(json) }
            let schema = isResourceRoot ? withTypeAndObjectMeta(schema) : schema
            var fields: [String: CELValue] = [:]
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in members {
                guard let escaped = escape(key), let fieldType = declType.fields[escaped],
                    let propertySchema = properties[key]
                else { continue }
                fields[escaped] = value(
                    member, schema: propertySchema, declType: fieldType,
                    isResourceRoot: propertySchema["x-kubernetes-embedded-resource"] == .bool(true))
            }
            return .object(CELObject(type: objectType, fields: fields))
        default:
            return genericValue(json)
        }
    }

    /// A JSON value without a schema (`dyn`): objects become string-keyed maps.
    static func genericValue(_ json: JSONValue) -> CELValue {
        switch json {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .integer(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .array(let items): return .list(items.map(genericValue))
        case .object(let members):
            var map = CELMap()
            for key in members.keys.sorted() {
                if let member = members[key] { map.set(.string(key), genericValue(member)) }
            }
            return .map(map)
        }
    }
}

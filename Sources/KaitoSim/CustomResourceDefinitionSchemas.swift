import Foundation
import KaitoCore

/// The checks `apiextensions.k8s.io/v1` makes of a CRD version's `openAPIV3Schema`: the structural-schema
/// rules, defaults that validate against their schema, the OpenAPI restrictions (`uniqueItems`,
/// `additionalProperties` with `properties`, list and map types), and the compilation and cost of every
/// `x-kubernetes-validations` rule.
enum CustomResourceDefinitionSchemas {
    private static let validTypes = ["array", "boolean", "integer", "number", "object", "string"]

    /// Every problem of one schema; `path` is where the CRD holds it (`spec.validation.openAPIV3Schema`).
    static func validate(_ schema: JSONValue, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if schema["nullable"] == .bool(true) {
            errors.append(
                FieldError(field: "\(path).nullable", kind: .forbidden, detail: "nullable cannot be true at the root"))
        }
        var structural: [FieldError] = []
        structuralInvariants(schema, level: .root, path: path, into: &structural)
        structural.sort { $0.description < $1.description }
        errors += structural
        var celPossible = structural.isEmpty
        if structural.isEmpty {
            let defaults = validateDefaults(schema, path: path, isRoot: true, insideMeta: false)
            errors += defaults
            celPossible = defaults.isEmpty
        }
        var schemaErrors: [FieldError] = []
        openAPIChecks(schema, path: path, isRoot: true, forbidDefaults: nil, into: &schemaErrors)
        let compilation = SchemaRules.compile(schema, basePath: path)
        schemaErrors += compilation.schemaErrors
        errors += schemaErrors
        if celPossible, schemaErrors.isEmpty {
            errors += compilation.celErrors
            if compilation.totalCost > SchemaRules.staticEstimatedCRDCostLimit {
                for expensive in compilation.mostExpensive {
                    errors.append(
                        FieldError(
                            field: expensive.path, kind: .forbidden,
                            detail: "contributed to estimated rule cost total exceeding cost limit for entire "
                                + "OpenAPIv3 schema"))
                }
                errors.append(
                    FieldError(
                        field: path, kind: .forbidden,
                        detail: SchemaRules.costErrorMessage(
                            "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                            compilation.totalCost, SchemaRules.staticEstimatedCRDCostLimit)))
            }
        }
        return errors
    }

    // MARK: - Structural schema (schema/validation.go)

    private enum Level {
        case root, item, field
    }

    private static func structuralInvariants(
        _ schema: JSONValue, level: Level, path: String, into errors: inout [FieldError]
    ) {
        let type = schema["type"]?.stringValue ?? ""
        let intOrString = schema["x-kubernetes-int-or-string"] == .bool(true)
        let preserve = schema["x-kubernetes-preserve-unknown-fields"] == .bool(true)
        let embedded = schema["x-kubernetes-embedded-resource"] == .bool(true)
        if type == "array", schema["items"] == nil {
            errors.append(FieldError(field: "\(path).items", kind: .required, detail: "must be specified"))
        }
        if let items = schema["items"], items.objectValue != nil {
            structuralInvariants(items, level: .item, path: "\(path).items", into: &errors)
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        for (name, property) in properties {
            structuralInvariants(property, level: .field, path: "\(path).properties[\(name)]", into: &errors)
        }
        if let additional = schema["additionalProperties"] {
            if level == .root {
                errors.append(
                    FieldError(
                        field: "\(path).additionalProperties", kind: .forbidden, detail: "must not be used at the root")
                )
            }
            if additional.objectValue != nil {
                structuralInvariants(additional, level: .field, path: "\(path).additionalProperties", into: &errors)
            }
        }
        if intOrString, preserve {
            errors.append(
                FieldError(
                    field: "\(path).x-kubernetes-preserve-unknown-fields", kind: .invalid(.bool(true)),
                    detail: "must be false if x-kubernetes-int-or-string is true"))
        }
        if intOrString, embedded {
            errors.append(
                FieldError(
                    field: "\(path).x-kubernetes-embedded-resource", kind: .invalid(.bool(true)),
                    detail: "must be false if x-kubernetes-int-or-string is true"))
        }
        let intOrStringPattern: JSONValue = [["type": "integer"], ["type": "string"]]
        let skipAnyOf = schema["anyOf"] == intOrStringPattern
        for (index, sub) in (schema["anyOf"]?.arrayValue ?? []).enumerated() where !skipAnyOf {
            nestedValueValidation(sub, path: "\(path).anyOf[\(index)]", into: &errors)
        }
        for (index, sub) in (schema["allOf"]?.arrayValue ?? []).enumerated() {
            if index == 0, sub["anyOf"] == intOrStringPattern { continue }
            nestedValueValidation(sub, path: "\(path).allOf[\(index)]", into: &errors)
        }
        for (index, sub) in (schema["oneOf"]?.arrayValue ?? []).enumerated() {
            nestedValueValidation(sub, path: "\(path).oneOf[\(index)]", into: &errors)
        }
        if let not = schema["not"] {
            nestedValueValidation(not, path: "\(path).not", into: &errors)
        }
        if let pattern = schema["pattern"]?.stringValue, (try? CELRegex.compile(pattern)) == nil {
            errors.append(
                FieldError(
                    field: "\(path).pattern", kind: .invalid(.string(pattern)),
                    detail: "must be a valid regular expression, but isn't: error parsing regexp: invalid or "
                        + "unsupported Perl syntax"))
        }
        let checkMetadata = level == .root || embedded
        if embedded, type != "object" {
            if type.isEmpty {
                errors.append(
                    FieldError(
                        field: "\(path).type", kind: .required,
                        detail: "must be object if x-kubernetes-embedded-resource is true"))
            } else {
                errors.append(
                    FieldError(
                        field: "\(path).type", kind: .invalid(.string(type)),
                        detail: "must be object if x-kubernetes-embedded-resource is true"))
            }
        } else if type.isEmpty, !intOrString, !preserve {
            let detail: String
            switch level {
            case .root: detail = "must not be empty at the root"
            case .item: detail = "must not be empty for specified array items"
            case .field: detail = "must not be empty for specified object fields"
            }
            errors.append(FieldError(field: "\(path).type", kind: .required, detail: detail))
        }
        if embedded, schema["additionalProperties"] != nil {
            errors.append(
                FieldError(
                    field: "\(path).additionalProperties", kind: .forbidden,
                    detail: "must not be used if x-kubernetes-embedded-resource is set"))
        }
        if level == .root, !type.isEmpty, type != "object" {
            errors.append(
                FieldError(field: "\(path).type", kind: .invalid(.string(type)), detail: "must be object at the root"))
        }
        for key in ["kind", "apiVersion"] where checkMetadata {
            if let property = properties[key], property["type"]?.stringValue != "string" {
                errors.append(
                    FieldError(
                        field: "\(path).properties[\(key)].type",
                        kind: .invalid(.string(property["type"]?.stringValue ?? "")), detail: "must be string"))
            }
        }
        if let metadata = properties["metadata"] {
            let metadataPath = "\(path).properties[metadata]"
            if checkMetadata, metadata["type"]?.stringValue != "object" {
                errors.append(
                    FieldError(
                        field: "\(metadataPath).type", kind: .invalid(.string(metadata["type"]?.stringValue ?? "")),
                        detail: "must be object"))
            }
            if level == .root {
                var rest = metadata.objectValue ?? [:]
                rest["type"] = nil
                rest["default"] = nil
                if let metaProperties = rest["properties"]?.objectValue {
                    let names = Set(metaProperties.keys)
                    if names.isSubset(of: ["name", "generateName"]), !names.isEmpty { rest["properties"] = nil }
                }
                if !rest.isEmpty {
                    errors.append(
                        FieldError(
                            field: metadataPath, kind: .forbidden,
                            detail: "must not specify anything other than name and generateName, but metadata is "
                                + "implicitly specified"))
                }
            }
        }
        if embedded, !preserve, properties.isEmpty {
            errors.append(
                FieldError(
                    field: "\(path).properties", kind: .required,
                    detail: "must not be empty if x-kubernetes-embedded-resource is true without "
                        + "x-kubernetes-preserve-unknown-fields"))
        }
    }

    private static func nestedValueValidation(_ schema: JSONValue, path: String, into errors: inout [FieldError]) {
        for (index, sub) in (schema["anyOf"]?.arrayValue ?? []).enumerated() {
            nestedValueValidation(sub, path: "\(path).anyOf[\(index)]", into: &errors)
        }
        for (index, sub) in (schema["allOf"]?.arrayValue ?? []).enumerated() {
            nestedValueValidation(sub, path: "\(path).allOf[\(index)]", into: &errors)
        }
        for (index, sub) in (schema["oneOf"]?.arrayValue ?? []).enumerated() {
            nestedValueValidation(sub, path: "\(path).oneOf[\(index)]", into: &errors)
        }
        if let not = schema["not"] { nestedValueValidation(not, path: "\(path).not", into: &errors) }
        if let items = schema["items"] { nestedValueValidation(items, path: "\(path).items", into: &errors) }
        for (name, property) in schema["properties"]?.objectValue ?? [:] {
            nestedValueValidation(property, path: "\(path).properties[\(name)]", into: &errors)
        }
        let forbidden: [(String, String)] = [
            ("type", "must be empty to be structural"), ("additionalProperties", "must be undefined to be structural"),
            ("default", "must be undefined to be structural"), ("title", "must be empty to be structural"),
            ("description", "must be empty to be structural"), ("externalDocs", "must be undefined to be structural"),
            ("x-kubernetes-list-map-keys", "must be empty to be structural"),
            ("x-kubernetes-list-type", "must be undefined to be structural"),
            ("x-kubernetes-map-type", "must be undefined to be structural"),
            ("x-kubernetes-validations", "must be empty to be structural"),
        ]
        for (key, detail) in forbidden where schema[key] != nil {
            errors.append(FieldError(field: "\(path).\(key)", kind: .forbidden, detail: detail))
        }
        for key in [
            "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
            "x-kubernetes-int-or-string",
        ] where schema[key] == .bool(true) {
            errors.append(
                FieldError(field: "\(path).\(key)", kind: .forbidden, detail: "must be false to be structural"))
        }
        if schema["properties"]?["metadata"] != nil {
            errors.append(
                FieldError(
                    field: "\(path).properties[metadata]", kind: .forbidden,
                    detail: "must not be specified in a nested context"))
        }
    }

    // MARK: - Defaults (defaulting/validation.go)

    private static func validateDefaults(_ schema: JSONValue, path: String, isRoot: Bool, insideMeta: Bool)
        -> [FieldError]
    {
        var errors: [FieldError] = []
        if let value = schema["default"], !insideMeta {
            var pruned: [String] = []
            let prunedValue = StructuralSchema.prune(value, schema: schema, isRoot: false, pruned: &pruned)
            for error in StructuralSchema.validate(value, schema: schema, path: "", isRoot: false) {
                var moved = error
                moved.field = error.field.isEmpty ? "\(path).default" : "\(path).default.\(error.field)"
                errors.append(moved)
            }
            if !pruned.isEmpty || prunedValue != value {
                errors.append(
                    FieldError(
                        field: "\(path).default", kind: .invalid(value), detail: "must not have unknown fields"))
            }
        }
        for (name, property) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let meta = isRoot && ["metadata", "kind", "apiVersion"].contains(name)
            errors += validateDefaults(
                property, path: "\(path).properties[\(name)]", isRoot: false, insideMeta: insideMeta || meta)
        }
        if let items = schema["items"], items.objectValue != nil {
            errors += validateDefaults(items, path: "\(path).items", isRoot: false, insideMeta: insideMeta)
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            errors += validateDefaults(
                additional, path: "\(path).additionalProperties", isRoot: false, insideMeta: insideMeta)
        }
        return errors
    }

    // MARK: - OpenAPI schema restrictions (ValidateCustomResourceDefinitionOpenAPISchema)

    private static func openAPIChecks(
        _ schema: JSONValue, path: String, isRoot: Bool, forbidDefaults: String?, into errors: inout [FieldError]
    ) {
        if let type = schema["type"]?.stringValue {
            if type == "null" {
                errors.append(
                    FieldError(
                        field: "\(path).type", kind: .forbidden,
                        detail: "type cannot be set to null, use nullable as an alternative"))
            } else if !validTypes.contains(type) {
                errors.append(
                    FieldError(field: "\(path).type", kind: .notSupported(.string(type), supported: validTypes)))
            }
        }
        if schema["default"] != nil, let forbidDefaults {
            errors.append(
                FieldError(field: "\(path).default", kind: .forbidden, detail: "must not be set \(forbidDefaults)"))
        }
        for (key, detail) in [
            ("id", "id is not supported"), ("additionalItems", "additionalItems is not supported"),
            ("patternProperties", "patternProperties is not supported"),
            ("definitions", "definitions is not supported"), ("dependencies", "dependencies is not supported"),
            ("$ref", "$ref is not supported"),
        ] where schema[key] != nil {
            errors.append(FieldError(field: "\(path).\(key)", kind: .forbidden, detail: detail))
        }
        if schema["items"]?.arrayValue != nil {
            errors.append(
                FieldError(
                    field: "\(path).items", kind: .forbidden, detail: "items must be a schema object and not an array"))
        }
        if schema["uniqueItems"] == .bool(true) {
            errors.append(
                FieldError(
                    field: "\(path).uniqueItems", kind: .forbidden,
                    detail: "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        if let additional = schema["additionalProperties"], !properties.isEmpty, additional != .bool(true) {
            errors.append(
                FieldError(
                    field: "\(path).additionalProperties", kind: .forbidden,
                    detail: "additionalProperties and properties are mutual exclusive"))
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            openAPIChecks(
                additional, path: "\(path).additionalProperties", isRoot: false, forbidDefaults: forbidDefaults,
                into: &errors)
        }
        let embedded = schema["x-kubernetes-embedded-resource"] == .bool(true)
        for (name, property) in properties.sorted(by: { $0.key < $1.key }) {
            var forbid = forbidDefaults
            if isRoot || embedded, ["metadata", "kind", "apiVersion"].contains(name), isRoot {
                forbid = "in top-level \(name)"
            }
            openAPIChecks(
                property, path: "\(path).properties[\(name)]", isRoot: false, forbidDefaults: forbid,
                into: &errors)
        }
        if let items = schema["items"], items.objectValue != nil {
            openAPIChecks(items, path: "\(path).items", isRoot: false, forbidDefaults: forbidDefaults, into: &errors)
        }
        if schema["x-kubernetes-preserve-unknown-fields"] == .bool(false) {
            errors.append(
                FieldError(
                    field: "\(path).x-kubernetes-preserve-unknown-fields", kind: .invalid(.bool(false)),
                    detail: "must be true or undefined"))
        }
        let type = schema["type"]?.stringValue ?? ""
        // `Required value` or `Invalid value` on `type` when an extension needs another type.
        func requireType(_ wanted: String, for extensionName: String) {
            guard type != wanted else { return }
            errors.append(
                FieldError(
                    field: "\(path).type", kind: type.isEmpty ? .required : .invalid(.string(type)),
                    detail: "must be \(wanted) if \(extensionName) is specified"))
        }
        if let mapType = schema["x-kubernetes-map-type"]?.stringValue {
            requireType("object", for: "x-kubernetes-map-type")
            if mapType != "atomic", mapType != "granular" {
                errors.append(
                    FieldError(
                        field: "\(path).x-kubernetes-map-type",
                        kind: .notSupported(.string(mapType), supported: ["atomic", "granular"])))
            }
        }
        let listType = schema["x-kubernetes-list-type"]?.stringValue
        if let listType {
            requireType("array", for: "x-kubernetes-list-type")
            if !["atomic", "set", "map"].contains(listType) {
                errors.append(
                    FieldError(
                        field: "\(path).x-kubernetes-list-type",
                        kind: .notSupported(.string(listType), supported: ["atomic", "set", "map"])))
            }
        }
        let mapKeys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !mapKeys.isEmpty {
            if listType == nil {
                errors.append(
                    FieldError(
                        field: "\(path).x-kubernetes-list-type", kind: .required,
                        detail: "must be map if x-kubernetes-list-map-keys is non-empty"))
            } else if listType != "map" {
                errors.append(
                    FieldError(
                        field: "\(path).x-kubernetes-list-type", kind: .invalid(.string(listType ?? "")),
                        detail: "must be map if x-kubernetes-list-map-keys is non-empty"))
            }
        }
        if listType == "map" {
            let items = schema["items"]
            if mapKeys.isEmpty {
                errors.append(
                    FieldError(
                        field: "\(path).x-kubernetes-list-map-keys", kind: .required,
                        detail: "must not be empty if x-kubernetes-list-type is map"))
            }
            if items == nil {
                errors.append(
                    FieldError(
                        field: "\(path).items", kind: .required,
                        detail: "must have a schema if x-kubernetes-list-type is map"))
            }
            if let items, items["type"]?.stringValue != "object" {
                errors.append(
                    FieldError(
                        field: "\(path).items.type", kind: .invalid(.string(items["type"]?.stringValue ?? "")),
                        detail: "must be object if parent array's x-kubernetes-list-type is map"))
            } else if let items {
                let required = Set(items["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                var seen: Set<String> = []
                for key in mapKeys {
                    if let property = items["properties"]?[key] {
                        let keyType = property["type"]?.stringValue ?? ""
                        if keyType == "array" || keyType == "object" {
                            errors.append(
                                FieldError(
                                    field: "\(path).items.properties[\(key)].type", kind: .invalid(.string("object")),
                                    detail: "must be a scalar type if parent array's x-kubernetes-list-type is map"))
                        }
                        if !required.contains(key), property["default"] == nil {
                            errors.append(
                                FieldError(
                                    field: "\(path).items.properties[\(key)].default", kind: .required,
                                    detail: "this property is in x-kubernetes-list-map-keys, so it must have a default "
                                        + "or be a required property"))
                        }
                        if property["nullable"] == .bool(true) {
                            errors.append(
                                FieldError(
                                    field: "\(path).items.properties[\(key)].nullable", kind: .forbidden,
                                    detail: "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))
                        }
                    } else {
                        errors.append(
                            FieldError(
                                field: "\(path).x-kubernetes-list-map-keys",
                                kind: .invalid(.array(mapKeys.map(JSONValue.string))),
                                detail: "entries must all be names of item properties"))
                    }
                    if seen.contains(key) {
                        errors.append(
                            FieldError(
                                field: "\(path).x-kubernetes-list-map-keys",
                                kind: .invalid(.array(mapKeys.map(JSONValue.string))),
                                detail: "must not contain duplicate entries"))
                    }
                    seen.insert(key)
                }
            }
        }
        if listType == "set" || listType == "map", schema["items"]?["nullable"] == .bool(true) {
            errors.append(
                FieldError(
                    field: "\(path).items.nullable", kind: .forbidden,
                    detail: "cannot be nullable when x-kubernetes-list-type is \(listType ?? "")"))
        }
    }
}

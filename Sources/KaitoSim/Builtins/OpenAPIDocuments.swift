import KaitoCore

/// The OpenAPI v3 documents the API server serves (`/openapi/v3` and `/openapi/v3/apis/GROUP/VERSION`), built
/// from the generated built-in schemas and, for custom resources, their CRD's `openAPIV3Schema`.
///
/// Descriptions, defaults and `required` lists of the real documents are left out; the structure (schemas keyed
/// by their Go names, `x-kubernetes-group-version-kind`, list and patch annotations where known, one path item per
/// endpoint with the operations the resource serves) is the server's.
enum OpenAPIDocuments {
    static let schemaPrefix = "#/components/schemas/"
    static let objectMeta = BuiltinSchemas.objectMeta
    static let listMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"

    /// The `/openapi/v3` index: one entry per group version (`api/v1`, `apis/apps/v1`) with its URL and a hash
    /// that changes with the document.
    static func index(groupVersions: [String]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for groupVersion in groupVersions {
            let path = documentPath(groupVersion)
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash(of: groupVersion))")]
        }
        return ["paths": .object(paths)]
    }

    /// `api/v1` for the core group, `apis/GROUP/VERSION` otherwise.
    static func documentPath(_ groupVersion: String) -> String {
        groupVersion.contains("/") ? "apis/\(groupVersion)" : "api/\(groupVersion)"
    }

    /// A 128-digit upper-case hex digest (the server's is SHA-512 of the document), stable for a group version and
    /// the generated schemas.
    static func hash(of groupVersion: String) -> String {
        var state = ServiceNetwork.hash(groupVersion + "/" + String(BuiltinSchemas.generatedDefinitions.utf8.count))
        var digits = ""
        let hex = Array("0123456789ABCDEF")
        while digits.count < 128 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var word = state
            for _ in 0..<16 {
                digits.append(hex[Int(word & 15)])
                word >>= 4
            }
        }
        return digits
    }

    /// The OpenAPI 3.0 document of one group version, or `nil` when none of `descriptors` is in it.
    static func document(groupVersion: String, descriptors: [ResourceDescriptor]) -> JSONValue? {
        let served = descriptors.filter { $0.apiVersion == groupVersion }
        guard !served.isEmpty else { return nil }
        var schemas: [String: JSONValue] = [:]
        var paths: [String: JSONValue] = [:]
        for descriptor in served.sorted(by: { $0.plural < $1.plural }) {
            guard let kindSchema = addSchemas(for: descriptor, into: &schemas) else { continue }
            let listSchema = kindSchema + "List"
            schemas[listSchema] = [
                "type": "object", "required": ["items"],
                "properties": [
                    "apiVersion": ["type": "string"], "kind": ["type": "string"],
                    "items": ["type": "array", "items": reference(kindSchema)],
                    "metadata": ["allOf": [reference(listMeta)], "default": [:]],
                ],
                "x-kubernetes-group-version-kind": [gvk(descriptor, kind: descriptor.listKind)],
            ]
            addDefinition(listMeta, into: &schemas)
            for (path, item) in pathItems(for: descriptor, kindSchema: kindSchema, listSchema: listSchema) {
                paths[path] = item
            }
        }
        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Status"] = [
            "type": "object",
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"],
                "code": ["type": "integer", "format": "int32"],
                "message": ["type": "string"], "reason": ["type": "string"], "status": ["type": "string"],
                "details": ["type": "object"], "metadata": ["allOf": [reference(listMeta)], "default": [:]],
            ],
            "x-kubernetes-group-version-kind": [["group": "", "kind": "Status", "version": "v1"]],
        ]
        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"] = [
            "type": "object",
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"],
                "dryRun": ["type": "array", "items": ["type": "string"]],
                "gracePeriodSeconds": ["type": "integer", "format": "int64"],
                "orphanDependents": ["type": "boolean"], "propagationPolicy": ["type": "string"],
                "preconditions": ["type": "object"],
            ],
        ]
        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = ["type": "object"]
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "v1.36.2"],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "BearerToken": [
                        "type": "apiKey", "description": "Bearer Token authentication", "name": "authorization",
                        "in": "header",
                    ]
                ],
            ],
        ]
    }

    static func reference(_ name: String) -> JSONValue {
        ["$ref": .string(schemaPrefix + name)]
    }

    static func gvk(_ descriptor: ResourceDescriptor, kind: String) -> JSONValue {
        ["group": .string(descriptor.group), "kind": .string(kind), "version": .string(descriptor.version)]
    }

    /// The schema name of a custom resource: the group reversed, the version and the kind
    /// (`sh.kaito.v1alpha1.Workspace`).
    static func customResourceSchemaName(_ descriptor: ResourceDescriptor) -> String {
        descriptor.group.split(separator: ".").reversed().joined(separator: ".")
            + ".\(descriptor.version).\(descriptor.kind)"
    }

    /// Adds the kind's schema and everything it references; returns the kind's schema name.
    static func addSchemas(for descriptor: ResourceDescriptor, into schemas: inout [String: JSONValue]) -> String? {
        if descriptor.isCustomResource {
            let name = customResourceSchemaName(descriptor)
            var schema = descriptor.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            schema.setValue(["type": "string"], at: ["properties", "apiVersion"])
            schema.setValue(["type": "string"], at: ["properties", "kind"])
            schema.setValue(["allOf": [reference(objectMeta)], "default": [:]], at: ["properties", "metadata"])
            schema.setValue([gvk(descriptor, kind: descriptor.kind)], at: ["x-kubernetes-group-version-kind"])
            schemas[name] = schema
            addDefinition(objectMeta, into: &schemas)
            return name
        }
        guard let root = BuiltinSchemas.rootType(apiVersion: descriptor.apiVersion, kind: descriptor.kind) else {
            return nil
        }
        addDefinition(root, into: &schemas)
        schemas[root]?.setValue([gvk(descriptor, kind: descriptor.kind)], at: ["x-kubernetes-group-version-kind"])
        annotateLists(root, path: [], descriptor: descriptor, schemas: &schemas, visited: [])
        return root
    }

    /// Adds `name`'s definition and those it references, once each.
    static func addDefinition(_ name: String, into schemas: inout [String: JSONValue]) {
        guard schemas[name] == nil else { return }
        guard let fields = BuiltinSchemas.definitions[name] else {
            schemas[name] = ["type": "object"]
            return
        }
        schemas[name] = ["type": "object"]
        var properties: [String: JSONValue] = [:]
        for (field, type) in fields {
            properties[field] = property(type, schemas: &schemas)
        }
        schemas[name] = ["type": "object", "properties": .object(properties)]
    }

    static func property(_ type: BuiltinFieldType, schemas: inout [String: JSONValue]) -> JSONValue {
        switch type {
        case .string: return ["type": "string"]
        case .int32: return ["type": "integer", "format": "int32"]
        case .int64: return ["type": "integer", "format": "int64"]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .bytes: return ["type": "string", "format": "byte"]
        case .time:
            schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"] = ["type": "string", "format": "date-time"]
            return ["allOf": [reference("io.k8s.apimachinery.pkg.apis.meta.v1.Time")]]
        case .microTime:
            schemas["io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"] = ["type": "string", "format": "date-time"]
            return ["allOf": [reference("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime")]]
        case .quantity:
            schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"] = [
                "oneOf": [["type": "string"], ["type": "number"]]
            ]
            return reference("io.k8s.apimachinery.pkg.api.resource.Quantity")
        case .intOrString:
            schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = ["type": "string", "format": "int-or-string"]
            return ["allOf": [reference("io.k8s.apimachinery.pkg.util.intstr.IntOrString")]]
        case .freeForm:
            return ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        case .object(let name):
            addDefinition(name, into: &schemas)
            return ["allOf": [reference(name)], "default": [:]]
        case .list(let element):
            return ["type": "array", "items": property(element, schemas: &schemas)]
        case .map(let element):
            return ["type": "object", "additionalProperties": property(element, schemas: &schemas)]
        }
    }

    /// Puts the descriptor's list semantics (`spec.template.spec.containers` → map by `name`) on the definitions'
    /// list properties as `x-kubernetes-list-*` and `x-kubernetes-patch-*` annotations.
    static func annotateLists(
        _ name: String, path: [String], descriptor: ResourceDescriptor, schemas: inout [String: JSONValue],
        visited: Set<String>
    ) {
        guard let fields = BuiltinSchemas.definitions[name], !visited.contains(name) || path.count < 8 else { return }
        for (field, type) in fields.sorted(by: { $0.key < $1.key }) {
            let fieldPath = path + [field]
            var element = type
            if case .list(let inner) = type {
                element = inner
                let listType = descriptor.listTypes[fieldPath.joined(separator: ".")]
                var annotations: [String: JSONValue] = [:]
                switch listType {
                case .map(let keys)?:
                    annotations = [
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": .array(keys.map(JSONValue.string)),
                        "x-kubernetes-patch-merge-key": .string(keys.first ?? ""),
                        "x-kubernetes-patch-strategy": "merge",
                    ]
                case .set?:
                    annotations = ["x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"]
                case .atomic?:
                    annotations = ["x-kubernetes-list-type": "atomic"]
                case nil:
                    break
                }
                for (key, value) in annotations {
                    schemas[name]?.setValue(value, at: ["properties", field, key])
                }
            }
            if case .object(let child) = element, path.count < 8 {
                annotateLists(
                    child, path: fieldPath, descriptor: descriptor, schemas: &schemas, visited: visited.union([name]))
            }
        }
    }

    // MARK: - Paths

    static func pathItems(for descriptor: ResourceDescriptor, kindSchema: String, listSchema: String)
        -> [(String, JSONValue)]
    {
        let prefix = descriptor.group.isEmpty ? "/api/\(descriptor.version)" : "/apis/\(descriptor.apiVersion)"
        let collection =
            descriptor.namespaced
            ? "\(prefix)/namespaces/{namespace}/\(descriptor.plural)" : "\(prefix)/\(descriptor.plural)"
        let operationKind = operationName(descriptor)
        let scope = descriptor.namespaced ? "Namespaced" : ""
        func operation(_ verb: String, _ action: String, _ id: String, response: String) -> JSONValue {
            [
                "operationId": .string(id), "tags": [.string(tag(descriptor))],
                "responses": [
                    "200": [
                        "description": "OK",
                        "content": ["application/json": ["schema": reference(response)]],
                    ],
                    "401": ["description": "Unauthorized"],
                ],
                "x-kubernetes-action": .string(action),
                "x-kubernetes-group-version-kind": gvk(descriptor, kind: descriptor.kind),
            ]
        }
        var parameters: [JSONValue] = []
        if descriptor.namespaced {
            parameters.append(["name": "namespace", "in": "path", "required": true, "schema": ["type": "string"]])
        }
        let nameParameter: JSONValue = ["name": "name", "in": "path", "required": true, "schema": ["type": "string"]]
        var items: [(String, JSONValue)] = [
            (
                collection,
                [
                    "get": operation(
                        "get", "list", "list\(operationKind)\(scope)\(descriptor.kind)", response: listSchema),
                    "post": operation(
                        "post", "post", "create\(operationKind)\(scope)\(descriptor.kind)", response: kindSchema),
                    "delete": operation(
                        "delete", "deletecollection", "deleteCollection\(operationKind)\(scope)\(descriptor.kind)",
                        response: "io.k8s.apimachinery.pkg.apis.meta.v1.Status"),
                    "parameters": .array(parameters),
                ]
            ),
            (
                "\(collection)/{name}",
                [
                    "get": operation(
                        "get", "get", "read\(operationKind)\(scope)\(descriptor.kind)", response: kindSchema),
                    "put": operation(
                        "put", "put", "replace\(operationKind)\(scope)\(descriptor.kind)", response: kindSchema),
                    "patch": operation(
                        "patch", "patch", "patch\(operationKind)\(scope)\(descriptor.kind)", response: kindSchema),
                    "delete": operation(
                        "delete", "delete", "delete\(operationKind)\(scope)\(descriptor.kind)",
                        response: "io.k8s.apimachinery.pkg.apis.meta.v1.Status"),
                    "parameters": .array([nameParameter] + parameters),
                ]
            ),
        ]
        if descriptor.hasStatusSubresource {
            items.append(
                (
                    "\(collection)/{name}/status",
                    [
                        "get": operation(
                            "get", "get", "read\(operationKind)\(scope)\(descriptor.kind)Status", response: kindSchema),
                        "put": operation(
                            "put", "put", "replace\(operationKind)\(scope)\(descriptor.kind)Status",
                            response: kindSchema),
                        "patch": operation(
                            "patch", "patch", "patch\(operationKind)\(scope)\(descriptor.kind)Status",
                            response: kindSchema),
                        "parameters": .array([nameParameter] + parameters),
                    ]
                ))
        }
        if descriptor.namespaced {
            items.append(
                (
                    "\(prefix)/\(descriptor.plural)",
                    [
                        "get": operation(
                            "get", "list", "list\(operationKind)\(descriptor.kind)ForAllNamespaces",
                            response: listSchema)
                    ]
                ))
        }
        return items
    }

    /// `CoreV1`, `AppsV1`, `RbacAuthorizationV1`: the operation id infix of a group version.
    static func operationName(_ descriptor: ResourceDescriptor) -> String {
        let group = descriptor.group.isEmpty ? "core" : String(descriptor.group.split(separator: ".").first ?? "")
        let words = descriptor.group == "rbac.authorization.k8s.io" ? ["rbac", "authorization"] : [group]
        return words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            + descriptor.version.prefix(1).uppercased()
            + descriptor.version.dropFirst()
    }

    static func tag(_ descriptor: ResourceDescriptor) -> String {
        let group =
            descriptor.group.isEmpty
            ? "core"
            : descriptor.group.replacingOccurrences(of: ".k8s.io", with: "")
                .replacingOccurrences(of: ".", with: "")
        return "\(group)_\(descriptor.version)"
    }
}

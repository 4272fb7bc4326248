import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// A CRD of group `example.com` with one version (or several) and the given schema.
func exampleDefinition(_ schema: JSONValue, versions: [String] = ["v1"], schemas: [JSONValue]? = nil) -> JSONValue {
    let entries: [JSONValue] = versions.enumerated().map { index, name in
        [
            "name": .string(name), "served": true, "storage": .bool(index == 0),
            "schema": ["openAPIV3Schema": schemas?[index] ?? schema],
        ]
    }
    return [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "gizmos.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced", "names": ["kind": "Gizmo", "plural": "gizmos"],
            "versions": .array(entries),
        ],
    ]
}

/// An object schema with `spec` holding these properties and rules.
func specSchema(_ properties: JSONValue, rules: [JSONValue] = [], extra: [String: JSONValue] = [:]) -> JSONValue {
    var spec: [String: JSONValue] = ["type": "object", "properties": properties]
    if !rules.isEmpty { spec["x-kubernetes-validations"] = .array(rules) }
    for (key, value) in extra { spec[key] = value }
    return [
        "type": "object",
        "properties": [
            "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": ["type": "object"],
            "spec": .object(spec),
        ],
    ]
}

@Suite("CRD validation")
struct CRDValidationTests {
    static let prefix = "CustomResourceDefinition.apiextensions.k8s.io \"gizmos.example.com\" is invalid: "

    static func rejection(_ definition: JSONValue) async -> APIError? {
        let store = Fixture().store
        return await #expect(throws: APIError.self) { try await store.create(R.crds, object: definition) }
    }

    /// The Workspace schema's `inference` with `template` as Kaito v0.3.1 declares it (no type).
    static func workspaceInference(typedTemplate: Bool) -> JSONValue {
        var template: [String: JSONValue] = ["x-kubernetes-preserve-unknown-fields": true]
        if typedTemplate { template["type"] = "object" }
        return [
            "type": "object",
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": ["type": "object"],
                "inference": [
                    "type": "object",
                    "x-kubernetes-validations": [
                        ["rule": "has(self.preset) == has(oldSelf.preset)", "message": "field is immutable"],
                        [
                            "rule": "has(self.template) == has(oldSelf.template)",
                            "message": "field cannot be unset/set if it was set/unset",
                        ],
                    ],
                    "properties": [
                        "preset": ["type": "object", "properties": ["name": ["type": "string"]]],
                        "template": .object(template),
                    ],
                ],
            ],
        ]
    }

    @Test("A rule on an untyped preserve-unknown-fields property fails to compile as on a real API server")
    func untypedTemplate() async throws {
        let error = await Self.rejection(exampleDefinition(Self.workspaceInference(typedTemplate: false)))
        let rule = "has(self.template) == has(oldSelf.template)"
        #expect(error?.code == 422)
        #expect(
            error?.message
                == Self.prefix
                + "spec.validation.openAPIV3Schema.properties[inference].x-kubernetes-validations[1].rule: Invalid "
                + "value: apiextensions.ValidationRule{Rule:\"\(rule)\", Message:\"field cannot be unset/set if it "
                + "was set/unset\", MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), "
                + "FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:4: undefined "
                + "field 'template'\n | \(rule)\n | ...^\nERROR: <input>:1:26: undefined field 'template'\n | \(rule)\n"
                + " | .........................^")
        let cause = try #require(error?.details?.causes.first)
        #expect(cause.reason == "FieldValueInvalid")
        #expect(cause.field == "spec.validation.openAPIV3Schema.properties[inference].x-kubernetes-validations[1].rule")

        let store = Fixture().store
        _ = try await store.create(R.crds, object: exampleDefinition(Self.workspaceInference(typedTemplate: true)))
    }

    @Test("The repository's Workspace CRD compiles")
    func repositoryWorkspace() async throws {
        let store = Fixture().store
        let documents = try ManifestReader.documents(from: try repositoryFile("deploy/crds/kaito.sh_workspaces.yaml"))
        let definition = try #require(documents.first?.value)
        _ = try await store.create(R.crds, object: definition)
    }

    @Test("Structural schema violations")
    func structural() async {
        let untyped = await Self.rejection(exampleDefinition(specSchema(["count": ["description": "no type"]])))
        #expect(
            untyped?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[count].type: Required "
                + "value: must not be empty for specified object fields")
        let noItems = await Self.rejection(exampleDefinition(specSchema(["list": ["type": "array"]])))
        #expect(
            noItems?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[list].items: Required "
                + "value: must be specified")
        var metadata = specSchema([:])
        metadata.setValue(
            ["type": "object", "properties": ["labels": ["type": "object"]]], at: ["properties", "metadata"])
        let badMetadata = await Self.rejection(exampleDefinition(metadata))
        #expect(
            badMetadata?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify "
                + "anything other than name and generateName, but metadata is implicitly specified")
        let rootType = await Self.rejection(exampleDefinition(["type": "string"]))
        #expect(
            rootType?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.type: Invalid value: \"string\": must be object at "
                + "the root")
        let both = await Self.rejection(
            exampleDefinition(
                specSchema([
                    "m": [
                        "type": "object", "properties": ["a": ["type": "string"]],
                        "additionalProperties": ["type": "string"],
                    ]
                ])))
        #expect(
            both?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[m].additionalProperties: "
                + "Forbidden: additionalProperties and properties are mutual exclusive")
        let unique = await Self.rejection(
            exampleDefinition(specSchema(["l": ["type": "array", "uniqueItems": true, "items": ["type": "string"]]])))
        #expect(
            unique?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[l].uniqueItems: "
                + "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic")
        let mapList = await Self.rejection(
            exampleDefinition(
                specSchema([
                    "l": [
                        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                        "items": ["type": "object", "properties": ["name": ["type": "string"]]],
                    ]
                ])))
        #expect(
            mapList?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[l].items.properties[name]"
                + ".default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a "
                + "default or be a required property")
    }

    @Test("Defaults must validate against their schema")
    func defaults() async {
        let error = await Self.rejection(exampleDefinition(specSchema(["count": ["type": "integer", "default": "x"]])))
        #expect(
            error?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[count].default: Invalid "
                + "value: \"string\":  in body must be of type integer: \"string\"")
        #expect(error?.details?.causes.first?.reason == "FieldValueTypeInvalid")
    }

    @Test("Rule declarations: empty rules, reasons, field paths, result types, message expressions")
    func ruleDeclarations() async {
        let base = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]"
        let properties: JSONValue = ["a": ["type": "string"], "n": ["type": "integer"]]
        let empty = await Self.rejection(exampleDefinition(specSchema(properties, rules: [["rule": " "]])))
        #expect(empty?.message == Self.prefix + "\(base).rule: Required value: rule is not specified")
        let reason = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "true", "reason": "Bogus"]])))
        #expect(
            reason?.message
                == Self.prefix + "\(base).reason: Unsupported value: \"Bogus\": supported values: "
                + "\"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\"")
        let fieldPath = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "true", "fieldPath": ".nope"]])))
        #expect(
            fieldPath?.message
                == Self.prefix + "\(base).fieldPath: Invalid value: \".nope\": fieldPath must be a valid path")
        let notBool = await Self.rejection(exampleDefinition(specSchema(properties, rules: [["rule": "self.n + 1"]])))
        #expect(
            notBool?.message
                == Self.prefix + "\(base).rule: Invalid value: apiextensions.ValidationRule{Rule:\"self.n + 1\", "
                + "Message:\"\", MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), "
                + "FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: cel expression must evaluate to a bool")
        let mismatch = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "self.n == 'x'"]])))
        #expect(
            mismatch?.message.hasSuffix(
                "compilation failed: ERROR: <input>:1:8: found no matching overload for '_==_' applied to '(int, "
                    + "string)'\n | self.n == 'x'\n | .......^") == true)
        let messageExpression = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "true", "messageExpression": "self.n"]])))
        #expect(
            messageExpression?.message
                == Self.prefix
                + "\(base).messageExpression: Invalid value: apiextensions.ValidationRule{Rule:\"true\", "
                + "Message:\"\", MessageExpression:\"self.n\", Reason:(*apiextensions.FieldValueErrorReason)(nil), "
                + "FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: must evaluate to a string")
        let lineBreak = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "true &&\ntrue"]])))
        #expect(
            lineBreak?.message
                == Self.prefix + "\(base).message: Required value: message must be specified if rule contains line "
                + "breaks")
        let optional = await Self.rejection(
            exampleDefinition(specSchema(properties, rules: [["rule": "true", "optionalOldSelf": true]])))
        #expect(
            optional?.message
                == Self.prefix + "\(base).optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used "
                + "in rule")
        let store = Fixture().store
        await #expect(throws: Never.self) {
            try await store.create(
                R.crds,
                object: exampleDefinition(
                    specSchema(
                        properties,
                        rules: [
                            [
                                "rule": "self.a != 'x'", "messageExpression": "'a is ' + self.a",
                                "reason": "FieldValueForbidden",
                                "fieldPath": ".a",
                            ],
                            ["rule": "!oldSelf.hasValue() || self.n >= oldSelf.value().n", "optionalOldSelf": true],
                        ])))
        }
    }

    @Test("Transition rules are refused where old values cannot be correlated")
    func uncorrelatable() async {
        let schema = specSchema([
            "items": [
                "type": "array",
                "items": [
                    "type": "string", "maxLength": 10, "x-kubernetes-validations": [["rule": "self == oldSelf"]],
                ],
                "maxItems": 10,
            ]
        ])
        let error = await Self.rejection(exampleDefinition(schema))
        #expect(
            error?.message
                == Self.prefix + "spec.validation.openAPIV3Schema.properties[spec].properties[items].items."
                + "x-kubernetes-validations[0].rule: Invalid value: \"self == oldSelf\": oldSelf cannot be used on the "
                + "uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[spec]."
                + "properties[items]")
    }

    @Test("Rules whose estimated cost exceeds the budget are refused")
    func cost() async {
        let unbounded = specSchema(
            ["names": ["type": "array", "items": ["type": "string"]]],
            rules: [["rule": "self.names.all(x, self.names.all(y, x == y || x != y))"]])
        let error = await Self.rejection(exampleDefinition(unbounded))
        let rulePath = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"
        #expect(error?.details?.causes.first?.field == rulePath)
        #expect(error?.details?.causes.first?.reason == "FieldValueForbidden")
        #expect(
            error?.details?.causes.first?.message
                == "Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the "
                + "rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are "
                + "declared)")
        #expect(error?.details?.causes.contains { $0.field == "spec.validation.openAPIV3Schema" } == true)

        let bounded = specSchema(
            ["names": ["type": "array", "maxItems": 10, "items": ["type": "string", "maxLength": 20]]],
            rules: [["rule": "self.names.all(x, self.names.all(y, x == y || x != y))"]])
        let store = Fixture().store
        await #expect(throws: Never.self) { try await store.create(R.crds, object: exampleDefinition(bounded)) }
    }

    @Test("Versions with different schemas are named by index")
    func perVersionPaths() async {
        let good = specSchema(["a": ["type": "string"]])
        let bad = specSchema(["a": ["type": "string"]], rules: [["rule": "self.b == 1"]])
        let error = await Self.rejection(exampleDefinition(good, versions: ["v1", "v2"], schemas: [good, bad]))
        #expect(
            error?.details?.causes.first?.field
                == "spec.versions[1].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule")
        let same = await Self.rejection(exampleDefinition(bad, versions: ["v1", "v2"]))
        #expect(
            same?.details?.causes.first?.field
                == "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule")
    }
}

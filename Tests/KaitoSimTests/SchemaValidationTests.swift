import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// Custom resource writes against schemas with CEL rules: the repository's Workspace CRD and the rules of
/// Karpenter's NodeClaim CRD.
@Suite("Schema validation of custom resources")
struct SchemaValidationTests {
    static func workspaceStore() async throws -> APIStore {
        let store = Fixture().store
        let documents = try ManifestReader.documents(from: try repositoryFile("deploy/crds/kaito.sh_workspaces.yaml"))
        _ = try await store.create(R.crds, object: try #require(documents.first?.value))
        return store
    }

    static func inferenceWorkspace(_ name: String) -> JSONValue {
        [
            "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": .string(name)],
            "resource": ["labelSelector": ["matchLabels": ["apps": "falcon"]]],
            "inference": ["preset": ["name": "falcon-7b"]],
        ]
    }

    static func tuningWorkspace(_ name: String) -> JSONValue {
        [
            "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": .string(name)],
            "resource": ["labelSelector": ["matchLabels": ["apps": "tune"]]],
            "tuning": [
                "preset": ["name": "phi-3"], "method": "lora", "input": ["name": "data", "urls": ["https://x/y"]],
                "output": ["image": "registry/out:1"],
            ],
        ]
    }

    static func causes(_ error: APIError?) -> Set<String> {
        Set((error?.details?.causes ?? []).map { "\($0.field): \($0.message)" })
    }

    @Test("Workspace create: exactly one of inference and tuning")
    func workspaceCreate() async throws {
        let store = try await Self.workspaceStore()
        var neither = Self.inferenceWorkspace("neither")
        neither.setValue(nil, at: ["inference"])
        let none = await #expect(throws: APIError.self) {
            try await store.create(R.workspaces, namespace: "default", object: neither)
        }
        #expect(
            none?.message
                == "Workspace.kaito.sh \"neither\" is invalid: <nil>: Invalid value: \"object\": Either Inference or "
                + "Tuning must be specified, not neither")
        #expect(none?.details?.causes.first?.field == "<nil>")
        #expect(none?.details?.causes.first?.reason == "FieldValueInvalid")

        var both = Self.inferenceWorkspace("both")
        both.setValue(Self.tuningWorkspace("x").at("tuning"), at: ["tuning"])
        let twice = await #expect(throws: APIError.self) {
            try await store.create(R.workspaces, namespace: "default", object: both)
        }
        #expect(
            twice?.message
                == "Workspace.kaito.sh \"both\" is invalid: <nil>: Invalid value: \"object\": Either Inference or "
                + "Tuning must be specified, but not both")
        // Transition rules do not run on create.
        _ = try await store.create(R.workspaces, namespace: "default", object: Self.inferenceWorkspace("ok"))
        _ = try await store.create(R.workspaces, namespace: "default", object: Self.tuningWorkspace("tune"))
    }

    @Test("Workspace update: immutable fields and toggles")
    func workspaceUpdate() async throws {
        let store = try await Self.workspaceStore()
        let created = try await store.create(R.workspaces, namespace: "default", object: Self.inferenceWorkspace("w"))
        func update(_ change: (inout JSONValue) -> Void) async -> APIError? {
            var object = created
            change(&object)
            return await #expect(throws: APIError.self) {
                try await store.update(R.workspaces, namespace: "default", name: "w", object: object)
            }
        }
        let count = await update { $0.setValue(2, at: ["resource", "count"]) }
        #expect(
            count?.message == "Workspace.kaito.sh \"w\" is invalid: resource.count: Invalid value: \"integer\": field "
                + "is immutable")
        let instance = await update { $0.setValue("Standard_NC6", at: ["resource", "instanceType"]) }
        #expect(Self.causes(instance) == ["resource.instanceType: Invalid value: \"string\": field is immutable"])
        let selector = await update {
            $0.setValue(["matchLabels": ["apps": "other"]], at: ["resource", "labelSelector"])
        }
        #expect(Self.causes(selector) == ["resource.labelSelector: Invalid value: \"object\": field is immutable"])
        let preset = await update { $0.setValue("llama-2-7b", at: ["inference", "preset", "name"]) }
        #expect(Self.causes(preset) == ["inference.preset: Invalid value: \"object\": field is immutable"])
        let template = await update { $0.setValue(["spec": ["containers": []]], at: ["inference", "template"]) }
        #expect(
            Self.causes(template)
                == ["inference: Invalid value: \"object\": field cannot be unset/set if it was set/unset"])
        let toggled = await update {
            $0.setValue(nil, at: ["inference"])
            $0.setValue(Self.tuningWorkspace("x").at("tuning"), at: ["tuning"])
        }
        #expect(
            Self.causes(toggled) == [
                "<nil>: Invalid value: \"object\": Inference field cannot be toggled once set",
                "<nil>: Invalid value: \"object\": Tuning field cannot be toggled once set",
            ])
        // Allowed changes.
        var adapters = created
        adapters.setValue([["source": ["name": "a"], "strength": "0.5"]], at: ["inference", "adapters"])
        let updated = try await store.update(R.workspaces, namespace: "default", name: "w", object: adapters)
        #expect(updated.at("inference.adapters")?.arrayValue?.count == 1)
    }

    @Test("Workspace update: tuning rules")
    func tuningUpdate() async throws {
        let store = try await Self.workspaceStore()
        let created = try await store.create(R.workspaces, namespace: "default", object: Self.tuningWorkspace("t"))
        var caseOnly = created
        caseOnly.setValue("LoRA", at: ["tuning", "method"])
        let renamed = try await store.update(R.workspaces, namespace: "default", name: "t", object: caseOnly)
        func update(_ change: (inout JSONValue) -> Void) async -> APIError? {
            var object = renamed
            change(&object)
            return await #expect(throws: APIError.self) {
                try await store.update(R.workspaces, namespace: "default", name: "t", object: object)
            }
        }
        let method = await update { $0.setValue("qlora", at: ["tuning", "method"]) }
        #expect(Self.causes(method) == ["tuning: Invalid value: \"object\": Method cannot be changed"])
        let input = await update { $0.setValue("other", at: ["tuning", "input", "name"]) }
        #expect(
            Self.causes(input) == [
                "tuning: Invalid value: \"object\": During tuning Name field cannot be changed once set"
            ])
        let preset = await update { $0.setValue("phi-4", at: ["tuning", "preset", "name"]) }
        #expect(Self.causes(preset) == ["tuning.preset: Invalid value: \"object\": Preset cannot be changed"])
        var urls = renamed
        urls.setValue(["https://x/z"], at: ["tuning", "input", "urls"])
        _ = try await store.update(R.workspaces, namespace: "default", name: "t", object: urls)
    }

    @Test("Workspace OpenAPI validation: types, enums, required, formats, patterns, bounds")
    func workspaceOpenAPI() async throws {
        let store = try await Self.workspaceStore()
        var wrong = Self.inferenceWorkspace("wrong")
        wrong.setValue("three", at: ["resource", "count"])
        let typed = await #expect(throws: APIError.self) {
            try await store.create(R.workspaces, namespace: "default", object: wrong)
        }
        #expect(typed?.details?.causes.first?.reason == "FieldValueTypeInvalid")
        #expect(typed?.details?.causes.first?.field == "resource.count")
        #expect(
            typed?.message
                == "Workspace.kaito.sh \"wrong\" is invalid: [resource.count: Invalid value: \"string\":"
                + " resource.count "
                + "in body must be of type integer: \"string\", <nil>: Invalid value: \"null\": some validation rules "
                + "were not checked because the object was invalid; correct the existing errors to complete "
                + "validation]")
        var badEnum = Self.inferenceWorkspace("enum")
        badEnum.setValue("sometimes", at: ["inference", "preset", "accessMode"])
        let notSupported = await #expect(throws: APIError.self) {
            try await store.create(R.workspaces, namespace: "default", object: badEnum)
        }
        #expect(notSupported?.details?.causes.first?.reason == "FieldValueNotSupported")
        #expect(notSupported?.details?.causes.first?.field == "inference.preset.accessMode")

        let created = try await store.create(R.workspaces, namespace: "default", object: Self.inferenceWorkspace("s"))
        var status = created
        status.setValue(
            [
                "conditions": [
                    [
                        "type": "bad type!", "status": "True", "reason": "", "message": "m",
                        "lastTransitionTime": "yesterday", "observedGeneration": -1,
                    ]
                ]
            ], at: ["status"])
        let statusError = await #expect(throws: APIError.self) {
            try await store.update(R.workspaces, namespace: "default", name: "s", object: status, subresource: .status)
        }
        let pattern =
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
        #expect(
            Self.causes(statusError) == [
                "status.conditions[0].type: Invalid value: \"bad type!\": status.conditions[0].type in body should "
                    + "match '\(pattern)'",
                "status.conditions[0].reason: Invalid value: \"\": status.conditions[0].reason in body should be at "
                    + "least 1 chars long",
                "status.conditions[0].reason: Invalid value: \"\": status.conditions[0].reason in body should match "
                    + "'^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'",
                "status.conditions[0].lastTransitionTime: Invalid value: \"yesterday\": "
                    + "status.conditions[0].lastTransitionTime in body must be of type date-time: \"yesterday\"",
                "status.conditions[0].observedGeneration: Invalid value: -1: status.conditions[0].observedGeneration "
                    + "in body should be greater than or equal to 0",
                "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was "
                    + "invalid; correct the existing errors to complete validation",
            ])
    }

    @Test("Unknown fields are pruned and reported with their paths")
    func pruning() async throws {
        let store = try await Self.workspaceStore()
        var object = Self.inferenceWorkspace("p")
        object.setValue(1, at: ["bogusTop"])
        object.setValue("x", at: ["resource", "bogusNested"])
        object.setValue([["source": ["name": "a", "bogus": 1]]], at: ["inference", "adapters"])
        object.setValue(["spec": ["anything": ["goes": true]]], at: ["inference", "template"])
        let body = object
        let outcome = try await store.perform(fieldValidation: .warn, dryRun: false) { state in
            try state.create(R.workspaces, namespace: "default", body: body, attribution: .update(manager: "test"))
        }
        #expect(
            outcome.warnings == [
                "unknown field \"bogusTop\"", "unknown field \"inference.adapters[0].source.bogus\"",
                "unknown field \"resource.bogusNested\"",
            ])
        #expect(outcome.result.at("bogusTop") == nil)
        #expect(outcome.result.at("inference.template") == ["spec": ["anything": ["goes": true]]])
        #expect(outcome.result.at("inference.adapters") == [["source": ["name": "a"]]])
    }

    @Test("Ratcheting: unchanged invalid values do not fail an update")
    func ratcheting() async throws {
        let store = Fixture().store
        let loose = specSchema(["name": ["type": "string"], "size": ["type": "integer"]])
        _ = try await store.create(R.crds, object: exampleDefinition(loose))
        let gizmos = GroupVersionResource(group: "example.com", version: "v1", resource: "gizmos")
        let created = try await store.create(
            gizmos, namespace: "default",
            object: [
                "apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"],
                "spec": ["name": "toolong", "size": 1],
            ])
        var strict = exampleDefinition(
            specSchema([
                "name": [
                    "type": "string", "maxLength": 3,
                    "x-kubernetes-validations": [["rule": "self.size() <= 3", "message": "short names only"]],
                ],
                "size": ["type": "integer"],
            ]))
        let stored = try await store.get(R.crds, name: "gizmos.example.com")
        strict.setValue(stored.at("metadata.resourceVersion"), at: ["metadata", "resourceVersion"])
        _ = try await store.update(R.crds, name: "gizmos.example.com", object: strict)

        var sizeOnly = created
        sizeOnly.setValue(2, at: ["spec", "size"])
        let body = sizeOnly
        let outcome = try await store.perform(fieldValidation: .warn, dryRun: false) { state in
            try state.update(
                gizmos, namespace: "default", name: "g", body: body, subresource: .main,
                attribution: .update(manager: "test"))
        }
        #expect(outcome.result.at("spec.size") == 2)
        #expect(outcome.warnings == ["spec.name: Invalid value: \"string\": short names only"])

        var renamed = outcome.result
        renamed.setValue("stilltoolong", at: ["spec", "name"])
        let error = await #expect(throws: APIError.self) {
            try await store.update(gizmos, namespace: "default", name: "g", object: renamed)
        }
        #expect(Self.causes(error).contains("spec.name: Too long: may not be more than 3 bytes"))
    }

    @Test("Rule options: messageExpression, reason, fieldPath, optionalOldSelf, list types")
    func ruleOptions() async throws {
        let store = Fixture().store
        let schema = specSchema(
            [
                "name": ["type": "string", "maxLength": 20], "replicas": ["type": "integer"],
                "tags": [
                    "type": "array", "x-kubernetes-list-type": "set", "maxItems": 5,
                    "items": ["type": "string", "maxLength": 10],
                ],
                "ports": [
                    "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                    "maxItems": 5,
                    "items": [
                        "type": "object", "required": ["name"],
                        "properties": ["name": ["type": "string", "maxLength": 10], "port": ["type": "integer"]],
                        "x-kubernetes-validations": [
                            ["rule": "self.port >= oldSelf.port", "message": "ports only grow"]
                        ],
                    ],
                ],
            ],
            rules: [
                [
                    "rule": "self.replicas <= 5", "messageExpression": "'replicas ' + string(self.replicas) + ' > 5'",
                    "reason": "FieldValueForbidden", "fieldPath": ".replicas",
                ],
                [
                    "rule": "!oldSelf.hasValue() || self.name == oldSelf.value().name",
                    "optionalOldSelf": true, "message": "name is fixed",
                ],
                ["rule": "self.tags == oldSelf.tags", "message": "tags are fixed"],
            ])
        _ = try await store.create(R.crds, object: exampleDefinition(schema))
        let gizmos = GroupVersionResource(group: "example.com", version: "v1", resource: "gizmos")
        func gizmo(_ spec: JSONValue) -> JSONValue {
            ["apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": ["name": "g"], "spec": spec]
        }
        let tooMany = await #expect(throws: APIError.self) {
            try await store.create(gizmos, namespace: "default", object: gizmo(["replicas": 9, "name": "a"]))
        }
        #expect(tooMany?.message == "Gizmo.example.com \"g\" is invalid: spec.replicas: Forbidden: replicas 9 > 5")
        #expect(tooMany?.details?.causes.first?.reason == "FieldValueForbidden")
        let duplicates = await #expect(throws: APIError.self) {
            try await store.create(
                gizmos, namespace: "default",
                object: gizmo([
                    "replicas": 1, "tags": ["a", "a"], "ports": [["name": "x", "port": 1], ["name": "x", "port": 2]],
                ]))
        }
        #expect(
            Self.causes(duplicates) == [
                "spec.tags[1]: Duplicate value: \"a\"",
                "spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"x\"}",
            ])
        let created = try await store.create(
            gizmos, namespace: "default",
            object: gizmo(["name": "a", "replicas": 1, "tags": ["a", "b"], "ports": [["name": "x", "port": 10]]]))
        // Sets compare without order; map lists correlate items by key.
        var reordered = created
        reordered.setValue(["b", "a"], at: ["spec", "tags"])
        reordered.setValue([["name": "y", "port": 1], ["name": "x", "port": 11]], at: ["spec", "ports"])
        let updated = try await store.update(gizmos, namespace: "default", name: "g", object: reordered)
        var shrunk = updated
        shrunk.setValue([["name": "y", "port": 1], ["name": "x", "port": 3]], at: ["spec", "ports"])
        shrunk.setValue("b", at: ["spec", "name"])
        let error = await #expect(throws: APIError.self) {
            try await store.update(gizmos, namespace: "default", name: "g", object: shrunk)
        }
        #expect(
            Self.causes(error) == [
                "spec: Invalid value: \"object\": name is fixed",
                "spec.ports[1]: Invalid value: \"object\": ports only grow",
            ])
    }

    // MARK: - NodeClaim

    /// The rules of Karpenter's NodeClaim CRD (v1beta1) on requirements and kubelet settings, on a trimmed schema.
    static let nodeClaimDefinition: JSONValue = {
        let keyRules: [JSONValue] = [
            [
                "message": "label domain \"kubernetes.io\" is restricted",
                "rule": .string(
                    "self in [\"beta.kubernetes.io/instance-type\", \"topology.kubernetes.io/zone\", "
                        + "\"node.kubernetes.io/instance-type\", \"kubernetes.io/arch\", \"kubernetes.io/os\"] || "
                        + "self.find(\"^([^/]+)\").endsWith(\"node.kubernetes.io\") || "
                        + "self.find(\"^([^/]+)\").endsWith(\"node-restriction.kubernetes.io\") || "
                        + "!self.find(\"^([^/]+)\").endsWith(\"kubernetes.io\")"),
            ],
            [
                "message": "label domain \"karpenter.sh\" is restricted",
                "rule": .string(
                    "self in [\"karpenter.sh/capacity-type\", \"karpenter.sh/nodepool\"] || "
                        + "!self.find(\"^([^/]+)\").endsWith(\"karpenter.sh\")"),
            ],
            [
                "message": "label \"kubernetes.io/hostname\" is restricted",
                "rule": "self != \"kubernetes.io/hostname\"",
            ],
        ]
        let requirementRules: [JSONValue] = [
            [
                "message": "requirements with operator 'In' must have a value defined",
                "rule": "self.all(x, x.operator == 'In' ? x.values.size() != 0 : true)",
            ],
            [
                "message": "requirements operator 'Gt' or 'Lt' must have a single positive integer value",
                "rule": .string(
                    "self.all(x, (x.operator == 'Gt' || x.operator == 'Lt') ? (x.values.size() == 1 && "
                        + "int(x.values[0]) >= 0) : true)"),
            ],
            [
                "message": .string(
                    "requirements with 'minValues' must have at least that many values specified in the "
                        + "'values' field"),
                "rule": "self.all(x, (x.operator == 'In' && has(x.minValues)) ? x.values.size() >= x.minValues : true)",
            ],
        ]
        let reservedRules: [JSONValue] = [
            [
                "message": "valid keys for kubeReserved are ['cpu','memory','ephemeral-storage','pid']",
                "rule": "self.all(x, x=='cpu' || x=='memory' || x=='ephemeral-storage' || x=='pid')",
            ],
            [
                "message": "kubeReserved value cannot be a negative resource quantity",
                "rule": "self.all(x, !self[x].startsWith('-'))",
            ],
        ]
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": ["type": "object"],
                "spec": [
                    "type": "object", "required": ["nodeClassRef", "requirements"],
                    "properties": [
                        "nodeClassRef": [
                            "type": "object", "required": ["name"], "properties": ["name": ["type": "string"]],
                        ],
                        "requirements": [
                            "type": "array", "maxItems": 30, "x-kubernetes-validations": .array(requirementRules),
                            "items": [
                                "type": "object", "required": ["key", "operator"],
                                "properties": [
                                    "key": [
                                        "type": "string", "maxLength": 316,
                                        "x-kubernetes-validations": .array(keyRules),
                                    ],
                                    "operator": [
                                        "type": "string",
                                        "enum": ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
                                    ],
                                    "values": [
                                        "type": "array", "items": ["type": "string"], "maxLength": 63,
                                    ],
                                    "minValues": ["type": "integer", "minimum": 1, "maximum": 50],
                                ],
                            ],
                        ],
                        "kubelet": [
                            "type": "object",
                            "properties": [
                                "imageGCHighThresholdPercent": ["type": "integer", "minimum": 0, "maximum": 100],
                                "imageGCLowThresholdPercent": ["type": "integer", "minimum": 0, "maximum": 100],
                                "kubeReserved": [
                                    "type": "object", "additionalProperties": ["type": "string"],
                                    "x-kubernetes-validations": .array(reservedRules),
                                ],
                            ],
                            "x-kubernetes-validations": [
                                [
                                    "message": .string(
                                        "imageGCHighThresholdPercent must be greater than "
                                            + "imageGCLowThresholdPercent"),
                                    "rule": .string(
                                        "has(self.imageGCHighThresholdPercent) && "
                                            + "has(self.imageGCLowThresholdPercent) ? "
                                            + " self.imageGCHighThresholdPercent > "
                                            + "self.imageGCLowThresholdPercent  : true"),
                                ]
                            ],
                        ],
                    ],
                ],
            ],
        ]
        return [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "nodeclaims.karpenter.sh"],
            "spec": [
                "group": "karpenter.sh", "scope": "Cluster",
                "names": ["kind": "NodeClaim", "plural": "nodeclaims", "listKind": "NodeClaimList"],
                "versions": [
                    ["name": "v1beta1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schema]]
                ],
            ],
        ]
    }()

    static func nodeClaim(_ name: String, requirements: JSONValue?, kubelet: JSONValue? = nil) -> JSONValue {
        var spec: [String: JSONValue] = ["nodeClassRef": ["name": "default"]]
        if let requirements { spec["requirements"] = requirements }
        if let kubelet { spec["kubelet"] = kubelet }
        return [
            "apiVersion": "karpenter.sh/v1beta1", "kind": "NodeClaim", "metadata": ["name": .string(name)],
            "spec": .object(spec),
        ]
    }

    @Test("NodeClaim requirement rules")
    func nodeClaimRequirements() async throws {
        let store = Fixture().store
        _ = try await store.create(R.crds, object: Self.nodeClaimDefinition)
        func reject(_ requirements: JSONValue?, kubelet: JSONValue? = nil) async -> APIError? {
            await #expect(throws: APIError.self) {
                try await store.create(
                    R.nodeClaimsBeta, object: Self.nodeClaim("bad", requirements: requirements, kubelet: kubelet))
            }
        }
        let emptyIn = await reject([["key": "node.kubernetes.io/instance-type", "operator": "In", "values": []]])
        #expect(
            emptyIn?.message
                == "NodeClaim.karpenter.sh \"bad\" is invalid: spec.requirements: Invalid value: \"array\": "
                + "requirements with operator 'In' must have a value defined")
        #expect(emptyIn?.details?.causes.map(\.reason) == ["FieldValueInvalid"])
        let gt = await reject([["key": "example.com/gpus", "operator": "Gt", "values": ["-1"]]])
        #expect(
            Self.causes(gt) == [
                "spec.requirements: Invalid value: \"array\": requirements operator 'Gt' or 'Lt' must have a single "
                    + "positive integer value"
            ])
        let notNumber = await reject([["key": "example.com/gpus", "operator": "Lt", "values": ["many"]]])
        #expect(
            Self.causes(notNumber) == [
                "spec.requirements: Invalid value: \"array\": strconv.ParseInt: parsing \"many\": invalid syntax "
                    + "evaluating rule: requirements operator 'Gt' or 'Lt' must have a single positive integer value"
            ])
        let minValues = await reject([["key": "example.com/a", "operator": "In", "values": ["x"], "minValues": 2]])
        #expect(
            Self.causes(minValues) == [
                "spec.requirements: Invalid value: \"array\": requirements with 'minValues' must have at least that "
                    + "many values specified in the 'values' field"
            ])
        let restricted = await reject([
            ["key": "kubernetes.io/hostname", "operator": "Exists"],
            ["key": "karpenter.sh/other", "operator": "Exists"],
        ])
        #expect(
            Self.causes(restricted) == [
                "spec.requirements[0].key: Invalid value: \"string\": label domain \"kubernetes.io\" is restricted",
                "spec.requirements[0].key: Invalid value: \"string\": label \"kubernetes.io/hostname\" is restricted",
                "spec.requirements[1].key: Invalid value: \"string\": label domain \"karpenter.sh\" is restricted",
            ])
        let missing = await reject(nil)
        #expect(missing?.details?.causes.first?.reason == "FieldValueRequired")
        #expect(missing?.details?.causes.first?.field == "spec.requirements")

        let kubelet = await reject(
            [["key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["a"]]],
            kubelet: [
                "imageGCHighThresholdPercent": 10, "imageGCLowThresholdPercent": 20,
                "kubeReserved": ["cpu": "-1", "gpu": "1"],
            ])
        #expect(
            Self.causes(kubelet) == [
                "spec.kubelet: Invalid value: \"object\": imageGCHighThresholdPercent must be greater than "
                    + "imageGCLowThresholdPercent",
                "spec.kubelet.kubeReserved: Invalid value: \"object\": valid keys for kubeReserved are "
                    + "['cpu','memory','ephemeral-storage','pid']",
                "spec.kubelet.kubeReserved: Invalid value: \"object\": kubeReserved value cannot be a negative "
                    + "resource quantity",
            ])
        let accepted = try await store.create(
            R.nodeClaimsBeta,
            object: Self.nodeClaim(
                "good",
                requirements: [
                    ["key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["Standard_NC12s_v3"]],
                    ["key": "karpenter.sh/capacity-type", "operator": "Exists"],
                    ["key": "example.com/gpus", "operator": "Gt", "values": ["1"]],
                ],
                kubelet: [
                    "imageGCHighThresholdPercent": 80, "imageGCLowThresholdPercent": 20,
                    "kubeReserved": ["cpu": "100m"],
                ]))
        #expect(accepted.at("spec.requirements")?.arrayValue?.count == 3)
    }
}

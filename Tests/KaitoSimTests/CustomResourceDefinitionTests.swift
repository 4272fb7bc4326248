import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("CustomResourceDefinitions")
struct CustomResourceDefinitionTests {
    static let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")

    /// A minimal Workspace-like CRD: no spec wrapper, nested defaults, a required field, an enum, a status
    /// subresource.
    static let widgetDefinition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["kind": "Widget", "plural": "widgets", "shortNames": ["wd"]],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "apiVersion": ["type": "string"], "kind": ["type": "string"],
                                "metadata": ["type": "object"],
                                "resource": [
                                    "type": "object", "required": ["size"],
                                    "properties": [
                                        "size": ["type": "string", "enum": ["small", "large"]],
                                        "count": ["type": "integer", "default": 1],
                                        "placement": [
                                            "type": "object", "default": [:],
                                            "properties": ["zone": ["type": "string", "default": "any"]],
                                        ],
                                    ],
                                ],
                                "template": ["x-kubernetes-preserve-unknown-fields": true],
                                "status": [
                                    "type": "object",
                                    "properties": ["ready": ["type": "boolean"]],
                                ],
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]

    static func widget(_ name: String, resource: JSONValue = ["size": "small"]) -> JSONValue {
        ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name)], "resource": resource]
    }

    @Test("Creating a CRD serves its versions with defaults, pruning, validation and the status subresource")
    func registration() async throws {
        let store = Fixture().store
        let unserved = await #expect(throws: APIError.self) { try await store.list(Self.widgets) }
        #expect(unserved?.code == 404)

        let crd = try await store.create(R.crds, object: Self.widgetDefinition)
        #expect(crd.at("spec.names.singular") == "widget")
        #expect(crd.at("spec.names.listKind") == "WidgetList")
        #expect(crd.at("status.conditions")?.arrayValue?.map { $0["type"] } == ["NamesAccepted", "Established"])
        #expect(crd.at("status.storedVersions") == ["v1"])
        let descriptor = try #require(await store.registry.descriptor(for: Self.widgets))
        #expect(descriptor.kind == "Widget")
        #expect(descriptor.shortNames == ["wd"])
        #expect(descriptor.hasStatusSubresource)
        #expect(descriptor.namespaced)

        var object = Self.widget("w", resource: ["size": "large", "unknown": "dropped", "placement": ["other": 1]])
        object.setValue(["anything": ["goes": true]], at: ["template"])
        object.setValue("dropped too", at: ["extra"])
        object.setValue(["ready": true], at: ["status"])
        let created = try await store.create(Self.widgets, namespace: "default", object: object)
        #expect(created.at("resource") == ["size": "large", "count": 1, "placement": ["zone": "any"]])
        #expect(created.at("template") == ["anything": ["goes": true]])
        #expect(created.at("extra") == nil)
        #expect(created.at("status") == nil, "status is dropped on create with a status subresource")
        #expect(created.generation == 1)

        let defaulted = try await store.create(Self.widgets, namespace: "default", object: Self.widget("v"))
        #expect(defaulted.at("resource.placement") == ["zone": "any"], "a defaulted map is defaulted inside")

        var status = created
        status.setValue(["ready": true], at: ["status"])
        let afterStatus = try await store.update(
            Self.widgets, namespace: "default", name: "w", object: status, subresource: .status)
        #expect(afterStatus.at("status.ready") == true)
        #expect(afterStatus.generation == 1)
    }

    @Test("Objects that break the schema are 422 with the OpenAPI validator's messages")
    func schemaValidation() async throws {
        let store = Fixture().store
        _ = try await store.create(R.crds, object: Self.widgetDefinition)
        let wrongType = await #expect(throws: APIError.self) {
            try await store.create(
                Self.widgets, namespace: "default",
                object: Self.widget("w", resource: ["size": "small", "count": "two"]))
        }
        #expect(
            wrongType?.message
                == "Widget.example.com \"w\" is invalid: resource.count: Invalid value: \"string\": resource.count in "
                + "body must be of type integer: \"string\"")
        let several = await #expect(throws: APIError.self) {
            try await store.create(Self.widgets, namespace: "default", object: Self.widget("w", resource: ["count": 2]))
        }
        #expect(several?.message == "Widget.example.com \"w\" is invalid: resource.size: Required value")
        let badEnum = await #expect(throws: APIError.self) {
            try await store.create(
                Self.widgets, namespace: "default", object: Self.widget("w", resource: ["size": "huge"]))
        }
        #expect(
            badEnum?.message
                == "Widget.example.com \"w\" is invalid: resource.size: Unsupported value: \"huge\": supported values: "
                + "\"small\", \"large\"")
        #expect(badEnum?.details?.causes.first?.reason == "FieldValueNotSupported")
    }

    @Test("A malformed CRD is 422")
    func invalidDefinition() async throws {
        let store = Fixture().store
        var definition = Self.widgetDefinition
        definition.setValue("gadgets.example.com", at: ["metadata", "name"])
        let error = await #expect(throws: APIError.self) { try await store.create(R.crds, object: definition) }
        #expect(
            error?.message
                == "CustomResourceDefinition.apiextensions.k8s.io \"gadgets.example.com\" is invalid: metadata.name: "
                + "Invalid value: \"gadgets.example.com\": must be spec.names.plural+\".\"+spec.group")
    }

    @Test("Deleting a CRD deletes its custom resources, then stops serving them")
    func deletion() async throws {
        let store = Fixture().store
        _ = try await store.create(R.crds, object: Self.widgetDefinition)
        _ = try await store.create(Self.widgets, namespace: "default", object: Self.widget("w"))
        let stream = try await store.watch(Self.widgets, options: WatchOptions(resourceVersion: "0"))
        let result = try await store.delete(R.crds, name: "widgets.example.com")
        #expect(result.object.at("metadata.finalizers") == ["customresourcecleanup.apiextensions.k8s.io"])
        let refused = await #expect(throws: APIError.self) {
            try await store.create(Self.widgets, namespace: "default", object: Self.widget("late"))
        }
        #expect(refused?.code == 405)
        #expect(refused?.message == "create not allowed while custom resource definition is terminating")

        await store.collectGarbage()
        #expect((try? await store.get(R.crds, name: "widgets.example.com")) == nil)
        let gone = await #expect(throws: APIError.self) { try await store.list(Self.widgets) }
        #expect(gone?.code == 404)
        var events: [String] = []
        for await event in stream { events.append("\(event.type.rawValue) \(event.object.name)") }
        #expect(events == ["ADDED w", "DELETED w"], "watches of a removed resource end")
    }

    @Test("The repository's Workspace CRD installs with its defaults, printer columns and status subresource")
    func repositoryWorkspaceDefinition() async throws {
        let store = Fixture().store
        let documents = try ManifestReader.documents(from: try repositoryFile("deploy/crds/kaito.sh_workspaces.yaml"))
        let definition = try #require(documents.first?.value)
        _ = try await store.create(R.crds, object: definition)
        let descriptor = try #require(await store.registry.descriptor(for: R.workspaces))
        #expect(descriptor.schema != nil)
        #expect(descriptor.shortNames == ["wk", "wks"])
        let columns = descriptor.printerColumns.compactMap { $0["name"]?.stringValue }
        #expect(columns.contains("InferenceReady"))

        let object: JSONValue = [
            "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": "falcon"],
            "resource": ["labelSelector": ["matchLabels": ["apps": "falcon"]]],
            "inference": ["preset": ["name": "falcon-7b"]],
        ]
        let created = try await store.create(R.workspaces, namespace: "default", object: object)
        #expect(created.at("resource.count") == 1)
        #expect(created.at("resource.instanceType") == "Standard_NC12s_v3")
        #expect(created.at("inference.preset.accessMode") == "public")

        var missingSelector = object
        missingSelector.setValue(["count": 2], at: ["resource"])
        missingSelector.setValue("other", at: ["metadata", "name"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.workspaces, namespace: "default", object: missingSelector)
        }
        // The CRD has CEL rules: a real API server skips them after a required-field error and says so.
        #expect(
            error?.message
                == "Workspace.kaito.sh \"other\" is invalid: [resource.labelSelector: Required value, <nil>: Invalid "
                + "value: \"null\": some validation rules were not checked because the object was invalid; correct "
                + "the existing errors to complete validation]")

        var status = created
        status.setValue(["conditions": [["type": "InferenceReady", "status": "True"]]], at: ["status"])
        let incomplete = await #expect(throws: APIError.self) {
            try await store.update(
                R.workspaces, namespace: "default", name: "falcon", object: status, subresource: .status)
        }
        #expect(
            incomplete?.message
                == "Workspace.kaito.sh \"falcon\" is invalid: [status.conditions[0].lastTransitionTime: Required "
                + "value, status.conditions[0].message: Required value, status.conditions[0].reason: Required value, "
                + "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was "
                + "invalid; correct the existing errors to complete validation]")
        status.setValue(
            [
                "conditions": [
                    [
                        "type": "InferenceReady", "status": "True", "reason": "InferenceReady", "message": "ready",
                        "lastTransitionTime": "2024-01-01T00:00:00Z",
                    ]
                ]
            ], at: ["status"])
        let updated = try await store.update(
            R.workspaces, namespace: "default", name: "falcon", object: status, subresource: .status)
        #expect(updated.at("status.conditions")?.arrayValue?.first?["type"] == "InferenceReady")

        // Deleting the CRD removes the workspaces; the built-in (schemaless) registration comes back.
        _ = try await store.delete(R.crds, name: "workspaces.kaito.sh")
        await store.collectGarbage()
        #expect(try await store.list(R.workspaces).items.isEmpty)
        #expect(await store.registry.descriptor(for: R.workspaces)?.schema == nil)
    }
}

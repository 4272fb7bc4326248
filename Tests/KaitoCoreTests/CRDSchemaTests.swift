import Foundation
import Testing

@testable import KaitoCore

/// The Workspace CRD in deploy/crds must declare everything the encoder writes, with Kaito v0.3.1's shape.
@Suite struct CRDSchemaTests {
    static func crd() throws -> JSONValue {
        let documents = try ManifestReader.documents(from: RepositoryFiles.data("deploy/crds/kaito.sh_workspaces.yaml"))
        return try #require(documents.first).value
    }

    static func schema() throws -> JSONValue {
        let version = try #require(try crd()["spec"]?["versions"]?.arrayValue?.first)
        return try #require(version["schema"]?["openAPIV3Schema"])
    }

    /// Paths in `value` that `schema` does not declare.
    static func undeclaredPaths(in value: JSONValue, schema: JSONValue, path: String = "") -> [String] {
        if schema["x-kubernetes-preserve-unknown-fields"] == .bool(true) { return [] }
        switch value {
        case .object(let object):
            if let additional = schema["additionalProperties"] {
                return object.flatMap { key, child in
                    undeclaredPaths(in: child, schema: additional, path: "\(path).\(key)")
                }
            }
            return object.flatMap { key, child -> [String] in
                guard let property = schema["properties"]?[key] else { return ["\(path).\(key)"] }
                return undeclaredPaths(in: child, schema: property, path: "\(path).\(key)")
            }
        case .array(let items):
            guard let itemSchema = schema["items"] else { return items.isEmpty ? [] : ["\(path)[]"] }
            return items.enumerated().flatMap { index, item in
                undeclaredPaths(in: item, schema: itemSchema, path: "\(path)[\(index)]")
            }
        default:
            return []
        }
    }

    /// A workspace with every field of our types set, so the encoder writes every key it can.
    static let everyField: Workspace = {
        let source = DataSource(
            name: "data", urls: ["https://example.com/d.parquet"], volumeSource: ["emptyDir": [:]],
            image: "myregistry.azurecr.io/data/d:1", imagePullSecrets: ["pull"])
        return Workspace(
            metadata: ObjectMeta(name: "w", namespace: "ns", labels: ["a": "b"], annotations: ["c": "d"]),
            resource: ResourceSpec(
                count: 2, instanceType: "Standard_NC12s_v3",
                labelSelector: LabelSelector(
                    matchLabels: ["apps": "w"],
                    matchExpressions: [LabelSelectorRequirement(key: "k", operator: .in, values: ["v"])]),
                preferredNodes: ["node-a"]),
            inference: InferenceSpec(
                preset: PresetSpec(
                    name: "falcon-7b", accessMode: "private",
                    presetOptions: PresetOptions(image: "r.io/m/f:1", imagePullSecrets: ["s"])),
                template: ["spec": ["containers": [["name": "c", "image": "i"]]]],
                adapters: [AdapterSpec(source: source, strength: "0.5")]),
            tuning: TuningSpec(
                preset: PresetSpec(name: "phi-2", accessMode: "public", presetOptions: PresetOptions(image: "x")),
                method: "lora", config: "cfg", input: source,
                output: DataDestination(volumeSource: ["emptyDir": [:]], image: "r.io/o/o:1", imagePushSecret: "push")),
            status: WorkspaceStatus(
                workerNodes: ["node-a"],
                conditions: [
                    Condition(
                        type: "ResourceReady", status: .true, reason: "Ready", message: "ok", observedGeneration: 1,
                        lastTransitionTime: Date(timeIntervalSince1970: 0))
                ]))
    }()

    @Test func declaresEveryPropertyTheEncoderWrites() throws {
        var value = try Self.everyField.jsonValue()
        // metadata is validated by the API server's ObjectMeta schema, not the CRD's.
        if case .object(var object) = value {
            object["metadata"] = nil
            value = .object(object)
        }
        #expect(Self.undeclaredPaths(in: value, schema: try Self.schema()) == [])
    }

    @Test func everyExampleIsDeclared() throws {
        let schema = try Self.schema()
        for file in RepositoryFiles.exampleFiles() {
            for document in try ManifestReader.documents(from: RepositoryFiles.data(file)) {
                guard case .object(var object) = document.value else { continue }
                object["metadata"] = nil
                #expect(Self.undeclaredPaths(in: .object(object), schema: schema) == [], "\(file)")
            }
        }
    }

    @Test func identityMatchesKaito() throws {
        let crd = try Self.crd()
        #expect(crd["metadata"]?["name"] == "workspaces.kaito.sh")
        let spec = try #require(crd["spec"])
        #expect(spec["group"] == "kaito.sh")
        #expect(spec["scope"] == "Namespaced")
        #expect(spec["names"]?["kind"] == "Workspace")
        #expect(spec["names"]?["listKind"] == "WorkspaceList")
        #expect(spec["names"]?["plural"] == "workspaces")
        #expect(spec["names"]?["singular"] == "workspace")
        #expect(spec["names"]?["shortNames"] == ["wk", "wks"])
        #expect(spec["names"]?["categories"] == ["workspace"])
        let versions = try #require(spec["versions"]?.arrayValue)
        #expect(versions.count == 1)
        let version = versions[0]
        #expect(version["name"] == "v1alpha1")
        #expect(version["served"] == true)
        #expect(version["storage"] == true)
        #expect(version["subresources"] == ["status": [:]])
        let columns = try #require(version["additionalPrinterColumns"]?.arrayValue)
        #expect(columns.compactMap { $0["name"]?.stringValue } == [
            "Instance", "ResourceReady", "InferenceReady", "JobStarted", "WorkspaceSucceeded", "Age",
        ])
        #expect(columns.compactMap { $0["jsonPath"]?.stringValue } == [
            ".resource.instanceType",
            ".status.conditions[?(@.type==\"ResourceReady\")].status",
            ".status.conditions[?(@.type==\"InferenceReady\")].status",
            ".status.conditions[?(@.type==\"JobStarted\")].status",
            ".status.conditions[?(@.type==\"WorkspaceSucceeded\")].status",
            ".metadata.creationTimestamp",
        ])
    }

    @Test func defaultsMatchTheDefaultingStep() throws {
        let schema = try Self.schema()
        let resource = try #require(schema["properties"]?["resource"])
        #expect(resource["properties"]?["count"]?["default"] == .integer(Int64(ResourceSpec.defaultCount)))
        #expect(resource["properties"]?["instanceType"]?["default"] == .string(ResourceSpec.defaultInstanceType))
        #expect(resource["required"] == ["labelSelector"])
        for section in ["inference", "tuning"] {
            let preset = try #require(schema["properties"]?[section]?["properties"]?["preset"])
            #expect(preset["properties"]?["accessMode"]?["default"] == .string(PresetSpec.defaultAccessMode))
            #expect(preset["properties"]?["accessMode"]?["enum"] == ["public", "private"])
            #expect(preset["required"] == ["name"])
        }
        let tuning = try #require(schema["properties"]?["tuning"])
        #expect(tuning["required"] == ["input", "output"])
        #expect(
            schema["properties"]?["inference"]?["properties"]?["template"]?["x-kubernetes-preserve-unknown-fields"]
                == true)
    }
}

import Foundation
import Testing

@testable import KaitoCore

@Suite struct WorkspaceDecodingTests {
    private func decode(_ yaml: String) throws -> Workspace {
        let documents = try ManifestReader.documents(from: yaml)
        return try Workspace.decode(from: try #require(documents.first).value)
    }

    private func decodingError(_ yaml: String) throws -> ObjectDecodingError {
        try #require(throws: ObjectDecodingError.self) { _ = try decode(yaml) }
    }

    static let falcon = """
        apiVersion: kaito.sh/v1alpha1
        kind: Workspace
        metadata:
          name: workspace-falcon-7b
          namespace: default
          creationTimestamp: "2024-09-06T10:00:00Z"
          annotations:
            kaito.sh/enablelb: "True"
        resource:
          instanceType: Standard_NC12s_v3
          labelSelector:
            matchLabels:
              apps: falcon-7b
            matchExpressions:
            - key: zone
              operator: In
              values: [eastus-1]
        inference:
          preset:
            name: falcon-7b
          adapters:
          - source:
              name: my-adapter
              image: myregistry.azurecr.io/adapters/my-adapter:0.0.1
            strength: "0.5"
        status:
          workerNodes: [node-b]
          conditions:
          - type: WorkspaceSucceeded
            status: "True"
            reason: WorkspaceSucceeded
            message: workspace succeeds
            lastTransitionTime: "2024-09-06T10:05:00Z"
            observedGeneration: 1
        """

    @Test func decodesTheTopLevelLayoutWithoutSpec() throws {
        let workspace = try decode(Self.falcon)
        #expect(workspace.metadata.name == "workspace-falcon-7b")
        #expect(workspace.metadata.annotations?["kaito.sh/enablelb"] == "True")
        #expect(workspace.metadata.creationTimestamp == Date(timeIntervalSince1970: 1_725_616_800))
        #expect(workspace.resource?.instanceType == "Standard_NC12s_v3")
        #expect(workspace.resource?.count == nil)
        #expect(workspace.resource?.labelSelector?.matchLabels == ["apps": "falcon-7b"])
        #expect(
            workspace.resource?.labelSelector?.matchExpressions
                == [LabelSelectorRequirement(key: "zone", operator: .in, values: ["eastus-1"])])
        #expect(workspace.inference?.preset?.name == "falcon-7b")
        #expect(workspace.inference?.adapters?.first?.strength == "0.5")
        #expect(workspace.status?.conditions?.first?.status == .true)
        #expect(workspace.status?.conditions?.first?.observedGeneration == 1)
        #expect(workspace.tuning == nil)
    }

    @Test func reencodesToTheSameJSON() throws {
        let input = try #require(try ManifestReader.documents(from: Self.falcon).first).value
        let encoded = try Workspace.decode(from: input).jsonValue()
        #expect(encoded == input)
    }

    @Test func encodingOmitsAbsentFields() throws {
        let workspace = Workspace(
            metadata: ObjectMeta(name: "w"),
            resource: ResourceSpec(labelSelector: LabelSelector(matchLabels: ["a": "b"])),
            inference: InferenceSpec(preset: PresetSpec(name: "phi-2")))
        let value = try workspace.jsonValue()
        #expect(
            value == [
                "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": "w"],
                "resource": ["labelSelector": ["matchLabels": ["a": "b"]]],
                "inference": ["preset": ["name": "phi-2"]],
            ])
    }

    @Test func schemalessTemplateSurvivesDecodeAndEncode() throws {
        let yaml = """
            apiVersion: kaito.sh/v1alpha1
            kind: Workspace
            metadata: {name: custom}
            resource: {instanceType: Standard_NC12s_v3, labelSelector: {matchLabels: {apps: custom}}}
            inference:
              template:
                metadata: {labels: {app: custom}}
                spec:
                  containers:
                  - name: server
                    image: ghcr.io/example/server:1.0
                    args: ["--port", "5000"]
                    resources: {limits: {nvidia.com/gpu: 2, cpu: 1.5}}
                    unknownButPreserved: {deep: [1, true, null, "x"]}
            """
        let input = try #require(try ManifestReader.documents(from: yaml).first).value
        let workspace = try Workspace.decode(from: input)
        #expect(workspace.inference?.template?["spec"]?["containers"]?.arrayValue?.count == 1)
        #expect(try workspace.jsonValue() == input)
    }

    @Test func unknownFieldsAreNamedByPath() throws {
        let error = try decodingError(Self.falcon.replacingOccurrences(of: "  instanceType:", with: "  cuont: 1\n  instanceType:"))
        #expect(error.kind == .unknownField)
        #expect(error.fieldPath == "resource.cuont")
        #expect(error.message == "unknown field \"resource.cuont\"")
    }

    @Test func severalUnknownFieldsAreAllListed() throws {
        let yaml = "apiVersion: kaito.sh/v1alpha1\nkind: Workspace\nmetadata: {name: a, nmae: b}\nspec: {}\n"
        let error = try decodingError(yaml)
        #expect(error.message == "unknown fields \"metadata.nmae\", \"spec\"")
    }

    @Test func lenientDecodingIgnoresUnknownFields() throws {
        let yaml = "apiVersion: kaito.sh/v1alpha1\nkind: Workspace\nmetadata: {name: a}\nspec: {}\n"
        let value = try #require(try ManifestReader.documents(from: yaml).first).value
        #expect(try Workspace.decode(from: value, strict: false).metadata.name == "a")
    }

    @Test(arguments: [
        ("  count: two", "resource.count", "expected integer, got string \"two\""),
        ("  count: 1.5", "resource.count", "expected integer, got number 1.5"),
        ("  count: true", "resource.count", "expected integer, got boolean true"),
        ("  preferredNodes: node-a", "resource.preferredNodes", "expected array, got string \"node-a\""),
    ])
    func wrongTypesNameTheField(line: String, path: String, message: String) throws {
        let yaml = Self.falcon.replacingOccurrences(of: "  instanceType:", with: "\(line)\n  instanceType:")
        let error = try decodingError(yaml)
        #expect(error.kind == .typeMismatch)
        #expect(error.fieldPath == path)
        #expect(error.message == message)
    }

    @Test func wholeFloatsAreIntegersAsThroughKubectl() throws {
        let workspace = try decode(Self.falcon.replacingOccurrences(of: "  instanceType:", with: "  count: 2.0\n  instanceType:"))
        #expect(workspace.resource?.count == 2)
    }

    @Test func wrongTypeInsideArraysUsesIndexes() throws {
        let error = try decodingError(Self.falcon.replacingOccurrences(of: "strength: \"0.5\"", with: "strength: [0.5]"))
        #expect(error.fieldPath == "inference.adapters[0].strength")
    }

    @Test func badTimestampsAreInvalidValues() throws {
        let error = try decodingError(Self.falcon.replacingOccurrences(of: "\"2024-09-06T10:00:00Z\"", with: "yesterday"))
        #expect(error.kind == .invalidValue)
        #expect(error.fieldPath == "metadata.creationTimestamp")
    }

    @Test func badEnumValuesNameTheField() throws {
        let error = try decodingError(Self.falcon.replacingOccurrences(of: "operator: In", with: "operator: Near"))
        #expect(error.fieldPath == "resource.labelSelector.matchExpressions[0].operator")
    }

    @Test func kindAndAPIVersionAreChecked() throws {
        let wrongKind = try decodingError(Self.falcon.replacingOccurrences(of: "kind: Workspace", with: "kind: Deployment"))
        #expect(wrongKind.fieldPath == "kind")
        #expect(wrongKind.message == "kind \"Deployment\" is not supported here; expected \"Workspace\" (apiVersion kaito.sh/v1alpha1)")
        let wrongVersion = try decodingError(
            Self.falcon.replacingOccurrences(of: "kaito.sh/v1alpha1", with: "kaito.sh/v1beta1"))
        #expect(wrongVersion.fieldPath == "apiVersion")
        #expect(wrongVersion.message == "apiVersion \"kaito.sh/v1beta1\" is not supported; use kaito.sh/v1alpha1")
        let missing = try decodingError("metadata: {name: a}\n")
        #expect(missing.kind == .missingField)
        #expect(missing.fieldPath == "kind")
        let notObject = try #require(throws: ObjectDecodingError.self) { try Workspace.decode(from: ["a", "b"]) }
        #expect(notObject.message == "expected a Workspace object, got array")
    }

    @Test func missingRequiredFieldIsReported() throws {
        let error = try decodingError(Self.falcon.replacingOccurrences(of: "    name: falcon-7b\n", with: "    accessMode: public\n"))
        #expect(error.kind == .missingField)
        #expect(error.fieldPath == "inference.preset.name")
    }

    @Test func defaultedAppliesCRDDefaultsOnlyWherePresent() throws {
        let workspace = try decode(Self.falcon).defaulted()
        #expect(workspace.resource?.count == 1)
        #expect(workspace.resource?.instanceType == "Standard_NC12s_v3")
        #expect(workspace.inference?.preset?.accessMode == "public")
        let bare = Workspace(metadata: ObjectMeta(name: "x"), tuning: TuningSpec(method: "lora")).defaulted()
        #expect(bare.resource == nil)
        #expect(bare.tuning?.preset == nil)
        let explicit = Workspace(
            metadata: ObjectMeta(name: "x"), resource: ResourceSpec(count: 3, instanceType: "Standard_NC24ads_A100_v4"),
            inference: InferenceSpec(preset: PresetSpec(name: "llama-2-7b", accessMode: "private"))
        ).defaulted()
        #expect(explicit.resource?.count == 3)
        #expect(explicit.resource?.instanceType == "Standard_NC24ads_A100_v4")
        #expect(explicit.inference?.preset?.accessMode == "private")
    }

    @Test(arguments: [
        ("2024-09-06T10:00:00Z", 1_725_616_800.0),
        ("2024-09-06T10:00:00.5Z", 1_725_616_800.5),
        ("2024-09-06T12:00:00+02:00", 1_725_616_800.0),
        ("2024-09-06T08:00:00.25-02:00", 1_725_616_800.25),
    ])
    func rfc3339Timestamps(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test func nonTimestampsAreRejected() {
        #expect(RFC3339.date(from: "2024-09-06") == nil)
        #expect(RFC3339.date(from: "yesterday") == nil)
    }

    @Test func timestampsEncodeInUTCSeconds() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_725_616_800.7)) == "2024-09-06T10:00:00Z")
    }

    @Test func labelSelectorSemantics() throws {
        let selector = LabelSelector(
            matchLabels: ["apps": "falcon"],
            matchExpressions: [
                LabelSelectorRequirement(key: "zone", operator: .notIn, values: ["b"]),
                LabelSelectorRequirement(key: "gpu", operator: .exists),
                LabelSelectorRequirement(key: "spot", operator: .doesNotExist),
            ])
        #expect(selector.matches(["apps": "falcon", "gpu": "1", "zone": "a"]))
        #expect(!selector.matches(["apps": "falcon", "gpu": "1", "zone": "b"]))
        #expect(!selector.matches(["apps": "falcon", "gpu": "1", "spot": "true"]))
        #expect(!selector.matches(["apps": "other", "gpu": "1"]))
        #expect(LabelSelector().matches([:]))
        #expect(throws: LabelSelectorConversionError.self) { try selector.asMap() }
        let convertible = LabelSelector(
            matchLabels: ["a": "1"], matchExpressions: [LabelSelectorRequirement(key: "b", operator: .in, values: ["2"])])
        #expect(try convertible.asMap() == ["a": "1", "b": "2"])
    }
}

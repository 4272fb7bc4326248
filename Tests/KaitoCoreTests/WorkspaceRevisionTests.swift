import Foundation
import Testing

@testable import KaitoCore

@Suite("WorkspaceRevision")
struct WorkspaceRevisionTests {
    // MARK: Fixtures

    static let falconResource = ResourceSpec(
        count: 1, instanceType: "Standard_NC12s_v3", labelSelector: LabelSelector(matchLabels: ["apps": "falcon-7b"]))
    static let falconInference = InferenceSpec(preset: PresetSpec(name: "falcon-7b", accessMode: "public"))

    static let falconResourceJSON =
        #"{"count":1,"instanceType":"Standard_NC12s_v3","labelSelector":{"matchLabels":{"apps":"falcon-7b"}}}"#
    static let falconInferenceJSON = #"{"preset":{"name":"falcon-7b","accessMode":"public","presetOptions":{}}}"#

    static func workspace(_ file: String) throws -> Workspace {
        let documents = try ManifestReader.documents(from: RepositoryFiles.data(file))
        let document = try #require(documents.first)
        return try Workspace.decode(from: document.value).defaulted()
    }

    static func isLowerHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    // MARK: SHA-256

    struct Vector: Sendable, CustomTestStringConvertible {
        let message: String
        let digest: String
        var testDescription: String {
            message.count > 20 ? "\(message.prefix(20))… (\(message.utf8.count) bytes)" : message
        }
    }

    static let vectors: [Vector] = [
        .init(message: "abc", digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        .init(message: "", digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        .init(
            message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // Padding boundaries: 55 bytes fit one block with the length, 56 and 63 need a second, 64 is exactly one.
        .init(
            message: String(repeating: "a", count: 55),
            digest: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        .init(
            message: String(repeating: "a", count: 56),
            digest: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        .init(
            message: String(repeating: "a", count: 63),
            digest: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        .init(
            message: String(repeating: "a", count: 64),
            digest: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        .init(
            message: String(repeating: "a", count: 119),
            digest: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        .init(message: "é€😀", digest: "df9226927fd572c1ee66eec85de1bb139497614899f36e4e90474cb71f6ef9d0"),
    ]

    @Test("SHA-256 test vectors", arguments: vectors)
    func sha256Vectors(vector: Vector) {
        let digest = SHA256Digest(hashing: vector.message)
        #expect(digest.hex == vector.digest)
        #expect(digest.bytes.count == 32)
        #expect(SHA256Digest(hashing: Array(vector.message.utf8)).hex == vector.digest)
    }

    @Test func sha256OfOneMillionAs() {
        let digest = SHA256Digest(hashing: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(digest.hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: Go JSON: resource

    @Test func falconResourceJSON() {
        #expect(WorkspaceRevision.goJSON(Self.falconResource) == Self.falconResourceJSON)
    }

    @Test func falconExampleAfterDefaulting() throws {
        let workspace = try Self.workspace("examples/inference/falcon-7b.yaml")
        #expect(WorkspaceRevision.goJSON(workspace.resource) == Self.falconResourceJSON)
        #expect(WorkspaceRevision.goJSON(workspace.inference) == Self.falconInferenceJSON)
        #expect(WorkspaceRevision.goJSON(workspace.tuning) == "null")
    }

    @Test func nilLabelSelectorIsWrittenAsNull() {
        let resource = ResourceSpec(count: 2, instanceType: "Standard_NC6s_v3")
        #expect(
            WorkspaceRevision.goJSON(resource) == #"{"count":2,"instanceType":"Standard_NC6s_v3","labelSelector":null}"#
        )
    }

    @Test func missingResourceIsGoZeroStruct() {
        // `Workspace.Resource` is a struct value in Go, so it never encodes as `null`.
        #expect(WorkspaceRevision.goJSON(nil as ResourceSpec?) == #"{"labelSelector":null}"#)
        #expect(WorkspaceRevision.goJSON(ResourceSpec()) == #"{"labelSelector":null}"#)
    }

    @Test func emptyValuesAreOmittedButAZeroCountIsKept() {
        let resource = ResourceSpec(
            count: 0, instanceType: "", labelSelector: LabelSelector(matchLabels: [:], matchExpressions: []),
            preferredNodes: [])
        #expect(WorkspaceRevision.goJSON(resource) == #"{"count":0,"labelSelector":{}}"#)
    }

    @Test func matchExpressionsAndPreferredNodes() {
        let resource = ResourceSpec(
            count: 3, instanceType: "Standard_NC24ads_A100_v4",
            labelSelector: LabelSelector(
                matchLabels: ["zone": "1", "apps": "x", "Apps": "y"],
                matchExpressions: [
                    LabelSelectorRequirement(key: "gpu", operator: .in, values: ["a100", "h100"]),
                    LabelSelectorRequirement(key: "spot", operator: .doesNotExist),
                    LabelSelectorRequirement(key: "tier", operator: .notIn, values: []),
                ]),
            preferredNodes: ["node-b", "node-a"])
        let expected =
            #"{"count":3,"instanceType":"Standard_NC24ads_A100_v4","labelSelector":{"matchLabels":"#
            + #"{"Apps":"y","apps":"x","zone":"1"},"matchExpressions":[{"key":"gpu","operator":"In","#
            + #""values":["a100","h100"]},{"key":"spot","operator":"DoesNotExist"},"#
            + #"{"key":"tier","operator":"NotIn"}]},"#
            + #""preferredNodes":["node-b","node-a"]}"#
        #expect(WorkspaceRevision.goJSON(resource) == expected)
    }

    // MARK: Go JSON: inference

    @Test func falconInferenceJSON() {
        #expect(WorkspaceRevision.goJSON(Self.falconInference) == Self.falconInferenceJSON)
        #expect(WorkspaceRevision.goJSON(nil as InferenceSpec?) == "null")
    }

    @Test func presetWithoutAccessModeStillWritesPresetOptions() {
        let inference = InferenceSpec(preset: PresetSpec(name: "phi-2", presetOptions: PresetOptions()))
        #expect(WorkspaceRevision.goJSON(inference) == #"{"preset":{"name":"phi-2","presetOptions":{}}}"#)
    }

    @Test func privatePresetWithImageAndPullSecrets() {
        let inference = InferenceSpec(
            preset: PresetSpec(
                name: "llama-2-7b", accessMode: "private",
                presetOptions: PresetOptions(
                    image: "myregistry.azurecr.io/kaito/llama-2-7b:0.0.3", imagePullSecrets: ["acr-pull", "backup"])))
        let expected =
            #"{"preset":{"name":"llama-2-7b","accessMode":"private","presetOptions":"#
            + #"{"image":"myregistry.azurecr.io/kaito/llama-2-7b:0.0.3","imagePullSecrets":["acr-pull","backup"]}}}"#
        #expect(WorkspaceRevision.goJSON(inference) == expected)
    }

    @Test func adaptersWithStrength() {
        let inference = InferenceSpec(
            preset: PresetSpec(name: "falcon-7b", accessMode: "public"),
            adapters: [
                AdapterSpec(
                    source: DataSource(name: "falcon-7b-adapter", image: "myregistry.azurecr.io/adapters/a:0.0.1"),
                    strength: "0.2"),
                AdapterSpec(
                    source: DataSource(
                        name: "tone", image: "myregistry.azurecr.io/adapters/b:0.0.2", imagePullSecrets: ["s"]),
                    strength: "1"),
            ])
        let expected =
            #"{"preset":{"name":"falcon-7b","accessMode":"public","presetOptions":{}},"adapters":["#
            + #"{"source":{"name":"falcon-7b-adapter","image":"myregistry.azurecr.io/adapters/a:0.0.1"},"#
            + #""strength":"0.2"},"#
            + #"{"source":{"name":"tone","image":"myregistry.azurecr.io/adapters/b:0.0.2","imagePullSecrets":["s"]},"#
            + #""strength":"1"}]}"#
        #expect(WorkspaceRevision.goJSON(inference) == expected)
    }

    @Test func adapterPointerFieldsKeepEmptyValues() {
        // `Strength` is a `*string` and `Source` a `*DataSource` in Go: only nil is left out.
        let inference = InferenceSpec(adapters: [AdapterSpec(source: DataSource(), strength: ""), AdapterSpec()])
        #expect(WorkspaceRevision.goJSON(inference) == #"{"adapters":[{"source":{},"strength":""},{}]}"#)
        #expect(WorkspaceRevision.goJSON(InferenceSpec(adapters: [])) == "{}")
    }

    @Test func templateIsWrittenWithSortedKeys() {
        let template: JSONValue = [
            "spec": [
                "containers": [
                    [
                        "name": "custom",
                        "image": "mcr.microsoft.com/x:1",
                        "resources": ["limits": ["nvidia.com/gpu": 2]],
                        "args": ["--port", "5000"],
                    ]
                ],
                "terminationGracePeriodSeconds": 30,
                "hostNetwork": false,
            ],
            "metadata": ["labels": ["zeta": "1", "alpha": "2"], "annotations": .null],
        ]
        let expected =
            #"{"template":{"metadata":{"annotations":null,"labels":{"alpha":"2","zeta":"1"}},"spec":{"containers":"#
            + #"[{"args":["--port","5000"],"image":"mcr.microsoft.com/x:1","name":"custom","resources":{"limits":"#
            + #"{"nvidia.com/gpu":2}}}],"hostNetwork":false,"terminationGracePeriodSeconds":30}}}"#
        #expect(WorkspaceRevision.goJSON(InferenceSpec(template: template)) == expected)
        #expect(WorkspaceRevision.goJSON(InferenceSpec(template: .null)) == "{}")
    }

    @Test func keysSortByUTF8Bytes() {
        let template: JSONValue = ["é": 1, "z": 2, "Z": 3, "_": 4, "a": 5]
        #expect(
            WorkspaceRevision.goJSON(InferenceSpec(template: template))
                == #"{"template":{"Z":3,"_":4,"a":5,"z":2,"é":1}}"#)
    }

    // MARK: Go JSON: escaping and numbers

    @Test func htmlCharactersAreEscaped() {
        let inference = InferenceSpec(preset: PresetSpec(name: "a<b>&c"))
        #expect(
            WorkspaceRevision.goJSON(inference) == #"{"preset":{"name":"a\u003cb\u003e\u0026c","presetOptions":{}}}"#)
    }

    struct Escape: Sendable, CustomTestStringConvertible {
        let input: String
        let output: String
        var testDescription: String { output }
    }

    static let escapes: [Escape] = [
        .init(input: "plain", output: #""plain""#),
        .init(input: "say \"hi\"", output: #""say \"hi\"""#),
        .init(input: #"C:\dir"#, output: #""C:\\dir""#),
        .init(input: "a\nb\rc\td", output: #""a\nb\rc\td""#),
        .init(input: "\u{08}\u{0C}", output: #""\b\f""#),
        .init(input: "\u{00}\u{01}\u{1B}\u{1F}", output: #""\u0000\u0001\u001b\u001f""#),
        .init(input: "\u{7F}/'", output: "\"\u{7F}/'\""),
        .init(input: "x\u{2028}y\u{2029}z", output: #""x\u2028y\u2029z""#),
        .init(input: "<script>&amp;", output: #""\u003cscript\u003e\u0026amp;""#),
        .init(input: "héllo €😀", output: "\"héllo €😀\""),
    ]

    @Test("Go string escaping", arguments: escapes)
    func goStringEscaping(escape: Escape) {
        var out = ""
        GoJSONNode.appendQuoted(escape.input, to: &out)
        #expect(out == escape.output)
        // The escaped text is valid JSON that reads back as the input.
        let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(out.utf8))
        #expect(parsed == .string(escape.input))
    }

    @Test func mapKeysAreEscapedToo() {
        let template: JSONValue = ["a&b": "<>"]
        #expect(
            WorkspaceRevision.goJSON(InferenceSpec(template: template))
                == #"{"template":{"a\u0026b":"\u003c\u003e"}}"#)
    }

    @Test(
        "Go float formatting",
        arguments: [
            (0.0, "0"), (-0.0, "-0"), (1.0, "1"), (100.0, "100"), (-2.5, "-2.5"), (0.5, "0.5"),
            (0.1 + 0.2, "0.30000000000000004"), (123_456_789.125, "123456789.125"),
            (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (0.000001, "0.000001"),
            (1e-7, "1e-7"), (-1.25e-10, "-1.25e-10"), (Double.leastNonzeroMagnitude, "5e-324"), (Double.nan, "null"),
            (Double.infinity, "null"),
        ] as [(Double, String)])
    func goFloatFormatting(value: Double, expected: String) {
        #expect(GoJSONNode.goFloat(value) == expected)
    }

    @Test func doublesAndIntegersInSchemalessValues() {
        let template: JSONValue = ["i": 3, "d": 3.0, "f": 0.25, "b": true, "n": .null, "a": [1, 2.5, "x"]]
        #expect(
            WorkspaceRevision.goJSON(InferenceSpec(template: template))
                == #"{"template":{"a":[1,2.5,"x"],"b":true,"d":3,"f":0.25,"i":3,"n":null}}"#)
    }

    // MARK: Go JSON: tuning

    @Test func tuningWithNilInputAndOutput() {
        let tuning = TuningSpec(
            preset: PresetSpec(name: "phi-3-mini-4k-instruct", accessMode: "public"), method: "qlora")
        let expected =
            #"{"preset":{"name":"phi-3-mini-4k-instruct","accessMode":"public","presetOptions":{}},"#
            + #""method":"qlora","input":null,"output":null}"#
        #expect(WorkspaceRevision.goJSON(tuning) == expected)
        #expect(WorkspaceRevision.goJSON(TuningSpec()) == #"{"input":null,"output":null}"#)
        #expect(WorkspaceRevision.goJSON(nil as TuningSpec?) == "null")
    }

    @Test func tuningWithEveryField() {
        let tuning = TuningSpec(
            preset: PresetSpec(name: "falcon-7b", accessMode: "public"), method: "lora", config: "my-config",
            input: DataSource(
                name: "data", urls: ["https://example.com/a?x=1&y=2"], volumeSource: ["emptyDir": [:]],
                image: "reg/data:1", imagePullSecrets: ["pull"]),
            output: DataDestination(
                volumeSource: ["hostPath": ["path": "/mnt", "type": ""]], image: "reg/out:1", imagePushSecret: "push"))
        let expected =
            #"{"preset":{"name":"falcon-7b","accessMode":"public","presetOptions":{}},"#
            + #""method":"lora","config":"my-config","#
            + #""input":{"name":"data","urls":["https://example.com/a?x=1\u0026y=2"],"volumeSource":{"emptyDir":{}},"#
            + #""image":"reg/data:1","imagePullSecrets":["pull"]},"#
            + #""output":{"volumeSource":{"hostPath":{"path":"/mnt","type":""}},"#
            + #""image":"reg/out:1","imagePushSecret":"push"}}"#
        #expect(WorkspaceRevision.goJSON(tuning) == expected)
    }

    @Test func tuningEmptyInputAndOutputAreEmptyObjects() {
        let tuning = TuningSpec(input: DataSource(name: "", urls: []), output: DataDestination(volumeSource: .null))
        #expect(WorkspaceRevision.goJSON(tuning) == #"{"input":{},"output":{}}"#)
    }

    // MARK: Hash

    @Test func falconHashMatchesSha256sum() {
        // printf '%s\n%s\nnull\n' '<resource json>' '<inference json>' | sha256sum
        let expected = "582145cec11a13308f6d3ca6851dc941d9248b3c55a2e63a684e1fce547055b0"
        #expect(
            WorkspaceRevision.hash(resource: Self.falconResource, inference: Self.falconInference, tuning: nil)
                == expected)
        let workspace = Workspace(
            metadata: ObjectMeta(name: "workspace-falcon-7b"), resource: Self.falconResource,
            inference: Self.falconInference)
        #expect(WorkspaceRevision.hash(of: workspace) == expected)
    }

    @Test func exampleHashesMatchSha256sum() throws {
        // Computed with printf … | sha256sum from hand-written Go JSON of each defaulted example.
        let cases = [
            ("examples/inference/falcon-7b.yaml", "582145cec11a13308f6d3ca6851dc941d9248b3c55a2e63a684e1fce547055b0"),
            (
                "examples/inference/falcon-7b-with-adapters.yaml",
                "6d53e7df0dd19bae4572941a5643562b006bfec05d9ad135f4f3038c4b91fa7e"
            ),
            (
                "examples/tuning/falcon-7b-lora-custom-config.yaml",
                "6d252fe511946834faf46d58f3dbbf044640ef0d52c2c2c2a6b1894024dc4afa"
            ),
        ]
        for (file, expected) in cases {
            #expect(WorkspaceRevision.hash(of: try Self.workspace(file)) == expected, "\(file)")
        }
    }

    @Test func emptyWorkspaceHash() {
        // printf '{"labelSelector":null}\nnull\nnull\n' | sha256sum
        #expect(
            WorkspaceRevision.hash(resource: nil, inference: nil, tuning: nil)
                == "48a1db91c0629f61826a1b7df06343a076d3004257ddd660315f37f1ed0f7bdb")
    }

    @Test func hashInputIsThreeNewlineTerminatedDocuments() {
        let input = WorkspaceRevision.hashInput(
            resource: Self.falconResource, inference: Self.falconInference, tuning: nil)
        #expect(input == Self.falconResourceJSON + "\n" + Self.falconInferenceJSON + "\nnull\n")
    }

    @Test func hashIsDeterministicLowerHexAndSensitiveToChanges() {
        let base = WorkspaceRevision.hash(resource: Self.falconResource, inference: Self.falconInference, tuning: nil)
        #expect(Self.isLowerHex64(base))
        for _ in 0..<3 {
            // Fresh values with the same content, including a multi-key map built in another order.
            let resource = ResourceSpec(
                count: 1, instanceType: "Standard_NC12s_v3",
                labelSelector: LabelSelector(matchLabels: Dictionary(uniqueKeysWithValues: [("apps", "falcon-7b")])))
            #expect(
                WorkspaceRevision.hash(
                    resource: resource,
                    inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b", accessMode: "public")),
                    tuning: nil) == base)
        }
        let labelsA = LabelSelector(matchLabels: ["a": "1", "b": "2", "c": "3", "d": "4"])
        let labelsB = LabelSelector(
            matchLabels: Dictionary(uniqueKeysWithValues: [("d", "4"), ("c", "3"), ("b", "2"), ("a", "1")]))
        #expect(
            WorkspaceRevision.hash(resource: ResourceSpec(labelSelector: labelsA), inference: nil, tuning: nil)
                == WorkspaceRevision.hash(resource: ResourceSpec(labelSelector: labelsB), inference: nil, tuning: nil))

        var twoNodes = Self.falconResource
        twoNodes.count = 2
        let countChanged = WorkspaceRevision.hash(resource: twoNodes, inference: Self.falconInference, tuning: nil)
        #expect(countChanged != base)

        var withAdapter = Self.falconInference
        withAdapter.adapters = [AdapterSpec(source: DataSource(name: "a", image: "reg/a:1"), strength: "0.5")]
        let adapterAdded = WorkspaceRevision.hash(resource: Self.falconResource, inference: withAdapter, tuning: nil)
        #expect(adapterAdded != base)

        var strongerAdapter = withAdapter
        strongerAdapter.adapters?[0].strength = "0.6"
        let strengthChanged = WorkspaceRevision.hash(
            resource: Self.falconResource, inference: strongerAdapter, tuning: nil)
        #expect(strengthChanged != adapterAdded)
        #expect(Set([base, countChanged, adapterAdded, strengthChanged]).count == 4)
    }

    @Test func hashIgnoresMetadataAndStatus() {
        let a = Workspace(
            metadata: ObjectMeta(name: "a"), resource: Self.falconResource, inference: Self.falconInference)
        var b = a
        b.metadata = ObjectMeta(name: "b", annotations: [WorkspaceRevision.hashAnnotation: "x"])
        b.status = WorkspaceStatus(workerNodes: ["node-1"])
        #expect(WorkspaceRevision.hash(of: a) == WorkspaceRevision.hash(of: b))
    }

    @Test func hashUsesTheWorkspaceAsGiven() {
        // Defaulting adds `accessMode: public`, which changes the Go JSON and therefore the hash.
        let raw = Workspace(
            metadata: ObjectMeta(name: "w"), resource: Self.falconResource,
            inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")))
        #expect(WorkspaceRevision.hash(of: raw) != WorkspaceRevision.hash(of: raw.defaulted()))
        #expect(
            WorkspaceRevision.hash(of: raw.defaulted())
                == "582145cec11a13308f6d3ca6851dc941d9248b3c55a2e63a684e1fce547055b0")
    }

    // MARK: ControllerRevision

    @Test func controllerRevisionName() {
        #expect(
            WorkspaceRevision.controllerRevisionName(
                workspaceName: "workspace-falcon-7b",
                hash: "582145cec11a13308f6d3ca6851dc941d9248b3c55a2e63a684e1fce547055b0")
                == "workspace-falcon-7b-58214")
        #expect(WorkspaceRevision.controllerRevisionName(workspaceName: "w", hash: "abc") == "w-abc")
    }

    @Test func controllerRevisionDataIsTheParsedGoJSON() throws {
        let workspaces = [
            try Self.workspace("examples/inference/falcon-7b.yaml"),
            try Self.workspace("examples/inference/falcon-7b-with-adapters.yaml"),
            try Self.workspace("examples/tuning/falcon-7b-lora-custom-config.yaml"),
            Workspace(
                metadata: ObjectMeta(name: "t"),
                inference: InferenceSpec(template: ["spec": ["x": 1.0, "y": 0.5, "z": "a<b"]])),
            Workspace(metadata: ObjectMeta(name: "empty")),
        ]
        for workspace in workspaces {
            let data = WorkspaceRevision.controllerRevisionData(of: workspace)
            let parse = { (text: String) throws -> JSONValue in
                try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            }
            let expected: JSONValue = .object([
                "inference": try parse(WorkspaceRevision.goJSON(workspace.inference)),
                "resource": try parse(WorkspaceRevision.goJSON(workspace.resource)),
                "tuning": try parse(WorkspaceRevision.goJSON(workspace.tuning)),
            ])
            #expect(data == expected, "\(workspace.metadata.name ?? "")")
        }
    }

    @Test func controllerRevisionDataOfFalcon() throws {
        let data = WorkspaceRevision.controllerRevisionData(of: try Self.workspace("examples/inference/falcon-7b.yaml"))
        let expected: JSONValue = [
            "inference": ["preset": ["name": "falcon-7b", "accessMode": "public", "presetOptions": [:]]],
            "resource": [
                "count": 1, "instanceType": "Standard_NC12s_v3",
                "labelSelector": ["matchLabels": ["apps": "falcon-7b"]],
            ],
            "tuning": .null,
        ]
        #expect(data == expected)
        // Serialised with sorted keys, as Kaito's json.Marshal of the map does.
        let encoded = String(decoding: try KubernetesJSON.encoder().encode(data), as: UTF8.self)
        #expect(encoded.hasPrefix(#"{"inference":"#))
        #expect(encoded.hasSuffix(#""tuning":null}"#))
    }

    @Test func constants() {
        #expect(WorkspaceRevision.hashAnnotation == "workspace.kaito.io/hash")
        #expect(WorkspaceRevision.revisionAnnotation == "workspace.kaito.io/revision")
        #expect(WorkspaceRevision.nameLabel == "workspace.kaito.io/name")
        #expect(WorkspaceRevision.maxHistory == 10)
    }
}

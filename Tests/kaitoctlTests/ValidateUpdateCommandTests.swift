import Foundation
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl validate --old STORED -f EDITED`: Kaito v0.3.1's update rules (spec 2.6), one table row each.
    @Suite("kaitoctl validate --old")
    struct ValidateUpdate {
        static let inference = """
            apiVersion: kaito.sh/v1alpha1
            kind: Workspace
            metadata:
              name: ws
            resource:
              instanceType: Standard_NC12s_v3
              labelSelector:
                matchLabels:
                  apps: falcon
            inference:
              preset:
                name: falcon-7b
              adapters:
              - source:
                  name: tone
                  image: myregistry.azurecr.io/adapters/tone:0.0.1
                strength: "0.5"

            """

        static let tuning = """
            apiVersion: kaito.sh/v1alpha1
            kind: Workspace
            metadata:
              name: tune
            resource:
              instanceType: Standard_NC24ads_A100_v4
              labelSelector:
                matchLabels:
                  apps: tune
            tuning:
              preset:
                name: phi-3-mini-128k-instruct
              method: qlora
              input:
                name: dolly
                urls:
                - https://example.com/data.parquet
              output:
                image: myregistry.azurecr.io/adapters/dolly:0.0.1
                imagePushSecret: push

            """

        /// One update: `base` edited by `old` replacements into the stored object and by `new` into the edit.
        struct Case: CustomTestStringConvertible, Sendable {
            var name: String
            var base: String
            var old: [(String, String)] = []
            var new: [(String, String)]
            /// The stderr lines (file name `new.yaml`); empty means valid.
            var expected: [String]

            var testDescription: String { name }
        }

        static let adapter = """
              - source:
                  name: tone
                  image: myregistry.azurecr.io/adapters/tone:0.0.1
                strength: "0.5"
            """

        static func adapterEdit(_ replacement: String) -> [(String, String)] {
            [(adapter, replacement)]
        }

        static let cases: [Case] = [
            // 1. Workspace level
            Case(name: "nothing changed", base: inference, new: [], expected: []),
            Case(
                name: "inference replaced by tuning: both toggles",
                base: inference,
                new: [
                    (
                        "inference:\n  preset:\n    name: falcon-7b\n  adapters:\n" + adapter + "\n",
                        "tuning:\n  preset:\n    name: falcon-7b\n  method: lora\n  input:\n    urls: [https://x.io/d]\n"
                            + "  output:\n    image: r.io/a/b:1\n    imagePushSecret: s\n"
                    )
                ],
                expected: [
                    "new.yaml: inference: Inference field cannot be toggled once set",
                    "new.yaml: tuning: Tuning field cannot be toggled once set",
                    "new.yaml: tuning.preset: Preset cannot be changed",
                    "new.yaml: tuning.method: Method cannot be changed",
                ]),
            // 2. Resource
            Case(
                name: "count changed", base: inference,
                new: [("  instanceType:", "  count: 2\n  instanceType:")],
                expected: ["new.yaml: resource.count: field is immutable (it was 1)"]),
            Case(
                name: "count written out as its default", base: inference,
                new: [("  instanceType:", "  count: 1\n  instanceType:")], expected: []),
            Case(
                name: "instanceType changed", base: inference,
                new: [("Standard_NC12s_v3", "Standard_NC24ads_A100_v4")],
                expected: [
                    "new.yaml: resource.instanceType: field is immutable (it was Standard_NC12s_v3; create a new "
                        + "workspace for another SKU)"
                ]),
            Case(
                name: "instanceType removed: the default is another SKU", base: inference,
                old: [("Standard_NC12s_v3", "Standard_NC24ads_A100_v4")],
                new: [("  instanceType: Standard_NC12s_v3\n", "")],
                expected: [
                    "new.yaml: resource.instanceType: field is immutable (it was Standard_NC24ads_A100_v4; create a "
                        + "new workspace for another SKU)"
                ]),
            Case(
                name: "label selector changed", base: inference, new: [("apps: falcon", "apps: falcon-new")],
                expected: ["new.yaml: resource.labelSelector: field is immutable"]),
            Case(
                name: "label selector rewritten as an equivalent In expression", base: inference,
                new: [
                    (
                        "    matchLabels:\n      apps: falcon",
                        "    matchExpressions:\n    - {key: apps, operator: In, values: [falcon]}"
                    )
                ], expected: []),
            Case(
                name: "label selector with NotIn", base: inference,
                new: [
                    (
                        "    matchLabels:\n      apps: falcon",
                        "    matchExpressions:\n    - {key: apps, operator: NotIn, values: [falcon]}"
                    )
                ],
                expected: ["new.yaml: resource.labelSelector: Only allow matchLabels or 'IN' matchExpression"]),
            Case(
                name: "preferredNodes are mutable", base: inference,
                new: [("  instanceType:", "  preferredNodes: [node-a, node-b]\n  instanceType:")], expected: []),
            // 3. Inference
            Case(
                name: "preset name changed", base: inference, new: [("name: falcon-7b", "name: falcon-7b-instruct")],
                expected: ["new.yaml: inference.preset: field is immutable"]),
            Case(
                name: "preset written out with its default access mode", base: inference,
                new: [("name: falcon-7b", "name: falcon-7b\n    accessMode: public")], expected: []),
            Case(
                name: "preset options added", base: inference,
                new: [("name: falcon-7b", "name: falcon-7b\n    presetOptions:\n      image: r.io/falcon:1")],
                expected: ["new.yaml: inference.preset: field is immutable"]),
            Case(
                name: "preset replaced by a template", base: inference,
                new: [
                    (
                        "  preset:\n    name: falcon-7b\n",
                        "  template:\n    spec:\n      containers:\n      - {name: server, image: r.io/s:1}\n"
                    )
                ],
                expected: [
                    "new.yaml: inference.preset: field is immutable",
                    "new.yaml: inference.template: field cannot be unset/set if it was set/unset",
                ]),
            Case(
                name: "template content may change",
                base: inference.replacingOccurrences(
                    of: "  preset:\n    name: falcon-7b\n",
                    with: "  template:\n    spec:\n      containers:\n      - {name: server, image: r.io/s:1}\n"),
                new: [("r.io/s:1", "r.io/s:2")], expected: []),
            Case(
                name: "adapters removed", base: inference,
                new: [("  adapters:\n" + adapter + "\n", "")], expected: []),
            Case(
                name: "adapter added with a valid image and no strength", base: inference,
                new: adapterEdit(adapter + "\n  - source:\n      name: extra\n      image: r.io/adapters/extra:1"),
                expected: []),
            Case(
                name: "adapter without a source", base: inference, new: adapterEdit("  - strength: \"0.5\""),
                expected: [
                    "new.yaml: inference.adapters[0].source: missing field(s) (give the adapter a source with name "
                        + "and image)"
                ]),
            Case(
                name: "adapter image without a registry and tag", base: inference,
                new: [("myregistry.azurecr.io/adapters/tone:0.0.1", "tone")],
                expected: [
                    "new.yaml: inference.adapters[0].source.image: invalid value: Invalid image format, require full "
                        + "input image URL (use REGISTRY/REPOSITORY:TAG, e.g. "
                        + "myregistry.azurecr.io/adapters/name:0.0.1)"
                ]),
            Case(
                name: "adapter repository in upper case", base: inference,
                new: [("adapters/tone:0.0.1", "adapters/Tone:0.0.1")],
                expected: [
                    "new.yaml: inference.adapters[0].source.image: invalid value: Repository name must be lowercase"
                ]),
            Case(
                name: "adapter urls and image both given", base: inference,
                new: [("      name: tone\n", "      name: tone\n      urls: [https://x.io/a]\n")],
                expected: [
                    "new.yaml: inference.adapters[0].source: Exactly one of URLs, Volume, or Image must be "
                        + "specified (adapters load from image only)"
                ]),
            Case(
                name: "adapter name missing", base: inference, new: [("      name: tone\n", "")],
                expected: [
                    "new.yaml: inference.adapters[0].source.name: missing field(s): Name of Adapter field must be "
                        + "specified"
                ]),
            Case(
                name: "adapter name with a dot", base: inference, new: [("name: tone", "name: tone.v2")],
                expected: [
                    "new.yaml: inference.adapters[0].source.name: invalid value: tone.v2: Name of Adapter must be a "
                        + "valid DNS-1123 label (it names the adapter's init container: a lowercase RFC 1123 label "
                        + "must consist of lower case alphanumeric characters or '-', and must start and end with "
                        + "an alphanumeric character (at most 63 characters))"
                ]),
            Case(
                name: "adapter image missing", base: inference,
                new: [("      image: myregistry.azurecr.io/adapters/tone:0.0.1\n", "")],
                expected: [
                    "new.yaml: inference.adapters[0].source.image: missing field(s): Image of Adapter field must be "
                        + "specified (the adapter is loaded from the /data folder of this image)"
                ]),
            Case(
                name: "adapter strength not a number", base: inference, new: [("\"0.5\"", "\"strong\"")],
                expected: [
                    "new.yaml: inference.adapters[0].strength: Invalid strength value for Adapter 'tone': "
                        + "strconv.ParseFloat: parsing \"strong\": invalid syntax (use a decimal string between 0 "
                        + "and 1, such as \"0.5\")"
                ]),
            Case(
                name: "adapter strength out of range", base: inference, new: [("\"0.5\"", "\"1.5\"")],
                expected: [
                    "new.yaml: inference.adapters[0].strength: Strength value for Adapter 'tone' must be between 0 "
                        + "and 1"
                ]),
            Case(
                name: "adapter strength removed means 1.0", base: inference,
                new: [("\n    strength: \"0.5\"", "")], expected: []),
            Case(
                name: "duplicate adapter names", base: inference, new: adapterEdit(adapter + "\n" + adapter),
                expected: ["new.yaml: inference.adapters[1].source.name: Duplicate adapter source name found: tone"]),
            Case(
                name: "more than ten adapters (checked on update too, unlike v0.3.1)", base: inference,
                new: adapterEdit(
                    (0..<11).map { "  - source:\n      name: a\($0)\n      image: r.io/adapters/a\($0):1" }
                        .joined(separator: "\n")),
                expected: [
                    "new.yaml: inference.adapters: Number of Adapters exceeds the maximum limit, maximum of 10 allowed"
                ]),
            // 4. Tuning
            Case(name: "tuning unchanged", base: tuning, new: [], expected: []),
            Case(
                name: "tuning input name changed", base: tuning, new: [("name: dolly", "name: alpaca")],
                expected: [
                    "new.yaml: tuning.input.name: invalid value: During tuning Name field cannot be changed once set"
                ]),
            Case(
                name: "tuning data, output image and config may change", base: tuning,
                new: [
                    ("data.parquet", "more.parquet"), ("dolly:0.0.1", "dolly:0.0.2"),
                    ("  method: qlora", "  method: qlora\n  config: my-config"),
                ], expected: []),
            Case(
                name: "tuning input from a volume", base: tuning,
                new: [("    urls:\n    - https://example.com/data.parquet", "    volumeSource:\n      emptyDir: {}")],
                expected: [
                    "new.yaml: tuning.input.volumeSource: invalid value: Volume support is not implemented yet"
                ]),
            Case(
                name: "tuning output to a volume", base: tuning,
                new: [
                    (
                        "    image: myregistry.azurecr.io/adapters/dolly:0.0.1\n",
                        "    volumeSource:\n      emptyDir: {}\n"
                    )
                ],
                expected: [
                    "new.yaml: tuning.output.volumeSource: invalid value: Volume support is not implemented yet"
                ]),
            Case(
                name: "tuning input and output removed", base: tuning,
                new: [
                    ("  input:\n    name: dolly\n    urls:\n    - https://example.com/data.parquet\n", ""),
                    (
                        "  output:\n    image: myregistry.azurecr.io/adapters/dolly:0.0.1\n    imagePushSecret: push\n",
                        ""
                    ),
                ],
                expected: ["new.yaml: tuning.input: missing field(s)", "new.yaml: tuning.output: missing field(s)"]),
            Case(
                name: "tuning preset changed", base: tuning,
                new: [("phi-3-mini-128k-instruct", "phi-3-mini-4k-instruct")],
                expected: ["new.yaml: tuning.preset: Preset cannot be changed"]),
            Case(
                name: "tuning method changed", base: tuning, new: [("method: qlora", "method: lora")],
                expected: ["new.yaml: tuning.method: Method cannot be changed"]),
            Case(
                name: "tuning method in another case is the same method", base: tuning,
                new: [("method: qlora", "method: QLoRA")], expected: []),
        ]

        static func edited(_ text: String, _ replacements: [(String, String)]) -> String {
            replacements.reduce(text) { text, replacement in
                precondition(text.contains(replacement.0), "the base has no \"\(replacement.0)\"")
                return text.replacingOccurrences(of: replacement.0, with: replacement.1)
            }
        }

        @Test("Kaito's update rules, one row per rule", arguments: cases)
        func updateRules(_ row: Case) throws {
            try withTemporaryDirectory { directory in
                try writeFile("old.yaml", Self.edited(row.base, row.old), in: directory)
                try writeFile("new.yaml", Self.edited(row.base, row.new), in: directory)
                let result = try runKaitoctl(["validate", "--old", "old.yaml", "-f", "new.yaml"], in: directory)
                expectNoCrash(result)
                #expect(outputLines(result.stderr) == row.expected, "stderr:\n\(result.stderr)")
                #expect(result.status == (row.expected.isEmpty ? 0 : 1))
                #expect(outputLines(result.stdout) == (row.expected.isEmpty ? ["new.yaml: valid"] : []))
            }
        }

        @Test("the stored object as kubectl prints it (status, server fields, namespace) is a valid baseline")
        func storedObjectAsBaseline() throws {
            let stored =
                Self.inference.replacingOccurrences(
                    of: "  name: ws\n",
                    with: """
                          name: ws
                          namespace: default
                          uid: 3f0c1a52-7a1b-4d1e-9a55-8f6f0c1d2e3f
                          resourceVersion: "4242"
                          generation: 3
                          creationTimestamp: "2026-12-01T10:00:00Z"
                          finalizers: [workspace.finalizer.kaito.sh]
                          annotations: {workspace.kaito.io/revision: "1"}

                        """) + """
                    status:
                      workerNodes: [aks-ws-1]
                      conditions:
                      - {type: WorkspaceSucceeded, status: "True", reason: workspaceSucceeded, message: ok, lastTransitionTime: "2026-12-01T10:05:00Z"}

                    """
            try withTemporaryDirectory { directory in
                try writeFile("stored.yaml", stored, in: directory)
                try writeFile(
                    "edit.yaml", Self.inference.replacingOccurrences(of: "\"0.5\"", with: "\"0.7\""), in: directory)
                try writeFile(
                    "bad.yaml", Self.inference.replacingOccurrences(of: "falcon-7b", with: "falcon-40b"),
                    in: directory)
                let result = try runKaitoctl(
                    ["validate", "--old", "stored.yaml", "-f", "edit.yaml", "bad.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(outputLines(result.stdout) == ["edit.yaml: valid"])
                #expect(outputLines(result.stderr) == ["bad.yaml: inference.preset: field is immutable"])
            }
        }

        @Test("a renamed workspace is not an update of the stored one: one line, exit 1")
        func renamedWorkspace() throws {
            try withTemporaryDirectory { directory in
                try writeFile("old.yaml", Self.inference, in: directory)
                try writeFile(
                    "new.yaml", Self.inference.replacingOccurrences(of: "name: ws", with: "name: ws2"), in: directory)
                let result = try runKaitoctl(["validate", "--old", "old.yaml", "-f", "new.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(
                    outputLines(result.stderr) == [
                        "new.yaml: metadata.name: \"ws2\" is not the workspace in old.yaml (\"ws\"), so applying it would "
                            + "create another workspace instead of updating that one; keep its name and namespace"
                    ])
            }
        }

        @Test("several stored workspaces: each edit pairs with its own name; a new name is checked as a create")
        func multiDocumentBaseline() throws {
            try withTemporaryDirectory { directory in
                try writeFile("old.yaml", Self.inference + "---\n" + Self.tuning, in: directory)
                let edits =
                    Self.tuning.replacingOccurrences(of: "method: qlora", with: "method: lora") + "---\n"
                    + Self.inference.replacingOccurrences(of: "name: ws", with: "name: fresh")
                    .replacingOccurrences(of: "Standard_NC12s_v3", with: "Standard_NC6s_v3")
                try writeFile("new.yaml", edits, in: directory)
                let result = try runKaitoctl(["validate", "--old", "old.yaml", "-f", "new.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(
                    outputLines(result.stderr) == [
                        "new.yaml:doc1: tuning.method: Method cannot be changed",
                        "new.yaml:doc2: metadata.name: warning: no workspace \"fresh\" in old.yaml; checked as a new workspace",
                    ])
            }
        }

        @Test("an unreadable or invalid --old file stops before any check: its own line, exit 1 or 2")
        func badBaseline() throws {
            try withTemporaryDirectory { directory in
                try writeFile("new.yaml", Self.inference, in: directory)
                try writeFile("broken.yaml", "kind: Workspace\nresource: [\n", in: directory)
                let missing = try runKaitoctl(["validate", "--old", "nope.yaml", "-f", "new.yaml"], in: directory)
                #expect(missing.status == 2)
                #expect(outputLines(missing.stderr) == ["nope.yaml: no such file; check the path"])
                let broken = try runKaitoctl(["validate", "--old", "broken.yaml", "-f", "new.yaml"], in: directory)
                #expect(broken.status == 1)
                #expect(outputLines(broken.stderr).count == 1)
                #expect(broken.stderr.hasPrefix("broken.yaml: line "), "\(broken.stderr)")
                #expect(broken.stdout.isEmpty)
                let twice = try runKaitoctl(["validate", "--old", "-", "-f", "-"], stdin: Data(Self.inference.utf8))
                #expect(twice.status == 2)
                #expect(twice.stderr.contains("standard input (-) can be read only once"))
            }
        }
    }
}

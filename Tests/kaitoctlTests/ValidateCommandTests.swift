import Foundation
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl validate`: valid files on stdout, one stderr line per problem, exit 0 / 1 (content) / 2 (unreadable).
    @Suite("kaitoctl validate")
    struct Validate {
        // MARK: Valid input

        @Test("every example validates in one run: one \"PATH: valid\" line per file, nothing on stderr")
        func allExamples() throws {
            let files = try exampleManifests()
            #expect(files.count >= 24, "expected every example manifest, found \(files)")
            let result = try runKaitoctl(["validate"] + files.flatMap { ["-f", $0] }, in: repositoryRoot)
            #expect(result.status == 0)
            #expect(outputLines(result.stdout) == files.map { "\($0): valid" })
            #expect(result.stderr.isEmpty, "stderr:\n\(result.stderr)")
        }

        @Test("files given as arguments and with -f are checked in order: -f first")
        func positionalFiles() throws {
            try withTemporaryDirectory { directory in
                try writeFile("a.yaml", validWorkspaceYAML, in: directory)
                try writeFile("b.yaml", validWorkspaceYAML, in: directory)
                let result = try runKaitoctl(["validate", "b.yaml", "-f", "a.yaml"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["a.yaml: valid", "b.yaml: valid"])
                #expect(result.stderr.isEmpty)
            }
        }

        @Test("-f - reads the manifest from standard input")
        func standardInput() throws {
            let result = try runKaitoctl(["validate", "-f", "-"], stdin: Data(validWorkspaceYAML.utf8))
            #expect(result.status == 0)
            #expect(outputLines(result.stdout) == ["-: valid"])
            #expect(result.stderr.isEmpty)
        }

        @Test("-f - names standard input \"-\" in problems")
        func standardInputProblem() throws {
            let yaml = workspaceYAML(replacing: "kind: Workspace", with: "kind: Deployment")
            let result = try runKaitoctl(["validate", "-f", "-"], stdin: Data(yaml.utf8))
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(outputLines(result.stderr) == [
                #"-: kind: kind "Deployment" is not supported here; expected "Workspace" (apiVersion kaito.sh/v1alpha1)"#,
            ])
        }

        @Test("a path that is a pipe (/dev/stdin, as with -f <(helm template …)) is read like a file")
        func pipePath() throws {
            let result = try runKaitoctl(["validate", "-f", "/dev/stdin"], stdin: Data(validWorkspaceYAML.utf8))
            expectNoCrash(result)
            #expect(result.status == 0, "stderr:\n\(result.stderr)")
            #expect(outputLines(result.stdout) == ["/dev/stdin: valid"])
            #expect(result.stderr.isEmpty)
        }

        @Test("an endless standard input is cut off at the limit instead of read forever")
        func endlessStandardInput() throws {
            let binary = try KaitoctlBinary.url().path
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", "yes | '\(binary)' validate -f - 2>&1 >/dev/null; echo \"exit=$?\""]
            let output = Pipe()
            shell.standardOutput = output
            try shell.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            shell.waitUntilExit()
            #expect(text == "-: input is over the 10 MiB limit; split it into smaller files\nexit=2\n")
        }

        @Test("standard input can be named only once")
        func standardInputTwice() throws {
            let result = try runKaitoctl(["validate", "-f", "-", "-f", "-"], stdin: Data(validWorkspaceYAML.utf8))
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("standard input (-) can be read only once"))
            expectNoCrash(result)
        }


        @Test("a JSON manifest validates")
        func jsonManifest() throws {
            try withTemporaryDirectory { directory in
                try writeFile("ws.json", """
                    {"apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": {"name": "ws"},
                     "resource": {"instanceType": "Standard_NC12s_v3", "labelSelector": {"matchLabels": {"a": "b"}}},
                     "inference": {"preset": {"name": "falcon-7b"}}}
                    """, in: directory)
                let result = try runKaitoctl(["validate", "-f", "ws.json"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["ws.json: valid"])
                #expect(result.stderr.isEmpty)
            }
        }

        @Test("--cloud aws accepts an AWS instance type")
        func awsInstanceType() throws {
            try withTemporaryDirectory { directory in
                try writeFile("aws.yaml", workspaceYAML(replacing: "Standard_NC12s_v3", with: "p3.2xlarge"), in: directory)
                let result = try runKaitoctl(["validate", "--cloud", "aws", "-f", "aws.yaml"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["aws.yaml: valid"])
                #expect(result.stderr.isEmpty)
            }
        }

        @Test("a file of exactly 10 MiB is read")
        func exactlyTenMiB() throws {
            try withTemporaryDirectory { directory in
                let limit = 10 * 1024 * 1024
                let padding = limit - validWorkspaceYAML.utf8.count - "# \n".utf8.count
                let text = validWorkspaceYAML + "# " + String(repeating: "x", count: padding) + "\n"
                #expect(text.utf8.count == limit)
                try writeFile("limit.yaml", text, in: directory)
                let result = try runKaitoctl(["validate", "-f", "limit.yaml"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["limit.yaml: valid"])
                #expect(result.stderr.isEmpty)
            }
        }

        // MARK: Multi-document files

        @Test("a multi-document file with one bad document names it :doc2")
        func multiDocumentOneBad() throws {
            try withTemporaryDirectory { directory in
                let bad = workspaceYAML(replacing: "kind: Workspace", with: "kind: Deployment")
                try writeFile("multi.yaml", validWorkspaceYAML + "---\n" + bad, in: directory)
                let result = try runKaitoctl(["validate", "-f", "multi.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                let lines = outputLines(result.stderr)
                #expect(lines.count == 1)
                #expect(lines.first?.hasPrefix("multi.yaml:doc2: ") == true)
                #expect(lines == [
                    #"multi.yaml:doc2: kind: kind "Deployment" is not supported here; expected "Workspace" (apiVersion kaito.sh/v1alpha1)"#,
                ])
                expectNoCrash(result)
            }
        }

        @Test("a trailing --- and comment-only documents are skipped")
        func trailingSeparator() throws {
            try withTemporaryDirectory { directory in
                try writeFile("trailing.yaml", "---\n# leading comment\n---\n" + validWorkspaceYAML + "---\n", in: directory)
                let result = try runKaitoctl(["validate", "-f", "trailing.yaml"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["trailing.yaml: valid"])
                #expect(result.stderr.isEmpty)
            }
        }

        // MARK: Unreadable input (exit 2)

        @Test("a missing file")
        func missingFile() throws {
            try withTemporaryDirectory { directory in
                try expectProblem(
                    ["validate", "-f", "missing.yaml"], in: directory, status: 2,
                    lines: ["missing.yaml: no such file; check the path"])
            }
        }

        @Test("a directory")
        func directoryInput() throws {
            try withTemporaryDirectory { directory in
                try FileManager.default.createDirectory(
                    at: directory.appendingPathComponent("manifests"), withIntermediateDirectories: false)
                try expectProblem(
                    ["validate", "-f", "manifests"], in: directory, status: 2,
                    lines: ["manifests: is a directory; pass the files inside it, e.g. -f manifests/*.yaml"])
            }
        }

        @Test("a file over 10 MiB")
        func overTenMiB() throws {
            try withTemporaryDirectory { directory in
                let size = 10 * 1024 * 1024 + 1
                var data = Data(validWorkspaceYAML.utf8)
                data.append(Data("#".utf8))
                data.append(Data(repeating: UInt8(ascii: "x"), count: size - data.count - 1))
                data.append(Data("\n".utf8))
                #expect(data.count == size)
                try writeFile("big.yaml", data, in: directory)
                let result = try expectProblem(
                    ["validate", "-f", "big.yaml"], in: directory, status: 2,
                    lines: ["big.yaml: file is \(size) bytes, over the 10 MiB limit; split it into smaller files"])
                #expect(result.stderr.contains("10 MiB"))
            }
        }

        @Test("standard input over 10 MiB")
        func standardInputOverTenMiB() throws {
            let size = 10 * 1024 * 1024 + 100
            var data = Data(validWorkspaceYAML.utf8)
            data.append(Data(repeating: UInt8(ascii: "\n"), count: size - data.count))
            let result = try runKaitoctl(["validate", "-f", "-"], stdin: data)
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(outputLines(result.stderr) == ["-: input is over the 10 MiB limit; split it into smaller files"])
            expectNoCrash(result)
        }

        // MARK: Content problems (exit 1)

        @Test("an empty file")
        func emptyFile() throws {
            try withTemporaryDirectory { directory in
                try writeFile("empty.yaml", "", in: directory)
                try expectProblem(
                    ["validate", "-f", "empty.yaml"], in: directory, status: 1,
                    lines: ["empty.yaml: no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace"])
            }
        }

        @Test("malformed YAML names the line and column")
        func malformedYAML() throws {
            try withTemporaryDirectory { directory in
                try writeFile("broken.yaml", """
                    apiVersion: kaito.sh/v1alpha1
                    kind: Workspace
                    metadata:
                      name: a: b

                    """, in: directory)
                let result = try expectProblem(
                    ["validate", "-f", "broken.yaml"], in: directory, status: 1,
                    lines: ["broken.yaml: line 4, column 10: malformed YAML: mapping values are not allowed in this context"])
                #expect(result.stderr.contains("line 4"))
            }
        }

        @Test("an unclosed flow sequence is malformed YAML with a position")
        func unclosedFlowSequence() throws {
            try withTemporaryDirectory { directory in
                try writeFile("flow.yaml", "apiVersion: kaito.sh/v1alpha1\nkind: [Workspace\nmetadata:\n  name: x\n", in: directory)
                let result = try runKaitoctl(["validate", "-f", "flow.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                let lines = outputLines(result.stderr)
                #expect(lines.count == 1)
                #expect(lines.first?.hasPrefix("flow.yaml: line ") == true)
                #expect(lines.first?.contains(", column ") == true)
                #expect(lines.first?.contains(": malformed YAML: ") == true)
                expectNoCrash(result)
            }
        }

        @Test("a duplicate key is one line naming the mapping's line and column (Docs/compatibility.md)")
        func duplicateKey() throws {
            try withTemporaryDirectory { directory in
                try writeFile("dup.yaml", """
                    apiVersion: kaito.sh/v1alpha1
                    kind: Workspace
                    metadata:
                      name: a
                      name: b

                    """, in: directory)
                try expectProblem(
                    ["validate", "-f", "dup.yaml"], in: directory, status: 1,
                    lines: [#"dup.yaml: line 4, column 3: malformed YAML: key "name" appears more than once in the mapping that starts here; keep one of each"#])
            }
        }

        @Test("a file that is not UTF-8")
        func notUTF8() throws {
            try withTemporaryDirectory { directory in
                try writeFile("utf16.yaml", Data([0xff, 0xfe, 0x61, 0x00, 0x70, 0x00, 0x69, 0x00]), in: directory)
                try expectProblem(
                    ["validate", "-f", "utf16.yaml"], in: directory, status: 1,
                    lines: ["utf16.yaml: input is not valid UTF-8 (first bad byte at offset 0); save the file as UTF-8"])
            }
        }

        @Test("a bad byte in the middle of a file is reported at its offset")
        func notUTF8Offset() throws {
            try withTemporaryDirectory { directory in
                var data = Data("apiVersion: kaito.sh/v1alpha1\n".utf8)
                let offset = data.count
                data.append(contentsOf: [0xc3, 0x28])
                data.append(Data("kind: Workspace\n".utf8))
                try writeFile("latin.yaml", data, in: directory)
                try expectProblem(
                    ["validate", "-f", "latin.yaml"], in: directory, status: 1,
                    lines: ["latin.yaml: input is not valid UTF-8 (first bad byte at offset \(offset)); save the file as UTF-8"])
            }
        }

        @Test("kind: Deployment names Workspace")
        func wrongKind() throws {
            try withTemporaryDirectory { directory in
                try writeFile("kind.yaml", workspaceYAML(replacing: "kind: Workspace", with: "kind: Deployment"), in: directory)
                let result = try expectProblem(
                    ["validate", "-f", "kind.yaml"], in: directory, status: 1,
                    lines: [#"kind.yaml: kind: kind "Deployment" is not supported here; expected "Workspace" (apiVersion kaito.sh/v1alpha1)"#])
                #expect(result.stderr.contains("Workspace"))
            }
        }

        @Test("apiVersion kaito.sh/v1beta1 names kaito.sh/v1alpha1")
        func wrongAPIVersion() throws {
            try withTemporaryDirectory { directory in
                try writeFile(
                    "api.yaml", workspaceYAML(replacing: "kaito.sh/v1alpha1", with: "kaito.sh/v1beta1"), in: directory)
                try expectProblem(
                    ["validate", "-f", "api.yaml"], in: directory, status: 1,
                    lines: [#"api.yaml: apiVersion: apiVersion "kaito.sh/v1beta1" is not supported; use kaito.sh/v1alpha1"#])
            }
        }

        @Test("an unknown field names its full path")
        func unknownField() throws {
            try withTemporaryDirectory { directory in
                try writeFile(
                    "typo.yaml",
                    workspaceYAML(replacing: "  instanceType: Standard_NC12s_v3\n", with: "  cuont: 1\n  instanceType: Standard_NC12s_v3\n"),
                    in: directory)
                try expectProblem(
                    ["validate", "-f", "typo.yaml"], in: directory, status: 1,
                    lines: [#"typo.yaml: resource.cuont: unknown field "resource.cuont""#])
            }
        }

        @Test("a string where an integer belongs")
        func wrongType() throws {
            try withTemporaryDirectory { directory in
                try writeFile(
                    "type.yaml",
                    workspaceYAML(replacing: "  instanceType: Standard_NC12s_v3\n", with: "  count: \"two\"\n  instanceType: Standard_NC12s_v3\n"),
                    in: directory)
                try expectProblem(
                    ["validate", "-f", "type.yaml"], in: directory, status: 1,
                    lines: [#"type.yaml: resource.count: expected integer, got string "two""#])
            }
        }

        @Test("an unknown preset suggests the closest name")
        func unknownPreset() throws {
            try withTemporaryDirectory { directory in
                try writeFile("preset.yaml", workspaceYAML(replacing: "name: falcon-7b\n", with: "name: falcon7b\n"), in: directory)
                let result = try runKaitoctl(["validate", "-f", "preset.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                let lines = outputLines(result.stderr)
                #expect(lines.count == 1)
                let line = lines.first ?? ""
                #expect(line.hasPrefix(
                    "preset.yaml: inference.preset.name: invalid value: Unsupported inference preset name falcon7b (did you mean falcon-7b"))
                #expect(line.hasSuffix(")"))
                expectNoCrash(result)
            }
        }

        @Test("an unknown Azure instance type")
        func unknownSKU() throws {
            try withTemporaryDirectory { directory in
                try writeFile("sku.yaml", workspaceYAML(replacing: "Standard_NC12s_v3", with: "p3.2xlarge"), in: directory)
                let result = try runKaitoctl(["validate", "-f", "sku.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                let lines = outputLines(result.stderr)
                #expect(lines.count == 1)
                let line = lines.first ?? ""
                #expect(line.hasPrefix(
                    "sku.yaml: resource.instanceType: invalid value: Unsupported instance type p3.2xlarge. Supported SKUs: Standard_NC12, "))
                #expect(line.contains(" Standard_NC12s_v3, "))
                #expect(line.hasSuffix("(p3.2xlarge is an AWS instance type, but the cloud is azure (use --cloud aws))"))
                expectNoCrash(result)
            }
        }

        @Test("a workspace too small for its preset says which SKUs would fit")
        func insufficientGPUs() throws {
            try withTemporaryDirectory { directory in
                let yaml = workspaceYAML(replacing: "name: falcon-7b\n", with: "name: falcon-40b\n")
                    .replacingOccurrences(of: "Standard_NC12s_v3", with: "Standard_NC24ads_A100_v4")
                try writeFile("small.yaml", yaml, in: directory)
                try expectProblem(
                    ["validate", "-f", "small.yaml"], in: directory, status: 1,
                    lines: [
                        "small.yaml: resource.instanceType: invalid value: Insufficient number of GPUs: Instance type Standard_NC24ads_A100_v4 provides 1, but preset falcon-40b requires at least 2 (SKUs that fit: Standard_NC48ads_A100_v4 (count 1), Standard_ND24rs (count 1), Standard_ND24s (count 1))",
                        "small.yaml: resource.instanceType: invalid value: Insufficient total GPU memory: Instance type Standard_NC24ads_A100_v4 has a total of 80Gi, but preset falcon-40b requires at least 90Gi (SKUs that fit: Standard_NC48ads_A100_v4 (count 1), Standard_ND24rs (count 1), Standard_ND24s (count 1))",
                    ])
            }
        }

        @Test("a document that is not a mapping")
        func notAnObject() throws {
            try withTemporaryDirectory { directory in
                try writeFile("list.yaml", "- a\n- b\n", in: directory)
                try expectProblem(
                    ["validate", "-f", "list.yaml"], in: directory, status: 1,
                    lines: ["list.yaml: expected a Workspace object, got array"])
            }
        }

        // MARK: Several problems, several files, warnings

        @Test("several problems in one workspace are all printed, one line each, in rule order")
        func severalProblems() throws {
            try withTemporaryDirectory { directory in
                let yaml = workspaceYAML(replacing: "name: workspace-falcon-7b", with: "name: Bad_Name")
                    .replacingOccurrences(of: "  instanceType:", with: "  count: 0\n  instanceType:")
                    .replacingOccurrences(of: "name: falcon-7b\n", with: "name: falcon7b\n")
                try writeFile("several.yaml", yaml, in: directory)
                let result = try runKaitoctl(["validate", "-f", "several.yaml"], in: directory)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                let lines = outputLines(result.stderr)
                try #require(lines.count == 3, "stderr:\n\(result.stderr)")
                #expect(lines[0].hasPrefix("several.yaml: metadata.name: invalid value: Bad_Name ("))
                #expect(lines[1] == "several.yaml: resource.count: invalid value: 0 (count must be at least 1)")
                #expect(lines[2].hasPrefix(
                    "several.yaml: inference.preset.name: invalid value: Unsupported inference preset name falcon7b"))
                expectNoCrash(result)
            }
        }

        @Test("a warning goes to stderr with \"warning:\" while stdout still says valid")
        func warningOnly() throws {
            try withTemporaryDirectory { directory in
                let yaml = validWorkspaceYAML + """
                      adapters:
                      - source:
                          name: my-adapter
                          image: "<YOUR_IMAGE>"
                        strength: "0.5"

                    """
                try writeFile("warn.yaml", yaml, in: directory)
                let result = try runKaitoctl(["validate", "-f", "warn.yaml"], in: directory)
                #expect(result.status == 0)
                #expect(outputLines(result.stdout) == ["warn.yaml: valid"])
                let lines = outputLines(result.stderr)
                #expect(lines.count == 1)
                #expect(lines.first?.hasPrefix("warn.yaml: inference.adapters[0].source.image: warning: ") == true)
                #expect(!result.stdout.contains("warning"))
                expectNoCrash(result)
            }
        }

        @Test("good and bad files in one run: the good one on stdout, each problem once on stderr, worst exit code")
        func mixedFiles() throws {
            try withTemporaryDirectory { directory in
                try writeFile("good.yaml", validWorkspaceYAML, in: directory)
                try writeFile("kind.yaml", workspaceYAML(replacing: "kind: Workspace", with: "kind: Deployment"), in: directory)
                let contentOnly = try runKaitoctl(["validate", "-f", "good.yaml", "-f", "kind.yaml"], in: directory)
                #expect(contentOnly.status == 1)
                #expect(outputLines(contentOnly.stdout) == ["good.yaml: valid"])
                #expect(outputLines(contentOnly.stderr).count == 1)
                #expect(outputLines(contentOnly.stderr).first?.hasPrefix("kind.yaml: kind: ") == true)

                let withMissing = try runKaitoctl(
                    ["validate", "-f", "good.yaml", "-f", "missing.yaml", "-f", "kind.yaml"], in: directory)
                #expect(withMissing.status == 2)
                #expect(outputLines(withMissing.stdout) == ["good.yaml: valid"])
                let lines = outputLines(withMissing.stderr)
                #expect(lines.count == 2)
                #expect(lines.first == "missing.yaml: no such file; check the path")
                #expect(lines.last?.hasPrefix("kind.yaml: kind: ") == true)
                expectNoCrash(withMissing)
            }
        }

        /// Runs `args` and expects `status`, nothing on stdout, exactly `lines` on stderr and no crash text.
        @discardableResult
        private func expectProblem(
            _ args: [String], in directory: URL, status: Int32, lines: [String],
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> (status: Int32, stdout: String, stderr: String) {
            let result = try runKaitoctl(args, in: directory)
            #expect(result.status == status, "stderr:\n\(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stdout.isEmpty, "stdout:\n\(result.stdout)", sourceLocation: sourceLocation)
            #expect(outputLines(result.stderr) == lines, sourceLocation: sourceLocation)
            expectNoCrash(result, sourceLocation: sourceLocation)
            return result
        }
    }
}

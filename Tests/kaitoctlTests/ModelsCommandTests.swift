import Foundation
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl models [list|show]`: the bundled v0.3.1 preset catalog.
    @Suite("kaitoctl models")
    struct Models {
        static let headers = ["NAME", "FAMILY", "GPUS", "TOTAL GPU MEM", "PER-GPU MEM", "ACCESS", "TUNING"]

        static let presetNames = [
            "falcon-7b", "falcon-7b-instruct", "falcon-40b", "falcon-40b-instruct",
            "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-2-7b-chat", "llama-2-13b-chat", "llama-2-70b-chat",
            "mistral-7b", "mistral-7b-instruct", "phi-2",
            "phi-3-mini-4k-instruct", "phi-3-mini-128k-instruct", "phi-3-medium-4k-instruct", "phi-3-medium-128k-instruct",
        ]

        @Test("models prints a table: the header, then one row per preset")
        func table() throws {
            let result = try runKaitoctl(["models"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let lines = outputLines(result.stdout)
            try #require(lines.count == 18, "stdout:\n\(result.stdout)")
            #expect(tableCells(lines[0]) == Self.headers)
            #expect(lines[0] == "NAME                         FAMILY    GPUS   TOTAL GPU MEM   PER-GPU MEM   ACCESS    TUNING")
            let rows = lines.dropFirst().map(tableCells)
            #expect(rows.count == 17)
            #expect(rows.map { $0.first ?? "" } == Self.presetNames)
            for row in rows {
                #expect(row.count == Self.headers.count, "row \(row)")
            }
            #expect(rows.first == ["falcon-7b", "Falcon", "1", "14Gi", "-", "public", "yes"])
            #expect(rows.first { $0.first == "llama-2-70b" } == ["llama-2-70b", "LLaMa2", "8", "152Gi", "19Gi", "private", "no"])
        }

        @Test("the table columns line up under their headers")
        func alignment() throws {
            let result = try runKaitoctl(["models"])
            let lines = outputLines(result.stdout)
            let starts = cellStarts(lines.first ?? "")
            #expect(starts.count == Self.headers.count)
            for line in lines.dropFirst() {
                #expect(cellStarts(line) == starts, "misaligned: \(line)")
                #expect(!line.hasSuffix(" "), "trailing space: \(line)")
            }
        }

        @Test("models list is the default subcommand")
        func listIsDefault() throws {
            let implicit = try runKaitoctl(["models"])
            let explicit = try runKaitoctl(["models", "list"])
            #expect(explicit.status == 0)
            #expect(explicit.stdout == implicit.stdout)
        }

        @Test("models -o json is an array of every preset")
        func json() throws {
            let result = try runKaitoctl(["models", "-o", "json"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let array = try #require(parseJSON(result.stdout) as? [[String: Any]])
            #expect(array.count == 17)
            #expect(array.compactMap { $0["name"] as? String } == Self.presetNames)
            let falcon = try #require(array.first)
            #expect(falcon["accessMode"] as? String == "public")
            #expect(falcon["family"] as? String == "Falcon")
        }

        @Test("models -o yaml is a YAML sequence of the presets")
        func yaml() throws {
            let result = try runKaitoctl(["models", "-o", "yaml"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            #expect(!result.stdout.isEmpty)
            #expect(result.stdout.hasPrefix("- "))
            for name in Self.presetNames {
                #expect(result.stdout.contains("name: \(name)\n"), "yaml lacks \(name)")
            }
        }

        @Test("models show falcon-7b describes the preset")
        func showFalcon() throws {
            let result = try runKaitoctl(["models", "show", "falcon-7b"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let fields = try Self.describedFields(result.stdout)
            #expect(fields["Name"] == "falcon-7b")
            #expect(fields["Family"] == "Falcon")
            #expect(fields["Runtime"] == "tfs (text-generation)")
            #expect(fields["Access"] == "public")
            #expect(fields["Image"] == "mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.6")
            #expect(fields["GPUs"] == "1")
            #expect(fields["Total GPU memory"] == "14Gi")
            #expect(fields["Per-GPU memory"] == "-")
            #expect(fields["Disk"] == "50Gi")
            #expect(fields["Workload"] == "Deployment")
            #expect(fields["Readiness timeout"] == "30m")
            #expect(fields["Command"] == "accelerate launch --gpu_ids=all --machine_rank=0 --num_machines=1 --num_processes=1 inference_api.py --pipeline=text-generation --torch_dtype=bfloat16")
            #expect(fields["Tuning"] == "yes: 1 GPU(s), 16Gi total, 16Gi per GPU")
            #expect(outputLines(result.stdout).contains("Image:             mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.6"))
        }

        @Test("models show of a private, distributed preset")
        func showLlama70b() throws {
            let result = try runKaitoctl(["models", "show", "llama-2-70b"])
            #expect(result.status == 0)
            let fields = try Self.describedFields(result.stdout)
            #expect(fields["Access"] == "private")
            #expect(fields["Image"] == "supplied by you (presetOptions.image)")
            #expect(fields["GPUs"] == "8")
            #expect(fields["Workload"] == "StatefulSet (distributed)")
            #expect(fields["Tuning"] == "no")
        }

        @Test("models show with a misspelt name fails and suggests the preset")
        func showMisspelt() throws {
            let result = try runKaitoctl(["models", "show", "falcon7b"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            let lines = outputLines(result.stderr)
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix(#"unknown preset "falcon7b" (did you mean falcon-7b"#) == true)
            expectNoCrash(result)
        }

        @Test("models show with a name close to nothing points at the list")
        func showUnknown() throws {
            let result = try runKaitoctl(["models", "show", "zzzzzzzz"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(outputLines(result.stderr) == [#"unknown preset "zzzzzzzz" (run `kaitoctl models` for the list)"#])
            expectNoCrash(result)
        }

        @Test("models show llama-2-7b -o json is one object")
        func showJSON() throws {
            let result = try runKaitoctl(["models", "show", "llama-2-7b", "-o", "json"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let object = try #require(parseJSON(result.stdout) as? [String: Any])
            #expect(object["name"] as? String == "llama-2-7b")
            #expect(object["accessMode"] as? String == "private")
            let inference = try #require(object["inference"] as? [String: Any])
            #expect(inference["gpuCountRequirement"] as? Int == 1)
        }

        @Test("models show falcon-7b -o yaml")
        func showYAML() throws {
            let result = try runKaitoctl(["models", "show", "falcon-7b", "-o", "yaml"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            #expect(result.stdout.contains("name: falcon-7b\n"))
            #expect(!result.stdout.hasPrefix("- "))
        }

        @Test("an unreadable --preset-catalog is a usage error")
        func missingPresetCatalog() throws {
            try withTemporaryDirectory { directory in
                let missing = try runKaitoctl(["models", "--preset-catalog", "missing.json"], in: directory)
                #expect(missing.status == 2)
                #expect(missing.stdout.isEmpty)
                #expect(outputLines(missing.stderr) == ["missing.json: no such file; check the path"])

                try writeFile("bad.json", "not json", in: directory)
                let bad = try runKaitoctl(["models", "--preset-catalog", "bad.json"], in: directory)
                #expect(bad.status == 2)
                #expect(bad.stdout.isEmpty)
                #expect(outputLines(bad.stderr).count == 1)
                #expect(bad.stderr.hasPrefix("bad.json: not a valid preset catalog: "))
                expectNoCrash(bad)
            }
        }

        /// The `Key: value` lines of `models show`, checking that every value starts in the same column.
        static func describedFields(
            _ text: String, sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> [String: String] {
            var fields: [String: String] = [:]
            var valueColumns: Set<Int> = []
            for line in outputLines(text) {
                let colon = try #require(line.firstIndex(of: ":"), "no key in \(line)", sourceLocation: sourceLocation)
                let key = String(line[..<colon])
                let rest = line[line.index(after: colon)...]
                let value = rest.drop { $0 == " " }
                valueColumns.insert(line.distance(from: line.startIndex, to: value.startIndex))
                fields[key] = String(value)
            }
            #expect(valueColumns.count == 1, "values are not aligned:\n\(text)", sourceLocation: sourceLocation)
            return fields
        }
    }
}

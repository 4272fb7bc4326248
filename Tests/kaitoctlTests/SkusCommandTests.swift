import Foundation
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl skus`: the GPU SKU tables, and which SKUs fit a preset.
    @Suite("kaitoctl skus")
    struct Skus {
        static let headers = ["SKU", "GPUS", "GPU MODEL", "MEM/GPU", "MEM/NODE"]

        /// Runs `args`, expects success, and returns the table's header cells and rows.
        private func table(
            _ args: [String], sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> (headers: [String], rows: [[String]]) {
            let result = try runKaitoctl(args)
            #expect(result.status == 0, "stderr:\n\(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.isEmpty, sourceLocation: sourceLocation)
            let lines = outputLines(result.stdout)
            let header = try #require(lines.first, "no output", sourceLocation: sourceLocation)
            let starts = cellStarts(header)
            for line in lines.dropFirst() {
                #expect(cellStarts(line) == starts, "misaligned: \(line)", sourceLocation: sourceLocation)
            }
            return (tableCells(header), lines.dropFirst().map(tableCells))
        }

        @Test("skus lists the Azure table by default")
        func azureDefault() throws {
            let (headers, rows) = try table(["skus"])
            #expect(headers == Self.headers)
            #expect(rows.count == 42)
            #expect(rows.contains(["Standard_NC12s_v3", "2", "NVIDIA V100", "16Gi", "32Gi"]))
            #expect(rows.allSatisfy { $0.first?.hasPrefix("Standard_") == true })
            #expect(rows.allSatisfy { $0.count == Self.headers.count })
            let explicit = try table(["skus", "--cloud", "azure"])
            #expect(explicit.rows == rows)
        }

        @Test("skus --cloud aws lists the AWS table only")
        func aws() throws {
            let (headers, rows) = try table(["skus", "--cloud", "aws"])
            #expect(headers == Self.headers)
            #expect(rows.count == 57)
            #expect(rows.contains(["p3.2xlarge", "1", "NVIDIA V100", "16Gi", "16Gi"]))
            #expect(!rows.contains { $0.first == "Standard_NC12s_v3" })
            #expect(!rows.contains { $0.first?.hasPrefix("Standard_") == true })
        }

        @Test("skus --model falcon-40b adds FITS and NODES, best fit first")
        func modelFit() throws {
            let (headers, rows) = try table(["skus", "--model", "falcon-40b"])
            #expect(headers == Self.headers + ["FITS", "NODES"])
            try #require(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.count == 7 })
            #expect(rows.first?[5] == "yes")
            let nc96 = try #require(rows.first { $0.first == "Standard_NC96ads_A100_v4" })
            #expect(nc96 == ["Standard_NC96ads_A100_v4", "4", "NVIDIA A100", "80Gi", "320Gi", "yes", "1"])
            // falcon-40b is a Deployment: one replica per node, so a single 80Gi A100 node never holds it.
            let nc24ads = try #require(rows.first { $0.first == "Standard_NC24ads_A100_v4" })
            #expect(nc24ads[5...] == ["no", "-"])
            try Self.expectSortedBestFirst(rows)
        }

        @Test("skus --model with a preset that does not fit everywhere lists the misfits last with NODES -")
        func modelMisfits() throws {
            let (_, rows) = try table(["skus", "--model", "llama-2-70b"])
            let fits = rows.map { $0[5] }
            #expect(fits.contains("yes"))
            #expect(fits.contains("no"))
            let firstNo = try #require(fits.firstIndex(of: "no"))
            #expect(fits[firstNo...].allSatisfy { $0 == "no" }, "a fitting SKU follows a misfit")
            for row in rows {
                #expect((row[5] == "no") == (row[6] == "-"), "FITS and NODES disagree: \(row)")
            }
            // Per-GPU memory 19Gi: a 16Gi GPU can never hold it.
            #expect(rows.first { $0.first == "Standard_NC12s_v3" }?[5...] == ["no", "-"])
            try Self.expectSortedBestFirst(rows)
        }

        @Test("skus --model with --cloud aws sizes against the AWS table")
        func modelAWS() throws {
            let (_, rows) = try table(["skus", "--cloud", "aws", "--model", "phi-2"])
            // The 12 AMD, Inferentia and Trainium types cannot run the CUDA images and are not offered.
            #expect(rows.count == 45)
            #expect(!rows.contains { $0.first?.hasPrefix("inf2.") == true || $0.first?.hasPrefix("trn1.") == true })
            #expect(rows.contains { $0.first == "p3.2xlarge" && $0[5] == "yes" && $0[6] == "1" })
            #expect(!rows.contains { $0.first?.hasPrefix("Standard_") == true })
        }

        @Test("skus --model nope fails")
        func unknownModel() throws {
            let result = try runKaitoctl(["skus", "--model", "nope"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(outputLines(result.stderr) == [#"unknown preset "nope" (run `kaitoctl models` for the list)"#])
            expectNoCrash(result)
        }

        @Test("skus --model with a misspelt preset suggests it")
        func misspeltModel() throws {
            let result = try runKaitoctl(["skus", "--model", "falcon40b"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(outputLines(result.stderr).count == 1)
            #expect(result.stderr.hasPrefix(#"unknown preset "falcon40b" (did you mean falcon-40b"#))
        }

        @Test("skus --cloud gcp is a usage error")
        func unknownCloud() throws {
            let result = try runKaitoctl(["skus", "--cloud", "gcp"])
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("gcp"))
            expectNoCrash(result)
        }

        @Test("skus -o json is an array of SKU objects")
        func json() throws {
            let result = try runKaitoctl(["skus", "-o", "json"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let array = try #require(parseJSON(result.stdout) as? [[String: Any]])
            #expect(array.count == 42)
            let names = array.compactMap { $0["name"] as? String }
            #expect(names.count == array.count)
            #expect(names.contains("Standard_NC12s_v3"))
            #expect(array.allSatisfy { $0["fits"] == nil && $0["minimumNodeCount"] == nil })
            let nc12 = try #require(array.first { $0["name"] as? String == "Standard_NC12s_v3" })
            #expect(nc12["gpuCount"] as? Int == 2)
            #expect(nc12["gpuMemoryPerGPUGiB"] as? Int == 16)
            #expect(nc12["gpuMemoryPerNodeGiB"] as? Int == 32)
        }

        @Test("skus --model falcon-40b -o json carries fits and the node count")
        func modelJSON() throws {
            let result = try runKaitoctl(["skus", "--model", "falcon-40b", "-o", "json"])
            #expect(result.status == 0)
            let array = try #require(parseJSON(result.stdout) as? [[String: Any]])
            #expect(!array.isEmpty)
            let nc96 = try #require(array.first { $0["name"] as? String == "Standard_NC96ads_A100_v4" })
            #expect(nc96["fits"] as? Bool == true)
            #expect(nc96["minimumNodeCount"] as? Int == 1)
            // A SKU that never fits carries an explicit null node count.
            let nc6 = try #require(array.first { $0["name"] as? String == "Standard_NC6" })
            #expect(nc6["fits"] as? Bool == false)
            #expect(nc6["minimumNodeCount"] is NSNull)
            let tableRows = try table(["skus", "--model", "falcon-40b"]).rows
            let jsonNames = array.compactMap { $0["name"] as? String }
            #expect(jsonNames == tableRows.map { $0[0] }, "JSON and table order differ")
        }

        @Test("skus -o yaml")
        func yaml() throws {
            let result = try runKaitoctl(["skus", "--cloud", "aws", "-o", "yaml"])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            #expect(result.stdout.hasPrefix("- "))
            #expect(result.stdout.contains("name: p3.2xlarge\n"))
        }

        @Test("--sku-catalog adds a SKU")
        func customCatalog() throws {
            try withTemporaryDirectory { directory in
                try writeFile("h100.json", """
                    {"skus": [{"name": "Standard_NC40ads_H100_v5", "cloud": "azure", "gpuCount": 1,
                      "gpuMemoryPerNodeGiB": 94, "gpuModel": "NVIDIA H100"}]}
                    """, in: directory)
                let result = try runKaitoctl(["skus", "--sku-catalog", "h100.json"], in: directory)
                #expect(result.status == 0)
                let rows = outputLines(result.stdout).dropFirst().map(tableCells)
                #expect(rows.count == 43)
                #expect(rows.last == ["Standard_NC40ads_H100_v5", "1", "NVIDIA H100", "94Gi", "94Gi"])

                try writeFile("bad.json", "{", in: directory)
                let bad = try runKaitoctl(["skus", "--sku-catalog", "bad.json"], in: directory)
                #expect(bad.status == 2)
                #expect(bad.stdout.isEmpty)
                #expect(outputLines(bad.stderr).count == 1)
                #expect(bad.stderr.hasPrefix("bad.json: not a valid SKU catalog: "))
                expectNoCrash(bad)
            }
        }

        /// The documented order: fitting SKUs first; among them fewer GPUs in total (NODES × GPUS), then less GPU
        /// memory in total (NODES × MEM/NODE).
        static func expectSortedBestFirst(
            _ rows: [[String]], sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            func key(_ row: [String]) throws -> (Int, Int) {
                let nodes = try #require(Int(row[6]), sourceLocation: sourceLocation)
                let gpus = try #require(Int(row[1]), sourceLocation: sourceLocation)
                let memory = try #require(Int(row[4].dropLast(2)), sourceLocation: sourceLocation)
                return (nodes * gpus, nodes * memory)
            }
            let fitting = rows.filter { $0[5] == "yes" }
            for (previous, next) in zip(fitting, fitting.dropFirst()) {
                #expect(try key(previous) <= key(next), "\(previous[0]) is listed before \(next[0])", sourceLocation: sourceLocation)
            }
        }
    }
}

import Foundation
import Testing

@testable import KaitoCore

/// Hostile and huge input: every limit of ``ManifestLimits`` fails with one clear line, early, and real
/// manifests stay far inside them.
///
/// The inputs are generated here. What keeps time and memory bounded is that the reader gives up after a
/// bounded number of decoded nodes; the tests assert those counts (in the messages), not wall time.
@Suite("Manifest reader limits")
struct ManifestLimitsTests {
    /// The classic "billion laughs": `levels` anchors, each a list of `width` aliases of the previous one.
    static func aliasBomb(levels: Int = 9, width: Int = 9, use: (String) -> String = { "payload: *\($0)" }) -> String {
        var lines = [
            "apiVersion: kaito.sh/v1alpha1", "kind: Workspace", "metadata:", "  name: bomb",
            "a0: &a0 [" + Array(repeating: "\"lol\"", count: width).joined(separator: ", ") + "]",
        ]
        for level in 1..<levels {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", ")
                    + "]")
        }
        lines.append(use("a\(levels - 1)"))
        return lines.joined(separator: "\n") + "\n"
    }

    private func readError(_ text: String, limits: ManifestLimits = .standard) throws -> ManifestReadError {
        try #require(throws: ManifestReadError.self) { try ManifestReader.documents(from: text, limits: limits) }
    }

    /// The node counts an aliasing message reports: "expand to A of D nodes".
    private func reportedCounts(_ message: String) -> (aliased: Int, decoded: Int)? {
        guard let range = message.range(of: "expand to ") else { return nil }
        let numbers = message[range.upperBound...].split(separator: " ").prefix(3)
        guard numbers.count == 3, let aliased = Int(numbers[numbers.startIndex]),
            let decoded = Int(numbers[numbers.index(numbers.startIndex, offsetBy: 2)])
        else { return nil }
        return (aliased, decoded)
    }

    // MARK: Aliases

    @Test("a billion-laughs document is refused as excessive aliasing after a few thousand nodes")
    func billionLaughs() throws {
        let error = try readError(Self.aliasBomb())
        #expect(error.limit == .aliasing)
        #expect(error.documentIndex == 0)
        #expect(error.message.hasPrefix("document 1 contains excessive aliasing: "), "\(error.message)")
        #expect(error.message.hasSuffix("write the repeated values out instead of aliasing them"))
        // a3's nine aliases of a2 (9 × 91 nodes) tip the ratio, as they would in go-yaml's decoder.
        #expect(error.line == 8, "the alias that tipped the ratio: \(error)")
        let counts = try #require(reportedCounts(error.message), "\(error.message)")
        // 9^9 nodes if expanded; the reader stops within the expansion of the first large alias.
        #expect(counts.decoded < 10_000, "\(error.message)")
        #expect(Double(counts.aliased) / Double(counts.decoded) > 0.99)
    }

    @Test(
        "aliases used as keys, merge keys or in the second document are bounded too",
        arguments: [
            ("key", aliasBomb(use: { "? *\($0)\n: value" })),
            ("flow key", aliasBomb(use: { "keys: {*\($0) : 1}" })),
            (
                "merge",
                aliasBomb(
                    levels: 7,
                    use: {
                        "merged:\n  <<: [" + Array(repeating: "{x: *\($0)}", count: 9).joined(separator: ", ") + "]"
                    })
            ),
            ("second document", "kind: Workspace\n---\n" + aliasBomb()),
        ])
    func aliasBombVariants(name: String, yaml: String) throws {
        let error = try readError(yaml)
        #expect(error.limit == .aliasing, "\(name): \(error)")
        let counts = try #require(reportedCounts(error.message), "\(name): \(error.message)")
        #expect(counts.decoded < 100_000, "\(name): \(error.message)")
    }

    @Test("a bomb in a later document names that document")
    func bombInLaterDocument() throws {
        let error = try readError("kind: Workspace\n---\n" + Self.aliasBomb())
        #expect(error.documentIndex == 1)
        #expect(error.message.hasPrefix("document 2 contains excessive aliasing"))
    }

    @Test("moderate aliasing, as in real manifests that share labels, is accepted")
    func moderateAliasing() throws {
        var yaml = "labels: &labels {app: falcon, tier: gpu, team: ml}\nitems:\n"
        for index in 0..<2000 {
            yaml += "- {name: item-\(index), labels: *labels, index: \(index)}\n"
        }
        let documents = try ManifestReader.documents(from: yaml)
        let items = try #require(documents.first?.value["items"]?.arrayValue)
        #expect(items.count == 2000)
        #expect(items[1999]["labels"] == ["app": "falcon", "tier": "gpu", "team": "ml"])
    }

    @Test("a small document may be all aliases: the ratio applies only past 1000 decoded nodes")
    func smallDocumentsMayAlias() throws {
        let documents = try ManifestReader.documents(from: Self.aliasBomb(levels: 3, width: 9))
        #expect(documents.first?.value["payload"]?.arrayValue?.count == 9)
    }

    @Test(
        "the allowed ratio is go-yaml's: 99% up to 400,000 nodes, then linearly down to 10% at 4,000,000",
        arguments: [
            (0, 0.99), (400_000, 0.99), (2_200_000, 0.545), (4_000_000, 0.10), (9_000_000, 0.10),
        ])
    func allowedAliasRatio(decoded: Int, ratio: Double) {
        #expect(abs(ManifestComposer.allowedAliasRatio(decoded) - ratio) < 1e-9)
    }

    @Test("an alias inside its own anchor's value, and an alias before its anchor, are errors with a position")
    func recursiveAndUndefinedAliases() throws {
        let recursive = try readError("a: &loop\n  - x\n  - *loop\n")
        #expect(
            recursive.message
                == "malformed YAML: alias *loop is used inside the value of its own anchor &loop; a value cannot "
                + "contain itself")
        #expect(recursive.line == 3)
        #expect(recursive.column == 5)
        let undefined = try readError("a: *nowhere\n")
        #expect(
            undefined.message
                == "malformed YAML: alias *nowhere has no anchor &nowhere before it in this document; define the "
                + "anchor first")
        #expect(undefined.description.hasPrefix("line 1, column 4: "))
        // Anchors belong to their document.
        let otherDocument = try readError("a: &x 1\n---\nb: *x\n")
        #expect(otherDocument.documentIndex == 1)
        #expect(otherDocument.message.contains("alias *x has no anchor"))
    }

    // MARK: Depth

    @Test("flow nesting past the depth limit fails at the first level too deep")
    func deepFlowNesting() throws {
        let deep = "a: " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "\n"
        let error = try readError(deep)
        #expect(error.limit == .depth)
        #expect(
            error.message
                == "document 1 nests lists and maps deeper than 512 levels, the manifest reader's limit; no "
                + "Kubernetes object is that deep: check how the file was made")
        #expect(error.line == 1)
        // The root map is level 1, so the 512th bracket is level 513.
        #expect(error.column == 4 + 511, "the 512th bracket: \(error)")
    }

    @Test("block nesting past the depth limit fails too, and the limit is configurable")
    func deepBlockNesting() throws {
        var yaml = ""
        for level in 0..<20 {
            yaml += String(repeating: "  ", count: level) + "k\(level):\n"
        }
        let error = try readError(yaml, limits: ManifestLimits(maximumDepth: 10))
        #expect(error.limit == .depth)
        #expect(error.message.contains("deeper than 10 levels"))
        #expect(error.line == 11)
        #expect(try ManifestReader.documents(from: yaml, limits: ManifestLimits(maximumDepth: 20)).count == 1)
    }

    @Test("20,000 levels stop at libyaml's own cap of 1000 with the same kind of line")
    func libyamlNestingCap() throws {
        let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        let error = try readError(deep, limits: ManifestLimits(maximumDepth: 5000))
        #expect(error.limit == .depth)
        #expect(error.message.hasPrefix("document 1 nests lists and maps deeper than 1000 levels, libyaml's limit"))
        #expect(error.line == 1)
    }

    // MARK: Size, documents and nodes

    @Test("more documents than the limit, empty ones included, fail with the count")
    func tooManyDocuments() throws {
        let stream = String(repeating: "---\na: 1\n", count: 30)
        let error = try readError(stream, limits: ManifestLimits(maximumDocuments: 20))
        #expect(error.limit == .documents)
        #expect(
            error.message
                == "the input has more than 20 YAML documents, the manifest reader's limit; split it into smaller files"
        )
        let empties = try readError(String(repeating: "---\n", count: 10_001))
        #expect(empties.limit == .documents)
        #expect(empties.message.contains("more than 10000 YAML documents"))
    }

    @Test("more nodes than the limit fail where the limit is crossed; aliases count with their expansion")
    func tooManyNodes() throws {
        let list = "items: [" + (0..<300).map(String.init).joined(separator: ", ") + "]\n"
        let error = try readError(list, limits: ManifestLimits(maximumNodes: 100))
        #expect(error.limit == .nodes)
        #expect(
            error.message
                == "the input decodes to more than 100 YAML nodes (aliases expanded), the manifest reader's limit; "
                + "split it into smaller files")
        #expect(error.line == 1)
        // 1 document + 1 map + "base" + 50-item list (51) = 54 nodes; each alias adds 1 + 51.
        let aliased = "base: &b [" + Array(repeating: "x", count: 50).joined(separator: ",") + "]\ncopy: *b\n"
        #expect(try ManifestReader.documents(from: aliased, limits: ManifestLimits(maximumNodes: 200)).count == 1)
        let refused = try readError(aliased, limits: ManifestLimits(maximumNodes: 100))
        #expect(refused.limit == .nodes)
        #expect(refused.line == 2)
    }

    @Test("input over the byte limit is refused before parsing, naming the limit")
    func byteLimit() throws {
        let error = try readError(String(repeating: "#", count: 2048), limits: ManifestLimits(maximumBytes: 1024))
        #expect(error.limit == .bytes)
        #expect(
            error.message == "input is 2048 bytes, over the 1 KiB limit for a manifest; split it into smaller files")
        #expect(ManifestReader.maximumSize == 10 * 1024 * 1024)
    }

    @Test("every manifest in deploy/ and examples/ reads within a tenth of each default limit")
    func realManifestsHaveHeadroom() throws {
        let tight = ManifestLimits(
            maximumBytes: ManifestLimits.standard.maximumBytes / 10,
            maximumDocuments: ManifestLimits.standard.maximumDocuments / 10,
            maximumDepth: ManifestLimits.standard.maximumDepth / 10,
            maximumNodes: ManifestLimits.standard.maximumNodes / 10)
        let deploy = RepositoryFiles.root.appendingPathComponent("deploy")
        let walker = try #require(FileManager.default.enumerator(atPath: deploy.path))
        let manifests =
            walker.compactMap { $0 as? String }
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.contains("/templates/") }
            .map { "deploy/" + $0 } + RepositoryFiles.exampleFiles()
        #expect(manifests.contains("deploy/crds/kaito.sh_workspaces.yaml"))
        for file in manifests {
            #expect(throws: Never.self, "\(file)") {
                _ = try ManifestReader.documents(from: RepositoryFiles.data(file), limits: tight)
            }
        }
    }

    // MARK: Merge keys

    @Test("merge keys merge as go-yaml v2 does: in place, later keys replace, the earlier of listed maps wins")
    func mergeKeys() throws {
        let yaml = """
            base: &base {a: 1, b: 2}
            other: &other {b: 3, c: 4}
            single: {<<: *base, b: 20}
            replaced: {a: 10, <<: *base}
            listed: {<<: [*base, *other], d: 5}
            inline:
              <<: {x: 1}
              y: 2

            """
        let value = try #require(try ManifestReader.documents(from: yaml).first?.value)
        #expect(value["single"] == ["a": 1, "b": 20])
        #expect(value["replaced"] == ["a": 1, "b": 2])
        #expect(value["listed"] == ["a": 1, "b": 2, "c": 4, "d": 5])
        #expect(value["inline"] == ["x": 1, "y": 2])
        #expect(value["single"]?.objectValue?["<<"] == nil)
    }

    @Test("a merge key takes maps only; a quoted \"<<\" is an ordinary key")
    func mergeKeyErrors() throws {
        let error = try readError("a: {<<: 1}\n")
        #expect(error.message == "malformed YAML: the merge key << takes a map or a list of maps, not an integer")
        let quoted = try #require(try ManifestReader.documents(from: "a: {\"<<\": 1}\n").first?.value)
        #expect(quoted["a"] == ["<<": 1])
    }

    // MARK: Keys

    @Test("a list or map as a key is refused where it starts, before it is read")
    func collectionKeys() throws {
        let error = try readError("? [a, b]\n: value\n")
        #expect(error.message == "malformed YAML: a mapping key must be a string, not a list or map")
        #expect(error.line == 1)
        #expect(error.column == 3)
        let aliased = try readError("list: &l [a]\nmap: {*l : 1}\n")
        #expect(aliased.message == "malformed YAML: a mapping key must be a string, not a list or map")
    }

    @Test("an alias of a scalar is a valid key, and keys set by a merge are not duplicates")
    func aliasKeysAndMergedDuplicates() throws {
        let value = try #require(
            try ManifestReader.documents(from: "k: &k name\nm: {*k : 1}\nn: {<<: {a: 1}, a: 2}\n").first?.value)
        #expect(value["m"] == ["name": 1])
        #expect(value["n"] == ["a": 2])
    }
}

import Foundation
import Testing

@testable import KaitoCore

/// Properties of ``ManifestReader`` over generated input: random YAML never crashes it, never makes it throw
/// anything but a ``ManifestReadError``, and values written by ``YAMLWriter`` (or as JSON) read back equal.
///
/// Every input comes from a seed, so a failure names the seed that reproduces it.
@Suite("Manifest reader properties")
struct ManifestReaderPropertyTests {
    /// Pieces of YAML syntax, glued at random: indentation, flow and block collections, anchors, aliases,
    /// merge keys, tags, quotes, block scalars, directives, document markers and a few odd bytes.
    static let tokens = [
        "a", "b", "key", "name", "1", "-1", "0x1F", "1.5", "true", "~", "null", ":", ": ", "- ", "-", "[", "]", "{",
        "}", ",", ", ", "\n", "\n", "\n", "  ", "  ", "    ", "&a ", "&b ", "*a", "*b", "<<: ", "? ", "'", "\"", "\\",
        "#", " # c", "---\n", "...\n", "!!str ", "!!int ", "!t ", "|\n", ">-\n", "%YAML 1.1\n", "%TAG ! x:\n", "\t",
        "é",
        "%", "@", "`", "\u{7F}", "\r\n", "\u{FEFF}",
    ]

    static func soup(seed: UInt64) -> String {
        var random = SeededGenerator(seed: seed)
        let count = random.int(0...200)
        return (0..<count).map { _ in random.pick(tokens) }.joined()
    }

    @Test("random YAML is read or refused with a ManifestReadError, never anything else", arguments: 0..<1500)
    func randomYAMLNeverFailsOtherwise(seed: Int) {
        let text = Self.soup(seed: UInt64(seed))
        do {
            let documents = try ManifestReader.documents(from: text)
            for document in documents {
                #expect(document.value != .null, "seed \(seed): empty documents are skipped")
            }
        } catch let error as ManifestReadError {
            #expect(!error.message.isEmpty, "seed \(seed)")
            #expect(!error.description.contains("\n"), "seed \(seed): one line, got \(error.description)")
        } catch {
            Issue.record("seed \(seed): \(type(of: error)) \(error) for \(String(reflecting: text))")
        }
    }

    @Test("random alias graphs are read or refused for aliasing or size, with tight limits", arguments: 0..<300)
    func randomAliasGraphs(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        var lines: [String] = []
        let anchors = random.int(1...12)
        for index in 0..<anchors {
            let width = random.int(1...12)
            let items = (0..<width).map { _ in
                index > 0 && random.chance(0.8) ? "*n\(random.int(0...(index - 1)))" : "\(random.int(0...99))"
            }
            let key = random.chance(0.2) && index > 0 ? "? *n\(index - 1)\n:" : "k\(index):"
            lines.append("\(key) &n\(index) [\(items.joined(separator: ", "))]")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let limits = ManifestLimits(maximumNodes: 50_000)
        do {
            _ = try ManifestReader.documents(from: text, limits: limits)
        } catch let error as ManifestReadError {
            let expected: Set<ManifestLimits.Limit?> = [.aliasing, .nodes, nil]
            #expect(expected.contains(error.limit), "seed \(seed): \(error)")
        } catch {
            Issue.record("seed \(seed): \(error)")
        }
    }

    // MARK: Round trips

    static func value(_ random: inout SeededGenerator, depth: Int) -> JSONValue {
        let leafOnly = depth >= 5
        switch random.int(0...(leafOnly ? 5 : 7)) {
        case 0: return .null
        case 1: return .bool(random.chance(0.5))
        case 2: return .integer(Int64(random.int(-1_000_000...1_000_000)))
        case 3: return .double(Double(random.int(-10_000...10_000)) + 0.25)
        case 4, 5:
            let samples = [
                "", "plain", "two words", "true", "no", "1.0", "0x10", "null", "~", "- dash", "a: b", "#hash", "'q'",
                "\"dq\"", "multi\nline", "trailing ", " leading", "tab\there", "é ü", "{x}", "[y]", "*ref", "&anc",
                "<<",
                "!tag", "%", "@at", "`tick", "2024-09-06", "Standard_NC12s_v3", "  ", "\\", "ends with colon:",
            ]
            return .string(random.pick(samples))
        case 6:
            return .array((0..<random.int(0...4)).map { _ in value(&random, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<random.int(0...4) {
                let key = random.pick(["a", "key", "with space", "1", "true", "<<", "x.y/z", "é", "null", "-"])
                object[key] = value(&random, depth: depth + 1)
            }
            return .object(object)
        }
    }

    @Test("values written by YAMLWriter read back equal", arguments: 0..<400)
    func yamlRoundTrip(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &+ 10_000)
        var root: [String: JSONValue] = ["kind": "Thing"]
        root["data"] = Self.value(&random, depth: 0)
        let value = JSONValue.object(root)
        let text = try YAMLWriter.string(from: value)
        let documents = try ManifestReader.documents(from: text)
        #expect(documents.map(\.value) == [value], "seed \(seed):\n\(text)")
    }

    @Test("JSON is YAML: encoded values read back equal", arguments: 0..<400)
    func jsonRoundTrip(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &+ 20_000)
        let value = JSONValue.object(["kind": "Thing", "data": Self.value(&random, depth: 0)])
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let documents = try ManifestReader.documents(from: text)
        #expect(documents.map(\.value) == [value], "seed \(seed):\n\(text)")
    }
}

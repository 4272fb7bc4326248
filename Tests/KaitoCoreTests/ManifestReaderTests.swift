import Foundation
import Testing

@testable import KaitoCore

@Suite struct ManifestReaderTests {
    private func single(_ yaml: String) throws -> JSONValue {
        let documents = try ManifestReader.documents(from: yaml)
        try #require(documents.count == 1)
        return documents[0].value
    }

    @Test(arguments: [
        ("a: 1", JSONValue.integer(1)),
        ("a: -17", .integer(-17)),
        ("a: 0x1F", .integer(31)),
        ("a: 0o17", .integer(15)),
        ("a: 017", .integer(15)),
        ("a: 1_000", .integer(1000)),
        ("a: 1.5", .double(1.5)),
        ("a: 1e3", .integer(1000)),
        ("a: 2.0", .integer(2)),
        ("a: -0.0", .integer(0)),
        ("a: .5", .double(0.5)),
        ("a: true", .bool(true)),
        ("a: yes", .bool(true)),
        ("a: On", .bool(true)),
        ("a: n", .bool(false)),
        ("a: off", .bool(false)),
        ("a: ~", .null),
        ("a: null", .null),
        ("a:", .null),
        ("a: \"1\"", .string("1")),
        ("a: 'true'", .string("true")),
        ("a: 1.0.3", .string("1.0.3")),
        ("a: 2024-09-06T10:00:00Z", .string("2024-09-06T10:00:00Z")),
        ("a: 2024-09-06", .string("2024-09-06")),
        ("a: Standard_NC12s_v3", .string("Standard_NC12s_v3")),
        ("a: 0.0.6", .string("0.0.6")),
        ("a: !!str 12", .string("12")),
        ("a: |\n  line one\n  line two\n", .string("line one\nline two\n")),
    ])
    func scalarsResolveLikeSigsYAML(yaml: String, expected: JSONValue) throws {
        #expect(try single(yaml) == ["a": expected])
    }

    @Test func jsonIsYAML() throws {
        let value = try single(#"{"kind": "Workspace", "resource": {"count": 2, "preferredNodes": ["a", "b"]}}"#)
        #expect(value == ["kind": "Workspace", "resource": ["count": 2, "preferredNodes": ["a", "b"]]])
    }

    @Test func multiDocumentStreamsSkipEmptyDocuments() throws {
        let documents = try ManifestReader.documents(from: "---\na: 1\n---\n---\nb: 2\n---\n")
        #expect(documents.map(\.value) == [["a": 1], ["b": 2]])
        #expect(documents.map(\.index) == [0, 2])
    }

    @Test func aliasesAreExpanded() throws {
        let value = try single("base: &labels {apps: x}\ncopy: *labels\n")
        #expect(value["copy"] == ["apps": "x"])
    }

    @Test func duplicateKeysAreRejectedWithPosition() throws {
        let error = try #require(throws: ManifestReadError.self) {
            try ManifestReader.documents(from: "metadata:\n  name: a\n  name: b\n")
        }
        #expect(
            error.message
                == "malformed YAML: key \"name\" appears more than once in the mapping that starts here; keep one of each")
        #expect(error.line == 2)
        #expect(error.description.hasPrefix("line 2, column 3: "))
    }

    @Test func malformedYAMLNamesLineAndColumn() throws {
        let error = try #require(throws: ManifestReadError.self) {
            try ManifestReader.documents(from: "kind: Workspace\nresource:\n  count: [1, 2\n")
        }
        #expect(error.message.hasPrefix("malformed YAML: "))
        #expect(error.line != nil)
        #expect(error.column != nil)
    }

    @Test func invalidUTF8IsRejectedWithOffset() throws {
        let data = Data("kind: W".utf8) + Data([0xFF, 0xFE]) + Data("orkspace".utf8)
        let error = try #require(throws: ManifestReadError.self) { try ManifestReader.documents(from: data) }
        #expect(error.message == "input is not valid UTF-8 (first bad byte at offset 7); save the file as UTF-8")
    }

    @Test func oversizedInputIsRejectedBeforeParsing() throws {
        let data = Data(repeating: UInt8(ascii: "#"), count: ManifestReader.maximumSize + 1)
        let error = try #require(throws: ManifestReadError.self) { try ManifestReader.documents(from: data) }
        #expect(error.message.contains("over the 10 MiB limit"))
    }

    @Test func yamlWriterRoundTripsAmbiguousStrings() throws {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "Thing", "status": ["ok": true],
            "metadata": ["name": "x", "annotations": ["kaito.sh/enablelb": "True"]],
            "strings": ["true", "1.0", "", "null", "yes", "0x10", "plain", "two words", "a: b", "- dash"],
            "numbers": [1, 2.5, -3], "nothing": nil,
        ]
        let text = try YAMLWriter.string(from: value)
        #expect(try single(text) == value)
        let keys = text.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("-") }
            .map { $0.split(separator: ":")[0] }
        #expect(keys == ["apiVersion", "kind", "metadata", "nothing", "numbers", "status", "strings"])
    }
}

import Foundation
internal import Yams

/// Writes JSON values as block-style YAML that reads back to the same JSON.
///
/// Keys are sorted, as `kubectl get -o yaml` writes them (which puts `apiVersion`, `kind` and `metadata` of an
/// object before `spec` and `status`). Strings that YAML would read as something else (`"true"`, `"1.0"`, `""`)
/// are quoted, and so is a `<<` key (plain, it would be a merge key).
public enum YAMLWriter {
    /// YAML text for one value, ending in a newline.
    public static func string(from value: JSONValue) throws -> String {
        try Yams.serialize(node: node(for: value), indent: 2, width: -1, allowUnicode: true)
    }

    /// A multi-document stream: each document starts with `---`.
    public static func stream(from values: [JSONValue]) throws -> String {
        try values.map { "---\n" + (try string(from: $0)) }.joined()
    }

    private static func node(for value: JSONValue) -> Node {
        switch value {
        case .null:
            return Node("null", .init(.null), .plain)
        case .bool(let flag):
            return Node(flag ? "true" : "false", .init(.bool), .plain)
        case .integer(let number):
            return Node(String(number), .init(.int), .plain)
        case .double(let number):
            return Node(formatDouble(number), .init(.float), .plain)
        case .string(let text):
            let needsQuotes = ManifestReader.resolvePlain(text) != .string(text)
            return Node(text, .init(.str), needsQuotes ? .doubleQuoted : .any)
        case .array(let items):
            return Node(items.map { node(for: $0) }, .init(.seq), .block)
        case .object(let object):
            let pairs = object.keys.sorted().map { key in
                // A plain `<<` key is a merge key; quoted, it is the key "<<".
                (
                    key == "<<" ? Node(key, .init(.str), .doubleQuoted) : node(for: .string(key)),
                    node(for: object[key] ?? .null)
                )
            }
            return Node(pairs, .init(.map), .block)
        }
    }

    private static func formatDouble(_ number: Double) -> String {
        if number.isNaN { return ".nan" }
        if number.isInfinite { return number < 0 ? "-.inf" : ".inf" }
        if number == number.rounded(), abs(number) < 1e15 { return String(format: "%.1f", number) }
        return "\(number)"
    }
}

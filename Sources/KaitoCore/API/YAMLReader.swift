public import Foundation
internal import Yams

/// One document of a YAML or JSON stream, converted to JSON the way `kubectl` converts it.
public struct ManifestDocument: Sendable, Hashable {
    /// Zero-based position of the document in its stream.
    public var index: Int
    /// The document's content as JSON.
    public var value: JSONValue
    /// One-based line where the document starts, when known.
    public var line: Int?
}

/// Where in a file an error happened: the file, the document and the field path.
public struct ManifestLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name as the user gave it (`-` for standard input).
    public var file: String
    /// Zero-based document index, shown only for multi-document streams.
    public var documentIndex: Int?
    /// Dotted field path, such as `resource.count` or `inference.adapters[0].strength`.
    public var fieldPath: String?

    /// Creates a location.
    public init(file: String, documentIndex: Int? = nil, fieldPath: String? = nil) {
        self.file = file
        self.documentIndex = documentIndex
        self.fieldPath = fieldPath
    }

    /// `FILE[:docN][: field.path]`, the prefix of every diagnostic line.
    public var description: String {
        var text = file
        if let documentIndex { text += ":doc\(documentIndex + 1)" }
        if let fieldPath, !fieldPath.isEmpty { text += ": \(fieldPath)" }
        return text
    }
}

/// Why a manifest stream could not be read.
public struct ManifestReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, already phrased for a user.
    public var message: String
    /// One-based line of the problem, when the parser knows it.
    public var line: Int?
    /// One-based column of the problem, when the parser knows it.
    public var column: Int?

    /// Creates an error.
    public init(message: String, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.line = line
        self.column = column
    }

    /// `line L, column C: message`.
    public var description: String {
        guard let line else { return message }
        if let column { return "line \(line), column \(column): \(message)" }
        return "line \(line): \(message)"
    }
}

/// Reads YAML and JSON manifests with Kubernetes semantics.
///
/// YAML is converted to JSON first, as `sigs.k8s.io/yaml` does: plain scalars resolve to null,
/// booleans (including YAML 1.1 `yes`/`no`/`on`/`off`), integers and floats (whole floats such as `2.0`
/// become integers, as they do through Go's JSON encoding); everything else,
/// timestamps included, stays a string. Anchors and aliases are expanded. Duplicate mapping keys and
/// non-scalar keys are errors, as in `kubectl --validate=strict`. Empty documents (such as a trailing
/// `---`) are skipped.
public enum ManifestReader {
    /// Largest input accepted, in bytes (10 MiB).
    public static let maximumSize = 10 * 1024 * 1024

    /// Splits and converts a YAML or JSON stream into documents.
    /// - Throws: ``ManifestReadError`` for invalid UTF-8, an oversized input or malformed YAML.
    public static func documents(from data: Data) throws -> [ManifestDocument] {
        guard data.count <= maximumSize else {
            throw ManifestReadError(
                message: "input is \(data.count) bytes, over the 10 MiB limit for a manifest; split it into smaller files")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let offset = firstInvalidUTF8Offset(in: data)
            throw ManifestReadError(
                message: "input is not valid UTF-8 (first bad byte at offset \(offset)); save the file as UTF-8")
        }
        return try documents(from: text)
    }

    /// Splits and converts a YAML or JSON text into documents.
    public static func documents(from text: String) throws -> [ManifestDocument] {
        var result: [ManifestDocument] = []
        do {
            let parser = try Parser(yaml: text)
            var index = 0
            while let node = try parser.nextRoot() {
                defer { index += 1 }
                let value = try convert(node)
                if value == .null { continue }
                result.append(ManifestDocument(index: index, value: value, line: node.mark.map { $0.line }))
            }
        } catch let error as YamlError {
            throw readError(from: error)
        }
        return result
    }

    private static func readError(from error: YamlError) -> ManifestReadError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "malformed YAML: \(problem)"
            if let context { message += " (\(context.text))" }
            return ManifestReadError(message: message, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            let what = duplicates.count == 1 ? "key \(keys) appears" : "keys \(keys) appear"
            return ManifestReadError(
                message: "malformed YAML: \(what) more than once in the mapping that starts here; keep one of each",
                line: context.mark.line, column: context.mark.column)
        case .reader(let problem, _, _, _):
            return ManifestReadError(message: "malformed YAML: \(problem)")
        default:
            return ManifestReadError(message: "malformed YAML: \(error)")
        }
    }

    private static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return resolve(scalar)
        case .alias:
            // The composer expands aliases in place; an unexpanded one means the anchor was never defined.
            throw ManifestReadError(
                message: "malformed YAML: alias to an undefined anchor", line: node.mark?.line, column: node.mark?.column)
        case .sequence(let sequence):
            return .array(try sequence.map(convert))
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                let mark = keyNode.mark
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ManifestReadError(
                        message: "malformed YAML: a mapping key must be a string, not a list or map",
                        line: mark?.line, column: mark?.column)
                }
                // Yams' parser has already rejected duplicate keys.
                object[keyScalar.string] = try convert(valueNode)
            }
            return .object(object)
        }
    }

    /// Resolves a scalar the way go-yaml v2 (behind `sigs.k8s.io/yaml`) does.
    static func resolve(_ scalar: Node.Scalar) -> JSONValue {
        let text = scalar.string
        switch scalar.tag.description {
        case "tag:yaml.org,2002:str": return .string(text)
        case "tag:yaml.org,2002:null": return .null
        default: break
        }
        guard scalar.style == .plain else { return .string(text) }
        return resolvePlain(text)
    }

    static func resolvePlain(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        if let integer = parseInteger(cleaned) { return .integer(integer) }
        if isFloat(cleaned), let double = Double(cleaned) {
            // sigs.k8s.io/yaml writes float64(2) as the JSON number 2, so `count: 2.0` is an integer.
            if double == double.rounded(), abs(double) < 9e18 { return .integer(Int64(double)) }
            return .double(double)
        }
        return .string(text)
    }

    private static func parseInteger(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let radix: Int
        if body.hasPrefix("0x") {
            radix = 16; body = body.dropFirst(2)
        } else if body.hasPrefix("0b") {
            radix = 2; body = body.dropFirst(2)
        } else if body.hasPrefix("0o") {
            radix = 8; body = body.dropFirst(2)
        } else if body.count > 1, body.hasPrefix("0"), body.allSatisfy({ ("0"..."7").contains($0) }) {
            radix = 8; body = body.dropFirst()
        } else {
            radix = 10
        }
        guard !body.isEmpty, let magnitude = Int64(body, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    private static func isFloat(_ text: String) -> Bool {
        // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        var characters = Substring(text)
        if characters.first == "-" || characters.first == "+" { characters = characters.dropFirst() }
        let mantissaEnd = characters.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? characters.endIndex
        let mantissa = characters[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !mantissa.isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        guard parts.contains(where: { !$0.isEmpty }) else { return false }
        if parts.count == 2, parts[0].isEmpty, parts[1].isEmpty { return false }
        if mantissaEnd != characters.endIndex {
            var exponent = characters[characters.index(after: mantissaEnd)...]
            if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
            return !exponent.isEmpty && exponent.allSatisfy(\.isASCIIDigit)
        }
        return true
    }

    private static func firstInvalidUTF8Offset(in data: Data) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput, .error: return offset
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

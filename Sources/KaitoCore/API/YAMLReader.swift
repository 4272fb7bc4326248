public import Foundation

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

/// Bounds on what ``ManifestReader`` accepts, so that a hostile file cannot exhaust memory or time.
///
/// The defaults admit every real manifest (the largest CRD in `deploy/` uses a few percent of each) and
/// refuse what Kubernetes' own YAML decoder refuses: alias expansion is bounded by the same ratio of
/// expanded to decoded nodes that go-yaml uses ("document contains excessive aliasing"), with an absolute
/// cap on decoded nodes on top.
public struct ManifestLimits: Sendable, Hashable {
    /// Which limit a document exceeded.
    public enum Limit: String, Sendable, Hashable {
        /// ``ManifestLimits/maximumBytes``.
        case bytes
        /// ``ManifestLimits/maximumDocuments``.
        case documents
        /// ``ManifestLimits/maximumDepth`` (or libyaml's own nesting cap of 1000).
        case depth
        /// ``ManifestLimits/maximumNodes``.
        case nodes
        /// go-yaml's ratio of alias-expanded to decoded nodes.
        case aliasing
    }

    /// Largest input, in bytes.
    public var maximumBytes: Int
    /// Most documents in one stream, empty ones included.
    public var maximumDocuments: Int
    /// Deepest nesting of lists and maps. libyaml stops at 1000 levels whatever this says.
    public var maximumDepth: Int
    /// Most YAML nodes decoded from one stream, counting every node of every alias expansion, as go-yaml
    /// counts them.
    public var maximumNodes: Int

    /// Creates limits; every parameter defaults to the value of ``standard``.
    public init(
        maximumBytes: Int = 10 * 1024 * 1024,
        maximumDocuments: Int = 10_000,
        maximumDepth: Int = 512,
        maximumNodes: Int = 2_000_000
    ) {
        self.maximumBytes = maximumBytes
        self.maximumDocuments = maximumDocuments
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
    }

    /// 10 MiB, 10,000 documents, 512 levels, 2,000,000 nodes.
    public static let standard = ManifestLimits()
}

/// Why a manifest stream could not be read.
public struct ManifestReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, already phrased for a user.
    public var message: String
    /// One-based line of the problem, when the parser knows it.
    public var line: Int?
    /// One-based column of the problem, when the parser knows it.
    public var column: Int?
    /// Zero-based index of the document the problem is in, when it is inside one.
    public var documentIndex: Int?
    /// The limit the input exceeded, when that is the problem.
    public var limit: ManifestLimits.Limit?

    /// Creates an error.
    public init(
        message: String, line: Int? = nil, column: Int? = nil, documentIndex: Int? = nil,
        limit: ManifestLimits.Limit? = nil
    ) {
        self.message = message
        self.line = line
        self.column = column
        self.documentIndex = documentIndex
        self.limit = limit
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
/// timestamps included, stays a string. Anchors and aliases are expanded, and merge keys (`<<: *base`)
/// merge as go-yaml v2 merges them. Duplicate mapping keys and non-scalar keys are errors, as in
/// `kubectl --validate=strict`. Empty documents (such as a trailing `---`) are skipped.
///
/// Every input is bounded by ``ManifestLimits``: a YAML "billion laughs" file, a document nested
/// thousands of levels deep or a stream of millions of documents fails fast with one line naming the
/// limit, in time and memory proportional to the limits, never to the expansion.
public enum ManifestReader {
    /// Largest input accepted by default, in bytes (10 MiB).
    public static let maximumSize = ManifestLimits.standard.maximumBytes

    /// Splits and converts a YAML or JSON stream into documents.
    /// - Throws: ``ManifestReadError`` for invalid UTF-8, malformed YAML or input over `limits`.
    public static func documents(
        from data: Data, limits: ManifestLimits = .standard
    ) throws -> [ManifestDocument] {
        guard data.count <= limits.maximumBytes else {
            throw ManifestReadError(
                message: "input is \(data.count) bytes, over the \(byteCount(limits.maximumBytes)) limit for a "
                    + "manifest; split it into smaller files",
                limit: .bytes)
        }
        if let offset = firstInvalidUTF8Offset(in: data) {
            throw ManifestReadError(
                message: "input is not valid UTF-8 (first bad byte at offset \(offset)); save the file as UTF-8")
        }
        return try data.withUnsafeBytes { buffer in
            var composer = ManifestComposer(bytes: buffer, limits: limits)
            return try composer.documents()
        }
    }

    /// Splits and converts a YAML or JSON text into documents.
    /// - Throws: ``ManifestReadError`` for malformed YAML or input over `limits`.
    public static func documents(
        from text: String, limits: ManifestLimits = .standard
    ) throws -> [ManifestDocument] {
        try documents(from: Data(text.utf8), limits: limits)
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KiB" }
        return "\(bytes)-byte"
    }

    /// Resolves a scalar the way go-yaml v2 (behind `sigs.k8s.io/yaml`) does.
    ///
    /// - Parameters:
    ///   - text: The scalar's value.
    ///   - tag: Its explicit tag, expanded (`tag:yaml.org,2002:str` for `!!str`), or `nil`.
    ///   - isPlain: Whether it was written unquoted (not quoted, literal or folded).
    static func resolve(_ text: String, tag: String?, isPlain: Bool) -> JSONValue {
        switch tag {
        case "tag:yaml.org,2002:str", "!": return .string(text)
        case "tag:yaml.org,2002:null": return .null
        default: break
        }
        guard isPlain else { return .string(text) }
        return resolvePlain(text)
    }

    static func resolvePlain(_ text: String) -> JSONValue {
        // Fast paths for the common cases, decided by the first byte: most plain scalars are names (a string
        // unless a keyword) or small decimal integers.
        if let first = text.utf8.first {
            switch first {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if let integer = plainDecimal(text) { return .integer(integer) }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                // Keywords all start with one of these letters; other names are strings.
                if !"nNtTfFyYoO".utf8.contains(first) { return .string(text) }
            default:
                break
            }
        }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let cleaned = text.utf8.contains(UInt8(ascii: "_")) ? text.replacingOccurrences(of: "_", with: "") : text
        if let integer = parseInteger(cleaned) { return .integer(integer) }
        if isFloat(cleaned), let double = Double(cleaned) {
            // sigs.k8s.io/yaml writes float64(2) as the JSON number 2, so `count: 2.0` is an integer.
            if double == double.rounded(), abs(double) < 9e18 { return .integer(Int64(double)) }
            return .double(double)
        }
        return .string(text)
    }

    /// A decimal integer without sign, underscores or leading zero and under 19 digits, read byte by byte.
    private static func plainDecimal(_ text: String) -> Int64? {
        let zero = UInt8(ascii: "0")
        var value: Int64 = 0
        var count = 0
        for byte in text.utf8 {
            guard byte >= zero, byte <= zero + 9, count < 18 else { return nil }
            value = value * 10 + Int64(byte - zero)
            count += 1
        }
        if count > 1, text.utf8.first == zero { return nil }
        return value
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

    /// The offset of the first byte that is not valid UTF-8, or `nil` when all of `data` is.
    private static func firstInvalidUTF8Offset(in data: Data) -> Int? {
        // The standard library's validation is fast; the scalar-by-scalar walk only finds the offset.
        if String(validating: data, as: UTF8.self) != nil {
            return nil
        }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

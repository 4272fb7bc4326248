import Foundation
import KaitoCore

/// A JSON parser for request bodies that decodes as Go's `encoding/json` does where it matters to the API server:
/// of duplicate keys the last one wins, and every duplicate is reported by its path (`metadata.name`,
/// `spec.containers[0].image`), for `duplicate field "PATH"` warnings or a strict-decoding 400.
struct JSONBodyParser {
    struct Failure: Error {}

    private let bytes: [UInt8]
    private var index = 0
    private(set) var duplicates: [String] = []

    /// Parses `data`; `nil` when it is not one JSON value (the caller then reports the decoder's own error).
    static func parse(_ data: Data) -> (value: JSONValue, duplicates: [String])? {
        var parser = JSONBodyParser(bytes: Array(data))
        guard let value = try? parser.parseValue(path: ""), parser.skipWhitespace() == nil else { return nil }
        return (value, parser.duplicates)
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Skips whitespace and returns the next byte without consuming it, `nil` at the end.
    @discardableResult
    private mutating func skipWhitespace() -> UInt8? {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard skipWhitespace() == byte else { throw Failure() }
        index += 1
    }

    private mutating func parseValue(path: String) throws -> JSONValue {
        switch skipWhitespace() {
        case UInt8(ascii: "{")?: return try parseObject(path: path)
        case UInt8(ascii: "[")?: return try parseArray(path: path)
        case UInt8(ascii: "\"")?: return .string(try parseString())
        case UInt8(ascii: "t")?: return try literal("true", .bool(true))
        case UInt8(ascii: "f")?: return try literal("false", .bool(false))
        case UInt8(ascii: "n")?: return try literal("null", .null)
        case .some: return try parseNumber()
        case nil: throw Failure()
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw Failure()
        }
        index += expected.count
        return value
    }

    private mutating func parseObject(path: String) throws -> JSONValue {
        try expect(UInt8(ascii: "{"))
        var members: [String: JSONValue] = [:]
        if skipWhitespace() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard skipWhitespace() == UInt8(ascii: "\"") else { throw Failure() }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            let value = try parseValue(path: childPath)
            if members[key] != nil { duplicates.append(childPath) }
            members[key] = value
            switch skipWhitespace() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "}")?:
                index += 1
                return .object(members)
            default: throw Failure()
            }
        }
    }

    private mutating func parseArray(path: String) throws -> JSONValue {
        try expect(UInt8(ascii: "["))
        var items: [JSONValue] = []
        if skipWhitespace() == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try parseValue(path: "\(path)[\(items.count)]"))
            switch skipWhitespace() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "]")?:
                index += 1
                return .array(items)
            default: throw Failure()
            }
        }
    }

    private mutating func parseString() throws -> String {
        try expect(UInt8(ascii: "\""))
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(bytes: scalars, encoding: .utf8) else { throw Failure() }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Failure() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Failure() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // Go replaces unpaired surrogates with U+FFFD.
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw Failure()
                }
            case 0x00..<0x20:
                throw Failure()
            default:
                scalars.append(byte)
            }
        }
        throw Failure()
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count, let text = String(bytes: bytes[index..<index + 4], encoding: .ascii),
            let value = UInt32(text, radix: 16)
        else { throw Failure() }
        index += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                index += 1
            } else if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")]
                .contains(byte)
            {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        guard let text = String(bytes: bytes[start..<index], encoding: .ascii), !text.isEmpty, text != "-" else {
            throw Failure()
        }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if digits.count > 1, digits.hasPrefix("0"), digits.dropFirst().first?.isNumber == true { throw Failure() }
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw Failure() }
        return .double(value)
    }
}

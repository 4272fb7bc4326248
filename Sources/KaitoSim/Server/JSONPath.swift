import Foundation
import KaitoCore

/// The subset of Kubernetes JSONPath that printer columns use: `.field`, `['field']`, `[n]`, `[*]`, `.*`,
/// `..field` and filters such as `[?(@.type=="Ready")]` (with `==`, `!=`, `<`, `<=`, `>`, `>=`, or existence).
struct JSONPath: Sendable {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    enum Comparison: String, Sendable {
        case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"
    }

    indirect enum Step: Sendable {
        case field(String)
        case recursive(String)
        case index(Int)
        case wildcard
        case filter(path: [Step], comparison: Comparison?, value: JSONValue?)
    }

    let steps: [Step]

    /// Parses a path such as `.status.conditions[?(@.type=="Ready")].status` (surrounding `{}` allowed).
    init(_ text: String) throws {
        var body = text.trimmingCharacters(in: .whitespaces)
        if body.hasPrefix("{"), body.hasSuffix("}") { body = String(body.dropFirst().dropLast()) }
        if body.hasPrefix("$") { body.removeFirst() }
        var parser = Parser(characters: Array(body))
        steps = try parser.parseSteps(until: nil)
    }

    /// Every value the path selects in `root`, in document order.
    func evaluate(_ root: JSONValue) -> [JSONValue] {
        Self.apply(steps, to: [root])
    }

    private static func apply(_ steps: [Step], to start: [JSONValue]) -> [JSONValue] {
        var current = start
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .field(let name):
                    if let member = value[name] { next.append(member) }
                case .recursive(let name):
                    collect(name, in: value, into: &next)
                case .index(let index):
                    guard let items = value.arrayValue else { continue }
                    let resolved = index < 0 ? items.count + index : index
                    if items.indices.contains(resolved) { next.append(items[resolved]) }
                case .wildcard:
                    if let items = value.arrayValue {
                        next += items
                    } else if let members = value.objectValue {
                        next += members.keys.sorted().compactMap { members[$0] }
                    }
                case .filter(let path, let comparison, let expected):
                    let items = value.arrayValue ?? [value]
                    for item in items where matches(item, path: path, comparison: comparison, expected: expected) {
                        next.append(item)
                    }
                }
            }
            current = next
        }
        return current
    }

    private static func collect(_ name: String, in value: JSONValue, into results: inout [JSONValue]) {
        switch value {
        case .object(let members):
            if let member = members[name] { results.append(member) }
            for key in members.keys.sorted() {
                if let member = members[key] { collect(name, in: member, into: &results) }
            }
        case .array(let items):
            for item in items { collect(name, in: item, into: &results) }
        default:
            break
        }
    }

    private static func matches(
        _ item: JSONValue, path: [Step], comparison: Comparison?, expected: JSONValue?
    ) -> Bool {
        let found = apply(path, to: [item])
        guard let comparison, let expected else { return !found.isEmpty }
        guard let actual = found.first else { return false }
        switch comparison {
        case .equal: return actual.isSemanticallyEqual(to: expected)
        case .notEqual: return !actual.isSemanticallyEqual(to: expected)
        default:
            guard let left = number(actual), let right = number(expected) else { return false }
            switch comparison {
            case .less: return left < right
            case .lessOrEqual: return left <= right
            case .greater: return left > right
            default: return left >= right
            }
        }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// A value as JSONPath's text output prints it: strings bare, other scalars as Go prints them, lists and
    /// objects as JSON.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number):
            return number == number.rounded() && abs(number) < 1e21
                ? String(Int64(number))
                : String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "<nil>"
        case .array, .object: return JSONText.string(from: value)
        }
    }

    private struct Parser {
        var characters: [Character]
        var position = 0

        var atEnd: Bool { position >= characters.count }
        var current: Character? { atEnd ? nil : characters[position] }

        mutating func parseSteps(until terminator: Character?) throws -> [Step] {
            var steps: [Step] = []
            while let character = current {
                if let terminator, character == terminator || isComparisonStart(character) { break }
                if character == " " && terminator != nil { break }
                switch character {
                case "@":
                    position += 1
                case ".":
                    position += 1
                    if current == "." {
                        position += 1
                        steps.append(.recursive(readName()))
                    } else if current == "*" {
                        position += 1
                        steps.append(.wildcard)
                    } else if current == "[" || current == nil {
                        continue
                    } else {
                        let name = readName()
                        guard !name.isEmpty else { throw ParseError(description: "empty field name") }
                        steps.append(.field(name))
                    }
                case "[":
                    position += 1
                    steps.append(try parseBracket())
                default:
                    throw ParseError(description: "unexpected \"\(character)\" in JSONPath")
                }
            }
            return steps
        }

        func isComparisonStart(_ character: Character) -> Bool {
            ["=", "!", "<", ">", ")"].contains(character)
        }

        mutating func readName() -> String {
            var name = ""
            while let character = current, character != ".", character != "[", character != " ",
                character != ")", !isComparisonStart(character)
            {
                if character == "\\", position + 1 < characters.count {
                    name.append(characters[position + 1])
                    position += 2
                    continue
                }
                name.append(character)
                position += 1
            }
            return name
        }

        mutating func parseBracket() throws -> Step {
            skipSpaces()
            switch current {
            case "*":
                position += 1
                try expect("]")
                return .wildcard
            case "'", "\"":
                let name = try readQuoted()
                try expect("]")
                return .field(name)
            case "?":
                position += 1
                try expect("(")
                skipSpaces()
                let path = try parseSteps(until: ")")
                skipSpaces()
                var comparison: Comparison?
                var value: JSONValue?
                if current != ")" {
                    comparison = try readComparison()
                    skipSpaces()
                    value = try readLiteral()
                    skipSpaces()
                }
                try expect(")")
                try expect("]")
                return .filter(path: path, comparison: comparison, value: value)
            default:
                var digits = ""
                while let character = current, character == "-" || character.isNumber {
                    digits.append(character)
                    position += 1
                }
                guard let index = Int(digits) else { throw ParseError(description: "unsupported JSONPath subscript") }
                try expect("]")
                return .index(index)
            }
        }

        mutating func readComparison() throws -> Comparison {
            for comparison in [Comparison.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater] {
                let symbol = Array(comparison.rawValue)
                if position + symbol.count <= characters.count,
                    Array(characters[position..<(position + symbol.count)]) == symbol
                {
                    position += symbol.count
                    return comparison
                }
            }
            throw ParseError(description: "unsupported JSONPath filter operator")
        }

        mutating func readLiteral() throws -> JSONValue {
            if current == "'" || current == "\"" { return .string(try readQuoted()) }
            var text = ""
            while let character = current, character != ")", character != " " {
                text.append(character)
                position += 1
            }
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "nil", "null": return .null
            default:
                if let integer = Int64(text) { return .integer(integer) }
                if let double = Double(text) { return .double(double) }
                throw ParseError(description: "unsupported JSONPath literal \(text)")
            }
        }

        mutating func readQuoted() throws -> String {
            guard let quote = current else { throw ParseError(description: "missing quote") }
            position += 1
            var text = ""
            while let character = current, character != quote {
                if character == "\\", position + 1 < characters.count {
                    text.append(characters[position + 1])
                    position += 2
                    continue
                }
                text.append(character)
                position += 1
            }
            try expect(quote)
            return text
        }

        mutating func expect(_ character: Character) throws {
            skipSpaces()
            guard current == character else { throw ParseError(description: "expected \"\(character)\" in JSONPath") }
            position += 1
        }

        mutating func skipSpaces() {
            while current == " " { position += 1 }
        }
    }
}

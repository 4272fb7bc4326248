import KaitoCore

/// A parsed label selector in the string syntax of list and watch requests (`labels.Parse`):
/// `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, `key>1`, `key<1`,
/// joined by commas (all must hold).
public struct LabelQuery: Sendable, Hashable {
    /// A label requirement operator.
    public enum Operator: String, Sendable, Hashable {
        /// `=` or `==`: present with this value.
        case equals = "="
        /// `!=`: absent or with another value.
        case notEquals = "!="
        /// `in`: present with one of the values.
        case `in`
        /// `notin`: absent or with none of the values.
        case notIn = "notin"
        /// `key`: present.
        case exists
        /// `!key`: absent.
        case doesNotExist = "!"
        /// `>`: present with an integer value greater than the one given.
        case greaterThan = ">"
        /// `<`: present with an integer value less than the one given.
        case lessThan = "<"
    }

    /// One requirement.
    public struct Requirement: Sendable, Hashable {
        /// The label key.
        public var key: String
        /// The operator.
        public var `operator`: Operator
        /// The values (one for `=`, `!=`, `>`, `<`; a set for `in`, `notin`; none otherwise).
        public var values: [String]

        /// Whether a label set satisfies the requirement.
        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch `operator` {
            case .equals: return value == values.first
            case .notEquals: return value != values.first
            case .in: return value.map(values.contains) ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let actual = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else {
                    return false
                }
                return `operator` == .greaterThan ? actual > bound : actual < bound
            }
        }
    }

    /// The requirements; empty matches everything.
    public var requirements: [Requirement]

    /// A selector that matches everything.
    public static let everything = LabelQuery(requirements: [])

    /// Creates a selector from requirements.
    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// Parses the string syntax; `nil` or blank matches everything.
    /// - Throws: ``APIError`` 400 BadRequest for a syntax error or an invalid key or value.
    public init(parsing text: String?) throws {
        guard let text, !text.allSatisfy(\.isWhitespace) else {
            self = .everything
            return
        }
        var parser = LabelSelectorParser(text: text)
        self.init(requirements: try parser.parse())
    }

    /// Whether a label set satisfies every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }
}

private struct LabelSelectorParser {
    enum Token: Equatable {
        case identifier(String)
        case not, equals, doubleEquals, notEquals, open, close, comma, greater, less, end

        var text: String {
            switch self {
            case .identifier(let text): text
            case .not: "!"
            case .equals: "="
            case .doubleEquals: "=="
            case .notEquals: "!="
            case .open: "("
            case .close: ")"
            case .comma: ","
            case .greater: ">"
            case .less: "<"
            case .end: "EOS"
            }
        }
    }

    private var tokens: [Token] = []
    private var position = 0

    init(text: String) {
        tokens = Self.lex(text)
    }

    private static func lex(_ text: String) -> [Token] {
        var result: [Token] = []
        var characters = Array(text)[...]
        let special: Set<Character> = ["!", "=", "(", ")", ",", ">", "<"]
        while let character = characters.first {
            if character.isWhitespace {
                characters = characters.dropFirst()
                continue
            }
            switch character {
            case "!":
                if characters.dropFirst().first == "=" {
                    result.append(.notEquals)
                    characters = characters.dropFirst(2)
                } else {
                    result.append(.not)
                    characters = characters.dropFirst()
                }
            case "=":
                if characters.dropFirst().first == "=" {
                    result.append(.doubleEquals)
                    characters = characters.dropFirst(2)
                } else {
                    result.append(.equals)
                    characters = characters.dropFirst()
                }
            case "(": result.append(.open); characters = characters.dropFirst()
            case ")": result.append(.close); characters = characters.dropFirst()
            case ",": result.append(.comma); characters = characters.dropFirst()
            case ">": result.append(.greater); characters = characters.dropFirst()
            case "<": result.append(.less); characters = characters.dropFirst()
            default:
                let word = characters.prefix { !$0.isWhitespace && !special.contains($0) }
                result.append(.identifier(String(word)))
                characters = characters.dropFirst(word.count)
            }
        }
        result.append(.end)
        return result
    }

    private var current: Token { tokens[min(position, tokens.count - 1)] }

    private mutating func next() -> Token {
        let token = current
        position += 1
        return token
    }

    private func failure(_ detail: String) -> APIError {
        APIError.badRequest("unable to parse requirement: \(detail)")
    }

    mutating func parse() throws -> [LabelQuery.Requirement] {
        var requirements: [LabelQuery.Requirement] = []
        while true {
            requirements.append(try parseRequirement())
            switch next() {
            case .end: return requirements
            case .comma: continue
            case let token: throw failure("found '\(token.text)', expected: ',' or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws -> LabelQuery.Requirement {
        var token = next()
        var negated = false
        if token == .not {
            negated = true
            token = next()
        }
        guard case .identifier(let key) = token else {
            throw failure("found '\(token.text)', expected: identifier")
        }
        try validateKey(key)
        if negated { return LabelQuery.Requirement(key: key, operator: .doesNotExist, values: []) }
        switch current {
        case .end, .comma:
            return LabelQuery.Requirement(key: key, operator: .exists, values: [])
        default: break
        }
        let operatorToken = next()
        let op: LabelQuery.Operator
        switch operatorToken {
        case .equals, .doubleEquals: op = .equals
        case .notEquals: op = .notEquals
        case .greater: op = .greaterThan
        case .less: op = .lessThan
        case .identifier("in"): op = .in
        case .identifier("notin"): op = .notIn
        default:
            throw failure(
                "found '\(operatorToken.text)', expected: in, notin, =, ==, !=, gt, lt")
        }
        var values: [String] = []
        if op == .in || op == .notIn {
            guard next() == .open else { throw failure("found '\(current.text)', expected: '('") }
            if current == .close {
                throw failure("for 'in', 'notin' operators, values set can't be empty")
            }
            var expectingValue = true
            valueLoop: while true {
                let token = next()
                switch token {
                case .identifier(let value) where expectingValue:
                    values.append(value)
                    expectingValue = false
                case .comma:
                    if expectingValue { values.append("") }
                    expectingValue = true
                case .close:
                    if expectingValue { values.append("") }
                    break valueLoop
                default:
                    throw failure("found '\(token.text)', expected: ',', ')' or identifier")
                }
            }
        } else if case .identifier(let value) = current {
            position += 1
            values = [value]
        } else {
            values = [""]
        }
        for value in values {
            try validateValue(value, key: key)
        }
        if op == .greaterThan || op == .lessThan, Int64(values[0]) == nil {
            throw failure(
                "for 'Gt', 'Lt' operators, the value must be an integer: strconv.ParseInt: parsing "
                    + "\"\(values[0])\": invalid syntax")
        }
        return LabelQuery.Requirement(key: key, operator: op, values: values)
    }

    private func validateKey(_ key: String) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name = parts.last.map(String.init) ?? ""
        let validPrefix = parts.count == 1 || (parts.count == 2 && NameRules.isDNS1123Subdomain(String(parts[0])))
        guard parts.count <= 2, validPrefix, LabelText.isQualifiedNamePart(name) else {
            throw failure(
                "key: Invalid value: \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.', "
                    + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                    + "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        }
    }

    private func validateValue(_ value: String, key: String) throws {
        guard value.isEmpty || LabelText.isQualifiedNamePart(value) else {
            throw failure(
                "values[0][\(key)]: Invalid value: \"\(value)\": a valid label must be an empty string or consist of "
                    + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    + "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                    + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        }
    }
}

enum LabelText {
    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters.
    static func isQualifiedNamePart(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 63, let first = bytes.first, let last = bytes.last,
            isAlphanumeric(first), isAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// A parsed field selector (`fields.ParseSelector`): `field=value`, `field==value`, `field!=value`, joined by
/// commas; `\,`, `\=` and `\\` escape those characters in values.
public struct FieldQuery: Sendable, Hashable {
    /// One requirement.
    public struct Requirement: Sendable, Hashable {
        /// The field name, such as `metadata.name`.
        public var field: String
        /// Whether the value must differ (`!=`) rather than equal.
        public var negated: Bool
        /// The value.
        public var value: String
    }

    /// The requirements; empty matches everything.
    public var requirements: [Requirement]

    /// A selector that matches everything.
    public static let everything = FieldQuery(requirements: [])

    init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// Parses the string syntax; `nil` or blank matches everything.
    /// - Throws: ``APIError`` 400 BadRequest for a term without an operator.
    public init(parsing text: String?) throws {
        guard let text, !text.allSatisfy(\.isWhitespace) else {
            self = .everything
            return
        }
        var requirements: [Requirement] = []
        for term in Self.splitUnescaped(text, on: ",") {
            let characters = Array(term)
            var index = 0
            var parsed: Requirement?
            while index < characters.count {
                if characters[index] == "\\" {
                    index += 2
                    continue
                }
                let rest = String(characters[index...])
                let field = String(characters[..<index]).trimmingWhitespace()
                for (symbol, negated) in [("!=", true), ("==", false), ("=", false)] where rest.hasPrefix(symbol) {
                    let value = Self.unescape(String(rest.dropFirst(symbol.count)))
                    parsed = Requirement(field: field, negated: negated, value: value)
                    break
                }
                if parsed != nil { break }
                index += 1
            }
            guard let parsed else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            requirements.append(parsed)
        }
        self.init(requirements: requirements)
    }

    /// Whether the field values of an object satisfy every requirement.
    func matches(_ fieldValue: (String) -> String) -> Bool {
        requirements.allSatisfy { ($0.negated) != (fieldValue($0.field) == $0.value) }
    }

    private static func splitUnescaped(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaping = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
            } else if character == "\\" {
                current.append(character)
                escaping = true
            } else if character == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    private static func unescape(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                result.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}

/// Label and field selection for one resource: checks the field names it may select on.
struct Selection {
    var labels: LabelQuery
    var fields: FieldQuery
    var selectableFields: [String: [String]]

    init(descriptor: ResourceDescriptor, labelSelector: String?, fieldSelector: String?) throws {
        labels = try LabelQuery(parsing: labelSelector)
        fields = try FieldQuery(parsing: fieldSelector)
        selectableFields = descriptor.selectableFields
        for requirement in fields.requirements {
            let name = requirement.field
            guard name != "metadata.name", name != "metadata.namespace", selectableFields[name] == nil else {
                continue
            }
            if descriptor.isCustomResource {
                let known = ["metadata.name", "metadata.namespace"] + selectableFields.keys.sorted()
                throw APIError.badRequest(
                    "\"\(name)\" is not a known field selector: only "
                        + known.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            throw APIError.badRequest("field label not supported: \(name)")
        }
    }

    var isEverything: Bool { labels.requirements.isEmpty && fields.requirements.isEmpty }

    func matches(_ object: [String: JSONValue]) -> Bool {
        let accessor = ObjectAccessor(object)
        guard labels.matches(accessor.labels) else { return false }
        return fields.matches { name in
            switch name {
            case "metadata.name": return accessor.name
            case "metadata.namespace": return accessor.namespace
            default:
                guard let path = selectableFields[name] else { return "" }
                switch JSONValue.object(object).value(at: path) {
                case .string(let text)?: return text
                case .bool(let flag)?: return flag ? "true" : "false"
                case .integer(let number)?: return String(number)
                case .double(let number)?: return String(number)
                default: return ""
                }
            }
        }
    }
}

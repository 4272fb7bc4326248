import Foundation

/// A CEL token.
struct CELToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case int(String)
        case uint(String)
        case double(String)
        /// A string literal's raw text (quotes, prefix and escapes still in it).
        case string(String)
        case bytes(String)
        case identifier(String)
        case punct(String)
        case eof
    }

    var kind: Kind
    /// Offset (in Unicode scalars) of the token's first character.
    var offset: Int
    /// The source text of the token.
    var text: String

    /// How ANTLR names the token in syntax errors (`'<EOF>'`, `'+'`, `'foo'`).
    var display: String {
        if case .eof = kind { return "<EOF>" }
        return text
    }
}

/// Splits CEL source into tokens, following the lexer rules of cel-go's `CEL.g4`.
struct CELLexer {
    let source: CELSource
    private var position = 0

    init(source: CELSource) {
        self.source = source
    }

    private var scalars: [Unicode.Scalar] { source.scalars }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let index = position + ahead
        return index < scalars.count ? scalars[index] : nil
    }

    private func text(from start: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<position])
        return String(view)
    }

    private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar)
    }

    private static func isHex(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return isDigit(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }

    private static func isLetter(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    /// All tokens up to and including `.eof`.
    /// - Throws: ``CELIssue`` for a character no token starts with (`token recognition error at: '#'`).
    mutating func tokenize() throws(CELIssue) -> [CELToken] {
        var tokens: [CELToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    private mutating func skipTrivia() {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}" {
                position += 1
            } else if scalar == "/", peek(1) == "/" {
                while let next = peek(), next != "\n" { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func next() throws(CELIssue) -> CELToken {
        skipTrivia()
        let start = position
        guard let scalar = peek() else { return CELToken(kind: .eof, offset: start, text: "<EOF>") }

        // String and bytes literals with optional r/b prefixes.
        if let literal = try stringLiteral(start: start) { return literal }

        if Self.isDigit(scalar) || (scalar == "." && Self.isDigit(peek(1))) {
            return number(start: start)
        }
        if Self.isLetter(scalar) {
            while Self.isLetter(peek()) || Self.isDigit(peek()) { position += 1 }
            let word = text(from: start)
            return CELToken(kind: .identifier(word), offset: start, text: word)
        }
        let twoCharacter = ["==", "!=", "<=", ">=", "&&", "||", ".?", "[?"]
        if let second = peek(1) {
            let pair = String(String.UnicodeScalarView([scalar, second]))
            if twoCharacter.contains(pair) {
                position += 2
                return CELToken(kind: .punct(pair), offset: start, text: pair)
            }
        }
        let single: Set<Unicode.Scalar> = [
            "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "[", "]", "{", "}", "(", ")",
        ]
        if single.contains(scalar) {
            position += 1
            let text = String(scalar)
            return CELToken(kind: .punct(text), offset: start, text: text)
        }
        throw CELIssue(offset: start, message: "Syntax error: token recognition error at: '\(scalar)'")
    }

    private mutating func number(start: Int) -> CELToken {
        if peek() == "0", peek(1) == "x" || peek(1) == "X", Self.isHex(peek(2)) {
            position += 2
            while Self.isHex(peek()) { position += 1 }
            if peek() == "u" || peek() == "U" {
                position += 1
                return CELToken(kind: .uint(text(from: start)), offset: start, text: text(from: start))
            }
            return CELToken(kind: .int(text(from: start)), offset: start, text: text(from: start))
        }
        var isDouble = false
        while Self.isDigit(peek()) { position += 1 }
        if peek() == ".", Self.isDigit(peek(1)) {
            isDouble = true
            position += 1
            while Self.isDigit(peek()) { position += 1 }
        }
        if peek() == "e" || peek() == "E" {
            var lookahead = 1
            if peek(1) == "+" || peek(1) == "-" { lookahead = 2 }
            if Self.isDigit(peek(lookahead)) {
                isDouble = true
                position += lookahead
                while Self.isDigit(peek()) { position += 1 }
            }
        }
        let literal = text(from: start)
        if isDouble { return CELToken(kind: .double(literal), offset: start, text: literal) }
        if peek() == "u" || peek() == "U" {
            position += 1
            return CELToken(kind: .uint(text(from: start)), offset: start, text: text(from: start))
        }
        return CELToken(kind: .int(literal), offset: start, text: literal)
    }

    private mutating func stringLiteral(start: Int) throws(CELIssue) -> CELToken? {
        var prefixLength = 0
        var isBytes = false
        while prefixLength < 2, let scalar = peek(prefixLength), "rRbB".unicodeScalars.contains(scalar) {
            if scalar == "b" || scalar == "B" { isBytes = true }
            prefixLength += 1
        }
        guard let quote = peek(prefixLength), quote == "\"" || quote == "'" else { return nil }
        let prefix = (0..<prefixLength).compactMap { peek($0) }
        if prefix.count == 2, (prefix[0] == "r" || prefix[0] == "R") == (prefix[1] == "r" || prefix[1] == "R") {
            return nil
        }
        let isRaw = prefix.contains { $0 == "r" || $0 == "R" }
        position += prefixLength
        let triple = peek(1) == quote && peek(2) == quote
        position += triple ? 3 : 1
        while true {
            guard let scalar = peek() else {
                throw CELIssue(
                    offset: start, message: "Syntax error: token recognition error at: '\(text(from: start))'")
            }
            if !isRaw, scalar == "\\" {
                position += 2
                continue
            }
            if triple {
                if scalar == quote, peek(1) == quote, peek(2) == quote {
                    position += 3
                    break
                }
            } else {
                if scalar == "\n" || scalar == "\r" {
                    throw CELIssue(
                        offset: start, message: "Syntax error: token recognition error at: '\(text(from: start))'")
                }
                if scalar == quote {
                    position += 1
                    break
                }
            }
            position += 1
        }
        let literal = text(from: start)
        return CELToken(kind: isBytes ? .bytes(literal) : .string(literal), offset: start, text: literal)
    }
}

/// Decodes a string or bytes literal's text (prefixes, quotes and escapes) as cel-go's `unescape` does.
enum CELStringLiteral {
    /// The bytes of a literal; strings are valid UTF-8 by construction unless `\x` escapes break it.
    static func decode(_ literal: String, isBytes: Bool) throws(CELIssue) -> [UInt8] {
        var scalars = Array(literal.unicodeScalars)
        var isRaw = false
        while let first = scalars.first, "rRbB".unicodeScalars.contains(first) {
            if first == "r" || first == "R" { isRaw = true }
            scalars.removeFirst()
        }
        guard let quote = scalars.first else { return [] }
        let triple = scalars.count >= 6 && scalars[1] == quote && scalars[2] == quote
        let trim = triple ? 3 : 1
        let body = Array(scalars[trim..<(scalars.count - trim)])
        var output: [UInt8] = []
        func append(_ scalar: Unicode.Scalar) { output.append(contentsOf: Array(String(scalar).utf8)) }
        if isRaw {
            for scalar in body { append(scalar) }
            return output
        }
        var index = 0
        func fail() -> CELIssue { CELIssue(offset: 0, message: "Syntax error: invalid escape sequence") }
        while index < body.count {
            let scalar = body[index]
            guard scalar == "\\", index + 1 < body.count else {
                append(scalar)
                index += 1
                continue
            }
            let escape = body[index + 1]
            index += 2
            switch escape {
            case "a": output.append(7)
            case "b": output.append(8)
            case "f": output.append(12)
            case "n": output.append(10)
            case "r": output.append(13)
            case "t": output.append(9)
            case "v": output.append(11)
            case "\\", "'", "\"", "`", "?": append(escape)
            case "x", "X", "u", "U":
                let digits = escape == "x" || escape == "X" ? 2 : (escape == "u" ? 4 : 8)
                guard index + digits <= body.count else { throw fail() }
                let hex = String(String.UnicodeScalarView(body[index..<(index + digits)]))
                guard let value = UInt32(hex, radix: 16) else { throw fail() }
                index += digits
                if digits == 2, isBytes {
                    output.append(UInt8(value))
                } else {
                    guard let decoded = Unicode.Scalar(value) else { throw fail() }
                    if isBytes, digits == 2 {
                        output.append(UInt8(value))
                    } else {
                        append(decoded)
                    }
                }
            case "0"..."3":
                guard index + 2 <= body.count else { throw fail() }
                let octal = String(String.UnicodeScalarView([escape] + body[index..<(index + 2)]))
                guard let value = UInt32(octal, radix: 8) else { throw fail() }
                index += 2
                if isBytes {
                    output.append(UInt8(value))
                } else if let decoded = Unicode.Scalar(value) {
                    append(decoded)
                }
            default:
                throw fail()
            }
        }
        return output
    }
}

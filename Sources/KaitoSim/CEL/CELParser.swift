import Foundation

/// A parsed expression with the source offset of every node.
struct CELParsed: Sendable {
    var source: CELSource
    var root: CELExpr
    /// Node id → source offset.
    var offsets: [Int: Int]
    /// The next unused node id.
    var nextID: Int
}

/// A recursive-descent parser for CEL (cel-go's `CEL.g4`), expanding cel-go's macros as it goes
/// (`has`, `all`, `exists`, `exists_one`, `map`, `filter`, `optMap`, `optFlatMap`).
struct CELParser {
    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    ]
    static let primaryExpectation =
        "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, "
        + "IDENTIFIER}"
    /// The accumulator variable of macro comprehensions.
    static let accumulator = "__result__"

    private let source: CELSource
    private var tokens: [CELToken] = []
    private var position = 0
    private var offsets: [Int: Int] = [:]
    private var nextID = 1
    private var depth = 0

    /// Parses an expression.
    /// - Throws: ``CELIssues`` with the syntax error.
    static func parse(_ text: String) throws(CELIssues) -> CELParsed {
        let source = CELSource(text)
        var parser = CELParser(source: source)
        do {
            return try parser.run()
        } catch {
            throw CELIssues(source: source, issues: [error])
        }
    }

    private init(source: CELSource) {
        self.source = source
    }

    private mutating func run() throws(CELIssue) -> CELParsed {
        var lexer = CELLexer(source: source)
        tokens = try lexer.tokenize()
        let root = try expression()
        if current.kind != .eof {
            let following = position + 1 < tokens.count ? tokens[position + 1] : current
            let word = following.kind == .eof ? "extraneous" : "mismatched"
            throw CELIssue(
                offset: current.offset, message: "Syntax error: \(word) input '\(current.display)' expecting <EOF>")
        }
        return CELParsed(source: source, root: root, offsets: offsets, nextID: nextID)
    }

    // MARK: - Tokens

    private var current: CELToken { tokens[min(position, tokens.count - 1)] }

    private func isPunct(_ text: String) -> Bool {
        if case .punct(let value) = current.kind { return value == text }
        return false
    }

    private func isWord(_ text: String) -> Bool {
        if case .identifier(let value) = current.kind { return value == text }
        return false
    }

    @discardableResult
    private mutating func advance() -> CELToken {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func expect(_ text: String) throws(CELIssue) {
        guard isPunct(text) else {
            let closers: Set<String> = [")", "]", "}", ":", ",", "?"]
            if current.kind == .eof
                || {
                    if case .punct(let p) = current.kind { return closers.contains(p) }
                    return false
                }()
            {
                throw CELIssue(
                    offset: current.offset, message: "Syntax error: missing '\(text)' at '\(current.display)'")
            }
            throw CELIssue(
                offset: current.offset,
                message: "Syntax error: mismatched input '\(current.display)' expecting '\(text)'")
        }
        advance()
    }

    private mutating func node(_ offset: Int, _ kind: CELExpr.Kind) -> CELExpr {
        let id = nextID
        nextID += 1
        offsets[id] = offset
        return CELExpr(id: id, kind: kind)
    }

    private mutating func newID(at offset: Int) -> Int {
        let id = nextID
        nextID += 1
        offsets[id] = offset
        return id
    }

    // MARK: - Grammar

    private mutating func expression() throws(CELIssue) -> CELExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > 250 {
            throw CELIssue(offset: current.offset, message: "expression recursion limit exceeded: 250")
        }
        let condition = try conditionalOr()
        guard isPunct("?") else { return condition }
        let op = advance()
        let ifTrue = try conditionalOr()
        try expect(":")
        let ifFalse = try expression()
        return node(
            op.offset, .call(function: CELOperator.conditional, target: nil, args: [condition, ifTrue, ifFalse]))
    }

    private mutating func conditionalOr() throws(CELIssue) -> CELExpr {
        var result = try conditionalAnd()
        while isPunct("||") {
            let op = advance()
            let next = try conditionalAnd()
            result = node(op.offset, .call(function: CELOperator.logicalOr, target: nil, args: [result, next]))
        }
        return result
    }

    private mutating func conditionalAnd() throws(CELIssue) -> CELExpr {
        var result = try relation()
        while isPunct("&&") {
            let op = advance()
            let next = try relation()
            result = node(op.offset, .call(function: CELOperator.logicalAnd, target: nil, args: [result, next]))
        }
        return result
    }

    private mutating func relation() throws(CELIssue) -> CELExpr {
        var result = try additive()
        while true {
            let text: String
            switch current.kind {
            case .punct(let value) where ["<", "<=", ">", ">=", "==", "!="].contains(value): text = value
            case .identifier("in"): text = "in"
            default: return result
            }
            let op = advance()
            let rhs = try additive()
            guard let function = CELOperator.binary[text] else { return result }
            result = node(op.offset, .call(function: function, target: nil, args: [result, rhs]))
        }
    }

    private mutating func additive() throws(CELIssue) -> CELExpr {
        var result = try multiplicative()
        while isPunct("+") || isPunct("-") {
            let op = advance()
            let rhs = try multiplicative()
            let function = op.text == "+" ? CELOperator.add : CELOperator.subtract
            result = node(op.offset, .call(function: function, target: nil, args: [result, rhs]))
        }
        return result
    }

    private mutating func multiplicative() throws(CELIssue) -> CELExpr {
        var result = try unary()
        while isPunct("*") || isPunct("/") || isPunct("%") {
            let op = advance()
            let rhs = try unary()
            let function = CELOperator.binary[op.text] ?? CELOperator.multiply
            result = node(op.offset, .call(function: function, target: nil, args: [result, rhs]))
        }
        return result
    }

    private mutating func unary() throws(CELIssue) -> CELExpr {
        if isPunct("!") {
            let first = current
            var count = 0
            while isPunct("!") {
                advance()
                count += 1
            }
            let operand = try member()
            if count % 2 == 0 { return operand }
            return node(first.offset, .call(function: CELOperator.logicalNot, target: nil, args: [operand]))
        }
        if isPunct("-") {
            // A minus directly before a number literal is part of the literal.
            if position + 1 < tokens.count {
                switch tokens[position + 1].kind {
                case .int, .double: return try member()
                default: break
                }
            }
            let first = current
            var count = 0
            while isPunct("-") {
                advance()
                count += 1
            }
            let operand = try member()
            if count % 2 == 0 { return operand }
            return node(first.offset, .call(function: CELOperator.negate, target: nil, args: [operand]))
        }
        return try member()
    }

    private mutating func member() throws(CELIssue) -> CELExpr {
        var result = try primary()
        while true {
            if isPunct(".") || isPunct(".?") {
                let op = advance()
                let optional = op.text == ".?"
                var optionalOffset = op.offset
                if !optional, isPunct("?") {
                    optionalOffset = advance().offset
                }
                guard case .identifier(let name) = current.kind else {
                    throw CELIssue(
                        offset: current.offset,
                        message: "Syntax error: mismatched input '\(current.display)' expecting IDENTIFIER")
                }
                advance()
                if optional || optionalOffset != op.offset {
                    let field = node(op.offset, .literal(.string(name)))
                    result = node(
                        op.offset, .call(function: CELOperator.optionalSelect, target: nil, args: [result, field]))
                    continue
                }
                if isPunct("(") {
                    let open = advance()
                    let args = try expressionList(closer: ")")
                    try expect(")")
                    result = try callOrMacro(offset: open.offset, function: name, target: result, args: args)
                } else {
                    result = node(op.offset, .select(operand: result, field: name, testOnly: false))
                }
            } else if isPunct("[") || isPunct("[?") {
                let op = advance()
                let index = try expression()
                try expect("]")
                let function = op.text == "[?" ? CELOperator.optionalIndex : CELOperator.index
                result = node(op.offset, .call(function: function, target: nil, args: [result, index]))
            } else {
                return result
            }
        }
    }

    private mutating func expressionList(closer: String) throws(CELIssue) -> [CELExpr] {
        var items: [CELExpr] = []
        if isPunct(closer) { return items }
        while true {
            items.append(try expression())
            guard isPunct(",") else { return items }
            advance()
        }
    }

    private mutating func primary() throws(CELIssue) -> CELExpr {
        let token = current
        switch token.kind {
        case .int, .uint, .double, .string, .bytes:
            return try literal()
        case .punct("-"):
            return try literal()
        case .identifier(let word):
            switch word {
            case "true":
                advance()
                return node(token.offset, .literal(.bool(true)))
            case "false":
                advance()
                return node(token.offset, .literal(.bool(false)))
            case "null":
                advance()
                return node(token.offset, .literal(.null))
            case "in":
                throw mismatched()
            default:
                return try identOrCall(leadingDot: nil)
            }
        case .punct("."):
            let dot = advance()
            guard case .identifier = current.kind else { throw mismatched() }
            return try identOrCall(leadingDot: dot)
        case .punct("("):
            advance()
            let inner = try expression()
            try expect(")")
            return inner
        case .punct("["), .punct("[?"):
            let open = advance()
            var elements: [CELExpr] = []
            var optionals: Set<Int> = []
            var optionalFirst = open.text == "[?"
            while !isPunct("]") {
                if optionalFirst || isPunct("?") {
                    if !optionalFirst { advance() }
                    optionalFirst = false
                    optionals.insert(elements.count)
                }
                elements.append(try expression())
                guard isPunct(",") else { break }
                advance()
                if current.kind == .eof {
                    throw CELIssue(offset: current.offset, message: "Syntax error: missing ']' at '<EOF>'")
                }
            }
            try expect("]")
            return node(open.offset, .list(elements: elements, optionalIndices: optionals))
        case .punct("{"):
            let open = advance()
            var entries: [CELExpr.MapEntry] = []
            while !isPunct("}") {
                var optional = false
                if isPunct("?") {
                    advance()
                    optional = true
                }
                let key = try expression()
                guard isPunct(":") else {
                    throw CELIssue(
                        offset: current.offset,
                        message: "Syntax error: mismatched input '\(current.display)' expecting ':'")
                }
                let colon = advance()
                let value = try expression()
                entries.append(
                    CELExpr.MapEntry(id: newID(at: colon.offset), key: key, value: value, optional: optional))
                guard isPunct(",") else { break }
                advance()
            }
            try expect("}")
            return node(open.offset, .map(entries: entries))
        default:
            throw mismatched()
        }
    }

    private func mismatched() -> CELIssue {
        CELIssue(
            offset: current.offset,
            message: "Syntax error: mismatched input '\(current.display)' expecting \(Self.primaryExpectation)")
    }

    private mutating func literal() throws(CELIssue) -> CELExpr {
        let start = current
        var negative = false
        if isPunct("-") {
            negative = true
            advance()
        }
        let token = advance()
        switch token.kind {
        case .int(let text):
            let digits = negative ? "-" + text : text
            let value: Int64?
            if text.hasPrefix("0x") || text.hasPrefix("0X") {
                value = Int64(String(text.dropFirst(2)), radix: 16).map { negative ? -$0 : $0 }
            } else {
                value = Int64(digits)
            }
            guard let value else { throw CELIssue(offset: start.offset, message: "invalid int literal") }
            return node(start.offset, .literal(.int(value)))
        case .uint(let text):
            var digits = String(text.dropLast())
            var radix = 10
            if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
                digits = String(digits.dropFirst(2))
                radix = 16
            }
            guard let value = UInt64(digits, radix: radix) else {
                throw CELIssue(offset: start.offset, message: "invalid uint literal")
            }
            return node(start.offset, .literal(.uint(value)))
        case .double(let text):
            guard let value = Double(negative ? "-" + text : text) else {
                throw CELIssue(offset: start.offset, message: "invalid double literal")
            }
            return node(start.offset, .literal(.double(value)))
        case .string(let text):
            let bytes: [UInt8]
            do {
                bytes = try CELStringLiteral.decode(text, isBytes: false)
            } catch {
                throw CELIssue(offset: token.offset, message: error.message)
            }
            return node(token.offset, .literal(.string(String(decoding: bytes, as: UTF8.self))))
        case .bytes(let text):
            do {
                return node(token.offset, .literal(.bytes(try CELStringLiteral.decode(text, isBytes: true))))
            } catch {
                throw CELIssue(offset: token.offset, message: error.message)
            }
        default:
            position -= 1
            throw mismatched()
        }
    }

    private mutating func identOrCall(leadingDot: CELToken?) throws(CELIssue) -> CELExpr {
        let token = advance()
        guard case .identifier(var name) = token.kind else { throw mismatched() }
        if Self.reserved.contains(name) {
            throw CELIssue(offset: token.offset, message: "reserved identifier: \(name)")
        }
        if leadingDot != nil { name = "." + name }
        if isPunct("(") {
            let open = advance()
            let args = try expressionList(closer: ")")
            try expect(")")
            return try callOrMacro(offset: open.offset, function: name, target: nil, args: args)
        }
        return node(leadingDot?.offset ?? token.offset, .ident(name))
    }

    // MARK: - Macros

    private mutating func callOrMacro(offset: Int, function: String, target: CELExpr?, args: [CELExpr])
        throws(CELIssue) -> CELExpr
    {
        if let expanded = try expandMacro(offset: offset, function: function, target: target, args: args) {
            return expanded
        }
        return node(offset, .call(function: function, target: target, args: args))
    }

    private func simpleName(_ expr: CELExpr) throws(CELIssue) -> String {
        guard case .ident(let name) = expr.kind else {
            throw CELIssue(offset: offsets[expr.id] ?? 0, message: "argument must be a simple name")
        }
        return name
    }

    private mutating func expandMacro(offset: Int, function: String, target: CELExpr?, args: [CELExpr])
        throws(CELIssue) -> CELExpr?
    {
        let accu = Self.accumulator
        func ident(_ name: String) -> CELExpr { node(offset, .ident(name)) }
        func call(_ function: String, _ args: CELExpr...) -> CELExpr {
            node(offset, .call(function: function, target: nil, args: args))
        }
        func literal(_ value: CELValue) -> CELExpr { node(offset, .literal(value)) }
        func fold(
            _ iterVar: String, _ range: CELExpr, _ initial: CELExpr, _ condition: CELExpr, _ step: CELExpr,
            _ result: CELExpr
        ) -> CELExpr {
            node(
                offset,
                .comprehension(
                    CELExpr.Comprehension(
                        iterVar: iterVar, iterRange: range, accuVar: accu, accuInit: initial, loopCondition: condition,
                        loopStep: step, result: result)))
        }
        guard let target else {
            guard function == "has", args.count == 1 else { return nil }
            guard case .select(let operand, let field, false) = args[0].kind else {
                throw CELIssue(offset: offsets[args[0].id] ?? offset, message: "invalid argument to has() macro")
            }
            return node(offset, .select(operand: operand, field: field, testOnly: true))
        }
        switch (function, args.count) {
        case ("all", 2), ("exists", 2), ("exists_one", 2), ("map", 2), ("map", 3), ("filter", 2):
            let variable = try simpleName(args[0])
            if variable == accu {
                throw CELIssue(
                    offset: offsets[args[0].id] ?? offset, message: "iteration variable overwrites accumulator variable"
                )
            }
            switch function {
            case "all":
                return fold(
                    variable, target, literal(.bool(true)), call(CELOperator.notStrictlyFalse, ident(accu)),
                    call(CELOperator.logicalAnd, ident(accu), args[1]), ident(accu))
            case "exists":
                return fold(
                    variable, target, literal(.bool(false)),
                    call(CELOperator.notStrictlyFalse, call(CELOperator.logicalNot, ident(accu))),
                    call(CELOperator.logicalOr, ident(accu), args[1]), ident(accu))
            case "exists_one":
                return fold(
                    variable, target, literal(.int(0)), literal(.bool(true)),
                    call(
                        CELOperator.conditional, args[1], call(CELOperator.add, ident(accu), literal(.int(1))),
                        ident(accu)),
                    call(CELOperator.equals, ident(accu), literal(.int(1))))
            case "map":
                let transform = args.count == 3 ? args[2] : args[1]
                let appended = call(
                    CELOperator.add, ident(accu), node(offset, .list(elements: [transform], optionalIndices: [])))
                let step = args.count == 3 ? call(CELOperator.conditional, args[1], appended, ident(accu)) : appended
                return fold(
                    variable, target, node(offset, .list(elements: [], optionalIndices: [])), literal(.bool(true)),
                    step, ident(accu))
            default:
                let appended = call(
                    CELOperator.add, ident(accu),
                    node(offset, .list(elements: [ident(variable)], optionalIndices: [])))
                return fold(
                    variable, target, node(offset, .list(elements: [], optionalIndices: [])), literal(.bool(true)),
                    call(CELOperator.conditional, args[1], appended, ident(accu)), ident(accu))
            }
        case ("optMap", 2), ("optFlatMap", 2):
            let variable = try simpleName(args[0])
            let hasValue = node(offset, .call(function: "hasValue", target: target, args: []))
            let value = node(offset, .call(function: "value", target: target, args: []))
            let bound = node(
                offset,
                .comprehension(
                    CELExpr.Comprehension(
                        iterVar: "#unused", iterRange: node(offset, .list(elements: [], optionalIndices: [])),
                        accuVar: variable, accuInit: value, loopCondition: literal(.bool(false)),
                        loopStep: ident(variable), result: args[1])))
            let mapped = function == "optMap" ? call("optional.of", bound) : bound
            return call(CELOperator.conditional, hasValue, mapped, call("optional.none"))
        default:
            return nil
        }
    }
}

import Foundation

/// A parsed CEL expression node; `id` keys the source position and the checker's type.
struct CELExpr: Sendable {
    let id: Int
    var kind: Kind

    indirect enum Kind: Sendable {
        case literal(CELValue)
        case ident(String)
        /// `operand.field`; `testOnly` for `has(operand.field)`.
        case select(operand: CELExpr, field: String, testOnly: Bool)
        /// A function call; `target` for receiver-style calls (`s.size()`).
        case call(function: String, target: CELExpr?, args: [CELExpr])
        case list(elements: [CELExpr], optionalIndices: Set<Int>)
        case map(entries: [MapEntry])
        /// A message construction (`Name{field: value}`); no message types are declared in Kubernetes.
        case message(name: String, fields: [(String, CELExpr)])
        case comprehension(Comprehension)
    }

    struct MapEntry: Sendable {
        var id: Int
        var key: CELExpr
        var value: CELExpr
        var optional: Bool
    }

    /// A fold over a list or map, as the macros expand (`all`, `exists`, `map`, `filter`, ...).
    struct Comprehension: Sendable {
        var iterVar: String
        var iterRange: CELExpr
        var accuVar: String
        var accuInit: CELExpr
        var loopCondition: CELExpr
        var loopStep: CELExpr
        var result: CELExpr
    }
}

/// Operator function names, as cel-go names them.
enum CELOperator {
    static let conditional = "_?_:_"
    static let logicalAnd = "_&&_"
    static let logicalOr = "_||_"
    static let logicalNot = "!_"
    static let equals = "_==_"
    static let notEquals = "_!=_"
    static let less = "_<_"
    static let lessEquals = "_<=_"
    static let greater = "_>_"
    static let greaterEquals = "_>=_"
    static let add = "_+_"
    static let subtract = "_-_"
    static let multiply = "_*_"
    static let divide = "_/_"
    static let modulo = "_%_"
    static let negate = "-_"
    static let index = "_[_]"
    static let optionalIndex = "_[?_]"
    static let optionalSelect = "_?._"
    static let `in` = "@in"
    static let notStrictlyFalse = "@not_strictly_false"

    /// The display text of binary operators, for cost and messages.
    static let binary: [String: String] = [
        "==": equals, "!=": notEquals, "<": less, "<=": lessEquals, ">": greater, ">=": greaterEquals,
        "in": `in`, "+": add, "-": subtract, "*": multiply, "/": divide, "%": modulo,
    ]
}

/// Source text with line offsets, for error locations.
struct CELSource: Sendable {
    let text: String
    /// Unicode scalars of the text, indexed by offset.
    let scalars: [Unicode.Scalar]
    /// Offset of the start of each line after the first.
    let lineStarts: [Int]

    init(_ text: String) {
        self.text = text
        scalars = Array(text.unicodeScalars)
        var starts: [Int] = []
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" {
            starts.append(offset + 1)
        }
        lineStarts = starts
    }

    /// 1-based line and 0-based column of an offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = offset
        for start in lineStarts where start <= offset {
            line += 1
            column = offset - start
        }
        return (line, column)
    }

    /// The text of a 1-based line.
    func snippet(line: Int) -> String? {
        let start = line == 1 ? 0 : (line - 2 < lineStarts.count ? lineStarts[line - 2] : -1)
        guard start >= 0, start <= scalars.count else { return nil }
        var end = start
        while end < scalars.count, scalars[end] != "\n" { end += 1 }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }
}

/// One compile problem at a source offset.
struct CELIssue: Error, Sendable, Hashable {
    var offset: Int
    var message: String
}

/// Compile problems, rendered as cel-go renders them (`ERROR: <input>:1:5: message`, the source line and a caret).
struct CELIssues: Error, Sendable, CustomStringConvertible {
    var source: CELSource
    var issues: [CELIssue]

    var description: String {
        let sorted = issues.enumerated().sorted { a, b in
            let left = source.location(of: a.element.offset)
            let right = source.location(of: b.element.offset)
            return (left.line, left.column, a.offset) < (right.line, right.column, b.offset)
        }.map(\.element)
        return sorted.map(render).joined(separator: "\n")
    }

    private func render(_ issue: CELIssue) -> String {
        let (line, column) = source.location(of: issue.offset)
        var result = "ERROR: <input>:\(line):\(column + 1): \(issue.message)"
        if let snippet = source.snippet(line: line) {
            let cleaned = snippet.replacingOccurrences(of: "\t", with: " ")
            result += "\n | " + cleaned
            var indicator = "\n | "
            let characters = Array(cleaned.unicodeScalars)
            for index in 0..<min(column, characters.count) {
                indicator += characters[index].utf8.count > 1 ? "\u{FF0E}" : "."
            }
            if column < characters.count, characters[column].utf8.count > 1 {
                indicator += "\u{FF3E}"
            } else {
                indicator += "^"
            }
            result += indicator
        }
        return result
    }
}

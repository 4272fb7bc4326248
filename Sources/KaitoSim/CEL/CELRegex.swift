import Foundation

/// Regular expressions with RE2's syntax, run on `NSRegularExpression`: RE2-only syntax (`(?P<name>…)`) is
/// translated, and what RE2 refuses (backreferences, lookaround, possessive quantifiers) is refused.
final class CELRegex: @unchecked Sendable {
    private let expression: NSRegularExpression

    private init(expression: NSRegularExpression) {
        self.expression = expression
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: CELRegex] = [:]

    /// A compiled pattern (cached).
    /// - Throws: ``CELRuntimeError`` `error parsing regexp: …` for a pattern RE2 rejects.
    static func compile(_ pattern: String) throws -> CELRegex {
        lock.lock()
        if let cached = cache[pattern] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let translated = try translate(pattern)
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw CELRuntimeError("error parsing regexp: invalid or unsupported Perl syntax: `\(pattern)`")
        }
        let regex = CELRegex(expression: expression)
        lock.lock()
        if cache.count > 512 { cache.removeAll() }
        cache[pattern] = regex
        lock.unlock()
        return regex
    }

    private static func translate(_ pattern: String) throws -> String {
        let scalars = Array(pattern.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        var inClass = false
        func reject(_ what: String) -> CELRuntimeError {
            CELRuntimeError("error parsing regexp: invalid or unsupported Perl syntax: `\(what)`")
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count {
                let next = scalars[index + 1]
                if !inClass, ("1"..."9").contains(next) { throw reject("\\\(next)") }
                output.append(scalar)
                output.append(next)
                index += 2
                continue
            }
            if inClass {
                if scalar == "]" { inClass = false }
                output.append(scalar)
                index += 1
                continue
            }
            if scalar == "[" {
                inClass = true
                output.append(scalar)
                index += 1
                if index < scalars.count, scalars[index] == "^" {
                    output.append("^")
                    index += 1
                }
                if index < scalars.count, scalars[index] == "]" {
                    output.append("\\")
                    output.append("]")
                    index += 1
                }
                continue
            }
            if scalar == "(", index + 2 < scalars.count, scalars[index + 1] == "?" {
                let kind = scalars[index + 2]
                if kind == "=" || kind == "!" { throw reject("(?\(kind)") }
                if kind == "<", index + 3 < scalars.count, scalars[index + 3] == "=" || scalars[index + 3] == "!" {
                    throw reject("(?<")
                }
                if kind == "P", index + 3 < scalars.count, scalars[index + 3] == "<" {
                    output.append(contentsOf: "(?".unicodeScalars)
                    index += 3
                    continue
                }
            }
            if (scalar == "+" || scalar == "*" || scalar == "?" || scalar == "}"), index + 1 < scalars.count,
                scalars[index + 1] == "+"
            {
                throw reject(String(scalar) + "+")
            }
            output.append(scalar)
            index += 1
        }
        return String(output)
    }

    /// Whether the pattern matches anywhere in the text (RE2 `MatchString`).
    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The first match, or `nil`.
    func find(_ text: String) -> String? {
        guard let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range, in: text)
        else { return nil }
        return String(text[range])
    }

    /// Up to `limit` matches (all when negative).
    func findAll(_ text: String, limit: Int) -> [String] {
        guard limit != 0 else { return [] }
        var results: [String] = []
        for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range, in: text) else { continue }
            results.append(String(text[range]))
            if limit > 0, results.count >= limit { break }
        }
        return results
    }
}

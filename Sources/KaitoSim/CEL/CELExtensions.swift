import Foundation

private func text(_ value: CELValue) throws -> String {
    guard case .string(let text) = value else { throw CELRuntimeError.noSuchOverload }
    return text
}

private func number(_ value: CELValue) throws -> Int64 {
    guard case .int(let number) = value else { throw CELRuntimeError.noSuchOverload }
    return number
}

private func elements(_ value: CELValue) throws -> [CELValue] {
    guard case .list(let list) = value else { throw CELRuntimeError.noSuchOverload }
    return list.elements
}

extension CELLibraryBuilder {
    /// cel-go's `ext.Strings` at version 2 (`charAt` … `join`, `format`, `strings.quote`; not `reverse`).
    mutating func addStringsExtension() {
        member("charAt", "string_char_at_int", [.string, .int], .string) { args in
            let scalars = Array(try text(args[0]).unicodeScalars)
            let index = try number(args[1])
            guard index >= 0, index <= scalars.count else { throw CELRuntimeError("index out of range: \(index)") }
            return .string(index == scalars.count ? "" : String(scalars[Int(index)]))
        }
        for last in [false, true] {
            let name = last ? "lastIndexOf" : "indexOf"
            member(name, "string_\(name)_string", [.string, .string], .int) { args in
                let scalars = Array(try text(args[0]).unicodeScalars)
                let part = Array(try text(args[1]).unicodeScalars)
                return .int(Int64(Self.find(part, in: scalars, from: last ? scalars.count : 0, last: last)))
            }
            member(name, "string_\(name)_string_int", [.string, .string, .int], .int) { args in
                let scalars = Array(try text(args[0]).unicodeScalars)
                let part = Array(try text(args[1]).unicodeScalars)
                let offset = try number(args[2])
                guard offset >= 0, offset <= scalars.count else {
                    throw CELRuntimeError("index out of range: \(offset)")
                }
                return .int(Int64(Self.find(part, in: scalars, from: Int(offset), last: last)))
            }
        }
        member("lowerAscii", "string_lower_ascii", [.string], .string) { args in
            .string(
                String(
                    String.UnicodeScalarView(
                        try text(args[0]).unicodeScalars.map {
                            ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32) ?? $0 : $0
                        })))
        }
        member("upperAscii", "string_upper_ascii", [.string], .string) { args in
            .string(
                String(
                    String.UnicodeScalarView(
                        try text(args[0]).unicodeScalars.map {
                            ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32) ?? $0 : $0
                        })))
        }
        member("replace", "string_replace_string_string", [.string, .string, .string], .string) { args in
            .string(Self.replace(try text(args[0]), try text(args[1]), try text(args[2]), limit: -1))
        }
        member("replace", "string_replace_string_string_int", [.string, .string, .string, .int], .string) { args in
            .string(Self.replace(try text(args[0]), try text(args[1]), try text(args[2]), limit: try number(args[3])))
        }
        member("split", "string_split_string", [.string, .string], .list(.string)) { args in
            .list(Self.split(try text(args[0]), try text(args[1]), limit: -1).map(CELValue.string))
        }
        member("split", "string_split_string_int", [.string, .string, .int], .list(.string)) { args in
            .list(Self.split(try text(args[0]), try text(args[1]), limit: try number(args[2])).map(CELValue.string))
        }
        member("substring", "string_substring_int", [.string, .int], .string) { args in
            let scalars = Array(try text(args[0]).unicodeScalars)
            let start = try number(args[1])
            guard start >= 0, start <= scalars.count else { throw CELRuntimeError("index out of range: \(start)") }
            return .string(String(String.UnicodeScalarView(scalars[Int(start)...])))
        }
        member("substring", "string_substring_int_int", [.string, .int, .int], .string) { args in
            let scalars = Array(try text(args[0]).unicodeScalars)
            let (start, end) = (try number(args[1]), try number(args[2]))
            guard start >= 0, start <= scalars.count else { throw CELRuntimeError("index out of range: \(start)") }
            guard end >= 0, end <= scalars.count else { throw CELRuntimeError("index out of range: \(end)") }
            guard start <= end else {
                throw CELRuntimeError("invalid substring range. start: \(start), end: \(end)")
            }
            return .string(String(String.UnicodeScalarView(scalars[Int(start)..<Int(end)])))
        }
        member("trim", "string_trim", [.string], .string) { args in
            .string(try text(args[0]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        member("join", "list_join", [.list(.string)], .string) { args in
            .string(try elements(args[0]).map(text).joined())
        }
        member("join", "list_join_string", [.list(.string), .string], .string) { args in
            .string(try elements(args[0]).map(text).joined(separator: try text(args[1])))
        }
        global("strings.quote", "strings_quote", [.string], .string) { args in
            .string(goQuote(try text(args[0])))
        }
        member("format", "string_format", [.string, .list(.dyn)], .string) { args in
            .string(try CELFormat.format(try text(args[0]), try elements(args[1])))
        }
    }

    static func find(_ part: [Unicode.Scalar], in scalars: [Unicode.Scalar], from offset: Int, last: Bool) -> Int {
        if part.isEmpty { return offset }
        guard part.count <= scalars.count else { return -1 }
        if last {
            var start = min(offset, scalars.count - part.count)
            while start >= 0 {
                if Array(scalars[start..<(start + part.count)]) == part { return start }
                start -= 1
            }
            return -1
        }
        var start = offset
        while start + part.count <= scalars.count {
            if Array(scalars[start..<(start + part.count)]) == part { return start }
            start += 1
        }
        return -1
    }

    static func replace(_ text: String, _ old: String, _ new: String, limit: Int64) -> String {
        if limit == 0 { return text }
        if old.isEmpty {
            var result = ""
            var count: Int64 = 0
            for scalar in text.unicodeScalars {
                if limit < 0 || count < limit {
                    result += new
                    count += 1
                }
                result.unicodeScalars.append(scalar)
            }
            if limit < 0 || count < limit { result += new }
            return result
        }
        var result = ""
        var remainder = Substring(text)
        var count: Int64 = 0
        while limit < 0 || count < limit, let range = remainder.range(of: old, options: .literal) {
            result += remainder[..<range.lowerBound] + new
            remainder = remainder[range.upperBound...]
            count += 1
        }
        return result + remainder
    }

    static func split(_ text: String, _ separator: String, limit: Int64) -> [String] {
        if limit == 0 { return [] }
        if separator.isEmpty {
            let scalars = text.unicodeScalars.map { String($0) }
            if limit < 0 || scalars.count <= limit { return scalars }
            return Array(scalars.prefix(Int(limit) - 1)) + [scalars.dropFirst(Int(limit) - 1).joined()]
        }
        var parts: [String] = []
        var remainder = Substring(text)
        while limit < 0 || parts.count < limit - 1, let range = remainder.range(of: separator, options: .literal) {
            parts.append(String(remainder[..<range.lowerBound]))
            remainder = remainder[range.upperBound...]
        }
        parts.append(String(remainder))
        return parts
    }

    /// cel-go's `ext.Sets`.
    mutating func addSetsExtension() {
        let a = CELType.param("A")
        global("sets.contains", "list_sets_contains_list", [.list(a), .list(a)], .bool, typeParameters: ["A"]) {
            args in
            let (x, y) = (try elements(args[0]), try elements(args[1]))
            return .bool(y.allSatisfy { item in x.contains { celEquals($0, item) } })
        }
        global("sets.equivalent", "list_sets_equivalent_list", [.list(a), .list(a)], .bool, typeParameters: ["A"]) {
            args in
            let (x, y) = (try elements(args[0]), try elements(args[1]))
            return .bool(
                y.allSatisfy { item in x.contains { celEquals($0, item) } }
                    && x.allSatisfy { item in y.contains { celEquals($0, item) } })
        }
        global("sets.intersects", "list_sets_intersects_list", [.list(a), .list(a)], .bool, typeParameters: ["A"]) {
            args in
            let (x, y) = (try elements(args[0]), try elements(args[1]))
            return .bool(y.contains { item in x.contains { celEquals($0, item) } })
        }
    }

    /// cel-go's optional types library.
    mutating func addOptionalLibrary() {
        let a = CELType.param("A")
        let k = CELType.param("K")
        let v = CELType.param("V")
        global("optional.of", "optional_of", [a], .optional(a), typeParameters: ["A"]) { .optional($0[0]) }
        global("optional.ofNonZeroValue", "optional_ofNonZeroValue", [a], .optional(a), typeParameters: ["A"]) {
            .optional($0[0].isZeroValue ? nil : $0[0])
        }
        global("optional.none", "optional_none", [], .optional(a), typeParameters: ["A"]) { _ in .optional(nil) }
        member("hasValue", "optional_hasValue", [.optional(a)], .bool, typeParameters: ["A"]) { args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return .bool(wrapped != nil)
        }
        member("value", "optional_value", [.optional(a)], a, typeParameters: ["A"]) { args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            guard let wrapped else { throw CELRuntimeError("optional.none() dereference") }
            return wrapped
        }
        member("or", "optional_or_optional", [.optional(a), .optional(a)], .optional(a), typeParameters: ["A"]) {
            args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return wrapped == nil ? args[1] : args[0]
        }
        member("orValue", "optional_orValue_value", [.optional(a), a], a, typeParameters: ["A"]) { args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return wrapped ?? args[1]
        }
        let unreachable: @Sendable ([CELValue]) throws -> CELValue = { _ in throw CELRuntimeError.noSuchOverload }
        global(
            CELOperator.optionalIndex, "list_optindex_optional_int", [.list(a), .int], .optional(a),
            typeParameters: ["A"], unreachable)
        global(
            CELOperator.optionalIndex, "optional_list_optindex_optional_int", [.optional(.list(a)), .int],
            .optional(a), typeParameters: ["A"], unreachable)
        global(
            CELOperator.optionalIndex, "map_optindex_optional_value", [.map(k, v), k], .optional(v),
            typeParameters: ["K", "V"], unreachable)
        global(
            CELOperator.optionalIndex, "optional_map_optindex_optional_value", [.optional(.map(k, v)), k],
            .optional(v), typeParameters: ["K", "V"], unreachable)
        global(
            CELOperator.index, "optional_list_index_int", [.optional(.list(a)), .int], .optional(a),
            typeParameters: ["A"]
        ) { args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            guard case .list(let list)? = wrapped, case .int(let index) = args[1] else { return .optional(nil) }
            return .optional(index >= 0 && index < list.elements.count ? list.elements[Int(index)] : nil)
        }
        global(
            CELOperator.index, "optional_map_index_value", [.optional(.map(k, v)), k], .optional(v),
            typeParameters: ["K", "V"]
        ) { args in
            guard case .optional(let wrapped) = args[0] else { throw CELRuntimeError.noSuchOverload }
            guard let wrapped else { return .optional(nil) }
            switch wrapped {
            case .map(let map): return .optional(map[args[1]])
            case .object(let object):
                guard case .string(let name) = args[1] else { return .optional(nil) }
                return .optional(object.fields[name])
            default: return .optional(nil)
            }
        }
    }

    /// Kubernetes' lists library (`isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`).
    mutating func addKubernetesLists() {
        let a = CELType.param("A")
        let comparable: [CELType] = [.int, .uint, .double, .bool, .duration, .timestamp, .string, .bytes]
        for type in comparable {
            member("isSorted", "list_\(type)_is_sorted_bool", [.list(type)], .bool) { args in
                let items = try elements(args[0])
                for index in items.indices.dropFirst() where try celCompare(items[index - 1], items[index]) > 0 {
                    return .bool(false)
                }
                return .bool(true)
            }
            for name in ["min", "max"] {
                member(name, "list_\(type)_\(name)", [.list(type)], type) { args in
                    let items = try elements(args[0])
                    guard var best = items.first else { throw CELRuntimeError("\(name)(list) called on empty list") }
                    for item in items.dropFirst() {
                        let order = try celCompare(item, best)
                        if (name == "min" && order < 0) || (name == "max" && order > 0) { best = item }
                    }
                    return best
                }
            }
        }
        for type in [CELType.int, .uint, .double, .duration] {
            member("sum", "list_\(type)_sum", [.list(type)], type) { args in
                var total: CELValue
                let items = try elements(args[0])
                switch items.first?.celType ?? type {
                case .uint: total = .uint(0)
                case .double: total = .double(0)
                case .duration: total = .duration(try CELDuration(seconds: 0, nanos: 0))
                default: total = .int(0)
                }
                for item in items {
                    switch (total, item) {
                    case (.int(let x), .int(let y)):
                        let (result, overflow) = x.addingReportingOverflow(y)
                        guard !overflow else { throw CELRuntimeError.overflow }
                        total = .int(result)
                    case (.uint(let x), .uint(let y)):
                        let (result, overflow) = x.addingReportingOverflow(y)
                        guard !overflow else { throw CELRuntimeError("unsigned integer overflow") }
                        total = .uint(result)
                    case (.double(let x), .double(let y)): total = .double(x + y)
                    case (.duration(let x), .duration(let y)): total = .duration(try CELTime.add(x, y))
                    default: throw CELRuntimeError.noSuchOverload
                    }
                }
                return total
            }
        }
        for last in [false, true] {
            let name = last ? "lastIndexOf" : "indexOf"
            member(name, "list_a_\(name)_int", [.list(a), a], .int, typeParameters: ["A"]) { args in
                let items = try elements(args[0])
                let index =
                    last
                    ? items.lastIndex { celEquals($0, args[1]) } : items.firstIndex { celEquals($0, args[1]) }
                return .int(Int64(index ?? -1))
            }
        }
    }

    /// Kubernetes' regex library (`find`, `findAll`).
    mutating func addKubernetesRegex() {
        member("find", "string_find_string", [.string, .string], .string) { args in
            .string(try CELRegex.compile(try text(args[1])).find(try text(args[0])) ?? "")
        }
        member("findAll", "string_find_all_string", [.string, .string], .list(.string)) { args in
            .list(try CELRegex.compile(try text(args[1])).findAll(try text(args[0]), limit: -1).map(CELValue.string))
        }
        member("findAll", "string_find_all_string_int", [.string, .string, .int], .list(.string)) { args in
            let limit = try number(args[2])
            return .list(
                try CELRegex.compile(try text(args[1])).findAll(try text(args[0]), limit: Int(clamping: limit))
                    .map(CELValue.string))
        }
    }
}

/// `string.format()` of cel-go's strings extension (`%s %d %f %e %b %o %x %X %%`, precision for floats).
enum CELFormat {
    static func format(_ pattern: String, _ args: [CELValue]) throws -> String {
        var result = ""
        var characters = Array(pattern)[...]
        var argumentIndex = 0
        while let character = characters.popFirst() {
            guard character == "%" else {
                result.append(character)
                continue
            }
            var precision: Int?
            if characters.first == "." {
                characters.removeFirst()
                var digits = ""
                while let digit = characters.first, digit.isNumber {
                    digits.append(digit)
                    characters.removeFirst()
                }
                precision = Int(digits)
            }
            guard let verb = characters.popFirst() else {
                throw CELRuntimeError("could not parse formatting clause: unexpected end of string")
            }
            if verb == "%" {
                result.append("%")
                continue
            }
            guard argumentIndex < args.count else {
                throw CELRuntimeError("index \(argumentIndex) out of range")
            }
            let argument = args[argumentIndex]
            argumentIndex += 1
            result += try clause(verb, precision: precision, argument)
        }
        return result
    }

    private static func clause(_ verb: Character, precision: Int?, _ argument: CELValue) throws -> String {
        func asDouble() throws -> Double {
            switch argument {
            case .double(let value): return value
            case .int(let value): return Double(value)
            case .uint(let value): return Double(value)
            case .string(let text):
                if let value = Double(text) { return value }
                if text == "NaN" { return .nan }
                if text == "Infinity" { return .infinity }
                if text == "-Infinity" { return -.infinity }
                throw CELRuntimeError("could not parse \(text) as double")
            default:
                throw CELRuntimeError(
                    "error during formatting: fixed-point clause can only be used on doubles, was given"
                        + " \(argument.celType)"
                )
            }
        }
        func integer(radix: Int, uppercase: Bool = false) throws -> String {
            switch argument {
            case .int(let value):
                return (value < 0 ? "-" : "") + String(value.magnitude, radix: radix, uppercase: uppercase)
            case .uint(let value): return String(value, radix: radix, uppercase: uppercase)
            case .bool(let flag) where radix == 2: return flag ? "1" : "0"
            case .string(let text) where radix == 16:
                return Array(text.utf8).map { String(format: uppercase ? "%02X" : "%02x", $0) }.joined()
            case .bytes(let bytes) where radix == 16:
                return bytes.map { String(format: uppercase ? "%02X" : "%02x", $0) }.joined()
            default:
                throw CELRuntimeError(
                    "error during formatting: only integers, byte buffers, and strings can be formatted as hex,"
                        + " was given \(argument.celType)"
                )
            }
        }
        switch verb {
        case "s":
            if case .string(let text) = argument { return text }
            return celDisplayString(argument)
        case "d":
            switch argument {
            case .int(let value): return String(value)
            case .uint(let value): return String(value)
            default:
                throw CELRuntimeError(
                    "error during formatting: decimal clause can only be used on integers, was given"
                        + " \(argument.celType)"
                )
            }
        case "f":
            let value = try asDouble()
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return String(format: "%.\(precision ?? 6)f", value)
        case "e":
            let value = try asDouble()
            return String(format: "%.\(precision ?? 6)e", value)
        case "b": return try integer(radix: 2)
        case "o": return try integer(radix: 8)
        case "x": return try integer(radix: 16)
        case "X": return try integer(radix: 16, uppercase: true)
        default:
            throw CELRuntimeError("could not parse formatting clause: unrecognized formatting clause \"\(verb)\"")
        }
    }
}

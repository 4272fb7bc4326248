import Foundation

/// Comparison of two values of comparable types; numbers compare across int, uint and double.
func celCompare(_ lhs: CELValue, _ rhs: CELValue) throws -> Int {
    func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
    switch (lhs, rhs) {
    case (.int(let a), .int(let b)): return order(a, b)
    case (.uint(let a), .uint(let b)): return order(a, b)
    case (.double(let a), .double(let b)):
        if a.isNaN || b.isNaN { throw CELRuntimeError("NaN values cannot be ordered") }
        return order(a, b)
    case (.int(let a), .uint(let b)): return a < 0 ? -1 : order(UInt64(a), b)
    case (.uint(let a), .int(let b)): return b < 0 ? 1 : order(a, UInt64(b))
    case (.int(let a), .double(let b)):
        if b.isNaN { throw CELRuntimeError("NaN values cannot be ordered") }
        return order(Double(a), b)
    case (.double(let a), .int(let b)): return -(try celCompare(.int(b), .double(a)))
    case (.uint(let a), .double(let b)):
        if b.isNaN { throw CELRuntimeError("NaN values cannot be ordered") }
        return order(Double(a), b)
    case (.double(let a), .uint(let b)): return -(try celCompare(.uint(b), .double(a)))
    case (.string(let a), .string(let b)):
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
    case (.bytes(let a), .bytes(let b)): return a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
    case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
    case (.duration(let a), .duration(let b)): return order(a, b)
    case (.timestamp(let a), .timestamp(let b)): return order(a, b)
    default: throw CELRuntimeError.noSuchOverload
    }
}

/// Go's `strconv.FormatFloat(d, 'g', -1, 64)`, as CEL's `string(double)` prints.
func celFormatDouble(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
    if value == 0 { return value.sign == .minus ? "-0" : "0" }
    // Shortest round-trip digits and decimal exponent.
    let scientific = String(describing: value.magnitude)
    var digits = ""
    var exponent = 0
    if let eIndex = scientific.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        let mantissa = scientific[..<eIndex]
        exponent = Int(scientific[scientific.index(after: eIndex)...]) ?? 0
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        exponent += parts[0].count - 1
    } else {
        let parts = scientific.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        if integer != "0" {
            digits = integer + fraction
            exponent = integer.count - 1
        } else {
            let leadingZeros = fraction.prefix { $0 == "0" }.count
            digits = String(fraction.dropFirst(leadingZeros))
            exponent = -leadingZeros - 1
        }
    }
    while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
    while digits.count > 1, digits.hasPrefix("0") {
        digits.removeFirst()
        exponent -= 1
    }
    let sign = value < 0 ? "-" : ""
    if exponent < -4 || exponent >= 6 {
        var text = String(digits.prefix(1))
        if digits.count > 1 { text += "." + digits.dropFirst() }
        let exponentText = String(format: "%02d", abs(exponent))
        return sign + text + "e" + (exponent < 0 ? "-" : "+") + exponentText
    }
    if exponent < 0 {
        return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
    }
    if digits.count <= exponent + 1 {
        return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count)
    }
    let index = digits.index(digits.startIndex, offsetBy: exponent + 1)
    return sign + digits[..<index] + "." + digits[index...]
}

/// Renders a value as `string()` and `format('%s')` print it.
func celDisplayString(_ value: CELValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    case .uint(let number): return String(number)
    case .double(let number): return celFormatDouble(number)
    case .string(let text): return text
    case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
    case .list(let list): return "[" + list.elements.map(celDisplayString).joined(separator: ", ") + "]"
    case .map(let map):
        return "{"
            + map.entries.map { "\(celDisplayString($0.key)): \(celDisplayString($0.value))" }
            .joined(separator: ", ") + "}"
    case .object(let object):
        return "{"
            + object.fields.keys.sorted().map { "\($0): \(celDisplayString(object.fields[$0] ?? .null))" }
            .joined(separator: ", ") + "}"
    case .duration(let duration): return CELTime.format(duration)
    case .timestamp(let timestamp): return CELTime.format(timestamp)
    case .type(let type): return type.runtimeName
    case .optional(let wrapped): return wrapped.map { "optional(\(celDisplayString($0)))" } ?? "optional.none()"
    case .opaque(let box): return (box.value as? any CustomStringConvertible)?.description ?? "\(box.value.celType)"
    }
}

private func int(_ value: CELValue) throws -> Int64 {
    guard case .int(let number) = value else { throw CELRuntimeError.noSuchOverload }
    return number
}

private func string(_ value: CELValue) throws -> String {
    guard case .string(let text) = value else { throw CELRuntimeError.noSuchOverload }
    return text
}

private func checked(_ result: (partialValue: Int64, overflow: Bool)) throws -> CELValue {
    guard !result.overflow else { throw CELRuntimeError.overflow }
    return .int(result.partialValue)
}

private func checkedUnsigned(_ result: (partialValue: UInt64, overflow: Bool)) throws -> CELValue {
    guard !result.overflow else { throw CELRuntimeError("unsigned integer overflow") }
    return .uint(result.partialValue)
}

/// Concatenation of two lists, with Kubernetes' set union and map-list merge for those list types.
func celConcatenate(_ lhs: CELList, _ rhs: CELList) -> CELList {
    switch lhs.kind {
    case .set:
        var result = lhs
        for element in rhs.elements where !result.elements.contains(where: { celEquals($0, element) }) {
            result.elements.append(element)
        }
        return result
    case .map(let keys):
        var result = lhs
        for element in rhs.elements {
            if let position = result.elements.firstIndex(where: { mapListKeysEqual($0, element, keys: keys) }) {
                result.elements[position] = element
            } else {
                result.elements.append(element)
            }
        }
        return result
    case .atomic:
        return CELList(elements: lhs.elements + rhs.elements, kind: rhs.kind == .atomic ? .atomic : rhs.kind)
    }
}

extension CELLibraryBuilder {
    /// cel-go's standard declarations (operators, `size`, conversions, string and time functions).
    mutating func addStandardLibrary() {
        let a = CELType.param("A")
        let b = CELType.param("B")
        let numeric: [CELType] = [.int, .uint, .double]

        // Logic (evaluated specially by the interpreter; declared for the checker).
        global(CELOperator.logicalAnd, "logical_and", [.bool, .bool], .bool) { _ in .bool(false) }
        global(CELOperator.logicalOr, "logical_or", [.bool, .bool], .bool) { _ in .bool(false) }
        global(CELOperator.logicalNot, "logical_not", [.bool], .bool) { args in
            guard case .bool(let flag) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return .bool(!flag)
        }
        global(CELOperator.notStrictlyFalse, "not_strictly_false", [.bool], .bool) { args in
            if case .bool(false) = args[0] { return .bool(false) }
            return .bool(true)
        }
        global(CELOperator.conditional, "conditional", [.bool, a, a], a, typeParameters: ["A"]) { args in args[1] }

        // Equality and ordering.
        global(CELOperator.equals, "equals", [a, a], .bool, typeParameters: ["A"]) { args in
            .bool(celEquals(args[0], args[1]))
        }
        global(CELOperator.notEquals, "not_equals", [a, a], .bool, typeParameters: ["A"]) { args in
            .bool(!celEquals(args[0], args[1]))
        }
        let ordered: [(String, String, @Sendable (Int) -> Bool)] = [
            (CELOperator.less, "less", { $0 < 0 }), (CELOperator.lessEquals, "less_equals", { $0 <= 0 }),
            (CELOperator.greater, "greater", { $0 > 0 }), (CELOperator.greaterEquals, "greater_equals", { $0 >= 0 }),
        ]
        for (name, id, test) in ordered {
            var pairs: [(CELType, CELType)] = [
                (.string, .string), (.bytes, .bytes), (.bool, .bool), (.timestamp, .timestamp),
                (.duration, .duration),
            ]
            for left in numeric { for right in numeric { pairs.append((left, right)) } }
            for (left, right) in pairs {
                global(name, "\(id)_\(left)_\(right)", [left, right], .bool) { args in
                    .bool(test(try celCompare(args[0], args[1])))
                }
            }
        }

        // Arithmetic.
        global(CELOperator.add, "add_int64", [.int, .int], .int) { args in
            try checked(try int(args[0]).addingReportingOverflow(try int(args[1])))
        }
        global(CELOperator.add, "add_uint64", [.uint, .uint], .uint) { args in
            guard case .uint(let x) = args[0], case .uint(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            return try checkedUnsigned(x.addingReportingOverflow(y))
        }
        global(CELOperator.add, "add_double", [.double, .double], .double) { args in
            guard case .double(let x) = args[0], case .double(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .double(x + y)
        }
        global(CELOperator.add, "add_string", [.string, .string], .string) { args in
            .string(try string(args[0]) + string(args[1]))
        }
        global(CELOperator.add, "add_bytes", [.bytes, .bytes], .bytes) { args in
            guard case .bytes(let x) = args[0], case .bytes(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .bytes(x + y)
        }
        global(CELOperator.add, "add_list", [.list(a), .list(a)], .list(a), typeParameters: ["A"]) { args in
            guard case .list(let x) = args[0], case .list(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            return .list(celConcatenate(x, y))
        }
        global(CELOperator.add, "add_duration_duration", [.duration, .duration], .duration) { args in
            guard case .duration(let x) = args[0], case .duration(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .duration(try CELTime.add(x, y))
        }
        global(CELOperator.add, "add_timestamp_duration", [.timestamp, .duration], .timestamp) { args in
            guard case .timestamp(let x) = args[0], case .duration(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .timestamp(try CELTime.add(x, y))
        }
        global(CELOperator.add, "add_duration_timestamp", [.duration, .timestamp], .timestamp) { args in
            guard case .duration(let x) = args[0], case .timestamp(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .timestamp(try CELTime.add(y, x))
        }
        global(CELOperator.subtract, "subtract_int64", [.int, .int], .int) { args in
            try checked(try int(args[0]).subtractingReportingOverflow(try int(args[1])))
        }
        global(CELOperator.subtract, "subtract_uint64", [.uint, .uint], .uint) { args in
            guard case .uint(let x) = args[0], case .uint(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            return try checkedUnsigned(x.subtractingReportingOverflow(y))
        }
        global(CELOperator.subtract, "subtract_double", [.double, .double], .double) { args in
            guard case .double(let x) = args[0], case .double(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .double(x - y)
        }
        global(CELOperator.subtract, "subtract_duration_duration", [.duration, .duration], .duration) { args in
            guard case .duration(let x) = args[0], case .duration(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .duration(try CELTime.add(x, try CELTime.negate(y)))
        }
        global(CELOperator.subtract, "subtract_timestamp_duration", [.timestamp, .duration], .timestamp) { args in
            guard case .timestamp(let x) = args[0], case .duration(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .timestamp(try CELTime.add(x, try CELTime.negate(y)))
        }
        global(CELOperator.subtract, "subtract_timestamp_timestamp", [.timestamp, .timestamp], .duration) { args in
            guard case .timestamp(let x) = args[0], case .timestamp(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .duration(try CELTime.subtract(x, y))
        }
        global(CELOperator.multiply, "multiply_int64", [.int, .int], .int) { args in
            try checked(try int(args[0]).multipliedReportingOverflow(by: try int(args[1])))
        }
        global(CELOperator.multiply, "multiply_uint64", [.uint, .uint], .uint) { args in
            guard case .uint(let x) = args[0], case .uint(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            return try checkedUnsigned(x.multipliedReportingOverflow(by: y))
        }
        global(CELOperator.multiply, "multiply_double", [.double, .double], .double) { args in
            guard case .double(let x) = args[0], case .double(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .double(x * y)
        }
        global(CELOperator.divide, "divide_int64", [.int, .int], .int) { args in
            let (x, y) = (try int(args[0]), try int(args[1]))
            guard y != 0 else { throw CELRuntimeError("division by zero") }
            return try checked(x.dividedReportingOverflow(by: y))
        }
        global(CELOperator.divide, "divide_uint64", [.uint, .uint], .uint) { args in
            guard case .uint(let x) = args[0], case .uint(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            guard y != 0 else { throw CELRuntimeError("division by zero") }
            return .uint(x / y)
        }
        global(CELOperator.divide, "divide_double", [.double, .double], .double) { args in
            guard case .double(let x) = args[0], case .double(let y) = args[1] else {
                throw CELRuntimeError.noSuchOverload
            }
            return .double(x / y)
        }
        global(CELOperator.modulo, "modulo_int64", [.int, .int], .int) { args in
            let (x, y) = (try int(args[0]), try int(args[1]))
            guard y != 0 else { throw CELRuntimeError("modulus by zero") }
            return try checked(x.remainderReportingOverflow(dividingBy: y))
        }
        global(CELOperator.modulo, "modulo_uint64", [.uint, .uint], .uint) { args in
            guard case .uint(let x) = args[0], case .uint(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
            guard y != 0 else { throw CELRuntimeError("modulus by zero") }
            return .uint(x % y)
        }
        global(CELOperator.negate, "negate_int64", [.int], .int) { args in
            let x = try int(args[0])
            guard x != .min else { throw CELRuntimeError.overflow }
            return .int(-x)
        }
        global(CELOperator.negate, "negate_double", [.double], .double) { args in
            guard case .double(let x) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return .double(-x)
        }

        // Indexing and membership.
        global(CELOperator.index, "index_list", [.list(a), .int], a, typeParameters: ["A"]) { args in
            guard case .list(let list) = args[0] else { throw CELRuntimeError.noSuchOverload }
            let index = try int(args[1])
            guard index >= 0, index < list.elements.count else {
                throw CELRuntimeError("index out of bounds: \(index)")
            }
            return list.elements[Int(index)]
        }
        global(CELOperator.index, "index_map", [.map(a, b), a], b, typeParameters: ["A", "B"]) { args in
            try celIndexMap(args[0], args[1])
        }
        global(CELOperator.in, "in_list", [a, .list(a)], .bool, typeParameters: ["A"]) { args in
            guard case .list(let list) = args[1] else { throw CELRuntimeError.noSuchOverload }
            return .bool(list.elements.contains { celEquals($0, args[0]) })
        }
        global(CELOperator.in, "in_map", [a, .map(a, b)], .bool, typeParameters: ["A", "B"]) { args in
            switch args[1] {
            case .map(let map): return .bool(map.contains(args[0]))
            case .object(let object):
                guard case .string(let name) = args[0] else { return .bool(false) }
                return .bool(object.fields[name] != nil)
            default: throw CELRuntimeError.noSuchOverload
            }
        }

        // size.
        let sizes: [(CELType, String)] = [
            (.string, "string"), (.bytes, "bytes"), (.list(a), "list"), (.map(a, b), "map"),
        ]
        for (type, id) in sizes {
            let parameters = id == "list" ? ["A"] : (id == "map" ? ["A", "B"] : [])
            both("size", "size_\(id)", [type], .int, typeParameters: parameters) { args in
                switch args[0] {
                case .string(let text): return .int(Int64(text.unicodeScalars.count))
                case .bytes(let bytes): return .int(Int64(bytes.count))
                case .list(let list): return .int(Int64(list.elements.count))
                case .map(let map): return .int(Int64(map.count))
                case .object(let object): return .int(Int64(object.fields.count))
                default: throw CELRuntimeError.noSuchOverload
                }
            }
        }

        addConversions()
        addStringFunctions()
        addTimeFunctions()
    }

    private mutating func addConversions() {
        let a = CELType.param("A")
        global("int", "int64_to_int64", [.int], .int) { $0[0] }
        global("int", "uint64_to_int64", [.uint], .int) { args in
            guard case .uint(let x) = args[0], let value = Int64(exactly: x) else { throw CELRuntimeError.overflow }
            return .int(value)
        }
        global("int", "double_to_int64", [.double], .int) { args in
            guard case .double(let x) = args[0], x.isFinite, x > -9.223372036854775808e18, x < 9.223372036854775807e18
            else { throw CELRuntimeError.overflow }
            return .int(Int64(x.rounded(.towardZero)))
        }
        global("int", "string_to_int64", [.string], .int) { args in
            let text = try string(args[0])
            guard let value = Int64(text) else {
                throw CELRuntimeError("strconv.ParseInt: parsing \(goQuote(text)): invalid syntax")
            }
            return .int(value)
        }
        global("int", "timestamp_to_int64", [.timestamp], .int) { args in
            guard case .timestamp(let t) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return .int(t.seconds)
        }
        global("uint", "uint64_to_uint64", [.uint], .uint) { $0[0] }
        global("uint", "int64_to_uint64", [.int], .uint) { args in
            let x = try int(args[0])
            guard x >= 0 else { throw CELRuntimeError("unsigned integer overflow") }
            return .uint(UInt64(x))
        }
        global("uint", "double_to_uint64", [.double], .uint) { args in
            guard case .double(let x) = args[0], x.isFinite, x > -1, x < 1.8446744073709552e19 else {
                throw CELRuntimeError("unsigned integer overflow")
            }
            return .uint(UInt64(x.rounded(.towardZero)))
        }
        global("uint", "string_to_uint64", [.string], .uint) { args in
            let text = try string(args[0])
            guard let value = UInt64(text) else {
                throw CELRuntimeError("strconv.ParseUint: parsing \(goQuote(text)): invalid syntax")
            }
            return .uint(value)
        }
        global("double", "double_to_double", [.double], .double) { $0[0] }
        global("double", "int64_to_double", [.int], .double) { .double(Double(try int($0[0]))) }
        global("double", "uint64_to_double", [.uint], .double) { args in
            guard case .uint(let x) = args[0] else { throw CELRuntimeError.noSuchOverload }
            return .double(Double(x))
        }
        global("double", "string_to_double", [.string], .double) { args in
            let text = try string(args[0])
            let lowered = text.lowercased()
            if ["inf", "+inf", "infinity", "+infinity"].contains(lowered) { return .double(.infinity) }
            if ["-inf", "-infinity"].contains(lowered) { return .double(-.infinity) }
            if lowered == "nan" { return .double(.nan) }
            guard let value = Double(text), !text.contains(where: { $0 == " " }) else {
                throw CELRuntimeError("strconv.ParseFloat: parsing \(goQuote(text)): invalid syntax")
            }
            return .double(value)
        }
        for type in [CELType.int, .uint, .double, .bool, .string, .bytes, .timestamp, .duration] {
            global("string", "\(type)_to_string", [type], .string) { args in
                if case .bytes(let bytes) = args[0] {
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw CELRuntimeError("invalid UTF-8 in bytes, cannot convert to string")
                    }
                    return .string(text)
                }
                return .string(celDisplayString(args[0]))
            }
        }
        global("bytes", "bytes_to_bytes", [.bytes], .bytes) { $0[0] }
        global("bytes", "string_to_bytes", [.string], .bytes) { .bytes(Array(try string($0[0]).utf8)) }
        global("bool", "bool_to_bool", [.bool], .bool) { $0[0] }
        global("bool", "string_to_bool", [.string], .bool) { args in
            switch try string(args[0]) {
            case "1", "t", "T", "true", "TRUE", "True": return .bool(true)
            case "0", "f", "F", "false", "FALSE", "False": return .bool(false)
            default: throw CELRuntimeError("type conversion error from 'string' to 'bool'")
            }
        }
        global("duration", "duration_to_duration", [.duration], .duration) { $0[0] }
        global("duration", "string_to_duration", [.string], .duration) {
            .duration(try CELTime.parseDuration(try string($0[0])))
        }
        global("timestamp", "timestamp_to_timestamp", [.timestamp], .timestamp) { $0[0] }
        global("timestamp", "string_to_timestamp", [.string], .timestamp) {
            .timestamp(try CELTime.parseTimestamp(try string($0[0])))
        }
        global("timestamp", "int64_to_timestamp", [.int], .timestamp) {
            .timestamp(try CELTimestamp(seconds: try int($0[0]), nanos: 0))
        }
        global("dyn", "to_dyn", [a], .dyn, typeParameters: ["A"]) { $0[0] }
        global("type", "type", [a], .type(a), typeParameters: ["A"]) { args in .type(args[0].celType.runtimeType) }
    }

    private mutating func addStringFunctions() {
        member("contains", "contains_string", [.string, .string], .bool) { args in
            let (text, part) = (try string(args[0]), try string(args[1]))
            return .bool(part.isEmpty || Array(text.utf8).containsSubsequence(Array(part.utf8)))
        }
        member("startsWith", "starts_with_string", [.string, .string], .bool) { args in
            .bool(Array(try string(args[0]).utf8).starts(with: Array(try string(args[1]).utf8)))
        }
        member("endsWith", "ends_with_string", [.string, .string], .bool) { args in
            .bool(Array(try string(args[0]).utf8).reversed().starts(with: Array(try string(args[1]).utf8).reversed()))
        }
        both("matches", "matches_string", [.string, .string], .bool) { args in
            .bool(try CELRegex.compile(try string(args[1])).matches(try string(args[0])))
        }
    }

    private mutating func addTimeFunctions() {
        let timestampFields = [
            "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek", "getHours",
            "getMinutes", "getSeconds", "getMilliseconds",
        ]
        for name in timestampFields {
            member(name, "timestamp_\(name)", [.timestamp], .int) { args in
                guard case .timestamp(let t) = args[0] else { throw CELRuntimeError.noSuchOverload }
                return .int(try CELTime.field(name, of: t, zone: "UTC"))
            }
            member(name, "timestamp_\(name)_with_tz", [.timestamp, .string], .int) { args in
                guard case .timestamp(let t) = args[0] else { throw CELRuntimeError.noSuchOverload }
                return .int(try CELTime.field(name, of: t, zone: try string(args[1])))
            }
        }
        let durationFields: [(String, @Sendable (CELDuration) -> Int64)] = [
            ("getHours", { $0.seconds / 3600 }), ("getMinutes", { $0.seconds / 60 }),
            ("getSeconds", { $0.seconds }),
            ("getMilliseconds", { $0.seconds * 1000 + Int64($0.nanos / 1_000_000) }),
        ]
        for (name, getter) in durationFields {
            member(name, "duration_\(name)", [.duration], .int) { args in
                guard case .duration(let d) = args[0] else { throw CELRuntimeError.noSuchOverload }
                return .int(getter(d))
            }
        }
    }
}

/// A map or object member by key: `no such key: k` when absent.
func celIndexMap(_ container: CELValue, _ key: CELValue) throws -> CELValue {
    switch container {
    case .map(let map):
        guard CELMapKey(key) != nil else { throw CELRuntimeError.noSuchOverload }
        guard let value = map[key] else { throw CELRuntimeError("no such key: \(celDisplayString(key))") }
        return value
    case .object(let object):
        guard case .string(let name) = key else { throw CELRuntimeError.noSuchOverload }
        guard let value = object.fields[name] else { throw CELRuntimeError("no such key: \(name)") }
        return value
    default:
        throw CELRuntimeError.noSuchOverload
    }
}

/// Go's `%q` of a string (`strconv.Quote`).
func goQuote(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case "\u{07}": result += "\\a"
        case "\u{08}": result += "\\b"
        case "\u{0C}": result += "\\f"
        case "\u{0B}": result += "\\v"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += String(format: "\\x%02x", scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ part: [UInt8]) -> Bool {
        guard !part.isEmpty else { return true }
        guard part.count <= count else { return false }
        for start in 0...(count - part.count) where self[start] == part[0] {
            if Array(self[start..<(start + part.count)]) == part { return true }
        }
        return false
    }
}

import Foundation
import KaitoCore

/// What the API server's JSON decoding of a built-in kind refuses (400 BadRequest: `Deployment in version "v1"
/// cannot be handled as a Deployment: …`) and what it rewrites: values of the wrong JSON type, `Time` and
/// `MicroTime` strings that do not parse (the layouts are Go's), and `[]byte` values that are not base64.
/// Times are written back as Go encodes them: in UTC, `Time` to the second, `MicroTime` to the microsecond.
enum BuiltinDecoding {
    struct Failure: Error {
        var message: String
    }

    /// Checks and normalizes `value` as `type`; `context` is the Go struct holding the field and `fieldStack`
    /// the struct field names from the root, as Go's `UnmarshalTypeError` reports them.
    static func decode(
        _ value: inout JSONValue, as type: BuiltinFieldType, context: String, fieldStack: [String]
    ) throws(Failure) {
        if value == .null { return }
        func typeError(_ found: String) -> Failure {
            let field = fieldStack.joined(separator: ".")
            return Failure(
                message: "json: cannot unmarshal \(found) into Go struct field \(context).\(field) of type "
                    + goType(type))
        }
        switch type {
        case .string:
            guard case .string = value else { throw typeError(jsonKind(value)) }
        case .boolean:
            guard case .bool = value else { throw typeError(jsonKind(value)) }
        case .int32, .int64:
            switch value {
            case .integer(let number):
                if type == .int32, number < Int64(Int32.min) || number > Int64(Int32.max) {
                    throw typeError("number \(number)")
                }
            case .double(let number):
                throw typeError("number \(FieldError.render(.double(number)))")
            default:
                throw typeError(jsonKind(value))
            }
        case .number:
            switch value {
            case .integer, .double: break
            default: throw typeError(jsonKind(value))
            }
        case .quantity:
            let text: String
            switch value {
            case .string(let string): text = string
            case .integer(let number): text = String(number)
            case .double(let number): text = String(number)
            default: text = ""
            }
            if (try? Quantity(parsing: text)) == nil {
                throw Failure(
                    message: "quantities must match the regular expression "
                        + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
            }
        case .intOrString:
            switch value {
            case .string, .integer: break
            case .double(let number):
                throw Failure(
                    message: "json: cannot unmarshal number \(FieldError.render(.double(number))) into Go value of "
                        + "type int32")
            default:
                throw Failure(message: "json: cannot unmarshal \(jsonKind(value)) into Go value of type int32")
            }
        case .time, .microTime:
            guard case .string(let text) = value else {
                throw Failure(message: "json: cannot unmarshal \(jsonKind(value)) into Go value of type string")
            }
            let micro = type == .microTime
            value = .string(try GoTime.normalize(text, micro: micro))
        case .bytes:
            guard case .string(let text) = value else { throw typeError(jsonKind(value)) }
            if let offset = GoBase64.firstError(text) {
                throw Failure(message: "illegal base64 data at input byte \(offset)")
            }
        case .freeForm:
            return
        case .object(let name):
            guard case .object(var members) = value else { throw typeError(jsonKind(value)) }
            let fields = BuiltinSchemas.definitions[name] ?? [:]
            let structName = String(name.split(separator: ".").last ?? "")
            for key in members.keys.sorted() {
                guard let fieldType = fields[key], var member = members[key] else { continue }
                try decode(&member, as: fieldType, context: structName, fieldStack: fieldStack + [key])
                members[key] = member
            }
            value = .object(members)
        case .list(let element):
            guard case .array(var items) = value else { throw typeError(jsonKind(value)) }
            for index in items.indices {
                try decode(&items[index], as: element, context: context, fieldStack: fieldStack)
            }
            value = .array(items)
        case .map(let element):
            guard case .object(var members) = value else { throw typeError(jsonKind(value)) }
            for key in members.keys.sorted() {
                guard var member = members[key] else { continue }
                try decode(&member, as: element, context: context, fieldStack: fieldStack)
                members[key] = member
            }
            value = .object(members)
        }
    }

    static func jsonKind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .integer, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The Go type as `reflect.Type.String()` prints it (named string types such as `v1.RestartPolicy` print as
    /// `string` here: the schemas do not carry Go type names).
    static func goType(_ type: BuiltinFieldType) -> String {
        switch type {
        case .string: "string"
        case .int32: "int32"
        case .int64: "int64"
        case .number: "float64"
        case .boolean: "bool"
        case .time: "v1.Time"
        case .microTime: "v1.MicroTime"
        case .quantity: "resource.Quantity"
        case .intOrString: "intstr.IntOrString"
        case .bytes: "[]uint8"
        case .freeForm: "interface {}"
        case .object(let name): "v1." + (name.split(separator: ".").last.map(String.init) ?? name)
        case .list(let element): "[]" + goType(element)
        case .map(let element): "map[string]" + goType(element)
        }
    }
}

/// Go's `time.Parse` for the two layouts the API uses (`time.RFC3339` and `metav1.RFC3339Micro`), with its error
/// messages, and the UTC re-encoding `metav1.Time` and `metav1.MicroTime` do.
enum GoTime {
    static let rfc3339 = "2006-01-02T15:04:05Z07:00"
    static let rfc3339Micro = "2006-01-02T15:04:05.000000Z07:00"

    /// The value as Go writes it back (`2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.000000Z`).
    static func normalize(_ text: String, micro: Bool) throws(BuiltinDecoding.Failure) -> String {
        let layout = micro ? rfc3339Micro : rfc3339
        let parts = try parse(text, micro: micro, layout: layout)
        var components = DateComponents()
        components.year = parts.year
        components.month = parts.month
        components.day = parts.day
        components.hour = parts.hour
        components.minute = parts.minute
        components.second = parts.second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let local = calendar.date(from: components) else { return text }
        let utc = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: local.addingTimeInterval(-Double(parts.offset)))
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var result =
            "\(pad(utc.year, 4))-\(pad(utc.month, 2))-\(pad(utc.day, 2))T\(pad(utc.hour, 2)):\(pad(utc.minute, 2)):"
            + pad(utc.second, 2)
        if micro { result += "." + pad(parts.nanoseconds / 1000, 6) }
        return result + "Z"
    }

    struct Parts {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, nanoseconds = 0, offset = 0
    }

    private static func failure(_ text: String, layout: String, element: String, rest: Substring)
        -> BuiltinDecoding.Failure
    {
        BuiltinDecoding.Failure(
            message: "parsing time \(quote(text)) as \(quote(layout)): cannot parse \(quote(String(rest))) as "
                + quote(element))
    }

    private static func rangeFailure(_ text: String, _ what: String) -> BuiltinDecoding.Failure {
        BuiltinDecoding.Failure(message: "parsing time \(quote(text)): \(what) out of range")
    }

    static func quote(_ text: String) -> String { "\"" + text + "\"" }

    private static func isDigit(_ rest: Substring, _ index: Int) -> Bool {
        guard let character = rest.dropFirst(index).first else { return false }
        return character.isASCII && character.isNumber
    }

    static func parse(_ text: String, micro: Bool, layout: String) throws(BuiltinDecoding.Failure) -> Parts {
        var rest = text[...]
        var parts = Parts()
        func literal(_ character: Character) throws(BuiltinDecoding.Failure) {
            guard rest.first == character else {
                throw failure(text, layout: layout, element: String(character), rest: rest)
            }
            rest = rest.dropFirst()
        }
        func number(_ element: String, fixed: Bool) throws(BuiltinDecoding.Failure) -> Int {
            let hold = rest
            guard isDigit(rest, 0) else { throw failure(text, layout: layout, element: element, rest: hold) }
            let count = isDigit(rest, 1) ? 2 : 1
            if count == 1, fixed { throw failure(text, layout: layout, element: element, rest: hold) }
            let value = Int(rest.prefix(count)) ?? 0
            rest = rest.dropFirst(count)
            return value
        }
        // 2006
        guard rest.count >= 4, isDigit(rest, 0), let year = Int(rest.prefix(4)) else {
            throw failure(text, layout: layout, element: "2006", rest: rest)
        }
        parts.year = year
        rest = rest.dropFirst(4)
        try literal("-")
        parts.month = try number("01", fixed: true)
        if !(1...12).contains(parts.month) { throw rangeFailure(text, "month") }
        try literal("-")
        parts.day = try number("02", fixed: true)
        try literal("T")
        parts.hour = try number("15", fixed: false)
        if !(0...23).contains(parts.hour) { throw rangeFailure(text, "hour") }
        try literal(":")
        parts.minute = try number("04", fixed: true)
        if !(0...59).contains(parts.minute) { throw rangeFailure(text, "minute") }
        try literal(":")
        parts.second = try number("05", fixed: true)
        if !(0...59).contains(parts.second) { throw rangeFailure(text, "second") }
        if micro {
            let hold = rest
            guard rest.count >= 7, rest.first == "." || rest.first == ",",
                rest.dropFirst().prefix(6).allSatisfy({ $0.isASCII && $0.isNumber })
            else { throw failure(text, layout: layout, element: ".000000", rest: hold) }
            parts.nanoseconds = (Int(rest.dropFirst().prefix(6)) ?? 0) * 1000
            rest = rest.dropFirst(7)
        } else if rest.count >= 2, rest.first == "." || rest.first == ",", isDigit(rest, 1) {
            var count = 1
            while isDigit(rest, count) { count += 1 }
            let digits = String(rest.dropFirst().prefix(min(count - 1, 9)))
            parts.nanoseconds = (Int(digits) ?? 0) * Int(pow(10.0, Double(9 - digits.count)))
            rest = rest.dropFirst(count)
        }
        // Z07:00
        let hold = rest
        if rest.first == "Z" {
            rest = rest.dropFirst()
        } else {
            let zone = Array(rest.prefix(6))
            guard zone.count == 6, zone[0] == "+" || zone[0] == "-", zone[3] == ":",
                let hours = Int(String(zone[1...2])), let minutes = Int(String(zone[4...5]))
            else { throw failure(text, layout: layout, element: "Z07:00", rest: hold) }
            parts.offset = (zone[0] == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            rest = rest.dropFirst(6)
        }
        if !rest.isEmpty {
            throw BuiltinDecoding.Failure(message: "parsing time \(quote(text)): extra text: \(quote(String(rest)))")
        }
        let daysInMonth = [
            31, parts.year % 4 == 0 && (parts.year % 100 != 0 || parts.year % 400 == 0) ? 29 : 28, 31,
            30, 31, 30, 31, 31, 30, 31, 30, 31,
        ]
        if parts.day < 1 || parts.day > daysInMonth[parts.month - 1] { throw rangeFailure(text, "day") }
        return parts
    }
}

/// Where Go's `base64.StdEncoding` (padded, not strict) fails on a string: the `CorruptInputError` offset.
enum GoBase64 {
    private static func isAlphabet(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "/")
    }

    /// `nil` when `text` decodes.
    static func firstError(_ text: String) -> Int? {
        let source = Array(text.utf8)
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        let pad = UInt8(ascii: "=")
        var index = 0
        while index < source.count {
            var quantum = 0
            while quantum < 4 {
                if index == source.count {
                    if quantum == 0 { return nil }
                    return index - quantum
                }
                let byte = source[index]
                index += 1
                if isAlphabet(byte) {
                    quantum += 1
                    continue
                }
                if byte == newline || byte == carriageReturn { continue }
                guard byte == pad else { return index - 1 }
                // Padding: `=` after two characters needs a second `=`; after three it ends the input.
                switch quantum {
                case 0, 1:
                    return index - 1
                case 2:
                    while index < source.count, source[index] == newline || source[index] == carriageReturn {
                        index += 1
                    }
                    if index == source.count { return source.count }
                    if source[index] != pad { return index - 1 }
                    index += 1
                default:
                    break
                }
                while index < source.count, source[index] == newline || source[index] == carriageReturn { index += 1 }
                if index < source.count { return index }
                return nil
            }
        }
        return nil
    }
}

import KaitoCore

/// The field errors of one validation, collected in the order the API server's validators report them.
struct ValidationErrors {
    var errors: [FieldError] = []

    mutating func invalid(_ field: String, _ value: JSONValue, _ detail: String) {
        errors.append(FieldError(field: field, kind: .invalid(value), detail: detail))
    }

    mutating func required(_ field: String, _ detail: String = "") {
        errors.append(FieldError(field: field, kind: .required, detail: detail))
    }

    mutating func forbidden(_ field: String, _ detail: String) {
        errors.append(FieldError(field: field, kind: .forbidden, detail: detail))
    }

    mutating func notSupported(_ field: String, _ value: JSONValue, _ supported: [String]) {
        errors.append(FieldError(field: field, kind: .notSupported(value, supported: supported)))
    }

    mutating func duplicate(_ field: String, _ value: JSONValue) {
        errors.append(FieldError(field: field, kind: .duplicate(value)))
    }

    /// `Duplicate value` when `name` is already in `seen`, which then holds it.
    mutating func unique(_ field: String, _ name: String, in seen: inout Set<String>) {
        if !seen.insert(name).inserted { duplicate(field, .string(name)) }
    }

    mutating func notFound(_ field: String, _ value: JSONValue) {
        errors.append(FieldError(field: field, kind: .notFound(value)))
    }

    mutating func tooLong(_ field: String, _ detail: String) {
        errors.append(FieldError(field: field, kind: .tooLong, detail: detail))
    }

    /// `Invalid value` for each message of a name rule (`IsQualifiedName`, `IsDNS1123Label` …).
    mutating func invalid(_ field: String, _ value: String, messages: [String]) {
        for message in messages { invalid(field, .string(value), message) }
    }

    mutating func append(_ other: ValidationErrors) {
        errors += other.errors
    }

    /// Whether `value` is one of `supported`; reports `Unsupported value` (or `Required value` when empty) if not.
    mutating func oneOf(_ field: String, _ value: JSONValue?, _ supported: [String], required: Bool = true) {
        guard let value else {
            if required { self.required(field) }
            return
        }
        if case .string(let text) = value, supported.contains(text) { return }
        if value == .string(""), required {
            self.required(field)
            return
        }
        notSupported(field, value, supported)
    }

    /// `must be greater than or equal to 0` for a negative integer.
    mutating func nonNegative(_ field: String, _ value: JSONValue?) {
        if let number = value?.integerValue, number < 0 {
            invalid(field, .integer(number), "must be greater than or equal to 0")
        }
    }
}

extension JSONValue {
    /// The integer payload (also of a whole `.double`).
    var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value) where value == value.rounded() && abs(value) < 9e18: return Int64(value)
        default: return nil
        }
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The members of an object as string pairs (non-string values left out).
    var stringMap: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in objectValue ?? [:] {
            if let text = value.stringValue { result[key] = text }
        }
        return result
    }
}

/// Name and value rules of `k8s.io/apimachinery/pkg/util/validation`, with its messages.
enum KubeNames {
    static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        + "character"
    static let qualifiedNameRegex = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
        + "and end with an alphanumeric character"
    static let labelValueRegex = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

    /// `RegexError`: the message, examples and the regular expression.
    static func regexError(_ message: String, _ regex: String, _ examples: [String]) -> String {
        guard !examples.isEmpty else { return "\(message) (regex used for validation is '\(regex)')" }
        return "\(message) (e.g. " + examples.map { "'\($0)', " }.joined(separator: " or ")
            + "regex used for validation is '\(regex)')"
    }

    static func maxLength(_ length: Int) -> String { "must be no more than \(length) characters" }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
    static func matchesQualifiedName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return false
        }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then a name part of at most 63 characters.
    static func qualifiedNameProblems(_ value: String) -> [String] {
        var problems: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                problems.append("prefix part must be non-empty")
            } else {
                problems += dns1123SubdomainProblems(prefix).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name "
                    + regexError(qualifiedNameMessage, qualifiedNameRegex, ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            problems.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            problems.append("name part " + maxLength(63))
        }
        if !matchesQualifiedName(name) {
            problems.append(
                "name part " + regexError(qualifiedNameMessage, qualifiedNameRegex, ["MyName", "my.name", "123-abc"]))
        }
        return problems
    }

    /// `IsValidLabelValue`.
    static func labelValueProblems(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append(maxLength(63)) }
        if !value.isEmpty, !matchesQualifiedName(value) {
            problems.append(regexError(labelValueMessage, labelValueRegex, ["MyValue", "my_value", "12345"]))
        }
        return problems
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, any length.
    static func matchesDNS1123Label(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// `IsDNS1123Subdomain`.
    static func dns1123SubdomainProblems(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 253 { problems.append(maxLength(253)) }
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        if !labels.allSatisfy(matchesDNS1123Label) { problems.append(NameValidation.subdomainRule) }
        return problems
    }

    /// `IsDNS1123Label`.
    static func dns1123LabelProblems(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append(maxLength(63)) }
        if !matchesDNS1123Label(value[...]) { problems.append(NameValidation.labelRule) }
        return problems
    }

    /// `IsDNS1035Label`.
    static func dns1035LabelProblems(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append(maxLength(63)) }
        let startsWithLetter = value.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ?? false
        if !matchesDNS1123Label(value[...]) || !startsWithLetter { problems.append(NameValidation.dns1035Rule) }
        return problems
    }

    /// `IsConfigMapKey` (also used for Secret keys).
    static func configMapKeyProblems(_ key: String) -> [String] {
        var problems: [String] = []
        if key.utf8.count > 253 { problems.append(maxLength(253)) }
        let valid =
            !key.isEmpty
            && key.utf8.allSatisfy {
                isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            }
        if !valid {
            problems.append(
                regexError(
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+",
                    ["key.name", "KEY_NAME", "key-name"]))
        }
        if key == "." {
            problems.append("must not be '.'")
        } else if key == ".." {
            problems.append("must not be '..'")
        } else if key.hasPrefix("..") {
            problems.append("must not start with '..'")
        }
        return problems
    }

    /// `IsValidPortName`.
    static func portNameProblems(_ port: String) -> [String] {
        var problems: [String] = []
        if port.utf8.count > 15 { problems.append("must be no more than 15 characters") }
        let bytes = Array(port.utf8)
        let lowerAlnumDash = bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
        if !lowerAlnumDash { problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)") }
        if !bytes.contains(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) {
            problems.append("must contain at least one letter (a-z)")
        }
        if port.contains("--") { problems.append("must not contain consecutive hyphens") }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") {
            problems.append("must not begin or end with a hyphen")
        }
        return problems
    }

    /// `IsValidPortNum`.
    static func portNumberProblems(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : ["must be between 1 and 65535, inclusive"]
    }
}

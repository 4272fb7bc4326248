import Foundation
import KaitoCore

/// Compact JSON text with sorted keys, for keys of field sets, continue tokens and messages.
enum JSONText {
    static func string(from value: JSONValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    private static func write(_ value: JSONValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .integer(let number): output += String(number)
        case .double(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
                output += String(Int64(number))
            } else {
                output += number.isFinite ? String(number) : "null"
            }
        case .string(let text): writeString(text, to: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(members[key] ?? .null, to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

/// Paths of object keys inside a JSON document.
extension JSONValue {
    /// The value at a path of object keys; `nil` when any step is missing or not an object.
    func value(at path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            current = current?[key]
        }
        return current
    }

    /// Sets (or with `nil`, removes) the value at a path of object keys, creating objects on the way.
    mutating func setValue(_ newValue: JSONValue?, at path: [String]) {
        guard let first = path.first else {
            self = newValue ?? .null
            return
        }
        var object = objectValue ?? [:]
        if path.count == 1 {
            object[first] = newValue
        } else {
            var child = object[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.setValue(newValue, at: Array(path.dropFirst()))
            object[first] = child
        }
        self = .object(object)
    }

    /// Whether two values are equal, comparing numbers by value.
    func sameAs(_ other: JSONValue?) -> Bool {
        guard let other else { return false }
        return isSemanticallyEqual(to: other)
    }
}

extension Optional where Wrapped == JSONValue {
    /// Whether two optional values are equal, comparing numbers by value; two `nil`s are equal.
    func sameAs(_ other: JSONValue?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let value?, let other?): return value.isSemanticallyEqual(to: other)
        default: return false
        }
    }
}

/// Typed access to the metadata of an object stored as a JSON dictionary.
struct ObjectAccessor {
    var object: [String: JSONValue]

    init(_ object: [String: JSONValue]) {
        self.object = object
    }

    var metadata: [String: JSONValue] {
        get { object["metadata"]?.objectValue ?? [:] }
        set { object["metadata"] = .object(newValue) }
    }

    func string(_ key: String) -> String? { metadata[key]?.stringValue }

    mutating func setString(_ key: String, _ value: String?) {
        metadata[key] = value.map(JSONValue.string)
    }

    var name: String { string("name") ?? "" }
    var namespace: String { string("namespace") ?? "" }
    var uid: String { string("uid") ?? "" }
    var resourceVersion: String { string("resourceVersion") ?? "" }
    var deletionTimestamp: String? { string("deletionTimestamp") }

    var generation: Int64? {
        if case .integer(let value)? = metadata["generation"] { return value }
        return nil
    }

    var finalizers: [String] {
        get { (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue) }
        set { metadata["finalizers"] = newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string)) }
    }

    var labels: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in metadata["labels"]?.objectValue ?? [:] {
            if let text = value.stringValue { result[key] = text }
        }
        return result
    }

    var ownerReferences: [JSONValue] {
        get { metadata["ownerReferences"]?.arrayValue ?? [] }
        set { metadata["ownerReferences"] = newValue.isEmpty ? nil : .array(newValue) }
    }

    var ownerUIDs: [String] { ownerReferences.compactMap { $0["uid"]?.stringValue } }
}

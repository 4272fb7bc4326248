public import Foundation

/// RFC 3339 timestamps as Kubernetes writes them (`2024-09-06T10:00:00Z`, seconds precision).
public enum RFC3339 {
    /// Parses `2024-09-06T10:00:00Z`, `2024-09-06T10:00:00.123456Z` or `2024-09-06T12:00:00+02:00`.
    public static func date(from text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    /// Formats a date in UTC with whole seconds, as the API server does for `metav1.Time`.
    public static func string(from date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}

/// JSON encoding and decoding of Kubernetes objects with the API server's conventions.
public enum KubernetesJSON {
    /// A `JSONEncoder` that writes RFC 3339 timestamps and sorted keys (stable output for diffs and tests).
    public static func encoder(prettyPrinted: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        return encoder
    }

    /// Encodes `value` and returns it as a ``JSONValue`` tree.
    public static func jsonValue(of value: some Encodable) throws -> JSONValue {
        let data = try encoder().encode(value)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes `type` from a ``JSONValue`` tree, strictly by default.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, strict: Bool = true) throws -> T {
        try JSONValueDecoder(isStrict: strict).decode(type, from: value)
    }
}

import Foundation

/// A problem found while turning JSON into a typed object, with the field path where it happened.
public struct ObjectDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: Sendable, Hashable {
        /// The field is not part of the schema (strict decoding only).
        case unknownField
        /// The value has the wrong JSON type.
        case typeMismatch
        /// A required field is absent.
        case missingField
        /// The value has the right type but is not acceptable (a bad timestamp, an out-of-range number).
        case invalidValue
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// Dotted field path, such as `resource.count`.
    public var fieldPath: String
    /// The reason, phrased for a user.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, fieldPath: String, message: String) {
        self.kind = kind
        self.fieldPath = fieldPath
        self.message = message
    }

    /// `field.path: message`.
    public var description: String { fieldPath.isEmpty ? message : "\(fieldPath): \(message)" }
}

/// Decodes `Decodable` values straight from a ``JSONValue``, the way the Kubernetes API server reads objects.
///
/// Strict mode (the default, like `kubectl --validate=strict`) reports every field the target type does
/// not declare; schemaless fields typed as ``JSONValue`` accept anything. Integers must be JSON integers,
/// strings must be strings: `count: "two"` is a type error that names `resource.count`.
public struct JSONValueDecoder: Sendable {
    /// Whether unknown fields are errors.
    public var isStrict: Bool

    /// Creates a decoder.
    public init(isStrict: Bool = true) {
        self.isStrict = isStrict
    }

    /// Decodes `type` from `value`.
    /// - Throws: ``ObjectDecodingError`` for the first type error, or all unknown fields joined when strict.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let tracker = FieldTracker()
        let decoder = ValueDecoder(value: value, codingPath: [], tracker: tracker)
        let result: T
        do {
            result = try decoder.decodeValue(T.self)
        } catch let error as DecodingError {
            throw ObjectDecodingError(error)
        }
        if isStrict {
            let unknown = tracker.unknownFields()
            if !unknown.isEmpty {
                let message =
                    unknown.count == 1
                    ? "unknown field \"\(unknown[0])\""
                    : "unknown fields " + unknown.map { "\"\($0)\"" }.joined(separator: ", ")
                throw ObjectDecodingError(kind: .unknownField, fieldPath: unknown[0], message: message)
            }
        }
        return result
    }
}

extension ObjectDecodingError {
    init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            self.init(kind: .typeMismatch, fieldPath: context.codingPath.fieldPath, message: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(
                kind: .missingField, fieldPath: (context.codingPath + [key]).fieldPath,
                message: "required field is missing")
        case .dataCorrupted(let context):
            self.init(kind: .invalidValue, fieldPath: context.codingPath.fieldPath, message: context.debugDescription)
        @unknown default:
            self.init(kind: .invalidValue, fieldPath: "", message: "\(error)")
        }
    }
}

extension [any CodingKey] {
    /// `a.b[0].c` from a coding path.
    var fieldPath: String {
        var text = ""
        for key in self {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }
}

/// Records, for every object decoded as a typed struct, which of its keys the type asked for.
private final class FieldTracker {
    private var objects: [String: (keys: Set<String>, read: Set<String>)] = [:]

    func register(path: String, keys: some Sequence<String>) {
        if objects[path] == nil { objects[path] = (Set(keys), []) }
    }

    func read(path: String, key: String) {
        objects[path]?.read.insert(key)
    }

    func unknownFields() -> [String] {
        objects.flatMap { path, entry in
            entry.keys.subtracting(entry.read).map { path.isEmpty ? $0 : "\(path).\($0)" }
        }.sorted()
    }
}

private struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let tracker: FieldTracker
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw mismatch(expected: "object")
        }
        let path = codingPath.fieldPath
        tracker.register(path: path, keys: object.keys)
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, decoder: self, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw mismatch(expected: "array") }
        return UnkeyedContainer(array: array, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func child(_ value: JSONValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], tracker: tracker)
    }

    func mismatch(expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            Any.self,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), got \(describe(value))"))
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self, let result = value as? T { return result }
        if T.self == Date.self {
            guard case .string(let text) = value else { throw mismatch(expected: "an RFC 3339 timestamp string") }
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPath,
                        debugDescription: "\"\(text)\" is not an RFC 3339 timestamp such as 2024-09-06T10:00:00Z"))
            }
            if let result = date as? T { return result }
        }
        return try T(from: self)
    }

    func decodeString() throws -> String {
        guard case .string(let text) = value else { throw mismatch(expected: "string") }
        return text
    }

    func decodeBool() throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(expected: "boolean") }
        return flag
    }

    func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .integer(let number) = value else { throw mismatch(expected: "integer") }
        guard let result = I(exactly: number) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "\(number) does not fit in \(I.self)"))
        }
        return result
    }

    func decodeFloatingPoint() throws -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: throw mismatch(expected: "number")
        }
    }
}

private func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return "boolean \(flag)"
    case .integer(let number): return "integer \(number)"
    case .double(let number): return "number \(number)"
    case .string(let text):
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "string \"\(shown)\""
    case .array: return "array"
    case .object: return "object"
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: JSONValue]
    let decoder: ValueDecoder
    let path: String

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        decoder.tracker.read(path: path, key: key.stringValue)
        return object[key.stringValue] != nil
    }

    private func child(_ key: Key) throws -> ValueDecoder {
        decoder.tracker.read(path: path, key: key.stringValue)
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return decoder.child(value, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.tracker.read(path: path, key: key.stringValue)
        return object[key.stringValue].map { $0 == .null } ?? true
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decodeString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decodeFloatingPoint() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try child(key).decodeFloatingPoint()) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decodeInteger(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).decodeInteger(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).decodeInteger(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).decodeInteger(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).decodeInteger(Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).decodeInteger(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).decodeInteger(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).decodeInteger(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).decodeInteger(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).decodeInteger(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(T.self) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let decoder: ValueDecoder
    var currentIndex = 0

    init(array: [JSONValue], decoder: ValueDecoder) {
        self.array = array
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "unexpected end of array"))
        }
        defer { currentIndex += 1 }
        return decoder.child(array[currentIndex], key: PathKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decodeBool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().decodeString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decodeFloatingPoint() }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try next().decodeFloatingPoint()) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decodeInteger(Int.self) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decodeInteger(Int8.self) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decodeInteger(Int16.self) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decodeInteger(Int32.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decodeInteger(Int64.self) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decodeInteger(UInt.self) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decodeInteger(UInt8.self) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decodeInteger(UInt16.self) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decodeInteger(UInt32.self) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decodeInteger(UInt64.self) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeFloatingPoint() }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.decodeFloatingPoint()) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
}

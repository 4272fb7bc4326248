import Foundation

// KaitoSim's CEL engine.
//
// There is no Swift implementation of the Common Expression Language to depend on, so this folder holds one:
// a lexer and parser for CEL's grammar (with cel-go's macros), a type checker with Kubernetes' declarations, an
// interpreter, cel-go's standard library and `ext` strings and sets, the Kubernetes libraries of the v1.30 base
// environment (lists, regex, URLs, quantities, IPs, CIDRs) and a cost estimator after cel-go's `checker/cost.go`.
// It depends on Foundation only; the bridge to JSON values and OpenAPI schemas lives outside this folder.

/// How a list compares and concatenates: Kubernetes gives `x-kubernetes-list-type: set` and `map` lists
/// order-insensitive equality and merging concatenation.
enum CELListKind: Sendable, Hashable {
    /// An ordinary CEL list.
    case atomic
    /// A list of distinct scalars (`x-kubernetes-list-type: set`).
    case set
    /// A list of objects identified by these key fields (`x-kubernetes-list-type: map`).
    case map(keys: [String])
}

/// A CEL list value.
struct CELList: Sendable, Hashable {
    var elements: [CELValue]
    var kind: CELListKind = .atomic
}

/// A map key: CEL maps are keyed by ints, uints, bools or strings; numeric keys compare by value.
enum CELMapKey: Sendable, Hashable {
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case string(String)

    /// The key for a value, or `nil` when the value cannot be a map key.
    init?(_ value: CELValue) {
        switch value {
        case .int(let number): self = .int(number)
        case .uint(let number): self = number <= UInt64(Int64.max) ? .int(Int64(number)) : .uint(number)
        case .double(let number):
            if number.rounded() == number, let exact = Int64(exactly: number) {
                self = .int(exact)
            } else if number.rounded() == number, let exact = UInt64(exactly: number) {
                self = .uint(exact)
            } else {
                return nil
            }
        case .bool(let flag): self = .bool(flag)
        case .string(let text): self = .string(text)
        default: return nil
        }
    }
}

/// A CEL map value: insertion-ordered entries with lookup by key.
struct CELMap: Sendable, Hashable {
    private(set) var entries: [(key: CELValue, value: CELValue)] = []
    private var index: [CELMapKey: Int] = [:]

    init() {}

    /// Adds or replaces an entry; returns `false` when the key cannot be a map key.
    @discardableResult
    mutating func set(_ key: CELValue, _ value: CELValue) -> Bool {
        guard let mapKey = CELMapKey(key) else { return false }
        if let position = index[mapKey] {
            entries[position].value = value
        } else {
            index[mapKey] = entries.count
            entries.append((key, value))
        }
        return true
    }

    /// The value under a key.
    subscript(key: CELValue) -> CELValue? {
        guard let mapKey = CELMapKey(key), let position = index[mapKey] else { return nil }
        return entries[position].value
    }

    /// Whether the key is present.
    func contains(_ key: CELValue) -> Bool { self[key] != nil }

    var count: Int { entries.count }
    var keys: [CELValue] { entries.map(\.key) }

    static func == (lhs: CELMap, rhs: CELMap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries {
            guard let other = rhs[key], celEquals(value, other) else { return false }
        }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
    }
}

/// An object of a declared type (a schema object with properties): fields by CEL (escaped) name.
struct CELObject: Sendable, Hashable {
    var type: CELObjectType
    var fields: [String: CELValue]
}

/// A duration: seconds and nanoseconds of the same sign.
struct CELDuration: Sendable, Hashable, Comparable {
    var seconds: Int64
    var nanos: Int32

    /// ±10000 years, CEL's duration range.
    static let maxSeconds: Int64 = 315_576_000_000

    init(seconds: Int64, nanos: Int32) throws {
        var seconds = seconds
        var nanos = Int64(nanos)
        seconds += nanos / 1_000_000_000
        nanos %= 1_000_000_000
        if seconds > 0, nanos < 0 {
            seconds -= 1
            nanos += 1_000_000_000
        } else if seconds < 0, nanos > 0 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        guard abs(seconds) <= Self.maxSeconds else { throw CELRuntimeError("duration out of range") }
        self.seconds = seconds
        self.nanos = Int32(nanos)
    }

    var totalNanosDouble: Double { Double(seconds) * 1e9 + Double(nanos) }

    static func < (lhs: CELDuration, rhs: CELDuration) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }
}

/// A timestamp: seconds since the Unix epoch (UTC) and nanoseconds.
struct CELTimestamp: Sendable, Hashable, Comparable {
    var seconds: Int64
    var nanos: Int32

    /// 0001-01-01T00:00:00Z.
    static let minSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z.
    static let maxSeconds: Int64 = 253_402_300_799

    init(seconds: Int64, nanos: Int32) throws {
        var seconds = seconds
        var nanos = nanos
        if nanos < 0 {
            seconds -= 1
            nanos += 1_000_000_000
        } else if nanos >= 1_000_000_000 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        guard seconds >= Self.minSeconds, seconds <= Self.maxSeconds else {
            throw CELRuntimeError("timestamp out of range")
        }
        self.seconds = seconds
        self.nanos = nanos
    }

    static func < (lhs: CELTimestamp, rhs: CELTimestamp) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }
}

/// A value of an extension type (Kubernetes quantities, URLs, IPs, CIDRs).
protocol CELOpaqueValue: Sendable {
    /// The CEL type of the value.
    var celType: CELType { get }
    /// Equality with another value of any opaque type.
    func isEqual(to other: any CELOpaqueValue) -> Bool
}

/// A CEL runtime value.
enum CELValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list(CELList)
    case map(CELMap)
    case object(CELObject)
    case duration(CELDuration)
    case timestamp(CELTimestamp)
    case type(CELType)
    /// An optional value: `nil` is `optional.none()`.
    indirect case optional(CELValue?)
    case opaque(OpaqueBox)

    /// Wraps an extension value so that `CELValue` stays `Hashable`.
    struct OpaqueBox: Sendable, Hashable {
        let value: any CELOpaqueValue
        static func == (lhs: OpaqueBox, rhs: OpaqueBox) -> Bool { lhs.value.isEqual(to: rhs.value) }
        func hash(into hasher: inout Hasher) { hasher.combine(value.celType) }
    }

    /// An atomic list.
    static func list(_ elements: [CELValue]) -> CELValue { .list(CELList(elements: elements)) }

    /// The runtime type of the value.
    var celType: CELType {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .uint: .uint
        case .double: .double
        case .string: .string
        case .bytes: .bytes
        case .list: .list(.dyn)
        case .map: .map(.dyn, .dyn)
        case .object(let object): .object(object.type)
        case .duration: .duration
        case .timestamp: .timestamp
        case .type(let type): .type(type)
        case .optional: .optional(.dyn)
        case .opaque(let box): box.value.celType
        }
    }

    static func == (lhs: CELValue, rhs: CELValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.duration(let a), .duration(let b)): return a == b
        case (.timestamp(let a), .timestamp(let b)): return a == b
        case (.type(let a), .type(let b)): return a == b
        case (.optional(let a), .optional(let b)): return a == b
        case (.opaque(let a), .opaque(let b)): return a == b
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let text): hasher.combine(text)
        case .int(let number): hasher.combine(number)
        default: hasher.combine(celType.description)
        }
    }
}

/// An evaluation error, such as `no such key: spec` or `division by zero`.
struct CELRuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }

    static let noSuchOverload = CELRuntimeError("no such overload")
    static let overflow = CELRuntimeError("integer overflow")
}

/// CEL's heterogeneous equality: numbers compare by value across int, uint and double; values of different
/// types are unequal; Kubernetes set and map lists compare without regard to order.
func celEquals(_ lhs: CELValue, _ rhs: CELValue) -> Bool {
    switch (lhs, rhs) {
    case (.int(let a), .uint(let b)): return a >= 0 && UInt64(a) == b
    case (.uint, .int): return celEquals(rhs, lhs)
    case (.int(let a), .double(let b)): return Double(a) == b && b.rounded() == b && Int64(exactly: b) == a
    case (.double, .int): return celEquals(rhs, lhs)
    case (.uint(let a), .double(let b)): return Double(a) == b && UInt64(exactly: b) == a
    case (.double, .uint): return celEquals(rhs, lhs)
    case (.list(let a), .list(let b)):
        return listEquals(a, b)
    case (.map(let a), .map(let b)):
        return a == b
    case (.object(let a), .object(let b)):
        guard a.fields.count == b.fields.count else { return false }
        for (name, value) in a.fields {
            guard let other = b.fields[name], celEquals(value, other) else { return false }
        }
        return true
    case (.optional(let a), .optional(let b)):
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return celEquals(x, y)
        default: return false
        }
    default:
        return lhs == rhs
    }
}

private func listEquals(_ a: CELList, _ b: CELList) -> Bool {
    guard a.elements.count == b.elements.count else { return false }
    switch (a.kind, b.kind) {
    case (.set, _), (_, .set):
        return a.elements.allSatisfy { element in b.elements.contains { celEquals(element, $0) } }
            && b.elements.allSatisfy { element in a.elements.contains { celEquals(element, $0) } }
    case (.map(let keys), _), (_, .map(let keys)):
        return a.elements.allSatisfy { element in
            guard let match = b.elements.first(where: { mapListKeysEqual(element, $0, keys: keys) }) else {
                return false
            }
            return celEquals(element, match)
        }
    default:
        return zip(a.elements, b.elements).allSatisfy { celEquals($0, $1) }
    }
}

/// Whether two elements of a map list have the same key fields.
func mapListKeysEqual(_ a: CELValue, _ b: CELValue, keys: [String]) -> Bool {
    keys.allSatisfy { key in
        let left = a.field(key)
        let right = b.field(key)
        switch (left, right) {
        case (nil, nil): return true
        case (let x?, let y?): return celEquals(x, y)
        default: return false
        }
    }
}

extension CELValue {
    /// The member named `name` of an object or string-keyed map.
    func field(_ name: String) -> CELValue? {
        switch self {
        case .object(let object): object.fields[name]
        case .map(let map): map[.string(name)]
        default: nil
        }
    }

    /// Whether the value is its type's zero value (`optional.ofNonZeroValue`).
    var isZeroValue: Bool {
        switch self {
        case .null: true
        case .bool(let flag): !flag
        case .int(let number): number == 0
        case .uint(let number): number == 0
        case .double(let number): number == 0
        case .string(let text): text.isEmpty
        case .bytes(let bytes): bytes.isEmpty
        case .list(let list): list.elements.isEmpty
        case .map(let map): map.count == 0
        case .object(let object): object.fields.isEmpty
        case .duration(let duration): duration.seconds == 0 && duration.nanos == 0
        case .timestamp(let timestamp): timestamp.seconds == 0 && timestamp.nanos == 0
        case .optional(let wrapped): wrapped == nil
        case .type, .opaque: false
        }
    }
}

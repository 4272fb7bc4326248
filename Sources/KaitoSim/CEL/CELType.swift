import Foundation

/// A declared object type: a name and its fields (the CEL form of a schema object with properties).
final class CELObjectType: Sendable, Hashable, CustomStringConvertible {
    /// The type name, such as `selfType0.spec` (`types.DeclType` names).
    let name: String
    /// Field types by CEL (escaped) field name.
    let fields: [String: CELType]

    init(name: String, fields: [String: CELType]) {
        self.name = name
        self.fields = fields
    }

    static func == (lhs: CELObjectType, rhs: CELObjectType) -> Bool { lhs.name == rhs.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
    var description: String { name }
}

/// A CEL type, as the checker infers it and as `type()` returns it.
indirect enum CELType: Sendable, Hashable, CustomStringConvertible {
    case int, uint, double, bool, string, bytes, null
    /// The dynamic type: assignable to and from every type.
    case dyn
    case duration, timestamp
    case list(CELType)
    case map(CELType, CELType)
    case object(CELObjectType)
    /// The type of a type value: `type(int)`.
    case type(CELType)
    case optional(CELType)
    /// An extension type such as `kubernetes.Quantity` or `net.IP`.
    case opaque(String)
    /// A type parameter of an overload (`A` in `list(A)`), or a fresh type variable during checking.
    case param(String)
    /// The type of an expression that failed to check.
    case error

    /// The name cel-go prints in messages (`FormatCheckedType`).
    var description: String {
        switch self {
        case .int: "int"
        case .uint: "uint"
        case .double: "double"
        case .bool: "bool"
        case .string: "string"
        case .bytes: "bytes"
        case .null: "null_type"
        case .dyn: "dyn"
        case .duration: "google.protobuf.Duration"
        case .timestamp: "google.protobuf.Timestamp"
        case .list(let element): "list(\(element))"
        case .map(let key, let value): "map(\(key), \(value))"
        case .object(let object): object.name
        case .type(let type): "type(\(type))"
        case .optional(let type): "optional_type(\(type))"
        case .opaque(let name): name
        case .param(let name): name
        case .error: "*error*"
        }
    }

    /// The name `type(x)` values print and compare with (`int`, `list`, `map`, `google.protobuf.Duration`).
    var runtimeName: String {
        switch self {
        case .list: "list"
        case .map: "map"
        case .type: "type"
        case .optional: "optional_type"
        default: description
        }
    }

    /// The type with its parameters reduced to their kinds, as runtime type values compare.
    var runtimeType: CELType {
        switch self {
        case .list: .list(.dyn)
        case .map: .map(.dyn, .dyn)
        case .type: .type(.dyn)
        case .optional: .optional(.dyn)
        default: self
        }
    }

    var isDynOrError: Bool {
        switch self {
        case .dyn, .error: true
        default: false
        }
    }
}

/// The identifiers that name types in expressions (`type(x) == string`).
let celTypeIdentifiers: [String: CELType] = [
    "int": .int, "uint": .uint, "double": .double, "bool": .bool, "string": .string, "bytes": .bytes,
    "null_type": .null, "dyn": .dyn, "list": .list(.dyn), "map": .map(.dyn, .dyn), "type": .type(.dyn),
    "google.protobuf.Duration": .duration, "google.protobuf.Timestamp": .timestamp,
    "optional_type": .optional(.dyn),
]

/// The spec hash and `ControllerRevision` naming of a workspace, byte-compatible with Kaito v0.3.1.
///
/// Kaito hashes a workspace by streaming three documents through Go's `json.Encoder` into SHA-256:
/// `resource`, then `inference`, then `tuning`, each followed by `\n`. ``goJSON(_:)-(ResourceSpec?)``
/// and its overloads reproduce those bytes from our types, so the hashes (and therefore the
/// `ControllerRevision` names and the `workspace.kaito.io/hash` annotation) agree with a Go controller's.
///
/// Go `encoding/json` rules reproduced here:
/// - struct fields in Go declaration order, map keys sorted by their UTF-8 bytes, no whitespace;
/// - `omitempty`: an empty string, array or map, or a nil pointer, is left out. A pointer to an empty value is
///   kept, so `count: 0` and `strength: ""` are written (Go's `*int` and `*string`);
/// - fields without `omitempty` are always written: `preset.name`, `resource.labelSelector`, `tuning.input`
///   and `tuning.output` (`null` when nil), and `presetOptions`, a Go struct value that is `{}` when empty;
/// - `ResourceSpec` is a struct value in Go's `Workspace`, not a pointer, so a missing `resource` encodes as
///   the zero struct `{"labelSelector":null}`. A missing `inference` or `tuning` encodes as `null`;
/// - strings escaped as Go 1.22+ does (Kaito v0.3.1 is built with Go 1.22): `\"`, `\\`, `\n`, `\r`, `\t`,
///   `\b`, `\f`, other control characters as `\u00XX` (lower-case hex), and, since the encoder escapes HTML,
///   `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`, plus U+2028 and U+2029 as `\u2028` and `\u2029`.
///
/// Schemaless fields (`inference.template`, `volumeSource`) are written from their ``JSONValue`` with sorted
/// keys: integers as integers, and doubles in the shortest form that round-trips, plain below `1e21` and from
/// `1e-6` up (`0.5`, `100`), in exponent form outside that range (`1e+21`, `1e-7`), as Go's float encoder does.
/// Non-finite doubles, which JSON cannot carry, are written as `null`. Go itself marshals these fields through
/// the typed `PodTemplateSpec` and `VolumeSource` structs, which reorders fields and adds zero values (such as
/// `"creationTimestamp":null`), so a workspace with a `template` gets a stable hash that does not match Go's.
/// Presets, adapters and tuning, the cases Kaito supports, match byte for byte.
public enum WorkspaceRevision {
    /// Workspace and `ControllerRevision` annotation holding the spec hash.
    public static let hashAnnotation = "workspace.kaito.io/hash"
    /// Workspace, Deployment and Job annotation holding the revision number.
    public static let revisionAnnotation = "workspace.kaito.io/revision"
    /// `ControllerRevision` label naming the workspace it belongs to.
    public static let nameLabel = "workspace.kaito.io/name"
    /// Kaito's `MaxRevisionHistoryLimit`: the oldest revision is deleted when more than this many existed
    /// before a new one was created.
    public static let maxHistory = 10

    // MARK: Go JSON

    /// The bytes Go's `json.Encoder` writes for a `ResourceSpec`, without the trailing newline.
    ///
    /// `nil` gives `{"labelSelector":null}`, the encoding of Go's zero `ResourceSpec` value.
    public static func goJSON(_ resource: ResourceSpec?) -> String {
        node(resource).rendered()
    }

    /// The bytes Go's `json.Encoder` writes for an `*InferenceSpec`, without the trailing newline; `null` for `nil`.
    public static func goJSON(_ inference: InferenceSpec?) -> String {
        node(inference).rendered()
    }

    /// The bytes Go's `json.Encoder` writes for a `*TuningSpec`, without the trailing newline; `null` for `nil`.
    public static func goJSON(_ tuning: TuningSpec?) -> String {
        node(tuning).rendered()
    }

    // MARK: Hash

    /// Lower-case hex SHA-256 (64 characters) of the three Go JSON documents, each followed by `\n`.
    public static func hash(resource: ResourceSpec?, inference: InferenceSpec?, tuning: TuningSpec?) -> String {
        SHA256Digest(hashing: hashInput(resource: resource, inference: inference, tuning: tuning)).hex
    }

    /// The hash of a workspace's `resource`, `inference` and `tuning`, exactly as given.
    ///
    /// Kaito hashes the object the API server stored, so pass the ``Workspace/defaulted()`` workspace to get
    /// the hash a Go controller would compute.
    public static func hash(of workspace: Workspace) -> String {
        hash(resource: workspace.resource, inference: workspace.inference, tuning: workspace.tuning)
    }

    /// The text that is hashed: `goJSON(resource)`, `goJSON(inference)` and `goJSON(tuning)`, each ending in `\n`.
    static func hashInput(resource: ResourceSpec?, inference: InferenceSpec?, tuning: TuningSpec?) -> String {
        goJSON(resource) + "\n" + goJSON(inference) + "\n" + goJSON(tuning) + "\n"
    }

    // MARK: ControllerRevision

    /// The `ControllerRevision` name: the workspace name, a dash and the first five characters of the hash.
    public static func controllerRevisionName(workspaceName: String, hash: String) -> String {
        "\(workspaceName)-\(hash.prefix(5))"
    }

    /// The `ControllerRevision` `data`: `{"inference": …, "resource": …, "tuning": …}`, each value being the
    /// parsed Go JSON of that part (`null` for a missing `inference` or `tuning`).
    public static func controllerRevisionData(of workspace: Workspace) -> JSONValue {
        .object([
            "inference": node(workspace.inference).jsonValue,
            "resource": node(workspace.resource).jsonValue,
            "tuning": node(workspace.tuning).jsonValue,
        ])
    }
}

// MARK: - Go struct layouts

extension WorkspaceRevision {
    static func node(_ resource: ResourceSpec?) -> GoJSONNode {
        var fields = GoJSONFields()
        if let count = resource?.count { fields.append("count", .integer(Int64(count))) }
        fields.omitEmpty("instanceType", resource?.instanceType)
        fields.append("labelSelector", node(resource?.labelSelector))
        fields.omitEmpty("preferredNodes", resource?.preferredNodes)
        return fields.node
    }

    static func node(_ selector: LabelSelector?) -> GoJSONNode {
        guard let selector else { return .null }
        var fields = GoJSONFields()
        if let labels = selector.matchLabels, !labels.isEmpty {
            fields.append("matchLabels", .object(labels.sortedByUTF8.map { ($0.key, .string($0.value)) }))
        }
        if let expressions = selector.matchExpressions, !expressions.isEmpty {
            fields.append("matchExpressions", .array(expressions.map(node)))
        }
        return fields.node
    }

    static func node(_ requirement: LabelSelectorRequirement) -> GoJSONNode {
        var fields = GoJSONFields()
        fields.append("key", .string(requirement.key))
        fields.append("operator", .string(requirement.operator.rawValue))
        fields.omitEmpty("values", requirement.values)
        return fields.node
    }

    static func node(_ inference: InferenceSpec?) -> GoJSONNode {
        guard let inference else { return .null }
        var fields = GoJSONFields()
        if let preset = inference.preset { fields.append("preset", node(preset)) }
        fields.omitNil("template", inference.template)
        if let adapters = inference.adapters, !adapters.isEmpty {
            fields.append("adapters", .array(adapters.map(node)))
        }
        return fields.node
    }

    static func node(_ preset: PresetSpec) -> GoJSONNode {
        var options = GoJSONFields()
        options.omitEmpty("image", preset.presetOptions?.image)
        options.omitEmpty("imagePullSecrets", preset.presetOptions?.imagePullSecrets)
        var fields = GoJSONFields()
        fields.append("name", .string(preset.name))
        fields.omitEmpty("accessMode", preset.accessMode)
        fields.append("presetOptions", options.node)
        return fields.node
    }

    static func node(_ adapter: AdapterSpec) -> GoJSONNode {
        var fields = GoJSONFields()
        if let source = adapter.source { fields.append("source", node(source)) }
        if let strength = adapter.strength { fields.append("strength", .string(strength)) }
        return fields.node
    }

    static func node(_ source: DataSource?) -> GoJSONNode {
        guard let source else { return .null }
        var fields = GoJSONFields()
        fields.omitEmpty("name", source.name)
        fields.omitEmpty("urls", source.urls)
        fields.omitNil("volumeSource", source.volumeSource)
        fields.omitEmpty("image", source.image)
        fields.omitEmpty("imagePullSecrets", source.imagePullSecrets)
        return fields.node
    }

    static func node(_ destination: DataDestination?) -> GoJSONNode {
        guard let destination else { return .null }
        var fields = GoJSONFields()
        fields.omitNil("volumeSource", destination.volumeSource)
        fields.omitEmpty("image", destination.image)
        fields.omitEmpty("imagePushSecret", destination.imagePushSecret)
        return fields.node
    }

    static func node(_ tuning: TuningSpec?) -> GoJSONNode {
        guard let tuning else { return .null }
        var fields = GoJSONFields()
        if let preset = tuning.preset { fields.append("preset", node(preset)) }
        fields.omitEmpty("method", tuning.method)
        fields.omitEmpty("config", tuning.config)
        fields.append("input", node(tuning.input))
        fields.append("output", node(tuning.output))
        return fields.node
    }
}

/// The fields of one Go struct, in declaration order, with the `omitempty` helpers.
struct GoJSONFields {
    private(set) var fields: [(String, GoJSONNode)] = []

    var node: GoJSONNode { .object(fields) }

    mutating func append(_ key: String, _ value: GoJSONNode) {
        fields.append((key, value))
    }

    /// A `string` with `omitempty`: left out when nil or empty.
    mutating func omitEmpty(_ key: String, _ value: String?) {
        if let value, !value.isEmpty { append(key, .string(value)) }
    }

    /// A `[]string` with `omitempty`: left out when nil or empty.
    mutating func omitEmpty(_ key: String, _ values: [String]?) {
        if let values, !values.isEmpty { append(key, .array(values.map(GoJSONNode.string))) }
    }

    /// A struct pointer with `omitempty` held as a schemaless value: left out when nil or JSON `null`.
    mutating func omitNil(_ key: String, _ value: JSONValue?) {
        guard let value, value != .null else { return }
        append(key, GoJSONNode(value))
    }
}

// MARK: - Rendering

/// A JSON value whose object members keep the order they will be written in.
enum GoJSONNode: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([GoJSONNode])
    case object([(String, GoJSONNode)])

    /// A schemaless value with its object keys sorted by their UTF-8 bytes, as Go sorts map keys.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .integer(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(GoJSONNode.init))
        case .object(let members): self = .object(members.sortedByUTF8.map { ($0.key, GoJSONNode($0.value)) })
        }
    }

    /// Compact Go JSON text.
    func rendered() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .double(let value): out += GoJSONNode.goFloat(value)
        case .string(let value): GoJSONNode.appendQuoted(value, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.render(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                GoJSONNode.appendQuoted(member.0, to: &out)
                out += ":"
                member.1.render(into: &out)
            }
            out += "}"
        }
    }

    /// The value a JSON parser reads back from ``rendered()``: a double written without fraction or exponent
    /// comes back as an integer, as ``JSONValue``'s decoder does.
    var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .integer(let value): return .integer(value)
        case .double(let value):
            guard value.isFinite else { return .null }
            let text = GoJSONNode.goFloat(value)
            if !text.contains(where: { $0 == "." || $0 == "e" }), let integer = Int64(text) { return .integer(integer) }
            return .double(value)
        case .string(let value): return .string(value)
        case .array(let values): return .array(values.map(\.jsonValue))
        case .object(let members):
            return .object(Dictionary(members.map { ($0.0, $0.1.jsonValue) }, uniquingKeysWith: { _, last in last }))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    /// Appends `text` as a quoted Go JSON string with HTML escaping (Go 1.22+ rules).
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                appendUnicodeEscape(scalar.value, to: &out)
            default:
                if scalar.value < 0x20 {
                    appendUnicodeEscape(scalar.value, to: &out)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func appendUnicodeEscape(_ value: UInt32, to out: inout String) {
        out += "\\u"
        for shift in stride(from: 12, through: 0, by: -4) {
            out.unicodeScalars.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    /// A double as Go's `encoding/json` writes it: the shortest digits that round-trip, in plain decimal
    /// notation when `1e-6 <= |value| < 1e21` (or zero), otherwise in exponent notation with the exponent
    /// sign always written and at least two exponent digits for positive exponents (`1e+21`, `1e-7`).
    /// Non-finite values, which Go refuses to encode, are written as `null`.
    static func goFloat(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = value.magnitude
        // Swift's description already holds the shortest round-tripping digits; only the layout differs.
        let description = magnitude.description
        var mantissa = Substring(description)
        var exponent = 0
        if let e = description.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = description[..<e]
            exponent = Int(description[description.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = parts.first ?? ""
        let fractionPart = parts.count > 1 ? parts[1] : ""
        var digits = Array(integerPart + fractionPart)
        // The decimal point sits after `point` digits.
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        guard !digits.isEmpty else { return sign + "0" }

        if magnitude < 1e-6 || magnitude >= 1e21 {
            var text = sign + String(digits[0])
            if digits.count > 1 { text += "." + String(digits[1...]) }
            let power = point - 1
            if power < 0 {
                text += "e-" + String(-power)
            } else {
                text += "e+" + (power < 10 ? "0" : "") + String(power)
            }
            return text
        }
        if point <= 0 {
            return sign + "0." + String(repeating: "0", count: -point) + String(digits)
        }
        if point >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: point - digits.count)
        }
        return sign + String(digits[..<point]) + "." + String(digits[point...])
    }
}

extension Dictionary where Key == String {
    /// The members in Go's map-key order: by UTF-8 bytes.
    fileprivate var sortedByUTF8: [(key: String, value: Value)] {
        sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}

// MARK: - SHA-256

/// A SHA-256 digest (FIPS 180-4), computed in memory. Linux has no CryptoKit, and the revision hash is the
/// only digest Kaito needs, so a small implementation lives here rather than a crypto package.
struct SHA256Digest: Sendable, Hashable {
    /// The 32 digest bytes.
    let bytes: [UInt8]

    /// The digest as 64 lower-case hex characters.
    var hex: String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var text = ""
        text.unicodeScalars.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.unicodeScalars.append(digits[Int(byte >> 4)])
            text.unicodeScalars.append(digits[Int(byte & 0xF)])
        }
        return text
    }

    /// The digest of the UTF-8 bytes of `text`.
    init(hashing text: String) {
        self.init(hashing: Array(text.utf8))
    }

    /// The digest of `message`.
    init(hashing message: [UInt8]) {
        var state = Self.initialState
        var schedule = [UInt32](repeating: 0, count: 64)
        let fullBlocks = message.count / 64
        for block in 0..<fullBlocks {
            Self.compress(&state, message, offset: block * 64, schedule: &schedule)
        }
        // Padding: 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
        var tail = Array(message[(fullBlocks * 64)...])
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        for offset in stride(from: 0, to: tail.count, by: 64) {
            Self.compress(&state, tail, offset: offset, schedule: &schedule)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in state {
            bytes.append(UInt8(truncatingIfNeeded: word >> 24))
            bytes.append(UInt8(truncatingIfNeeded: word >> 16))
            bytes.append(UInt8(truncatingIfNeeded: word >> 8))
            bytes.append(UInt8(truncatingIfNeeded: word))
        }
        self.bytes = bytes
    }

    private static func compress(_ state: inout [UInt32], _ data: [UInt8], offset: Int, schedule w: inout [UInt32]) {
        for t in 0..<16 {
            let i = offset + t * 4
            w[t] = UInt32(data[i]) << 24 | UInt32(data[i + 1]) << 16 | UInt32(data[i + 2]) << 8 | UInt32(data[i + 3])
        }
        for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ roundConstants[t] &+ w[t]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }

    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}

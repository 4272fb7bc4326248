/// A Kubernetes resource quantity (`resource.Quantity` of k8s.io/apimachinery), such as `16Gi`, `500m` or `2`.
///
/// The value is stored exactly as a decimal significand and a power of ten; it never goes through `Double`.
/// As in apimachinery, values are rounded up (away from zero) to a multiple of 10⁻⁹ ("1n") when parsed.
///
/// Two quantities are equal, hash alike and compare by **value**, whatever their ``Format``:
/// `1Gi == 1073741824` and `1k == 1000`.
///
/// ``description`` is the canonical Kubernetes form, as `Quantity.String()` prints it: `16Gi`, `0`, `400`,
/// `500m`, `1536Mi` for `1.5Gi`, `1500m` for `1.5`, `1k` for `1000`. Unlike apimachinery, the original text is never
/// echoed back, so the rare inputs that Go keeps verbatim (`+1Gi`, `01Gi`) print canonically here (`1Gi`).
///
/// Encoded as a JSON (or YAML) string; decoding also accepts a bare number, as the API server does.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// How a quantity prefers to be printed.
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// Powers of 1024: `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`. Falls back to decimal when not a whole multiple of
        /// a power of 1024 that is at least 1024.
        case binarySI = "BinarySI"
        /// Powers of 1000: `n`, `u`, `m`, (none), `k`, `M`, `G`, `T`, `P`, `E`.
        case decimalSI = "DecimalSI"
        /// Powers of ten written as an exponent that is a multiple of 3: `1e3`, `12e6`.
        case decimalExponent = "DecimalExponent"
    }

    /// The decimal significand, without trailing zeros (zero is stored as `0 × 10⁰`).
    let significand: Int64
    /// The power of ten applied to ``significand``; never below -9.
    let exponent: Int
    /// The preferred output format (the suffix family the quantity was written with).
    public let format: Format

    /// The smallest exponent a quantity keeps: nano units, as in Kubernetes.
    static let minimumExponent = -9
    /// The largest exponent the parser accepts (`1e1000`): far beyond any real resource, it keeps arithmetic bounded.
    static let maximumExponent = 1_000

    // MARK: - Creating quantities

    /// Parses a Kubernetes quantity string such as `16Gi`, `1.5`, `500m`, `2e3` or `-1`.
    ///
    /// Accepts an optional sign, digits with an optional decimal fraction (`1.5`, `.5`, `1.`), and one suffix:
    /// binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m k M G T P E`, or an exponent `e3` / `E-2`.
    /// - Throws: ``QuantityError`` saying what is wrong with `text`.
    public init(parsing text: String) throws {
        self = try QuantityParser.parse(text)
    }

    /// Creates a quantity holding a whole number, printed in `format`.
    ///
    /// Mirrors `resource.NewQuantity(value, format)`: `Quantity(integer: 2)` prints `2`,
    /// `Quantity(integer: 1 << 30, format: .binarySI)` prints `1Gi`.
    public init(integer: Int64, format: Format = .decimalSI) {
        var value = integer
        var exponent = 0
        while value != 0, value % 10 == 0 {
            value /= 10
            exponent += 1
        }
        self.init(significand: value, exponent: value == 0 ? 0 : exponent, format: format)
    }

    /// Creates a quantity of `n` gibibytes (`n × 2³⁰` bytes) in binary format, e.g. `gibibytes(16)` is `16Gi`.
    public static func gibibytes(_ n: Int64) -> Quantity {
        let (bytes, overflow) = n.multipliedReportingOverflow(by: 1 << 30)
        if !overflow {
            return Quantity(integer: bytes, format: .binarySI)
        }
        return Quantity(integer: n, format: .binarySI) * (1 << 30)
    }

    /// The zero quantity (`0`).
    public static let zero = Quantity(integer: 0)

    /// Memberwise initializer for already-normalized values.
    init(significand: Int64, exponent: Int, format: Format) {
        self.significand = significand
        self.exponent = exponent
        self.format = format
    }

    // MARK: - Reading the value

    /// Whether the quantity is exactly zero.
    public var isZero: Bool { significand == 0 }

    /// Whether the quantity is below zero.
    public var isNegative: Bool { significand < 0 }

    /// The value as a whole number, rounded away from zero (apimachinery `Quantity.Value()`).
    ///
    /// For memory and disk quantities this is the number of bytes: `1.5Gi` gives 1610612736, `400` gives 400,
    /// `500m` gives 1. Values beyond the `Int64` range saturate at `Int64.max` / `Int64.min`.
    public var bytesRoundedUp: Int64 {
        if significand == 0 { return 0 }
        if exponent >= 0 {
            var value = significand
            for _ in 0..<exponent {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return significand > 0 ? .max : .min }
                value = next
            }
            return value
        }
        var divisor: Int64 = 1
        for _ in 0..<(-exponent) { divisor *= 10 }  // exponent >= -9, so divisor <= 10^9
        let quotient = significand / divisor
        let remainder = significand % divisor
        if remainder == 0 { return quotient }
        return significand > 0 ? quotient + 1 : quotient - 1
    }

    // MARK: - Canonical form

    /// The canonical Kubernetes spelling of the quantity (apimachinery `Quantity.String()`).
    public var description: String {
        if significand == 0 { return "0" }
        let sign = significand < 0 ? "-" : ""
        if format == .binarySI, let (amount, power) = binaryCanonicalForm() {
            return sign + String(amount) + Self.binarySuffixes[power]
        }
        // Decimal forms: make the exponent a multiple of three by moving digits into the significand.
        var digits = String(significand.magnitude)
        var exponent = self.exponent
        let remainder = ((exponent % 3) + 3) % 3
        if remainder != 0 {
            digits += String(repeating: "0", count: remainder)
            exponent -= remainder
        }
        if format != .decimalExponent, let suffix = Self.decimalSuffixes[exponent] {
            return sign + digits + suffix
        }
        return sign + digits + (exponent == 0 ? "" : "e\(exponent)")
    }

    /// The `(amount, power of 1024)` pair for binary output, or nil when the value must print in decimal.
    private func binaryCanonicalForm() -> (UInt64, Int)? {
        // Below 1024 in magnitude, or with a fractional part, Kubernetes prints decimal to avoid rounding.
        guard exponent >= 0 else { return nil }
        var magnitude = significand.magnitude
        for _ in 0..<exponent {
            let (next, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = next
        }
        guard magnitude >= 1024 else { return nil }
        var power = 0
        while power < Self.binarySuffixes.count - 1, magnitude % 1024 == 0 {
            magnitude /= 1024
            power += 1
        }
        return (magnitude, power)
    }

    /// Binary suffixes by power of 1024.
    private static let binarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]

    /// Decimal SI suffixes by power of ten.
    private static let decimalSuffixes: [Int: String] = [
        -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
    ]

    // MARK: - Comparison and arithmetic

    /// Two quantities are equal when their values are equal, whatever their formats.
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.significand == rhs.significand && lhs.exponent == rhs.exponent
    }

    /// Hashes the value only (not the format), consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(significand)
        hasher.combine(exponent)
    }

    /// Orders quantities by value.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        if lhs.significand.signum() != rhs.significand.signum() {
            return lhs.significand.signum() < rhs.significand.signum()
        }
        if lhs.significand == 0 { return false }
        let magnitudeOrder = compareMagnitudes(lhs, rhs)
        return lhs.significand > 0 ? magnitudeOrder < 0 : magnitudeOrder > 0
    }

    /// Compares |lhs| with |rhs| for two non-zero normalized quantities: -1, 0 or 1.
    private static func compareMagnitudes(_ lhs: Quantity, _ rhs: Quantity) -> Int {
        let lhsDigits = String(lhs.significand.magnitude).count
        let rhsDigits = String(rhs.significand.magnitude).count
        // Order of magnitude first: the position of the leading digit.
        let lhsLead = lhsDigits + lhs.exponent
        let rhsLead = rhsDigits + rhs.exponent
        if lhsLead != rhsLead { return lhsLead < rhsLead ? -1 : 1 }
        // Same leading position: pad both significands to the same digit count (at most 19 digits, fits UInt64).
        let width = max(lhsDigits, rhsDigits)
        var left = lhs.significand.magnitude
        var right = rhs.significand.magnitude
        for _ in lhsDigits..<width { left *= 10 }
        for _ in rhsDigits..<width { right *= 10 }
        return left == right ? 0 : (left < right ? -1 : 1)
    }

    /// The quantity multiplied by a whole number, keeping the format (apimachinery `Quantity.Mul`).
    ///
    /// Results beyond 19 significant digits are rounded up to 18 significant digits.
    public static func * (lhs: Quantity, rhs: Int) -> Quantity {
        let (product, overflow) = lhs.significand.multipliedReportingOverflow(by: Int64(rhs))
        if !overflow {
            return normalizedInteger(product, exponent: lhs.exponent, format: lhs.format)
        }
        let magnitude = QuantityDigits.multiply(
            QuantityDigits(lhs.significand.magnitude), QuantityDigits(UInt64(rhs.magnitude)))
        let negative = (lhs.significand < 0) != (rhs < 0)
        return QuantityParser.normalize(
            negative: negative, digits: magnitude, exponent: lhs.exponent, format: lhs.format)
    }

    /// The quantity multiplied by a whole number, keeping the quantity's format.
    public static func * (lhs: Int, rhs: Quantity) -> Quantity {
        rhs * lhs
    }

    /// The sum of two quantities, in the left operand's format (the right one's when the left is zero).
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        let format = lhs.isZero ? rhs.format : lhs.format
        if rhs.isZero { return Quantity(significand: lhs.significand, exponent: lhs.exponent, format: format) }
        if lhs.isZero { return Quantity(significand: rhs.significand, exponent: rhs.exponent, format: format) }
        let exponent = min(lhs.exponent, rhs.exponent)
        var left = QuantityDigits(lhs.significand.magnitude)
        var right = QuantityDigits(rhs.significand.magnitude)
        left.appendZeros(lhs.exponent - exponent)
        right.appendZeros(rhs.exponent - exponent)
        let lhsNegative = lhs.significand < 0
        let rhsNegative = rhs.significand < 0
        if lhsNegative == rhsNegative {
            let sum = QuantityDigits.add(left, right)
            return QuantityParser.normalize(negative: lhsNegative, digits: sum, exponent: exponent, format: format)
        }
        // Opposite signs: subtract the smaller magnitude from the larger one.
        switch QuantityDigits.compare(left, right) {
        case 0:
            return Quantity(significand: 0, exponent: 0, format: format)
        case 1:
            let difference = QuantityDigits.subtract(left, right)
            return QuantityParser.normalize(
                negative: lhsNegative, digits: difference, exponent: exponent, format: format)
        default:
            let difference = QuantityDigits.subtract(right, left)
            return QuantityParser.normalize(
                negative: rhsNegative, digits: difference, exponent: exponent, format: format)
        }
    }

    /// The negated quantity.
    public static prefix func - (operand: Quantity) -> Quantity {
        if operand.significand == .min {
            // |Int64.min| does not fit: go through the general path.
            return QuantityParser.normalize(
                negative: false, digits: QuantityDigits(operand.significand.magnitude),
                exponent: operand.exponent, format: operand.format)
        }
        return Quantity(significand: -operand.significand, exponent: operand.exponent, format: operand.format)
    }

    /// The difference of two quantities, in the left operand's format (the right one's when the left is zero).
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity {
        lhs + (-rhs)
    }

    /// Strips trailing zeros from an Int64 significand.
    private static func normalizedInteger(_ value: Int64, exponent: Int, format: Format) -> Quantity {
        if value == 0 { return Quantity(significand: 0, exponent: 0, format: format) }
        var value = value
        var exponent = exponent
        while value % 10 == 0 {
            value /= 10
            exponent += 1
        }
        return Quantity(significand: value, exponent: exponent, format: format)
    }

    // MARK: - Codable

    /// Decodes a quantity from a string (`"16Gi"`) or, as the API server also accepts, a bare number (`2`, `1.5`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let number = try? container.decode(Double.self), number.isFinite {
            // The shortest round-tripping spelling of the JSON number, e.g. 1.5 -> "1.5", 1e-05 -> "1e-05".
            text = "\(number)"
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a Kubernetes quantity string such as \"16Gi\" or a number")
        }
        do {
            self = try Quantity(parsing: text)
        } catch let error as QuantityError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the canonical string form (``description``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a string is not a valid Kubernetes quantity.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Hashable {
        /// The text is empty.
        case empty
        /// The text has no digits where the number should be.
        case missingNumber
        /// The text after the number is not a known suffix or exponent.
        case unknownSuffix
        /// The value has more than 19 significant digits after rounding to nano units, or a huge exponent.
        case outOfRange
    }

    /// The kind of problem.
    public var code: Code
    /// The text that was parsed.
    public var input: String

    /// Creates an error for `input`.
    public init(code: Code, input: String) {
        self.code = code
        self.input = input
    }

    /// One line saying what was wrong and what is accepted.
    public var description: String {
        switch code {
        case .empty:
            return "quantity is empty; expected a number with an optional suffix, such as \"16Gi\", \"500m\" or \"2\""
        case .missingNumber:
            return "quantity \"\(input)\" does not start with a number; "
                + "expected a form such as \"16Gi\", \"1.5\" or \"-2\""
        case .unknownSuffix:
            return "quantity \"\(input)\" has an unknown suffix; use one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, "
                + "or an exponent such as e3"
        case .outOfRange:
            return "quantity \"\(input)\" is out of range; at most 19 significant digits down to nano (1e-9) units"
        }
    }
}

// MARK: - Parsing

/// The quantity grammar, kept apart from the value type.
enum QuantityParser {
    /// Parses `text` into a normalized quantity.
    static func parse(_ text: String) throws -> Quantity {
        if text.isEmpty { throw QuantityError(code: .empty, input: text) }
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits = QuantityDigits()
        var fractionCount = 0
        var sawDigit = false
        while index < bytes.count, let digit = decimalDigit(bytes[index]) {
            digits.append(digit)
            sawDigit = true
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, let digit = decimalDigit(bytes[index]) {
                digits.append(digit)
                fractionCount += 1
                sawDigit = true
                index += 1
            }
        }
        if !sawDigit { throw QuantityError(code: .missingNumber, input: text) }
        let suffix = String(decoding: bytes[index...], as: UTF8.self)
        guard let (kind, power) = interpret(suffix: suffix) else {
            throw QuantityError(code: .unknownSuffix, input: text)
        }
        var exponent = -fractionCount
        let format: Quantity.Format
        switch kind {
        case .binary:
            format = .binarySI
            // Multiply by 2^power, one factor of 1024 at a time (power is a multiple of 10).
            for _ in 0..<(power / 10) { digits.multiply(by: 1024) }
        case .decimal:
            format = .decimalSI
            exponent += power
        case .exponent:
            format = .decimalExponent
            exponent += power
        }
        let (quantity, isExact) = normalizeReportingPrecision(
            negative: negative, digits: digits, exponent: exponent, format: format)
        if !isExact || quantity.exponent > Quantity.maximumExponent {
            throw QuantityError(code: .outOfRange, input: text)
        }
        return quantity
    }

    private enum SuffixKind {
        case binary, decimal, exponent
    }

    /// The suffix family and the power (of 2 for binary, of 10 otherwise), or nil when unknown.
    private static func interpret(suffix: String) -> (SuffixKind, Int)? {
        switch suffix {
        case "": return (.decimal, 0)
        case "n": return (.decimal, -9)
        case "u": return (.decimal, -6)
        case "m": return (.decimal, -3)
        case "k": return (.decimal, 3)
        case "M": return (.decimal, 6)
        case "G": return (.decimal, 9)
        case "T": return (.decimal, 12)
        case "P": return (.decimal, 15)
        case "E": return (.decimal, 18)
        case "Ki": return (.binary, 10)
        case "Mi": return (.binary, 20)
        case "Gi": return (.binary, 30)
        case "Ti": return (.binary, 40)
        case "Pi": return (.binary, 50)
        case "Ei": return (.binary, 60)
        default:
            guard let first = suffix.first, first == "e" || first == "E" else { return nil }
            let rest = suffix.dropFirst()
            let unsigned = rest.first == "-" || rest.first == "+" ? rest.dropFirst() : rest
            guard !unsigned.isEmpty, unsigned.allSatisfy({ $0.isASCII && $0.isNumber }),
                let power = Int(rest), abs(power) <= 100_000
            else { return nil }
            return (.exponent, power)
        }
    }

    private static func decimalDigit(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }

    /// Builds a normalized quantity from a magnitude `digits × 10^exponent`.
    ///
    /// Rounds up (away from zero) to nano units and strips trailing zeros. When the significand would not fit an
    /// `Int64`, it is rounded up to 18 significant digits (the parser reports that case as out of range instead).
    static func normalize(negative: Bool, digits: QuantityDigits, exponent: Int, format: Quantity.Format) -> Quantity {
        normalizeReportingPrecision(negative: negative, digits: digits, exponent: exponent, format: format).quantity
    }

    /// ``normalize(negative:digits:exponent:format:)``, also saying whether only the nano rounding applied
    /// (`isExact` is false when significant digits had to be dropped to fit an `Int64`).
    static func normalizeReportingPrecision(
        negative: Bool, digits: QuantityDigits, exponent: Int, format: Quantity.Format
    ) -> (quantity: Quantity, isExact: Bool) {
        var digits = digits
        var exponent = exponent
        var isExact = true
        digits.trimLeadingZeros()
        if digits.isZero { return (Quantity(significand: 0, exponent: 0, format: format), true) }
        exponent += digits.trimTrailingZeros()
        if exponent < Quantity.minimumExponent {
            digits.roundUpDroppingLast(Quantity.minimumExponent - exponent)
            exponent = Quantity.minimumExponent
            exponent += digits.trimTrailingZeros()
        }
        if !digits.fitsInt64 {
            isExact = false
            let dropped = digits.count - 18
            exponent += dropped
            digits.roundUpDroppingLast(dropped)
            exponent += digits.trimTrailingZeros()
        }
        let magnitude = digits.int64Value
        let quantity = Quantity(significand: negative ? -magnitude : magnitude, exponent: exponent, format: format)
        return (quantity, isExact)
    }
}

/// A non-negative arbitrary-length decimal integer, most significant digit first.
///
/// Only used on the slow paths of parsing and arithmetic, where values can exceed `Int64` before normalizing.
struct QuantityDigits: Sendable, Hashable {
    /// Digits 0...9, most significant first.
    private(set) var digits: [UInt8] = []

    /// An empty number (zero).
    init() {}

    /// The digits of `value`.
    init(_ value: UInt64) {
        digits = String(value).utf8.map { $0 - UInt8(ascii: "0") }
    }

    /// Number of digits.
    var count: Int { digits.count }

    /// Whether every digit is zero (or there are none).
    var isZero: Bool { digits.allSatisfy { $0 == 0 } }

    /// Whether the value is at most `Int64.max`.
    var fitsInt64: Bool {
        if digits.count < 19 { return true }
        if digits.count > 19 { return false }
        let maxDigits = QuantityDigits(UInt64(Int64.max)).digits
        return digits.lexicographicallyPrecedes(maxDigits) || digits == maxDigits
    }

    /// The value as Int64; only valid when ``fitsInt64``.
    var int64Value: Int64 {
        digits.reduce(Int64(0)) { $0 &* 10 &+ Int64($1) }
    }

    /// Appends one digit at the least significant end.
    mutating func append(_ digit: UInt8) {
        digits.append(digit)
    }

    /// Multiplies by 10^count.
    mutating func appendZeros(_ count: Int) {
        if count > 0 { digits.append(contentsOf: repeatElement(0, count: count)) }
    }

    /// Removes leading zeros.
    mutating func trimLeadingZeros() {
        if let first = digits.firstIndex(where: { $0 != 0 }) {
            digits.removeFirst(first)
        } else {
            digits.removeAll()
        }
    }

    /// Removes trailing zeros and returns how many were removed.
    mutating func trimTrailingZeros() -> Int {
        var removed = 0
        while digits.count > 1, digits.last == 0 {
            digits.removeLast()
            removed += 1
        }
        return removed
    }

    /// Drops the last `count` digits, adding one to what remains when any dropped digit was non-zero.
    mutating func roundUpDroppingLast(_ count: Int) {
        guard count > 0 else { return }
        let dropped = digits.suffix(count)
        let roundUp = dropped.contains { $0 != 0 }
        digits.removeLast(min(count, digits.count))
        if roundUp { self = QuantityDigits.add(self, QuantityDigits(1)) }
        trimLeadingZeros()
        if digits.isEmpty { digits = [0] }
    }

    /// Multiplies in place by a small factor.
    mutating func multiply(by factor: UInt64) {
        self = QuantityDigits.multiply(self, QuantityDigits(factor))
    }

    /// Schoolbook product of two numbers.
    static func multiply(_ lhs: QuantityDigits, _ rhs: QuantityDigits) -> QuantityDigits {
        if lhs.digits.isEmpty || rhs.digits.isEmpty { return QuantityDigits() }
        var result = [Int](repeating: 0, count: lhs.count + rhs.count)
        for (i, a) in lhs.digits.reversed().enumerated() {
            for (j, b) in rhs.digits.reversed().enumerated() {
                result[i + j] += Int(a) * Int(b)
            }
        }
        var carry = 0
        for index in result.indices {
            let total = result[index] + carry
            result[index] = total % 10
            carry = total / 10
        }
        var product = QuantityDigits()
        product.digits = result.reversed().map { UInt8($0) }
        product.trimLeadingZeros()
        return product
    }

    /// Sum of two numbers.
    static func add(_ lhs: QuantityDigits, _ rhs: QuantityDigits) -> QuantityDigits {
        var result: [UInt8] = []
        var left = Array(lhs.digits.reversed())
        var right = Array(rhs.digits.reversed())
        let width = max(left.count, right.count)
        left += repeatElement(0, count: width - left.count)
        right += repeatElement(0, count: width - right.count)
        var carry: UInt8 = 0
        for index in 0..<width {
            let total = left[index] + right[index] + carry
            result.append(total % 10)
            carry = total / 10
        }
        if carry > 0 { result.append(carry) }
        var sum = QuantityDigits()
        sum.digits = result.reversed()
        return sum
    }

    /// Difference `lhs - rhs`; requires `lhs >= rhs`.
    static func subtract(_ lhs: QuantityDigits, _ rhs: QuantityDigits) -> QuantityDigits {
        var result: [UInt8] = []
        let left = Array(lhs.digits.reversed())
        var right = Array(rhs.digits.reversed())
        right += repeatElement(0, count: max(0, left.count - right.count))
        var borrow: Int = 0
        for index in 0..<left.count {
            var value = Int(left[index]) - Int(right[index]) - borrow
            borrow = 0
            if value < 0 {
                value += 10
                borrow = 1
            }
            result.append(UInt8(value))
        }
        var difference = QuantityDigits()
        difference.digits = result.reversed()
        difference.trimLeadingZeros()
        return difference
    }

    /// Compares two numbers: -1, 0 or 1.
    static func compare(_ lhs: QuantityDigits, _ rhs: QuantityDigits) -> Int {
        var left = lhs
        var right = rhs
        left.trimLeadingZeros()
        right.trimLeadingZeros()
        if left.count != right.count { return left.count < right.count ? -1 : 1 }
        if left.digits == right.digits { return 0 }
        return left.digits.lexicographicallyPrecedes(right.digits) ? -1 : 1
    }
}

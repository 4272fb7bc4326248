import Foundation

private func text(_ value: CELValue) throws -> String {
    guard case .string(let text) = value else { throw CELRuntimeError.noSuchOverload }
    return text
}

private func opaque<T: CELOpaqueValue>(_ value: CELValue, as type: T.Type) throws -> T {
    guard case .opaque(let box) = value, let typed = box.value as? T else { throw CELRuntimeError.noSuchOverload }
    return typed
}

// MARK: - Quantity

/// A Kubernetes resource quantity (`resource.Quantity`): an exact decimal value and its suffix.
struct CELQuantity: CELOpaqueValue, CustomStringConvertible {
    static let type = CELType.opaque("kubernetes.Quantity")
    var value: Decimal
    var original: String

    var celType: CELType { Self.type }
    var description: String { original }

    func isEqual(to other: any CELOpaqueValue) -> Bool {
        guard let other = other as? CELQuantity else { return false }
        return value == other.value
    }

    static let formatError =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    /// Parses `1Gi`, `500m`, `1.5`, `1e3`.
    static func parse(_ text: String) throws -> CELQuantity {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var numberText = ""
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" {
            numberText.unicodeScalars.append(scalars[index])
            index += 1
        }
        var sawDigit = false
        var sawDot = false
        while index < scalars.count, ("0"..."9").contains(scalars[index]) || (scalars[index] == "." && !sawDot) {
            if scalars[index] == "." { sawDot = true } else { sawDigit = true }
            numberText.unicodeScalars.append(scalars[index])
            index += 1
        }
        guard sawDigit else { throw CELRuntimeError(formatError) }
        let suffix = String(String.UnicodeScalarView(scalars[index...]))
        guard var value = Decimal(string: numberText, locale: Locale(identifier: "en_US_POSIX")) else {
            throw CELRuntimeError(formatError)
        }
        let binary: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
        let decimal: [String: Int] = [
            "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
        ]
        if let power = binary[suffix] {
            value *= pow(Decimal(2), power)
        } else if let exponent = decimal[suffix] {
            value *= pow(Decimal(10), exponent >= 0 ? exponent : 0)
            if exponent < 0 { value /= pow(Decimal(10), -exponent) }
        } else if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()),
            abs(exponent) < 100
        {
            if exponent >= 0 { value *= pow(Decimal(10), exponent) } else { value /= pow(Decimal(10), -exponent) }
        } else {
            throw CELRuntimeError(formatError)
        }
        return CELQuantity(value: value, original: text)
    }

    var isInteger: Bool {
        var rounded = Decimal()
        var copy = value
        NSDecimalRound(&rounded, &copy, 0, .plain)
        return rounded == value
    }
}

// MARK: - URL

/// A parsed URL (`url()` of Kubernetes' URL library, after Go's `url.ParseRequestURI`).
struct CELURL: CELOpaqueValue, CustomStringConvertible {
    static let type = CELType.opaque("kubernetes.URL")
    var original: String
    var scheme: String
    var host: String
    var path: String
    var query: String

    var celType: CELType { Self.type }
    var description: String { original }
    func isEqual(to other: any CELOpaqueValue) -> Bool { (other as? CELURL)?.original == original }

    static func parse(_ text: String) throws -> CELURL {
        func fail() -> CELRuntimeError {
            CELRuntimeError(
                "URL parse error during conversion from string: parse \(goQuote(text)): invalid URI for request")
        }
        guard !text.isEmpty, !text.contains(where: { $0 == " " || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw fail()
        }
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        if rest.hasPrefix("/") {
            return CELURL(original: text, scheme: "", host: "", path: String(rest), query: query)
        }
        guard let colon = rest.firstIndex(of: ":") else { throw fail() }
        let scheme = String(rest[..<colon])
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw fail() }
        rest = rest[rest.index(after: colon)...]
        var host = ""
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            host = String(rest[..<end])
            if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
            rest = rest[end...]
        } else if !rest.hasPrefix("/") {
            throw fail()
        }
        return CELURL(original: text, scheme: scheme, host: host, path: String(rest), query: query)
    }

    var hostname: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    var port: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            return after.hasPrefix(":") ? String(after.dropFirst()) : ""
        }
        if let colon = host.lastIndex(of: ":") { return String(host[host.index(after: colon)...]) }
        return ""
    }
}

// MARK: - IP and CIDR

/// An IPv4 or IPv6 address (`net.IP` of Kubernetes' IP library).
struct CELIP: CELOpaqueValue, CustomStringConvertible {
    static let type = CELType.opaque("net.IP")
    /// 4 or 16 bytes.
    var bytes: [UInt8]

    var celType: CELType { Self.type }
    func isEqual(to other: any CELOpaqueValue) -> Bool { (other as? CELIP)?.bytes == bytes }
    var family: Int64 { bytes.count == 4 ? 4 : 6 }

    static func parse(_ text: String) throws -> CELIP {
        if text.contains("%") { throw CELRuntimeError("IP address with zone value is not allowed") }
        if let v4 = parseV4(text) { return CELIP(bytes: v4) }
        if let v6 = parseV6(text) {
            if v6[0..<10].allSatisfy({ $0 == 0 }), v6[10] == 0xFF, v6[11] == 0xFF {
                throw CELRuntimeError("IPv4-mapped IPv6 address is not allowed")
            }
            return CELIP(bytes: v6)
        }
        throw CELRuntimeError(
            "IP Address \(goQuote(text)) parse error during conversion from string: ParseAddr(\(goQuote(text))):"
                + " unable to parse IP"
        )
    }

    static func parseV4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                !(part.count > 1 && part.hasPrefix("0")), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        sawGap = halves.count == 2
        func groups(_ part: String, allowV4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowV4, index == pieces.count - 1, piece.contains("."), let v4 = parseV4(String(piece)) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let first = groups(halves[0], allowV4: !sawGap) else { return nil }
        head = first
        if sawGap {
            guard let second = groups(halves[1], allowV4: true) else { return nil }
            tail = second
        }
        let total = head.count + tail.count
        if sawGap { guard total < 8 else { return nil } } else { guard total == 8 else { return nil } }
        let all = head + Array(repeating: 0, count: 8 - total) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : (bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1)
    }
    var isLinkLocalMulticast: Bool {
        bytes.count == 4
            ? (bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0) : (bytes[0] == 0xFF && bytes[1] & 0x0F == 2)
    }
    var isLinkLocalUnicast: Bool {
        bytes.count == 4 ? (bytes[0] == 169 && bytes[1] == 254) : (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80)
    }
    var isGlobalUnicast: Bool {
        if bytes.count == 4 {
            if bytes == [255, 255, 255, 255] { return false }
            return !isUnspecified && !isLoopback && !(bytes[0] >= 224 && bytes[0] < 240) && !isLinkLocalUnicast
        }
        return !isUnspecified && !isLoopback && bytes[0] != 0xFF && !isLinkLocalUnicast
    }
}

/// An IP prefix (`net.CIDR` of Kubernetes' CIDR library).
struct CELCIDR: CELOpaqueValue, CustomStringConvertible {
    static let type = CELType.opaque("net.CIDR")
    var address: CELIP
    var prefixLength: Int

    var celType: CELType { Self.type }
    func isEqual(to other: any CELOpaqueValue) -> Bool {
        guard let other = other as? CELCIDR else { return false }
        return other.address.bytes == address.bytes && other.prefixLength == prefixLength
    }
    var description: String { "\(address)/\(prefixLength)" }

    static func parse(_ text: String) throws -> CELCIDR {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), let address = try? CELIP.parse(String(parts[0])),
            length >= 0, length <= address.bytes.count * 8, !parts[1].hasPrefix("+")
        else {
            throw CELRuntimeError(
                "network address parse error during conversion from string: netip.ParsePrefix(\(goQuote(text))):"
                    + " invalid prefix"
            )
        }
        return CELCIDR(address: address, prefixLength: length)
    }

    var masked: CELCIDR {
        var bytes = address.bytes
        for index in bytes.indices {
            let bitsKept = max(0, min(8, prefixLength - index * 8))
            bytes[index] &= bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
        }
        return CELCIDR(address: CELIP(bytes: bytes), prefixLength: prefixLength)
    }

    func contains(_ ip: CELIP) -> Bool {
        guard ip.bytes.count == address.bytes.count else { return false }
        return CELCIDR(address: ip, prefixLength: prefixLength).masked.address.bytes == masked.address.bytes
    }
}

extension CELLibraryBuilder {
    /// Kubernetes' quantity library.
    mutating func addKubernetesQuantity() {
        let q = CELQuantity.type
        typeIdentifiers["kubernetes.Quantity"] = q
        global("quantity", "string_to_quantity", [.string], q) {
            .opaque(.init(value: try CELQuantity.parse(try text($0[0]))))
        }
        global("isQuantity", "is_quantity_string", [.string], .bool) {
            .bool((try? CELQuantity.parse(try text($0[0]))) != nil)
        }
        member("isInteger", "quantity_is_integer", [q], .bool) {
            .bool(try opaque($0[0], as: CELQuantity.self).isInteger)
        }
        member("asInteger", "quantity_get_int", [q], .int) { args in
            let quantity = try opaque(args[0], as: CELQuantity.self)
            guard quantity.isInteger, let value = Int64(exactly: NSDecimalNumber(decimal: quantity.value).int64Value),
                Decimal(value) == quantity.value
            else { throw CELRuntimeError("cannot convert value to integer") }
            return .int(value)
        }
        member("asApproximateFloat", "quantity_get_float", [q], .double) {
            .double(NSDecimalNumber(decimal: try opaque($0[0], as: CELQuantity.self).value).doubleValue)
        }
        member("sign", "quantity_get_sign", [q], .int) { args in
            let value = try opaque(args[0], as: CELQuantity.self).value
            return .int(value > 0 ? 1 : (value < 0 ? -1 : 0))
        }
        let comparisons: [(String, @Sendable (Decimal, Decimal) -> Bool)] = [
            ("isGreaterThan", { $0 > $1 }), ("isLessThan", { $0 < $1 }),
        ]
        for (name, test) in comparisons {
            member(name, "quantity_\(name)", [q, q], .bool) { args in
                .bool(
                    test(
                        try opaque(args[0], as: CELQuantity.self).value, try opaque(args[1], as: CELQuantity.self).value
                    ))
            }
        }
        member("compareTo", "quantity_compare_to", [q, q], .int) { args in
            let (x, y) = (
                try opaque(args[0], as: CELQuantity.self).value, try opaque(args[1], as: CELQuantity.self).value
            )
            return .int(x < y ? -1 : (x == y ? 0 : 1))
        }
        for (name, sign) in [("add", Decimal(1)), ("sub", Decimal(-1))] {
            member(name, "quantity_\(name)", [q, q], q) { args in
                let (x, y) = (try opaque(args[0], as: CELQuantity.self), try opaque(args[1], as: CELQuantity.self))
                let value = x.value + sign * y.value
                return .opaque(.init(value: CELQuantity(value: value, original: "\(value)")))
            }
            member(name, "quantity_\(name)_int", [q, .int], q) { args in
                guard case .int(let y) = args[1] else { throw CELRuntimeError.noSuchOverload }
                let value = try opaque(args[0], as: CELQuantity.self).value + sign * Decimal(y)
                return .opaque(.init(value: CELQuantity(value: value, original: "\(value)")))
            }
        }
    }

    /// Kubernetes' URL library.
    mutating func addKubernetesURLs() {
        let u = CELURL.type
        typeIdentifiers["kubernetes.URL"] = u
        global("url", "string_to_url", [.string], u) { .opaque(.init(value: try CELURL.parse(try text($0[0])))) }
        global("isURL", "is_url_string", [.string], .bool) { .bool((try? CELURL.parse(try text($0[0]))) != nil) }
        let getters: [(String, @Sendable (CELURL) -> String)] = [
            ("getScheme", \.scheme), ("getHost", \.host), ("getHostname", \.hostname), ("getPort", \.port),
            ("getEscapedPath", \.path),
        ]
        for (name, getter) in getters {
            member(name, "url_\(name)", [u], .string) { .string(getter(try opaque($0[0], as: CELURL.self))) }
        }
        member("getQuery", "url_getQuery", [u], .map(.string, .list(.string))) { args in
            var map = CELMap()
            let query = try opaque(args[0], as: CELURL.self).query
            for pair in query.split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
                let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
                var existing: [CELValue] = []
                if case .list(let list)? = map[.string(key)] { existing = list.elements }
                map.set(.string(key), .list(existing + [.string(value)]))
            }
            return .map(map)
        }
    }

    /// Kubernetes' IP library.
    mutating func addKubernetesIP() {
        let ip = CELIP.type
        typeIdentifiers["net.IP"] = ip
        global("ip", "string_to_ip", [.string], ip) { .opaque(.init(value: try CELIP.parse(try text($0[0])))) }
        global("isIP", "is_ip", [.string], .bool) { .bool((try? CELIP.parse(try text($0[0]))) != nil) }
        global("ip.isCanonical", "ip_is_canonical", [.string], .bool) { args in
            let source = try text(args[0])
            return .bool(try CELIP.parse(source).description == source)
        }
        global("string", "ip_to_string", [ip], .string) { .string(try opaque($0[0], as: CELIP.self).description) }
        member("family", "ip_family", [ip], .int) { .int(try opaque($0[0], as: CELIP.self).family) }
        let tests: [(String, @Sendable (CELIP) -> Bool)] = [
            ("isUnspecified", \.isUnspecified), ("isLoopback", \.isLoopback),
            ("isLinkLocalMulticast", \.isLinkLocalMulticast), ("isLinkLocalUnicast", \.isLinkLocalUnicast),
            ("isGlobalUnicast", \.isGlobalUnicast),
        ]
        for (name, test) in tests {
            member(name, "ip_\(name)", [ip], .bool) { .bool(test(try opaque($0[0], as: CELIP.self))) }
        }
    }

    /// Kubernetes' CIDR library.
    mutating func addKubernetesCIDR() {
        let c = CELCIDR.type
        let ip = CELIP.type
        typeIdentifiers["net.CIDR"] = c
        global("cidr", "string_to_cidr", [.string], c) { .opaque(.init(value: try CELCIDR.parse(try text($0[0])))) }
        global("isCIDR", "is_cidr", [.string], .bool) { .bool((try? CELCIDR.parse(try text($0[0]))) != nil) }
        global("string", "cidr_to_string", [c], .string) { .string(try opaque($0[0], as: CELCIDR.self).description) }
        member("containsIP", "cidr_contains_ip_ip", [c, ip], .bool) { args in
            .bool(try opaque(args[0], as: CELCIDR.self).contains(try opaque(args[1], as: CELIP.self)))
        }
        member("containsIP", "cidr_contains_ip_string", [c, .string], .bool) { args in
            .bool(try opaque(args[0], as: CELCIDR.self).contains(try CELIP.parse(try text(args[1]))))
        }
        member("containsCIDR", "cidr_contains_cidr", [c, c], .bool) { args in
            let (outer, inner) = (try opaque(args[0], as: CELCIDR.self), try opaque(args[1], as: CELCIDR.self))
            return .bool(inner.prefixLength >= outer.prefixLength && outer.contains(inner.address))
        }
        member("containsCIDR", "cidr_contains_cidr_string", [c, .string], .bool) { args in
            let (outer, inner) = (try opaque(args[0], as: CELCIDR.self), try CELCIDR.parse(try text(args[1])))
            return .bool(inner.prefixLength >= outer.prefixLength && outer.contains(inner.address))
        }
        member("ip", "cidr_ip", [c], ip) { .opaque(.init(value: try opaque($0[0], as: CELCIDR.self).address)) }
        member("masked", "cidr_masked", [c], c) { .opaque(.init(value: try opaque($0[0], as: CELCIDR.self).masked)) }
        member("prefixLength", "cidr_prefix_length", [c], .int) {
            .int(Int64(try opaque($0[0], as: CELCIDR.self).prefixLength))
        }
    }
}

import Foundation

/// Timestamp and duration parsing, formatting and calendar fields (UTC and named or fixed time zones).
enum CELTime {
    // MARK: - Civil calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    // MARK: - Timestamps

    /// Parses RFC 3339 (`2024-01-02T03:04:05.123Z`, `…+01:00`).
    static func parseTimestamp(_ text: String) throws -> CELTimestamp {
        let characters = Array(text.utf8)
        var index = 0
        func fail() -> CELRuntimeError {
            CELRuntimeError("cannot parse \"\(text)\" as RFC 3339 timestamp")
        }
        func digits(_ count: Int) throws -> Int64 {
            guard index + count <= characters.count else { throw fail() }
            var value: Int64 = 0
            for offset in 0..<count {
                let byte = characters[index + offset]
                guard byte >= 48, byte <= 57 else { throw fail() }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func literal(_ allowed: String) throws {
            guard index < characters.count, allowed.utf8.contains(characters[index]) else { throw fail() }
            index += 1
        }
        let year = try digits(4)
        try literal("-")
        let month = try digits(2)
        try literal("-")
        let day = try digits(2)
        try literal("Tt")
        let hour = try digits(2)
        try literal(":")
        let minute = try digits(2)
        try literal(":")
        let second = try digits(2)
        var nanos: Int64 = 0
        if index < characters.count, characters[index] == UInt8(ascii: ".") {
            index += 1
            var count = 0
            while index < characters.count, characters[index] >= 48, characters[index] <= 57 {
                if count < 9 { nanos = nanos * 10 + Int64(characters[index] - 48) }
                count += 1
                index += 1
            }
            guard count > 0 else { throw fail() }
            for _ in count..<9 where count < 9 { nanos *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard index < characters.count else { throw fail() }
        if characters[index] == UInt8(ascii: "Z") || characters[index] == UInt8(ascii: "z") {
            index += 1
        } else {
            let sign: Int64 = characters[index] == UInt8(ascii: "-") ? -1 : 1
            try literal("+-")
            let hours = try digits(2)
            try literal(":")
            let minutes = try digits(2)
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        guard index == characters.count else { throw fail() }
        let monthDays: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), day >= 1, day <= monthDays[Int(month - 1)], hour < 24, minute < 60,
            second < 60
        else { throw fail() }
        let seconds =
            days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            - offsetSeconds
        return try CELTimestamp(seconds: seconds, nanos: Int32(nanos))
    }

    /// RFC 3339 with the fraction trimmed (Go's `time.RFC3339Nano`), in UTC.
    static func format(_ timestamp: CELTimestamp) -> String {
        let dayCount = floorDiv(timestamp.seconds, 86_400)
        let secondOfDay = timestamp.seconds - dayCount * 86_400
        let (year, month, day) = civil(days: dayCount)
        var text = String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day,
            secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
        if timestamp.nanos != 0 {
            var fraction = String(format: "%09d", timestamp.nanos)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// The UTC offset in seconds of a time zone name (`America/New_York`, `UTC`, `+05:30`, `-08:00`) at an
    /// instant.
    static func zoneOffset(_ zone: String, at seconds: Int64) throws -> Int64 {
        let characters = Array(zone)
        if let first = characters.first, first == "+" || first == "-" {
            let parts = zone.dropFirst().split(separator: ":")
            guard parts.count == 2, let hours = Int64(parts[0]), let minutes = Int64(parts[1]) else {
                throw CELRuntimeError("unknown time zone \(zone)")
            }
            return (first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        if zone == "UTC" || zone.isEmpty { return 0 }
        guard let timeZone = TimeZone(identifier: zone) else { throw CELRuntimeError("unknown time zone \(zone)") }
        return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    /// A calendar field of a timestamp in a time zone.
    static func field(_ name: String, of timestamp: CELTimestamp, zone: String) throws -> Int64 {
        let local = timestamp.seconds + (try zoneOffset(zone, at: timestamp.seconds))
        let dayCount = floorDiv(local, 86_400)
        let secondOfDay = local - dayCount * 86_400
        let (year, month, day) = civil(days: dayCount)
        switch name {
        case "getFullYear": return year
        case "getMonth": return month - 1
        case "getDayOfYear": return dayCount - days(year: year, month: 1, day: 1)
        case "getDayOfMonth": return day - 1
        case "getDate": return day
        case "getDayOfWeek": return ((dayCount % 7) + 11) % 7
        case "getHours": return secondOfDay / 3600
        case "getMinutes": return secondOfDay / 60 % 60
        case "getSeconds": return secondOfDay % 60
        default: return Int64(timestamp.nanos / 1_000_000)
        }
    }

    // MARK: - Durations

    /// Parses Go's duration syntax (`1h30m`, `1.5s`, `-300ms`).
    static func parseDuration(_ text: String) throws -> CELDuration {
        func fail() -> CELRuntimeError { CELRuntimeError("time: invalid duration \"\(text)\"") }
        var characters = Array(text.unicodeScalars)
        var negative = false
        if let first = characters.first, first == "-" || first == "+" {
            negative = first == "-"
            characters.removeFirst()
        }
        if characters == ["0"] { return try CELDuration(seconds: 0, nanos: 0) }
        guard !characters.isEmpty else { throw fail() }
        var totalNanos: Double = 0
        var exactNanos: Int64 = 0
        var exact = true
        var index = 0
        let units: [String: Int64] = [
            "ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000,
        ]
        while index < characters.count {
            var whole: Int64 = 0
            var fraction: Double = 0
            var scale: Double = 1
            var sawDigits = false
            while index < characters.count, ("0"..."9").contains(characters[index]) {
                let (product, overflow) = whole.multipliedReportingOverflow(by: 10)
                guard !overflow else { throw fail() }
                whole = product + Int64(characters[index].value - 48)
                index += 1
                sawDigits = true
            }
            if index < characters.count, characters[index] == "." {
                index += 1
                while index < characters.count, ("0"..."9").contains(characters[index]) {
                    scale /= 10
                    fraction += Double(characters[index].value - 48) * scale
                    index += 1
                    sawDigits = true
                }
            }
            guard sawDigits else { throw fail() }
            var unit = ""
            while index < characters.count, !("0"..."9").contains(characters[index]), characters[index] != "." {
                unit.unicodeScalars.append(characters[index])
                index += 1
            }
            guard let multiplier = units[unit] else { throw fail() }
            totalNanos += (Double(whole) + fraction) * Double(multiplier)
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            if overflow { exact = false }
            exactNanos = exactNanos &+ product &+ Int64(fraction * Double(multiplier))
        }
        if !exact || totalNanos > 9.3e18 { throw fail() }
        if negative { exactNanos = -exactNanos }
        return try CELDuration(seconds: exactNanos / 1_000_000_000, nanos: Int32(exactNanos % 1_000_000_000))
    }

    /// `1.5s`, as cel-go prints durations.
    static func format(_ duration: CELDuration) -> String {
        var text = "\(duration.seconds)"
        if duration.nanos != 0 {
            let sign = duration.seconds == 0 && duration.nanos < 0 ? "-" : ""
            var fraction = String(format: "%09d", abs(duration.nanos))
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text = sign + text + "." + fraction
        }
        return text + "s"
    }

    static func add(_ a: CELDuration, _ b: CELDuration) throws -> CELDuration {
        let (seconds, overflow) = a.seconds.addingReportingOverflow(b.seconds)
        guard !overflow else { throw CELRuntimeError.overflow }
        return try CELDuration(seconds: seconds, nanos: a.nanos + b.nanos)
    }

    static func negate(_ a: CELDuration) throws -> CELDuration {
        try CELDuration(seconds: -a.seconds, nanos: -a.nanos)
    }

    static func add(_ t: CELTimestamp, _ d: CELDuration) throws -> CELTimestamp {
        let (seconds, overflow) = t.seconds.addingReportingOverflow(d.seconds)
        guard !overflow else { throw CELRuntimeError.overflow }
        var nanos = t.nanos + d.nanos
        var carry: Int64 = 0
        if nanos >= 1_000_000_000 {
            nanos -= 1_000_000_000
            carry = 1
        } else if nanos < 0 {
            nanos += 1_000_000_000
            carry = -1
        }
        do {
            return try CELTimestamp(seconds: seconds + carry, nanos: nanos)
        } catch {
            throw CELRuntimeError("timestamp overflow")
        }
    }

    static func subtract(_ a: CELTimestamp, _ b: CELTimestamp) throws -> CELDuration {
        try CELDuration(seconds: a.seconds - b.seconds, nanos: a.nanos - b.nanos)
    }
}

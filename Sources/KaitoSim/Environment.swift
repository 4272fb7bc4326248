public import Foundation

/// The time source of the emulator: wall-clock readings for timestamps and waits for watch timeouts and
/// periodic bookmarks.
///
/// Inject ``SystemClock`` in a server and ``ManualClock`` in tests, which then never sleep.
public protocol SimulationClock: Sendable {
    /// The current time.
    func now() -> Date

    /// Suspends until `deadline` by this clock, returning at once when it has passed.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemClock: SimulationClock {
    /// Creates the clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps with `Task.sleep` for the time left until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .seconds(interval))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// A clock that moves only when told to, for deterministic tests.
///
/// Sleepers wake when ``advance(by:)`` or ``set(to:)`` moves the time to or past their deadline.
public final class ManualClock: SimulationClock, @unchecked Sendable {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    // Guarded by `lock`.
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UInt64: Sleeper] = [:]
    private var cancelled: Set<UInt64> = []
    private var nextID: UInt64 = 0

    /// Creates a clock reading `now` (by default 2024-01-01T00:00:00Z).
    public init(now: Date = Date(timeIntervalSince1970: 1_704_067_200)) {
        current = now
    }

    /// The current reading.
    public func now() -> Date {
        lock.withLock { current }
    }

    /// How many tasks are waiting in ``sleep(until:)``.
    public var sleeperCount: Int {
        lock.withLock { sleepers.count }
    }

    /// Moves the clock forward by `seconds` and wakes every sleeper whose deadline has come.
    public func advance(by seconds: TimeInterval) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = current.addingTimeInterval(max(0, seconds))
            return takeDueSleepers()
        }
        due.forEach { $0.resume() }
    }

    /// Sets the clock to `date` (never backwards) and wakes every sleeper whose deadline has come.
    public func set(to date: Date) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = max(current, date)
            return takeDueSleepers()
        }
        due.forEach { $0.resume() }
    }

    /// Waits until the clock reaches `deadline`.
    public func sleep(until deadline: Date) async throws {
        let id: UInt64 = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = lock.withLock {
                    if cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= current { return .success(()) }
                    sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper: Sleeper? = lock.withLock {
                if let sleeper = sleepers.removeValue(forKey: id) { return sleeper }
                cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    private func takeDueSleepers() -> [CheckedContinuation<Void, any Error>] {
        let dueIDs = sleepers.filter { $0.value.deadline <= current }.map(\.key)
        return dueIDs.compactMap { sleepers.removeValue(forKey: $0)?.continuation }
    }
}

/// The source of server-generated identifiers: object UIDs and the random suffixes of `generateName`.
public protocol IdentifierSource: Sendable {
    /// A new UID, such as `0b3f6d5e-2c1a-4e8b-9a7d-3f2e1c0b9a8d`.
    mutating func makeUID() -> String

    /// A new suffix of `length` characters for `generateName`, drawn from ``GeneratedNames/alphabet``.
    mutating func makeNameSuffix(length: Int) -> String
}

/// Constants of generated names.
public enum GeneratedNames {
    /// The characters Kubernetes uses for `generateName` suffixes: lower-case consonants and digits without
    /// look-alikes (`k8s.io/apimachinery/pkg/util/rand`), so that no words are spelled.
    public static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    /// Length of the random suffix.
    public static let suffixLength = 5
    /// The longest prefix kept from `generateName` (63 − 5), as `names.SimpleNameGenerator` truncates.
    public static let maximumPrefixLength = 58
}

/// Random identifiers from the system's random number generator, for a running server.
public struct RandomIdentifierSource: IdentifierSource {
    private var generator = SystemRandomNumberGenerator()

    /// Creates the source.
    public init() {}

    /// A random version-4 UUID, lower case.
    public mutating func makeUID() -> String {
        UUIDFormatting.string(high: generator.next(), low: generator.next())
    }

    /// Random characters from ``GeneratedNames/alphabet``.
    public mutating func makeNameSuffix(length: Int) -> String {
        String(
            (0..<length).map { _ in
                GeneratedNames.alphabet[Int(generator.next() % UInt64(GeneratedNames.alphabet.count))]
            })
    }
}

/// Reproducible identifiers from a seed (SplitMix64), for tests.
public struct SeededIdentifierSource: IdentifierSource {
    private var state: UInt64

    /// Creates a source; the same seed gives the same sequence.
    public init(seed: UInt64 = 0) {
        state = seed
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next version-4 UUID of the sequence.
    public mutating func makeUID() -> String {
        UUIDFormatting.string(high: next(), low: next())
    }

    /// The next suffix of the sequence.
    public mutating func makeNameSuffix(length: Int) -> String {
        String((0..<length).map { _ in GeneratedNames.alphabet[Int(next() % UInt64(GeneratedNames.alphabet.count))] })
    }
}

enum UUIDFormatting {
    /// Formats 128 bits as a lower-case version-4, variant-1 UUID.
    static func string(high: UInt64, low: UInt64) -> String {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex = hexDigits(high, count: 16) + hexDigits(low, count: 16)
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }

    private static func hexDigits(_ value: UInt64, count: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, count - text.count)) + text
    }
}

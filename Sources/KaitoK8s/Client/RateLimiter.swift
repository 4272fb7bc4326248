/// A token bucket like client-go's: `qps` tokens a second, at most `burst` saved up, as a plain value.
///
/// ``reserve(at:)`` takes one token and says how long the caller must wait for it; a caller that has to wait
/// still takes its token (the count goes negative), so callers are served in arrival order. The bucket never
/// reads a clock, so tests drive it with chosen instants.
struct TokenBucket: Sendable {
    /// Tokens added per second; 0 or less disables limiting.
    let qps: Double
    /// The most tokens saved up, and the number available at the start.
    let burst: Double
    /// Tokens available now; negative when callers are already waiting.
    private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date.
    private var last: ContinuousClock.Instant?

    /// Creates a full bucket.
    init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(max(1, burst))
        self.tokens = Double(max(1, burst))
    }

    /// Whether the bucket limits at all (`qps <= 0` disables it).
    var isUnlimited: Bool { qps <= 0 }

    /// Takes a token at `now` and returns how long the caller waits before it may send (zero when a token was
    /// saved up).
    mutating func reserve(at now: ContinuousClock.Instant) -> Duration {
        guard !isUnlimited else { return .zero }
        if let last, now > last {
            let elapsed = now - last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(burst, tokens + seconds * qps)
        }
        if last.map({ now > $0 }) ?? true { last = now }
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64((-tokens / qps * 1e9).rounded(.up)))
    }
}

/// The shared, waiting side of a ``TokenBucket``: each request reserves a token and sleeps until it is due.
actor RateLimiter {
    private var bucket: TokenBucket
    private let clock = ContinuousClock()
    /// Whether the limiter limits at all (`qps <= 0` disables it).
    nonisolated let isUnlimited: Bool

    /// Creates a limiter with a full bucket.
    init(qps: Double, burst: Int) {
        self.bucket = TokenBucket(qps: qps, burst: burst)
        self.isUnlimited = bucket.isUnlimited
    }

    /// Waits until the caller may send a request.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func acquire() async throws {
        guard !isUnlimited else { return }
        let wait = bucket.reserve(at: clock.now)
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}

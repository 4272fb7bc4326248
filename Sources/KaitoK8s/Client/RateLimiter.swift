/// A token bucket like client-go's: `qps` tokens a second, at most `burst` saved up.
///
/// Each caller reserves a token and waits until it is due, so callers are served in arrival order.
actor RateLimiter {
    private let qps: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant
    private let clock = ContinuousClock()

    init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(max(1, burst))
        self.tokens = Double(max(1, burst))
        self.last = ContinuousClock().now
    }

    /// Whether the limiter limits at all (`qps <= 0` disables it).
    nonisolated var isUnlimited: Bool { qps <= 0 }

    /// Waits until the caller may send a request.
    func acquire() async throws {
        guard !isUnlimited else { return }
        let now = clock.now
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * qps)
        tokens -= 1
        if tokens >= 0 { return }
        let wait = -tokens / qps
        try await Task.sleep(for: .milliseconds(Int((wait * 1000).rounded(.up))))
    }
}

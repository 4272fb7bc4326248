import Testing

@testable import KaitoK8s

@Suite("TokenBucket: client-go's rate limit, driven by chosen instants")
struct TokenBucketTests {
    private let start = ContinuousClock.Instant.now

    @Test("The burst is available at once; then requests are spaced 1/qps apart in arrival order")
    func burstThenSpacing() {
        var bucket = TokenBucket(qps: 5, burst: 10)
        for _ in 0..<10 { #expect(bucket.reserve(at: start) == .zero) }
        #expect(bucket.reserve(at: start) == .milliseconds(200))
        #expect(bucket.reserve(at: start) == .milliseconds(400))
        #expect(bucket.reserve(at: start) == .milliseconds(600))
    }

    @Test("Time refills tokens at qps, never beyond the burst")
    func refill() {
        var bucket = TokenBucket(qps: 2, burst: 3)
        for _ in 0..<3 { #expect(bucket.reserve(at: start) == .zero) }
        // One second later two tokens are back.
        let later = start + .seconds(1)
        #expect(bucket.reserve(at: later) == .zero)
        #expect(bucket.reserve(at: later) == .zero)
        #expect(bucket.reserve(at: later) == .milliseconds(500))
        // An hour of idleness saves up only `burst` tokens.
        let idle = later + .seconds(3600)
        for _ in 0..<3 { #expect(bucket.reserve(at: idle) == .zero) }
        #expect(bucket.reserve(at: idle) == .milliseconds(500))
    }

    @Test("A waiting caller's reservation counts: the next caller waits behind it")
    func reservationsQueue() {
        var bucket = TokenBucket(qps: 10, burst: 1)
        #expect(bucket.reserve(at: start) == .zero)
        #expect(bucket.reserve(at: start) == .milliseconds(100))
        // 50ms later the first waiter is still pending, so the next is due 150ms after this instant.
        #expect(bucket.reserve(at: start + .milliseconds(50)) == .milliseconds(150))
        // An instant earlier than the last one (callers racing) does not refill or go backwards.
        #expect(bucket.reserve(at: start) == .milliseconds(250))
    }

    @Test("qps 0 (or less) is unlimited; a burst below 1 still lets one request through")
    func unlimitedAndTinyBurst() {
        var unlimited = TokenBucket(qps: 0, burst: 10)
        #expect(unlimited.isUnlimited)
        for _ in 0..<1000 { #expect(unlimited.reserve(at: start) == .zero) }
        var negative = TokenBucket(qps: -1, burst: 0)
        #expect(negative.reserve(at: start) == .zero)

        var tiny = TokenBucket(qps: 1, burst: 0)
        #expect(tiny.reserve(at: start) == .zero)
        #expect(tiny.reserve(at: start) == .seconds(1))
    }

    @Test("client-go's defaults: qps 5, burst 10")
    func defaults() {
        let options = KubernetesClientOptions()
        #expect(options.qps == 5)
        #expect(options.burst == 10)
    }
}

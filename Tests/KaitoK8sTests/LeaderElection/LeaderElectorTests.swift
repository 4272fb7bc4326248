import Foundation
import KaitoCore
import Logging
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// When each candidate led, by the test's clock, to check that no two leadership intervals overlap.
actor LeadershipTimeline {
    struct Interval: Sendable, CustomStringConvertible {
        var identity: String
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant?
        var description: String { "\(identity) \(start)…\(end.map { "\($0)" } ?? "now")" }
    }

    private(set) var intervals: [Interval] = []
    /// How many candidates were leading at the same time at most.
    private(set) var maxConcurrent = 0
    private var leading = 0

    func begin(_ identity: String) {
        leading += 1
        maxConcurrent = max(maxConcurrent, leading)
        intervals.append(Interval(identity: identity, start: .now))
    }

    func end(_ identity: String) {
        leading -= 1
        if let index = intervals.lastIndex(where: { $0.identity == identity && $0.end == nil }) {
            intervals[index].end = .now
        }
    }

    /// Pairs of intervals that overlap.
    func overlaps() -> [(Interval, Interval)] {
        var found: [(Interval, Interval)] = []
        for (index, first) in intervals.enumerated() {
            for second in intervals[(index + 1)...] {
                let firstEnd = first.end ?? .now
                let secondEnd = second.end ?? .now
                if first.start < secondEnd && second.start < firstEnd { found.append((first, second)) }
            }
        }
        return found
    }
}

/// A candidate running in a task of its own, with a body that records its leadership until cancelled.
struct LeaseCandidate: Sendable {
    let elector: LeaderElector
    let task: Task<Void, any Error>

    var identity: String { elector.configuration.identity }

    static func start(
        _ identity: String, client: KubernetesClient, timeline: LeadershipTimeline, lease: String = "kaito-test",
        leaseDuration: Duration = .seconds(5), renewDeadline: Duration = .seconds(3),
        retryPeriod: Duration = .milliseconds(50)
    ) -> LeaseCandidate {
        let elector = LeaderElector(
            client: client,
            configuration: LeaderElector.Configuration(
                namespace: "default", name: lease, identity: identity, leaseDuration: leaseDuration,
                renewDeadline: renewDeadline, retryPeriod: retryPeriod), logger: quietElectionLogger)
        let task = Task {
            try await elector.run {
                await timeline.begin(identity)
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {}
                await timeline.end(identity)
            }
        }
        return LeaseCandidate(elector: elector, task: task)
    }
}

/// A logger that keeps the test output quiet.
let quietElectionLogger: Logger = {
    var logger = Logger(label: "leader-election-tests")
    logger.logLevel = .critical
    return logger
}()

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func leaderEventually(
    timeout: Duration = .seconds(15), _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

@Suite("Leader election on a Lease", .serialized)
struct LeaderElectorTests {
    @Test("MicroTime has six fractional digits in UTC")
    func microTime() {
        #expect(
            LeaderElector.microTime(Date(timeIntervalSince1970: 1_714_557_600.123456)) == "2024-05-01T10:00:00.123456Z")
        #expect(LeaderElector.microTime(Date(timeIntervalSince1970: 1_714_557_600)) == "2024-05-01T10:00:00.000000Z")
        #expect(Lease.parseMicroTime("2024-05-01T10:00:00.123456Z") != nil)
    }

    @Test("the default identity is the host name and a random suffix; the default Lease is Kaito's ID")
    func defaults() {
        let first = LeaderElector.defaultIdentity()
        let second = LeaderElector.defaultIdentity()
        #expect(first != second)
        #expect(first.contains("_"))
        let configuration = LeaderElector.Configuration(namespace: "kaito-system")
        #expect(configuration.name == "ef60f9b0.io")
        #expect(configuration.leaseDuration == .seconds(15))
        #expect(configuration.renewDeadline == .seconds(10))
        #expect(configuration.retryPeriod == .seconds(2))
    }

    @Test("one of two candidates leads; the other takes over at once when the leader is cancelled (release)")
    func takeoverAfterRelease() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let timeline = LeadershipTimeline()
            // Long Lease: a takeover within it can only come from the release.
            let a = LeaseCandidate.start("candidate-a", client: client, timeline: timeline, leaseDuration: .seconds(30))
            let b = LeaseCandidate.start("candidate-b", client: client, timeline: timeline, leaseDuration: .seconds(30))
            #expect(await leaderEventually { a.elector.isLeader || b.elector.isLeader })
            try await Task.sleep(for: .milliseconds(200))
            let (leader, follower) = a.elector.isLeader ? (a, b) : (b, a)
            #expect(leader.elector.isLeader)
            #expect(!follower.elector.isLeader)
            #expect(follower.elector.state == .waiting)

            let leases = client.resource(Lease.self)
            let held = try await leases.get("kaito-test", namespace: "default")
            #expect(held.holderIdentity == leader.identity)
            #expect(held.leaseTransitions == 0)
            #expect(held.leaseDurationSeconds == 30)
            let microTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
            #expect(held.value(at: "spec", "renewTime")?.stringValue?.wholeMatch(of: microTime) != nil)
            #expect(held.value(at: "spec", "acquireTime")?.stringValue?.wholeMatch(of: microTime) != nil)

            let cancelledAt = ContinuousClock.now
            leader.task.cancel()
            try await leader.task.value  // returns normally on cancellation
            #expect(leader.elector.state == .stopped)
            #expect(await leaderEventually { follower.elector.isLeader })
            #expect(ContinuousClock.now - cancelledAt < .seconds(15), "well before the 30 s Lease would expire")

            let taken = try await leases.get("kaito-test", namespace: "default")
            #expect(taken.holderIdentity == follower.identity)
            #expect(taken.leaseTransitions == 1)

            follower.task.cancel()
            try await follower.task.value
            let released = try await leases.get("kaito-test", namespace: "default")
            #expect((released.holderIdentity ?? "").isEmpty)
            #expect(released.leaseDurationSeconds == 1)
            #expect(released.leaseTransitions == 1)
            #expect(await timeline.overlaps().isEmpty)
            #expect(await timeline.intervals.count == 2)
        }
    }

    @Test("a leader that cannot renew loses leadership and the other candidate takes over after expiry")
    func takeoverAfterExpiry() async throws {
        try await SimCluster.run { cluster in
            let cutOff = Locked(false)
            let recorder = TransportRecorder(hook: { _ in
                if cutOff.withLock({ $0 }) {
                    throw HTTPClientError(code: .connectFailed, message: "the test cut this candidate off")
                }
            })
            let isolated = try cluster.client(options: recorder.options(KubernetesClientOptions(qps: 0, retry: .none)))
            let client = try cluster.client()
            let timeline = LeadershipTimeline()
            let a = LeaseCandidate.start(
                "candidate-a", client: isolated, timeline: timeline, leaseDuration: .milliseconds(1500),
                renewDeadline: .milliseconds(300))
            #expect(await leaderEventually { a.elector.isLeader })
            let b = LeaseCandidate.start(
                "candidate-b", client: client, timeline: timeline, leaseDuration: .milliseconds(1500),
                renewDeadline: .milliseconds(300))
            try await Task.sleep(for: .milliseconds(300))
            #expect(!b.elector.isLeader)

            cutOff.withLock { $0 = true }
            let lostAt = ContinuousClock.now
            await #expect(throws: LeaderElector.LeadershipLost.self) { try await a.task.value }
            #expect(ContinuousClock.now - lostAt < .seconds(10))
            #expect(!a.elector.isLeader)
            #expect(await leaderEventually { b.elector.isLeader })

            let lease = try await client.resource(Lease.self).get("kaito-test", namespace: "default")
            #expect(lease.holderIdentity == "candidate-b")
            #expect(lease.leaseTransitions == 1)
            #expect(await timeline.overlaps().isEmpty)

            b.task.cancel()
            try await b.task.value
        }
    }

    @Test("racing candidates never lead at the same time, and every takeover counts a transition")
    func racingCandidates() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let timeline = LeadershipTimeline()
            var candidates = (0..<4).map {
                LeaseCandidate.start("racer-\($0)", client: client, timeline: timeline, retryPeriod: .milliseconds(20))
            }
            var leaders: [String] = []
            for _ in 0..<3 {
                let current = candidates
                #expect(await leaderEventually { current.contains { $0.elector.isLeader } })
                try await Task.sleep(for: .milliseconds(150))
                let leading = candidates.filter { $0.elector.isLeader }
                #expect(leading.count == 1)
                guard let leader = leading.first else { break }
                leaders.append(leader.identity)
                leader.task.cancel()
                try await leader.task.value
                candidates.removeAll { $0.identity == leader.identity }
            }
            let remaining = candidates
            #expect(await leaderEventually { remaining.contains { $0.elector.isLeader } })
            if let last = candidates.first(where: { $0.elector.isLeader }) { leaders.append(last.identity) }
            #expect(Set(leaders).count == leaders.count)

            let lease = try await client.resource(Lease.self).get("kaito-test", namespace: "default")
            #expect(lease.holderIdentity == leaders.last)
            #expect(lease.leaseTransitions == leaders.count - 1)
            #expect(await timeline.maxConcurrent == 1)
            let overlaps = await timeline.overlaps()
            #expect(overlaps.isEmpty, "overlapping leadership: \(overlaps)")
            for candidate in candidates { candidate.task.cancel() }
            for candidate in candidates { try await candidate.task.value }
        }
    }

    @Test("a body that returns ends leading and releases the Lease")
    func bodyReturns() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let elector = LeaderElector(
                client: client,
                configuration: LeaderElector.Configuration(
                    namespace: "default", name: "one-shot", identity: "solo", leaseDuration: .milliseconds(600),
                    renewDeadline: .milliseconds(300), retryPeriod: .milliseconds(50)), logger: quietElectionLogger)
            let ran = Locked(false)
            try await elector.run { ran.withLock { $0 = true } }
            #expect(ran.withLock { $0 })
            #expect(elector.state == .stopped)
            let lease = try await client.resource(Lease.self).get("one-shot", namespace: "default")
            #expect((lease.holderIdentity ?? "").isEmpty)
        }
    }

    @Test("the body's error is passed on and the Lease released")
    func bodyThrows() async throws {
        struct Boom: Error {}
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let elector = LeaderElector(
                client: client,
                configuration: LeaderElector.Configuration(
                    namespace: "default", name: "throws", identity: "solo", leaseDuration: .milliseconds(600),
                    renewDeadline: .milliseconds(300), retryPeriod: .milliseconds(50)), logger: quietElectionLogger)
            await #expect(throws: Boom.self) { try await elector.run { throw Boom() } }
            let lease = try await client.resource(Lease.self).get("throws", namespace: "default")
            #expect((lease.holderIdentity ?? "").isEmpty)
        }
    }

    @Test("a candidate cancelled while waiting returns without leading and leaves the holder alone")
    func cancelledWhileWaiting() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let timeline = LeadershipTimeline()
            let a = LeaseCandidate.start("holder", client: client, timeline: timeline, leaseDuration: .seconds(30))
            #expect(await leaderEventually { a.elector.isLeader })
            let b = LeaseCandidate.start("waiter", client: client, timeline: timeline, leaseDuration: .seconds(30))
            #expect(await leaderEventually { b.elector.state == .waiting })
            try await Task.sleep(for: .milliseconds(100))
            b.task.cancel()
            try await b.task.value
            #expect(b.elector.state == .stopped)
            let lease = try await client.resource(Lease.self).get("kaito-test", namespace: "default")
            #expect(lease.holderIdentity == "holder")
            a.task.cancel()
            try await a.task.value
        }
    }
}

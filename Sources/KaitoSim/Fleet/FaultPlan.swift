public import Foundation

/// Faults to inject into the emulated API server, for reliability tests: failed requests by verb and resource,
/// added latency, and dropped watches.
///
/// The plan is data. The HTTP layer asks ``injectedError(verb:resource:using:)`` (or
/// ``FleetSimulator/injectedError(verb:resource:)``) before serving a request and waits ``latency(using:)`` first;
/// ``FleetSimulator`` ends every watch with ``APIStore/dropWatches()`` each ``watchDropInterval``. Decisions draw
/// from a generator passed in, so a seeded generator (``SeededRandomNumberGenerator``) gives a reproducible sequence
/// of faults.
public struct FaultPlan: Sendable, Hashable {
    /// The error a failing request gets.
    public enum ErrorKind: String, Sendable, Hashable, CaseIterable {
        /// 500 `InternalError`.
        case internalError
        /// 503 `ServiceUnavailable`.
        case serviceUnavailable
        /// 429 `TooManyRequests`, with `retryAfterSeconds: 1`.
        case tooManyRequests
        /// 504 `Timeout`.
        case timeout

        /// The `Status` error a real API server sends in this situation, marked as simulated.
        public func apiError(verb: String, resource: GroupResource) -> APIError {
            let what = "simulated fault injected by kaito-sim on \(verb) \(resource)"
            switch self {
            case .internalError:
                return .internalError(what)
            case .serviceUnavailable:
                return APIError(
                    code: 503, reason: "ServiceUnavailable",
                    message: "the server is currently unable to handle the request (\(what))",
                    details: StatusDetails(group: resource.group, kind: resource.resource))
            case .tooManyRequests:
                return APIError(
                    code: 429, reason: "TooManyRequests",
                    message: "the server has received too many requests and has asked us to try again later (\(what))",
                    details: StatusDetails(group: resource.group, kind: resource.resource))
            case .timeout:
                return APIError(
                    code: 504, reason: "Timeout",
                    message: "the server was unable to return a response in the time allotted, but may still be "
                        + "processing the request (\(what))",
                    details: StatusDetails(group: resource.group, kind: resource.resource))
            }
        }

        /// `Retry-After` seconds to send with the error, when the API server sends one.
        public var retryAfterSeconds: Int? { self == .tooManyRequests ? 1 : nil }
    }

    /// One error rule: requests with one of `verbs` on one of `resources` fail with probability `rate`.
    public struct ErrorRule: Sendable, Hashable {
        /// Kubernetes verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`);
        /// empty for every verb.
        public var verbs: Set<String>
        /// Resources; empty for every resource.
        public var resources: Set<GroupResource>
        /// Probability of failing, from 0 (never) to 1 (always).
        public var rate: Double
        /// The error given.
        public var error: ErrorKind

        /// Creates a rule.
        public init(
            verbs: Set<String> = [], resources: Set<GroupResource> = [], rate: Double,
            error: ErrorKind = .internalError
        ) {
            self.verbs = verbs
            self.resources = resources
            self.rate = rate
            self.error = error
        }

        /// Whether the rule concerns this request.
        public func applies(verb: String, resource: GroupResource) -> Bool {
            (verbs.isEmpty || verbs.contains(verb)) && (resources.isEmpty || resources.contains(resource))
        }
    }

    /// Error rules; the first one that applies to a request decides it.
    public var errorRules: [ErrorRule]
    /// Latency added to every request, in seconds of the store's clock.
    public var addedLatency: TimeInterval
    /// Extra latency drawn uniformly from `0..<latencyJitter` and added to ``addedLatency``.
    public var latencyJitter: TimeInterval
    /// End every watch this often (seconds of the store's clock), as a restarting API server or a flaky load balancer
    /// does; `nil` never drops them.
    public var watchDropInterval: TimeInterval?

    /// Creates a plan; by default no faults at all.
    public init(
        errorRules: [ErrorRule] = [], addedLatency: TimeInterval = 0, latencyJitter: TimeInterval = 0,
        watchDropInterval: TimeInterval? = nil
    ) {
        self.errorRules = errorRules
        self.addedLatency = addedLatency
        self.latencyJitter = latencyJitter
        self.watchDropInterval = watchDropInterval
    }

    /// Whether the plan injects nothing.
    public var isEmpty: Bool {
        errorRules.allSatisfy { $0.rate <= 0 } && addedLatency <= 0 && latencyJitter <= 0 && watchDropInterval == nil
    }

    /// Decides whether a request fails: the first rule that applies draws one number from `generator` and fails the
    /// request when it is below the rule's rate. A request no rule applies to draws nothing.
    public func shouldFail<Generator: RandomNumberGenerator>(
        verb: String, resource: GroupResource, using generator: inout Generator
    ) -> Bool {
        injectedError(verb: verb, resource: resource, using: &generator) != nil
    }

    /// The error a request gets, or `nil` when it is served; decided as ``shouldFail(verb:resource:using:)`` does.
    public func injectedError<Generator: RandomNumberGenerator>(
        verb: String, resource: GroupResource, using generator: inout Generator
    ) -> APIError? {
        guard let rule = errorRules.first(where: { $0.applies(verb: verb, resource: resource) }) else { return nil }
        let draw = Double.random(in: 0..<1, using: &generator)
        return draw < rule.rate ? rule.error.apiError(verb: verb, resource: resource) : nil
    }

    /// The latency to add to one request: ``addedLatency`` plus a draw from ``latencyJitter`` (no draw without
    /// jitter).
    public func latency<Generator: RandomNumberGenerator>(using generator: inout Generator) -> TimeInterval {
        guard latencyJitter > 0 else { return max(0, addedLatency) }
        return max(0, addedLatency) + Double.random(in: 0..<latencyJitter, using: &generator)
    }
}

/// A reproducible random number generator (SplitMix64): the same seed gives the same sequence.
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

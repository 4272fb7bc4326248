internal import Foundation
public import KaitoHTTP

/// How a ``KubernetesClient`` behaves: rate limits, retries, timeouts, identification and logging.
public struct KubernetesClientOptions: Sendable {
    /// Sustained requests per second (client-go's default is 5).
    public var qps: Double
    /// Requests allowed in a burst above `qps` (client-go's default is 10).
    public var burst: Int
    /// The `User-Agent` header.
    public var userAgent: String
    /// When and how failed requests are sent again.
    public var retry: RetryPolicy
    /// Connection, total and idle time limits. Watches and streams ignore the total limit.
    public var timeouts: HTTPClientConfiguration.Timeouts
    /// Receives one line per request and response (`-v`), with credentials redacted; `nil` logs nothing.
    public var requestLog: (@Sendable (String) -> Void)?
    /// Makes the transport for an HTTP configuration; the default is a ``KaitoHTTP/CurlTransport``.
    /// Tests wrap it to count requests.
    public var transportFactory: @Sendable (HTTPClientConfiguration) throws -> any HTTPTransport
    /// The largest buffered response body accepted (lists of large objects); streams are not limited.
    public var maxResponseBytes: Int

    /// Creates options with client-go's defaults.
    public init(
        qps: Double = 5, burst: Int = 10, userAgent: String = KubernetesClientOptions.defaultUserAgent,
        retry: RetryPolicy = RetryPolicy(), timeouts: HTTPClientConfiguration.Timeouts = .init(),
        requestLog: (@Sendable (String) -> Void)? = nil,
        transportFactory: @escaping @Sendable (HTTPClientConfiguration) throws -> any HTTPTransport = {
            try CurlTransport(configuration: $0)
        },
        maxResponseBytes: Int = 256 * 1024 * 1024
    ) {
        self.qps = qps
        self.burst = burst
        self.userAgent = userAgent
        self.retry = retry
        self.timeouts = timeouts
        self.requestLog = requestLog
        self.transportFactory = transportFactory
        self.maxResponseBytes = maxResponseBytes
    }

    /// `kaito-swift/0.1.0 (linux/x86_64) KaitoK8s`.
    public static var defaultUserAgent: String {
        userAgent(program: "kaito-swift")
    }

    /// A User-Agent naming the program, the version and the platform, like kubectl's.
    public static func userAgent(program: String, version: String = KaitoK8sVersion.current) -> String {
        #if os(Linux)
            let system = "linux"
        #elseif os(macOS)
            let system = "darwin"
        #else
            let system = "unknown"
        #endif
        #if arch(x86_64)
            let architecture = "amd64"
        #elseif arch(arm64)
            let architecture = "arm64"
        #else
            let architecture = "unknown"
        #endif
        return "\(program)/\(version) (\(system)/\(architecture)) kaito-swift/KaitoK8s"
    }
}

/// The version of this library, as sent in the User-Agent.
public enum KaitoK8sVersion {
    /// The current version.
    public static let current = "0.1.0"
}

/// When a request is sent again: 429 on any verb (honouring `Retry-After`), 5xx and dropped connections on
/// idempotent verbs, with exponential backoff and jitter.
public struct RetryPolicy: Sendable, Equatable {
    /// How many times a request is sent again at most (0 disables retries).
    public var maxRetries: Int
    /// The first backoff.
    public var initialBackoff: Duration
    /// The largest backoff, and the largest `Retry-After` honoured.
    public var maxBackoff: Duration
    /// The fraction of each backoff added at random (0 to 1), so clients do not retry in step.
    public var jitter: Double

    /// Creates a policy.
    public init(
        maxRetries: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10),
        jitter: Double = 0.5
    ) {
        self.maxRetries = max(0, maxRetries)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = min(max(jitter, 0), 1)
    }

    /// No retries.
    public static let none = RetryPolicy(maxRetries: 0)

    /// The wait before retry number `attempt` (0 for the first retry), without a server hint.
    public func backoff(attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let base = initialBackoff * (1 << min(attempt, 20))
        let capped = min(base, maxBackoff)
        return capped + capped * (jitter * random)
    }

    /// The wait the server asked for, capped at ``maxBackoff``.
    public func serverDelay(seconds: Int) -> Duration {
        min(.seconds(max(0, seconds)), maxBackoff)
    }
}

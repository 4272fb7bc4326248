public import Foundation
public import KaitoK8s
import KaitoCore
import KaitoHTTP
public import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` package and
/// controller-runtime's manager do it.
///
/// Candidates share one Lease (by default `ef60f9b0.io`, Kaito's leader election ID). A candidate leads when it
/// creates the Lease, or takes it over once it is expired (`renewTime + leaseDuration` has passed) or released
/// (empty `holderIdentity`). Every write carries the `resourceVersion` it read, so when two candidates race only
/// one write succeeds. The leader renews every ``Configuration/retryPeriod``; when it cannot renew for
/// ``Configuration/renewDeadline`` it has lost leadership.
///
/// ```swift
/// let elector = LeaderElector(client: client, configuration: .init(namespace: "kaito-system"))
/// try await elector.run {
///     try await controller.run()   // cancelled when leadership is lost
/// }
/// ```
public final class LeaderElector: Sendable {
    /// Timing and identity of a candidate. The defaults are client-go's.
    public struct Configuration: Sendable {
        /// The Lease's namespace.
        public var namespace: String
        /// The Lease's name (the leader election ID).
        public var name: String
        /// Who this candidate is, written to `holderIdentity`; unique per process.
        public var identity: String
        /// How long a Lease stays valid after its last renewal; other candidates wait this long before taking
        /// over a Lease whose holder stopped renewing.
        public var leaseDuration: Duration
        /// How long the leader keeps trying to renew before it gives up leading; shorter than ``leaseDuration``.
        public var renewDeadline: Duration
        /// The time between attempts to acquire or renew.
        public var retryPeriod: Duration
        /// Whether the Lease is released (holder cleared) when ``LeaderElector/run(whileLeading:)`` ends, so
        /// another candidate takes over at once instead of after ``leaseDuration``.
        public var releaseOnCancel: Bool
        /// The field manager of the Lease writes.
        public var fieldManager: String

        /// Creates a configuration.
        /// - Parameters:
        ///   - namespace: The Lease's namespace.
        ///   - name: The Lease's name; `ef60f9b0.io` (Kaito's) by default.
        ///   - identity: This candidate; the host name and a random suffix by default.
        ///   - leaseDuration: 15 s by default.
        ///   - renewDeadline: 10 s by default.
        ///   - retryPeriod: 2 s by default.
        ///   - releaseOnCancel: Release the Lease when leading ends; `true` by default.
        ///   - fieldManager: `kaito-controller` by default.
        public init(
            namespace: String, name: String = LeaderElector.defaultLeaseName,
            identity: String = LeaderElector.defaultIdentity(), leaseDuration: Duration = .seconds(15),
            renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2), releaseOnCancel: Bool = true,
            fieldManager: String = "kaito-controller"
        ) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
            self.releaseOnCancel = releaseOnCancel
            self.fieldManager = fieldManager
        }
    }

    /// Where a candidate is.
    public enum State: String, Sendable, Hashable {
        /// ``LeaderElector/run(whileLeading:)`` has not started.
        case idle
        /// Trying to acquire the Lease; another candidate leads (or the API server is unreachable).
        case waiting
        /// Holding the Lease and running the body.
        case leading
        /// Leadership was lost or given up; the candidate does not try again.
        case stopped
    }

    /// Leadership was lost: the Lease could not be renewed within the renew deadline, or another candidate holds
    /// it. The process should exit so that it starts again as a fresh candidate, as controller-runtime does.
    public struct LeadershipLost: Error, Sendable, CustomStringConvertible {
        /// The Lease, `namespace/name`.
        public var lease: String
        /// This candidate.
        public var identity: String
        /// Why: the last renewal error, or the other holder.
        public var reason: String

        /// One line for the log.
        public var description: String {
            "leader election lost: \(identity) could not keep the Lease \(lease): \(reason)"
        }
    }

    /// Kaito's leader election ID, the default Lease name.
    public static let defaultLeaseName = "ef60f9b0.io"

    /// A fresh identity: the host name, an underscore and a random UUID (controller-runtime's form).
    public static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host.isEmpty ? "kaito-controller" : host)_\(UUID().uuidString.lowercased())"
    }

    /// The candidate's settings.
    public let configuration: Configuration
    private let leases: ResourceClient<Lease>
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let current: Locked<State>

    /// Creates a candidate.
    /// - Parameters:
    ///   - client: The API server client.
    ///   - configuration: The Lease, identity and timing.
    ///   - logger: Where acquisition, renewal failures and loss are logged.
    ///   - now: The clock Lease times are written and compared with.
    public init(
        client: KubernetesClient, configuration: Configuration,
        logger: Logger = Logger(label: "kaito.leader-election"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.leases = client.resource(Lease.self)
        self.logger = logger
        self.now = now
        self.current = Locked(.idle)
    }

    /// Where the candidate is.
    public var state: State { current.withLock { $0 } }

    /// Whether this candidate holds the Lease and runs its body.
    public var isLeader: Bool { state == .leading }

    /// `namespace/name` of the Lease.
    public var leaseDescription: String { "\(configuration.namespace)/\(configuration.name)" }

    /// Waits to lead, runs `body` while leading and gives the Lease up afterwards.
    ///
    /// - When `body` returns or throws, the Lease is released (with ``Configuration/releaseOnCancel``) and the
    ///   result is passed on.
    /// - When leadership is lost, `body`'s task is cancelled; once it has returned, ``LeadershipLost`` is thrown.
    /// - When the calling task is cancelled (shutdown), `body` is cancelled; once it has returned, the Lease is
    ///   released and the method returns normally. Cancelled while still waiting, it returns without leading.
    ///
    /// - Throws: ``LeadershipLost``, or what `body` throws (except `CancellationError` on shutdown).
    public func run(whileLeading body: @escaping @Sendable () async throws -> Void) async throws {
        current.withLock { $0 = .waiting }
        logger.info(
            "waiting to lead", metadata: ["lease": "\(leaseDescription)", "identity": "\(configuration.identity)"])
        guard await acquire() else {
            current.withLock { $0 = .stopped }
            return
        }
        current.withLock { $0 = .leading }
        logger.info(
            "became the leader", metadata: ["lease": "\(leaseDescription)", "identity": "\(configuration.identity)"])

        let outcome: Result<Void, any Error> = await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                do {
                    try await body()
                    return .bodyReturned
                } catch {
                    return .bodyThrew(error)
                }
            }
            group.addTask { [self] in
                .lost(await self.renewUntilLost())
            }
            var result: Result<Void, any Error> = .success(())
            var lost = false
            while let ending = await group.next() {
                switch ending {
                case .lost(let reason?):
                    lost = true
                    current.withLock { $0 = .stopped }
                    logger.error(
                        "leadership lost; stopping", metadata: ["lease": "\(leaseDescription)", "reason": "\(reason)"])
                    result = .failure(
                        LeadershipLost(lease: leaseDescription, identity: configuration.identity, reason: reason))
                    group.cancelAll()
                case .lost(nil):
                    break  // the renewer was cancelled
                case .bodyReturned:
                    group.cancelAll()
                case .bodyThrew(let error):
                    if !lost, !(error is CancellationError && Task.isCancelled) { result = .failure(error) }
                    group.cancelAll()
                }
            }
            return result
        }
        let wasLost = state == .stopped
        current.withLock { $0 = .stopped }
        if !wasLost, configuration.releaseOnCancel {
            // The caller may be cancelled: release from a task of its own so the request is still sent.
            await Task { await self.release() }.value
        }
        try outcome.get()
    }

    private enum Ending: Sendable {
        case bodyReturned
        case bodyThrew(any Error)
        /// The renew loop ended: the reason leadership was lost, or `nil` when it was cancelled.
        case lost(String?)
    }

    // MARK: - Acquire, renew, release

    /// Tries every retry period until the Lease is ours; `false` when cancelled first.
    private func acquire() async -> Bool {
        var lastProblem: String?
        while !Task.isCancelled {
            switch await attempt(timeout: configuration.renewDeadline) {
            case .held:
                return true
            case .heldByOther(let holder):
                if lastProblem != "held by \(holder)" {
                    logger.info(
                        "the Lease is held by another candidate; waiting",
                        metadata: ["lease": "\(leaseDescription)", "holder": "\(holder)"])
                    lastProblem = "held by \(holder)"
                }
            case .failed(let problem):
                if lastProblem != problem {
                    logger.warning(
                        "cannot acquire the Lease; retrying",
                        metadata: ["lease": "\(leaseDescription)", "error": "\(problem)"])
                    lastProblem = problem
                }
            }
            do {
                try await Task.sleep(for: jittered(configuration.retryPeriod))
            } catch {
                return false
            }
        }
        return false
    }

    /// Renews every retry period; returns the reason once a renewal round failed for the whole renew deadline,
    /// or `nil` when cancelled.
    private func renewUntilLost() async -> String? {
        while true {
            do {
                try await Task.sleep(for: configuration.retryPeriod)
            } catch {
                return nil
            }
            let deadline = ContinuousClock.now + configuration.renewDeadline
            var reason = "the renew deadline passed"
            renewing: while true {
                if Task.isCancelled { return nil }
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero { return reason }
                switch await attempt(timeout: remaining) {
                case .held:
                    break renewing
                case .heldByOther(let holder):
                    // Someone else holds a valid Lease: we are not the leader, whatever happens next.
                    return "the Lease is held by \(holder)"
                case .failed(let problem):
                    if Task.isCancelled { return nil }
                    reason = problem
                    logger.warning(
                        "cannot renew the Lease; retrying",
                        metadata: ["lease": "\(leaseDescription)", "error": "\(problem)"])
                }
                let pause = min(configuration.retryPeriod, deadline - ContinuousClock.now)
                if pause > .zero {
                    do {
                        try await Task.sleep(for: pause)
                    } catch {
                        return nil
                    }
                }
            }
        }
    }

    private enum Attempt: Sendable {
        case held
        case heldByOther(String)
        case failed(String)
    }

    /// One acquire-or-renew attempt, given up after `timeout`.
    private func attempt(timeout: Duration) async -> Attempt {
        await withTaskGroup(of: Attempt?.self) { group in
            group.addTask { [self] in await self.tryAcquireOrRenew() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failed("no answer from the API server within \(timeout)")
        }
    }

    /// client-go's `tryAcquireOrRenew`: create the Lease, or update it when we hold it or it is free, with the
    /// read resourceVersion as precondition.
    private func tryAcquireOrRenew() async -> Attempt {
        let name = configuration.name
        let namespace = configuration.namespace
        let leaseSeconds = Self.wholeSeconds(configuration.leaseDuration)
        let existing: Lease
        do {
            existing = try await leases.get(name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            let time = now()
            let lease = Lease(
                name: name, namespace: namespace,
                content: [
                    "spec": [
                        "holderIdentity": .string(configuration.identity),
                        "leaseDurationSeconds": .integer(Int64(leaseSeconds)),
                        "acquireTime": .string(Self.microTime(time)),
                        "renewTime": .string(Self.microTime(time)),
                        "leaseTransitions": 0,
                    ]
                ])
            do {
                _ = try await leases.create(lease, namespace: namespace, fieldManager: configuration.fieldManager)
                return .held
            } catch let error as KubernetesError where error.isAlreadyExists {
                return .failed("another candidate created the Lease first")
            } catch {
                return .failed(Self.describe(error))
            }
        } catch {
            return .failed(Self.describe(error))
        }

        let time = now()
        let holder = existing.holderIdentity ?? ""
        let ours = holder == configuration.identity
        if !holder.isEmpty, !ours {
            let renewed = existing.renewTime ?? .distantPast
            let expiry = renewed.addingTimeInterval(Self.seconds(configuration.leaseDuration))
            if expiry > time { return .heldByOther(holder) }
        }
        var spec = existing.spec?.objectValue ?? [:]
        spec["holderIdentity"] = .string(configuration.identity)
        spec["leaseDurationSeconds"] = .integer(Int64(leaseSeconds))
        spec["renewTime"] = .string(Self.microTime(time))
        if !ours || spec["acquireTime"] == nil {
            spec["acquireTime"] = .string(Self.microTime(time))
        }
        if !ours {
            spec["leaseTransitions"] = .integer(Int64((existing.leaseTransitions ?? 0) + 1))
        }
        var updated = existing
        updated.spec = .object(spec)
        do {
            _ = try await leases.replace(updated, namespace: namespace, fieldManager: configuration.fieldManager)
            if !ours {
                logger.debug(
                    "took over the Lease",
                    metadata: ["lease": "\(leaseDescription)", "previous": "\(holder.isEmpty ? "(released)" : holder)"])
            }
            return .held
        } catch let error as KubernetesError where error.isConflict {
            return .failed("the Lease changed while it was being updated (conflict)")
        } catch {
            return .failed(Self.describe(error))
        }
    }

    /// Clears the holder (and sets a 1 s duration) if we still hold the Lease, so another candidate takes over
    /// at once. Failures are logged: the Lease then expires on its own.
    private func release() async {
        do {
            let existing = try await leases.get(configuration.name, namespace: configuration.namespace)
            guard existing.holderIdentity == configuration.identity else { return }
            var spec = existing.spec?.objectValue ?? [:]
            let time = Self.microTime(now())
            spec["holderIdentity"] = ""
            spec["leaseDurationSeconds"] = 1
            spec["renewTime"] = .string(time)
            spec["acquireTime"] = .string(time)
            var updated = existing
            updated.spec = .object(spec)
            _ = try await leases.replace(
                updated, namespace: configuration.namespace, fieldManager: configuration.fieldManager)
            logger.info("released the Lease", metadata: ["lease": "\(leaseDescription)"])
        } catch {
            logger.warning(
                "cannot release the Lease; it expires on its own",
                metadata: ["lease": "\(leaseDescription)", "error": "\(Self.describe(error))"])
        }
    }

    // MARK: - Helpers

    private func jittered(_ period: Duration) -> Duration {
        // client-go waits retryPeriod with a jitter factor of 1.2.
        period + period * Double.random(in: 0..<0.2)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? KubernetesError { return error.message }
        return String(describing: error)
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }

    /// `leaseDurationSeconds` is whole seconds and at least 1.
    static func wholeSeconds(_ duration: Duration) -> Int {
        max(1, Int(seconds(duration).rounded(.up)))
    }

    /// A `MicroTime`: RFC 3339 in UTC with six fractional digits, `2024-05-01T10:00:00.123456Z`.
    public static func microTime(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var whole = interval.rounded(.down)
        var micros = Int(((interval - whole) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            whole += 1
            micros -= 1_000_000
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var text = formatter.string(from: Date(timeIntervalSince1970: whole))
        if text.hasSuffix("Z") { text.removeLast() }
        let digits = String(micros)
        return text + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }
}

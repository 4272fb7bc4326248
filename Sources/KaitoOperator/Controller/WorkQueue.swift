/// A work queue of keys, as client-go's rate-limited delaying queue: each key waits at most once, a key being
/// processed is never handed out twice at a time, and failed keys come back with per-key exponential backoff.
///
/// ```swift
/// let queue = WorkQueue<String>()
/// await queue.add("default/falcon")
/// while let key = await queue.next() {
///     defer { Task { await queue.done(key) } }
///     …
/// }
/// ```
///
/// - ``add(_:)`` queues a key unless it already waits. A key added while it is being processed is queued again
///   when ``done(_:)`` is called for it.
/// - ``add(_:after:)`` queues a key later; when the key is already scheduled, the earlier time wins.
/// - ``addRateLimited(_:)`` queues a key after its backoff (base × 2^failures, capped), and ``forget(_:)`` resets it.
/// - ``next()`` suspends until a key waits, without polling, and returns `nil` once ``shutDown()`` was called.
public actor WorkQueue<Key: Hashable & Sendable> {
    /// The first retry delay of ``addRateLimited(_:)``.
    public nonisolated let baseDelay: Duration
    /// The longest retry delay of ``addRateLimited(_:)``.
    public nonisolated let maxDelay: Duration

    /// Keys in the order they are handed out.
    private var queue: [Key] = []
    private var queueHead = 0
    /// Keys that need processing (waiting in `queue`, or re-added while being processed).
    private var dirty: Set<Key> = []
    /// Keys handed out and not yet done.
    private var processing: Set<Key> = []
    /// Failures per key since the last ``forget(_:)``.
    private var failures: [Key: Int] = [:]
    /// Keys scheduled for later, by deadline.
    private var delayed: [Key: ContinuousClock.Instant] = [:]
    private var timer: Task<Void, Never>?
    private var timerDeadline: ContinuousClock.Instant?
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Key?, Never>)] = []
    private var nextWaiterID: UInt64 = 0
    private var isShutDown = false

    /// Creates a queue.
    /// - Parameters:
    ///   - baseDelay: The first retry delay of ``addRateLimited(_:)`` (client-go: 5 ms).
    ///   - maxDelay: The longest retry delay (client-go: 1000 s).
    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000)) {
        self.baseDelay = baseDelay
        self.maxDelay = max(maxDelay, baseDelay)
    }

    // MARK: - Adding

    /// Queues `key` unless it already waits; a key being processed is queued again when it is done.
    public func add(_ key: Key) {
        guard !isShutDown, !dirty.contains(key) else { return }
        dirty.insert(key)
        guard !processing.contains(key) else { return }
        enqueue(key)
    }

    /// Queues `key` after `delay` (at once when the delay is not positive). When the key is already scheduled,
    /// the earlier time is kept.
    public func add(_ key: Key, after delay: Duration) {
        guard !isShutDown else { return }
        guard delay > .zero else {
            add(key)
            return
        }
        let deadline = ContinuousClock.now.advanced(by: delay)
        if let existing = delayed[key], existing <= deadline { return }
        delayed[key] = deadline
        scheduleTimer()
    }

    /// Queues `key` after its backoff: ``baseDelay`` doubled for every failure since the last ``forget(_:)``, at
    /// most ``maxDelay``.
    public func addRateLimited(_ key: Key) {
        let delay = backoff(for: key)
        failures[key, default: 0] += 1
        add(key, after: delay)
    }

    /// Resets the backoff of `key` (after it was processed successfully).
    public func forget(_ key: Key) {
        failures.removeValue(forKey: key)
    }

    /// How many times `key` failed since the last ``forget(_:)``.
    public func failureCount(of key: Key) -> Int {
        failures[key] ?? 0
    }

    /// The delay the next ``addRateLimited(_:)`` of `key` would wait.
    public func backoff(for key: Key) -> Duration {
        let count = failures[key] ?? 0
        var delay = baseDelay
        for _ in 0..<min(count, 64) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    // MARK: - Taking

    /// The next key to process; suspends until one waits. Returns `nil` once the queue is shut down (or the
    /// waiting task is cancelled).
    public func next() async -> Key? {
        if isShutDown { return nil }
        if let key = dequeue() { return key }
        if Task.isCancelled { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Marks `key` processed; when it was added meanwhile, it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.contains(key), !isShutDown {
            enqueue(key)
        }
    }

    /// Stops handing out keys: ``next()`` returns `nil` from now on, and waiting calls return `nil` at once.
    public func shutDown() {
        isShutDown = true
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        delayed.removeAll()
        let pending = waiters
        waiters.removeAll()
        for waiter in pending { waiter.continuation.resume(returning: nil) }
    }

    /// Empties the queue and takes keys again after ``shutDown()`` (a controller that runs again, such as a new
    /// leader term). Backoff counts are kept.
    func reopen() {
        isShutDown = false
        queue.removeAll()
        queueHead = 0
        dirty.removeAll()
        processing.removeAll()
    }

    /// Whether ``shutDown()`` was called.
    public var isShuttingDown: Bool { isShutDown }

    /// How many keys wait to be handed out (not counting keys in progress or scheduled for later).
    public var depth: Int { queue.count - queueHead }

    /// How many keys are scheduled for later.
    public var delayedCount: Int { delayed.count }

    /// How many keys are being processed.
    public var processingCount: Int { processing.count }

    // MARK: - Internals

    private func enqueue(_ key: Key) {
        if let index = waiters.indices.first {
            let waiter = waiters.remove(at: index)
            dirty.remove(key)
            processing.insert(key)
            waiter.continuation.resume(returning: key)
            return
        }
        queue.append(key)
    }

    private func dequeue() -> Key? {
        guard queueHead < queue.count else { return nil }
        let key = queue[queueHead]
        queueHead += 1
        if queueHead > 64, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        dirty.remove(key)
        processing.insert(key)
        return key
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(returning: nil)
    }

    /// Makes sure a timer fires at the earliest delayed deadline.
    private func scheduleTimer() {
        guard let earliest = delayed.values.min() else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if let timerDeadline, timerDeadline <= earliest, timer != nil { return }
        timer?.cancel()
        timerDeadline = earliest
        timer = Task { [weak self] in
            do {
                try await Task.sleep(until: earliest, clock: .continuous)
            } catch {
                return
            }
            await self?.fireDue()
        }
    }

    private func fireDue() {
        timer = nil
        timerDeadline = nil
        guard !isShutDown else { return }
        let now = ContinuousClock.now
        let due = delayed.filter { $0.value <= now }.sorted { $0.value < $1.value }
        for (key, _) in due {
            delayed.removeValue(forKey: key)
            add(key)
        }
        scheduleTimer()
    }
}

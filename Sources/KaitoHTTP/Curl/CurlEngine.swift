import CCurl
import Foundation

/// libcurl's process-wide initialisation, done once before the first handle is created.
///
/// It also registers the exit handler that halts every running engine. Exit handlers run in the reverse
/// order of registration, and OpenSSL registers its cleanup while libcurl initialises, so this handler runs
/// first: no engine thread is still inside OpenSSL when its cleanup frees the locks it would take (without
/// it, `exit` while a request was in flight crashed now and then with a null `pthread_rwlock`).
enum CurlGlobal {
    static let isInitialized: Bool = {
        guard kaito_curl_global_init_all() == CURLE_OK else {
            return false
        }
        atexit {
            CurlEngine.haltRunningEngines(timeout: .seconds(2))
        }
        return true
    }()
}

/// Drives every transfer of one ``CurlTransport`` on a single thread with a libcurl multi handle.
///
/// The multi handle owns the connection cache, so sequential and concurrent requests to the same server
/// reuse connections (and multiplex over HTTP/2). A share handle adds the TLS session and DNS caches.
/// Both are touched by the engine thread only, which is why they need no lock callbacks: libcurl's
/// shared connection cache is not safe across threads (curl issue 4915), and one thread avoids the problem.
///
/// Other threads talk to the engine through a locked inbox of commands and `curl_multi_wakeup`, so a
/// cancellation takes effect as soon as the engine thread wakes, not at the next progress tick.
final class CurlEngine: @unchecked Sendable {
    enum Command: Sendable {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    private struct Inbox: Sendable {
        var commands: [Command] = []
        var isThreadRunning = false
        var isShutdown = false
        /// Set by ``halt()``: the thread fails every transfer and stops at once.
        var isHalted = false
    }

    /// The engines whose thread runs, for the exit handler.
    private static let running = Locked<[ObjectIdentifier: CurlEngine]>([:])

    // Immutable after init; safe to use from any thread (curl_multi_wakeup is thread-safe).
    private let multi: UnsafeMutableRawPointer
    private let share: UnsafeMutableRawPointer?
    private let inbox = Locked(Inbox())
    /// Signalled when a halted engine's thread has stopped.
    private let threadStopped = DispatchSemaphore(value: 0)

    // Engine thread only.
    private var active: [ObjectIdentifier: CurlEasyTransfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: CurlEasyTransfer] = [:]
    private var isShuttingDown = false

    /// How long the engine sleeps at most while transfers run; commands wake it at once, and libcurl
    /// shortens the wait for its own timers.
    private static let maximumWaitMilliseconds: Int32 = 1000
    /// How long the engine sleeps at most with no transfer running.
    private static let idleWaitMilliseconds: Int32 = 30_000

    init() throws(HTTPClientError) {
        guard CurlGlobal.isInitialized, let multi = curl_multi_init() else {
            throw HTTPClientError(
                code: .transport,
                message: "libcurl could not be initialised; check that libcurl4 is installed and the process "
                    + "has memory left"
            )
        }
        self.multi = multi
        let share = curl_share_init()
        if let share {
            _ = kaito_curl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
            _ = kaito_curl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        }
        self.share = share
    }

    deinit {
        // Only reached once the thread has exited (it holds a strong reference while it runs).
        for easy in active.values {
            curl_multi_remove_handle(multi, easy.handle)
        }
        active = [:]
        byHandle = [:]
        curl_multi_cleanup(multi)
        if let share {
            curl_share_cleanup(share)
        }
    }

    /// Queues a command for the engine thread, starting the thread on first use.
    func submit(_ command: Command) {
        enum Decision {
            case startThread
            case wake
            case refuse(CurlTransfer, HTTPClientError)
            case ignore
        }
        let decision: Decision = inbox.withLock { inbox in
            if inbox.isHalted {
                if case .start(let transfer) = command {
                    return .refuse(transfer, Self.haltedError(transfer, sent: false))
                }
                return .ignore
            }
            if case .shutdown = command {
                inbox.isShutdown = true
            } else if inbox.isShutdown && !inbox.isThreadRunning {
                // Nothing runs any more; a late resume or cancel has nothing to act on.
                if case .start(let transfer) = command {
                    return .refuse(transfer, Self.shutDownError(transfer))
                }
                return .ignore
            }
            inbox.commands.append(command)
            guard !inbox.isThreadRunning, !inbox.isShutdown else {
                return .wake
            }
            inbox.isThreadRunning = true
            // Registered under the inbox lock, so an exit handler that halts engines cannot miss this one.
            Self.running.withLock { $0[ObjectIdentifier(self)] = self }
            return .startThread
        }
        switch decision {
        case .startThread:
            break
        case .wake:
            _ = curl_multi_wakeup(multi)
            return
        case .refuse(let transfer, let error):
            transfer.finish(error)
            return
        case .ignore:
            return
        }
        let thread = Thread { [self] in
            self.run()
            Self.running.withLock { $0[ObjectIdentifier(self)] = nil }
            self.threadStopped.signal()
        }
        thread.name = "kaito-http-curl"
        thread.start()
    }

    /// A request that will not complete: `outcome` says what happened to it and why.
    private static func cancelled(_ transfer: CurlTransfer, _ outcome: String) -> HTTPClientError {
        HTTPClientError(
            code: .cancelled, message: "the request to \(transfer.plan.endpoint) \(outcome)",
            endpoint: transfer.plan.endpoint)
    }

    private static func shutDownError(_ transfer: CurlTransfer) -> HTTPClientError {
        cancelled(transfer, "was not sent: its transport was shut down")
    }

    /// Fails every transfer and stops the engine thread without waiting for the transfers to end.
    ///
    /// - Returns: Whether a thread was running; it signals ``threadStopped`` when it has stopped.
    private func halt() -> Bool {
        let wasRunning = inbox.withLock { inbox in
            inbox.isHalted = true
            return inbox.isThreadRunning
        }
        if wasRunning {
            _ = curl_multi_wakeup(multi)
        }
        return wasRunning
    }

    /// Halts every engine whose thread runs and waits, up to `timeout` in all, for their threads to stop.
    ///
    /// Called by the exit handler, so no engine thread uses libcurl or OpenSSL while the process exits.
    /// The wait is bounded so that an exit never hangs, even if it was called on an engine thread.
    static func haltRunningEngines(timeout: Duration) {
        let engines = running.withLock { Array($0.values) }
        halt(engines, timeout: timeout)
    }

    /// Halts `engines` and waits, up to `timeout` in all, for their threads to stop.
    ///
    /// - Returns: Whether every thread stopped in time.
    @discardableResult
    static func halt(_ engines: [CurlEngine], timeout: Duration) -> Bool {
        let halted = engines.filter { $0.halt() }
        let (seconds, attoseconds) = timeout.components
        let deadline =
            DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        // Every engine gets its wait (all against the same deadline), even after one has timed out.
        let stopped = halted.map { $0.threadStopped.wait(timeout: deadline) == .success }
        return !stopped.contains(false)
    }

    private static func haltedError(_ transfer: CurlTransfer, sent: Bool) -> HTTPClientError {
        cancelled(transfer, "was \(sent ? "stopped" : "not sent"): the process is exiting")
    }

    // MARK: Engine thread

    private func run() {
        while true {
            let next: (commands: [Command], isHalted: Bool)? = inbox.withLock { inbox in
                let isHalted = inbox.isHalted
                if !isHalted && inbox.commands.isEmpty && isShuttingDown && active.isEmpty {
                    inbox.isThreadRunning = false
                    return nil
                }
                if isHalted {
                    inbox.isThreadRunning = false
                }
                defer { inbox.commands = [] }
                return (inbox.commands, isHalted)
            }
            guard let (commands, isHalted) = next else {
                return
            }
            if isHalted {
                stopEverything(queued: commands)
                return
            }
            for command in commands {
                handle(command)
            }
            if isShuttingDown && active.isEmpty {
                continue
            }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            let wait = enforceIdleTimeouts()
            _ = curl_multi_poll(multi, nil, 0, wait, nil)
        }
    }

    private func handle(_ command: Command) {
        switch command {
        case .start(let transfer):
            guard !transfer.isComplete else {
                return
            }
            if isShuttingDown {
                transfer.finish(Self.shutDownError(transfer))
                return
            }
            do {
                let easy = try CurlEasyTransfer(transfer: transfer, share: share)
                let code = curl_multi_add_handle(multi, easy.handle)
                guard code == CURLM_OK else {
                    let text = String(cString: curl_multi_strerror(code))
                    transfer.finish(
                        HTTPClientError(
                            code: .transport,
                            message: "libcurl could not start the request to \(transfer.plan.endpoint): \(text)",
                            endpoint: transfer.plan.endpoint
                        )
                    )
                    return
                }
                active[ObjectIdentifier(transfer)] = easy
                byHandle[easy.handle] = easy
            } catch {
                transfer.finish(error)
            }
        case .cancel(let transfer):
            if let easy = active[ObjectIdentifier(transfer)] {
                retire(easy)
            }
        case .resume(let transfer):
            active[ObjectIdentifier(transfer)]?.unpause()
        case .shutdown:
            isShuttingDown = true
        }
    }

    /// Fails the queued requests and every running transfer (closing their connections).
    private func stopEverything(queued: [Command]) {
        for command in queued {
            if case .start(let transfer) = command, !transfer.isComplete {
                transfer.finish(Self.haltedError(transfer, sent: false))
            }
        }
        for easy in Array(active.values) {
            retire(easy)
            easy.transfer.finish(Self.haltedError(easy.transfer, sent: true))
        }
    }

    /// Takes a transfer out of the multi handle; mid-transfer this closes its connection.
    private func retire(_ easy: CurlEasyTransfer) {
        curl_multi_remove_handle(multi, easy.handle)
        active[ObjectIdentifier(easy.transfer)] = nil
        byHandle[easy.handle] = nil
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard kaito_curl_msg_is_done(message) != 0, let handle = kaito_curl_msg_handle(message),
                let easy = byHandle[handle]
            else {
                continue
            }
            let error = easy.outcome(for: kaito_curl_msg_result(message))
            retire(easy)
            easy.transfer.finish(error)
        }
    }

    /// Fails streams that stayed silent too long; returns how long the engine may sleep.
    private func enforceIdleTimeouts() -> Int32 {
        if active.isEmpty {
            return Self.idleWaitMilliseconds
        }
        var wait = Duration.milliseconds(Int64(Self.maximumWaitMilliseconds))
        let now = ContinuousClock.now
        for easy in Array(active.values) {
            guard let idle = easy.transfer.plan.idleTimeout, !easy.isPaused else {
                continue
            }
            let silence = now - easy.lastActivity
            if silence >= idle {
                retire(easy)
                easy.transfer.finish(easy.idleTimeoutError(idle))
            } else {
                wait = min(wait, idle - silence)
            }
        }
        let (seconds, attoseconds) = wait.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
        return Int32(max(1, min(milliseconds, Int64(Self.maximumWaitMilliseconds))))
    }
}

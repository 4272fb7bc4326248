import CCurl
import Foundation

/// libcurl's process-wide initialisation, done once before the first handle is created.
enum CurlGlobal {
    static let isInitialized: Bool = kaito_curl_global_init_all() == CURLE_OK
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
    }

    // Immutable after init; safe to use from any thread (curl_multi_wakeup is thread-safe).
    private let multi: UnsafeMutableRawPointer
    private let share: UnsafeMutableRawPointer?
    private let inbox = Locked(Inbox())

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
            case refuse(CurlTransfer)
            case ignore
        }
        let decision: Decision = inbox.withLock { inbox in
            if case .shutdown = command {
                inbox.isShutdown = true
            } else if inbox.isShutdown && !inbox.isThreadRunning {
                // Nothing runs any more; a late resume or cancel has nothing to act on.
                if case .start(let transfer) = command {
                    return .refuse(transfer)
                }
                return .ignore
            }
            inbox.commands.append(command)
            guard !inbox.isThreadRunning, !inbox.isShutdown else {
                return .wake
            }
            inbox.isThreadRunning = true
            return .startThread
        }
        switch decision {
        case .startThread:
            break
        case .wake:
            _ = curl_multi_wakeup(multi)
            return
        case .refuse(let transfer):
            transfer.finish(Self.shutDownError(transfer))
            return
        case .ignore:
            return
        }
        let thread = Thread { [self] in
            self.run()
        }
        thread.name = "kaito-http-curl"
        thread.start()
    }

    private static func shutDownError(_ transfer: CurlTransfer) -> HTTPClientError {
        HTTPClientError(
            code: .cancelled,
            message: "the request to \(transfer.plan.endpoint) was not sent: its transport was shut down",
            endpoint: transfer.plan.endpoint
        )
    }

    // MARK: Engine thread

    private func run() {
        while true {
            let commands: [Command]? = inbox.withLock { inbox in
                if inbox.commands.isEmpty && isShuttingDown && active.isEmpty {
                    inbox.isThreadRunning = false
                    return nil
                }
                let commands = inbox.commands
                inbox.commands = []
                return commands
            }
            guard let commands else {
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

import Foundation
import HTTPTypes

/// One exchange as seen by both sides: the async caller (waiting for the head, reading the body)
/// and the engine thread (delivering the head, chunks and the outcome).
///
/// All mutable state sits behind one lock; continuations are resumed after the lock is released.
final class CurlTransfer: Sendable {
    enum CancelReason: Sendable {
        case taskCancelled
        case consumerStopped
    }

    enum ChunkVerdict {
        case accepted
        case pause
        case abort
    }

    private enum Head {
        case notRequested
        case waiting(CheckedContinuation<HTTPResponse, any Error>)
        case delivered
    }

    private enum Completion {
        case running
        case finished
        case failed(HTTPClientError)
    }

    /// Continuations to resume once the lock is released.
    private struct Waiters {
        var head: CheckedContinuation<HTTPResponse, any Error>?
        var reader: CheckedContinuation<[UInt8]?, any Error>?
    }

    private struct State: Sendable {
        var head: Head = .notRequested
        var completion: Completion = .running
        var chunks: [[UInt8]] = []
        var firstChunk = 0
        var bufferedBytes = 0
        var reader: CheckedContinuation<[UInt8]?, any Error>?
        var isPausedForBackpressure = false

        /// Removes and returns whoever waits for the head or the next chunk.
        mutating func takeWaiters() -> Waiters {
            var waiters = Waiters(reader: reader)
            reader = nil
            if case .waiting(let continuation) = head {
                waiters.head = continuation
                head = .delivered
            }
            return waiters
        }
    }

    let plan: CurlRequestPlan
    private let engine: CurlEngine
    private let state = Locked(State())

    init(plan: CurlRequestPlan, engine: CurlEngine) {
        self.plan = plan
        self.engine = engine
    }

    /// Whether the exchange has ended (finished, failed or cancelled).
    var isComplete: Bool {
        state.withLock { state in
            if case .running = state.completion {
                return false
            }
            return true
        }
    }

    // MARK: Caller side

    /// Starts the exchange on the engine and waits for the response head.
    func start() async throws -> HTTPResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                let failure: HTTPClientError? = state.withLock { state in
                    if case .failed(let error) = state.completion {
                        return error
                    }
                    state.head = .waiting(continuation)
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                } else {
                    engine.submit(.start(self))
                }
            }
        } onCancel: {
            cancel(reason: .taskCancelled)
        }
    }

    /// Returns the next body chunk, `nil` at the end, or throws the exchange's failure.
    func nextChunk() async throws -> [UInt8]? {
        if Task.isCancelled {
            cancel(reason: .taskCancelled)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Step {
                    case chunk([UInt8], resumeEngine: Bool)
                    case end
                    case failure(HTTPClientError)
                    case wait
                }
                let step: Step = state.withLock { state in
                    if state.firstChunk < state.chunks.count {
                        let chunk = state.chunks[state.firstChunk]
                        state.firstChunk += 1
                        if state.firstChunk == state.chunks.count {
                            state.chunks.removeAll(keepingCapacity: true)
                            state.firstChunk = 0
                        } else if state.firstChunk >= 64 {
                            state.chunks.removeFirst(state.firstChunk)
                            state.firstChunk = 0
                        }
                        state.bufferedBytes -= chunk.count
                        var resume = false
                        if state.isPausedForBackpressure, state.bufferedBytes <= plan.maxBufferedBodyBytes / 2 {
                            state.isPausedForBackpressure = false
                            resume = true
                        }
                        return .chunk(chunk, resumeEngine: resume)
                    }
                    switch state.completion {
                    case .finished:
                        return .end
                    case .failed(let error):
                        return .failure(error)
                    case .running:
                        state.reader = continuation
                        return .wait
                    }
                }
                switch step {
                case .chunk(let chunk, let resumeEngine):
                    if resumeEngine {
                        engine.submit(.resume(self))
                    }
                    continuation.resume(returning: chunk)
                case .end:
                    continuation.resume(returning: nil)
                case .failure(let error):
                    continuation.resume(throwing: error)
                case .wait:
                    break
                }
            }
        } onCancel: {
            cancel(reason: .taskCancelled)
        }
    }

    /// Ends the exchange early: pending waits throw ``HTTPClientError/Code/cancelled`` and the engine
    /// aborts the transfer, closing its connection. Does nothing once the exchange has completed.
    func cancel(reason: CancelReason) {
        let error = HTTPClientError(
            code: .cancelled,
            message: reason == .taskCancelled
                ? "the request to \(plan.endpoint) was cancelled"
                : "the request to \(plan.endpoint) was abandoned: its response body is no longer being read",
            endpoint: plan.endpoint
        )
        let waiters: Waiters? = state.withLock { state in
            defer {
                state.chunks = []
                state.firstChunk = 0
                state.bufferedBytes = 0
            }
            guard case .running = state.completion else {
                if case .finished = state.completion, state.firstChunk < state.chunks.count {
                    // Unread chunks are dropped: a later read must fail rather than see a truncated body end.
                    state.completion = .failed(error)
                }
                return nil
            }
            state.completion = .failed(error)
            return state.takeWaiters()
        }
        guard let waiters else {
            return
        }
        waiters.head?.resume(throwing: error)
        waiters.reader?.resume(throwing: error)
        engine.submit(.cancel(self))
    }

    // MARK: Engine side (engine thread only)

    /// Hands the complete response head to the caller waiting in ``start()``.
    func deliverHead(_ response: HTTPResponse) {
        let continuation: CheckedContinuation<HTTPResponse, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state.head else {
                return nil
            }
            state.head = .delivered
            return continuation
        }
        continuation?.resume(returning: response)
    }

    /// Offers received body bytes; `.pause` means the bytes were not taken and will be offered again.
    ///
    /// With `mayPause` false the bytes are always taken, however much is buffered.
    func deliverChunk(_ bytes: UnsafeRawBufferPointer, mayPause: Bool) -> ChunkVerdict {
        enum Outcome {
            case verdict(ChunkVerdict)
            case handOver(CheckedContinuation<[UInt8]?, any Error>, [UInt8])
        }
        let outcome: Outcome = state.withLock { state in
            guard case .running = state.completion else {
                return .verdict(.abort)
            }
            if let reader = state.reader {
                state.reader = nil
                return .handOver(reader, Array(bytes))
            }
            if mayPause, state.bufferedBytes >= plan.maxBufferedBodyBytes {
                state.isPausedForBackpressure = true
                return .verdict(.pause)
            }
            state.chunks.append(Array(bytes))
            state.bufferedBytes += bytes.count
            return .verdict(.accepted)
        }
        switch outcome {
        case .verdict(let verdict):
            return verdict
        case .handOver(let reader, let chunk):
            reader.resume(returning: chunk)
            return .accepted
        }
    }

    /// Records the outcome: `nil` for success. Buffered chunks stay readable before the end or the error.
    func finish(_ error: HTTPClientError?) {
        let waiters: Waiters? = state.withLock { state in
            guard case .running = state.completion else {
                return nil
            }
            state.completion = error.map { .failed($0) } ?? .finished
            return state.takeWaiters()
        }
        guard let waiters else {
            return
        }
        if let head = waiters.head {
            // Success always delivers the head first; this covers an exchange that ended without one.
            head.resume(
                throwing: error
                    ?? HTTPClientError(
                        code: .transport,
                        message: "\(plan.endpoint) ended the exchange without a response head; retry the request",
                        endpoint: plan.endpoint
                    )
            )
        }
        if let reader = waiters.reader {
            if let error {
                reader.resume(throwing: error)
            } else {
                reader.resume(returning: nil)
            }
        }
    }
}

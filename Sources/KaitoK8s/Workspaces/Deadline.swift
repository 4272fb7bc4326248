import KaitoHTTP

/// Runs `body` for at most `duration`; returns its result, or `nil` when the time ran out first.
///
/// Both run as unstructured tasks so a body stuck in a network read cannot hold up the deadline; the loser is
/// cancelled. Cancelling the caller cancels the body (which then throws, usually `CancellationError`).
func withDeadline<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T?
{
    let resumed = Locked(false)
    let tasks = Locked<[Task<Void, Never>]>([])
    let cancelled = Locked(false)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
            @Sendable func finish(_ outcome: Result<T?, any Error>) {
                let shouldResume = resumed.withLock { done -> Bool in
                    if done { return false }
                    done = true
                    return true
                }
                guard shouldResume else { return }
                for task in tasks.value { task.cancel() }
                continuation.resume(with: outcome)
            }
            let work = Task {
                do {
                    finish(.success(try await body()))
                } catch {
                    finish(.failure(error))
                }
            }
            let timer = Task {
                do {
                    try await Task.sleep(for: duration)
                } catch {
                    return  // Cancelled: the body's outcome decides.
                }
                finish(.success(nil))
            }
            tasks.value = [work, timer]
            if cancelled.value { work.cancel() }
            if resumed.value {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        cancelled.value = true
        for task in tasks.value { task.cancel() }
    }
}

import Foundation
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

@Suite("WorkQueue")
struct WorkQueueTests {
    @Test("A key waiting is queued once; keys come out in order")
    func deduplicates() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("b")
        await queue.add("a")
        #expect(await queue.depth == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
        #expect(await queue.depth == 0)
        #expect(await queue.processingCount == 2)
    }

    @Test("A key re-added while processing is handed out again only after done")
    func dirtyWhileProcessing() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        let first = await queue.next()
        #expect(first == "a")
        await queue.add("a")
        await queue.add("a")
        // Not handed out twice at a time.
        #expect(await queue.depth == 0)
        await queue.add("b")
        #expect(await queue.next() == "b")
        await queue.done("a")
        #expect(await queue.depth == 1)
        #expect(await queue.next() == "a")
        await queue.done("a")
        #expect(await queue.depth == 0)
    }

    @Test("next() waits for a key without polling")
    func waitsForKey() async {
        let queue = WorkQueue<Int>()
        let waiter = Task { await queue.next() }
        await queue.add(7)
        #expect(await waiter.value == 7)
        #expect(await queue.processingCount == 1)
    }

    @Test("Backoff doubles per failure up to the maximum, and forget resets it")
    func backoff() async {
        let queue = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .milliseconds(40))
        #expect(await queue.backoff(for: "k") == .milliseconds(5))
        var delays: [Duration] = []
        for _ in 0..<6 {
            delays.append(await queue.backoff(for: "k"))
            await queue.addRateLimited("k")
        }
        #expect(
            delays == [
                .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(40),
                .milliseconds(40),
            ])
        #expect(await queue.failureCount(of: "k") == 6)
        // The rate-limited key arrives after its delay.
        #expect(await queue.next() == "k")
        await queue.done("k")
        await queue.forget("k")
        #expect(await queue.failureCount(of: "k") == 0)
        #expect(await queue.backoff(for: "k") == .milliseconds(5))
    }

    @Test("client-go's defaults: 5 ms doubling to 1000 s")
    func defaults() async {
        let queue = WorkQueue<String>()
        #expect(queue.baseDelay == .milliseconds(5))
        #expect(queue.maxDelay == .seconds(1000))
        for _ in 0..<30 { await queue.addRateLimited("k") }
        #expect(await queue.backoff(for: "k") == .seconds(1000))
        await queue.shutDown()
    }

    @Test("A delayed key arrives later; the earlier of two delays wins")
    func delayed() async {
        let queue = WorkQueue<String>()
        await queue.add("slow", after: .seconds(3600))
        await queue.add("k", after: .seconds(3600))
        await queue.add("k", after: .milliseconds(1))
        #expect(await queue.depth == 0)
        #expect(await queue.delayedCount == 2)
        // A later delay does not postpone an earlier one.
        await queue.add("k", after: .seconds(7200))
        #expect(await queue.next() == "k")
        #expect(await queue.delayedCount == 1)
        await queue.shutDown()
    }

    @Test("A non-positive delay queues at once")
    func zeroDelay() async {
        let queue = WorkQueue<String>()
        await queue.add("k", after: .zero)
        #expect(await queue.depth == 1)
    }

    @Test("Shutting down wakes waiting calls with nil and hands out nothing more")
    func shutDown() async {
        let queue = WorkQueue<String>()
        let waiter = Task { await queue.next() }
        // Let the waiter suspend (either order ends with nil).
        await Task.yield()
        await queue.shutDown()
        #expect(await waiter.value == nil)
        await queue.add("a")
        #expect(await queue.next() == nil)
        #expect(await queue.isShuttingDown)
    }

    @Test("Keys queued before shutdown are not handed out after it")
    func shutDownWithKeys() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.shutDown()
        #expect(await queue.next() == nil)
    }

    @Test("Cancelling a waiting next() returns nil")
    func cancelledWaiter() async {
        let queue = WorkQueue<String>()
        let waiter = Task { await queue.next() }
        waiter.cancel()
        #expect(await waiter.value == nil)
        await queue.add("a")
        #expect(await queue.next() == "a")
    }
}

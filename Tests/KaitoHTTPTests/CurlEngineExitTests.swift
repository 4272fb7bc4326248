import Foundation
@testable import KaitoHTTP
import Testing

/// The exit handler halts every running engine before OpenSSL's own exit handler frees its locks.
/// These tests halt one transport's engine the same way (halting all would stop the other tests' engines).
@Suite("CurlEngine halting at process exit")
struct CurlEngineExitTests {
    @Test("halting fails an open stream as cancelled, closes its connection and stops the engine thread")
    func haltingStopsAnOpenStream() async throws {
        let stalled = try await StalledStream.open()
        defer { stalled.server.close() }
        var iterator = stalled.stream.body.makeAsyncIterator()
        try await stalled.expectFirstChunk(&iterator)

        let engine = stalled.transport.engine
        let stopped = await Task.detached { CurlEngine.halt([engine], timeout: .seconds(10)) }.value
        #expect(stopped, "the engine thread did not stop")
        do {
            let next = try await iterator.next()
            Issue.record("expected the halted stream to fail, got \(String(describing: next))")
        } catch let error as HTTPClientError {
            #expect(error.code == .cancelled)
            #expect(error.message.contains("the process is exiting"), "\(error.message)")
        }
        _ = try await stalled.events.next("closed")
    }

    @Test("a request sent after the halt is refused at once, not queued")
    func requestsAfterTheHaltAreRefused() async throws {
        // Starts the engine thread, so the halt has a thread to stop.
        let stalled = try await StalledStream.open()
        defer { stalled.server.close() }
        let (server, transport, stream) = (stalled.server, stalled.transport, stalled.stream)
        let engine = transport.engine
        #expect(await Task.detached { CurlEngine.halt([engine], timeout: .seconds(10)) }.value)
        await #expect(throws: HTTPClientError.self) {
            _ = try await stream.body.collect(upTo: 1 << 20)
        }
        do {
            _ = try await transport.send(request(port: server.port, path: "/stall"), body: nil, options: .streaming)
            Issue.record("a request after the halt was sent")
        } catch let error as HTTPClientError {
            #expect(error.code == .cancelled)
            #expect(error.message.contains("was not sent: the process is exiting"), "\(error.message)")
        }
    }
}

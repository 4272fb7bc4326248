import Foundation
import HTTPTypes
import Hummingbird
import KaitoHTTP
import NIOCore
import Testing

@Suite("CurlTransport streaming, cancellation and idle timeout")
struct CurlTransportStreamingTests {
    /// `/stream` sends chunk 1, waits for the test's gate, then sends chunk 2 and ends.
    /// `/stall` is served by ``StallingServer`` instead: chunk 1 with the head, then nothing until the client closes.
    /// `/silent` reports "received", then sends nothing at all until the connection closes, reporting "closed".
    private static func router(gate: Gate, events: EventLog) -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        router.get("stream") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "{\"type\":\"ADDED\"}\n"))
                    await gate.wait()
                    try await writer.write(ByteBuffer(string: "{\"type\":\"MODIFIED\"}\n"))
                    try await writer.finish(nil)
                }
            )
        }
        router.get("silent") { request, _ -> Response in
            events.record("received")
            try await request.untilClientCloses { events.record("closed") }
            throw CancellationError()
        }
        return router
    }

    @Test("chunks arrive while the response is still open")
    func chunksArriveBeforeTheEnd() async throws {
        let gate = Gate()
        try await withTestServer(Self.router(gate: gate, events: EventLog())) { port in
            let transport = try CurlTransport()
            let stream = try await transport.send(request(port: port, path: "/stream"), body: nil, options: .streaming)
            #expect(stream.response.status == .ok)
            var received: [String] = []
            for try await chunk in stream.body {
                received.append(String(decoding: chunk, as: UTF8.self))
                if received.count == 1 {
                    // The server cannot send chunk 2 before this: chunk 1 arrived while the response was open.
                    gate.open()
                }
            }
            #expect(received.joined() == "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n")
            #expect(received.first == "{\"type\":\"ADDED\"}\n")
        }
    }

    @Test("cancelling the reading task ends the stream and closes the connection")
    func cancellingTheReaderClosesTheConnection() async throws {
        let events = EventLog()
        let server = try StallingServer(events: events)
        defer { server.close() }
        let transport = try CurlTransport()
        let firstChunk = Gate()
        let reader = Task {
            let stream = try await transport.send(
                request(port: server.port, path: "/stall"), body: nil, options: .streaming)
            var chunks = 0
            for try await _ in stream.body {
                chunks += 1
                firstChunk.open()
            }
            return chunks
        }
        try await withDeadline("waiting for the first chunk") { await firstChunk.wait() }
        reader.cancel()
        let outcome = await reader.result
        switch outcome {
        case .success(let chunks):
            Issue.record("the stream ended normally after \(chunks) chunks instead of being cancelled")
        case .failure(let error):
            #expect((error as? HTTPClientError)?.code == .cancelled, "\(error)")
        }
        _ = try await events.next("closed")
    }

    @Test("leaving the loop early closes the connection")
    func breakingOutClosesTheConnection() async throws {
        let stalled = try await StalledStream.open()
        defer { stalled.server.close() }
        for try await chunk in stalled.stream.body {
            #expect(String(decoding: chunk, as: UTF8.self) == "first")
            break
        }
        _ = try await stalled.events.next("closed")
    }

    @Test("cancelling while waiting for the response head stops the request")
    func cancellingBeforeTheHead() async throws {
        let events = EventLog()
        try await withTestServer(Self.router(gate: Gate(), events: events)) { port in
            let transport = try CurlTransport()
            let sender = Task {
                _ = try await transport.send(request(port: port, path: "/silent"), body: nil, options: .streaming)
            }
            _ = try await events.next("received")
            sender.cancel()
            let outcome = await sender.result
            if case .failure(let error) = outcome {
                #expect((error as? HTTPClientError)?.code == .cancelled, "\(error)")
            } else {
                Issue.record("send returned a response although it was cancelled")
            }
            _ = try await events.next("closed")
        }
    }

    @Test("a stalled stream fails with timedOut after its idle timeout")
    func idleTimeout() async throws {
        let stalled = try await StalledStream.open(
            options: HTTPRequestOptions(isStreaming: true, idleTimeout: .seconds(1)))
        defer { stalled.server.close() }
        var iterator = stalled.stream.body.makeAsyncIterator()
        try await stalled.expectFirstChunk(&iterator)
        do {
            let next = try await iterator.next()
            Issue.record("expected the idle timeout, got \(String(describing: next))")
        } catch let error as HTTPClientError {
            #expect(error.code == .timedOut)
            #expect(error.message.contains("idle timeout"))
            #expect(error.message.contains("127.0.0.1:\(stalled.server.port)"))
            #expect(error.message.contains("1 s"))
        }
        _ = try await stalled.events.next("closed")
    }

    @Test("streams ignore the total timeout")
    func streamsIgnoreTheTotalTimeout() async throws {
        let gate = Gate()
        try await withTestServer(Self.router(gate: gate, events: EventLog())) { port in
            let transport = try CurlTransport(
                configuration: HTTPClientConfiguration(timeouts: .init(total: .milliseconds(1)))
            )
            let stream = try await transport.send(request(port: port, path: "/stream"), body: nil, options: .streaming)
            var iterator = stream.body.makeAsyncIterator()
            _ = try await iterator.next()
            gate.open()
            var rest = Data()
            while let chunk = try await iterator.next() {
                rest.append(contentsOf: chunk)
            }
            #expect(String(decoding: rest, as: UTF8.self) == "{\"type\":\"MODIFIED\"}\n")
        }
    }
}

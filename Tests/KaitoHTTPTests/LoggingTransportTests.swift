import Foundation
import HTTPTypes
import KaitoHTTP
import Testing

/// A transport double: answers every request with a fixed response, or fails.
private struct FixedTransport: HTTPTransport {
    var failure: HTTPClientError?

    func send(_ request: HTTPRequest, body: HTTPRequestBody?, options: HTTPRequestOptions) async throws
        -> HTTPResponseStream
    {
        if let failure {
            throw failure
        }
        var fields = HTTPFields()
        fields[.setCookie] = "session=abc123"
        fields[.contentType] = "application/json"
        return HTTPResponseStream(
            response: HTTPResponse(status: .ok, headerFields: fields), body: HTTPBody(bytes: Array("{}".utf8)))
    }
}

private final class Lines: Sendable {
    private let storage = LockedLines()
    func append(_ line: String) { storage.append(line) }
    var all: [String] { storage.all }
}

private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

@Suite("Logging and redaction")
struct LoggingTransportTests {
    @Test("requests and responses are logged without credentials")
    func logsWithoutSecrets() async throws {
        let lines = Lines()
        let transport = LoggingTransport(wrapping: FixedTransport(), includeHeaders: true) { lines.append($0) }
        var headers = HTTPFields()
        headers[.authorization] = "Bearer sekret-token"
        headers[.accept] = "application/json"
        let request = HTTPRequest(
            method: .get,
            scheme: "https",
            authority: "blob.example:443",
            path: "/c/file?sv=2024&sig=abcSECRET&se=1",
            headerFields: headers
        )
        let stream = try await transport.send(request)
        #expect(try await stream.collect(upTo: 10) == Data("{}".utf8))
        let text = lines.all.joined(separator: "\n")
        #expect(text.contains("-> GET https://blob.example:443/c/file?sv=2024&sig=<redacted>&se=1"))
        #expect(text.contains("Authorization: <redacted>"))
        #expect(text.contains("Accept: application/json"))
        #expect(text.contains("<- 200"))
        #expect(text.contains("Set-Cookie: <redacted>"))
        #expect(!text.contains("sekret"))
        #expect(!text.contains("abcSECRET"))
        #expect(!text.contains("abc123"))
    }

    @Test("failures are logged and rethrown unchanged")
    func logsFailures() async throws {
        let lines = Lines()
        let failure = HTTPClientError(code: .connectFailed, message: "could not connect to 10.0.0.1:6443")
        let transport = LoggingTransport(wrapping: FixedTransport(failure: failure)) { lines.append($0) }
        let error = await expectHTTPClientError {
            _ = try await transport.send(
                HTTPRequest(method: .get, scheme: "https", authority: "10.0.0.1:6443", path: "/"))
        }
        #expect(error == failure)
        #expect(lines.all.last == "!! GET https://10.0.0.1:6443/: could not connect to 10.0.0.1:6443")
    }

    @Test("test doubles can stream bodies through HTTPBody")
    func streamedDoubleBody() async throws {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        continuation.yield(Array("a".utf8))
        continuation.yield(Array("b".utf8))
        continuation.finish()
        let body = HTTPBody(stream)
        var chunks: [String] = []
        for try await chunk in body {
            chunks.append(String(decoding: chunk, as: UTF8.self))
        }
        #expect(chunks == ["a", "b"])
        let limited = HTTPBody(bytes: Array(repeating: 1, count: 100))
        let error = await expectHTTPClientError { _ = try await limited.collect(upTo: 10) }
        #expect(error?.message.contains("10 byte limit") == true)
    }
}

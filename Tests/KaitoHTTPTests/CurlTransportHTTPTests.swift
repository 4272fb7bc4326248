import Foundation
import HTTPTypes
import Hummingbird
import KaitoHTTP
import NIOCore
import Testing

private struct Echo: Codable, ResponseEncodable {
    var method: String
    var path: String
    var header: String?
    var contentType: String?
    var bodyText: String?
}

private struct Greeting: Codable {
    var name: String
    var replicas: Int
}

@Suite("CurlTransport over plain HTTP")
struct CurlTransportHTTPTests {
    private static func echoRouter() -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .options] {
            router.on("echo", method: method) { request, _ -> Echo in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                return Echo(
                    method: request.method.rawValue,
                    path: request.uri.description,
                    header: request.headers[fieldName("X-Kaito-Test")],
                    contentType: request.headers[.contentType],
                    bodyText: body.readableBytes == 0 ? nil : String(buffer: body)
                )
            }
        }
        router.head("echo") { _, _ -> Response in
            Response(status: .noContent, headers: [fieldName("X-Head"): "yes"])
        }
        return router
    }

    @Test("GET returns status, headers and a JSON body")
    func getJSON() async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            var headers = HTTPFields()
            headers[fieldName("X-Kaito-Test")] = "hello"
            headers[.accept] = "application/json"
            let stream = try await transport.send(request(port: port, path: "/echo?watch=false", headers: headers))
            #expect(stream.response.status == .ok)
            #expect(stream.response.headerFields[.contentType]?.hasPrefix("application/json") == true)
            let echo = try JSONDecoder().decode(Echo.self, from: try await stream.collect(upTo: 1 << 20))
            #expect(echo.method == "GET")
            #expect(echo.path == "/echo?watch=false")
            #expect(echo.header == "hello")
            #expect(echo.bodyText == nil)
        }
    }

    @Test("POST sends a JSON body with its content type")
    func postJSON() async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            let payload = try JSONEncoder().encode(Greeting(name: "phi-3", replicas: 2))
            let stream = try await transport.send(
                request(.post, port: port, path: "/echo", headers: [.contentType: "application/json"]),
                body: HTTPRequestBody(payload)
            )
            #expect(stream.response.status == .ok)
            let echo = try JSONDecoder().decode(Echo.self, from: try await stream.collect(upTo: 1 << 20))
            #expect(echo.method == "POST")
            #expect(echo.contentType == "application/json")
            let sent = try JSONDecoder().decode(Greeting.self, from: Data((echo.bodyText ?? "").utf8))
            #expect(sent.name == "phi-3" && sent.replicas == 2)
        }
    }

    @Test(
        "PUT, PATCH, DELETE and OPTIONS carry their method and body",
        arguments: [
            HTTPRequest.Method.put, .patch, .delete, .options,
        ])
    func otherMethods(method: HTTPRequest.Method) async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            let body = method == .options ? nil : HTTPRequestBody(string: #"{"op":"\#(method.rawValue)"}"#)
            let stream = try await transport.send(
                request(method, port: port, path: "/echo", headers: [.contentType: "application/merge-patch+json"]),
                body: body
            )
            let echo = try JSONDecoder().decode(Echo.self, from: try await stream.collect(upTo: 1 << 20))
            #expect(echo.method == method.rawValue)
            if method == .options {
                #expect(echo.bodyText == nil)
            } else {
                #expect(echo.bodyText == #"{"op":"\#(method.rawValue)"}"#)
                #expect(echo.contentType == "application/merge-patch+json")
            }
        }
    }

    @Test("POST without a body sends an empty one and no form content type")
    func postWithoutBody() async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            let stream = try await transport.send(request(.post, port: port, path: "/echo"))
            let echo = try JSONDecoder().decode(Echo.self, from: try await stream.collect(upTo: 1 << 20))
            #expect(echo.method == "POST")
            #expect(echo.bodyText == nil)
            #expect(echo.contentType == nil)
        }
    }

    @Test("HEAD returns the head and an empty body")
    func head() async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            let stream = try await transport.send(request(.head, port: port, path: "/echo"))
            #expect(stream.response.status == .noContent)
            #expect(stream.response.headerFields[fieldName("X-Head")] == "yes")
            #expect(try await stream.collect(upTo: 10).isEmpty)
        }
    }

    @Test("non-2xx statuses are responses, not errors")
    func notFound() async throws {
        try await withTestServer(Self.echoRouter()) { port in
            let transport = try CurlTransport()
            let stream = try await transport.send(request(port: port, path: "/missing"))
            #expect(stream.response.status == .notFound)
            _ = try await stream.collect(upTo: 1 << 20)
        }
    }

    @Test("20 MB travel intact in both directions, with a small receive buffer forcing pauses")
    func largeBodies() async throws {
        let router = Router(context: TestContext.self)
        router.post("mirror") { request, _ -> Response in
            Response(status: .ok, body: ResponseBody(asyncSequence: request.body))
        }
        let payload = patternBytes(count: 20 * 1024 * 1024)
        try await withTestServer(router) { port in
            let transport = try CurlTransport(configuration: HTTPClientConfiguration(maxBufferedBodyBytes: 64 * 1024))
            let stream = try await transport.send(
                request(.post, port: port, path: "/mirror", headers: [.contentType: "application/octet-stream"]),
                body: HTTPRequestBody(bytes: payload)
            )
            #expect(stream.response.status == .ok)
            let received = try await stream.collect(upTo: 32 * 1024 * 1024)
            #expect(received.count == payload.count)
            #expect(crc32(Array(received)) == crc32(payload))
            #expect(received == Data(payload))
        }
    }

    @Test("gzip responses are decoded and lose their encoding headers")
    func gzip() async throws {
        let text = String(repeating: "kaito inference workspace\n", count: 4000)
        let compressed = gzipStored(Array(text.utf8))
        let router = Router(context: TestContext.self)
        router.get("compressed") { request, _ -> Response in
            let accepted = request.headers[.acceptEncoding] ?? ""
            guard accepted.contains("gzip") else {
                return Response(status: .notAcceptable)
            }
            return Response(
                status: .ok,
                headers: [.contentEncoding: "gzip", .contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed))
            )
        }
        try await withTestServer(router) { port in
            let transport = try CurlTransport()
            let stream = try await transport.send(request(port: port, path: "/compressed"))
            #expect(stream.response.status == .ok)
            #expect(stream.response.headerFields[.contentEncoding] == nil)
            #expect(stream.response.headerFields[.contentLength] == nil)
            let body = try await stream.collect(upTo: 1 << 20)
            #expect(String(decoding: body, as: UTF8.self) == text)
        }
    }

    @Test("sequential requests reuse one connection")
    func connectionReuse() async throws {
        let router = Router(context: TestContext.self)
        router.get("port") { _, context -> String in
            "\(context.remotePort)"
        }
        try await withTestServer(router) { port in
            let transport = try CurlTransport()
            var clientPorts: [String] = []
            for _ in 0..<4 {
                let stream = try await transport.send(request(port: port, path: "/port"))
                clientPorts.append(String(decoding: try await stream.collect(upTo: 100), as: UTF8.self))
            }
            #expect(Set(clientPorts).count == 1, "client ports seen by the server: \(clientPorts)")
        }
    }

    @Test("concurrent requests through one transport all complete")
    func concurrentRequests() async throws {
        let router = Router(context: TestContext.self)
        router.get("item/:id") { _, context -> String in
            context.parameters.get("id") ?? "?"
        }
        try await withTestServer(router) { port in
            let transport = try CurlTransport()
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let stream = try await transport.send(request(port: port, path: "/item/\(index)"))
                        return (index, String(decoding: try await stream.collect(upTo: 100), as: UTF8.self))
                    }
                }
                var answers: [Int: String] = [:]
                for try await (index, answer) in group {
                    answers[index] = answer
                }
                return answers
            }
            #expect(answers.count == 40)
            #expect(answers.allSatisfy { "\($0.key)" == $0.value })
        }
    }

    @Test("a response outlives the transport that sent it")
    func responseOutlivesTransport() async throws {
        let router = Router(context: TestContext.self)
        router.get("big") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: patternBytes(count: 1 << 20))))
        }
        try await withTestServer(router) { port in
            let stream = try await {
                let transport = try CurlTransport(
                    configuration: HTTPClientConfiguration(maxBufferedBodyBytes: 16 * 1024))
                return try await transport.send(request(port: port, path: "/big"))
            }()
            let body = try await stream.collect(upTo: 2 << 20)
            #expect(body == Data(patternBytes(count: 1 << 20)))
        }
    }

    @Test("a refused connection is connectFailed naming the address, without the token")
    func connectionRefused() async throws {
        let socket = try ReservedPort()
        defer { socket.close() }
        let transport = try CurlTransport()
        let error = await expectHTTPClientError {
            _ = try await transport.send(
                request(port: socket.port, path: "/", headers: [.authorization: "Bearer sekret-token-123"])
            )
        }
        let failure = try #require(error)
        #expect(failure.code == .connectFailed)
        #expect(failure.message.contains("127.0.0.1:\(socket.port)"))
        #expect(failure.endpoint == "127.0.0.1:\(socket.port)")
        #expect(!failure.description.contains("sekret"))
        #expect(failure.detail?.contains("curl error 7") == true)
    }

    @Test("a server that never accepts is connectFailed after the connect timeout")
    func connectTimeout() async throws {
        let listener = try SaturatedListener()
        defer { listener.close() }
        let transport = try CurlTransport(
            configuration: HTTPClientConfiguration(timeouts: .init(connect: .milliseconds(300)))
        )
        let error = await expectHTTPClientError {
            _ = try await transport.send(request(port: listener.port, path: "/"))
        }
        let failure = try #require(error)
        #expect(failure.code == .connectFailed, "\(failure)")
        #expect(failure.message.contains("127.0.0.1:\(listener.port)"))
        #expect(failure.message.contains("300 ms"))
    }

    @Test("a slow non-streaming response hits the total timeout")
    func totalTimeout() async throws {
        let router = Router(context: TestContext.self)
        router.get("slow") { request, _ -> Response in
            try await request.untilClientCloses()
            return Response(status: .ok)
        }
        try await withTestServer(router) { port in
            let transport = try CurlTransport()
            let error = await expectHTTPClientError {
                _ = try await transport.send(
                    request(port: port, path: "/slow"),
                    body: nil,
                    options: HTTPRequestOptions(totalTimeout: .milliseconds(300))
                )
            }
            let failure = try #require(error)
            #expect(failure.code == .timedOut, "\(failure)")
            #expect(failure.message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test("requests without a usable URL are invalidRequest before anything is sent")
    func invalidRequests() async throws {
        let transport = try CurlTransport()
        let noScheme = HTTPRequest(method: .get, scheme: nil, authority: "127.0.0.1:1", path: "/")
        let ftp = HTTPRequest(method: .get, scheme: "ftp", authority: "127.0.0.1:1", path: "/")
        let noHost = HTTPRequest(method: .get, scheme: "https", authority: nil, path: "/")
        let badPort = HTTPRequest(method: .get, scheme: "https", authority: "127.0.0.1:99999", path: "/")
        for invalid in [noScheme, ftp, noHost, badPort] {
            let error = await expectHTTPClientError { _ = try await transport.send(invalid) }
            #expect(error?.code == .invalidRequest, "\(String(describing: error))")
        }
    }
}

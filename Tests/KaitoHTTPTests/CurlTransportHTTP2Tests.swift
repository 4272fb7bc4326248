import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import KaitoHTTP
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Testing

/// Runs a Hummingbird server that offers HTTP/2 and HTTP/1.1 over TLS (ALPN) on 127.0.0.1 for the duration of
/// `body`; the HTTP/2 counterpart of ``withTestServer(_:tls:_:)``.
private func withHTTP2TestServer<T: Sendable>(
    _ router: Router<TestContext>,
    tls: TLSConfiguration,
    _ body: (_ port: Int) async throws -> T
) async throws -> T {
    // libcurl does not read idle cached connections, so it never answers the server's GOAWAY on shutdown: close
    // them after a short grace period instead of leaving the graceful shutdown waiting on a busy machine.
    try await withTestServer(
        router,
        server: try .http2Upgrade(tlsConfiguration: tls, configuration: .init(gracefulCloseTimeout: .seconds(1))),
        body)
}

extension TestContext {
    /// The protocol the server handled the request with. Hummingbird runs each HTTP/2 stream on its own
    /// child channel of NIOHTTP2's `HTTP2StreamChannel` type, while HTTP/1.1 requests run on the connection's
    /// socket channel, so the channel's type tells the two apart.
    var serverProtocol: String {
        String(describing: type(of: channel)).contains("HTTP2") ? "h2" : "http/1.1"
    }
}

@Suite("CurlTransport over HTTP/2")
struct CurlTransportHTTP2Tests {
    private static let protocolHeader = fieldName("x-server-protocol")
    private static let channelHeader = fieldName("x-server-channel")

    private static func router() -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        router.get("protocol") { _, context -> Response in
            Response(
                status: .ok,
                headers: [
                    Self.protocolHeader: context.serverProtocol,
                    Self.channelHeader: String(describing: type(of: context.channel)),
                ],
                body: .init(byteBuffer: ByteBuffer(string: "hello over \(context.serverProtocol)"))
            )
        }
        router.post("echo") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 4 << 20)
            return Response(
                status: .ok,
                headers: [Self.protocolHeader: context.serverProtocol],
                body: .init(byteBuffer: bytes)
            )
        }
        return router
    }

    private static func configuration(_ pki: TestPKI, preferHTTP2: Bool) -> HTTPClientConfiguration {
        HTTPClientConfiguration(
            tls: HTTPClientConfiguration.TLSConfiguration(trustRoots: .pem(pki.caPEM)),
            preferHTTP2: preferHTTP2
        )
    }

    @Test("a GET uses HTTP/2 when the server offers h2 over TLS")
    func getUsesHTTP2() async throws {
        try await withTestPKI { pki in
            try await withHTTP2TestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let transport = try CurlTransport(configuration: Self.configuration(pki, preferHTTP2: true))
                let stream = try await withDeadline("fetching /protocol over h2") {
                    try await transport.send(request(.get, "https", port: port, path: "/protocol"))
                }
                #expect(stream.response.status == .ok)
                #expect(
                    stream.response.headerFields[Self.protocolHeader] == "h2",
                    "server channel: \(stream.response.headerFields[Self.channelHeader] ?? "?")"
                )
                let body = String(decoding: try await stream.collect(upTo: 1 << 16), as: UTF8.self)
                #expect(body == "hello over h2")
            }
        }
    }

    @Test("preferHTTP2 off makes the same server answer over HTTP/1.1")
    func preferHTTP2Off() async throws {
        try await withTestPKI { pki in
            try await withHTTP2TestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let transport = try CurlTransport(configuration: Self.configuration(pki, preferHTTP2: false))
                let stream = try await withDeadline("fetching /protocol over HTTP/1.1") {
                    try await transport.send(request(.get, "https", port: port, path: "/protocol"))
                }
                #expect(stream.response.status == .ok)
                #expect(
                    stream.response.headerFields[Self.protocolHeader] == "http/1.1",
                    "server channel: \(stream.response.headerFields[Self.channelHeader] ?? "?")"
                )
                let body = String(decoding: try await stream.collect(upTo: 1 << 16), as: UTF8.self)
                #expect(body == "hello over http/1.1")
            }
        }
    }

    @Test("a 1 MB POST body is echoed intact over HTTP/2")
    func largePostEcho() async throws {
        try await withTestPKI { pki in
            try await withHTTP2TestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let transport = try CurlTransport(configuration: Self.configuration(pki, preferHTTP2: true))
                let payload = patternBytes(count: 1 << 20)
                let echoed = try await withDeadline("echoing 1 MB over h2") {
                    let stream = try await transport.send(
                        request(
                            .post, "https", port: port, path: "/echo",
                            headers: [.contentType: "application/octet-stream"]
                        ),
                        body: HTTPRequestBody(bytes: payload)
                    )
                    #expect(stream.response.status == .ok)
                    #expect(stream.response.headerFields[Self.protocolHeader] == "h2")
                    return try await stream.collect(upTo: 2 << 20)
                }
                #expect(echoed.count == payload.count)
                #expect(echoed == Data(payload))
            }
        }
    }
}

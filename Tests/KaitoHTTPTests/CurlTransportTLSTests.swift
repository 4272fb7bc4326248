import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import KaitoHTTP
import Testing

@Suite("CurlTransport over TLS")
struct CurlTransportTLSTests {
    private static func router() -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        router.get("version") { request, _ -> String in
            "{\"gitVersion\":\"v1.30.0\",\"host\":\"\(request.head.authority ?? "")\"}"
        }
        return router
    }

    private static func fetchVersion(
        _ configuration: HTTPClientConfiguration,
        port: Int,
        host: String = "127.0.0.1"
    ) async throws -> String {
        let transport = try CurlTransport(configuration: configuration)
        let stream = try await transport.send(request(.get, "https", port: port, host: host, path: "/version"))
        #expect(stream.response.status == .ok)
        return String(decoding: try await stream.collect(upTo: 1 << 16), as: UTF8.self)
    }

    private typealias ClientTLS = HTTPClientConfiguration.TLSConfiguration

    @Test("a private CA given as PEM bytes or as a file is trusted", arguments: ["pem", "file"])
    func privateCA(source: String) async throws {
        try await withTestPKI { pki in
            try await withTestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let roots: HTTPClientConfiguration.TrustRoots =
                    source == "pem" ? .pem(pki.caPEM) : .file(path: pki.caPath)
                let body = try await Self.fetchVersion(.init(tls: ClientTLS(trustRoots: roots)), port: port)
                #expect(body.contains("v1.30.0"))
            }
        }
    }

    @Test("a certificate from another CA is refused with tlsFailed naming the server")
    func wrongCA() async throws {
        try await withTestPKI { pki in
            try await withTestServer(Self.router(), tls: try serverTLS(pki)) { port in
                for roots in [HTTPClientConfiguration.TrustRoots.pem(pki.otherCAPEM), .system] {
                    let error = await expectHTTPClientError {
                        _ = try await Self.fetchVersion(.init(tls: ClientTLS(trustRoots: roots)), port: port)
                    }
                    let failure = try #require(error)
                    #expect(failure.code == .tlsFailed, "\(failure)")
                    #expect(failure.message.contains("TLS verification of 127.0.0.1:\(port) failed"))
                    #expect(failure.message.contains("certificate-authority"))
                }
            }
        }
    }

    @Test("insecureSkipVerify connects without trusting the CA")
    func insecure() async throws {
        try await withTestPKI { pki in
            try await withTestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let configuration = HTTPClientConfiguration(
                    tls: ClientTLS(trustRoots: .pem(pki.otherCAPEM), insecureSkipVerify: true)
                )
                let body = try await Self.fetchVersion(configuration, port: port)
                #expect(body.contains("v1.30.0"))
            }
        }
    }

    @Test("a server requiring a client certificate accepts ours", arguments: ["pem", "file"])
    func clientCertificate(source: String) async throws {
        try await withTestPKI { pki in
            let tls = try serverTLS(pki, requireClientCertificate: true)
            try await withTestServer(Self.router(), tls: tls) { port in
                let identity =
                    source == "pem"
                    ? HTTPClientConfiguration.ClientIdentity(
                        certificate: .pem(pki.clientCertificatePEM),
                        privateKey: .pem(pki.clientKeyPEM)
                    )
                    : HTTPClientConfiguration.ClientIdentity(
                        certificate: .file(path: pki.clientCertificatePath),
                        privateKey: .file(path: pki.clientKeyPath)
                    )
                let configuration = HTTPClientConfiguration(
                    tls: ClientTLS(trustRoots: .pem(pki.caPEM), clientIdentity: identity)
                )
                let body = try await Self.fetchVersion(configuration, port: port)
                #expect(body.contains("v1.30.0"))
            }
        }
    }

    @Test("a server requiring a client certificate refuses a client without one")
    func missingClientCertificate() async throws {
        try await withTestPKI { pki in
            let tls = try serverTLS(pki, requireClientCertificate: true)
            try await withTestServer(Self.router(), tls: tls) { port in
                let error = await expectHTTPClientError {
                    _ = try await Self.fetchVersion(.init(tls: ClientTLS(trustRoots: .pem(pki.caPEM))), port: port)
                }
                let failure = try #require(error)
                #expect(failure.code == .tlsFailed, "\(failure)")
                #expect(failure.message.contains("127.0.0.1:\(port)"))
                #expect(failure.message.contains("client-certificate"))
            }
        }
    }

    @Test("an unreadable client key is tlsFailed and shows no key material")
    func brokenClientKey() async throws {
        try await withTestPKI { pki in
            let tls = try serverTLS(pki, requireClientCertificate: true)
            try await withTestServer(Self.router(), tls: tls) { port in
                let secret = "-----BEGIN PRIVATE KEY-----\nTk9UQUtFWQ==\n-----END PRIVATE KEY-----\n"
                let configuration = HTTPClientConfiguration(
                    tls: ClientTLS(
                        trustRoots: .pem(pki.caPEM),
                        clientIdentity: .init(
                            certificate: .pem(pki.clientCertificatePEM), privateKey: .pem(Data(secret.utf8)))
                    )
                )
                let error = await expectHTTPClientError {
                    _ = try await Self.fetchVersion(configuration, port: port)
                }
                let failure = try #require(error)
                #expect(failure.code == .tlsFailed, "\(failure)")
                #expect(!failure.description.contains("Tk9UQUtFWQ"))
                #expect(!failure.description.contains("BEGIN PRIVATE KEY"))
            }
        }
    }

    @Test("serverName verifies the certificate as another name while connecting to the IP")
    func serverNameOverride() async throws {
        try await withTestPKI { pki in
            try await withTestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let good = HTTPClientConfiguration(
                    tls: ClientTLS(trustRoots: .pem(pki.caPEM), serverName: "kaito.test"))
                let body = try await Self.fetchVersion(good, port: port)
                #expect(body.contains("v1.30.0"))
                // The Host header keeps the URL's authority, as with kubeconfig tls-server-name.
                #expect(body.contains("\"host\":\"127.0.0.1:\(port)\""))

                let wrong = HTTPClientConfiguration(
                    tls: ClientTLS(trustRoots: .pem(pki.caPEM), serverName: "other.test"))
                let error = await expectHTTPClientError { _ = try await Self.fetchVersion(wrong, port: port) }
                let failure = try #require(error)
                #expect(failure.code == .tlsFailed, "\(failure)")
                #expect(failure.message.contains("other.test"))
                #expect(failure.message.contains("127.0.0.1:\(port)"))
            }
        }
    }

    @Test("8 MB travel intact over TLS with a small receive buffer forcing pauses")
    func largeBodiesOverTLS() async throws {
        let router = Router(context: TestContext.self)
        router.put("mirror") { request, _ -> Response in
            Response(status: .ok, body: ResponseBody(asyncSequence: request.body))
        }
        let payload = patternBytes(count: 8 * 1024 * 1024, seed: 42)
        try await withTestPKI { pki in
            try await withTestServer(router, tls: try serverTLS(pki)) { port in
                let transport = try CurlTransport(
                    configuration: HTTPClientConfiguration(
                        tls: ClientTLS(trustRoots: .pem(pki.caPEM)),
                        maxBufferedBodyBytes: 16 * 1024
                    )
                )
                let stream = try await transport.send(
                    request(.put, "https", port: port, path: "/mirror"),
                    body: HTTPRequestBody(bytes: payload)
                )
                let received = try await stream.collect(upTo: 16 * 1024 * 1024)
                #expect(received == Data(payload))
            }
        }
    }

    @Test("connecting by a name the certificate lists works without an override")
    func localhostName() async throws {
        try await withTestPKI { pki in
            try await withTestServer(Self.router(), tls: try serverTLS(pki)) { port in
                let body = try await Self.fetchVersion(
                    .init(tls: ClientTLS(trustRoots: .file(path: pki.caPath))),
                    port: port,
                    host: "localhost"
                )
                #expect(body.contains("v1.30.0"))
            }
        }
    }
}

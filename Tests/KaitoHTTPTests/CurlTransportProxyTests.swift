import Foundation
import HTTPTypes
import Hummingbird
import KaitoHTTP
import Testing

@Suite("CurlTransport through proxies")
struct CurlTransportProxyTests {
    /// The destination server: answers "direct".
    private static func targetRouter() -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        router.get("hello") { _, _ -> String in "direct" }
        return router
    }

    /// A stand-in HTTP proxy: it receives absolute-form requests (`GET http://host:port/hello`) and answers
    /// itself, naming the destination it was asked for, so the test can tell that the request went through it.
    private static func proxyRouter() -> Router<TestContext> {
        let router = Router(context: TestContext.self)
        router.get("hello") { request, _ -> String in
            "proxied to \(request.head.authority ?? "?")"
        }
        return router
    }

    private static func get(_ configuration: HTTPClientConfiguration, port: Int) async throws -> String {
        let transport = try CurlTransport(configuration: configuration)
        let stream = try await transport.send(request(port: port, path: "/hello"))
        return String(decoding: try await stream.collect(upTo: 1024), as: UTF8.self)
    }

    @Test("an explicit http proxy receives the request for the destination")
    func explicitProxy() async throws {
        try await withTestServer(Self.targetRouter()) { target in
            try await withTestServer(Self.proxyRouter()) { proxy in
                let body = try await Self.get(.init(proxy: .url("http://127.0.0.1:\(proxy)")), port: target)
                #expect(body == "proxied to 127.0.0.1:\(target)")
            }
        }
    }

    @Test(
        "HTTP_PROXY from the injected environment is used, upper or lower case",
        arguments: ["HTTP_PROXY", "http_proxy"])
    func environmentProxy(variable: String) async throws {
        try await withTestServer(Self.targetRouter()) { target in
            try await withTestServer(Self.proxyRouter()) { proxy in
                let environment = [variable: "http://127.0.0.1:\(proxy)", "NO_PROXY": "example.internal"]
                let body = try await Self.get(.init(proxy: .environment(environment)), port: target)
                #expect(body == "proxied to 127.0.0.1:\(target)")
            }
        }
    }

    @Test("NO_PROXY sends matching hosts directly", arguments: ["127.0.0.1", "*", "example.com,127.0.0.0/8"])
    func noProxyBypass(noProxy: String) async throws {
        try await withTestServer(Self.targetRouter()) { target in
            try await withTestServer(Self.proxyRouter()) { proxy in
                let environment = ["HTTP_PROXY": "http://127.0.0.1:\(proxy)", "no_proxy": noProxy]
                let body = try await Self.get(.init(proxy: .environment(environment)), port: target)
                #expect(body == "direct")
                let explicit = try await Self.get(
                    .init(proxy: .url("http://127.0.0.1:\(proxy)", noProxy: noProxy)),
                    port: target
                )
                #expect(explicit == "direct")
            }
        }
    }

    @Test("an unreachable proxy is proxyFailed naming the proxy without its credentials")
    func unreachableProxy() async throws {
        let reserved = try ReservedPort()
        defer { reserved.close() }
        try await withTestServer(Self.targetRouter()) { target in
            let configuration = HTTPClientConfiguration(proxy: .url("http://alice:pa55word@127.0.0.1:\(reserved.port)"))
            let error = await expectHTTPClientError { _ = try await Self.get(configuration, port: target) }
            let failure = try #require(error)
            #expect(failure.code == .proxyFailed, "\(failure)")
            #expect(failure.message.contains("127.0.0.1:\(reserved.port)"))
            #expect(failure.message.contains("127.0.0.1:\(target)"))
            #expect(!failure.description.contains("pa55word"))
        }
    }

    @Test("proxy .none ignores the process environment")
    func noProxyConfiguration() async throws {
        try await withTestServer(Self.targetRouter()) { target in
            let body = try await Self.get(.init(proxy: .none), port: target)
            #expect(body == "direct")
        }
    }
}

@Suite("Proxy selection from an injected environment")
struct ProxyResolutionTests {
    @Test("https URLs use HTTPS_PROXY, http URLs HTTP_PROXY, upper case winning over lower case")
    func selection() {
        let proxy = HTTPClientConfiguration.ProxyConfiguration.environment([
            "HTTPS_PROXY": "http://secure:3128",
            "https_proxy": "http://ignored:3128",
            "http_proxy": "http://plain:3128",
            "NO_PROXY": "10.0.0.0/8,.cluster.local",
        ])
        #expect(proxy.resolved(forScheme: "https").proxy == "http://secure:3128")
        #expect(proxy.resolved(forScheme: "http").proxy == "http://plain:3128")
        #expect(proxy.resolved(forScheme: "https").noProxy == "10.0.0.0/8,.cluster.local")
    }

    @Test("empty or missing variables mean a direct connection")
    func empty() {
        let proxy = HTTPClientConfiguration.ProxyConfiguration.environment(["HTTPS_PROXY": "  ", "PATH": "/bin"])
        #expect(proxy.resolved(forScheme: "https").proxy == nil)
        #expect(proxy.resolved(forScheme: "https").noProxy == "")
        #expect(HTTPClientConfiguration.ProxyConfiguration.none.resolved(forScheme: "http").proxy == nil)
    }
}

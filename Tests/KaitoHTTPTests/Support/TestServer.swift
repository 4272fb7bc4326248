import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A request context that exposes the connection, so handlers can report the client's port.
struct TestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The client's source port: equal across requests exactly when they share a connection.
    var remotePort: Int {
        channel.remoteAddress?.port ?? -1
    }

}

extension Request {
    /// Returns once the client has closed its side of the connection (or the server is shutting down),
    /// after calling `report`.
    func untilClientCloses(then report: @escaping @Sendable () -> Void = {}) async throws {
        let (closed, continuation) = AsyncStream<Void>.makeStream()
        try await body.consumeWithInboundCloseHandler { _ in
            for await _ in closed {}
        } onInboundClosed: {
            report()
            continuation.finish()
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a Hummingbird server on 127.0.0.1 with an OS-chosen port for the duration of `body`,
/// then shuts it down.
func withTestServer<T: Sendable>(
    _ router: Router<TestContext>,
    tls: TLSConfiguration? = nil,
    _ body: (_ port: Int) async throws -> T
) async throws -> T {
    let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
    return try await withTestServer(router, server: server, body)
}

/// Runs a Hummingbird server built by `server` (HTTP/1.1, TLS, HTTP/2 upgrade) on 127.0.0.1 with an OS-chosen
/// port for the duration of `body`, then shuts it down.
func withTestServer<T: Sendable>(
    _ router: Router<TestContext>,
    server: HTTPServerBuilder,
    _ body: (_ port: Int) async throws -> T
) async throws -> T {
    var logger = Logger(label: "kaito-http-test-server")
    logger.logLevel = .error
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router,
        server: server,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? -1)
            portContinuation.finish()
        },
        logger: logger
    )
    // Stopped with a graceful shutdown, as Hummingbird's own live tests do: cancelling the server task
    // instead can trap in NIO when a connection is being accepted at that moment.
    let serviceGroup = ServiceGroup(
        configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger)
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await serviceGroup.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await serviceGroup.triggerGracefulShutdown()
            throw TestServerError(description: "the test server did not report a listening port")
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(port))
        } catch {
            result = .failure(error)
        }
        await serviceGroup.triggerGracefulShutdown()
        group.addTask {
            try await Task.sleep(for: .seconds(15))
            throw TestServerError(description: "the test server did not shut down within 15 s")
        }
        // The first task to end is the server (normally) or the watchdog; either way stop the other.
        defer { group.cancelAll() }
        try await group.next()
        return try result.get()
    }
}

/// NIOSSL server configuration from the test PKI, optionally requiring a client certificate signed by the CA.
func serverTLS(_ pki: TestPKI, requireClientCertificate: Bool = false) throws -> TLSConfiguration {
    let chain = try NIOSSLCertificate.fromPEMFile(pki.serverCertificatePath).map {
        NIOSSLCertificateSource.certificate($0)
    }
    let key = try NIOSSLPrivateKey(file: pki.serverKeyPath, format: .pem)
    var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    if requireClientCertificate {
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caPath))
    }
    return configuration
}

/// A one-shot signal: ``wait()`` returns once ``open()`` was called (before or after). One waiter only.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream<Void>.makeStream()
    }

    func open() {
        continuation.finish()
    }

    func wait() async {
        for await _ in stream {}
    }
}

/// Events reported by server handlers, read in order by the test. One reader only.
final class EventLog: Sendable {
    let events: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (events, continuation) = AsyncStream<String>.makeStream()
    }

    func record(_ event: String) {
        continuation.yield(event)
    }

    /// Waits for the next event whose text equals `expected`, skipping others.
    func next(_ expected: String) async throws -> String {
        try await withDeadline("waiting for the server to report '\(expected)'") {
            for await event in self.events where event == expected {
                return event
            }
            throw TestServerError(description: "the event log ended before '\(expected)'")
        }
    }
}

/// A safety net so that a broken feature fails the test instead of hanging it; not a timing assertion.
func withDeadline<T: Sendable>(
    _ what: String,
    seconds: Double = 20,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask {
            try await operation()
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TestServerError(description: "gave up after \(seconds) s \(what)")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else {
            throw TestServerError(description: "no result \(what)")
        }
        return result
    }
}

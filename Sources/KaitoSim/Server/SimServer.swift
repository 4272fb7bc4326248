public import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// An ``APIStore`` served over HTTP or HTTPS as a Kubernetes API server: discovery, the REST paths of every
/// served resource, watches, Tables for `kubectl get`, and authentication and authorization.
///
/// ```swift
/// let store = APIStore(clock: SystemClock(), identifiers: RandomIdentifierSource())
/// let server = try await SimServer.start(store: store, configuration: .init(
///     authentication: SimAuthentication(tokens: ["secret": SimUser(name: "admin", groups: ["system:masters"])])))
/// print(server.url)   // http://127.0.0.1:PORT
/// await server.shutdown()
/// ```
///
/// Each request maps onto one store call; after every successful write the server runs
/// ``APIStore/collectGarbage()``, so garbage collection and namespace and CRD cleanup follow at once.
public final class SimServer: Sendable {
    /// The TLS identity of the server and, optionally, the CA that signs client certificates.
    public struct TLS: Sendable {
        /// The server certificate (PEM), optionally followed by intermediates.
        public var certificateChainPEM: Data
        /// The server's private key (PEM).
        public var privateKeyPEM: Data
        /// The CA (PEM) whose client certificates authenticate users (CN is the user, O the groups); `nil` asks
        /// for no client certificates.
        public var clientCAPEM: Data?

        /// Creates TLS settings.
        public init(certificateChainPEM: Data, privateKeyPEM: Data, clientCAPEM: Data? = nil) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCAPEM = clientCAPEM
        }
    }

    /// Server settings.
    public struct Configuration: Sendable {
        /// The address to listen on; `127.0.0.1` by default.
        public var host: String
        /// The port; 0 lets the system choose (see ``SimServer/port``).
        public var port: Int
        /// HTTPS settings; `nil` serves plain HTTP.
        public var tls: TLS?
        /// Bearer tokens and anonymous access.
        public var authentication: SimAuthentication
        /// Who may do what.
        public var authorization: SimAuthorization
        /// The largest request body accepted (the API server's limit is 3 MiB).
        public var maxRequestBodyBytes: Int
        /// Called with one line per request (`GET /api/v1/nodes 200 admin`); `nil` logs nothing.
        public var requestLog: (@Sendable (String) -> Void)?
        /// Failures and latency injected into resource requests after authorization (such as a
        /// ``FleetSimulator`` with a ``FaultPlan``); `nil` injects nothing.
        public var faults: (any SimFaultInjector)?

        /// Creates settings: plain HTTP on `127.0.0.1` with a system-chosen port, anonymous access as on a real
        /// API server, every authenticated user allowed everything.
        public init(
            host: String = "127.0.0.1", port: Int = 0, tls: TLS? = nil,
            authentication: SimAuthentication = SimAuthentication(),
            authorization: SimAuthorization = SimAuthorization(), maxRequestBodyBytes: Int = 3 * 1024 * 1024,
            requestLog: (@Sendable (String) -> Void)? = nil, faults: (any SimFaultInjector)? = nil
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.authentication = authentication
            self.authorization = authorization
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.requestLog = requestLog
            self.faults = faults
        }
    }

    /// Why the server could not start.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The store being served.
    public let store: APIStore
    /// The settings the server runs with.
    public let configuration: Configuration
    /// The port the server listens on.
    public let port: Int
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>

    /// `http://HOST:PORT` or `https://HOST:PORT`.
    public var url: String {
        "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(port)"
    }

    /// `HOST:PORT`.
    public var authority: String { "\(configuration.host):\(port)" }

    private init(
        store: APIStore, configuration: Configuration, port: Int, serviceGroup: ServiceGroup,
        runTask: Task<Void, Never>
    ) {
        self.store = store
        self.configuration = configuration
        self.port = port
        self.serviceGroup = serviceGroup
        self.runTask = runTask
    }

    /// Starts serving `store` and returns once the server listens.
    /// - Throws: ``StartError`` when the TLS material cannot be read or the address cannot be bound.
    public static func start(store: APIStore, configuration: Configuration = Configuration()) async throws
        -> SimServer
    {
        var logger = Logger(label: "kaito-sim")
        logger.logLevel = .critical
        let server: HTTPServerBuilder
        if let tls = configuration.tls {
            server = try .tls(.http1(), tlsConfiguration: try tlsConfiguration(tls))
        } else {
            server = .http1()
        }
        let responder = SimResponder(
            store: store,
            settings: ResponderSettings(
                authentication: configuration.authentication, authorization: configuration.authorization,
                verifiesClientCertificates: configuration.tls?.clientCAPEM != nil,
                maxRequestBodyBytes: configuration.maxRequestBodyBytes, requestLog: configuration.requestLog,
                faults: configuration.faults),
            clock: store.simulationClock)
        let (started, startedContinuation) = AsyncStream<Result<Int, StartError>>.makeStream()
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                startedContinuation.yield(
                    channel.localAddress?.port.map { .success($0) }
                        ?? .failure(StartError(description: "the server reported no listening port")))
            },
            logger: logger)
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: [], logger: logger))
        let runTask = Task {
            do {
                try await serviceGroup.run()
                startedContinuation.yield(.failure(StartError(description: "the server stopped before it started")))
            } catch {
                startedContinuation.yield(
                    .failure(
                        StartError(
                            description: "cannot serve on \(configuration.host):\(configuration.port): \(error)")))
            }
            startedContinuation.finish()
        }
        var iterator = started.makeAsyncIterator()
        guard let outcome = await iterator.next() else {
            throw StartError(description: "the server did not start")
        }
        switch outcome {
        case .success(let port):
            return SimServer(
                store: store, configuration: configuration, port: port, serviceGroup: serviceGroup, runTask: runTask)
        case .failure(let error):
            await serviceGroup.triggerGracefulShutdown()
            await runTask.value
            throw error
        }
    }

    private static func tlsConfiguration(_ tls: TLS) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(tls.certificateChainPEM))
            let key = try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            if let clientCA = tls.clientCAPEM {
                // Like the API server's `--client-ca-file`: a certificate is asked for and verified when sent, and
                // a client without one continues with other credentials.
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCA)))
                configuration.certificateVerification = .optionalVerification
            }
            return configuration
        } catch {
            throw StartError(description: "cannot load the TLS certificate or key: \(error)")
        }
    }

    /// Ends every watch, stops accepting connections and returns once the server has stopped.
    public func shutdown() async {
        await store.dropWatches()
        await serviceGroup.triggerGracefulShutdown()
        await runTask.value
    }

    /// Waits until the server stops (after ``shutdown()`` from elsewhere).
    public func waitUntilStopped() async {
        await runTask.value
    }
}

extension SimServer {
    /// Runs `body` with a server for `store` and shuts the server down afterwards, also when `body` throws.
    public static func withServer<Result: Sendable>(
        store: APIStore, configuration: Configuration = Configuration(),
        _ body: (SimServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(store: store, configuration: configuration)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }
}

import Foundation
import Hummingbird
import KaitoHTTP
import KaitoK8s
import KaitoOperator
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// What the readiness probe reads: the leader election state and whether the controller's caches synced.
final class ControllerHealth: Sendable {
    private struct State: Sendable {
        var elector: LeaderElector?
        var controller: WorkspaceController?
        var stopping = false
    }

    private let state = Locked(State())
    let leaderElection: Bool

    init(leaderElection: Bool) {
        self.leaderElection = leaderElection
    }

    func set(elector: LeaderElector) { state.withLock { $0.elector = elector } }
    func set(controller: WorkspaceController?) { state.withLock { $0.controller = controller } }
    func markStopping() { state.withLock { $0.stopping = true } }

    /// Ready when the caches synced; with leader election, a candidate waiting for the Lease is ready too (it is
    /// a healthy standby). A stopping process is not ready.
    var readiness: (ready: Bool, reason: String) {
        state.withLock { state in
            if state.stopping { return (false, "shutting down") }
            if leaderElection {
                switch state.elector?.state {
                case .waiting?: return (true, "waiting for leadership (standby)")
                case .leading?: break
                case .stopped?: return (false, "leadership ended")
                case .idle?, nil: return (false, "starting")
                }
            }
            guard let controller = state.controller else { return (false, "controller not started") }
            return controller.isReady ? (true, "caches synced") : (false, "caches not synced yet")
        }
    }
}

/// The ports the servers bound, reported in one log line once all of them listen.
final class BoundPorts: Sendable {
    private let ports = Locked<[String: String]>([:])
    private let expected: [String]
    private let report: @Sendable ([String: String]) -> Void

    init(expected: [String], report: @escaping @Sendable ([String: String]) -> Void) {
        self.expected = expected
        self.report = report
        if expected.isEmpty { report([:]) }
    }

    func bound(_ name: String, address: String) {
        let complete = ports.withLock { ports -> [String: String]? in
            ports[name] = address
            return expected.allSatisfy { ports[$0] != nil } && ports.count == expected.count ? ports : nil
        }
        if let complete { report(complete) }
    }
}

enum ProbeServers {
    static let quietLogger: Logger = {
        // Hummingbird reports a cancelled shutdown ("Already closed") as an error; failures to listen are thrown
        // from the service group and reported there.
        var logger = Logger(label: "kaito-controller.http")
        logger.logLevel = .critical
        return logger
    }()

    /// `/healthz` (always ok while the process serves) and `/readyz` (``ControllerHealth/readiness``).
    static func health(
        at address: BindAddress, health: ControllerHealth, ports: BoundPorts
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in plain(.ok, "ok") }
        router.get("/readyz") { _, _ in
            let (ready, reason) = health.readiness
            return plain(ready ? .ok : .serviceUnavailable, ready ? "ok: \(reason)" : "not ready: \(reason)")
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in
                ports.bound("health", address: boundAddress(channel, fallback: address))
            }, logger: quietLogger)
    }

    /// `/metrics`: the Prometheus text exposition of `registry`.
    static func metrics(
        at address: BindAddress, registry: PrometheusCollectorRegistry, ports: BoundPorts
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in
                ports.bound("metrics", address: boundAddress(channel, fallback: address))
            }, logger: quietLogger)
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    private static func boundAddress(_ channel: any Channel, fallback: BindAddress) -> String {
        var bound = fallback
        if let port = channel.localAddress?.port { bound.port = port }
        return bound.description
    }
}

/// Runs a server and turns its failure (an address in use) into a one-line ``RuntimeFailure`` naming it.
struct NamedServer: ServiceLifecycle.Service {
    let server: any ServiceLifecycle.Service
    /// `health probes on 127.0.0.1:8081`.
    let what: String

    func run() async throws {
        do {
            try await server.run()
        } catch is CancellationError {
            return
        } catch {
            throw RuntimeFailure(description: "cannot serve \(what): \(error)")
        }
    }
}

import Foundation
import KaitoK8s
import KaitoOperator
import Logging
import ServiceLifecycle

/// Runs the workspace controller inside the service group: behind leader election when asked, cancelled on
/// graceful shutdown (SIGTERM/SIGINT), after which in-flight reconciles finish and the Lease is released.
struct ControllerService: ServiceLifecycle.Service {
    let client: KubernetesClient
    let configuration: WorkspaceControllerConfiguration
    let leaderElection: LeaderElector.Configuration?
    let health: ControllerHealth
    let observer: any ControllerObserver
    let events: any WorkspaceEventRecorder
    let logger: Logger

    func run() async throws {
        let result: Result<Void, any Error> = await cancelWhenGracefulShutdown { [self] in
            do {
                if let leaderElection {
                    let elector = LeaderElector(
                        client: client, configuration: leaderElection,
                        logger: Logger(label: "kaito-controller.leader-election"))
                    health.set(elector: elector)
                    try await elector.run(whileLeading: { try await runController() })
                } else {
                    try await runController()
                }
                return .success(())
            } catch is CancellationError {
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        health.markStopping()
        switch result {
        case .success:
            logger.info("controller stopped")
        case .failure(let error as LeaderElector.LeadershipLost):
            throw RuntimeFailure(description: error.description)
        case .failure(let error):
            throw RuntimeFailure(description: "the controller stopped: \(error)")
        }
    }

    private func runController() async throws {
        let controller = WorkspaceController(
            client: client, configuration: configuration, events: events, observer: observer,
            logger: Logger(label: "kaito-controller.workspace"))
        health.set(controller: controller)
        defer { health.set(controller: nil) }
        logger.info(
            "starting the workspace controller",
            metadata: [
                "namespace": "\(configuration.namespace ?? "(all)")",
                "provisioner": "\(configuration.effectiveProvisioner.rawValue)",
                "workers": "\(configuration.maxConcurrentReconciles)",
            ])
        try await controller.run()
    }
}

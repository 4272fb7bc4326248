public import Foundation

/// Decides, per resource request, whether the server fails it and how long it waits first: the HTTP side of
/// fault injection (see ``FaultPlan``).
///
/// ``FleetSimulator`` conforms: pass the fleet as ``SimServer/Configuration/faults`` and its plan applies to every
/// resource request, drawn from the fleet's seeded generator.
public protocol SimFaultInjector: Sendable {
    /// The error to answer a request with instead of serving it, or `nil` to serve it.
    /// - Parameters:
    ///   - verb: the Kubernetes verb (`get`, `list`, `watch`, `create`, …).
    ///   - resource: the group and resource of the request's path.
    func injectedError(verb: String, resource: GroupResource) async -> APIError?

    /// Seconds (of the store's clock) to wait before serving a request.
    func injectedLatency() async -> TimeInterval
}

extension FleetSimulator: SimFaultInjector {}

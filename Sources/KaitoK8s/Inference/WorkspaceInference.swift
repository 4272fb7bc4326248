import Foundation
public import KaitoCore

/// A workspace's model server, found through the API server.
public struct WorkspaceInferenceTarget: Sendable {
    /// The service proxy transport to the workspace's Service (same name as the workspace, port 80).
    public var transport: ServiceProxyInferenceTransport
    /// The workspace's preset name, when it has one.
    public var preset: String?
    /// The preset's `pipeline` run parameter (`text-generation`, `conversational`), when the catalog knows it.
    public var pipeline: String?

    /// Finds workspace `name` in `namespace` and its Service.
    ///
    /// A Service of that name without a Workspace is accepted too (a model server deployed by other means).
    /// - Parameters:
    ///   - catalog: The preset catalog that names each preset's pipeline.
    /// - Throws: ``InferenceError``: ``InferenceError/Kind/serviceNotFound`` when neither exists or the
    ///   workspace has no Service yet; ``InferenceError/Kind/cluster`` when the API server fails.
    public static func resolve(
        client: KubernetesClient, namespace: String, name: String, port: String = "80",
        catalog: PresetCatalog = .bundled
    ) async throws -> WorkspaceInferenceTarget {
        var preset: String?
        var workspaceExists = false
        do {
            let workspace = try await client.sendJSON(
                KubernetesRequest(method: .get, path: ResourceType.workspaces.path(namespace: namespace, name: name)))
            workspaceExists = true
            preset = workspace["inference"]?["preset"]?["name"]?.stringValue
        } catch let error as KubernetesError where error.isNotFound {
            workspaceExists = false
        } catch let error as KubernetesError {
            throw InferenceError(kind: .cluster, message: error.message, cluster: error)
        }
        do {
            _ = try await client.resource(Service.self).get(name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            let message =
                workspaceExists
                ? "workspace \"\(name)\" in namespace \"\(namespace)\" has no Service yet; wait until its "
                    + "ResourceReady condition is True (kubectl get workspace \(name) -n \(namespace))"
                : "workspace \"\(name)\" not found in namespace \"\(namespace)\" (and no Service of that name); "
                    + "check the name and -n"
            throw InferenceError(kind: .serviceNotFound, message: message, cluster: error)
        } catch let error as KubernetesError {
            throw InferenceError(kind: .cluster, message: error.message, cluster: error)
        }
        let pipeline = preset.flatMap { catalog.model(named: $0)?.inference.modelRunParameters["pipeline"] }
        return WorkspaceInferenceTarget(
            transport: ServiceProxyInferenceTransport(client: client, namespace: namespace, service: name, port: port),
            preset: preset, pipeline: pipeline)
    }
}

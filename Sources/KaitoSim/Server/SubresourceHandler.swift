import Foundation
import Hummingbird
import KaitoCore

/// Requests on subresources other than `status`: `pods/binding`, `*/scale`, `pods/log`, `pods/eviction`,
/// `serviceaccounts/token`, `namespaces/finalize`, and the streaming ones (`exec`, `attach`, `portforward`) that
/// need a protocol upgrade the emulator does not offer. Authorization has already been checked.
struct SubresourceHandler {
    let store: APIStore
    let settings: ResponderSettings
    let path: ResourcePath
    let query: QueryParameters
    let user: SimUser

    private var resource: GroupVersionResource { path.groupVersionResource }

    func handle(
        _ request: inout Request, descriptor: ResourceDescriptor, subresource: SubresourceDescriptor,
        namespace: String?, name: String, body: () async throws -> Data, dryRun: Bool
    ) async throws -> Response {
        let verb = ServiceProxy.verb(for: request.method)
        guard subresource.verbs.contains(verb) else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        let manager =
            HTTPMessages.fieldManager(query: query, userAgent: request.headers[.userAgent])
            ?? ObjectStore.defaultManager
        switch subresource.name {
        case "binding":
            let binding = try HTTPMessages.decodeObject(try await body(), contentType: request.headers[.contentType])
            let status = try await store.bind(namespace: namespace ?? "", podName: name, body: binding)
            return HTTPMessages.json(status, status: 201)
        case "scale":
            return try await scale(&request, verb: verb, namespace: namespace, name: name, body: body, manager: manager)
        case "log":
            let pod = try await store.get(resource, namespace: namespace, name: name)
            try Self.checkLogContainer(pod, requested: query["container"], name: name)
            return HTTPMessages.text("")
        case "eviction":
            let eviction = try HTTPMessages.decodeObject(try await body(), contentType: request.headers[.contentType])
            if let evicted = eviction["metadata"]?["name"]?.stringValue, !evicted.isEmpty, evicted != name {
                throw APIError.badRequest("name in URL does not match name in Eviction object")
            }
            let options = try eviction["deleteOptions"].map { try DeleteOptions(body: $0) } ?? DeleteOptions()
            _ = try await store.perform(fieldValidation: .warn, dryRun: dryRun) { state in
                try state.delete(resource, namespace: namespace, name: name, options: options)
            }
            if !dryRun { await store.collectGarbage() }
            return HTTPMessages.json(
                ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
        case "token":
            let tokenRequest = try HTTPMessages.decodeObject(
                try await body(), contentType: request.headers[.contentType])
            let issued = try await store.issueToken(
                namespace: namespace ?? "", serviceAccount: name, body: tokenRequest)
            return HTTPMessages.json(issued, status: 201)
        case "finalize":
            let namespaceObject = try HTTPMessages.decodeObject(
                try await body(), contentType: request.headers[.contentType])
            let finalized = try await store.finalizeNamespace(name: name, body: namespaceObject, manager: manager)
            return HTTPMessages.json(finalized)
        case "ephemeralcontainers", "resize":
            guard verb == "get" else {
                throw APIError.methodNotAllowed(
                    "kaito-sim does not simulate writes to pods/\(subresource.name)")
            }
            return HTTPMessages.json(try await store.get(resource, namespace: namespace, name: name))
        case "exec", "attach", "portforward":
            _ = try await store.get(resource, namespace: namespace, name: name)
            throw APIError.badRequest("Upgrade request required")
        case "proxy":
            let pod = try await store.get(resource, namespace: namespace, name: name)
            if (pod["status"]?["podIP"]?.stringValue ?? "").isEmpty {
                throw APIError.badRequest("address not allowed")
            }
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message: "error trying to reach service: the simulated pod \(name) runs no server")
        default:
            throw APIError.resourceNotFound()
        }
    }

    /// The container checks `pods/NAME/log` makes before streaming: a container must be named when the pod has
    /// several, and must be one of the pod's.
    static func checkLogContainer(_ pod: JSONValue, requested: String?, name: String) throws {
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let initContainers = (pod["spec"]?["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        guard let requested, !requested.isEmpty else {
            if containers.count > 1 {
                throw APIError.badRequest(
                    "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
                        + (initContainers.isEmpty
                            ? "" : " or one of the init containers: [\(initContainers.joined(separator: " "))]"))
            }
            return
        }
        if !(containers + initContainers).contains(requested) {
            throw APIError.badRequest("container \(requested) is not valid for pod \(name)")
        }
    }

    private func scale(
        _ request: inout Request, verb: String, namespace: String?, name: String, body: () async throws -> Data,
        manager: String
    ) async throws -> Response {
        let resource = resource
        switch verb {
        case "get":
            return HTTPMessages.json(
                try await store.withState { try $0.scale(resource, namespace: namespace, name: name) })
        case "update":
            let scale = try HTTPMessages.decodeObject(try await body(), contentType: request.headers[.contentType])
            let updated = try await store.performWrite {
                try $0.updateScale(resource, namespace: namespace, name: name, body: scale, manager: manager)
            }
            return HTTPMessages.json(updated)
        default:
            guard let type = PatchType(contentType: request.headers[.contentType] ?? "") else {
                throw APIError.unsupportedMediaType(accepted: PatchType.allCases.map(\.rawValue))
            }
            let data = try await body()
            let patch = type == .apply ? try HTTPMessages.decodeYAML(data) : try HTTPMessages.decodeJSON(data)
            let updated = try await store.performWrite { state in
                let current = try state.scale(resource, namespace: namespace, name: name)
                let patched: JSONValue
                switch type {
                case .json: patched = try JSONPatch.apply(patch, to: current)
                case .merge, .strategicMerge, .apply: patched = MergePatch.apply(patch, to: current)
                }
                return try state.updateScale(
                    resource, namespace: namespace, name: name, body: patched, manager: manager)
            }
            return HTTPMessages.json(updated)
        }
    }
}

extension APIStore {
    /// `PUT /api/v1/namespaces/NAME/finalize`: replaces the namespace's `spec.finalizers` only.
    func finalizeNamespace(name: String, body: JSONValue, manager: String) throws -> JSONValue {
        try performWrite { try $0.finalizeNamespace(name: name, body: body, manager: manager) }
    }
}

extension ObjectStore {
    mutating func finalizeNamespace(name: String, body: JSONValue, manager: String) throws -> JSONValue {
        let key = ObjectKey(resource: Self.namespaces, namespace: "", name: name)
        guard let existing = stored(key) else { throw APIError.notFound(Self.namespaces, name: name) }
        var document = JSONValue.object(existing.object)
        document.setValue(body["spec"]?["finalizers"] ?? [], at: ["spec", "finalizers"])
        let result = try commit(
            key, descriptor: anyDescriptor(Self.namespaces), existing: existing,
            updated: document.objectValue ?? existing.object, subresource: .main,
            attribution: .update(manager: manager))
        _ = collectGarbage()
        return result
    }
}

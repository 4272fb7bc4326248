import Foundation
public import KaitoCore

extension KubernetesClient {
    /// A client for the resource a typed value is stored as.
    ///
    /// ```swift
    /// let workspace = try await client.resource(Workspace.self).get("falcon", namespace: "default")
    /// ```
    public func resource<Object: KubernetesResource>(_ type: Object.Type) -> ResourceClient<Object> {
        ResourceClient(client: self, type: Object.resourceType)
    }

    /// A client for `resourceType`, decoding its objects as `Object` (for a typed value at another version, such
    /// as `client.resource(NodeClaim.self, .nodeClaims(version: "v1"))`).
    public func resource<Object: KubernetesObjectConvertible>(
        _ type: Object.Type, _ resourceType: ResourceType
    ) -> ResourceClient<Object> {
        ResourceClient(client: self, type: resourceType)
    }

    /// A client for `resourceType` that reads and writes unstructured ``KaitoCore/KubernetesObject`` values.
    public func resource(_ resourceType: ResourceType) -> ResourceClient<KubernetesObject> {
        ResourceClient(client: self, type: resourceType)
    }
}

/// The REST verbs of one resource type: get, list, create, replace, patch, apply, delete and the status
/// subresource, each decoding the server's answer as `Object`.
///
/// For namespaced types a `nil` namespace means the object's own namespace (create, replace, apply), else the
/// client's ``KubernetesClient/defaultNamespace``; lists with a `nil` namespace cover every namespace.
/// Cluster-scoped types ignore namespaces. Every failure is a ``KubernetesError``.
public struct ResourceClient<Object: KubernetesObjectConvertible>: Sendable {
    /// The client requests go through.
    public let client: KubernetesClient
    /// The resource the requests address.
    public let type: ResourceType

    /// Creates a resource client; `client.resource(…)` is the usual way.
    public init(client: KubernetesClient, type: ResourceType) {
        self.client = client
        self.type = type
    }

    // MARK: - Reads

    /// Reads one object.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isNotFound`` when there is no such object.
    public func get(_ name: String, namespace: String? = nil) async throws -> Object {
        let request = try KubernetesRequest(method: .get, path: objectPath(name, namespace: namespace))
        return try await decode(client.sendJSON(request), request: request)
    }

    /// Whether an object exists (a 404 is `false`; other failures throw).
    /// - Throws: ``KubernetesError`` for failures other than NotFound.
    public func exists(_ name: String, namespace: String? = nil) async throws -> Bool {
        do {
            _ = try await get(name, namespace: namespace)
            return true
        } catch let error as KubernetesError where error.isNotFound {
            return false
        }
    }

    /// Lists every matching object, following `continue` until the last page; a `nil` namespace lists every
    /// namespace.
    ///
    /// When a continue token expires mid-way (410 Gone), the list starts over once without paging, as client-go's
    /// pager does, so the result is one consistent snapshot. The returned list has no continue token.
    /// - Parameters:
    ///   - labelSelector: A label selector such as `app=falcon,tier!=cache`.
    ///   - fieldSelector: A field selector such as `metadata.name=falcon`.
    ///   - pageSize: Objects per request; `nil` or 0 lists in one request.
    /// - Throws: ``KubernetesError``.
    public func list(
        namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int? = 500
    ) async throws -> ObjectList<Object> {
        let limit = pageSize.flatMap { $0 > 0 ? $0 : nil }
        var items: [Object] = []
        var continueToken: String?
        var restarted = false
        while true {
            let page: ObjectList<Object>
            do {
                page = try await listPage(
                    namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                    limit: restarted ? nil : limit, continueToken: continueToken)
            } catch let error as KubernetesError where error.isGone && continueToken != nil && !restarted {
                restarted = true
                items = []
                continueToken = nil
                continue
            }
            items += page.items
            guard let next = page.continueToken, !next.isEmpty else {
                return ObjectList(items: items, resourceVersion: page.resourceVersion)
            }
            continueToken = next
        }
    }

    /// Lists one page: at most `limit` objects, starting after `continueToken`.
    /// - Parameters:
    ///   - resourceVersion: `0` to accept the server's cache, or an exact version; `nil` reads the latest.
    /// - Returns: The page, with ``ObjectList/continueToken`` set when more remain.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isGone`` when the continue token expired.
    public func listPage(
        namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
        continueToken: String? = nil, resourceVersion: String? = nil
    ) async throws -> ObjectList<Object> {
        var query: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        if let limit, limit > 0 { query.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { query.append(("continue", continueToken)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        let request = KubernetesRequest(method: .get, path: type.path(namespace: namespace), query: query)
        let json = try await client.sendJSON(request)
        return try decodeList(json, request: request)
    }

    // MARK: - Writes

    /// Creates an object (POST) and returns it as stored.
    /// - Parameters:
    ///   - namespace: Overrides the object's namespace.
    ///   - dryRun: Validate and return the result without storing anything.
    ///   - fieldManager: The manager recorded in `managedFields`.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isAlreadyExists`` when the name is taken.
    public func create(
        _ object: Object, namespace: String? = nil, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        let namespace = resolvedNamespace(namespace, object: object)
        let request = KubernetesRequest(
            method: .post, path: type.path(namespace: namespace),
            query: writeQuery(dryRun: dryRun, fieldManager: fieldManager), body: try encode(object),
            contentType: "application/json")
        return try await decode(client.sendJSON(request), request: request)
    }

    /// Replaces an object (PUT); its `metadata.resourceVersion` is the precondition.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isConflict`` when the object changed since that version.
    public func replace(
        _ object: Object, namespace: String? = nil, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        try await put(object, namespace: namespace, subresource: nil, dryRun: dryRun, fieldManager: fieldManager)
    }

    /// Patches an object, or its `subresource` (`status`).
    /// - Throws: ``KubernetesError``; ``KubernetesError/Kind/invalidRequest`` for a strategic merge patch of a
    ///   custom resource (the server only accepts those for built-in kinds).
    public func patch(
        _ name: String, namespace: String? = nil, _ patch: Patch, subresource: String? = nil, dryRun: Bool = false,
        fieldManager: String? = nil
    ) async throws -> Object {
        if case .strategicMerge = patch, !type.supportsStrategicMerge {
            throw KubernetesError(
                kind: .invalidRequest,
                message: "\(type) is a custom resource: the API server accepts strategic merge patches only for "
                    + "built-in kinds; use a merge patch (.merge) or a JSON patch (.json) instead",
                request: "PATCH \(client.connection.server)\(try objectPath(name, namespace: namespace))")
        }
        let request = KubernetesRequest(
            method: .patch, path: try objectPath(name, namespace: namespace, subresource: subresource),
            query: writeQuery(dryRun: dryRun, fieldManager: fieldManager), body: try patch.body(),
            contentType: patch.contentType)
        return try await decode(client.sendJSON(request), request: request)
    }

    /// Server-side apply: sends the fields `fieldManager` wants to own and returns the merged object.
    ///
    /// The object may be partial (the fields the manager owns). The server creates it when it does not exist.
    /// - Parameters:
    ///   - fieldManager: The owner of the applied fields (required).
    ///   - force: Take fields another manager owns instead of failing with a conflict.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isConflict`` when another manager owns a field and
    ///   `force` is false.
    public func apply(
        _ object: Object, namespace: String? = nil, fieldManager: String, force: Bool = false, dryRun: Bool = false,
        subresource: String? = nil
    ) async throws -> Object {
        guard !fieldManager.isEmpty else {
            throw KubernetesError(
                kind: .invalidRequest, message: "server-side apply needs a field manager name")
        }
        let name = try requireName(object)
        let namespace = resolvedNamespace(namespace, object: object)
        var query = writeQuery(dryRun: dryRun, fieldManager: fieldManager)
        if force { query.append(("force", "true")) }
        // A JSON document is YAML, and the API server reads the apply content type as YAML.
        let request = KubernetesRequest(
            method: .patch, path: try objectPath(name, namespace: namespace, subresource: subresource), query: query,
            body: try encode(object), contentType: Patch.applyContentType)
        return try await decode(client.sendJSON(request), request: request)
    }

    /// Deletes an object.
    ///
    /// - Returns: The object when it still exists, marked for deletion (finalizers pending, foreground deletion
    ///   waiting for dependents, a pod shutting down); `nil` when it is gone. The API server answers a completed
    ///   delete with a `Status` for most built-in kinds but with the removed object for custom resources and
    ///   pods; both mean gone, told apart by the object's `deletionTimestamp`.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isNotFound``, or ``KubernetesError/isConflict`` when a
    ///   precondition fails.
    @discardableResult
    public func delete(
        _ name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()
    ) async throws -> Object? {
        let request = KubernetesRequest(
            method: .delete, path: try objectPath(name, namespace: namespace),
            query: options.dryRun ? [("dryRun", "All")] : [], body: try options.body(),
            contentType: "application/json")
        let json = try await client.sendJSON(request)
        if json["kind"]?.stringValue == "Status" { return nil }
        let object = try decode(json, request: request)
        return object.metadata.deletionTimestamp == nil ? nil : object
    }

    /// Deletes every matching object in a namespace (or every object of a cluster-scoped type).
    /// - Returns: The objects the server deleted or marked for deletion.
    /// - Throws: ``KubernetesError``.
    @discardableResult
    public func deleteCollection(
        namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        options: DeleteOptions = DeleteOptions()
    ) async throws -> [Object] {
        var query: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        if options.dryRun { query.append(("dryRun", "All")) }
        let request = KubernetesRequest(
            method: .delete, path: type.path(namespace: resolvedNamespace(namespace, object: nil)), query: query,
            body: try options.body(), contentType: "application/json")
        let json = try await client.sendJSON(request)
        if json["kind"]?.stringValue == "Status" { return [] }
        return try decodeList(json, request: request).items
    }

    // MARK: - Status subresource

    /// Reads an object through its `status` subresource.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isNotFound`` also when the type has no status subresource.
    public func getStatus(_ name: String, namespace: String? = nil) async throws -> Object {
        let request = try KubernetesRequest(
            method: .get, path: objectPath(name, namespace: namespace, subresource: "status"))
        return try await decode(client.sendJSON(request), request: request)
    }

    /// Replaces an object's status (PUT on `status`); the server ignores changes to anything else.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isConflict`` for a stale resourceVersion.
    public func replaceStatus(
        _ object: Object, namespace: String? = nil, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        try await put(object, namespace: namespace, subresource: "status", dryRun: dryRun, fieldManager: fieldManager)
    }

    /// Patches an object's status; the server ignores changes to anything else.
    /// - Throws: ``KubernetesError``.
    public func patchStatus(
        _ name: String, namespace: String? = nil, _ patch: Patch, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        try await self.patch(
            name, namespace: namespace, patch, subresource: "status", dryRun: dryRun, fieldManager: fieldManager)
    }

    // MARK: - Helpers

    private func put(
        _ object: Object, namespace: String?, subresource: String?, dryRun: Bool, fieldManager: String?
    ) async throws -> Object {
        let name = try requireName(object)
        let namespace = resolvedNamespace(namespace, object: object)
        let request = KubernetesRequest(
            method: .put, path: try objectPath(name, namespace: namespace, subresource: subresource),
            query: writeQuery(dryRun: dryRun, fieldManager: fieldManager), body: try encode(object),
            contentType: "application/json")
        return try await decode(client.sendJSON(request), request: request)
    }

    /// The namespace a request addresses: none for cluster-scoped types, else the explicit one, the object's, or
    /// the client's default.
    func resolvedNamespace(_ namespace: String?, object: Object?) -> String? {
        guard type.isNamespaced else { return nil }
        if let namespace, !namespace.isEmpty { return namespace }
        if let own = object?.metadata.namespace, !own.isEmpty { return own }
        return client.defaultNamespace
    }

    private func objectPath(_ name: String, namespace: String?, subresource: String? = nil) throws -> String {
        guard !name.isEmpty else {
            throw KubernetesError(kind: .invalidRequest, message: "a \(type.kind) name must not be empty")
        }
        return type.path(namespace: resolvedNamespace(namespace, object: nil), name: name, subresource: subresource)
    }

    private func requireName(_ object: Object) throws -> String {
        guard let name = object.metadata.name, !name.isEmpty else {
            throw KubernetesError(
                kind: .invalidRequest, message: "the \(type.kind) has no metadata.name; name it before sending it")
        }
        return name
    }

    private func writeQuery(dryRun: Bool, fieldManager: String?) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager, !fieldManager.isEmpty { query.append(("fieldManager", fieldManager)) }
        return query
    }

    private func encode(_ object: Object) throws -> Data {
        var json: JSONValue
        do {
            json = try object.kubernetesJSON()
        } catch {
            throw KubernetesError(
                kind: .invalidRequest, message: "cannot encode the \(type.kind) as JSON: \(error)", underlying: error)
        }
        // Fill in the type so partial objects (apply configurations) need not repeat it.
        if case .object(var fields) = json {
            if fields["apiVersion"]?.stringValue?.isEmpty ?? true { fields["apiVersion"] = .string(type.apiVersion) }
            if fields["kind"]?.stringValue?.isEmpty ?? true { fields["kind"] = .string(type.kind) }
            json = .object(fields)
        }
        return try JSONBody.encode(json)
    }

    private func decode(_ json: JSONValue, request: KubernetesRequest) throws -> Object {
        do {
            return try Object(kubernetesJSON: json)
        } catch {
            throw KubernetesError(
                kind: .invalidResponse,
                message: "\(client.describe(request)) answered with a \(type.kind) this client cannot read: \(error)",
                request: client.describe(request), underlying: error)
        }
    }

    private func decodeList(_ json: JSONValue, request: KubernetesRequest) throws -> ObjectList<Object> {
        guard let rawItems = json["items"]?.arrayValue ?? (json["items"] == .null ? [] : nil) else {
            throw KubernetesError(
                kind: .invalidResponse, message: "\(client.describe(request)) answered without an items list",
                request: client.describe(request))
        }
        var items: [Object] = []
        items.reserveCapacity(rawItems.count)
        for item in rawItems {
            // Built-in lists leave apiVersion and kind off their items.
            var item = item
            if case .object(var fields) = item {
                if fields["apiVersion"] == nil { fields["apiVersion"] = .string(type.apiVersion) }
                if fields["kind"] == nil { fields["kind"] = .string(type.kind) }
                item = .object(fields)
            }
            items.append(try decode(item, request: request))
        }
        let metadata = json["metadata"]
        let token = metadata?["continue"]?.stringValue
        return ObjectList(
            items: items, resourceVersion: metadata?["resourceVersion"]?.stringValue ?? "",
            continueToken: token?.isEmpty == false ? token : nil)
    }
}

/// Encodes JSON request bodies.
enum JSONBody {
    static func encode(_ json: JSONValue) throws -> Data {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(json)
        } catch {
            throw KubernetesError(
                kind: .invalidRequest, message: "cannot encode the request body as JSON: \(error)", underlying: error)
        }
    }
}

extension ResourceType {
    /// Whether the API server accepts strategic merge patches for this type: built-in kinds only, not custom
    /// resources (CRDs) or aggregated APIs.
    public var supportsStrategicMerge: Bool {
        let builtInGroups: Set<String> = [
            "", "apps", "batch", "autoscaling", "policy", "coordination.k8s.io", "networking.k8s.io",
            "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io", "discovery.k8s.io",
            "events.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "certificates.k8s.io",
            "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io",
        ]
        return builtInGroups.contains(group)
    }
}

extension KubernetesClient {
    /// Reads one object of a typed kind: `client.get(Workspace.self, name: "falcon")`.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isNotFound`` when there is no such object.
    public func get<Object: KubernetesResource>(
        _ type: Object.Type, name: String, namespace: String? = nil
    ) async throws -> Object {
        try await resource(type).get(name, namespace: namespace)
    }

    /// Lists every matching object of a typed kind, following `continue` to the end; a `nil` namespace lists
    /// every namespace.
    /// - Throws: ``KubernetesError``.
    public func list<Object: KubernetesResource>(
        _ type: Object.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) async throws -> ObjectList<Object> {
        try await resource(type).list(namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }

    /// Creates a typed object in its own namespace (or the default one).
    /// - Throws: ``KubernetesError``; ``KubernetesError/isAlreadyExists`` when the name is taken.
    public func create<Object: KubernetesResource>(
        _ object: Object, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        try await resource(Object.self).create(object, dryRun: dryRun, fieldManager: fieldManager)
    }

    /// Replaces a typed object; its resourceVersion is the precondition.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isConflict`` for a stale resourceVersion.
    public func replace<Object: KubernetesResource>(
        _ object: Object, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Object {
        try await resource(Object.self).replace(object, dryRun: dryRun, fieldManager: fieldManager)
    }

    /// Server-side applies a typed object as `fieldManager`.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isConflict`` when another manager owns a field and
    ///   `force` is false.
    public func apply<Object: KubernetesResource>(
        _ object: Object, fieldManager: String, force: Bool = false, dryRun: Bool = false
    ) async throws -> Object {
        try await resource(Object.self).apply(object, fieldManager: fieldManager, force: force, dryRun: dryRun)
    }

    /// Deletes an object of a typed kind.
    /// - Returns: The object while it is still being deleted (finalizers pending), `nil` once it is gone.
    /// - Throws: ``KubernetesError``; ``KubernetesError/isNotFound`` when there is no such object.
    @discardableResult
    public func delete<Object: KubernetesResource>(
        _ type: Object.Type, name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()
    ) async throws -> Object? {
        try await resource(type).delete(name, namespace: namespace, options: options)
    }
}

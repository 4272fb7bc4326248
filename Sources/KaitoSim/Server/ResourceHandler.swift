import Foundation
import Hummingbird
import KaitoCore
import NIOCore

/// One request on a resource path: authorization, then the verb's ``APIStore`` call and its response.
struct ResourceHandler {
    let store: APIStore
    let settings: ResponderSettings
    let clock: any SimulationClock
    let path: ResourcePath
    let query: QueryParameters
    let user: SimUser
    /// Completes when the client's connection closes (ends its watches).
    let connectionClosed: EventLoopFuture<Void>

    private var resource: GroupVersionResource { path.groupVersionResource }

    /// Whether a GET asks for a watch (`?watch=true`, `?watch=1` or the `/watch/` prefix).
    private var isWatch: Bool { path.watchPrefix || query.flag("watch") }

    /// The verb for authorization, as the API server's request-info parser names it.
    private func verb(for method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head:
            if isWatch { return "watch" }
            return path.name == nil ? "list" : "get"
        case .post: return "create"
        case .put: return "update"
        case .patch: return "patch"
        case .delete: return path.name == nil ? "deletecollection" : "delete"
        default: return method.rawValue.lowercased()
        }
    }

    func handle(_ request: inout Request) async throws -> Response {
        let attributes = ResourceAttributes(
            verb: verb(for: request.method), group: path.group, resource: path.resource,
            subresource: path.subresource, namespace: path.namespace, name: path.name)
        guard await store.authorize(user, .resource(attributes), settings.authorization) else {
            throw attributes.forbidden(for: user)
        }
        if let faults = settings.faults {
            let latency = await faults.injectedLatency()
            if latency > 0 { try await clock.sleep(until: clock.now().addingTimeInterval(latency)) }
            let target = GroupResource(group: path.group, resource: path.resource)
            if let error = await faults.injectedError(verb: attributes.verb, resource: target) { throw error }
        }

        let registry = await store.registry
        guard let descriptor = registry.descriptor(for: resource) else {
            // A group version nobody serves reaches the mux's plain 404; an unknown resource of a served group
            // version gets a Status.
            if registry.descriptors(group: path.group, version: path.version).isEmpty { throw APIError.pageNotFound }
            throw APIError.resourceNotFound()
        }
        let namespace = try storeNamespace(descriptor)
        if descriptor.isVirtual {
            let handler = VirtualResources(store: store, settings: settings, path: path, user: user)
            return try await handler.handle(
                { try HTTPMessages.decodeObject(try await collect(&request), contentType: contentType(request)) },
                method: request.method, descriptor: descriptor)
        }
        let dryRun = try isDryRun(method: request.method)
        switch path.subresource {
        case nil: break
        case "status" where descriptor.hasStatusSubresource && path.name != nil: break
        case let name?:
            guard let objectName = path.name, let subresource = descriptor.subresource(named: name) else {
                throw APIError.resourceNotFound()
            }
            let handler = SubresourceHandler(store: store, settings: settings, path: path, query: query, user: user)
            var body = request
            return try await handler.handle(
                &request, descriptor: descriptor, subresource: subresource, namespace: namespace, name: objectName,
                body: { try await collect(&body) }, dryRun: dryRun)
        }
        let subresource: Subresource = path.subresource == "status" ? .status : .main
        let fieldValidation = try self.fieldValidation(method: request.method)

        switch (request.method, path.name) {
        case (.get, nil), (.head, nil):
            return try await isWatch
                ? watch(request, descriptor: descriptor, namespace: namespace, fieldSelector: query["fieldSelector"])
                : list(request, descriptor: descriptor, namespace: namespace)
        case (.get, let name?), (.head, let name?):
            if isWatch {
                let byName = "metadata.name=\(name)"
                let selector = query["fieldSelector"].map { $0.isEmpty ? byName : "\($0),\(byName)" } ?? byName
                return try await watch(request, descriptor: descriptor, namespace: namespace, fieldSelector: selector)
            }
            let object = try await store.get(resource, namespace: namespace, name: name)
            return respond(object, descriptor: descriptor, request: request)
        case (.post, nil) where path.subresource == nil:
            try requireNamespaceForWrite(descriptor)
            let (body, duplicates) = try HTTPMessages.decodeObjectReportingDuplicates(
                try await collect(&request), contentType: contentType(request))
            let manager = HTTPMessages.fieldManager(query: query, userAgent: request.headers[.userAgent])
            let (created, warnings) = try await store.perform(
                fieldValidation: fieldValidation, dryRun: dryRun, decodingProblems: Self.duplicateProblems(duplicates)
            ) { state in
                try state.create(
                    resource, namespace: namespace, body: body,
                    attribution: .update(manager: manager ?? ObjectStore.defaultManager))
            }
            if !dryRun { await store.collectGarbage() }
            return respond(created, descriptor: descriptor, request: request, status: 201, warnings: warnings)
        case (.put, let name?):
            let (body, duplicates) = try HTTPMessages.decodeObjectReportingDuplicates(
                try await collect(&request), contentType: contentType(request))
            let manager = HTTPMessages.fieldManager(query: query, userAgent: request.headers[.userAgent])
            let existed = descriptor.allowsCreateOnUpdate ? await exists(namespace: namespace, name: name) : true
            let (updated, warnings) = try await store.perform(
                fieldValidation: fieldValidation, dryRun: dryRun, decodingProblems: Self.duplicateProblems(duplicates)
            ) { state in
                try state.update(
                    resource, namespace: namespace, name: name, body: body, subresource: subresource,
                    attribution: .update(manager: manager ?? ObjectStore.defaultManager))
            }
            if !dryRun { await store.collectGarbage() }
            return respond(
                updated, descriptor: descriptor, request: request, status: existed ? 200 : 201, warnings: warnings)
        case (.patch, let name?):
            return try await patch(
                &request, descriptor: descriptor, namespace: namespace, name: name,
                subresource: subresource, dryRun: dryRun, fieldValidation: fieldValidation)
        case (.delete, let name?) where path.subresource == nil:
            let (options, orphanDependentsFalse) = try await deleteOptions(&request)
            let (result, _) = try await store.perform(fieldValidation: fieldValidation, dryRun: dryRun) { state in
                try state.delete(resource, namespace: namespace, name: name, options: options)
            }
            if !dryRun { await store.collectGarbage() }
            // As the API server does: 200 even when finalizers keep the object, 202 only for a pending deletion
            // that asked for `orphanDependents: false` (the handler keeps that quirk for old clients).
            let accepted: Bool
            if case .pending = result { accepted = orphanDependentsFalse } else { accepted = false }
            return HTTPMessages.json(result.responseBody(for: descriptor), status: accepted ? 202 : 200)
        case (.delete, nil):
            try requireNamespaceForWrite(descriptor)
            let options = try await deleteOptions(&request).options
            let listOptions = try self.listOptions()
            let (results, _) = try await store.perform(fieldValidation: fieldValidation, dryRun: dryRun) { state in
                try state.deleteCollection(
                    resource, namespace: namespace, listOptions: listOptions, deleteOptions: options)
            }
            if !dryRun { await store.collectGarbage() }
            let list = ListResult(
                apiVersion: descriptor.apiVersion, kind: descriptor.listKind,
                resourceVersion: await store.currentResourceVersion, items: results.map(\.object),
                itemsCarryTypeMeta: descriptor.isCustomResource)
            return HTTPMessages.json(list.jsonValue)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    // MARK: - Paths and parameters

    /// The namespace to pass to the store: the path's for namespaced resources, `nil` for cluster-scoped ones
    /// (where a namespace in the path is a 404, except for a Namespace's own path).
    private func storeNamespace(_ descriptor: ResourceDescriptor) throws -> String? {
        if descriptor.namespaced { return path.namespace }
        guard let namespace = path.namespace else { return nil }
        if descriptor.groupResource == GroupResource(group: "", resource: "namespaces"), path.name == namespace {
            return nil
        }
        // The custom resource handler passes such paths on to the mux, which has nothing for them.
        if descriptor.isCustomResource { throw APIError.pageNotFound }
        throw APIError.resourceNotFound()
    }

    /// Single-object writes and collection deletes of namespaced resources happen under `namespaces/NS/`.
    private func requireNamespaceForWrite(_ descriptor: ResourceDescriptor) throws {
        if descriptor.namespaced, path.namespace == nil {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    /// `duplicate field "PATH"` for each duplicate key of a JSON body.
    static func duplicateProblems(_ paths: [String]) -> [String] {
        paths.map { "duplicate field \"\($0)\"" }
    }

    /// The options kind a write's query parameters are validated as (`CreateOptions`, …), for 422 details.
    private func optionsKind(method: HTTPRequest.Method) -> String {
        switch method {
        case .post: "CreateOptions"
        case .put: "UpdateOptions"
        case .patch: "PatchOptions"
        case .delete: "DeleteOptions"
        default: "ListOptions"
        }
    }

    private func isDryRun(method: HTTPRequest.Method) throws -> Bool {
        let values = query.all("dryRun").filter { !$0.isEmpty }
        for value in values where value != "All" {
            throw APIError.invalid(
                kind: optionsKind(method: method), group: "meta.k8s.io", name: "",
                errors: [FieldError(field: "dryRun", kind: .notSupported(.string(value), supported: ["All"]))])
        }
        return !values.isEmpty
    }

    /// The `fieldValidation` parameter of a write: `Ignore`, `Warn` (the default) or `Strict`.
    private func fieldValidation(method: HTTPRequest.Method) throws -> FieldValidation {
        guard let value = query["fieldValidation"], !value.isEmpty else { return .warn }
        guard let mode = FieldValidation(rawValue: value) else {
            throw APIError.invalid(
                kind: optionsKind(method: method), group: "meta.k8s.io", name: "",
                errors: [
                    FieldError(
                        field: "fieldValidation",
                        kind: .notSupported(.string(value), supported: FieldValidation.allCases.map(\.rawValue)))
                ])
        }
        return mode
    }

    private func listOptions() throws -> ListOptions {
        ListOptions(
            labelSelector: query["labelSelector"], fieldSelector: query["fieldSelector"],
            limit: try query.integer("limit").map { Int($0) }, continueToken: query["continue"],
            resourceVersion: query["resourceVersion"], resourceVersionMatch: query["resourceVersionMatch"])
    }

    private func contentType(_ request: Request) -> String? {
        request.headers[.contentType]
    }

    func collect(_ request: inout Request) async throws -> Data {
        do {
            let buffer = try await request.collectBody(upTo: settings.maxRequestBodyBytes)
            return Data(buffer.readableBytesView)
        } catch {
            throw APIError(
                code: 413, reason: "RequestEntityTooLarge",
                message: "Request entity too large: limit is \(settings.maxRequestBodyBytes)")
        }
    }

    private func exists(namespace: String?, name: String) async -> Bool {
        (try? await store.get(resource, namespace: namespace, name: name)) != nil
    }

    // MARK: - Reads

    private func respond(
        _ object: JSONValue, descriptor: ResourceDescriptor, request: Request, status: Int = 200,
        warnings: [String] = []
    ) -> Response {
        var response = respondBody(object, descriptor: descriptor, request: request, status: status)
        HTTPMessages.addWarnings(warnings, to: &response)
        return response
    }

    private func respondBody(
        _ object: JSONValue, descriptor: ResourceDescriptor, request: Request, status: Int
    ) -> Response {
        if let tableVersion = Tables.requestedVersion(accept: request.headers[.accept]) {
            let table = Tables.table(
                [object], descriptor: descriptor,
                listMetadata: ["resourceVersion": object["metadata"]?["resourceVersion"] ?? ""], now: clock.now(),
                include: includeObject, apiVersion: tableVersion)
            return HTTPMessages.json(table, status: status)
        }
        return HTTPMessages.json(object, status: status)
    }

    private var includeObject: Tables.IncludeObject {
        query["includeObject"].flatMap(Tables.IncludeObject.init(rawValue:)) ?? .metadata
    }

    private func list(_ request: Request, descriptor: ResourceDescriptor, namespace: String?) async throws -> Response {
        let result = try await store.list(resource, namespace: namespace, options: try listOptions())
        let value = result.jsonValue
        if let tableVersion = Tables.requestedVersion(accept: request.headers[.accept]) {
            let table = Tables.table(
                result.items, descriptor: descriptor, listMetadata: value["metadata"] ?? [:], now: clock.now(),
                include: includeObject, apiVersion: tableVersion)
            return HTTPMessages.json(table)
        }
        return HTTPMessages.json(value)
    }

    /// A watch: HTTP 200 at once, then one JSON event per line as they happen, until `timeoutSeconds`, the
    /// store ends the watch, or the client goes away. Errors found before the stream starts are `Status`
    /// responses with their own code; a too-old resourceVersion is an `ERROR` event in a 200 response.
    private func watch(
        _ request: Request, descriptor: ResourceDescriptor, namespace: String?, fieldSelector: String?
    ) async throws -> Response {
        let timeout = try query.integer("timeoutSeconds").map { Double($0) }
        let options = WatchOptions(
            labelSelector: query["labelSelector"], fieldSelector: fieldSelector,
            resourceVersion: query["resourceVersion"], allowBookmarks: query.flag("allowWatchBookmarks"),
            timeoutSeconds: timeout,
            sendInitialEvents: query["sendInitialEvents"].map { _ in query.flag("sendInitialEvents") },
            resourceVersionMatch: query["resourceVersionMatch"])
        let stream = try await store.watch(resource, namespace: namespace, options: options)
        let tableVersion = Tables.requestedVersion(accept: request.headers[.accept])
        let include = includeObject
        let clock = clock
        // Events are relayed so that a closed connection ends the watch at once. (Hummingbird's
        // `consumeWithCancellationOnInboundClose` would close the connection after every watch, where a real API
        // server keeps it alive for the client's next request.)
        let (relay, relayed) = AsyncStream.makeStream(of: WatchEvent.self)
        let pump = Task {
            for await event in stream { relayed.yield(event) }
            relayed.finish()
        }
        connectionClosed.whenComplete { _ in
            relayed.finish()
            pump.cancel()
        }
        let body = ResponseBody { writer in
            defer { pump.cancel() }
            for await event in relay {
                var line = event.jsonValue
                if let tableVersion, event.type != .error, event.type != .bookmark {
                    line = [
                        "type": .string(event.type.rawValue),
                        "object": Tables.table(
                            [event.object], descriptor: descriptor,
                            listMetadata: ["resourceVersion": .string(event.resourceVersion ?? "")],
                            now: clock.now(), include: include, apiVersion: tableVersion),
                    ]
                }
                var buffer = ByteBufferAllocator().buffer(capacity: 512)
                buffer.writeString(JSONText.string(from: line))
                buffer.writeString("\n")
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    // MARK: - Writes

    private func patch(
        _ request: inout Request, descriptor: ResourceDescriptor, namespace: String?, name: String,
        subresource: Subresource, dryRun: Bool, fieldValidation: FieldValidation
    ) async throws -> Response {
        guard let type = PatchType(contentType: request.headers[.contentType] ?? "") else {
            throw APIError.unsupportedMediaType(accepted: descriptor.acceptedPatchTypes.map(\.rawValue))
        }
        let data = try await collect(&request)
        let body = type == .apply ? try HTTPMessages.decodeYAML(data) : try HTTPMessages.decodeJSON(data)
        let manager =
            type == .apply
            ? query["fieldManager"] : HTTPMessages.fieldManager(query: query, userAgent: request.headers[.userAgent])
        if query.flag("force"), type != .apply {
            throw APIError.invalid(
                kind: "", group: "", name: "",
                errors: [
                    FieldError(
                        field: "force", kind: .invalid(.bool(true)),
                        detail: "may not be specified for non-apply patch")
                ])
        }
        let options = PatchOptions(fieldManager: manager, force: query.flag("force"))
        let existed = type == .apply ? await exists(namespace: namespace, name: name) : true
        let resource = resource
        let (patched, warnings) = try await store.perform(fieldValidation: fieldValidation, dryRun: dryRun) { state in
            try state.patch(
                resource, namespace: namespace, name: name, type: type, body: body, options: options,
                subresource: subresource)
        }
        if !dryRun { await store.collectGarbage() }
        return respond(
            patched, descriptor: descriptor, request: request, status: existed ? 200 : 201, warnings: warnings)
    }

    /// `DeleteOptions` from the body when there is one, else from the query, as the API server reads them, and
    /// whether they set the deprecated `orphanDependents` to false.
    private func deleteOptions(_ request: inout Request) async throws -> (
        options: DeleteOptions, orphanDependentsFalse: Bool
    ) {
        let data = try await collect(&request)
        var body: JSONValue = [:]
        if !data.isEmpty {
            body = try HTTPMessages.decodeObject(data, contentType: contentType(request))
        } else {
            var fields: [String: JSONValue] = [:]
            if let policy = query["propagationPolicy"], !policy.isEmpty {
                fields["propagationPolicy"] = .string(policy)
            }
            if query["orphanDependents"] != nil { fields["orphanDependents"] = .bool(query.flag("orphanDependents")) }
            if let grace = query["gracePeriodSeconds"], !grace.isEmpty { fields["gracePeriodSeconds"] = .string(grace) }
            body = .object(fields)
        }
        return (try DeleteOptions(body: body), body["orphanDependents"] == .bool(false))
    }
}

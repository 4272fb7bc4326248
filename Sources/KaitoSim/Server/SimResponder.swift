import Foundation
import Hummingbird
import KaitoCore
import NIOCore
import NIOSSL

/// The request context of the emulator: it keeps the connection, whose TLS handler knows the client certificate.
struct SimRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// The common name and organizations of the verified client certificate, if the client sent one.
    func clientCertificateSubject() async -> (commonName: String, organizations: [String])? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        let names = certificate.subjectName
        guard let commonName = names.last(where: { $0.type == .commonName })?.value, !commonName.isEmpty else {
            return nil
        }
        return (commonName, names.filter { $0.type == .organization }.map(\.value))
    }
}

/// Settings the responder needs from the server configuration.
struct ResponderSettings: Sendable {
    var authentication: SimAuthentication
    var authorization: SimAuthorization
    var verifiesClientCertificates: Bool
    var maxRequestBodyBytes: Int
    var requestLog: (@Sendable (String) -> Void)?
    var faults: (any SimFaultInjector)?
}

/// Maps HTTP requests onto ``APIStore`` calls and renders results and failures as the API server does.
struct SimResponder: HTTPResponder {
    typealias Context = SimRequestContext

    let store: APIStore
    let settings: ResponderSettings
    let clock: any SimulationClock

    func respond(to request: Request, context: SimRequestContext) async throws -> Response {
        var request = request
        let response: Response
        var user: SimUser?
        do {
            let authenticated = try await authenticate(request, context: context)
            user = authenticated
            response = try await route(&request, user: authenticated, connectionClosed: context.channel.closeFuture)
        } catch let error as APIError {
            response = HTTPMessages.failure(error)
        } catch {
            response = HTTPMessages.failure(APIError.internalError(String(describing: error)))
        }
        if let log = settings.requestLog {
            let who = user?.name ?? "-"
            log("\(request.method.rawValue) \(request.uri.string) \(response.status.code) \(who)")
        }
        return response
    }

    // MARK: - Authentication

    /// The identity of a request: the verified client certificate's subject, else the bearer token's user, else
    /// the basic-auth user, else the anonymous user.
    /// - Throws: ``APIError`` 401 for an unknown token or password, another authorization scheme, or a missing credential when
    ///   anonymous requests are disabled.
    func authenticate(_ request: Request, context: SimRequestContext) async throws -> SimUser {
        if settings.verifiesClientCertificates, let subject = await context.clientCertificateSubject() {
            return SimUser(name: subject.commonName, groups: subject.organizations + ["system:authenticated"])
        }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw APIError.unauthorized }
            let credential = parts[1].trimmingCharacters(in: .whitespaces)
            let found: SimUser?
            switch parts[0].lowercased() {
            case "bearer":
                if let user = settings.authentication.user(forToken: credential) {
                    found = user
                } else {
                    found = await store.serviceAccountUser(forToken: credential)?.user
                }
            case "basic": found = settings.authentication.user(forBasic: credential)
            default: found = nil
            }
            guard var user = found else { throw APIError.unauthorized }
            if !user.groups.contains("system:authenticated") { user.groups.append("system:authenticated") }
            return user
        }
        guard settings.authentication.anonymousEnabled else { throw APIError.unauthorized }
        return .anonymous
    }

    // MARK: - OpenAPI v3

    /// `/openapi/v3` (the index of group versions, each with its document's URL) and `/openapi/v3/api/v1`,
    /// `/openapi/v3/apis/GROUP/VERSION` (the OpenAPI 3.0 document of one group version).
    private func openAPIV3(path: String, registry: ResourceRegistry) throws -> Response {
        let segments = path.split(separator: "/").map(String.init).dropFirst(2)
        var groupVersions = registry.groupVersions.flatMap { group, versions in
            versions.map { group.isEmpty ? $0 : "\(group)/\($0)" }
        }
        groupVersions.sort()
        if segments.isEmpty {
            return HTTPMessages.json(OpenAPIDocuments.index(groupVersions: groupVersions))
        }
        let wanted: String
        switch segments.first {
        case "api" where segments.count == 2: wanted = segments.dropFirst().joined()
        case "apis" where segments.count == 3: wanted = segments.dropFirst().joined(separator: "/")
        default: throw APIError.pageNotFound
        }
        guard groupVersions.contains(wanted),
            let document = OpenAPIDocuments.document(groupVersion: wanted, descriptors: registry.descriptors)
        else { throw APIError.pageNotFound }
        return HTTPMessages.json(document)
    }

    // MARK: - Routing

    private func route(
        _ request: inout Request, user: SimUser, connectionClosed: EventLoopFuture<Void>
    ) async throws -> Response {
        if let target = ServiceProxyPath(path: request.uri.path) {
            return try await ServiceProxy(store: store, settings: settings, target: target, user: user).handle(&request)
        }
        let route = APIRoute(path: request.uri.path)
        let query = QueryParameters(request.uri.query)
        if case .resource(let path) = route {
            return try await ResourceHandler(
                store: store, settings: settings, clock: clock, path: path, query: query, user: user,
                connectionClosed: connectionClosed
            ).handle(&request)
        }
        if case .unknown = route {
            throw APIError(
                code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                details: StatusDetails())
        }
        let verb = request.method == .get || request.method == .head ? "get" : request.method.rawValue.lowercased()
        guard await store.authorize(user, .path(request.uri.path, verb: verb), settings.authorization) else {
            throw APIError.forbiddenPath(request.uri.path, verb: verb, user: user)
        }
        guard request.method == .get || request.method == .head else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        let registry = await store.registry
        switch route {
        case .version:
            return HTTPMessages.json(Discovery.version)
        case .health:
            return HTTPMessages.text("ok")
        case .coreVersions:
            if let version = Discovery.aggregatedVersion(accept: request.headers[.accept]) {
                return HTTPMessages.aggregatedDiscovery(
                    Discovery.aggregated(core: true, registry: registry, version: version), version: version)
            }
            let host = request.head.authority ?? "127.0.0.1"
            return HTTPMessages.json(Discovery.coreVersions(serverAddress: host))
        case .groupList:
            if let version = Discovery.aggregatedVersion(accept: request.headers[.accept]) {
                return HTTPMessages.aggregatedDiscovery(
                    Discovery.aggregated(core: false, registry: registry, version: version), version: version)
            }
            return HTTPMessages.json(Discovery.groupList(registry))
        case .group(let name):
            guard let group = Discovery.apiGroup(name, registry: registry) else { throw APIError.resourceNotFound() }
            return HTTPMessages.json(group)
        case .resourceList(let group, let version):
            guard let list = Discovery.resourceList(group: group, version: version, registry: registry) else {
                throw APIError.resourceNotFound()
            }
            return HTTPMessages.json(list)
        case .openAPIV2:
            // kubectl asks for protobuf: an empty body is an empty `openapi_v2.Document`, so kubectl finds no
            // schema for any kind and skips client-side validation instead of failing.
            if let accept = request.headers[.accept], accept.contains("protobuf"), !accept.contains("json") {
                return HTTPMessages.text("", contentType: "application/octet-stream")
            }
            return HTTPMessages.json(Discovery.openAPIV2)
        case .openAPIV3:
            return try openAPIV3(path: request.uri.path, registry: registry)
        case .resource, .unknown:
            throw APIError.resourceNotFound()
        }
    }
}

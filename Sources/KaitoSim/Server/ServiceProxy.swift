import Foundation
import HTTPTypes
import Hummingbird
import KaitoCore
import NIOCore

/// A service proxy path: `/api/v1/namespaces/NS/services/NAME[:PORT]/proxy[/PATH]`.
struct ServiceProxyPath: Sendable, Hashable {
    /// The Service's namespace.
    var namespace: String
    /// The Service's name.
    var name: String
    /// The port name or number after `:`, if any.
    var port: String?
    /// The path forwarded to the backend, starting with `/`.
    var forwardedPath: String

    /// Parses a request path (without the query); `nil` when it is not a service proxy path.
    init?(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // ["", "api", "v1", "namespaces", NS, "services", NAME, "proxy", …]
        guard segments.count >= 8, segments[0].isEmpty, segments[1] == "api", segments[2] == "v1",
            segments[3] == "namespaces", segments[5] == "services", segments[7] == "proxy"
        else { return nil }
        let target = segments[6].removingPercentEncoding ?? segments[6]
        let namespace = segments[4].removingPercentEncoding ?? segments[4]
        guard !namespace.isEmpty, !target.isEmpty else { return nil }
        let parts = target.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        self.namespace = namespace
        self.name = parts[0]
        self.port = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        let rest = segments.dropFirst(8).joined(separator: "/")
        self.forwardedPath = "/" + rest
    }
}

/// The `services/proxy` subresource: forwards a request to the simulated model server of a Service's ready pods.
struct ServiceProxy {
    let store: APIStore
    let settings: ResponderSettings
    let target: ServiceProxyPath
    let user: SimUser

    private static let services = GroupVersionResource(group: "", version: "v1", resource: "services")
    private static let endpoints = GroupVersionResource(group: "", version: "v1", resource: "endpoints")
    private static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")

    /// The authorization verb of a request on one object or subresource (a proxied request, `scale`, `binding`),
    /// as the API server's request-info parser names it.
    static func verb(for method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head: return "get"
        case .post: return "create"
        case .put: return "update"
        case .patch: return "patch"
        case .delete: return "delete"
        default: return method.rawValue.lowercased()
        }
    }

    func handle(_ request: inout Request) async throws -> Response {
        let attributes = ResourceAttributes(
            verb: Self.verb(for: request.method), group: "", resource: "services", subresource: "proxy",
            namespace: target.namespace, name: target.name)
        guard await store.authorize(user, .resource(attributes), settings.authorization) else {
            throw attributes.forbidden(for: user)
        }

        let service = try await store.get(Self.services, namespace: target.namespace, name: target.name)
        // A port the Service does not declare has no endpoints either, as on the API server.
        let ports = service["spec"]?["ports"]?.arrayValue ?? []
        let portMatches =
            target.port.map { wanted in
                ports.contains { port in
                    port["name"]?.stringValue == wanted || port["port"].map { JSONText.string(from: $0) } == wanted
                }
            } ?? true
        guard portMatches, let pod = try await readyPod(service: service) else {
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message: "no endpoints available for service \"\(target.name)\"")
        }
        let server = SimulatedModelServer.forPod(pod)

        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let buffer = try await request.body.collect(upTo: settings.maxRequestBodyBytes)
        let body = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil
        let answer = server.respond(
            to: ModelServerRequest(
                method: request.method.rawValue, path: target.forwardedPath, query: request.uri.query,
                headers: headers, body: body))

        var fields = HTTPFields()
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { fields[name] = header.value }
        }
        let status = HTTPResponse.Status(code: answer.status)
        switch answer.body {
        case .whole(let data):
            var out = ByteBufferAllocator().buffer(capacity: data.count)
            out.writeBytes(data)
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: out))
        case .chunked:
            let stream = answer.chunks
            let responseBody = ResponseBody { writer in
                for await chunk in stream {
                    var out = ByteBufferAllocator().buffer(capacity: chunk.count)
                    out.writeBytes(chunk)
                    try await writer.write(out)
                }
                try await writer.finish(nil)
            }
            return Response(status: status, headers: fields, body: responseBody)
        }
    }

    /// A Ready pod behind the Service: the first address of its Endpoints (which list only Ready pods), else the
    /// first Ready pod its selector matches; `nil` when there is none.
    private func readyPod(service: JSONValue) async throws -> JSONValue? {
        if let endpoints = try? await store.get(Self.endpoints, namespace: target.namespace, name: target.name) {
            let addresses = (endpoints["subsets"]?.arrayValue ?? []).flatMap { $0["addresses"]?.arrayValue ?? [] }
            for address in addresses {
                if let name = address["targetRef"]?["name"]?.stringValue,
                    let pod = try? await store.get(Self.pods, namespace: target.namespace, name: name)
                {
                    return pod
                }
            }
            if !addresses.isEmpty { return [:] }
            return nil
        }
        let selector = service["spec"]?["selector"]?.objectValue ?? [:]
        guard !selector.isEmpty else { return nil }
        let pods = try await store.list(Self.pods, namespace: target.namespace).items
        return pods.first { pod in
            let labels = pod["metadata"]?["labels"]?.objectValue ?? [:]
            let ready = (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
            }
            return ready && pod["metadata"]?["deletionTimestamp"] == nil
                && selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }
}

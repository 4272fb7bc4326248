import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s
@testable import KaitoOperator

/// One request as the transport saw it.
struct RecordedRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var headerFields: HTTPFields
    var body: Data?
    var responseCode: Int?

    /// The path without the query.
    var pathOnly: String { String(path.split(separator: "?", maxSplits: 1).first ?? "") }
    /// The query parameters, percent-decoded.
    var query: [String: String] {
        guard let mark = path.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in path[path.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}

/// Answers a request in place of the server (`nil` lets it through).
typealias Interceptor = @Sendable (HTTPRequest) -> HTTPResponseStream?

/// Wraps the real transport and records every request it sends, optionally running a hook first or answering
/// in the server's place.
final class RecordingTransport: HTTPTransport, Sendable {
    private let base: any HTTPTransport
    private let state = Locked<[RecordedRequest]>([])
    private let hook: (@Sendable (HTTPRequest) async throws -> Void)?
    private let intercept: Interceptor?

    init(
        base: any HTTPTransport, hook: (@Sendable (HTTPRequest) async throws -> Void)? = nil,
        intercept: Interceptor? = nil
    ) {
        self.base = base
        self.hook = hook
        self.intercept = intercept
    }

    var requests: [RecordedRequest] { state.withLock { $0 } }

    func send(_ request: HTTPRequest, body: HTTPRequestBody?, options: HTTPRequestOptions) async throws
        -> HTTPResponseStream
    {
        try await hook?(request)
        let index = state.withLock { list in
            list.append(
                RecordedRequest(
                    method: request.method, path: request.path ?? "", headerFields: request.headerFields,
                    body: body?.data))
            return list.count - 1
        }
        let response: HTTPResponseStream
        if let canned = intercept?(request) {
            response = canned
        } else {
            response = try await base.send(request, body: body, options: options)
        }
        state.withLock { $0[index].responseCode = response.response.status.code }
        return response
    }
}

/// A recording transport per client, reachable from the test.
final class TransportRecorder: Sendable {
    private let made = Locked<[RecordingTransport]>([])
    private let hook: (@Sendable (HTTPRequest) async throws -> Void)?
    private let intercept: Interceptor?

    init(hook: (@Sendable (HTTPRequest) async throws -> Void)? = nil, intercept: Interceptor? = nil) {
        self.hook = hook
        self.intercept = intercept
    }

    /// Every request any transport made by this recorder sent, in order.
    var requests: [RecordedRequest] { made.withLock { $0.flatMap(\.requests) } }

    /// Options that build a recording transport around the real one.
    func options(_ base: KubernetesClientOptions = SimCluster.testOptions) -> KubernetesClientOptions {
        var options = base
        let hook = hook
        let intercept = intercept
        options.transportFactory = { [made] configuration in
            let transport = RecordingTransport(
                base: try CurlTransport(configuration: configuration), hook: hook, intercept: intercept)
            made.withLock { $0.append(transport) }
            return transport
        }
        return options
    }
}

/// Fails chosen requests: the first `count` requests with `verb` on `resource` get `error`.
final class CountingFaults: SimFaultInjector, Sendable {
    private let verb: String
    private let resource: String
    private let error: APIError
    private let remaining: Locked<Int>
    private let seen = Locked(0)

    init(verb: String, resource: String, failFirst count: Int, with error: APIError) {
        self.verb = verb
        self.resource = resource
        self.error = error
        self.remaining = Locked(count)
    }

    /// How many matching requests reached the server.
    var matchingRequests: Int { seen.withLock { $0 } }

    func injectedError(verb: String, resource: GroupResource) async -> APIError? {
        guard verb == self.verb, resource.resource == self.resource else { return nil }
        seen.withLock { $0 += 1 }
        return remaining.withLock { left in
            guard left > 0 else { return nil }
            left -= 1
            return error
        }
    }

    func injectedLatency() async -> TimeInterval { 0 }

    static let tooManyRequests = APIError(code: 429, reason: "TooManyRequests", message: "slow down")
    static let internalError = APIError(code: 500, reason: "InternalError", message: "etcd hiccup")
}

/// A minimal Workspace that serves falcon-7b, as a user writes one.
func makeWorkspace(_ name: String, namespace: String = "default", labels: [String: String]? = nil) -> Workspace {
    Workspace(
        metadata: ObjectMeta(name: name, namespace: namespace, labels: labels),
        resource: ResourceSpec(
            count: 1, instanceType: "Standard_NC12s_v3",
            labelSelector: LabelSelector(matchLabels: ["apps": name])),
        inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")))
}

/// A ConfigMap with `data`.
func makeConfigMap(
    _ name: String, namespace: String? = "default", labels: [String: String]? = nil, data: [String: String] = [:]
) -> ConfigMap {
    ConfigMap(name: name, namespace: namespace, labels: labels, data: data)
}

/// A one-container Deployment.
func makeDeployment(_ name: String, namespace: String = "default", replicas: Int64 = 1, image: String = "nginx:1.27")
    -> Deployment
{
    Deployment(
        name: name, namespace: namespace, labels: ["app": name],
        content: [
            "spec": [
                "replicas": .integer(replicas),
                "selector": ["matchLabels": ["app": .string(name)]],
                "template": [
                    "metadata": ["labels": ["app": .string(name)]],
                    "spec": ["containers": [["name": "main", "image": .string(image)]]],
                ],
            ]
        ])
}

/// A karpenter.sh/v1alpha5 Machine as an unstructured object (a custom resource).
func makeMachine(_ name: String, labels: [String: String]? = nil, instanceType: String = "Standard_NC12s_v3")
    -> KubernetesObject
{
    KubernetesObject(
        apiVersion: ResourceType.machines.apiVersion, kind: "Machine",
        metadata: ObjectMeta(name: name, labels: labels),
        content: [
            "spec": [
                "requirements": [
                    [
                        "key": "node.kubernetes.io/instance-type", "operator": "In",
                        "values": [.string(instanceType)],
                    ]
                ]
            ]
        ])
}

/// A canned answer: `status` with a JSON or text body.
func cannedResponse(_ status: Int, body: String, headers: HTTPFields = [:]) -> HTTPResponseStream {
    HTTPResponseStream(
        response: HTTPResponse(status: HTTPResponse.Status(code: status), headerFields: headers),
        body: HTTPBody(bytes: Array(body.utf8)))
}

/// Answers the first `count` requests whose path contains `pathContaining` with `response()`.
func interceptFirst(_ count: Int, pathContaining: String, _ response: @escaping @Sendable () -> HTTPResponseStream)
    -> Interceptor
{
    let remaining = Locked(count)
    return { request in
        guard request.path?.contains(pathContaining) == true else { return nil }
        return remaining.withLock { left in
            guard left > 0 else { return nil }
            left -= 1
            return response()
        }
    }
}

/// A credential provider whose first credential is stale: the fresh one comes only after the stale one is refused.
final class RotatingCredentials: CredentialProvider, Sendable {
    private let stale: String
    private let fresh: String
    private let refreshed = Locked(false)

    init(stale: String, fresh: String) {
        self.stale = stale
        self.fresh = fresh
    }

    var canRefresh: Bool { true }

    func credential(rejecting rejected: KubernetesCredential?) async throws -> KubernetesCredential {
        let useFresh = refreshed.withLock { done in
            if rejected != nil { done = true }
            return done
        }
        return KubernetesCredential(bearerToken: useFresh ? fresh : stale)
    }
}

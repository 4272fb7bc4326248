import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s

/// A Service `name` (port 80, named `http`) selecting one Ready pod whose image names vLLM, so the sim's proxy
/// answers as an OpenAI-compatible model server; with `ready: false` the pod never becomes Ready.
private func seedModelServer(_ client: KubernetesClient, name: String = "llama", ready: Bool = true) async throws {
    _ = try await client.resource(Service.self).create(
        Service(
            name: name, namespace: "default",
            content: [
                "spec": [
                    "selector": ["app": .string(name)],
                    "ports": [["name": "http", "port": 80, "targetPort": 5000]],
                ]
            ]))
    let pods = client.resource(Pod.self)
    _ = try await pods.create(
        Pod(
            name: "\(name)-0", namespace: "default", labels: ["app": name],
            content: [
                "spec": [
                    "containers": [
                        ["name": "main", "image": "example.com/kaito/vllm-llama-3-8b:0.1.0"]
                    ]
                ]
            ]))
    if ready {
        let pod = try await pods.patchStatus(
            "\(name)-0",
            .merge(["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]))
        #expect(pod.isReady)
    }
}

@Suite("Service proxy through KubernetesClient")
struct ServiceProxyClientTests {
    @Test("A GET and a POST reach the model server; its 422 is returned with its body, not thrown")
    func bufferedAnswers() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options())
            try await seedModelServer(client)

            let models = try await client.proxyToService(name: "llama", port: "80", path: "/v1/models")
            #expect(models.statusCode == 200)
            #expect(models.isSuccess)
            #expect(try models.json()["data"]?.arrayValue?.first?["id"] == "vllm-llama-3-8b")
            #expect(recorder.requests.last?.path == "/api/v1/namespaces/default/services/llama:80/proxy/v1/models")

            let request = #"{"model": "vllm-llama-3-8b", "messages": [{"role": "user", "content": "hello"}]}"#
            let completion = try await client.proxyToService(
                name: "llama", port: "http", method: .post, path: "/v1/chat/completions", body: Data(request.utf8),
                contentType: "application/json", accept: "application/json")
            #expect(completion.statusCode == 200)
            let content = try completion.json()["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            #expect(content?.contains("simulated") == true)

            let invalid = try await client.proxyToService(
                name: "llama", method: .post, path: "/v1/chat/completions",
                body: Data(#"{"messages": [{"role": "user", "content": "hi"}], "foo": 1}"#.utf8),
                contentType: "application/json")
            #expect(invalid.statusCode == 422)
            #expect(!invalid.isSuccess)
            #expect(try invalid.json()["detail"] == "Unexpected fields in the request: {'foo'}")

            let notFound = try await client.proxyToService(name: "llama", path: "/no/such/route")
            #expect(notFound.statusCode == 404)
            #expect(notFound.text.contains("Not Found"))

            // A query in the path travels as the query.
            _ = try await client.proxyToService(name: "llama", path: "/health?verbose=1", query: [("x", "a b")])
            let health = try #require(recorder.requests.last)
            #expect(health.pathOnly == "/api/v1/namespaces/default/services/llama/proxy/health")
            #expect(health.query == ["verbose": "1", "x": "a b"])
        }
    }

    @Test("A streamed completion arrives as server-sent events ending with [DONE]")
    func streamedEvents() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            try await seedModelServer(client)
            let body = #"{"model": "vllm-llama-3-8b", "messages": [{"role": "user", "content": "hi"}], "stream": true}"#
            let stream = try await client.proxyStreamToService(
                name: "llama", method: .post, path: "/v1/chat/completions", body: Data(body.utf8),
                contentType: "application/json")
            #expect(stream.statusCode == 200)
            #expect(stream.contentType?.hasPrefix("text/event-stream") == true)
            var data: [String] = []
            for try await event in stream.events { data.append(event.data) }
            #expect(data.last == "[DONE]")
            #expect(data.count >= 3)
            let chunks = data.dropLast().map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(chunks.allSatisfy { $0?["object"] == "chat.completion.chunk" })
            let text = chunks.compactMap { $0?["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }
            #expect(text.joined().contains("simulated"))

            // An upstream error on the streaming path comes back complete, with its status.
            let wrongModel = try await client.proxyStreamToService(
                name: "llama", method: .post, path: "/v1/chat/completions",
                body: Data(
                    #"{"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}], "stream": true}"#.utf8),
                contentType: "application/json")
            #expect(wrongModel.statusCode == 400)
            let errorBody = try await wrongModel.body.collect(upTo: 1 << 20)
            #expect(String(decoding: errorBody, as: UTF8.self).contains("gpt-4"))
        }
    }

    @Test("The API server's own refusals are thrown: no Service (404), no ready endpoints (503), forbidden (403)")
    func apiServerRefusals() async throws {
        try await SimCluster.run(configure: { configuration in
            configuration.authentication.tokens["viewer-token"] = SimUser(name: "viewer")
            configuration.authorization.rules["viewer"] = [SimPolicyRule(verbs: ["get", "list"])]
        }) { cluster in
            let client = try cluster.client()
            try await seedModelServer(client, name: "cold", ready: false)

            let missing = await #expect(throws: KubernetesError.self) {
                _ = try await client.proxyToService(name: "nothing", path: "/health")
            }
            #expect(missing?.isNotFound == true)
            #expect(missing?.message == "services \"nothing\" not found")

            let unready = await #expect(throws: KubernetesError.self) {
                _ = try await client.proxyToService(name: "cold", method: .post, path: "/chat", body: Data("{}".utf8))
            }
            #expect(unready?.code == 503)
            #expect(unready?.message == "no endpoints available for service \"cold\"")

            let streamUnready = await #expect(throws: KubernetesError.self) {
                _ = try await client.proxyStreamToService(name: "cold", path: "/v1/chat/completions")
            }
            #expect(streamUnready?.code == 503)

            let viewer = try cluster.client(
                credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: "viewer-token")))
            let denied = await #expect(throws: KubernetesError.self) {
                _ = try await viewer.proxyToService(name: "cold", method: .post, path: "/chat")
            }
            #expect(denied?.isForbidden == true)
            #expect(denied?.message.contains("services/proxy") == true)
        }
    }

    @Test("The API server's 429 on a proxied POST is retried; the upstream's own 503 is returned, not retried")
    func retriesTellServerFromUpstream() async throws {
        try await SimCluster.run { cluster in
            let throttled = interceptFirst(1, pathContaining: "/proxy/v1/chat") {
                cannedResponse(
                    429,
                    body:
                        #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too many requests","reason":"TooManyRequests","code":429}"#,
                    headers: [.retryAfter: "1", .contentType: "application/json"])
            }
            let upstream = interceptFirst(5, pathContaining: "/proxy/busy") {
                cannedResponse(503, body: "model is loading", headers: [.contentType: "text/plain"])
            }
            let recorder = TransportRecorder(intercept: { throttled($0) ?? upstream($0) })
            var options = SimCluster.testOptions
            options.retry = RetryPolicy(maxRetries: 3, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20))
            let client = try cluster.client(options: recorder.options(options))
            try await seedModelServer(client)
            let start = recorder.requests.count

            let request = #"{"model": "vllm-llama-3-8b", "messages": [{"role": "user", "content": "hello"}]}"#
            let answer = try await client.proxyToService(
                name: "llama", method: .post, path: "/v1/chat/completions", body: Data(request.utf8),
                contentType: "application/json")
            #expect(answer.statusCode == 200)
            #expect(recorder.requests[start...].map(\.responseCode) == [429, 200])
            #expect(recorder.requests[start...].allSatisfy { $0.body == Data(request.utf8) })

            let busy = try await client.proxyToService(name: "llama", path: "/busy")
            #expect(busy.statusCode == 503)
            #expect(busy.text == "model is loading")
            #expect(recorder.requests.count == start + 3)
        }
    }

    @Test("A proxied request whose token the API server rejects (401) is sent again with a refreshed credential")
    func refreshesOnUnauthorized() async throws {
        try await SimCluster.run { cluster in
            try await seedModelServer(try cluster.client())
            let recorder = TransportRecorder()
            let client = try cluster.client(
                credentials: RotatingCredentials(stale: "expired-token", fresh: adminToken),
                options: recorder.options())
            let health = try await client.proxyToService(name: "llama", path: "/health")
            #expect(health.statusCode == 200)
            #expect(recorder.requests.map(\.responseCode) == [401, 200])
            #expect(recorder.requests.first?.headerFields[.authorization] == "Bearer expired-token")
            #expect(recorder.requests.last?.headerFields[.authorization] == "Bearer \(adminToken)")
        }
    }

    @Test("The proxy works over TLS")
    func overTLS() async throws {
        try await SimCluster.run(tls: true) { cluster in
            let client = try cluster.client()
            try await seedModelServer(client)
            let health = try await client.proxyToService(namespace: "default", name: "llama", path: "/health")
            #expect(health.statusCode == 200)
        }
    }

    @Test("Proxy paths carry the scheme and port as the API server expects")
    func proxyPaths() throws {
        let client = try KubernetesClient(
            connection: ClusterConnection(
                server: "https://example.invalid:6443/prefix",
                credentials: StaticCredentialProvider(KubernetesCredential()),
                namespace: "kaito"))
        func path(_ name: String, port: String? = nil, scheme: String? = nil, _ backend: String = "/") throws -> String
        {
            try client.serviceProxyRequest(
                namespace: nil, name: name, port: port, scheme: scheme, method: .get, path: backend, query: [],
                body: nil,
                contentType: nil, accept: "*/*", timeout: nil
            ).pathAndQuery
        }
        #expect(try path("svc") == "/api/v1/namespaces/kaito/services/svc/proxy/")
        #expect(
            try path("svc", port: "8080", "v1/models") == "/api/v1/namespaces/kaito/services/svc:8080/proxy/v1/models")
        #expect(
            try path("svc", port: "web", scheme: "https") == "/api/v1/namespaces/kaito/services/https:svc:web/proxy/")
        #expect(try path("svc", scheme: "https") == "/api/v1/namespaces/kaito/services/https:svc:/proxy/")
        #expect(try path("svc", "/a b?q=1") == "/api/v1/namespaces/kaito/services/svc/proxy/a%20b?q=1")
        #expect(throws: KubernetesError.self) { try path("") }
    }
}

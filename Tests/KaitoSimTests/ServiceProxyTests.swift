import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoSim

/// Runs a ``SimServer`` over the store of a ``FleetFixture`` and gives `body` a client for it.
private func withProxyServer<T: Sendable>(
    _ fixture: FleetFixture, _ body: (SimHTTP) async throws -> T
) async throws -> T {
    var configuration = SimServer.Configuration()
    configuration.authentication.tokens[adminToken] = SimUser(name: "admin", groups: ["system:masters"])
    configuration.authentication.tokens["viewer-token"] = SimUser(name: "viewer")
    configuration.authorization.rules["viewer"] = []
    return try await SimServer.withServer(store: fixture.store, configuration: configuration) { server in
        let transport = try CurlTransport(configuration: HTTPClientConfiguration())
        return try await body(SimHTTP(server: server, store: fixture.store, clock: fixture.clock, transport: transport))
    }
}

private func proxy(_ service: String, _ path: String, namespace: String = "default") -> String {
    "/api/v1/namespaces/\(namespace)/services/\(service)/proxy\(path)"
}

/// A GPU node, a Service and a one-pod Deployment whose container image names vLLM.
private func seedVLLM(_ fixture: FleetFixture) async throws {
    try await fixture.create(R.nodes, fleetNode("gpu0", gpus: 2))
    try await fixture.create(R.services, fleetService("llama"), namespace: "default")
    let podSpec: JSONValue = [
        "containers": [
            [
                "name": "main", "image": "example.com/kaito/vllm-llama-3-8b:0.1.0",
                "ports": [["name": "http", "containerPort": 5000]],
            ]
        ]
    ]
    try await fixture.create(
        R.deployments, fleetWorkload("Deployment", "llama", replicas: 1, podSpec: podSpec), namespace: "default")
    await fixture.settle()
}

@Suite("Service proxy and the simulated model server")
struct ServiceProxyTests {
    @Test("An unknown service is a 404 Status; a service without ready pods is a 503 Status")
    func unavailable() async throws {
        let fixture = FleetFixture()
        // Pods that need a GPU stay Pending without nodes: the Endpoints have no addresses.
        try await fixture.create(R.services, fleetService("falcon"), namespace: "default")
        try await fixture.create(
            R.deployments, fleetWorkload("Deployment", "falcon", replicas: 1, podSpec: fleetPodSpec(gpus: 1)),
            namespace: "default")
        await fixture.settle()
        try await withProxyServer(fixture) { http in
            let missing = try await http.get(proxy("nothing", "/healthz"))
            #expect(missing.status == 404)
            #expect(missing.json["kind"] == "Status")
            #expect(missing.json["reason"] == "NotFound")
            #expect(missing.json["message"] == "services \"nothing\" not found")

            let unready = try await http.send(.post, proxy("falcon:80", "/chat"), text: #"{"prompt":"hello"}"#)
            #expect(unready.status == 503)
            #expect(unready.json["kind"] == "Status")
            #expect(unready.json["reason"] == "ServiceUnavailable")
            #expect(unready.json["message"] == "no endpoints available for service \"falcon\"")

            let denied = try await http.with(token: "viewer-token").get(proxy("falcon", "/healthz"))
            #expect(denied.status == 403)
            #expect(denied.json["message"]?.stringValue?.contains("services/proxy") == true)
        }
    }

    @Test("falcon-7b: once the fleet makes the workspace ready, /healthz and /chat answer through the proxy")
    func falconThroughProxy() async throws {
        let fixture = FleetFixture()
        var driver = KaitoChainDriver(fixture: fixture, configuration: PlannerConfiguration(now: fixture.clock.now()))
        try await fixture.create(R.workspaces, try KaitoChainDriver.example("falcon-7b"), namespace: "default")
        try await withProxyServer(fixture) { http in
            // Before the workspace is ready the proxy answers 404 (no Service yet) or 503 (no Ready pods).
            var before: [Int] = []
            var succeeded = false
            for _ in 0..<8 {
                before.append(try await http.get(proxy("workspace-falcon-7b", "/healthz")).status)
                let plan = try await driver.reconcile("workspace-falcon-7b")
                if plan.status.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .true {
                    succeeded = true
                    break
                }
                before.append(try await http.get(proxy("workspace-falcon-7b", "/healthz")).status)
                await fixture.settle()
                fixture.clock.advance(by: 1)
            }
            #expect(succeeded)
            #expect(before.first == 404)
            #expect(before.contains(503), "statuses before ready: \(before)")

            let wrongPort = try await http.get(proxy("workspace-falcon-7b:9999", "/healthz"))
            #expect(wrongPort.status == 503)

            let health = try await http.get(proxy("workspace-falcon-7b", "/healthz"))
            #expect(health.status == 200)
            #expect(health.json == ["status": "Healthy"])

            let chat = try await http.send(
                .post, proxy("workspace-falcon-7b:80", "/chat?trace=1"),
                text: #"{"prompt": "Tell me about Kaito", "generate_kwargs": {"max_length": 200}}"#)
            #expect(chat.status == 200)
            let result = try #require(chat.json["Result"]?.stringValue)
            #expect(result.hasPrefix("Tell me about Kaito"))
            #expect(result.contains("simulated"))
            #expect(result.contains("falcon-7b"))

            let again = try await http.send(
                .post, proxy("workspace-falcon-7b", "/chat"),
                text: #"{"prompt": "Tell me about Kaito", "generate_kwargs": {"max_length": 200}}"#)
            #expect(again.text == chat.text)

            let bad = try await http.send(.post, proxy("workspace-falcon-7b", "/chat"), text: #"{"prompt": 123}"#)
            #expect(bad.status == 422)
            #expect(bad.json["detail"]?.arrayValue?.first?["type"] == "string_type")

            let wrongMethod = try await http.get(proxy("workspace-falcon-7b", "/chat"))
            #expect(wrongMethod.status == 405)
            let openAIPath = try await http.get(proxy("workspace-falcon-7b", "/v1/models"))
            #expect(openAIPath.status == 404)
            #expect(openAIPath.json == ["detail": "Not Found"])
        }
    }

    @Test("OpenAI-compatible mode (vLLM image): models, completion, streaming to [DONE], 422s")
    func openAIThroughProxy() async throws {
        let fixture = FleetFixture()
        try await seedVLLM(fixture)
        try await withProxyServer(fixture) { http in
            let health = try await http.get(proxy("llama", "/health"))
            #expect(health.status == 200)

            let models = try await http.get(proxy("llama", "/v1/models"))
            #expect(models.status == 200)
            #expect(models.json["object"] == "list")
            #expect(models.json["data"]?.arrayValue?.first?["id"] == "vllm-llama-3-8b")

            let request = #"{"model": "vllm-llama-3-8b", "messages": [{"role": "user", "content": "hello"}]}"#
            let completion = try await http.send(.post, proxy("llama", "/v1/chat/completions"), text: request)
            #expect(completion.status == 200)
            #expect(completion.json["object"] == "chat.completion")
            let choice = try #require(completion.json["choices"]?.arrayValue?.first)
            #expect(choice["finish_reason"] == "stop")
            #expect(choice["message"]?["role"] == "assistant")
            #expect(choice["message"]?["content"]?.stringValue?.contains("simulated") == true)

            let streamBody =
                #"{"model": "vllm-llama-3-8b", "messages": [{"role": "user", "content": "hello"}], "stream": true}"#
            var fields = HTTPFields()
            fields[.authorization] = "Bearer \(adminToken)"
            fields[.contentType] = "application/json"
            let head = HTTPRequest(
                method: .post, scheme: "http", authority: http.server.authority,
                path: proxy("llama", "/v1/chat/completions"), headerFields: fields)
            let response = try await http.transport.send(
                head, body: HTTPRequestBody(string: streamBody), options: .streaming)
            #expect(response.response.status.code == 200)
            #expect(response.response.headerFields[.contentType]?.hasPrefix("text/event-stream") == true)
            var text = ""
            for try await chunk in response.body { text += String(decoding: chunk, as: UTF8.self) }
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.hasPrefix("data: ") })
            #expect(lines.last == "data: [DONE]")
            let events = lines.dropLast().compactMap { JSONText.parse(String($0.dropFirst(6))) }
            #expect(events.count == lines.count - 1)
            #expect(events.first?["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
            let content = events.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }
            #expect(content.joined().contains("simulated"))
            #expect(events.last?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")

            let unknownField = try await http.send(
                .post, proxy("llama", "/v1/chat/completions"),
                text: #"{"messages": [{"role": "user", "content": "hello"}], "foo": 1}"#)
            #expect(unknownField.status == 422)
            #expect(unknownField.json["detail"] == "Unexpected fields in the request: {'foo'}")

            let malformed = try await http.send(.post, proxy("llama", "/v1/chat/completions"), text: #"{"model": "#)
            #expect(malformed.status == 422)
            #expect(malformed.json["detail"]?.arrayValue?.first?["type"] == "json_invalid")

            let wrongModel = try await http.send(
                .post, proxy("llama", "/v1/chat/completions"),
                text: #"{"model": "gpt-4", "messages": [{"role": "user", "content": "hello"}], "stream": true}"#)
            #expect(wrongModel.status == 400)
            #expect(wrongModel.headers[.contentType] == "application/json")
        }
    }
}

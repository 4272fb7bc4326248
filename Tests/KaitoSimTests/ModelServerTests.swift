import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

private func json(_ response: ModelServerResponse) -> JSONValue {
    (try? JSONDecoder().decode(JSONValue.self, from: response.data)) ?? .null
}

private func post(
    _ server: SimulatedModelServer, _ path: String, _ body: String?, contentType: String = "application/json"
)
    -> ModelServerResponse
{
    server.respond(
        to: ModelServerRequest(
            method: "POST", path: path, headers: ["Content-Type": contentType], body: body.map { Data($0.utf8) }))
}

@Suite("Simulated model server")
struct ModelServerTests {
    @Test("The runtime follows the pod's label, environment, image and pipeline; tfs by default")
    func runtimeSelection() {
        func pod(image: String, labels: [String: JSONValue] = [:], env: [JSONValue] = [], args: [JSONValue] = [])
            -> JSONValue
        {
            [
                "metadata": ["labels": .object(labels)],
                "spec": ["containers": [["image": .string(image), "env": .array(env), "args": .array(args)]]],
            ]
        }
        let falcon = SimulatedModelServer.forPod(pod(image: "mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.4"))
        #expect(falcon.runtime == .textGeneration)
        #expect(falcon.modelName == "falcon-7b")
        #expect(SimulatedModelServer.forPod(pod(image: "repo/vllm-openai:v0.5")).runtime == .vllm)
        #expect(
            SimulatedModelServer.forPod(pod(image: "x/kaito-phi-3:1", args: ["--pipeline", "conversational"])).runtime
                == .conversational)
        #expect(
            SimulatedModelServer.forPod(pod(image: "x/y:1", labels: [SimulatedModelServer.runtimeLabel: "openai"]))
                .runtime == .openAI)
        #expect(
            SimulatedModelServer.forPod(
                pod(image: "x/y:1", env: [["name": "KAITO_SIM_MODEL_SERVER", "value": "tfs-conversational"]])
            ).runtime == .conversational)
    }

    @Test("tfs text generation: Result, return_full_text, length limits, 400 and 422 shapes, 404 and 405")
    func textGeneration() {
        let server = SimulatedModelServer(modelName: "falcon-7b")
        let ok = post(server, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": "200"}}"#)
        #expect(ok.status == 200)
        let result = json(ok)["Result"]?.stringValue ?? ""
        #expect(result.hasPrefix("hello This is a simulated response from kaito-sim for model falcon-7b"))
        #expect(
            post(server, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": "200"}}"#).data == ok.data)
        let short = post(
            server, "/chat",
            #"{"prompt": "hello", "return_full_text": false, "generate_kwargs": {"max_new_tokens": 3}}"#)
        #expect(json(short)["Result"] == " This is a")
        #expect(post(server, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": 1}}"#).status == 500)
        #expect(json(post(server, "/chat", "{}")) == ["detail": "Text generation parameter prompt required"])
        #expect(post(server, "/chat", "{}").status == 400)
        let missing = post(server, "/chat", nil)
        #expect(missing.status == 422)
        #expect(
            json(missing) == ["detail": [["type": "missing", "loc": ["body"], "msg": "Field required", "input": nil]]])
        let fractional = post(server, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": 20.5}}"#)
        #expect(json(fractional)["detail"]?.arrayValue?.first?["type"] == "int_from_float")
        #expect(
            json(post(server, "/chat", "hello", contentType: "text/plain"))["detail"]?.arrayValue?.first?["input"]
                == "hello")
        let malformed = post(server, "/chat", #"{"prompt": "hello""#)
        #expect(json(malformed)["detail"]?.arrayValue?.first?["loc"] == ["body", 18])
        let get = server.respond(to: ModelServerRequest(method: "GET", path: "/chat"))
        #expect(get.status == 405)
        #expect(get.header("allow") == "POST")
        #expect(server.respond(to: ModelServerRequest(method: "GET", path: "/v1/models")).status == 404)
    }

    @Test("tfs conversational: messages in, a Python-repr assistant message out")
    func conversational() {
        let server = SimulatedModelServer(runtime: .conversational, modelName: "phi-3")
        let ok = post(server, "/chat", #"{"messages": [{"role": "user", "content": "hello"}]}"#)
        let result = json(ok)["Result"]?.stringValue ?? ""
        #expect(result.hasPrefix("{'role': 'assistant', 'content': 'This is a simulated response"))
        #expect(
            json(post(server, "/chat", #"{"prompt": "hello"}"#)) == [
                "detail": "Conversational parameter messages required"
            ])
        let noContent = post(server, "/chat", #"{"messages": [{"role": "user"}]}"#)
        #expect(noContent.status == 422)
        #expect(json(noContent)["detail"]?.arrayValue?.first?["loc"] == ["body", "messages", 0, "content"])
    }

    @Test("OpenAI-compatible transformers server: pinned model, max_tokens, x-request-id, stream without [DONE]")
    func openAITransformers() {
        let server = SimulatedModelServer(runtime: .openAI, modelName: "tiny-llama")
        let request = ModelServerRequest(
            method: "POST", path: "/v1/chat/completions", headers: ["x-request-id": "my-req-123"],
            body: Data(
                #"{"model": "tiny-llama", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 3}"#.utf8))
        let body = json(server.respond(to: request))
        #expect(body["id"] == "my-req-123")
        #expect(body["model"] == "/workspace/tfs/weights@main")
        #expect(body["choices"]?.arrayValue?.first?["finish_reason"] == "length")
        #expect(body["usage"]?["completion_tokens"] == 3)
        let wrong = post(
            server, "/v1/chat/completions", #"{"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}"#)
        #expect(json(wrong) == ["detail": "Server is pinned to '/workspace/tfs/weights@main'; requested 'gpt-4'."])
        #expect(post(server, "/v1/chat/completions", #"{"model": "tiny-llama"}"#).status == 500)
        #expect(json(post(server, "/v1/chat/completions", "[]"))["detail"]?.arrayValue?.first?["type"] == "dict_type")
        let stream = post(
            server, "/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hello"}], "stream": true}"#)
        guard case .chunked(let chunks) = stream.body else {
            Issue.record("expected a chunked body")
            return
        }
        #expect(chunks.count > 3)
        #expect(!String(decoding: stream.data, as: UTF8.self).contains("[DONE]"))
        #expect(server.respond(to: ModelServerRequest(method: "GET", path: "/healthz")).status == 404)
    }
}

import Foundation
import KaitoCore
import KaitoHTTP
import KaitoTestSupport
import Testing

@testable import KaitoK8s

/// Runs `body` with an inference client talking straight to a recorded-exchange server of `flavor`.
private func withServer<T: Sendable>(
    _ flavor: RecordedModelServer.Flavor, _ body: (InferenceClient, RecordedModelServer) async throws -> T
) async throws -> T {
    let server = RecordedModelServer(flavor: flavor)
    return try await server.run { url in
        let client = InferenceClient(transport: try DirectInferenceTransport(baseURL: url))
        return try await body(client, server)
    }
}

/// The error `body` throws, which must be an ``InferenceError``.
private func inferenceError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation)
    async -> InferenceError?
{
    do {
        try await body()
        Issue.record("expected an InferenceError", sourceLocation: sourceLocation)
        return nil
    } catch let error as InferenceError {
        return error
    } catch {
        Issue.record("expected an InferenceError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite("Inference client against recorded model server exchanges")
struct InferenceClientTests {
    // MARK: Detection

    @Test("Each runtime is detected by probing")
    func detection() async throws {
        try await withServer(.textGeneration) { client, server in
            let detected = try await client.detectRuntime()
            #expect(detected == DetectedRuntime(runtime: .textGeneration))
            #expect(server.received.paths == ["/v1/models", "/healthz", "/chat"])
            #expect(server.received.bodies("/chat") == [[:]])
        }
        try await withServer(.conversational) { client, _ in
            let detected = try await client.detectRuntime()
            #expect(detected == DetectedRuntime(runtime: .conversational))
        }
        try await withServer(.openAI) { client, server in
            let detected = try await client.detectRuntime()
            #expect(detected == DetectedRuntime(runtime: .openAI, model: "tiny-llama"))
            #expect(server.received.paths == ["/v1/models"])
        }
    }

    @Test("A server without any known API is a one-line error naming each probe")
    func unknownServer() async throws {
        let server = RecordedModelServer(flavor: .textGeneration)
        try await server.run { url in
            // A path prefix under which nothing exists: every probe is a 404.
            let client = InferenceClient(transport: try DirectInferenceTransport(baseURL: url + "/nothing"))
            let error = await inferenceError { _ = try await client.detectRuntime() }
            #expect(error?.kind == .unsupportedRuntime)
            #expect(error?.message.contains("GET /v1/models → 404, GET /healthz → 404, GET /health → 404") == true)
        }
    }

    @Test("An unreachable endpoint is an unreachable error")
    func unreachable() async throws {
        let client = InferenceClient(transport: try DirectInferenceTransport(baseURL: "http://127.0.0.1:1"))
        let error = await inferenceError { _ = try await client.detectRuntime() }
        #expect(error?.kind == .unreachable)
        #expect(error?.message.hasPrefix("cannot reach the model server at http://127.0.0.1:1") == true)
        #expect(error?.message.contains("\n") == false)
    }

    // MARK: v0.3.1 text-generation

    @Test("v0.3.1 text-generation: prompt, max tokens as max_new_tokens, the Result text")
    func textGeneration() async throws {
        try await withServer(.textGeneration) { client, server in
            let runtime = DetectedRuntime(runtime: .textGeneration)
            let reply = try await client.chat(ChatRequest(prompt: "hello", maxTokens: 5), runtime: runtime)
            #expect(reply.text == "hello I am a sm")
            #expect(reply.raw == [#"{"Result":"hello I am a sm"}"#])
            #expect(
                server.received.bodies("/chat").last
                    == ["prompt": "hello", "return_full_text": false, "generate_kwargs": ["max_new_tokens": 5]])

            let joke = try await client.chat(ChatRequest(prompt: "Tell me a joke", temperature: 0), runtime: runtime)
            #expect(joke.text == ". Why did the scarecrow win an award? Because he was outstanding in his field.")
            // Temperature 0 is greedy decoding: v0.3.1 fails on temperature 0 with sampling on.
            #expect(server.received.bodies("/chat").last?["generate_kwargs"] == ["do_sample": false])

            _ = try await client.chat(
                ChatRequest(prompt: "hi", system: "Be brief.", temperature: 0.7, stream: true), runtime: runtime)
            let sent = server.received.bodies("/chat").last
            #expect(sent?["prompt"] == "Be brief.\n\nhi")
            #expect(sent?["generate_kwargs"] == ["temperature": .double(0.7)])
            #expect(sent?["stream"] == nil)
        }
    }

    @Test("v0.3.1 text-generation errors: 400, 422 list, plain-text 500, 429 with Retry-After")
    func textGenerationErrors() async throws {
        try await withServer(.textGeneration) { client, _ in
            let runtime = DetectedRuntime(runtime: .textGeneration)
            let empty = await inferenceError { _ = try await client.chat(ChatRequest(prompt: ""), runtime: runtime) }
            #expect(empty?.kind == .badRequest)
            #expect(empty?.statusCode == 400)
            #expect(
                empty?.message
                    == "the model server rejected the request (400 Bad Request): Text generation parameter prompt required"
            )

            // The recorded 500 for temperature 0 with sampling on, provoked through the raw transport path.
            let serverError = InferenceError(
                statusCode: 500, body: Data("Internal Server Error".utf8), contentType: "text/plain; charset=utf-8")
            #expect(serverError.kind == .serverError)
            #expect(
                serverError.message
                    == "the model server failed (500 Internal Server Error): Internal Server Error; its log (kubectl logs) has the cause"
            )

            let busy = await inferenceError {
                _ = try await client.chat(ChatRequest(prompt: "rate-limit-me"), runtime: runtime)
            }
            #expect(busy?.kind == .rateLimited)
            #expect(busy?.retryAfter == "7")
            #expect(
                busy?.message
                    == "the model server is busy (429 Too Many Requests): Too many requests, slow down; retry after 7s")
        }
    }

    @Test("Recorded 422 bodies become field: msg items; string details are used as is")
    func validationDetails() {
        let list = InferenceError(
            statusCode: 422,
            body: Data(
                #"{"detail":[{"type":"int_parsing","loc":["body","generate_kwargs","max_length"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
                    .utf8), contentType: "application/json")
        #expect(list.kind == .validation)
        #expect(
            list.message
                == "the model server rejected the request as invalid (422 Unprocessable Entity): generate_kwargs.max_length: Input should be a valid integer, unable to parse string as an integer"
        )
        let missing = InferenceError(
            statusCode: 422, body: Data(RecordedModelServer.missingBody.utf8), contentType: "application/json")
        #expect(missing.message.hasSuffix("(422 Unprocessable Entity): Field required"))
        let nested = InferenceError(
            statusCode: 422,
            body: Data(
                #"{"detail":[{"type":"missing","loc":["body","messages",0,"content"],"msg":"Field required","input":{"role":"user"}},{"type":"x","loc":["body","prompt"],"msg":"bad"}]}"#
                    .utf8), contentType: "application/json")
        #expect(nested.message.hasSuffix(": messages.0.content: Field required; prompt: bad"))
        let string = InferenceError(
            statusCode: 422, body: Data(RecordedModelServer.unexpectedFields.utf8), contentType: "application/json")
        #expect(string.message.hasSuffix(": Unexpected fields in the request: {'foo'}"))
        let notFound = InferenceError(statusCode: 404, body: Data(RecordedModelServer.notFound.utf8), contentType: nil)
        #expect(notFound.kind == .unexpectedStatus)
        #expect(notFound.message == "the model server answered 404 Not Found: Not Found")
        let noRetryAfter = InferenceError(statusCode: 429, body: Data(), contentType: nil)
        #expect(noRetryAfter.message == "the model server is busy (429 Too Many Requests): (empty body); retry later")
    }

    // MARK: v0.3.1 conversational

    @Test("v0.3.1 conversational: messages with the system text, the content of the Python dict Result")
    func conversational() async throws {
        try await withServer(.conversational) { client, server in
            let runtime = DetectedRuntime(runtime: .conversational)
            let hello = try await client.chat(ChatRequest(prompt: "hello"), runtime: runtime)
            #expect(hello.text == "Hello! How can I help you today?")
            #expect(server.received.bodies("/chat").last == ["messages": [["role": "user", "content": "hello"]]])

            let system = try await client.chat(
                ChatRequest(prompt: "What is Kaito?", system: "You are a helpful assistant.", maxTokens: 40),
                runtime: runtime)
            #expect(system.text == "The weather today is sunny with a light breeze.")
            #expect(
                server.received.bodies("/chat").last
                    == [
                        "messages": [
                            ["role": "system", "content": "You are a helpful assistant."],
                            ["role": "user", "content": "What is Kaito?"],
                        ],
                        "generate_kwargs": ["max_new_tokens": 40],
                    ])

            let history = [
                ChatMessage(role: "user", content: "hello"),
                ChatMessage(role: "assistant", content: "Hello! How can I help you today?"),
            ]
            let multi = try await client.chat(ChatRequest(prompt: "Tell me a joke", history: history), runtime: runtime)
            #expect(multi.text == "assistant\nassistant\nassistant\nThe weather today is sunny with a light breeze.")
            #expect(server.received.bodies("/chat").last?["messages"]?.arrayValue?.count == 3)
        }
    }

    @Test("The Python dict reader handles both quote styles and escapes")
    func pythonLiteral() {
        #expect(PythonLiteral.content(ofDict: #"{'role': 'assistant', 'content': 'It\'s \\ ok\n'}"#) == "It's \\ ok\n")
        #expect(PythonLiteral.content(ofDict: #"{'role': 'assistant', 'content': "It's fine"}"#) == "It's fine")
        #expect(PythonLiteral.content(ofDict: #"{'content': 'caf\xe9 \u2713'}"#) == "café ✓")
        #expect(PythonLiteral.content(ofDict: "plain text") == nil)
        #expect(PythonLiteral.content(ofDict: "{'role': 'assistant'}") == nil)
    }

    // MARK: OpenAI-compatible

    @Test("OpenAI-compatible: model from /v1/models, max_tokens, temperature, finish reasons")
    func openAI() async throws {
        try await withServer(.openAI) { client, server in
            let runtime = try await client.detectRuntime()
            let reply = try await client.chat(ChatRequest(prompt: "hello", maxTokens: 20), runtime: runtime)
            #expect(reply.text == "Hello! How can I help you today?")
            #expect(reply.finishReason == "stop")
            #expect(reply.raw == [RecordedModelServer.completion])
            #expect(
                server.received.bodies("/v1/chat/completions").last
                    == ["model": "tiny-llama", "messages": [["role": "user", "content": "hello"]], "max_tokens": 20])

            let short = try await client.chat(ChatRequest(prompt: "hello", maxTokens: 3), runtime: runtime)
            #expect(short.text == "Hello! How")
            #expect(short.finishReason == "length")

            let system = try await client.chat(
                ChatRequest(prompt: "What is Kaito?", system: "You are a helpful assistant.", temperature: 0),
                runtime: runtime)
            #expect(system.text == "The weather today is sunny with a light breeze.")
            let sent = server.received.bodies("/v1/chat/completions").last
            #expect(sent?["temperature"]?.isSemanticallyEqual(to: .double(0)) == true)
            #expect(
                sent?["messages"]?.arrayValue?.first == ["role": "system", "content": "You are a helpful assistant."])
        }
    }

    @Test("OpenAI-compatible streams: deltas as they arrive, without and with data: [DONE]")
    func streams() async throws {
        for flavor in [RecordedModelServer.Flavor.openAI, .openAIWithDone] {
            try await withServer(flavor) { client, server in
                let runtime = try await client.detectRuntime()
                let pieces = Locked<[String]>([])
                let reply = try await client.chat(ChatRequest(prompt: "hello", stream: true), runtime: runtime) {
                    delta in pieces.withLock { $0.append(delta.text) }
                }
                #expect(reply.text == "Hello! How can I help you today?")
                #expect(reply.finishReason == "stop")
                #expect(pieces.withLock { $0 } == ["", "Hello", "!", " How", " can", " I", " help", " you", " today", "?", ""])
                #expect(reply.raw.count == 11)
                #expect(!reply.raw.contains("[DONE]"))
                #expect(server.received.bodies("/v1/chat/completions").last?["stream"] == true)

                let short = try await client.chat(
                    ChatRequest(prompt: "hello", maxTokens: 3, stream: true), runtime: runtime)
                #expect(short.text == "Hello! How")
                #expect(short.finishReason == "length")
            }
        }
    }

    @Test("OpenAI-compatible errors: 400 (also when streaming), 422 string detail, plain-text 500, 429")
    func openAIErrors() async throws {
        try await withServer(.openAI) { client, _ in
            let wrongModel = DetectedRuntime(runtime: .openAI, model: "gpt-4")
            for stream in [false, true] {
                let error = await inferenceError {
                    _ = try await client.chat(ChatRequest(prompt: "hello", stream: stream), runtime: wrongModel)
                }
                #expect(error?.kind == .badRequest)
                #expect(
                    error?.message
                        == "the model server rejected the request (400 Bad Request): Server is pinned to '/workspace/tfs/weights@main'; requested 'gpt-4'."
                )
            }
            let runtime = try await client.detectRuntime()
            let busy = await inferenceError {
                _ = try await client.chat(ChatRequest(prompt: "rate-limit-me", stream: true), runtime: runtime)
            }
            #expect(busy?.kind == .rateLimited)
            #expect(busy?.message.hasSuffix("; retry after 7s") == true)
        }
        // The recorded plain-text 500 and 422 answers, read through the transport.
        let server = RecordedModelServer(flavor: .openAI)
        try await server.run { url in
            let transport = try DirectInferenceTransport(baseURL: url)
            for (body, expected) in [
                (
                    #"{"model": "tiny-llama", "messages": []}"#,
                    "the model server failed (500 Internal Server Error): Internal Server Error; its log (kubectl logs) has the cause"
                ),
                (
                    #"{"model": "tiny-llama", "messages": [{"role": "user", "content": "hello"}], "foo": 1}"#,
                    "the model server rejected the request as invalid (422 Unprocessable Entity): Unexpected fields in the request: {'foo'}"
                ),
                (
                    #"[]"#,
                    "the model server rejected the request as invalid (422 Unprocessable Entity): JSON decode error at position 37 (Expecting value)"
                ),
            ] {
                let answer = try await transport.send(
                    InferenceHTTPRequest(method: .post, path: "/v1/chat/completions", body: Data(body.utf8)))
                let data = try await answer.body.collect(upTo: 1 << 20)
                let error = await inferenceError { try InferenceClient.check(answer, data) }
                #expect(error?.message == expected)
            }
        }
    }

    // MARK: Through the API server's service proxy

    @Test("Through the service proxy: a missing Service and the sim's OpenAI model server")
    func serviceProxy() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let missing = await inferenceError {
                _ = try await WorkspaceInferenceTarget.resolve(client: client, namespace: "default", name: "nothing")
            }
            #expect(missing?.kind == .serviceNotFound)
            #expect(missing?.message.hasPrefix("workspace \"nothing\" not found in namespace \"default\"") == true)

            _ = try await client.resource(Service.self).create(
                Service(
                    name: "llama", namespace: "default",
                    content: ["spec": ["selector": ["app": "llama"], "ports": [["port": 80, "targetPort": 5000]]]]))
            let target = try await WorkspaceInferenceTarget.resolve(client: client, namespace: "default", name: "llama")
            let inference = InferenceClient(transport: target.transport)
            let notReady = await inferenceError { _ = try await inference.detectRuntime() }
            #expect(notReady?.kind == .notReady)

            let pods = client.resource(Pod.self)
            _ = try await pods.create(
                Pod(
                    name: "llama-0", namespace: "default", labels: ["app": "llama"],
                    content: [
                        "spec": ["containers": [["name": "main", "image": "example.com/kaito/vllm-llama-3-8b:0.1.0"]]]
                    ]))
            _ = try await pods.patchStatus(
                "llama-0",
                .merge(["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]))
            let runtime = try await inference.detectRuntime()
            #expect(runtime == DetectedRuntime(runtime: .openAI, model: "vllm-llama-3-8b"))
            let pieces = Locked<[String]>([])
            let reply = try await inference.chat(ChatRequest(prompt: "hello", stream: true), runtime: runtime) {
                delta in
                pieces.withLock { list in list.append(delta.text) }
            }
            #expect(reply.text.contains("simulated"))
            #expect(pieces.withLock { $0 }.count > 3)
            let whole = try await inference.chat(ChatRequest(prompt: "hello"), runtime: runtime)
            #expect(whole.text == reply.text)
        }
    }
}

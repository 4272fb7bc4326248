import Foundation
import KaitoTestSupport
import Testing

@testable import KaitoK8s

/// Every recorded error exchange, sent raw to the loopback server: each becomes one readable line.
@Suite("Recorded error exchanges become one-line inference errors")
struct InferenceErrorExchangeTests {
    static let bad = "the model server rejected the request (400 Bad Request): "
    static let invalid = "the model server rejected the request as invalid (422 Unprocessable Entity): "
    static let failed =
        "the model server failed (500 Internal Server Error): Internal Server Error; its log (kubectl logs) has the cause"

    static let cases: [(RecordedModelServer.Flavor, String, String?, String)] = [
        (.textGeneration, "/chat", "{}", bad + "Text generation parameter prompt required"),
        (.textGeneration, "/chat", #"{"prompt": ""}"#, bad + "Text generation parameter prompt required"),
        (
            .textGeneration, "/chat", #"{"messages": [{"role": "user", "content": "hello"}]}"#,
            bad + "Text generation parameter prompt required"
        ),
        (.textGeneration, "/chat", nil, invalid + "Field required"),
        (.textGeneration, "/chat", #"{"prompt": 123}"#, invalid + "prompt: Input should be a valid string"),
        (
            .textGeneration, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": "abc"}}"#,
            invalid
                + "generate_kwargs.max_length: Input should be a valid integer, unable to parse string as an integer"
        ),
        (
            .textGeneration, "/chat", "[]",
            invalid + "Input should be a valid dictionary or object to extract fields from"
        ),
        (.textGeneration, "/chat", #"{"prompt": "hello", "generate_kwargs": {"max_length": 1}}"#, failed),
        (.textGeneration, "/chat", #"{"prompt": "hello", "generate_kwargs": {"temperature": 0}}"#, failed),
        (.conversational, "/chat", #"{"prompt": "hello"}"#, bad + "Conversational parameter messages required"),
        (.conversational, "/chat", #"{"messages": []}"#, bad + "Conversational parameter messages required"),
        (
            .conversational, "/chat", #"{"messages": [{"role": "user"}]}"#,
            invalid + "messages.0.content: Field required"
        ),
        (.conversational, "/chat", #"{"messages": "hello"}"#, invalid + "messages: Input should be a valid list"),
        (
            .openAI, "/v1/chat/completions", #"{"model": "gpt-4", "messages": [{"role": "user", "content": "hello"}]}"#,
            bad + "Server is pinned to '/workspace/tfs/weights@main'; requested 'gpt-4'."
        ),
        (
            .openAI, "/v1/chat/completions",
            #"{"model": "tiny-llama", "messages": [{"role": "user", "content": "hello"}], "foo": 1}"#,
            invalid + "Unexpected fields in the request: {'foo'}"
        ),
        (.openAI, "/v1/chat/completions", #"{"model": "tiny-llama"}"#, failed),
        (.openAI, "/v1/chat/completions", "{}", failed),
        (.openAI, "/v1/chat/completions", #"{"model": "tiny-llama", "messages": []}"#, failed),
        (.openAI, "/v1/chat/completions", nil, invalid + "Field required"),
    ]

    @Test("400, 422 (list and string detail) and plain-text 500 answers")
    func recordedErrors() async throws {
        for flavor in [RecordedModelServer.Flavor.textGeneration, .conversational, .openAI] {
            let server = RecordedModelServer(flavor: flavor)
            try await server.run { url in
                let transport = try DirectInferenceTransport(baseURL: url)
                for (caseFlavor, path, body, expected) in Self.cases where caseFlavor == flavor {
                    let answer = try await transport.send(
                        InferenceHTTPRequest(method: .post, path: path, body: body.map { Data($0.utf8) }))
                    let data = try await answer.body.collect(upTo: 1 << 20)
                    do {
                        try InferenceClient.check(answer, data)
                        Issue.record("\(path) \(body ?? "(no body)") was accepted")
                    } catch let error as InferenceError {
                        #expect(error.message == expected, "\(path) \(body ?? "(no body)")")
                        #expect(!error.message.contains("\n"))
                    }
                }
            }
        }
    }
}

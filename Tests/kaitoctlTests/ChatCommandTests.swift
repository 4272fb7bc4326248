import Foundation
import KaitoCore
import KaitoK8s
import KaitoSim
import KaitoTestSupport
import Testing

/// Runs the built `kaitoctl chat` with `arguments` and `stdin` as standard input.
private func chat(_ arguments: [String], stdin: String = "", timeout: Double = 60) async throws -> ChildProcess.Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaitoctl-chat-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    var environment = ProcessInfo.processInfo.environment
    environment["KUBECONFIG"] = nil
    environment["HOME"] = directory.path
    return try await ChildProcess.run(
        try KaitoctlBinary.url().path, ["chat"] + arguments, environment: environment, in: directory, input: stdin,
        timeoutSeconds: timeout)
}

/// A Service `name` (port 80) with one Ready pod that the sim's service proxy answers as model server `runtime`.
private func seedModelServer(_ cluster: ClusterHarness, name: String, runtime: SimulatedModelServer.Runtime)
    async throws
{
    let client = cluster.client
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
            name: "\(name)-0", namespace: "default",
            labels: ["app": name, SimulatedModelServer.runtimeLabel: runtime.rawValue],
            content: ["spec": ["containers": [["name": "main", "image": "example.com/kaito/kaito-falcon-7b:0.0.6"]]]]))
    _ = try await pods.patchStatus(
        "\(name)-0", .merge(["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]))
}

extension KaitoctlCLITests {
    @Suite("kaitoctl chat")
    struct ChatCommandTests {
        @Test("--endpoint, v0.3.1 text-generation: the answer, --stream answers whole, -o json is the raw body")
        func textGenerationEndpoint() async throws {
            let server = RecordedModelServer(flavor: .textGeneration)
            try await server.run { url in
                let plain = try await chat([
                    "--endpoint", url, "--prompt", "hello", "--max-tokens", "5",
                ])
                #expect(plain.status == 0, "\(plain.errors)")
                #expect(plain.output == "hello I am a sm\n")
                #expect(plain.errors == "")
                #expect(
                    server.received.bodies("/chat").last
                        == ["prompt": "hello", "return_full_text": false, "generate_kwargs": ["max_new_tokens": 5]])

                let streamed = try await chat(["--endpoint", url, "--prompt", "Tell me a joke", "--stream"])
                #expect(streamed.status == 0)
                #expect(
                    streamed.output
                        == ". Why did the scarecrow win an award? Because he was outstanding in his field.\n")

                let json = try await chat(["--endpoint", url, "--prompt", "hello", "--max-tokens", "5", "-o", "json"])
                #expect(json.status == 0)
                #expect(json.output == #"{"Result":"hello I am a sm"}"# + "\n")
            }
        }

        @Test("--endpoint, OpenAI-compatible: whole and streamed answers, -o json, with and without [DONE]")
        func openAIEndpoint() async throws {
            for flavor in [RecordedModelServer.Flavor.openAI, .openAIWithDone] {
                let server = RecordedModelServer(flavor: flavor)
                try await server.run { url in
                    let whole = try await chat(["--endpoint", url, "--prompt", "hello", "--max-tokens", "3"])
                    #expect(whole.status == 0, "\(whole.errors)")
                    #expect(whole.output == "Hello! How\n")
                    #expect(server.received.bodies("/v1/chat/completions").last?["model"] == "tiny-llama")

                    let streamed = try await chat(["--endpoint", url, "--prompt", "hello", "--stream"])
                    #expect(streamed.status == 0, "\(streamed.errors)")
                    #expect(streamed.output == "Hello! How can I help you today?\n")

                    let json = try await chat(["--endpoint", url, "--prompt", "hello", "-o", "json"])
                    #expect(json.output == RecordedModelServer.completion + "\n")

                    let events = try await chat(["--endpoint", url, "--prompt", "hello", "--stream", "-o", "json"])
                    let lines = outputLines(events.output)
                    #expect(lines.count == 11)
                    #expect(lines.allSatisfy { $0.hasPrefix(#"{"id":"1b56d9da"#) })
                }
            }
        }

        @Test("Model server errors are one line on standard error and exit 1")
        func serverErrors() async throws {
            let server = RecordedModelServer(flavor: .textGeneration)
            try await server.run { url in
                let busy = try await chat(["--endpoint", url, "--prompt", "rate-limit-me"])
                #expect(busy.status == 1)
                #expect(busy.output == "")
                #expect(
                    busy.errors
                        == "the model server is busy (429 Too Many Requests): Too many requests, slow down; retry after 7s\n"
                )

                let greedyOff = try await chat(["--endpoint", url, "--prompt", "", "--temperature", "0"])
                #expect(greedyOff.status == 1)
                #expect(
                    greedyOff.errors
                        == "the model server rejected the request (400 Bad Request): Text generation parameter prompt required\n"
                )
            }
            let openAI = RecordedModelServer(flavor: .openAI)
            try await openAI.run { url in
                let busy = try await chat(["--endpoint", url, "--prompt", "rate-limit-me", "--stream"])
                #expect(busy.status == 1)
                #expect(outputLines(busy.errors).count == 1)
            }
            let unreachable = try await chat(["--endpoint", "http://127.0.0.1:1", "--prompt", "hi"])
            #expect(unreachable.status == 4)
            #expect(unreachable.errors.hasPrefix("cannot reach the model server at http://127.0.0.1:1"))
            #expect(outputLines(unreachable.errors).count == 1)

            let usage = try await chat(["--prompt", "hi"])
            #expect(usage.status == 2)
            let badTokens = try await chat(["--endpoint", "http://127.0.0.1:1", "--prompt", "hi", "--max-tokens", "0"])
            #expect(badTokens.status == 2)
        }

        @Test("Interactive: the OpenAI conversation is kept; v0.3.1 text-generation sends each prompt alone")
        func interactive() async throws {
            let server = RecordedModelServer(flavor: .openAI)
            try await server.run { url in
                let session = try await chat(
                    ["--endpoint", url], stdin: "hello\n\nWhat is the weather?\n/exit\nignored\n")
                #expect(session.status == 0, "\(session.errors)")
                #expect(outputLines(session.output).count == 2)
                let bodies = server.received.bodies("/v1/chat/completions")
                #expect(bodies.count == 2)
                #expect(
                    bodies.last?["messages"]
                        == [
                            ["role": "user", "content": "hello"],
                            ["role": "assistant", "content": "Hello! How can I help you today?"],
                            ["role": "user", "content": "What is the weather?"],
                        ])
            }
            let conversational = RecordedModelServer(flavor: .conversational)
            try await conversational.run { url in
                let session = try await chat(["--endpoint", url], stdin: "hello\nTell me a joke\n")
                #expect(session.status == 0, "\(session.errors)")
                #expect(
                    session.output
                        == "Hello! How can I help you today?\nassistant\nassistant\nassistant\nThe weather today is sunny with a light breeze.\n"
                )
                #expect(session.errors == "")
                #expect(conversational.received.bodies("/chat").last?["messages"]?.arrayValue?.count == 3)
            }
            let tfs = RecordedModelServer(flavor: .textGeneration)
            try await tfs.run { url in
                let session = try await chat(["--endpoint", url], stdin: "hello\nrate-limit-me\nhello")
                #expect(session.status == 1)
                #expect(session.output == "hello I am a small language model\nhello I am a small language model\n")
                let lines = outputLines(session.errors)
                #expect(
                    lines.first?.hasPrefix(
                        "note: Kaito v0.3.1 transformers (text-generation) answers each prompt on its own") == true)
                #expect(lines.count == 2)
                #expect(server.received.bodies("/chat").isEmpty)
                #expect(
                    tfs.received.bodies("/chat").dropFirst().allSatisfy { $0["prompt"] != nil && $0["messages"] == nil }
                )
            }
        }

        @Test("Through the sim's service proxy: tfs and openai model servers, unknown workspace, unreachable cluster")
        func throughServiceProxy() async throws {
            try await ClusterHarness.run(fleet: false) { cluster in
                try await seedModelServer(cluster, name: "falcon", runtime: .textGeneration)
                try await seedModelServer(cluster, name: "llama", runtime: .openAI)

                let tfs = try await cluster.kaitoctl(["chat", "falcon", "--prompt", "What is Kaito?", "-v"])
                #expect(tfs.status == 0, "\(tfs.errors)")
                #expect(tfs.output.contains("simulated response from kaito-sim"))
                #expect(
                    tfs.errors.contains(
                        "chat: Kaito v0.3.1 transformers (text-generation) at service default/falcon:80"))

                let json = try await cluster.kaitoctl([
                    "chat", "falcon", "--prompt", "hi", "-o", "json", "-n", "default",
                ])
                #expect(json.status == 0)
                #expect((parseJSON(json.output) as? [String: Any])?["Result"] is String)

                let openAI = try await cluster.kaitoctl([
                    "chat", "llama", "--prompt", "hello", "--stream", "--max-tokens", "4",
                ])
                #expect(openAI.status == 0, "\(openAI.errors)")
                #expect(openAI.output == "This is a simulated\n")

                let bad = try await cluster.kaitoctl(["chat", "falcon", "--prompt", ""])
                #expect(bad.status == 1)
                #expect(
                    bad.errors
                        == "the model server rejected the request (400 Bad Request): Text generation parameter prompt required\n"
                )

                let missing = try await cluster.kaitoctl(["chat", "nothing", "--prompt", "hi"])
                #expect(missing.status == 1)
                #expect(missing.errors.hasPrefix("workspace \"nothing\" not found in namespace \"default\""))

                let original = try String(contentsOf: cluster.kubeconfig, encoding: .utf8)
                let unreachable = try cluster.write(
                    "unreachable-kubeconfig",
                    original.replacingOccurrences(of: cluster.server.url, with: "https://127.0.0.1:1"))
                let down = try await cluster.kaitoctl(
                    ["chat", "falcon", "--prompt", "hi", "--kubeconfig", unreachable], kubeconfig: false)
                #expect(down.status == 4)
                #expect(outputLines(down.errors).count == 1)
            }
        }
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `-o text|json` for `kaitoctl chat`.
enum ChatOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// `kaitoctl chat`: ask a workspace's model a question, through the API server's service proxy.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a workspace's model through the API server (no port-forward needed).",
        discussion: """
            Finds the Service of workspace NAME (same name, port 80) and talks to it through the API server's \
            service proxy, or straight to --endpoint. The inference API is detected by probing: OpenAI-compatible \
            (GET /v1/models or /health answers), or Kaito v0.3.1 transformers (GET /healthz answers; POST /chat, \
            text-generation or conversational pipeline). Without --prompt, reads prompts from standard input, one \
            per line, until end of input or /exit; OpenAI-compatible and conversational servers get the whole \
            conversation, the v0.3.1 text-generation server each prompt on its own. --stream prints tokens as they \
            arrive (OpenAI-compatible servers; others answer whole). -o json prints the server's raw answer (for a \
            stream, each event's JSON on its own line). Model server errors (400, 422, 429, 500) are one line on \
            standard error and exit 1.

            \(exitCodeHelp)
            """
    )

    @Argument(help: "The workspace (its Service has the same name). Optional with --endpoint.")
    var name: String?

    @Option(help: "The prompt; without it, an interactive session reads prompts from standard input.")
    var prompt: String?

    @Option(
        help: "A system instruction (a system message; for text-generation servers, a paragraph before the prompt).")
    var system: String?

    @Option(
        name: .customLong("max-tokens"),
        help: "The most tokens to generate (OpenAI max_tokens, v0.3.1 generate_kwargs.max_new_tokens).")
    var maxTokens: Int?

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Double?

    @Flag(help: "Print tokens as they arrive (OpenAI-compatible servers).")
    var stream = false

    @Option(
        help: ArgumentHelp("Talk straight to this model server URL instead of through the cluster.", valueName: "url"))
    var endpoint: String?

    @Option(name: .shortAndLong, help: "Output format: text or json (the server's raw answer).")
    var output: ChatOutputFormat = .text

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if name == nil, endpoint == nil {
            throw ValidationError("name the workspace (kaitoctl chat NAME) or give --endpoint URL")
        }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if let temperature, !(temperature >= 0 && temperature.isFinite) {
            throw ValidationError("--temperature must be a number of 0 or more")
        }
    }

    func run() async throws {
        let inference = try await makeClient()
        let runtime = try await Self.mapping { try await inference.detectRuntime() }
        if cluster.verbose {
            let model = runtime.model.map { ", model \($0)" } ?? ""
            Console.error(["chat: \(runtime.runtime.displayName)\(model) at \(inference.transport.endpointDescription)"]
            )
        }
        if let prompt {
            _ = try await ask(inference, runtime: runtime, request: request(prompt: prompt, history: []))
        } else {
            try await interactive(inference, runtime: runtime)
        }
    }

    private func request(prompt: String, history: [ChatMessage]) -> ChatRequest {
        ChatRequest(
            prompt: prompt, history: history, system: system, maxTokens: maxTokens, temperature: temperature,
            stream: stream)
    }

    private func makeClient() async throws -> InferenceClient {
        if let endpoint {
            let transport = try await Self.mapping { try DirectInferenceTransport(baseURL: endpoint) }
            return InferenceClient(transport: transport)
        }
        guard let name else { throw ValidationError("name the workspace") }
        let (workspaces, namespace) = try cluster.workspaces()
        return try await Self.mapping { try await workspaces.inferenceClient(for: name, namespace: namespace) }
    }

    /// Sends one prompt and prints the answer.
    private func ask(_ inference: InferenceClient, runtime: DetectedRuntime, request: ChatRequest) async throws
        -> ChatReply
    {
        let output = self.output
        let streaming = request.stream && runtime.runtime.canStream
        let reply = try await Self.mapping {
            try await inference.chat(request, runtime: runtime) { delta in
                switch output {
                case .text: Self.write(delta.text)
                case .json: Self.write(delta.raw + "\n")
                }
            }
        }
        if streaming {
            if output == .text { Self.write("\n") }
        } else {
            switch output {
            case .text: Console.out(reply.text)
            case .json: Console.out(reply.raw.joined(separator: "\n"))
            }
        }
        return reply
    }

    /// Reads prompts from standard input until its end or `/exit`.
    private func interactive(_ inference: InferenceClient, runtime: DetectedRuntime) async throws {
        let terminal = isatty(STDIN_FILENO) != 0
        if !runtime.runtime.keepsConversation {
            Console.error([
                "note: \(runtime.runtime.displayName) answers each prompt on its own; earlier turns are not sent"
            ])
        }
        if terminal { Console.error(["Type a prompt and press Enter; /exit or Ctrl-D ends the session."]) }
        var history: [ChatMessage] = []
        var failed = false
        while true {
            if terminal { Self.writeError("> ") }
            guard let line = readLine(strippingNewline: true) else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text == "/exit" || text == "/quit" { break }
            do {
                let reply = try await ask(inference, runtime: runtime, request: request(prompt: text, history: history))
                if runtime.runtime.keepsConversation {
                    history.append(ChatMessage(role: "user", content: text))
                    history.append(ChatMessage(role: "assistant", content: reply.text))
                }
            } catch let error as CLIError where error.status == .failure {
                // A model server error ends this turn, not the session; the exit status reports it.
                Console.error(error.lines)
                failed = true
            }
        }
        if failed { throw CLIError(lines: [], status: .failure) }
    }

    /// Runs `body`, turning ``InferenceError`` into a one-line ``CLIError`` with the right exit status.
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as InferenceError {
            switch error.kind {
            case .cluster:
                if let underlying = error.cluster { throw CLIError.cluster(underlying) }
                throw CLIError(error.message, status: .failure)
            case .unreachable:
                throw CLIError(error.message, status: .cluster)
            case .invalidRequest:
                throw CLIError(error.message, status: .usage)
            default:
                throw CLIError(error.message, status: .failure)
            }
        } catch let error as KubernetesError {
            throw CLIError.cluster(error)
        }
    }

    static func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

import Foundation
import HTTPTypes
public import KaitoCore
import KaitoHTTP

/// The inference API a model server speaks.
public enum InferenceRuntime: String, Sendable, Hashable, CaseIterable {
    /// Kaito v0.3.1's transformers server with the text-generation pipeline: `GET /healthz`,
    /// `POST /chat {"prompt", "generate_kwargs"}` answered with `{"Result": "<text>"}`.
    case textGeneration = "transformers-text-generation"
    /// The same server with the conversational pipeline: `POST /chat {"messages", "generate_kwargs"}`, answered with
    /// `{"Result": "{'role': 'assistant', 'content': '…'}"}` (a Python dict's text form).
    case conversational = "transformers-conversational"
    /// An OpenAI-compatible server (Kaito's later transformers server, vLLM): `GET /health`, `GET /v1/models`,
    /// `POST /v1/chat/completions`, streaming as server-sent events with or without a final `data: [DONE]`.
    case openAI = "openai"

    /// Whether the server takes a whole conversation (messages), so an interactive session can keep context.
    public var keepsConversation: Bool { self != .textGeneration }
    /// Whether answers can stream token by token.
    public var canStream: Bool { self == .openAI }

    /// A short name for people: `Kaito v0.3.1 transformers (text-generation)`.
    public var displayName: String {
        switch self {
        case .textGeneration: "Kaito v0.3.1 transformers (text-generation)"
        case .conversational: "Kaito v0.3.1 transformers (conversational)"
        case .openAI: "OpenAI-compatible"
        }
    }
}

/// What probing found: the runtime and, for OpenAI-compatible servers, the served model.
public struct DetectedRuntime: Sendable, Hashable {
    /// The runtime.
    public var runtime: InferenceRuntime
    /// The model id from `GET /v1/models`, sent as `model`; `nil` sends none (Kaito's server allows that).
    public var model: String?

    /// Creates a value.
    public init(runtime: InferenceRuntime, model: String? = nil) {
        self.runtime = runtime
        self.model = model
    }
}

/// One chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The text.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What to ask: a prompt (or a whole conversation), an optional system text and generation settings.
public struct ChatRequest: Sendable, Hashable {
    /// Earlier turns (user and assistant messages), oldest first; the ``prompt`` follows them.
    public var history: [ChatMessage]
    /// The new user text.
    public var prompt: String
    /// A system instruction: a `system` message, or for text-generation servers a paragraph before the prompt.
    public var system: String?
    /// The most tokens to generate: `max_tokens` (OpenAI), `generate_kwargs.max_new_tokens` (v0.3.1, whose
    /// `max_length` would count the prompt too).
    public var maxTokens: Int?
    /// Sampling temperature: `temperature`; for v0.3.1, `generate_kwargs.temperature`, and 0 means greedy
    /// (`do_sample: false`), because v0.3.1 fails on temperature 0 with sampling on.
    public var temperature: Double?
    /// Ask for a streamed answer (OpenAI-compatible servers only; others answer whole).
    public var stream: Bool

    /// Creates a request.
    public init(
        prompt: String, history: [ChatMessage] = [], system: String? = nil, maxTokens: Int? = nil,
        temperature: Double? = nil, stream: Bool = false
    ) {
        self.prompt = prompt
        self.history = history
        self.system = system
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
    }

    /// The messages sent to servers that take a conversation: system, history, then the prompt.
    public var messages: [ChatMessage] {
        var all: [ChatMessage] = []
        if let system, !system.isEmpty { all.append(ChatMessage(role: "system", content: system)) }
        all += history
        all.append(ChatMessage(role: "user", content: prompt))
        return all
    }

    /// The JSON body for `runtime`.
    public func body(for runtime: DetectedRuntime) -> JSONValue {
        switch runtime.runtime {
        case .openAI:
            var body: [String: JSONValue] = [
                "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] })
            ]
            if let model = runtime.model { body["model"] = .string(model) }
            if let maxTokens { body["max_tokens"] = .integer(Int64(maxTokens)) }
            if let temperature { body["temperature"] = .double(temperature) }
            if stream { body["stream"] = .bool(true) }
            return .object(body)
        case .textGeneration, .conversational:
            var kwargs: [String: JSONValue] = [:]
            if let maxTokens { kwargs["max_new_tokens"] = .integer(Int64(maxTokens)) }
            if let temperature {
                if temperature <= 0 {
                    kwargs["do_sample"] = .bool(false)
                } else {
                    kwargs["temperature"] = .double(temperature)
                }
            }
            var body: [String: JSONValue] = [:]
            if runtime.runtime == .conversational {
                body["messages"] = .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] })
            } else {
                var text = prompt
                if let system, !system.isEmpty { text = system + "\n\n" + prompt }
                body["prompt"] = .string(text)
                body["return_full_text"] = .bool(false)
            }
            if !kwargs.isEmpty { body["generate_kwargs"] = .object(kwargs) }
            return .object(body)
        }
    }
}

/// A piece of a streamed answer.
public struct ChatDelta: Sendable, Hashable {
    /// The new text (may be empty for role or finish chunks).
    public var text: String
    /// The event's raw `data` (one JSON chunk).
    public var raw: String

    /// Creates a delta.
    public init(text: String, raw: String) {
        self.text = text
        self.raw = raw
    }
}

/// A whole answer.
public struct ChatReply: Sendable, Hashable {
    /// The assistant's text (for text-generation servers, the continuation without its leading white space).
    public var text: String
    /// Why generation stopped (`stop`, `length`), when the server says.
    public var finishReason: String?
    /// The raw answer: the JSON body, or for a stream the `data` of every event in order.
    public var raw: [String]
    /// The runtime that answered.
    public var runtime: DetectedRuntime

    /// Creates a reply.
    public init(text: String, finishReason: String? = nil, raw: [String], runtime: DetectedRuntime) {
        self.text = text
        self.finishReason = finishReason
        self.raw = raw
        self.runtime = runtime
    }
}

/// Talks to a Kaito workspace's model server: detects its inference API by probing, then chats.
///
/// ```swift
/// let transport = ServiceProxyInferenceTransport(client: client, namespace: "default", service: "workspace-falcon-7b")
/// let inference = InferenceClient(transport: transport)
/// let runtime = try await inference.detectRuntime()
/// let reply = try await inference.chat(ChatRequest(prompt: "What is Kaito?", maxTokens: 100), runtime: runtime)
/// print(reply.text)
/// ```
///
/// Detection (``detectRuntime()``):
/// 1. `GET /v1/models` answers 200 with a `data` list: OpenAI-compatible; the first model id is sent as `model`.
/// 2. Else `GET /healthz` answers 200: Kaito v0.3.1 transformers. The pipeline is read from `POST /chat {}`,
///    which both pipelines refuse with a 400 before generating anything: `Text generation parameter prompt
///    required` means text-generation, `Conversational parameter messages required` conversational. When that is
///    inconclusive, ``pipelineHint`` (the preset's `pipeline` run parameter) decides, else text-generation.
/// 3. Else `GET /health` answers 200: OpenAI-compatible without a model list.
/// 4. Else ``InferenceError/Kind/unsupportedRuntime`` naming what each probe got.
public struct InferenceClient: Sendable {
    /// How requests reach the server.
    public let transport: any InferenceTransport
    /// `text-generation` or `conversational` when known from the workspace's preset.
    public let pipelineHint: String?
    /// The total time limit of one buffered chat request.
    public var requestTimeout: Duration
    /// The time limit of one probe.
    public var probeTimeout: Duration

    /// Creates a client.
    public init(
        transport: any InferenceTransport, pipelineHint: String? = nil, requestTimeout: Duration = .seconds(600),
        probeTimeout: Duration = .seconds(20)
    ) {
        self.transport = transport
        self.pipelineHint = pipelineHint
        self.requestTimeout = requestTimeout
        self.probeTimeout = probeTimeout
    }

    /// The largest answer body read whole.
    static let maxBody = 16 * 1024 * 1024

    private func buffered(_ request: InferenceHTTPRequest) async throws -> (InferenceHTTPResponse, Data) {
        let response = try await transport.send(request)
        do {
            return (response, try await response.body.collect(upTo: Self.maxBody))
        } catch {
            throw InferenceError(
                kind: .unreachable,
                message: "the answer from \(transport.endpointDescription) broke off: \(Self.describe(error))")
        }
    }

    /// Probes the server and says which inference API it speaks.
    /// - Throws: ``InferenceError``.
    public func detectRuntime() async throws -> DetectedRuntime {
        var seen: [String] = []
        let (models, modelsBody) = try await buffered(InferenceHTTPRequest(path: "/v1/models", timeout: probeTimeout))
        if models.isSuccess, let json = try? JSONDecoder().decode(JSONValue.self, from: modelsBody),
            let data = json["data"]?.arrayValue
        {
            return DetectedRuntime(runtime: .openAI, model: data.first?["id"]?.stringValue)
        }
        seen.append("GET /v1/models → \(models.statusCode)")
        let (health, healthBody) = try await buffered(InferenceHTTPRequest(path: "/healthz", timeout: probeTimeout))
        if health.isSuccess {
            return DetectedRuntime(runtime: try await transformersPipeline())
        }
        seen.append("GET /healthz → \(health.statusCode)")
        let (openHealth, _) = try await buffered(InferenceHTTPRequest(path: "/health", timeout: probeTimeout))
        if openHealth.isSuccess {
            return DetectedRuntime(runtime: .openAI)
        }
        seen.append("GET /health → \(openHealth.statusCode)")
        var message = "no known inference API at \(transport.endpointDescription) (\(seen.joined(separator: ", ")))"
        if health.statusCode >= 500 {
            message +=
                "; /healthz said: \(InferenceError.detail(of: healthBody, contentType: health.contentType))"
                + "; the model may still be loading"
        }
        throw InferenceError(kind: .unsupportedRuntime, message: message)
    }

    /// Which pipeline a v0.3.1 transformers server runs: from the 400 that `POST /chat {}` gets.
    private func transformersPipeline() async throws -> InferenceRuntime {
        let (answer, body) = try await buffered(
            InferenceHTTPRequest(method: .post, path: "/chat", body: Data("{}".utf8), timeout: probeTimeout))
        let detail = InferenceError.detail(of: body, contentType: answer.contentType)
        if answer.statusCode == 400 {
            if detail.contains("messages") { return .conversational }
            if detail.contains("prompt") { return .textGeneration }
        }
        return pipelineHint?.lowercased() == "conversational" ? .conversational : .textGeneration
    }

    /// Sends one chat request and returns the whole answer; with ``ChatRequest/stream`` on an OpenAI-compatible
    /// server, `onDelta` gets each piece as it arrives (other servers answer whole and `onDelta` is not called).
    /// - Throws: ``InferenceError``: one readable line for 400, 422, 429, 5xx answers and unreachable servers.
    public func chat(
        _ request: ChatRequest, runtime: DetectedRuntime,
        onDelta: (@Sendable (ChatDelta) async throws -> Void)? = nil
    ) async throws -> ChatReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(request.body(for: runtime))
        let streaming = request.stream && runtime.runtime.canStream
        let path = runtime.runtime == .openAI ? "/v1/chat/completions" : "/chat"
        let http = InferenceHTTPRequest(
            method: .post, path: path, body: body, accept: streaming ? "text/event-stream" : "application/json",
            streaming: streaming, timeout: requestTimeout)
        if streaming {
            return try await streamChat(http, runtime: runtime, onDelta: onDelta)
        }
        let (answer, data) = try await buffered(http)
        try Self.check(answer, data)
        let raw = String(decoding: data, as: UTF8.self)
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw InferenceError(
                kind: .invalidResponse,
                message: "the model server answered with a body that is not JSON: \(raw.prefix(200))",
                statusCode: answer.statusCode)
        }
        switch runtime.runtime {
        case .openAI:
            let choice = json["choices"]?.arrayValue?.first
            guard let text = choice?["message"]?["content"]?.stringValue else {
                throw InferenceError(
                    kind: .invalidResponse, message: "the answer has no choices[0].message.content: \(raw.prefix(200))")
            }
            return ChatReply(
                text: text, finishReason: choice?["finish_reason"]?.stringValue, raw: [raw], runtime: runtime)
        case .textGeneration, .conversational:
            guard let result = json["Result"]?.stringValue else {
                throw InferenceError(
                    kind: .invalidResponse, message: "the answer has no \"Result\": \(raw.prefix(200))")
            }
            // The text-generation continuation (return_full_text false) usually starts with the space or newline
            // that followed the prompt: drop it.
            let text =
                runtime.runtime == .conversational
                ? (PythonLiteral.content(ofDict: result) ?? result)
                : String(result.drop(while: { $0 == " " || $0.isNewline }))
            return ChatReply(text: text, finishReason: nil, raw: [raw], runtime: runtime)
        }
    }

    private func streamChat(
        _ http: InferenceHTTPRequest, runtime: DetectedRuntime, onDelta: (@Sendable (ChatDelta) async throws -> Void)?
    ) async throws -> ChatReply {
        let answer = try await transport.send(http)
        if !answer.isSuccess {
            let data = (try? await answer.body.collect(upTo: Self.maxBody)) ?? Data()
            try Self.check(answer, data)
        }
        var text = ""
        var finish: String?
        var raw: [String] = []
        do {
            for try await event in ServerSentEvents(body: answer.body) {
                if event.data == "[DONE]" { break }
                raw.append(event.data)
                let json = try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
                if let message = json?["error"]?["message"]?.stringValue ?? json?["error"]?.stringValue {
                    throw InferenceError(kind: .serverError, message: "the model server failed mid-stream: \(message)")
                }
                let choice = json?["choices"]?.arrayValue?.first
                let piece = choice?["delta"]?["content"]?.stringValue ?? ""
                if let reason = choice?["finish_reason"]?.stringValue { finish = reason }
                text += piece
                try await onDelta?(ChatDelta(text: piece, raw: event.data))
            }
        } catch let error as InferenceError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw InferenceError(
                kind: .unreachable,
                message: "the stream from \(transport.endpointDescription) broke off: \(Self.describe(error))")
        }
        return ChatReply(text: text, finishReason: finish, raw: raw, runtime: runtime)
    }

    /// Throws the readable error for a non-2xx answer.
    static func check(_ answer: InferenceHTTPResponse, _ data: Data) throws {
        guard !answer.isSuccess else { return }
        throw InferenceError(
            statusCode: answer.statusCode, body: data, contentType: answer.contentType,
            retryAfter: answer.headerFields[.retryAfter])
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return error.message }
        if let error = error as? KubernetesError { return error.message }
        return String(describing: error)
    }
}

/// Reads the Python text form of a dict, as the v0.3.1 conversational pipeline returns it.
enum PythonLiteral {
    /// The `content` of `{'role': 'assistant', 'content': '…'}`, unescaped; `nil` when it is not such a dict.
    static func content(ofDict text: String) -> String? {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.skipSpaces()
        guard scanner.take("{") else { return nil }
        while true {
            scanner.skipSpaces()
            if scanner.take("}") { return nil }
            guard let key = scanner.string() else { return nil }
            scanner.skipSpaces()
            guard scanner.take(":") else { return nil }
            scanner.skipSpaces()
            guard let value = scanner.string() else { return nil }
            if key == "content" { return value }
            scanner.skipSpaces()
            _ = scanner.take(",")
        }
    }

    struct Scanner {
        var scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func skipSpaces() {
            while index < scalars.count, scalars[index] == " " || scalars[index] == "\n" { index += 1 }
        }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < scalars.count, scalars[index] == character else { return false }
            index += 1
            return true
        }

        /// A Python string literal in single or double quotes, with its escapes resolved.
        mutating func string() -> String? {
            guard index < scalars.count, scalars[index] == "'" || scalars[index] == "\"" else { return nil }
            let quote = scalars[index]
            index += 1
            var out = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if scalar == quote { return String(out) }
                guard scalar == "\\" else {
                    out.append(scalar)
                    continue
                }
                guard index < scalars.count else { return nil }
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "x", "u", "U":
                    let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                    guard index + width <= scalars.count,
                        let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + width])), radix: 16),
                        let decoded = Unicode.Scalar(value)
                    else { return nil }
                    out.append(decoded)
                    index += width
                default: out.append(escaped)
                }
            }
            return nil
        }
    }
}

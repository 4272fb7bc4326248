import Foundation
import KaitoCore

// MARK: - Responses

extension ModelServerResponse {
    /// A JSON response with `Content-Length`.
    static func json(_ value: JSONValue, status: Int = 200, extraHeaders: [(name: String, value: String)] = [])
        -> ModelServerResponse
    {
        ModelServerResponse(
            status: status, headers: [("content-type", "application/json")] + extraHeaders,
            body: .whole(Data(JSONText.string(from: value).utf8)))
    }

    /// `{"detail": "…"}` or `{"detail": [ … ]}`.
    static func detail(_ detail: JSONValue, status: Int) -> ModelServerResponse {
        json(["detail": detail], status: status)
    }

    /// A FastAPI validation error: 422 with one entry in the `detail` list.
    static func validation(
        type: String, loc: [JSONValue], msg: String, input: JSONValue, ctx: JSONValue? = nil
    ) -> ModelServerResponse {
        var entry: [String: JSONValue] = [
            "type": .string(type), "loc": .array(loc), "msg": .string(msg), "input": input,
        ]
        if let ctx { entry["ctx"] = ctx }
        return detail([.object(entry)], status: 422)
    }

    /// The plain-text 500 that uvicorn sends for an unhandled exception.
    static let internalServerError = ModelServerResponse(
        status: 500, headers: [("content-type", "text/plain; charset=utf-8")],
        body: .whole(Data("Internal Server Error".utf8)))

    static let notFound = detail("Not Found", status: 404)

    static func methodNotAllowed(allow: String) -> ModelServerResponse {
        json(["detail": "Method Not Allowed"], status: 405, extraHeaders: [("allow", allow)])
    }
}

/// The outcome of reading a JSON object body the way FastAPI does.
private enum BodyObject {
    case object([String: JSONValue])
    case failure(ModelServerResponse)
}

extension SimulatedModelServer {
    /// Reads the request body as a JSON object, or the 422 FastAPI sends; `pydanticModel` words the non-object case
    /// (`model_attributes_type` for a pydantic model body, `dict_type` for a plain `dict` body).
    private func readObject(_ request: ModelServerRequest, pydanticModel: Bool) -> BodyObject {
        guard let body = request.body, !body.isEmpty else {
            return .failure(.validation(type: "missing", loc: ["body"], msg: "Field required", input: .null))
        }
        let mediaType = request.header("content-type")?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        let value: JSONValue
        if mediaType == nil || mediaType == "application/json" || mediaType?.hasSuffix("+json") == true {
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: body)
            } catch {
                return .failure(
                    .validation(
                        type: "json_invalid", loc: ["body", .integer(Int64(body.count))], msg: "JSON decode error",
                        input: [:], ctx: ["error": "Expecting value"]))
            }
        } else {
            value = .string(String(decoding: body, as: UTF8.self))
        }
        guard case .object(let object) = value else {
            return .failure(
                pydanticModel
                    ? .validation(
                        type: "model_attributes_type", loc: ["body"],
                        msg: "Input should be a valid dictionary or object to extract fields from", input: value)
                    : .validation(
                        type: "dict_type", loc: ["body"], msg: "Input should be a valid dictionary", input: value))
        }
        return .object(object)
    }

    // MARK: - Kaito v0.3.1 transformers server

    func respondTransformers(_ request: ModelServerRequest) -> ModelServerResponse {
        switch request.path {
        case "/":
            guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(allow: "GET") }
            return .json(["message": "Server is running"])
        case "/healthz":
            guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(allow: "GET") }
            return .json(["status": "Healthy"])
        case "/chat":
            guard request.method == "POST" else { return .methodNotAllowed(allow: "POST") }
            return chat(request)
        default:
            return .notFound
        }
    }

    private func chat(_ request: ModelServerRequest) -> ModelServerResponse {
        let object: [String: JSONValue]
        switch readObject(request, pydanticModel: true) {
        case .failure(let response): return response
        case .object(let value): object = value
        }
        // Field validation, in the order of the pydantic model (prompt, messages, …, generate_kwargs).
        if let prompt = object["prompt"], prompt != .null, prompt.stringValue == nil {
            return .validation(
                type: "string_type", loc: ["body", "prompt"], msg: "Input should be a valid string", input: prompt)
        }
        var messages: [JSONValue] = []
        if let value = object["messages"], value != .null {
            guard let list = value.arrayValue else {
                return .validation(
                    type: "list_type", loc: ["body", "messages"], msg: "Input should be a valid list", input: value)
            }
            for (index, message) in list.enumerated() {
                for field in ["role", "content"] where message[field]?.stringValue == nil {
                    return .validation(
                        type: "missing", loc: ["body", "messages", .integer(Int64(index)), .string(field)],
                        msg: "Field required", input: message)
                }
            }
            messages = list
        }
        var budget: Int?
        if case .object(let kwargs)? = object["generate_kwargs"] {
            for key in ["max_length", "max_new_tokens"] {
                guard let raw = kwargs[key], raw != .null else { continue }
                switch Self.integer(raw) {
                case .success(let number):
                    if key == "max_new_tokens" {
                        budget = number
                    } else if budget == nil {
                        budget = number - Self.wordCount(object["prompt"]?.stringValue ?? "")
                    }
                case .failure(let response):
                    return .validation(
                        type: response.type, loc: ["body", "generate_kwargs", .string(key)], msg: response.message,
                        input: raw)
                }
            }
        }
        if let budget, budget <= 0 {
            // transformers raises a ValueError when max_length does not exceed the prompt.
            return .internalServerError
        }
        switch runtime {
        case .conversational:
            guard let last = messages.last(where: { $0["role"]?.stringValue == "user" }) ?? messages.last else {
                return .detail("Conversational parameter messages required", status: 400)
            }
            let reply = truncate(simulatedText(for: last["content"]?.stringValue ?? ""), to: budget)
            let quoted = reply.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return .json(["Result": .string("{'role': 'assistant', 'content': '\(quoted)'}")])
        default:
            guard let prompt = object["prompt"]?.stringValue, !prompt.isEmpty else {
                return .detail("Text generation parameter prompt required", status: 400)
            }
            let continuation = truncate(" " + simulatedText(for: prompt), to: budget)
            let fullText = object["return_full_text"] != .bool(false)
            return .json(["Result": .string(fullText ? prompt + continuation : continuation)])
        }
    }

    private func truncate(_ text: String, to budget: Int?) -> String {
        guard let budget else { return text }
        return Self.tokens(text).prefix(budget).joined()
    }

    private struct IntegerFailure: Error {
        var type: String
        var message: String
    }

    /// Pydantic's lax integer coercion: integers, integral floats, numeric strings.
    private static func integer(_ value: JSONValue) -> Result<Int, IntegerFailure> {
        switch value {
        case .integer(let number): return .success(Int(number))
        case .double(let number):
            if number == number.rounded(), abs(number) < 1e15 { return .success(Int(number)) }
            return .failure(
                IntegerFailure(
                    type: "int_from_float",
                    message: "Input should be a valid integer, got a number with a fractional part"))
        case .string(let text):
            if let number = Int(text.trimmingCharacters(in: .whitespaces)) { return .success(number) }
            return .failure(
                IntegerFailure(
                    type: "int_parsing",
                    message: "Input should be a valid integer, unable to parse string as an integer"))
        default:
            return .failure(IntegerFailure(type: "int_type", message: "Input should be a valid integer"))
        }
    }

    // MARK: - OpenAI-compatible servers

    /// The fields `POST /v1/chat/completions` accepts; any other is a 422.
    static let knownCompletionFields: Set<String> = [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed", "stop",
        "stream", "stream_options", "n", "user", "frequency_penalty", "presence_penalty", "logprobs", "top_logprobs",
        "logit_bias", "response_format", "tools", "tool_choice",
    ]

    /// The model name responses report and requests must name.
    var reportedModel: String { runtime == .vllm ? modelName : Self.transformersModelPath }

    func respondOpenAI(_ request: ModelServerRequest) -> ModelServerResponse {
        switch request.path {
        case "/health":
            guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(allow: "GET") }
            return .json(["status": "Healthy"])
        case "/v1/models":
            guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(allow: "GET") }
            let model: JSONValue = [
                "id": .string(modelName), "object": "model", "created": .integer(created),
                "owned_by": .string(runtime == .vllm ? "vllm" : "kaito"),
            ]
            return .json(["object": "list", "data": [model]])
        case "/v1/chat/completions":
            guard request.method == "POST" else { return .methodNotAllowed(allow: "POST") }
            return completion(request)
        default:
            return .notFound
        }
    }

    private func completion(_ request: ModelServerRequest) -> ModelServerResponse {
        let object: [String: JSONValue]
        switch readObject(request, pydanticModel: false) {
        case .failure(let response): return response
        case .object(let value): object = value
        }
        let unknown = Set(object.keys).subtracting(Self.knownCompletionFields).sorted()
        if !unknown.isEmpty {
            let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
            return .detail(.string("Unexpected fields in the request: {\(names)}"), status: 422)
        }
        if let model = object["model"]?.stringValue, model != modelName, model != reportedModel {
            return .detail(
                .string("Server is pinned to '\(reportedModel)'; requested '\(model)'."), status: 400)
        }
        // The recorded server fails with a plain 500 for missing, empty or malformed messages and max_tokens.
        guard let messages = object["messages"]?.arrayValue, !messages.isEmpty,
            messages.allSatisfy({ $0.objectValue != nil })
        else { return .internalServerError }
        var maxTokens: Int?
        if let raw = object["max_tokens"], raw != .null {
            guard case .success(let number) = Self.integer(raw), number > 0 else { return .internalServerError }
            maxTokens = number
        }
        let user = messages.last { $0["role"]?.stringValue == "user" } ?? messages[messages.count - 1]
        let prompt = Self.text(of: user["content"])
        var tokens = Self.tokens(simulatedText(for: prompt))
        var finishReason = "stop"
        if let maxTokens, tokens.count > maxTokens {
            tokens = Array(tokens.prefix(maxTokens))
            finishReason = "length"
        }
        let promptTokens = messages.reduce(0) { $0 + 3 + Self.wordCount(Self.text(of: $1["content"])) }
        let usage: JSONValue = [
            "completion_tokens": .integer(Int64(tokens.count)), "prompt_tokens": .integer(Int64(promptTokens)),
            "total_tokens": .integer(Int64(tokens.count + promptTokens)),
        ]
        let id = request.header("x-request-id") ?? "chatcmpl-sim-" + Self.digest(request.body ?? Data())
        let base: [String: JSONValue] = [
            "id": .string(id), "created": .integer(created), "model": .string(reportedModel),
        ]
        guard object["stream"] == .bool(true) else {
            var body = base
            body["object"] = "chat.completion"
            body["choices"] = [
                [
                    "finish_reason": .string(finishReason), "index": 0,
                    "message": ["content": .string(tokens.joined()), "role": "assistant"],
                ]
            ]
            body["usage"] = usage
            return .json(.object(body))
        }
        func chunk(_ choice: JSONValue, usage: JSONValue? = nil) -> Data {
            var body = base
            body["object"] = "chat.completion.chunk"
            body["system_fingerprint"] = ""
            body["choices"] = [choice]
            if let usage { body["usage"] = usage }
            return Data("data: \(JSONText.string(from: .object(body)))\n\n".utf8)
        }
        var chunks = [chunk(["delta": ["role": "assistant"], "index": 0])]
        for token in tokens {
            chunks.append(chunk(["delta": ["content": .string(token)], "index": 0]))
        }
        chunks.append(chunk(["delta": [:], "index": 0, "finish_reason": .string(finishReason)], usage: usage))
        if runtime == .vllm { chunks.append(Data("data: [DONE]\n\n".utf8)) }
        return ModelServerResponse(
            status: 200, headers: [("content-type", "text/event-stream; charset=utf-8")], body: .chunked(chunks))
    }

    /// The text of a message's `content`: a string, or the `text` of its parts.
    private static func text(of content: JSONValue?) -> String {
        if let text = content?.stringValue { return text }
        let parts = content?.arrayValue ?? []
        return parts.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
    }

    /// A deterministic hexadecimal digest (FNV-1a, 64 bits) for response identifiers.
    static func digest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

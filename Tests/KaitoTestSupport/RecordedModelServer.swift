public import Foundation
public import HTTPTypes
import Hummingbird
import Logging
public import KaitoCore
import KaitoHTTP

/// A loopback model server on 127.0.0.1 that answers like the inference servers recorded in the Kaito
/// exchanges: the same status codes, content types and bodies (byte for byte), and the same event streams.
///
/// Flavors: the v0.3.1 transformers server with the text-generation or the conversational pipeline, and the
/// OpenAI-compatible server, whose streams end without `data: [DONE]` as recorded; ``Flavor/openAIWithDone``
/// adds the `[DONE]` line that vLLM sends. Two answers are not in the recordings and are marked as such: the 429
/// (a prompt of `rate-limit-me`) and a 500 whose body is a Python traceback line.
public struct RecordedModelServer: Sendable {
    public enum Flavor: Sendable {
        case textGeneration
        case conversational
        case openAI
        case openAIWithDone
    }

    /// One canned answer.
    public struct Answer: Sendable {
        public var status: HTTPResponse.Status
        public var contentType: String
        public var extraHeaders: [(HTTPField.Name, String)] = []
        public var chunks: [String]
    }

    public let flavor: Flavor
    /// Every request body received, by path.
    public let received = ReceivedBodies()

    /// A server that answers like the recorded `flavor` of Kaito's inference servers.
    public init(flavor: Flavor) {
        self.flavor = flavor
    }

    // MARK: Recorded bodies

    public static let json = "application/json"
    public static let plain = "text/plain; charset=utf-8"
    public static let events = "text/event-stream; charset=utf-8"

    public static let healthy = #"{"status":"Healthy"}"#
    public static let notFound = #"{"detail":"Not Found"}"#
    public static let missingBody =
        #"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#
    public static let internalError = "Internal Server Error"
    public static let models =
        #"{"object":"list","data":[{"id":"tiny-llama","object":"model","created":1795910802,"owned_by":"kaito"}]}"#
    public static let completion =
        #"{"id":"dc422d17-49c9-4711-aaf2-0fcd7eb52987","choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hello! How can I help you today?","role":"assistant"}}],"created":1795910803,"model":"/workspace/tfs/weights@main","object":"chat.completion","usage":{"completion_tokens":10,"prompt_tokens":11,"total_tokens":21}}"#
    public static let completionLength =
        #"{"id":"3a700979-d74c-46fd-a176-db26178cb303","choices":[{"finish_reason":"length","index":0,"message":{"content":"Hello! How","role":"assistant"}}],"created":1795910804,"model":"/workspace/tfs/weights@main","object":"chat.completion","usage":{"completion_tokens":3,"prompt_tokens":11,"total_tokens":14}}"#
    public static let completionSystem =
        #"{"id":"my-req-123","choices":[{"finish_reason":"stop","index":0,"message":{"content":"The weather today is sunny with a light breeze.","role":"assistant"}}],"created":1795910804,"model":"/workspace/tfs/weights@main","object":"chat.completion","usage":{"completion_tokens":11,"prompt_tokens":24,"total_tokens":35}}"#
    public static let pinned = #"{"detail":"Server is pinned to '/workspace/tfs/weights@main'; requested 'gpt-4'."}"#
    public static let unexpectedFields = #"{"detail":"Unexpected fields in the request: {'foo'}"}"#

    public static func chunk(_ id: String, _ created: Int, _ choice: String, usage: String? = nil) -> String {
        let usagePart = usage.map { #","usage":\#($0)"# } ?? ""
        return "data: "
            + #"{"id":"\#(id)","choices":[\#(choice)],"created":\#(created),"model":"/workspace/tfs/weights@main","object":"chat.completion.chunk","system_fingerprint":""\#(usagePart)}"#
            + "\n\n"
    }

    public static let streamHello: [String] = {
        let id = "1b56d9da-3696-452b-9af6-da0cf6df95b3"
        var chunks = [chunk(id, 1_795_910_805, #"{"delta":{"role":"assistant"},"index":0}"#)]
        for token in ["Hello", "!", " How", " can", " I", " help", " you", " today", "?"] {
            chunks.append(chunk(id, 1_795_910_806, #"{"delta":{"content":"\#(token)"},"index":0}"#))
        }
        chunks.append(
            chunk(
                id, 1_795_910_806, #"{"delta":{},"index":0,"finish_reason":"stop"}"#,
                usage: #"{"completion_tokens":10,"prompt_tokens":11,"total_tokens":21}"#))
        return chunks
    }()

    public static let streamLength: [String] = {
        let id = "721351ae-6a5e-43b4-a326-76d848c28f79"
        var chunks = [chunk(id, 1_795_910_806, #"{"delta":{"role":"assistant"},"index":0}"#)]
        for token in ["Hello", "!", " How"] {
            chunks.append(chunk(id, 1_795_910_807, #"{"delta":{"content":"\#(token)"},"index":0}"#))
        }
        chunks.append(
            chunk(
                id, 1_795_910_807, #"{"delta":{},"index":0,"finish_reason":"length"}"#,
                usage: #"{"completion_tokens":3,"prompt_tokens":11,"total_tokens":14}"#))
        return chunks
    }()

    // MARK: Answers

    public static func whole(_ status: HTTPResponse.Status, _ body: String, type: String = json) -> Answer {
        Answer(status: status, contentType: type, chunks: [body])
    }

    public static let tooMany = Answer(
        status: .tooManyRequests, contentType: json, extraHeaders: [(.retryAfter, "7")],
        chunks: [#"{"detail":"Too many requests, slow down"}"#])

    public func answer(method: HTTPRequest.Method, path: String, body: Data?) -> Answer {
        let object = body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        switch flavor {
        case .textGeneration, .conversational:
            switch (method, path) {
            case (.get, "/"): return Self.whole(.ok, #"{"message":"Server is running"}"#)
            case (.get, "/healthz"): return Self.whole(.ok, Self.healthy)
            case (.post, "/chat"):
                return flavor == .conversational ? conversational(body, object) : textGeneration(body, object)
            default: return Self.whole(.notFound, Self.notFound)
            }
        case .openAI, .openAIWithDone:
            switch (method, path) {
            case (.get, "/health"): return Self.whole(.ok, Self.healthy)
            case (.get, "/v1/models"): return Self.whole(.ok, Self.models)
            case (.post, "/v1/chat/completions"): return completion(body, object)
            default: return Self.whole(.notFound, Self.notFound)
            }
        }
    }

    private func textGeneration(_ body: Data?, _ object: JSONValue?) -> Answer {
        guard let body, !body.isEmpty else { return Self.whole(.unprocessableContent, Self.missingBody) }
        guard let object, object.objectValue != nil else {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[]}]}"#
            )
        }
        if let prompt = object["prompt"], prompt.stringValue == nil, prompt != .null {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"string_type","loc":["body","prompt"],"msg":"Input should be a valid string","input":123}]}"#
            )
        }
        let kwargs = object["generate_kwargs"]
        if kwargs?["max_length"] == .string("abc") {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"int_parsing","loc":["body","generate_kwargs","max_length"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
            )
        }
        guard let prompt = object["prompt"]?.stringValue, !prompt.isEmpty else {
            return Self.whole(.badRequest, #"{"detail":"Text generation parameter prompt required"}"#)
        }
        if prompt == "rate-limit-me" { return Self.tooMany }
        // transformers' ValueError for temperature 0 with sampling on: uvicorn's plain-text 500.
        if let temperature = kwargs?["temperature"], temperature == .integer(0) || temperature == .double(0) {
            if kwargs?["do_sample"] != .bool(false) {
                return Self.whole(.internalServerError, Self.internalError, type: Self.plain)
            }
        }
        if kwargs?["max_length"] == .integer(1) {
            return Self.whole(.internalServerError, Self.internalError, type: Self.plain)
        }
        if prompt == "Tell me a joke" {
            if object["return_full_text"] == .bool(false) {
                return Self.whole(
                    .ok, #"{"Result":". Why did the scarecrow win an award? Because he was outstanding in his field."}"#
                )
            }
            return Self.whole(
                .ok,
                #"{"Result":"Tell me a joke. Why did the scarecrow win an award? Because he was outstanding in his field."}"#
            )
        }
        if kwargs?["max_new_tokens"] == .integer(5) { return Self.whole(.ok, #"{"Result":"hello I am a sm"}"#) }
        return Self.whole(.ok, #"{"Result":"hello I am a small language model"}"#)
    }

    private func conversational(_ body: Data?, _ object: JSONValue?) -> Answer {
        guard let body, !body.isEmpty else { return Self.whole(.unprocessableContent, Self.missingBody) }
        if case .string = object?["messages"] {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"list_type","loc":["body","messages"],"msg":"Input should be a valid list","input":"hello"}]}"#
            )
        }
        let messages = object?["messages"]?.arrayValue ?? []
        if messages.contains(where: { $0["content"] == nil }) {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"missing","loc":["body","messages",0,"content"],"msg":"Field required","input":{"role":"user"}}]}"#
            )
        }
        guard !messages.isEmpty else {
            return Self.whole(.badRequest, #"{"detail":"Conversational parameter messages required"}"#)
        }
        if messages.count >= 3 {
            return Self.whole(
                .ok,
                #"{"Result":"{'role': 'assistant', 'content': 'assistant\\nassistant\\nassistant\\nThe weather today is sunny with a light breeze.'}"}"#
            )
        }
        if messages.first?["role"] == "system" {
            return Self.whole(
                .ok,
                #"{"Result":"{'role': 'assistant', 'content': 'The weather today is sunny with a light breeze.'}"}"#)
        }
        return Self.whole(.ok, #"{"Result":"{'role': 'assistant', 'content': 'Hello! How can I help you today?'}"}"#)
    }

    private func completion(_ body: Data?, _ object: JSONValue?) -> Answer {
        guard let body, !body.isEmpty else { return Self.whole(.unprocessableContent, Self.missingBody) }
        guard let fields = object?.objectValue else {
            return Self.whole(
                .unprocessableContent,
                #"{"detail":[{"type":"json_invalid","loc":["body",37],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}"#
            )
        }
        if fields["foo"] != nil { return Self.whole(.unprocessableContent, Self.unexpectedFields) }
        if fields["model"] == "gpt-4" { return Self.whole(.badRequest, Self.pinned) }
        guard let messages = fields["messages"]?.arrayValue, !messages.isEmpty else {
            return Self.whole(.internalServerError, Self.internalError, type: Self.plain)
        }
        if messages.last?["content"] == "rate-limit-me" { return Self.tooMany }
        let short = fields["max_tokens"] == .integer(3)
        if fields["stream"] == .bool(true) {
            var chunks = short ? Self.streamLength : Self.streamHello
            if flavor == .openAIWithDone { chunks.append("data: [DONE]\n\n") }
            return Answer(status: .ok, contentType: Self.events, chunks: chunks)
        }
        if short { return Self.whole(.ok, Self.completionLength) }
        if messages.first?["role"] == "system" { return Self.whole(.ok, Self.completionSystem) }
        return Self.whole(.ok, Self.completion)
    }
}

/// Request bodies a test server received, for assertions.
public final class ReceivedBodies: Sendable {
    private let storage = Locked<[Received]>([])

    public func append(path: String, body: Data?) {
        let json = body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        storage.withLock { $0.append(Received(path: path, body: json)) }
    }

    /// The JSON bodies sent to `path`, in order.
    public func bodies(_ path: String) -> [JSONValue] {
        storage.withLock { $0 }.filter { $0.path == path }.compactMap(\.body)
    }

    /// Every path requested, in order.
    public var paths: [String] { storage.withLock { $0 }.map(\.path) }

    private struct Received: Sendable {
        var path: String
        var body: JSONValue?
    }
}

extension RecordedModelServer {
    /// Serves on 127.0.0.1 (a free port) while `body` runs and passes the base URL.
    public func run<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let server = self
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let data = try await request.body.collect(upTo: 1 << 20)
            let bytes = Data(buffer: data)
            let path = String(request.uri.path)
            server.received.append(path: path, body: bytes.isEmpty ? nil : bytes)
            let answer = server.answer(method: request.method, path: path, body: bytes.isEmpty ? nil : bytes)
            var headers = HTTPFields()
            headers[.contentType] = answer.contentType
            for (name, value) in answer.extraHeaders { headers[name] = value }
            if answer.chunks.count == 1 {
                let buffer = ByteBuffer(string: answer.chunks[0])
                headers[.contentLength] = String(buffer.readableBytes)
                return Response(status: answer.status, headers: headers, body: ResponseBody(byteBuffer: buffer))
            }
            let chunks = answer.chunks
            return Response(
                status: answer.status, headers: headers,
                body: ResponseBody { writer in
                    for chunk in chunks {
                        try await writer.write(ByteBuffer(string: chunk))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    try await writer.finish(nil)
                })
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: {
                var logger = Logger(label: "recorded-model-server")
                logger.logLevel = .critical
                return logger
            }())
        let task = Task { try await application.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        do {
            let result = try await body("http://127.0.0.1:\(port)")
            task.cancel()
            _ = try? await task.value
            return result
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }
}

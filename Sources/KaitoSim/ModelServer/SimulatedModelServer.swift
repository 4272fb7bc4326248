public import Foundation
public import KaitoCore

/// One HTTP request to a ``SimulatedModelServer``.
public struct ModelServerRequest: Sendable {
    /// The method, upper-case (`GET`, `POST`, …).
    public var method: String
    /// The path on the model server, starting with `/`, without the query.
    public var path: String
    /// The raw query, if any.
    public var query: String?
    /// Header fields; names are matched case-insensitively.
    public var headers: [String: String]
    /// The body; `nil` or empty when the client sent none.
    public var body: Data?

    /// Creates a request.
    public init(method: String, path: String, query: String? = nil, headers: [String: String] = [:], body: Data? = nil)
    {
        self.method = method.uppercased()
        self.path = path.isEmpty ? "/" : path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// The answer of a ``SimulatedModelServer``: a status, header fields, and a whole body or a sequence of chunks.
public struct ModelServerResponse: Sendable {
    /// The body of a response.
    public enum Body: Sendable, Equatable {
        /// A whole body, sent with a `Content-Length`.
        case whole(Data)
        /// Chunks sent one after another (server-sent events).
        case chunked([Data])
    }

    /// The HTTP status code.
    public var status: Int
    /// Header fields, in order.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: Body

    /// Every body byte, concatenated.
    public var data: Data {
        switch body {
        case .whole(let data): return data
        case .chunked(let chunks): return chunks.reduce(into: Data()) { $0.append($1) }
        }
    }

    /// The body as an asynchronous stream of chunks (one element for a whole body).
    public var chunks: AsyncStream<Data> {
        let parts: [Data]
        switch body {
        case .whole(let data): parts = [data]
        case .chunked(let chunks): parts = chunks
        }
        return AsyncStream { continuation in
            for part in parts { continuation.yield(part) }
            continuation.finish()
        }
    }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A deterministic stand-in for the inference server that a Kaito workspace runs, answering with the request and
/// response shapes of the real servers and with text that says it is simulated.
///
/// Runtimes:
/// - ``Runtime/textGeneration`` (default): Kaito v0.3.1's transformers server (`tfs`) with the text-generation
///   pipeline: `GET /`, `GET /healthz`, `POST /chat` with `prompt` and `generate_kwargs`, answered with
///   `{"Result": …}`; FastAPI-style 422 `detail` lists for malformed bodies, 400 for a missing prompt.
/// - ``Runtime/conversational``: the same server with the conversational pipeline: `POST /chat` takes `messages`.
/// - ``Runtime/openAI``: Kaito's later transformers server with its OpenAI-compatible API: `GET /health`,
///   `GET /v1/models`, `POST /v1/chat/completions` (and `stream: true` as server-sent events). As recorded, its
///   streams end after the chunk with `finish_reason`, without `data: [DONE]`.
/// - ``Runtime/vllm``: the OpenAI-compatible API as vLLM serves it: the same routes and shapes, the served model
///   name in responses, and streams that end with `data: [DONE]`.
///
/// ``forPod(_:)`` picks the runtime from a pod: the label ``runtimeLabel`` or the container environment variable
/// ``runtimeEnvironmentVariable`` (`tfs`, `tfs-conversational`, `openai` or `vllm`), else `vllm` when a
/// container's image, command or arguments mention vLLM, else `tfs-conversational` when they ask for the
/// conversational pipeline, else `tfs`.
///
/// Answers depend only on the request: no randomness and no clock (``created`` is a fixed timestamp).
public struct SimulatedModelServer: Sendable {
    /// The inference runtime a simulated server imitates.
    public enum Runtime: String, Sendable, CaseIterable {
        /// Kaito v0.3.1 transformers server, text-generation pipeline.
        case textGeneration = "tfs"
        /// Kaito v0.3.1 transformers server, conversational pipeline.
        case conversational = "tfs-conversational"
        /// Kaito's OpenAI-compatible transformers server (no `data: [DONE]`).
        case openAI = "openai"
        /// vLLM's OpenAI-compatible server (streams end with `data: [DONE]`).
        case vllm = "vllm"
    }

    /// The pod label that selects the runtime.
    public static let runtimeLabel = "kaito-sim.io/model-server"
    /// The container environment variable that selects the runtime.
    public static let runtimeEnvironmentVariable = "KAITO_SIM_MODEL_SERVER"
    /// The pod label that overrides the model name.
    public static let modelNameLabel = "kaito-sim.io/model-name"
    /// The model path the transformers OpenAI-compatible server reports and pins requests to.
    public static let transformersModelPath = "/workspace/tfs/weights@main"

    /// The runtime imitated.
    public var runtime: Runtime
    /// The served model name, such as `falcon-7b`.
    public var modelName: String
    /// The `created` timestamp of OpenAI-style responses.
    public var created: Int64

    /// Creates a server.
    public init(runtime: Runtime = .textGeneration, modelName: String, created: Int64 = 1_700_000_000) {
        self.runtime = runtime
        self.modelName = modelName
        self.created = created
    }

    /// The server a pod runs, from its labels, containers' environment, images, commands and arguments.
    public static func forPod(_ pod: JSONValue) -> SimulatedModelServer {
        let labels = pod["metadata"]?["labels"]?.objectValue ?? [:]
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        var environment: [String: String] = [:]
        var words: [String] = []
        var modelName = labels[modelNameLabel]?.stringValue
        for container in containers {
            for variable in container["env"]?.arrayValue ?? [] {
                if let name = variable["name"]?.stringValue, let value = variable["value"]?.stringValue {
                    environment[name] = value
                }
            }
            let image = container["image"]?.stringValue ?? ""
            words.append(image)
            words += (container["command"]?.arrayValue ?? []).compactMap(\.stringValue)
            words += (container["args"]?.arrayValue ?? []).compactMap(\.stringValue)
            if modelName == nil, let derived = Self.modelName(fromImage: image) { modelName = derived }
        }
        let hint = labels[runtimeLabel]?.stringValue ?? environment[runtimeEnvironmentVariable]
        let joined = words.joined(separator: " ").lowercased()
        let runtime: Runtime
        if let hint, let chosen = Runtime(rawValue: hint.lowercased()) {
            runtime = chosen
        } else if joined.contains("vllm") {
            runtime = .vllm
        } else if joined.contains("conversational") {
            runtime = .conversational
        } else {
            runtime = .textGeneration
        }
        let fallback = labels["kaito.sh/workspace"]?.stringValue ?? labels["app"]?.stringValue ?? "model"
        return SimulatedModelServer(runtime: runtime, modelName: modelName ?? fallback)
    }

    /// `falcon-7b` for `mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.4`.
    static func modelName(fromImage image: String) -> String? {
        guard let last = image.split(separator: "/").last else { return nil }
        var name = String(last.split(separator: "@").first ?? last)
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        if name.hasPrefix("kaito-") { name = String(name.dropFirst("kaito-".count)) }
        return name.isEmpty ? nil : name
    }

    /// Answers one request.
    public func respond(to request: ModelServerRequest) -> ModelServerResponse {
        switch runtime {
        case .textGeneration, .conversational: return respondTransformers(request)
        case .openAI, .vllm: return respondOpenAI(request)
        }
    }

    // MARK: - Simulated text

    /// The simulated reply to `prompt`: names the model and echoes a short part of the prompt.
    func simulatedText(for prompt: String) -> String {
        let flattened = prompt.split(whereSeparator: \.isNewline).joined(separator: " ")
        let excerpt = flattened.count > 40 ? String(flattened.prefix(40)) + "…" : flattened
        return "This is a simulated response from kaito-sim for model \(modelName): you said \"\(excerpt)\"."
    }

    /// Splits text into word tokens, each after the first keeping its leading space.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            result.append(index == 0 ? String(word) : " " + word)
        }
        return result.filter { !$0.isEmpty }
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0.isNewline }).count
    }
}

public import Foundation
import KaitoCore

/// Why a chat with a model server failed, as one readable line (``message``).
///
/// Model server answers map to kinds by status: 400 ``Kind/badRequest``, 422 ``Kind/validation`` (a FastAPI
/// `detail` list becomes `field: msg` items joined by `; `, a string `detail` is used as is), 429
/// ``Kind/rateLimited`` (with `Retry-After`), 5xx ``Kind/serverError`` (a plain-text body such as uvicorn's
/// `Internal Server Error` is quoted), anything else ``Kind/unexpectedStatus``.
public struct InferenceError: Error, Sendable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Sendable, Hashable {
        /// 400 from the model server.
        case badRequest
        /// 422 from the model server (request validation).
        case validation
        /// 429 from the model server.
        case rateLimited
        /// 5xx from the model server.
        case serverError
        /// Another non-2xx status from the model server (404, 405, …).
        case unexpectedStatus
        /// The model server could not be reached (direct endpoint).
        case unreachable
        /// The API server has no such Service (or Workspace).
        case serviceNotFound
        /// The Service has no ready endpoints yet.
        case notReady
        /// The API server failed or refused the request; ``InferenceError/cluster`` says why.
        case cluster
        /// The answer could not be read (not the expected JSON).
        case invalidResponse
        /// The server speaks no inference API this client knows.
        case unsupportedRuntime
        /// The request could not be built.
        case invalidRequest
    }

    /// The class of failure.
    public var kind: Kind
    /// One line for a person.
    public var message: String
    /// The model server's HTTP status, when it answered.
    public var statusCode: Int?
    /// The `Retry-After` header of a 429, when present.
    public var retryAfter: String?
    /// The API server's error, for ``Kind/cluster`` (and the proxy's 404/503).
    public var cluster: KubernetesError?

    /// Creates an error.
    public init(
        kind: Kind, message: String, statusCode: Int? = nil, retryAfter: String? = nil,
        cluster: KubernetesError? = nil
    ) {
        self.kind = kind
        self.message = message
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.cluster = cluster
    }

    /// The message.
    public var description: String { message }

    /// The error for a model server's non-2xx answer.
    ///
    /// - Parameters:
    ///   - statusCode: The HTTP status.
    ///   - body: The answer's body.
    ///   - contentType: Its `Content-Type`.
    ///   - retryAfter: Its `Retry-After` header.
    public init(statusCode: Int, body: Data, contentType: String?, retryAfter: String? = nil) {
        let detail = Self.detail(of: body, contentType: contentType)
        let kind: Kind
        var message: String
        switch statusCode {
        case 400:
            kind = .badRequest
            message = "the model server rejected the request (400 Bad Request): \(detail)"
        case 422:
            kind = .validation
            message = "the model server rejected the request as invalid (422 Unprocessable Entity): \(detail)"
        case 429:
            kind = .rateLimited
            message = "the model server is busy (429 Too Many Requests): \(detail)"
            if let retryAfter, !retryAfter.isEmpty {
                let seconds = retryAfter.trimmingCharacters(in: .whitespaces)
                message += Int(seconds) != nil ? "; retry after \(seconds)s" : "; retry after \(seconds)"
            } else {
                message += "; retry later"
            }
        case 500..<600:
            kind = .serverError
            message = "the model server failed (\(statusCode) \(Self.reason(statusCode))): \(detail)"
            if statusCode == 500 { message += "; its log (kubectl logs) has the cause" }
        default:
            kind = .unexpectedStatus
            message = "the model server answered \(statusCode) \(Self.reason(statusCode)): \(detail)"
        }
        self.init(kind: kind, message: message, statusCode: statusCode, retryAfter: retryAfter)
    }

    /// The readable part of an error body: FastAPI's `detail` (string, or list of `loc: msg`), else the text.
    static func detail(of body: Data, contentType: String?) -> String {
        if let json = try? JSONDecoder().decode(JSONValue.self, from: body) {
            if let text = json["detail"]?.stringValue { return text }
            if let items = json["detail"]?.arrayValue {
                let parts = items.map { item -> String in
                    var message = item["msg"]?.stringValue ?? item.compactText
                    var location = (item["loc"]?.arrayValue ?? []).map(\.compactText)
                    if location.first == "body" { location.removeFirst() }
                    if item["type"] == "json_invalid" {
                        // `loc` is ["body", <character offset>]: not a field.
                        if let offset = location.first { message += " at position \(offset)" }
                        if let reason = item["ctx"]?["error"]?.stringValue { message += " (\(reason))" }
                        return message
                    }
                    return location.isEmpty ? message : "\(location.joined(separator: ".")): \(message)"
                }
                if !parts.isEmpty { return parts.joined(separator: "; ") }
            }
            if let text = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue
                ?? json["message"]?.stringValue
            {
                return text
            }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "(empty body)" : text
    }

    static func reason(_ code: Int) -> String {
        switch code {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "error"
        }
    }

    /// The error for a failed service proxy request.
    init(proxy error: KubernetesError, namespace: String, service: String, port: String) {
        switch error.code {
        case 404 where error.kind == .status:
            self.init(
                kind: .serviceNotFound,
                message: "service \"\(service)\" not found in namespace \"\(namespace)\"; check the workspace name "
                    + "and -n (kubectl get workspaces -n \(namespace))",
                cluster: error)
        case 503 where error.kind == .status:
            self.init(
                kind: .notReady,
                message:
                    "the inference pods behind service \(namespace)/\(service):\(port) are not ready (\(error.message)); "
                    + "wait for the workspace's InferenceReady condition",
                cluster: error)
        default:
            self.init(kind: .cluster, message: error.message, cluster: error)
        }
    }
}

extension JSONValue {
    /// A short text form: strings bare, numbers as written, other values as JSON.
    var compactText: String {
        switch self {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null: return "null"
        default:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        }
    }
}

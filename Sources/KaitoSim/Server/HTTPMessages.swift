import Foundation
import HTTPTypes
import Hummingbird
import KaitoCore
import NIOCore

/// Request bodies and responses in the API server's encodings.
enum HTTPMessages {
    /// A JSON response (`application/json`).
    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        buffer.writeString(JSONText.string(from: value))
        buffer.writeString("\n")
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: buffer))
    }

    /// An aggregated discovery document with its media type, `Vary: Accept` and an `ETag` of its content.
    static func aggregatedDiscovery(_ value: JSONValue, version: String) -> Response {
        let text = JSONText.string(from: value)
        var buffer = ByteBufferAllocator().buffer(capacity: text.utf8.count + 1)
        buffer.writeString(text)
        buffer.writeString("\n")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var headers: HTTPFields = [.contentType: Discovery.aggregatedContentType(version: version)]
        headers[varyField] = "Accept"
        headers[.eTag] = "\"\(String(hash, radix: 16, uppercase: true))\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    private static let varyField = HTTPField.Name("Vary")!

    /// The `Status` response of a failure, with its HTTP code (and `Retry-After: 1` for 429, as the API server's
    /// rate limiting sends).
    static func failure(_ error: APIError) -> Response {
        if error.isPlainText { return text(error.message, status: error.code) }
        var response = json(error.status, status: error.code)
        if error.code == 429 { response.headers[.retryAfter] = "1" }
        return response
    }

    /// Adds one `Warning: 299 - "TEXT"` header per warning, as the API server reports dropped fields and
    /// deprecations.
    private static let warningField = HTTPField.Name("Warning")!

    static func addWarnings(_ warnings: [String], to response: inout Response) {
        for warning in warnings {
            let escaped = warning.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            response.headers.append(HTTPField(name: warningField, value: "299 - \"\(escaped)\""))
        }
    }

    /// A plain-text response.
    static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: buffer))
    }

    /// The media type of a `Content-Type` value, lower-cased and without parameters.
    static func mediaType(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return type?.isEmpty == false ? type : nil
    }

    /// Decodes a create or update body (JSON or YAML; JSON without a `Content-Type`).
    /// - Throws: ``APIError`` 400 for a malformed or empty body, 415 for other media types.
    static func decodeObject(_ data: Data, contentType: String?) throws -> JSONValue {
        switch mediaType(contentType) {
        case nil, "application/json"?, "*/*"?:
            return try decodeJSON(data)
        case "application/yaml"?, "application/x-yaml"?, "text/yaml"?:
            return try decodeYAML(data)
        default:
            throw APIError.unsupportedMediaType(accepted: ["application/json", "application/yaml"])
        }
    }

    /// Decodes a create or update body as ``decodeObject(_:contentType:)`` does, and also returns the paths of
    /// duplicate JSON keys (the last one wins, as in Go), for `duplicate field "PATH"` warnings or strict decoding.
    static func decodeObjectReportingDuplicates(_ data: Data, contentType: String?) throws -> (
        value: JSONValue, duplicates: [String]
    ) {
        switch mediaType(contentType) {
        case nil, "application/json"?, "*/*"?:
            if let parsed = JSONBodyParser.parse(data) { return parsed }
            return (try decodeJSON(data), [])
        default:
            return (try decodeObject(data, contentType: contentType), [])
        }
    }

    /// Decodes a JSON body.
    /// - Throws: ``APIError`` 400 for an empty or malformed body.
    static func decodeJSON(_ data: Data) throws -> JSONValue {
        guard !data.isEmpty else {
            throw APIError.badRequest("Object 'Kind' is missing in ''")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw APIError.badRequest(
                "couldn't get version/kind; json parse error: \(describe(error)) in \(excerpt(data))")
        }
    }

    /// Decodes a YAML body with one document (server-side apply bodies, `application/yaml`).
    /// - Throws: ``APIError`` 400 for an empty or malformed body, or more than one document.
    static func decodeYAML(_ data: Data) throws -> JSONValue {
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: data)
        } catch {
            throw APIError.badRequest("error decoding YAML: \(error)")
        }
        guard documents.count == 1, let document = documents.first else {
            throw APIError.badRequest(
                documents.isEmpty
                    ? "Object 'Kind' is missing in ''"
                    : "the body holds \(documents.count) YAML "
                        + "documents; send one object per request")
        }
        return document.value
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return String(describing: error)
    }

    private static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self)
        return "'\(text)'"
    }

    /// The field manager of a non-apply write: the `fieldManager` parameter, else the user agent's product name
    /// (`kubectl` for `kubectl/v1.32.4 (linux/amd64) …`), as the API server derives it.
    static func fieldManager(query: QueryParameters, userAgent: String?) -> String? {
        if let manager = query["fieldManager"], !manager.isEmpty { return manager }
        guard let userAgent, !userAgent.isEmpty else { return nil }
        let product = userAgent.split(separator: "/", maxSplits: 1).first.map(String.init) ?? userAgent
        return String(product.prefix(128))
    }
}

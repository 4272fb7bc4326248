import KaitoCore

/// How the server treats fields of a request body that the kind's schema does not know, and duplicate fields
/// (the `fieldValidation` query parameter).
public enum FieldValidation: String, Sendable, Hashable, CaseIterable {
    /// Drop them silently.
    case ignore = "Ignore"
    /// Drop them and name each in a `Warning` response header (the default).
    case warn = "Warn"
    /// Refuse the request with 400 BadRequest naming each.
    case strict = "Strict"
}

/// What one API request carries into the store beyond its body, and what the store hands back besides its result:
/// the field-validation mode and the warnings collected while decoding.
struct RequestScope: Sendable {
    var fieldValidation: FieldValidation = .warn
    /// Paths of unknown fields found so far, in the order found (`spec.bogus`, `metadata.bogusMeta`).
    var unknownFields: [String] = []
    /// Other decoding problems (`duplicate field "x"`), in the order found.
    var decodingProblems: [String] = []
    /// Warning texts (without the `299 - ` prefix) for the response.
    var warnings: [String] = []
}

extension ObjectStore {
    /// Records unknown fields removed from a request body; ``throwIfStrictDecodingFailed()`` turns them into a
    /// 400 under `fieldValidation=Strict`, and into warnings otherwise (none under `Ignore`).
    mutating func reportUnknownFields(_ paths: [String]) {
        request.unknownFields += paths
    }

    /// Records a decoding problem such as `duplicate field "x"` (strict decoding refuses the request).
    mutating func reportDecodingProblem(_ problem: String) {
        request.decodingProblems.append(problem)
    }

    /// Ends the decoding step of a write: under `Strict`, any unknown or duplicate field fails the request with
    /// `strict decoding error: unknown field "a", unknown field "b"`; under `Warn` each becomes a warning.
    /// - Throws: ``APIError`` 400 BadRequest.
    mutating func throwIfStrictDecodingFailed() throws {
        let problems = request.decodingProblems + request.unknownFields.map { "unknown field \"\($0)\"" }
        request.unknownFields = []
        request.decodingProblems = []
        guard !problems.isEmpty else { return }
        switch request.fieldValidation {
        case .ignore:
            return
        case .warn:
            request.warnings += problems
        case .strict:
            throw APIError.badRequest("strict decoding error: " + problems.joined(separator: ", "))
        }
    }
}

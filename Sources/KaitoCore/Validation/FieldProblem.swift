/// One problem found by validation: the field it concerns, what is wrong, and how to fix it.
public struct FieldProblem: Sendable, Hashable, CustomStringConvertible {
    /// Whether the problem blocks the request.
    public enum Severity: String, Sendable, Hashable {
        /// The request is rejected.
        case error
        /// The request is accepted, but probably not what the user wants (shown like an admission warning).
        case warning
    }

    /// Dotted JSON path of the field, such as `resource.instanceType`; empty for the whole object.
    public var fieldPath: String
    /// What is wrong. For rules Kaito v0.3.1 has, this is Kaito's exact message text.
    public var message: String
    /// How to fix it, when there is more to say than the message.
    public var hint: String?
    /// Error or warning.
    public var severity: Severity

    /// Creates a problem.
    public init(_ fieldPath: String, _ message: String, hint: String? = nil, severity: Severity = .error) {
        self.fieldPath = fieldPath
        self.message = message
        self.hint = hint
        self.severity = severity
    }

    /// `field.path: message (hint)`.
    public var description: String {
        var text = fieldPath.isEmpty ? message : "\(fieldPath): \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }

    /// An `invalid value: …` problem, phrased as Kaito's webhook phrases it.
    static func invalidValue(_ path: String, _ detail: String, hint: String? = nil) -> FieldProblem {
        FieldProblem(path, "invalid value: \(detail)", hint: hint)
    }

    /// A `missing field(s)` problem.
    static func missing(_ path: String, hint: String? = nil) -> FieldProblem {
        FieldProblem(path, "missing field(s)", hint: hint)
    }
}

extension [FieldProblem] {
    /// Only the problems that block the request.
    public var errors: [FieldProblem] { filter { $0.severity == .error } }
    /// Only the warnings.
    public var warnings: [FieldProblem] { filter { $0.severity == .warning } }
}

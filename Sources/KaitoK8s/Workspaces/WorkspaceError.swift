public import KaitoCore

/// Why a workspace operation of ``WorkspaceClient`` did not end as asked. Failed requests to the API server are
/// ``KubernetesError``s instead.
public struct WorkspaceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The workspace breaks the controller's admission rules; see ``WorkspaceError/problems``. Nothing was sent.
        case invalid
        /// No workspace of that name exists in the namespace.
        case notFound
        /// The workspace failed; see ``WorkspaceError/failure``.
        case failed
        /// The wait for success ran out of time; ``WorkspaceError/detail`` says what the workspace still waits for.
        case timedOut
        /// The wait for deletion ran out of time; ``WorkspaceError/detail`` says what holds the workspace.
        case deletionTimedOut
        /// The workspace was deleted while waiting for it to succeed.
        case deletedWhileWaiting
        /// The server ended the watch in a way it cannot be resumed from.
        case watchEnded
    }

    /// What went wrong.
    public var kind: Kind
    /// The workspace.
    public var name: String
    /// Its namespace.
    public var namespace: String
    /// The rules it breaks (``Kind/invalid``), errors and warnings.
    public var problems: [FieldProblem]
    /// The failing condition (``Kind/failed``).
    public var failure: WorkspaceFailure?
    /// What the workspace was waiting for or what held it (the time-outs).
    public var detail: String?
    /// How long the wait lasted (the time-outs).
    public var timeout: Duration?

    /// Creates an error.
    public init(
        _ kind: Kind, name: String, namespace: String, problems: [FieldProblem] = [], failure: WorkspaceFailure? = nil,
        detail: String? = nil, timeout: Duration? = nil
    ) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.problems = problems
        self.failure = failure
        self.detail = detail
        self.timeout = timeout
    }

    /// One line for people.
    public var description: String {
        switch kind {
        case .invalid:
            let errors = problems.filter { $0.severity == .error }
            return "workspace \(name) is invalid: "
                + (errors.isEmpty ? problems : errors).map(\.description).joined(separator: "; ")
        case .notFound:
            return "workspace \"\(name)\" not found in namespace \"\(namespace)\""
        case .failed:
            return "workspace \(name) failed: \(failure?.description ?? "WorkspaceSucceeded is False")"
        case .timedOut:
            return "timed out after \(Self.text(timeout)) waiting for workspace \(name): \(detail ?? "")"
        case .deletionTimedOut:
            return "timed out after \(Self.text(timeout)) waiting for workspace \(name) to be deleted: \(detail ?? "")"
        case .deletedWhileWaiting:
            return "workspace \(name) was deleted while waiting for it"
        case .watchEnded:
            return "the watch on workspace \(name) ended unexpectedly"
        }
    }

    /// A duration as Go prints one: `1h30m0s`, `2m0s`, `45s`, `500ms`.
    static func text(_ duration: Duration?) -> String {
        guard let duration else { return "the time-out" }
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        let (hours, minutes, rest) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60)
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }
}

public import Foundation
public import KaitoCore

/// One condition of a workspace as the server stores it, read leniently (a missing status reads `Unknown`).
public struct WorkspaceCondition: Sendable, Hashable {
    /// `ResourceReady`, `InferenceReady`, `JobStarted`, `WorkspaceSucceeded`, …
    public var type: String
    /// `True`, `False` or `Unknown` (or whatever the server holds).
    public var status: String
    /// The reason; empty when unset.
    public var reason: String
    /// The message; empty when unset.
    public var message: String
    /// When the status last changed, when the server says.
    public var lastTransitionTime: Date?

    /// Creates a condition.
    public init(
        type: String, status: String, reason: String = "", message: String = "", lastTransitionTime: Date? = nil
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }

    /// Whether this condition reports a failure the operator will not get past by itself: `False` with a reason
    /// that names a failure (Kaito's reasons end in `Failed`).
    public var isFailure: Bool {
        status == "False" && reason.lowercased().contains("failed")
    }
}

/// Why a workspace failed: the condition that says so.
public struct WorkspaceFailure: Sendable, Hashable, CustomStringConvertible {
    /// The failing condition's type.
    public var conditionType: String
    /// Its reason.
    public var reason: String
    /// Its message; empty when unset.
    public var message: String

    /// Creates a value.
    public init(conditionType: String, reason: String, message: String) {
        self.conditionType = conditionType
        self.reason = reason
        self.message = message
    }

    /// `ResourceReady workspaceResourceStatusFailed: <message>` (the reason again when there is no message).
    public var description: String {
        "\(conditionType) \(reason): \(message.isEmpty ? reason : message)"
    }
}

extension KubernetesObject {
    /// A workspace's conditions in the order the server stores them.
    public var workspaceConditions: [WorkspaceCondition] {
        (value(at: "status", "conditions")?.arrayValue ?? []).compactMap { value in
            guard let type = value["type"]?.stringValue else { return nil }
            return WorkspaceCondition(
                type: type, status: value["status"]?.stringValue ?? "Unknown",
                reason: value["reason"]?.stringValue ?? "", message: value["message"]?.stringValue ?? "",
                lastTransitionTime: value["lastTransitionTime"]?.stringValue.flatMap(RFC3339.date(from:)))
        }
    }

    /// Whether the workspace's `WorkspaceSucceeded` condition is `True`.
    public var isWorkspaceSucceeded: Bool {
        statusConditions[WorkspaceConditions.workspaceSucceeded]?.isTrue ?? false
    }

    /// The condition that ends a wait with failure, if any: a `False` condition whose reason names a failure
    /// (that phase condition says more than `WorkspaceSucceeded`, which repeats its message), else
    /// `WorkspaceSucceeded=False`.
    public var workspaceFailure: WorkspaceFailure? {
        let all = workspaceConditions
        if let failed = all.first(where: { $0.type != WorkspaceConditions.workspaceSucceeded && $0.isFailure }) {
            return WorkspaceFailure(conditionType: failed.type, reason: failed.reason, message: failed.message)
        }
        if let succeeded = all.first(where: { $0.type == WorkspaceConditions.workspaceSucceeded }),
            succeeded.status == "False"
        {
            return WorkspaceFailure(conditionType: succeeded.type, reason: succeeded.reason, message: succeeded.message)
        }
        return nil
    }

    /// The object as a ``KaitoCore/Workspace``, decoded leniently: fields this version does not know are ignored,
    /// as a newer server may add some.
    /// - Throws: a decoding error when a known field has the wrong type.
    public func decodedWorkspace() throws -> Workspace {
        try Workspace.decode(from: jsonValue(), strict: false)
    }
}

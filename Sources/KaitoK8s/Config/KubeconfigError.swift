import Foundation

/// Why a kubeconfig (or the in-cluster service account) could not be turned into a ``ClusterConnection``.
///
/// Rendered as one line that says where the problem is and how to fix it:
///
/// ```text
/// kubeconfig /home/me/.kube/config: context "aks": users[name=aks-user].user.client-key: no such file (fix the path …)
/// ```
///
/// The message never carries a token, password or private key.
public struct KubeconfigError: Error, Sendable, CustomStringConvertible {
    /// The kubeconfig file (or in-cluster file) at fault, when one is.
    public var file: String?
    /// The context being resolved, when one was.
    public var context: String?
    /// The field path inside the file, such as `users[name=aks-user].user.client-key`.
    public var fieldPath: String?
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is something to say.
    public var hint: String?
    /// Whether the problem is with the pod's service account rather than a kubeconfig file.
    public var isInCluster: Bool

    /// Creates an error.
    public init(
        file: String? = nil, context: String? = nil, fieldPath: String? = nil, message: String, hint: String? = nil,
        isInCluster: Bool = false
    ) {
        self.file = file
        self.context = context
        self.fieldPath = fieldPath
        self.message = message
        self.hint = hint
        self.isInCluster = isInCluster
    }

    /// `kubeconfig FILE: context "x": FIELD: message (hint)`, omitting the parts that are not known.
    public var description: String {
        var parts: [String] = []
        if isInCluster {
            parts.append(file.map { "in-cluster service account \($0)" } ?? "in-cluster service account")
        } else if let file {
            parts.append("kubeconfig \(file)")
        }
        if let context { parts.append("context \"\(context)\"") }
        if let fieldPath, !fieldPath.isEmpty { parts.append(fieldPath) }
        var text = message
        if let hint, !hint.isEmpty { text += " (\(hint))" }
        parts.append(text)
        return parts.joined(separator: ": ")
    }

    /// The same error with the context filled in.
    func inContext(_ name: String?) -> KubeconfigError {
        var copy = self
        if copy.context == nil { copy.context = name }
        return copy
    }
}

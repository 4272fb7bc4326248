import Foundation
public import KaitoK8s
public import KaitoCore

/// Which objects belong to which workspace: by controller owner reference or by Kaito's labels.
enum WorkspaceOwnership {
    /// The workspace (`namespace`, `name`) an object belongs to, if any: its controller owner reference to a
    /// `kaito.sh` Workspace (same namespace), else the `kaito.sh/workspace` + `kaito.sh/workspacenamespace` labels,
    /// else the ControllerRevision label `workspace.kaito.io/name`.
    static func owner(of metadata: ObjectMeta) -> ObjectKey? {
        for reference in metadata.ownerReferences ?? []
        where reference.kind == Workspace.kind && reference.apiVersion.hasPrefix("\(Workspace.group)/")
            && reference.controller == true
        {
            if let namespace = metadata.namespace, !namespace.isEmpty {
                return ObjectKey(namespace: namespace, name: reference.name)
            }
        }
        let labels = metadata.labels ?? [:]
        if let name = labels[WorkspaceLabels.workspace], !name.isEmpty {
            if let namespace = labels[WorkspaceLabels.workspaceNamespace] ?? metadata.namespace, !namespace.isEmpty {
                return ObjectKey(namespace: namespace, name: name)
            }
        }
        if let name = labels[WorkspaceRevision.nameLabel], !name.isEmpty, let namespace = metadata.namespace,
            !namespace.isEmpty
        {
            return ObjectKey(namespace: namespace, name: name)
        }
        return nil
    }

    /// Whether `object` belongs to `workspace` (any owner reference to it by name, or its labels).
    static func belongs(_ metadata: ObjectMeta, to workspace: Workspace) -> Bool {
        let name = workspace.metadata.name ?? ""
        let namespace = workspace.metadata.namespace ?? "default"
        for reference in metadata.ownerReferences ?? []
        where reference.kind == Workspace.kind && reference.apiVersion.hasPrefix("\(Workspace.group)/")
            && reference.name == name && (metadata.namespace ?? namespace) == namespace
        {
            return true
        }
        return owner(of: metadata) == ObjectKey(namespace: namespace, name: name)
    }

    /// Whether a planned object is tied to a workspace (owner reference or labels), so that an existing object of
    /// its name must belong to the same workspace. Shared objects (the `default` node class) are not.
    static func isWorkspaceScoped(_ metadata: ObjectMeta) -> Bool {
        (metadata.ownerReferences ?? []).contains { $0.kind == Workspace.kind } || owner(of: metadata) != nil
    }

    /// Fills empty owner reference uids of references to `workspace` with its uid (plans made offline carry none).
    static func fillingOwnerUIDs(_ object: KubernetesObject, workspace: Workspace) -> KubernetesObject {
        guard let uid = workspace.metadata.uid, !uid.isEmpty, var references = object.metadata.ownerReferences
        else { return object }
        var object = object
        for index in references.indices
        where references[index].kind == Workspace.kind && references[index].name == workspace.metadata.name
            && references[index].uid.isEmpty
        {
            references[index].uid = uid
        }
        object.metadata.ownerReferences = references
        return object
    }

    /// The error for an object of a planned name that belongs to something else.
    static func foreignObjectError(_ existing: ObjectMeta, reference: ObjectReference, workspace: Workspace)
        -> PlanExecutionError
    {
        let key = "\(workspace.metadata.namespace ?? "default")/\(workspace.metadata.name ?? "")"
        var owners = ""
        let ownerNames = (existing.ownerReferences ?? []).map { "\($0.kind) \($0.name)" }
        if !ownerNames.isEmpty { owners = " (it is owned by \(ownerNames.joined(separator: ", ")))" }
        return PlanExecutionError(
            message:
                "\(reference) already exists and does not belong to workspace \(key)\(owners): it has no owner "
                + "reference to the workspace and no \(WorkspaceLabels.workspace) label for it; delete or rename "
                + "\(reference) so Kaito can create its own",
            object: reference)
    }
}

/// Why a plan could not be applied.
public struct PlanExecutionError: Error, Sendable, CustomStringConvertible {
    /// One sentence: what failed, on which object, and what to do.
    public var message: String
    /// The object the failing action was about, if any.
    public var object: ObjectReference?
    /// The API error underneath, if any.
    public var underlying: KubernetesError?

    /// Creates an error.
    public init(message: String, object: ObjectReference? = nil, underlying: KubernetesError? = nil) {
        self.message = message
        self.object = object
        self.underlying = underlying
    }

    /// The message.
    public var description: String { message }
}

extension ResourceType {
    /// The resource of an object the planner names, by `apiVersion` and `kind`.
    static func planned(apiVersion: String, kind: String) throws -> ResourceType {
        if let known = ResourceType.wellKnown(apiVersion: apiVersion, kind: kind) { return known }
        throw PlanExecutionError(
            message: "the controller does not know the resource of \(kind) (\(apiVersion)); it cannot apply this plan")
    }
}

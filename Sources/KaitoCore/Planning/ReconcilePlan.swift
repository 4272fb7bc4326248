/// What one reconcile should do: actions in order, the status to write, and when to look again.
///
/// A plan is plain data. The controller executes it; `kaitoctl plan` prints it; tests compare it.
public struct ReconcilePlan: Sendable, Hashable {
    /// Actions to apply, in order. Each is idempotent: creating an object that exists adopts it.
    public var actions: [PlanAction]
    /// The workspace status to write through the status subresource.
    public var status: WorkspaceStatus
    /// Reconcile again after this long even if nothing changes (a timeout may expire); `nil` waits for events.
    public var requeueAfter: Duration?
    /// Why the workspace is not done yet, one sentence each (shown by `kaitoctl plan` and `workspace status`).
    public var waitingFor: [String]

    /// Creates a plan.
    public init(
        actions: [PlanAction] = [], status: WorkspaceStatus = WorkspaceStatus(), requeueAfter: Duration? = nil,
        waitingFor: [String] = []
    ) {
        self.actions = actions
        self.status = status
        self.requeueAfter = requeueAfter
        self.waitingFor = waitingFor
    }

    /// The objects the plan creates, in order.
    public var createdObjects: [KubernetesObject] {
        actions.compactMap { if case .create(let object) = $0 { object } else { nil } }
    }

    /// The objects the plan replaces, in order.
    public var updatedObjects: [KubernetesObject] {
        actions.compactMap { if case .update(let object) = $0 { object } else { nil } }
    }

    /// The objects the plan deletes, in order.
    public var deletedObjects: [ObjectReference] {
        actions.compactMap { if case .delete(let reference) = $0 { reference } else { nil } }
    }
}

/// One step of a plan.
public enum PlanAction: Sendable, Hashable {
    /// Create the object; if it exists already, adopt it.
    case create(KubernetesObject)
    /// Replace the object's spec with this one (the existing object's resourceVersion guards the write).
    case update(KubernetesObject)
    /// Delete the object (background propagation).
    case delete(ObjectReference)
    /// Add this finalizer to the workspace.
    case addFinalizer(String)
    /// Remove this finalizer, and only this one, from the workspace.
    case removeFinalizer(String)
    /// Set these annotations on the workspace, keeping the others.
    case setWorkspaceAnnotations([String: String])
    /// Add these labels to the node, keeping the others.
    case labelNode(name: String, labels: [String: String])
}

extension ReconcilePlan {
    /// The plan as JSON: `actions` (each `{create: object}`, `{update: object}`, `{delete: reference}`,
    /// `{addFinalizer: name}`, `{removeFinalizer: name}`, `{setWorkspaceAnnotations: map}` or
    /// `{labelNode: {name, labels}}`), `status`, `requeueAfterSeconds` and `waitingFor`.
    public func jsonValue() throws -> JSONValue {
        var object: [String: JSONValue] = [
            "actions": .array(try actions.map { try $0.jsonValue() }),
            "status": try KubernetesJSON.jsonValue(of: status),
            "waitingFor": .array(waitingFor.map(JSONValue.string)),
        ]
        if let requeueAfter {
            object["requeueAfterSeconds"] = .integer(requeueAfter.components.seconds)
        }
        return .object(object)
    }
}

extension PlanAction {
    /// The action as a one-key JSON object.
    public func jsonValue() throws -> JSONValue {
        switch self {
        case .create(let object): ["create": try object.jsonValue()]
        case .update(let object): ["update": try object.jsonValue()]
        case .delete(let reference): ["delete": try KubernetesJSON.jsonValue(of: reference)]
        case .addFinalizer(let name): ["addFinalizer": .string(name)]
        case .removeFinalizer(let name): ["removeFinalizer": .string(name)]
        case .setWorkspaceAnnotations(let annotations):
            ["setWorkspaceAnnotations": .object(annotations.mapValues(JSONValue.string))]
        case .labelNode(let name, let labels):
            ["labelNode": ["name": .string(name), "labels": .object(labels.mapValues(JSONValue.string))]]
        }
    }
}

extension PlanAction: CustomStringConvertible {
    /// One line for people, such as `create Deployment default/falcon` or `label node gpu-1: accelerator=nvidia`.
    public var description: String {
        func pairs(_ map: [String: String]) -> String {
            map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        }
        switch self {
        case .create(let object): return "create \(object.reference)"
        case .update(let object): return "update \(object.reference)"
        case .delete(let reference): return "delete \(reference)"
        case .addFinalizer(let finalizer): return "add finalizer \(finalizer) to the workspace"
        case .removeFinalizer(let finalizer): return "remove finalizer \(finalizer) from the workspace"
        case .setWorkspaceAnnotations(let annotations): return "annotate the workspace: \(pairs(annotations))"
        case .labelNode(let node, let labels): return "label node \(node): \(pairs(labels))"
        }
    }
}

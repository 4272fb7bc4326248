import Foundation
public import KaitoK8s
public import KaitoCore

/// Provisions GPU nodes by writing node claims to the API server, where gpu-provisioner (Machines) or Karpenter
/// (NodeClaims) turns them into nodes.
///
/// - ``PlannerConfiguration/NodeProvisionerKind/machine``: `karpenter.sh/v1alpha5` Machines.
/// - ``PlannerConfiguration/NodeProvisionerKind/nodeclaim``: `karpenter.sh` NodeClaims at
///   ``nodeClaimAPIVersion`` (`karpenter.sh/v1beta1` for Kaito v0.3.1, `karpenter.sh/v1` for current Karpenter).
/// - ``PlannerConfiguration/NodeProvisionerKind/none``: creates nothing (the planner plans no claims then); claims
///   left from an earlier mode are still deleted when their workspace goes.
///
/// Creation is create-or-adopt by the claim's deterministic name: an existing claim with the same
/// `kaito.sh/workspace` and `kaito.sh/workspacenamespace` labels is adopted; one with other labels is an error that
/// names it. Deleting a claim that is already gone succeeds.
public struct APIServerNodeProvisioner: NodeProvisioner {
    /// The kind of claims created.
    public let kind: PlannerConfiguration.NodeProvisionerKind
    /// The NodeClaim API version the cluster serves (`karpenter.sh/v1beta1` or `karpenter.sh/v1`).
    public let nodeClaimAPIVersion: String
    /// The field manager of the writes.
    public let fieldManager: String
    private let client: KubernetesClient

    /// Creates a provisioner.
    /// - Parameters:
    ///   - client: The API server client.
    ///   - kind: `machine`, `nodeclaim` or `none`.
    ///   - nodeClaimAPIVersion: The NodeClaim version the cluster serves (used for NodeClaims that name none).
    ///   - fieldManager: The field manager of the writes.
    public init(
        client: KubernetesClient, kind: PlannerConfiguration.NodeProvisionerKind,
        nodeClaimAPIVersion: String = "karpenter.sh/v1beta1", fieldManager: String = "kaito-controller"
    ) {
        self.client = client
        self.kind = kind
        self.nodeClaimAPIVersion = nodeClaimAPIVersion
        self.fieldManager = fieldManager
    }

    /// Creates the claim, or adopts an existing claim of the same name for the same workspace.
    /// - Throws: ``PlanExecutionError`` when the `none` provisioner is asked for a node, or a claim of that name
    ///   belongs to another workspace; ``KubernetesError`` when the API server refuses.
    public func provision(_ claim: KubernetesObject) async throws -> NodeProvisioningResult {
        guard kind != .none else {
            throw PlanExecutionError(
                message:
                    "the none node provisioner creates no nodes, but the plan asked for \(claim.reference); add "
                    + "ready nodes that match the workspace's label selector instead",
                object: claim.reference)
        }
        let resource = client.resource(try resourceType(apiVersion: claim.apiVersion, kind: claim.kind))
        do {
            _ = try await resource.create(claim, fieldManager: fieldManager)
            return .created
        } catch let error as KubernetesError where error.isAlreadyExists {
            let existing = try await resource.get(claim.name)
            let wanted = claim.metadata.labels ?? [:]
            let labels = existing.metadata.labels ?? [:]
            guard labels[WorkspaceLabels.workspace] == wanted[WorkspaceLabels.workspace],
                labels[WorkspaceLabels.workspaceNamespace] == wanted[WorkspaceLabels.workspaceNamespace]
            else {
                let owner =
                    "\(wanted[WorkspaceLabels.workspaceNamespace] ?? "?")/\(wanted[WorkspaceLabels.workspace] ?? "?")"
                throw PlanExecutionError(
                    message:
                        "\(claim.reference) already exists and does not belong to workspace \(owner) (its "
                        + "\(WorkspaceLabels.workspace) labels differ); delete it so Kaito can create its own",
                    object: claim.reference)
            }
            return .adopted
        }
    }

    /// Deletes the claim; one that is already gone is not an error.
    /// - Returns: Whether the claim was there.
    /// - Throws: ``KubernetesError`` when the API server refuses.
    public func deprovision(_ claim: ObjectReference) async throws -> Bool {
        let resource = client.resource(try resourceType(apiVersion: claim.apiVersion, kind: claim.kind))
        do {
            try await resource.delete(claim.name, options: DeleteOptions(propagationPolicy: .background))
            return true
        } catch let error as KubernetesError where error.isNotFound {
            return false
        }
    }

    /// The resource of a claim: a Machine, or a NodeClaim at its own version (or ``nodeClaimAPIVersion``).
    func resourceType(apiVersion: String, kind: String) throws -> ResourceType {
        switch kind {
        case "Machine":
            return .machines
        case "NodeClaim":
            let version = apiVersion.hasPrefix("karpenter.sh/") ? apiVersion : nodeClaimAPIVersion
            return .nodeClaims(version: String(version.dropFirst("karpenter.sh/".count)))
        default:
            throw PlanExecutionError(
                message:
                    "\(kind) \(apiVersion) is not a node claim; the node provisioner handles Machines and NodeClaims")
        }
    }
}

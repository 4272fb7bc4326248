/// Obtains and releases the GPU nodes a plan asks for: the seam between the planner and a cloud.
///
/// The planner builds the node claim manifests (a `karpenter.sh/v1alpha5` Machine or a `karpenter.sh` NodeClaim,
/// with a deterministic name and the `kaito.sh/workspace` labels); a provisioner makes them real. The controller's
/// provisioner writes them to the API server, where gpu-provisioner or Karpenter acts on them; a cloud-specific
/// provisioner may create agent pools directly. KaitoCore only declares the protocol: implementations do the I/O.
public protocol NodeProvisioner: Sendable {
    /// The kind of node claims this provisioner handles.
    var kind: PlannerConfiguration.NodeProvisionerKind { get }

    /// Makes sure the node claim exists: creates it, or adopts an existing claim of the same name that belongs to
    /// the same workspace (same `kaito.sh/workspace` and `kaito.sh/workspacenamespace` labels).
    /// - Returns: Whether the claim was created now or existed already.
    /// - Throws: When the claim cannot be created, or a claim of that name belongs to something else.
    func provision(_ claim: KubernetesObject) async throws -> NodeProvisioningResult

    /// Releases the node claim; a claim that is already gone is not an error.
    /// - Returns: Whether a claim was there to delete.
    /// - Throws: When the claim cannot be deleted.
    func deprovision(_ claim: ObjectReference) async throws -> Bool
}

/// What ``NodeProvisioner/provision(_:)`` did.
public enum NodeProvisioningResult: String, Sendable, Hashable {
    /// The claim was created.
    case created
    /// A claim of that name for the same workspace existed and was adopted.
    case adopted
}

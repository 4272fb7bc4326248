public import Foundation

/// Kaito's Workspace condition types and reasons (spec section 5.11), exact strings.
public enum WorkspaceConditions {
    /// `MachineReady`: gpu-provisioner Machines are ready.
    public static let machineReady = "MachineReady"
    /// `NodeClaimReady`: Karpenter NodeClaims are ready.
    public static let nodeClaimReady = "NodeClaimReady"
    /// `ResourceReady`: the GPU nodes are selected and ready.
    public static let resourceReady = "ResourceReady"
    /// `InferenceReady`: the model server is ready.
    public static let inferenceReady = "InferenceReady"
    /// `JobStarted`: the tuning Job runs.
    public static let jobStarted = "JobStarted"
    /// `WorkspaceSucceeded`: the workspace as a whole.
    public static let workspaceSucceeded = "WorkspaceSucceeded"
    /// `WorkspaceDeleting`: deletion is in progress.
    public static let workspaceDeleting = "WorkspaceDeleting"

    /// Reasons, as Kaito writes them.
    public enum Reason {
        /// Node claims are being created.
        public static let createMachinePending = "CreateMachinePending"
        /// NodeClaims are being created.
        public static let createNodeClaimPending = "CreateNodeClaimPending"
        /// A Machine could not be created or launched.
        public static let machineFailedCreation = "machineFailedCreation"
        /// A NodeClaim could not be created or launched.
        public static let nodeClaimFailedCreation = "nodeClaimFailedCreation"
        /// A Machine did not become ready in time.
        public static let checkMachineStatusFailed = "checkMachineStatusFailed"
        /// A NodeClaim did not become ready in time.
        public static let checkNodeClaimStatusFailed = "checkNodeClaimStatusFailed"
        /// Nodes are ready and labelled.
        public static let installNodePluginsSuccess = "installNodePluginsSuccess"
        /// Resource phase failed.
        public static let resourceFailed = "workspaceResourceStatusFailed"
        /// Resource phase succeeded.
        public static let resourceSucceeded = "workspaceResourceStatusSuccess"
        /// Inference deployment failed.
        public static let inferenceFailed = "WorkspaceInferenceStatusFailed"
        /// Inference deployment succeeded.
        public static let inferenceSucceeded = "WorkspaceInferenceStatusSuccess"
        /// The workspace failed.
        public static let workspaceFailed = "workspaceFailed"
        /// The workspace (tuning) has not completed.
        public static let workspacePending = "workspacePending"
        /// The workspace succeeded.
        public static let workspaceSucceeded = "workspaceSucceeded"
        /// The workspace is being deleted.
        public static let workspaceDeleted = "workspaceDeleted"
    }
}

extension [Condition] {
    /// Sets a condition as `meta.SetStatusCondition` does: an existing condition of the same type is updated in
    /// place and keeps its `lastTransitionTime` unless its status changes; a new one is appended.
    public mutating func set(_ condition: Condition, now: Date) {
        var condition = condition
        if let index = firstIndex(where: { $0.type == condition.type }) {
            let existing = self[index]
            condition.lastTransitionTime =
                existing.status == condition.status ? existing.lastTransitionTime ?? now : now
            self[index] = condition
        } else {
            condition.lastTransitionTime = now
            append(condition)
        }
    }

    /// The condition of this type, if present.
    public subscript(type type: String) -> Condition? {
        first { $0.type == type }
    }
}

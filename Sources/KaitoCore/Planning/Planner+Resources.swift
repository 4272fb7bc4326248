import Foundation

extension PlanContext {
    /// The node-claim condition type of the configured provisioner, `nil` when nodes are brought by the user.
    var nodeClaimConditionType: String? {
        switch configuration.effectiveProvisioner {
        case .machine: WorkspaceConditions.machineReady
        case .nodeclaim: WorkspaceConditions.nodeClaimReady
        case .none: nil
        }
    }

    /// `machine` or `nodeClaim`, as Kaito words its messages.
    var nodeClaimNoun: String { configuration.effectiveProvisioner == .nodeclaim ? "nodeClaim" : "machine" }

    /// Spec 5.5–5.8. Returns the selected nodes when the workspace has all of them, nil while waiting or failed.
    mutating func planResources() -> [ObservedNode]? {
        let qualified = qualifiedNodes()
        let selected = Array(qualified.prefix(count))
        let missing = count - selected.count

        guard missing > 0 else {
            completeResources(selected)
            return selected
        }

        guard let conditionType = nodeClaimConditionType else {
            let message =
                "found \(selected.count) of \(count) ready nodes with instance type \(instanceType) matching the "
                + "label selector; the none provisioner creates no nodes: add \(missing) more"
            fail(message, types: [(WorkspaceConditions.resourceReady, WorkspaceConditions.Reason.resourceFailed)])
            waitingFor.append(
                "\(missing) more ready \(instanceType) node(s) matching the label selector (the none provisioner "
                    + "creates no nodes)")
            requeue(after: .seconds(60))
            return nil
        }

        // Claims still coming up (spec 5.5 step 1 waits only for claims that are not ready); a ready claim whose
        // node is gone or unhealthy no longer counts, and a replacement is requested.
        let inFlight = observed.nodeClaims
            .filter { !$0.isDeleting && !$0.isReady && $0.instanceTypes.contains(instanceType) }
            .sorted { $0.name < $1.name }

        if let failed = inFlight.first(where: { $0.launchFailure == Planner.instanceTypesUnavailable }) {
            failNodeClaim(Planner.instanceTypesUnavailable, creation: true)
            waitingFor.append(
                "\(nodeClaimNoun) \(failed.name) could not launch: no \(instanceType) capacity; delete the workspace "
                    + "or add capacity, then delete the \(nodeClaimNoun) to retry")
            return nil
        }

        // Kaito waits 240 s for each node claim; past that it reports the timeout and keeps waiting.
        let late = inFlight.filter { claim in
            age(of: claim.creationTimestamp).map { $0 >= Planner.nodeClaimReadyTimeout } ?? false
        }
        if let first = late.first {
            failNodeClaim(
                "check \(nodeClaimNoun) status timed out. \(nodeClaimNoun) \(first.name) is not ready", creation: false)
            requeue(after: .seconds(30))
        } else {
            let pending =
                configuration.effectiveProvisioner == .machine
                ? WorkspaceConditions.Reason.createMachinePending : WorkspaceConditions.Reason.createNodeClaimPending
            setCondition(conditionType, .unknown, pending, "creating \(missing) \(nodeClaimNoun)s")
        }
        for claim in inFlight {
            if let age = age(of: claim.creationTimestamp), age < Planner.nodeClaimReadyTimeout {
                requeue(after: Planner.nodeClaimReadyTimeout - age)
            }
        }

        // A ready claim whose node is not observed is counted as coming up, not replaced: a controller's caches
        // can show the claim before its node, and a replacement would be a duplicate. (A node that is observed
        // but unhealthy does not count, above, and gets a replacement.)
        let observedNodeNames = Set(observed.nodes.map(\.name))
        let awaitingNode = observed.nodeClaims.filter {
            !$0.isDeleting && $0.isReady && $0.instanceTypes.contains(instanceType)
                && !observedNodeNames.contains($0.nodeName ?? "")
        }
        let toCreate = max(0, missing - inFlight.count - awaitingNode.count)
        if toCreate > 0 {
            // Spec 5.7.2: the NodeClass is checked before each NodeClaim is created.
            if configuration.effectiveProvisioner == .nodeclaim {
                planNodeClassIfMissing()
            }
            planNodeClaimCreation(toCreate)
        }
        waitingFor.append("\(missing) of \(count) \(instanceType) node(s) to become ready")

        if toCreate > 0 || inFlight.contains(where: { $0.creationTimestamp == nil }) {
            requeue(after: Planner.nodeClaimReadyTimeout)
        }
        return nil
    }

    /// Ready, not deleting nodes that match the selector and the instance type, best first (spec 5.5 step 2–3).
    func qualifiedNodes() -> [ObservedNode] {
        let selector = workspace.resource?.labelSelector ?? LabelSelector()
        let preferred = Set(workspace.resource?.preferredNodes ?? [])
        let current = Set(workspace.status?.workerNodes ?? [])
        // Nodes made by gpu-provisioner carry kaito.sh/machine-type; with Karpenter, karpenter.sh/nodepool too.
        var provisionedLabels = ["kaito.sh/machine-type"]
        if configuration.effectiveProvisioner == .nodeclaim { provisionedLabels.append("karpenter.sh/nodepool") }
        func rank(_ node: ObservedNode) -> (Int, Int, Int) {
            (
                preferred.contains(node.name) ? 0 : 1, current.contains(node.name) ? 0 : 1,
                provisionedLabels.contains { node.labels[$0] != nil } ? 0 : 1
            )
        }
        return observed.nodes
            .filter { node in
                !node.isDeleting && node.isReady && selector.matches(node.labels)
                    && (node.instanceType == nil || node.instanceType == instanceType)
            }
            .sorted { lhs, rhs in
                let (left, right) = (rank(lhs), rank(rhs))
                return left != right ? left < right : lhs.name < rhs.name
            }
    }

    /// Steps 5–8: label GPU nodes for the device plugin, then report the resources ready.
    private mutating func completeResources(_ selected: [ObservedNode]) {
        if instanceType.contains("Standard_N") {
            for node in selected where node.labels["accelerator"] != "nvidia" {
                actions.append(.labelNode(name: node.name, labels: ["accelerator": "nvidia"]))
            }
        }
        if let conditionType = nodeClaimConditionType {
            let message =
                configuration.effectiveProvisioner == .nodeclaim
                ? "nodeClaim plugins have been installed successfully"
                : "machines plugins have been installed successfully"
            setCondition(conditionType, .true, WorkspaceConditions.Reason.installNodePluginsSuccess, message)
        }
        workerNodes = selected.map(\.name).sorted()
        setCondition(
            WorkspaceConditions.resourceReady, .true, WorkspaceConditions.Reason.resourceSucceeded,
            "workspace resource is ready")
    }

    private mutating func failNodeClaim(_ message: String, creation: Bool) {
        var types: [(type: String, reason: String)] = []
        if let conditionType = nodeClaimConditionType {
            let reason: String
            switch (configuration.effectiveProvisioner, creation) {
            case (.nodeclaim, true): reason = WorkspaceConditions.Reason.nodeClaimFailedCreation
            case (.nodeclaim, false): reason = WorkspaceConditions.Reason.checkNodeClaimStatusFailed
            case (_, true): reason = WorkspaceConditions.Reason.machineFailedCreation
            case (_, false): reason = WorkspaceConditions.Reason.checkMachineStatusFailed
            }
            types.append((conditionType, reason))
        }
        types.append((WorkspaceConditions.resourceReady, WorkspaceConditions.Reason.resourceFailed))
        fail(message, types: types)
    }

    // MARK: Node claims (spec 5.6, 5.7)

    /// Creates `number` node claims with deterministic names, skipping indexes whose names exist already.
    private mutating func planNodeClaimCreation(_ number: Int) {
        let taken = Set(observed.nodeClaims.map(\.name))
        var index = 0
        var created = 0
        while created < number {
            let claimName = NodeClaimNaming.name(for: workspace, index: index)
            index += 1
            guard !taken.contains(claimName) else { continue }
            actions.append(.create(nodeClaim(named: claimName)))
            created += 1
        }
    }

    /// The storage a node claim requests: the inference preset's disk, "0" (provider default) otherwise.
    var nodeClaimStorage: String {
        guard workspace.tuning == nil, let preset = workspace.inference?.preset,
            let model = configuration.presets.model(named: preset.name)
        else { return "0" }
        let disk = model.inference.diskStorageRequirement
        // Kaito's falcon-40b says "400" with no unit (400 bytes); a disk size without a unit is read as GiB.
        if disk.format == .decimalSI, !disk.isZero, disk.bytesRoundedUp < 1 << 20 {
            return "\(disk.bytesRoundedUp)Gi"
        }
        return disk.description
    }

    private func nodeClaim(named claimName: String) -> KubernetesObject {
        var labels = [
            WorkspaceLabels.workspace: name, WorkspaceLabels.workspaceNamespace: namespace,
        ]
        let matchLabels = workspace.resource?.labelSelector?.matchLabels ?? [:]
        let instanceTypeRequirement: JSONValue = [
            "key": "node.kubernetes.io/instance-type", "operator": "In", "values": [.string(instanceType)],
        ]
        let taints: JSONValue = [["key": "sku", "value": "gpu", "effect": "NoSchedule"]]
        switch configuration.effectiveProvisioner {
        case .machine, .none:
            labels["karpenter.sh/provisioner-name"] = "default"
            labels.merge(matchLabels) { _, selector in selector }
            return KubernetesObject(
                apiVersion: "karpenter.sh/v1alpha5", kind: "Machine",
                metadata: ObjectMeta(name: claimName, labels: labels),
                content: [
                    "spec": [
                        "machineTemplateRef": ["name": .string(claimName)],
                        "requirements": [
                            instanceTypeRequirement,
                            ["key": "karpenter.sh/provisioner-name", "operator": "In", "values": ["default"]],
                            ["key": "kaito.sh/machine-type", "operator": "In", "values": ["gpu"]],
                            ["key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]],
                            ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                        ],
                        "taints": taints,
                        "resources": ["requests": ["storage": .string(nodeClaimStorage)]],
                    ]
                ])
        case .nodeclaim:
            labels["karpenter.sh/nodepool"] = "kaito"
            labels.merge(matchLabels) { _, selector in selector }
            var requirements: [JSONValue] = [
                ["key": "karpenter.sh/nodepool", "operator": "In", "values": ["kaito"]],
                instanceTypeRequirement,
                ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
            ]
            if configuration.cloud == .azure {
                requirements.append(
                    ["key": "karpenter.azure.com/sku-name", "operator": "In", "values": [.string(instanceType)]])
            }
            var nodeClassReference: [String: JSONValue] = [
                "name": "default", "kind": .string(NodeClassNaming.kind(for: configuration.cloud)),
            ]
            if configuration.nodeClaimAPIVersion == "karpenter.sh/v1" {
                nodeClassReference["group"] = .string(NodeClassNaming.group(for: configuration.cloud))
            }
            return KubernetesObject(
                apiVersion: configuration.nodeClaimAPIVersion, kind: "NodeClaim",
                metadata: ObjectMeta(
                    name: claimName, labels: labels, annotations: ["karpenter.sh/do-not-disrupt": "true"]),
                content: [
                    "spec": [
                        "nodeClassRef": .object(nodeClassReference),
                        "taints": taints,
                        "requirements": .array(requirements),
                        "resources": ["requests": ["ephemeral-storage": .string(nodeClaimStorage)]],
                    ]
                ])
        }
    }

    /// Spec 5.7.2: the `default` NodeClass NodeClaims refer to, created when absent (Azure only needs no inputs).
    private mutating func planNodeClassIfMissing() {
        let kind = NodeClassNaming.kind(for: configuration.cloud)
        guard !observed.nodeClasses.contains(where: { $0.kind == kind && $0.name == "default" }) else { return }
        switch configuration.cloud {
        case .azure:
            actions.append(
                .create(
                    KubernetesObject(
                        apiVersion: "karpenter.azure.com/v1alpha2", kind: kind,
                        metadata: ObjectMeta(
                            name: "default",
                            annotations: [
                                "kubernetes.io/description":
                                    "General purpose AKSNodeClass for running Ubuntu 22.04 nodes"
                            ]),
                        content: ["spec": ["imageFamily": "Ubuntu2204"]])))
        case .aws:
            waitingFor.append(
                "EC2NodeClass default is missing; create it for your cluster (role and discovery tags) before NodeClaims can launch"
            )
        }
    }
}

/// Deterministic node claim names.
public enum NodeClaimNaming {
    /// `ws` + the first 9 hex characters of SHA-256 of the workspace's uid (or namespace/name when it has none) and
    /// the index. Kaito derived the name from the clock; a deterministic name lets a restarted controller find what
    /// it created instead of creating more.
    public static func name(for workspace: Workspace, index: Int) -> String {
        let identity =
            workspace.metadata.uid.flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(workspace.metadata.namespace ?? "default")/\(workspace.metadata.name ?? "")"
        return "ws" + String(SHA256Digest(hashing: "\(identity)#\(index)").hex.prefix(9))
    }
}

/// The Karpenter node class a NodeClaim refers to, per cloud.
public enum NodeClassNaming {
    /// The NodeClass kind of the cloud's Karpenter provider: `AKSNodeClass` on Azure, `EC2NodeClass` on AWS.
    public static func kind(for cloud: CloudProvider) -> String {
        switch cloud {
        case .azure: "AKSNodeClass"
        case .aws: "EC2NodeClass"
        }
    }

    /// The API group of that kind: `karpenter.azure.com` or `karpenter.k8s.aws`.
    public static func group(for cloud: CloudProvider) -> String {
        switch cloud {
        case .azure: "karpenter.azure.com"
        case .aws: "karpenter.k8s.aws"
        }
    }
}

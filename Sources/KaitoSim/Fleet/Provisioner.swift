import Foundation
import KaitoCore

/// The simulated node provisioner: gpu-provisioner for Machines, Karpenter for NodeClaims.
extension FleetSimulator {
    static let provisionerManager = "karpenter"
    /// The message gpu-provisioner and Karpenter give when no capacity of the requested instance types exists.
    static let instanceTypesUnavailable = "all requested instance types were unavailable during launch"

    func reconcileClaims() async {
        var nodes: [String: FleetObject] = [:]
        for node in await list(FleetResources.nodes) { nodes[node.name] = node }
        var claimUIDs: Set<String> = []
        var servedAny = false
        for resource in [FleetResources.machines, FleetResources.nodeClaims] {
            guard let (version, claims) = await list(resource) else { continue }
            servedAny = true
            for claim in claims.sorted(by: { $0.name < $1.name }) {
                claimUIDs.insert(claim.uid)
                await reconcileClaim(claim, resource: version, nodes: &nodes)
            }
        }
        guard servedAny else { return }
        for node in nodes.values.sorted(by: { $0.name < $1.name }) where !node.isDeleting {
            guard let owner = node.ownerReferences.first(where: Self.isClaimReference),
                let ownerUID = owner["uid"]?.stringValue, !claimUIDs.contains(ownerUID)
            else { continue }
            let kind = owner["kind"]?.stringValue ?? "claim"
            await delete(FleetResources.nodes, node, manager: Self.provisionerManager, why: "its \(kind) is gone")
        }
    }

    static func isClaimReference(_ reference: JSONValue) -> Bool {
        let apiVersion = reference["apiVersion"]?.stringValue ?? ""
        let kind = reference["kind"]?.stringValue
        return apiVersion.hasPrefix("karpenter.sh/") && (kind == "Machine" || kind == "NodeClaim")
    }

    private func reconcileClaim(
        _ claim: FleetObject, resource: GroupVersionResource, nodes: inout [String: FleetObject]
    ) async {
        let isMachine = resource.resource == FleetResources.machines.resource
        // Karpenter manages only NodeClaims whose nodeClassRef names its cloud's NodeClass kind (`IsManaged`);
        // others it leaves alone: no finalizer, no node.
        if !isMachine,
            claim["spec", "nodeClassRef", "kind"]?.stringValue != NodeClassNaming.kind(for: configuration.cloud)
        {
            return
        }
        let nodeName = claim["status", "nodeName"]?.stringValue
        if claim.isDeleting {
            await terminate(claim, resource: resource, nodeName: nodeName, nodes: &nodes)
            return
        }
        if claim.condition(isMachine ? "MachineLaunched" : "Launched")?["status"]?.stringValue == "False" { return }
        if let nodeName, claim.conditionIsTrue("Ready") {
            if nodes[nodeName] == nil {
                // Karpenter deletes the claim of a Node that was deleted; gpu-provisioner's machine GC does the same.
                await delete(
                    resource, claim, manager: Self.provisionerManager, why: "its Node \(nodeName) is gone")
            }
            return
        }
        guard isDue("provision/\(claim.uid)", after: configuration.timing.nodeProvisioning) else { return }
        let sku = Self.instanceTypes(of: claim).lazy.compactMap {
            self.configuration.catalog.sku(named: $0, cloud: self.configuration.cloud)
        }.first
        guard let sku else {
            await failLaunch(claim, resource: resource, isMachine: isMachine)
            return
        }
        var current = claim
        if let finalizer = configuration.claimFinalizer, !claim.finalizers.contains(finalizer) {
            var withFinalizer = claim
            withFinalizer.set(
                .array((claim.finalizers + [finalizer]).map(JSONValue.string)), at: "metadata", "finalizers")
            guard
                let updated = await update(
                    resource, withFinalizer, original: claim, manager: Self.provisionerManager,
                    describe: "added finalizer \(finalizer) to")
            else { return }
            current = updated
        }
        let shape = configuration.shape(for: sku)
        let resources = Self.nodeResources(sku: sku, shape: shape, claim: claim)
        let providerID = nodes[claim.name]?["spec", "providerID"]?.stringValue ?? providerID(for: claim.name)
        if nodes[claim.name] == nil {
            let node = makeNode(for: claim, sku: sku, resources: resources, providerID: providerID, nodes: nodes)
            guard
                let created = await create(
                    FleetResources.nodes, namespace: nil, object: node, manager: Self.provisionerManager,
                    describe: "Node")
            else { return }
            nodes[claim.name] = created
        }
        var launched = current
        launched.set(.string(claim.name), at: "status", "nodeName")
        launched.set(.string(providerID), at: "status", "providerID")
        launched.set(resources, at: "status", "capacity")
        launched.set(resources, at: "status", "allocatable")
        if !isMachine { launched.set("kaito-sim-simulated-image", at: "status", "imageID") }
        var conditions = current["status", "conditions"]?.arrayValue ?? []
        let types =
            isMachine
            ? ["MachineLaunched", "MachineRegistered", "MachineInitialized", "Ready"]
            : ["Launched", "Registered", "Initialized", "Ready"]
        for type in types {
            FleetConditions.set(
                &conditions, type: type, status: "True",
                fields: claimConditionFields(isMachine: isMachine, reason: type, message: nil, claim: claim),
                now: pass.timestamp)
        }
        launched.set(.array(conditions), at: "status", "conditions")
        await update(
            resource, launched, original: current, subresource: .status, manager: Self.provisionerManager,
            describe: "launched on \(sku.name):")
    }

    /// The fields of a claim condition besides type, status and transition time: knative-style for Machines (reason
    /// and message only when set), `metav1.Condition`-style for NodeClaims (reason, message, observedGeneration).
    private func claimConditionFields(
        isMachine: Bool, reason: String, message: String?, claim: FleetObject
    ) -> [String: JSONValue?] {
        if isMachine {
            return message.map { ["reason": .string(reason), "message": .string($0)] } ?? [
                "reason": nil, "message": nil,
            ]
        }
        return [
            "reason": .string(reason), "message": .string(message ?? ""),
            "observedGeneration": .integer(claim.generation),
        ]
    }

    private func failLaunch(_ claim: FleetObject, resource: GroupVersionResource, isMachine: Bool) async {
        var failed = claim
        var conditions = claim["status", "conditions"]?.arrayValue ?? []
        for type in [isMachine ? "MachineLaunched" : "Launched", "Ready"] {
            let fields = claimConditionFields(
                isMachine: isMachine, reason: "LaunchFailed", message: Self.instanceTypesUnavailable, claim: claim)
            FleetConditions.set(&conditions, type: type, status: "False", fields: fields, now: pass.timestamp)
        }
        failed.set(.array(conditions), at: "status", "conditions")
        let wanted = Self.instanceTypes(of: claim).joined(separator: ", ")
        await update(
            resource, failed, original: claim, subresource: .status, manager: Self.provisionerManager,
            describe: "failed to launch (no capacity for [\(wanted)])")
    }

    private func terminate(
        _ claim: FleetObject, resource: GroupVersionResource, nodeName: String?, nodes: inout [String: FleetObject]
    ) async {
        let finalizer = configuration.claimFinalizer.flatMap { claim.finalizers.contains($0) ? $0 : nil }
        let node = nodes[nodeName ?? claim.name].flatMap { node in
            node.ownerReferences.contains { $0["uid"]?.stringValue == claim.uid } || node.name == nodeName
                ? node : nil
        }
        guard finalizer != nil || node != nil else { return }
        guard isDue("terminate/\(claim.uid)", after: configuration.timing.nodeTermination) else { return }
        if let node, !node.isDeleting {
            await delete(
                FleetResources.nodes, node, manager: Self.provisionerManager, why: "its \(claim.kind) is being deleted")
            nodes[node.name] = nil
        }
        if let finalizer {
            var released = claim
            let remaining = claim.finalizers.filter { $0 != finalizer }
            released.set(
                remaining.isEmpty ? nil : .array(remaining.map(JSONValue.string)), at: "metadata", "finalizers")
            await update(
                resource, released, original: claim, manager: Self.provisionerManager,
                describe: "removed finalizer \(finalizer) from")
        }
    }

    /// The values of the claim's `node.kubernetes.io/instance-type` requirement.
    static func instanceTypes(of claim: FleetObject) -> [String] {
        for requirement in claim["spec", "requirements"]?.arrayValue ?? []
        where requirement["key"]?.stringValue == FleetLabels.instanceType {
            return (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        return []
    }

    /// Capacity (and allocatable) of a node of `sku`: the shape's CPU, memory, pods and disk (the claim's storage
    /// request when it makes one), and the SKU's GPUs.
    static func nodeResources(sku: GPUSKU, shape: NodeShape, claim: FleetObject) -> JSONValue {
        let requested =
            FleetJSON.quantity(claim["spec", "resources", "requests", "ephemeral-storage"])
            ?? FleetJSON.quantity(claim["spec", "resources", "requests", "storage"])
        let storage = requested.flatMap { $0 > .zero ? $0.description : nil } ?? "\(shape.ephemeralStorageGiB)Gi"
        return [
            "cpu": .string(String(shape.cpus)), "memory": .string("\(shape.memoryGiB)Gi"),
            "pods": .string(String(shape.maxPods)), "ephemeral-storage": .string(storage),
            "nvidia.com/gpu": .string(String(sku.gpuCount)),
        ]
    }

    private func providerID(for name: String) -> String {
        switch configuration.cloud {
        case .azure:
            "azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_kaito-sim_eastus/"
                + "providers/Microsoft.Compute/virtualMachines/\(name)"
        case .aws:
            "aws:///us-east-1a/i-0\(FleetHashing.hex(name, count: 16))"
        }
    }

    /// The smallest host number from 4 not used by a node's `10.224.0.N` internal address.
    private static func freeNodeIndex(_ nodes: [String: FleetObject]) -> Int {
        var used: Set<Int> = []
        for node in nodes.values {
            for address in node["status", "addresses"]?.arrayValue ?? []
            where address["type"]?.stringValue == "InternalIP" {
                let parts = (address["address"]?.stringValue ?? "").split(separator: ".")
                if parts.count == 4, parts[0] == "10", parts[1] == "224", let last = Int(parts[3]) { used.insert(last) }
            }
        }
        return (4...254).first { !used.contains($0) } ?? 254
    }

    private func makeNode(
        for claim: FleetObject, sku: GPUSKU, resources: JSONValue, providerID: String, nodes: [String: FleetObject]
    ) -> JSONValue {
        let name = claim.name
        var labels = claim.labels
        for requirement in claim["spec", "requirements"]?.arrayValue ?? []
        where requirement["operator"]?.stringValue == "In" {
            let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            if let key = requirement["key"]?.stringValue, values.count == 1 { labels[key] = values[0] }
        }
        let wellKnown: [String: String] = [
            FleetLabels.instanceType: sku.name, FleetLabels.betaInstanceType: sku.name, FleetLabels.hostname: name,
            FleetLabels.os: "linux", FleetLabels.arch: "amd64", "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64", "karpenter.sh/registered": "true", "karpenter.sh/initialized": "true",
            "karpenter.sh/capacity-type": "on-demand",
        ]
        labels.merge(wellKnown) { _, known in known }
        if sku.isNVIDIA { labels["nvidia.com/gpu.present"] = "true" }
        let index = Self.freeNodeIndex(nodes)
        let ownerReference: JSONValue = [
            "apiVersion": .string(claim.apiVersion), "kind": .string(claim.kind), "name": .string(name),
            "uid": .string(claim.uid), "blockOwnerDeletion": true,
        ]
        return SimulatedNodeManifest.make(
            name: name, labels: FleetJSON.object(labels), resources: resources, providerID: providerID, host: index,
            now: pass.timestamp,
            osImage: configuration.cloud == .azure ? "Ubuntu 22.04.4 LTS (kaito-sim)" : "Amazon Linux 2 (kaito-sim)",
            taints: claim["spec", "taints"] ?? [], ownerReferences: [ownerReference], identity: claim.uid)
    }
}

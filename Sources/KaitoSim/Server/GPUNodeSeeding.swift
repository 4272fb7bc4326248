public import KaitoCore

/// Ready GPU Nodes to start a simulated cluster with, shaped like the nodes of a managed GPU node pool.
public enum GPUNodeSeeding {
    /// Why nodes could not be made.
    public struct UnknownSKU: Error, CustomStringConvertible {
        /// The instance type asked for.
        public var instanceType: String
        /// Close names from the catalog.
        public var suggestions: [String]

        /// `unknown instance type "X"; did you mean …?`.
        public var description: String {
            var text = "unknown instance type \"\(instanceType)\" (not in the GPU catalog)"
            if !suggestions.isEmpty { text += "; did you mean \(suggestions.joined(separator: ", "))?" }
            return text
        }
    }

    /// The GPU SKU named `instanceType` in `catalog`, Azure first.
    public static func sku(_ instanceType: String, catalog: GPUCatalog = .bundled) throws -> GPUSKU {
        if let sku = catalog.skus.first(where: { $0.name == instanceType }) { return sku }
        throw UnknownSKU(instanceType: instanceType, suggestions: catalog.suggestions(for: instanceType, cloud: nil))
    }

    /// A Ready Node for `sku`: instance-type, hostname, OS and architecture labels, `nvidia.com/gpu` capacity
    /// and allocatable from the catalog, CPU, memory, pods and disk from `shape` (by default the estimate the
    /// simulated fleet uses, ``NodeShape/estimated(for:)``), a `Ready` condition, an internal IP and node info.
    public static func node(
        name: String, sku: GPUSKU, index: Int, now: String, shape: NodeShape? = nil
    ) -> JSONValue {
        let shape = shape ?? .estimated(for: sku)
        let resources: JSONValue = [
            "nvidia.com/gpu": .string(String(sku.gpuCount)), "cpu": .string(String(shape.cpus)),
            "memory": .string("\(shape.memoryGiB)Gi"), "pods": .string(String(shape.maxPods)),
            "ephemeral-storage": .string("\(shape.ephemeralStorageGiB)Gi"),
        ]
        var labels: [String: JSONValue] = [
            "node.kubernetes.io/instance-type": .string(sku.name),
            "beta.kubernetes.io/instance-type": .string(sku.name),
            "kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
        ]
        if sku.isNVIDIA { labels["nvidia.com/gpu.present"] = "true" }
        return SimulatedNodeManifest.make(
            name: name, labels: .object(labels), resources: resources, providerID: "kaito-sim:///\(name)",
            host: 4 + index % 250, now: now, osImage: "kaito-sim")
    }
}

extension APIStore {
    /// Creates `count` Ready GPU Nodes of `instanceType`, named `PREFIX-0`, `PREFIX-1`, …
    /// - Returns: the created Nodes.
    /// - Throws: ``GPUNodeSeeding/UnknownSKU`` for an instance type the catalog lacks; ``APIError`` when a node
    ///   exists already.
    @discardableResult
    public func seedGPUNodes(
        count: Int, instanceType: String, namePrefix: String = "gpu-node", catalog: GPUCatalog = .bundled
    ) throws -> [JSONValue] {
        let sku = try GPUNodeSeeding.sku(instanceType, catalog: catalog)
        let now = RFC3339.string(from: simulationClock.now())
        let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
        return try (0..<max(0, count)).map { index in
            try create(
                nodes, object: GPUNodeSeeding.node(name: "\(namePrefix)-\(index)", sku: sku, index: index, now: now),
                fieldManager: "kaito-sim")
        }
    }
}

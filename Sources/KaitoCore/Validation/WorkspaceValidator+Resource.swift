extension WorkspaceValidator {
    /// Rules every workspace's `resource` follows, whatever it runs (not checked by Kaito v0.3.1).
    func validateResourceBasics(_ workspace: Workspace) -> [FieldProblem] {
        guard let resource = workspace.resource else {
            return [
                .missing(
                    "resource",
                    hint: "add resource.instanceType and resource.labelSelector.matchLabels for the GPU nodes")
            ]
        }
        var problems: [FieldProblem] = []
        if let count = resource.count, count < 1 {
            problems.append(.invalidValue("resource.count", "\(count)", hint: "count must be at least 1"))
        }
        if resource.labelSelector == nil {
            problems.append(
                .missing("resource.labelSelector", hint: "add labelSelector.matchLabels, e.g. apps: <workspace>"))
        }
        return problems
    }

    /// Kaito's resource-with-inference rules: SKU support and GPU sizing, and a convertible label selector.
    func validateResourceForInference(_ workspace: Workspace) -> [FieldProblem] {
        guard let resource = workspace.resource else { return [] }
        var problems: [FieldProblem] = []
        let sku = resource.instanceType ?? ""
        let count = resource.count ?? ResourceSpec.defaultCount
        let preset = workspace.inference?.preset.flatMap { presets.model(named: $0.name) }
        if let preset, let known = gpus.sku(named: sku, cloud: cloud), !known.isNVIDIA {
            problems.append(
                FieldProblem(
                    "resource.instanceType",
                    "the accelerators of \(sku) (\(known.gpuModel ?? "unknown")) are not NVIDIA GPUs, and the "
                        + "\(preset.name) image needs CUDA: the model server will not start",
                    hint: alternativesHint(for: preset), severity: .warning))
        }
        if let known = sizingSKU(named: sku) {
            if let preset, count >= 1 {
                problems += sizingProblems(preset: preset, sku: known, count: count)
            }
        } else if !acceptsUnknownSKU(sku) {
            problems.append(unsupportedSKU(sku))
        }
        if let selector = resource.labelSelector {
            do {
                _ = try selector.asMap()
            } catch {
                problems.append(
                    .invalidValue(
                        "resource.labelSelector", "\(error)",
                        hint: "use matchLabels, or matchExpressions with operator In and exactly one value"))
            }
        }
        return problems
    }

    /// Kaito's resource-with-tuning rule: one node only.
    func validateResourceForTuning(_ workspace: Workspace) -> [FieldProblem] {
        guard let count = workspace.resource?.count, count > 1 else { return [] }
        return [
            .invalidValue(
                "resource.count",
                "Tuning does not currently support multinode configurations. Please set the node count to 1. "
                    + "Future support with DeepSpeed will allow this.")
        ]
    }

    /// Resource immutability on update.
    func validateResourceUpdate(_ resource: ResourceSpec?, old: ResourceSpec?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if let new = resource?.count, let previous = old?.count, new != previous {
            problems.append(FieldProblem("resource.count", "field is immutable", hint: "it was \(previous)"))
        }
        if resource?.instanceType != old?.instanceType {
            problems.append(
                FieldProblem(
                    "resource.instanceType", "field is immutable",
                    hint: "it was \(old?.instanceType ?? "unset"); create a new workspace for another SKU"))
        }
        let newMap = try? (resource?.labelSelector ?? LabelSelector()).asMap()
        let oldMap = try? (old?.labelSelector ?? LabelSelector()).asMap()
        if newMap == nil || oldMap == nil {
            problems.append(FieldProblem("resource.labelSelector", "Only allow matchLabels or 'IN' matchExpression"))
        } else if newMap != oldMap {
            problems.append(FieldProblem("resource.labelSelector", "field is immutable"))
        }
        return problems
    }

    // MARK: SKU helpers

    /// The SKU row used for sizing: Kaito's validation table on Azure, the AWS table on AWS.
    func sizingSKU(named name: String) -> GPUSKU? {
        gpus.sizingSKU(named: name, cloud: cloud)
    }

    /// Kaito accepts unlisted Azure GPU SKUs by prefix, without sizing checks.
    func acceptsUnknownSKU(_ name: String) -> Bool {
        cloud == .azure && (name.hasPrefix("Standard_N") || name.hasPrefix("Standard_D"))
    }

    func unsupportedSKU(_ name: String) -> FieldProblem {
        let supported = gpus.sizingSKUs(for: cloud).map(\.name).sorted().joined(separator: ", ")
        let close = gpus.suggestions(for: name, cloud: cloud)
        let hint: String
        if let other = CloudProvider.allCases.first(where: { $0 != cloud && gpus.sku(named: name, cloud: $0) != nil }) {
            hint = "\(name) is an \(other.displayName) instance type, but the cloud is \(cloud.rawValue) "
                + "(use --cloud \(other.rawValue))"
        } else if close.isEmpty {
            hint = "run `kaitoctl skus --cloud \(cloud.rawValue)` for the list"
        } else {
            hint = "did you mean \(close.joined(separator: " or "))?"
        }
        return .invalidValue(
            "resource.instanceType", "Unsupported instance type \(name). Supported SKUs: \(supported)", hint: hint)
    }

    func sizingProblems(preset: PresetModel, sku: GPUSKU, count: Int) -> [FieldProblem] {
        guard let verdict = Sizing.evaluate(preset, on: sku, nodeCount: count) else { return [] }
        guard !verdict.fits else {
            return replicaSizeWarning(preset: preset, sku: sku, count: count)
        }
        let hint = sizingHint(verdict: verdict, preset: preset)
        return verdict.problems.map { problem in
            let detail: String
            switch problem {
            case .insufficientGPUCount:
                detail =
                    "Insufficient number of GPUs: Instance type \(sku.name) provides \(verdict.offeredGPUCount), "
                    + "but preset \(preset.name.lowercased()) requires at least \(verdict.requiredGPUCount)"
            case .insufficientPerGPUMemory:
                detail =
                    "Insufficient per GPU memory: Instance type \(sku.name) provides "
                    + "\(verdict.offeredPerGPUMemory) per GPU, but preset \(preset.name.lowercased()) "
                    + "requires at least \(verdict.requiredPerGPUMemory) per GPU"
            case .insufficientTotalGPUMemory:
                detail =
                    "Insufficient total GPU memory: Instance type \(sku.name) has a total of "
                    + "\(verdict.offeredTotalGPUMemory), but preset \(preset.name.lowercased()) "
                    + "requires at least \(verdict.requiredTotalGPUMemory)"
            }
            return .invalidValue("resource.instanceType", detail, hint: hint)
        }
    }

    /// Kaito adds up all nodes, but a preset that is not distributed runs one whole replica per node.
    private func replicaSizeWarning(preset: PresetModel, sku: GPUSKU, count: Int) -> [FieldProblem] {
        guard count > 1, Sizing.minimumRunnableNodeCount(preset, on: sku) == nil else { return [] }
        let message =
            "\(preset.name) runs one whole replica per node, and one \(sku.name) node (\(sku.gpuCount) GPU(s), "
            + "\(sku.gpuMemoryPerNodeGiB)Gi) cannot hold it (\(preset.gpuCountRequirement) GPU(s), "
            + "\(preset.totalGPUMemoryRequirement)): each pod will fail to load the model"
        return [
            FieldProblem(
                "resource.instanceType", message, hint: alternativesHint(for: preset), severity: .warning)
        ]
    }

    private func sizingHint(verdict: SizingVerdict, preset: PresetModel) -> String {
        if preset.supportsDistributedInference, let minimum = verdict.minimumNodeCount {
            return "count: \(minimum) would fit on \(verdict.sku)"
        }
        return alternativesHint(for: preset)
    }

    func alternativesHint(for preset: PresetModel) -> String {
        let alternatives = Sizing.options(for: preset, in: gpus, cloud: cloud)
            .filter(\.fits)
            .prefix(3)
            .map { option in "\(option.sku.name) (count \(option.minimumNodeCount ?? 1))" }
        guard !alternatives.isEmpty else { return "no known SKU fits this preset" }
        return "SKUs that fit: " + alternatives.joined(separator: ", ")
    }
}

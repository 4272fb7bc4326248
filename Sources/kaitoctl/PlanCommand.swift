import ArgumentParser
import Foundation
import KaitoCore

/// `kaitoctl plan`: what the operator's next reconcile would do, with no cluster.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what the operator would do for a workspace, without a cluster.",
        discussion: """
            Validates each workspace, sizes it against its instance type, and plans one reconcile against an \
            empty cluster, or against the objects in --observed (nodes, Machines or NodeClaims, workloads, \
            Services, ControllerRevisions: a YAML stream, a YAML list, or a kind: List).

            -o yaml (the default) prints the objects the reconcile creates or replaces as a multi-document \
            YAML stream that `kubectl apply --dry-run=client -f -` accepts, after comment lines with the \
            verdict, the sizing and the other actions. -o json prints the whole plan. -o summary prints a \
            short table.

            \(exitCodeHelp)
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml, json, summary
    }

    @Option(
        name: .shortAndLong, help: ArgumentHelp("The workspace manifest; - reads standard input.", valueName: "file"))
    var filename: String

    @Option(help: ArgumentHelp("Objects that already exist in the cluster.", valueName: "file"))
    var observed: String?

    @Option(help: "How GPU nodes are created: machine (gpu-provisioner), nodeclaim (Karpenter) or none.")
    var provisioner: PlannerConfiguration.NodeProvisionerKind = .machine

    @Option(help: "The cloud: azure or aws.")
    var cloud: CloudProvider = .azure

    @Option(
        help: ArgumentHelp("API version of NodeClaims: karpenter.sh/v1beta1 or karpenter.sh/v1.", valueName: "version"))
    var nodeClaimVersion: String = "karpenter.sh/v1beta1"

    @Option(
        help: ArgumentHelp(
            "The current time, RFC 3339 (default: now); timeouts are measured against it.", valueName: "time"))
    var now: String?

    @Option(name: .shortAndLong, help: "Output format: yaml, json or summary.")
    var output: Format = .yaml

    @OptionGroup var catalogs: CatalogOptions

    func validate() throws {
        if filename == "-" && observed == "-" {
            throw ValidationError(
                "standard input (-) can be read only once; give the workspace or --observed as a file")
        }
        guard ["karpenter.sh/v1beta1", "karpenter.sh/v1"].contains(nodeClaimVersion) else {
            throw ValidationError("--node-claim-version must be karpenter.sh/v1beta1 or karpenter.sh/v1")
        }
        if let now, RFC3339.date(from: now) == nil {
            throw ValidationError("--now must be an RFC 3339 time such as 2024-09-06T10:00:00Z")
        }
    }

    func run() async throws {
        let presets = try catalogs.presets()
        let gpus = try catalogs.gpus()
        let input = try InputFile.read(filename, limit: ManifestReader.maximumSize)
        let workspaces = try Self.workspaces(in: input)
        let observedObjects =
            try observed.map { try Self.objects(in: InputFile.read($0, limit: ManifestReader.maximumSize)) } ?? []
        let configuration = PlannerConfiguration(
            cloud: cloud, provisioner: provisioner, nodeClaimAPIVersion: nodeClaimVersion,
            now: now.flatMap(RFC3339.date(from:)) ?? Date(), presets: presets, gpus: gpus)
        let validator = WorkspaceValidator(presets: presets, gpus: gpus, cloud: cloud)

        var reports: [PlanReport] = []
        var invalid: [String] = []
        for (location, workspace) in workspaces {
            let problems = validator.validateCreate(workspace)
            let errors = problems.errors.map {
                "\(location): \($0.fieldPath.isEmpty ? "" : "\($0.fieldPath): ")\($0.message)\($0.hint.map { " (\($0))" } ?? "")"
            }
            guard errors.isEmpty else {
                invalid += errors
                continue
            }
            var workspace = workspace
            if workspace.metadata.namespace == nil { workspace.metadata.namespace = "default" }
            let state = ObservedState(objects: observedObjects, for: workspace)
            let plan = Planner.plan(workspace, observed: state, configuration: configuration)
            reports.append(
                PlanReport(
                    location: location, workspace: workspace.defaulted(), warnings: problems.warnings,
                    sizing: sizing(for: workspace.defaulted(), presets: presets, gpus: gpus), plan: plan))
        }
        if !invalid.isEmpty {
            throw CLIError(lines: invalid, status: .failure)
        }
        switch output {
        case .yaml: Console.out(try reports.map { try $0.yaml() }.joined())
        case .json: Console.out(try Rendering.json(.array(reports.map { try $0.json() })))
        case .summary: Console.out(reports.map { $0.summary() }.joined(separator: "\n\n"))
        }
    }

    private func sizing(for workspace: Workspace, presets: PresetCatalog, gpus: GPUCatalog) -> String? {
        guard let presetName = workspace.inference?.preset?.name ?? workspace.tuning?.preset?.name,
            let model = presets.model(named: presetName)
        else { return nil }
        let instanceType = workspace.resource?.instanceType ?? ResourceSpec.defaultInstanceType
        let count = workspace.resource?.count ?? 1
        guard let sku = gpus.sizingSKU(named: instanceType, cloud: cloud) else {
            return "\(instanceType) is not in the \(cloud.displayName) SKU table: no GPU sizing check"
        }
        let purpose: SizingPurpose = workspace.tuning != nil ? .tuning : .inference
        guard let verdict = Sizing.evaluate(model, on: sku, nodeCount: count, for: purpose) else { return nil }
        let runnable = Sizing.minimumRunnableNodeCount(model, on: sku, for: purpose)
        let fits = verdict.fits && runnable.map { $0 <= count } == true
        return "\(model.name) on \(count) x \(sku.name): \(fits ? "fits" : "does not fit") "
            + "(\(verdict.offeredGPUCount) GPUs for \(verdict.requiredGPUCount), "
            + "\(verdict.offeredTotalGPUMemory) GPU memory for \(verdict.requiredTotalGPUMemory), "
            + "\(verdict.offeredPerGPUMemory) per GPU)"
    }

    /// Every Workspace document of the input, with its `FILE[:docN]` location.
    static func workspaces(in file: InputFile.Contents) throws -> [(String, Workspace)] {
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: file.data)
        } catch {
            throw CLIError("\(file.name): \(error)")
        }
        guard !documents.isEmpty else {
            throw CLIError("\(file.name): no Workspace found: the file is empty; write a kaito.sh/v1alpha1 Workspace")
        }
        return try documents.map { document in
            let location = ManifestLocation(
                file: file.name, documentIndex: documents.count > 1 ? document.index : nil
            ).description
            do {
                return (location, try Workspace.decode(from: document.value))
            } catch let error as ObjectDecodingError {
                throw CLIError("\(location): \(error)")
            }
        }
    }

    /// Every object of an observed-state file: documents, YAML lists and `kind: List` items.
    static func objects(in file: InputFile.Contents) throws -> [KubernetesObject] {
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: file.data)
        } catch {
            throw CLIError("\(file.name): \(error)")
        }
        var values: [(String, JSONValue)] = []
        for document in documents {
            let location = ManifestLocation(file: file.name, documentIndex: documents.count > 1 ? document.index : nil)
            switch document.value {
            case .array(let items):
                values += items.enumerated().map { ("\(location): [\($0.offset)]", $0.element) }
            case .object(let object) where (object["kind"]?.stringValue ?? "").hasSuffix("List"):
                let items = object["items"]?.arrayValue ?? []
                values += items.enumerated().map { ("\(location): items[\($0.offset)]", $0.element) }
            default:
                values.append((location.description, document.value))
            }
        }
        return try values.map { location, value in
            do {
                return try KubernetesObject(json: value)
            } catch let error as ObjectDecodingError {
                throw CLIError("\(location): \(error)")
            }
        }
    }
}

/// One workspace's plan, rendered for each output format.
struct PlanReport {
    var location: String
    var workspace: Workspace
    var warnings: [FieldProblem]
    var sizing: String?
    var plan: ReconcilePlan

    var name: String { "\(workspace.metadata.namespace ?? "default")/\(workspace.metadata.name ?? "")" }

    /// Non-object actions, one line each.
    var otherActions: [String] {
        plan.actions.compactMap { action in
            switch action {
            case .create, .update: nil
            default: action.description
            }
        }
    }

    var conditionLines: [String] {
        (plan.status.conditions ?? []).map { "\($0.type)=\($0.status.rawValue) \($0.reason): \($0.message)" }
    }

    func yaml() throws -> String {
        var lines = ["# workspace \(name) (\(location)): valid"]
        lines += warnings.map { "# warning: \($0)" }
        if let sizing { lines.append("# sizing: \(sizing)") }
        lines += otherActions.map { "# action: \($0)" }
        lines += conditionLines.map { "# condition: \($0)" }
        if let nodes = plan.status.workerNodes { lines.append("# worker nodes: \(nodes.joined(separator: ", "))") }
        lines += plan.waitingFor.map { "# waiting for: \($0)" }
        if let requeue = plan.requeueAfter { lines.append("# requeue after: \(requeue.components.seconds)s") }
        let objects = plan.createdObjects + plan.updatedObjects
        let stream = try YAMLWriter.stream(from: objects.map { try $0.jsonValue() })
        return lines.joined(separator: "\n") + "\n" + stream
    }

    func json() throws -> JSONValue {
        var object: [String: JSONValue] = [
            "workspace": .string(name),
            "file": .string(location),
            "warnings": .array(warnings.map { .string($0.description) }),
            "create": .array(try plan.createdObjects.map { try $0.jsonValue() }),
            "update": .array(try plan.updatedObjects.map { try $0.jsonValue() }),
            "actions": .array(otherActions.map(JSONValue.string)),
            "status": try KubernetesJSON.jsonValue(of: plan.status),
            "waitingFor": .array(plan.waitingFor.map(JSONValue.string)),
        ]
        if let sizing { object["sizing"] = .string(sizing) }
        if let requeue = plan.requeueAfter { object["requeueAfterSeconds"] = .integer(requeue.components.seconds) }
        return .object(object)
    }

    func summary() -> String {
        var lines = ["Workspace \(name) (\(location)): valid"]
        lines += warnings.map { "  warning: \($0)" }
        if let sizing { lines.append("  sizing: \(sizing)") }
        var table = Table(headers: ["ACTION", "KIND", "NAME"])
        for action in plan.actions {
            switch action {
            case .create(let object): table.rows.append(["create", object.kind, object.name])
            case .update(let object): table.rows.append(["update", object.kind, object.name])
            case .delete(let reference): table.rows.append(["delete", reference.kind, reference.name])
            default: continue
            }
        }
        if !table.rows.isEmpty {
            lines.append(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        lines += otherActions.filter { !$0.hasPrefix("delete ") }.map { "  \($0)" }
        lines += conditionLines.map { "  condition \($0)" }
        lines += plan.waitingFor.map { "  waiting for \($0)" }
        return lines.joined(separator: "\n")
    }
}

import Foundation
import Testing

@testable import KaitoCore

/// Golden plans: the planner's whole output (actions, status, requeue, waitingFor) as YAML, per inference example
/// and scenario, compared byte for byte with `Tests/KaitoCoreTests/Golden/*.yaml`.
///
/// Re-record after an intended planner change, then review the diff of the Golden folder:
/// `KAITO_RECORD_GOLDEN=1 swift test --filter PlannerGoldenTests` (the recording run fails on purpose, one issue
/// per file written, so it is never mistaken for a green run).
@Suite struct PlannerGoldenTests {
    static let fixtures = PlannerFixtures()

    /// `Tests/KaitoCoreTests/Golden`, found from this file (works on a fresh clone; nothing outside the repository).
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden")

    static let inferenceExamples = RepositoryFiles.exampleFiles().filter { $0.hasPrefix("examples/inference/") }

    static var isRecording: Bool { ProcessInfo.processInfo.environment["KAITO_RECORD_GOLDEN"] == "1" }

    /// `c-ready` is planned this long after `a`/`b` (whose objects are created at ``PlannerFixtures/now``), so the
    /// golden shows which `lastTransitionTime`s move.
    static let readyDelay: TimeInterval = 300

    // MARK: Every inference example: a-empty, b-nodes, c-ready

    @Test(arguments: inferenceExamples)
    func inferenceExample(file: String) throws {
        let fixtures = Self.fixtures
        let workspaces = try fixtures.loadExampleWorkspaces(file)
        #expect(!workspaces.isEmpty, "\(file) holds no Workspace")
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        for (index, workspace) in workspaces.enumerated() {
            let name = index == 0 ? stem : "\(stem)-\(index + 1)"
            let facts = ExampleFacts(workspace: workspace, file: file)
            let configuration = fixtures.configuration()

            // a: just created, empty cluster.
            let planA = Planner.plan(workspace, observed: ObservedState(), configuration: configuration)
            try Self.assertGolden(
                "\(name).a-empty.yaml", plan: planA,
                header: facts.header(
                    scenario: "a-empty",
                    description: [
                        "The workspace as just created (no finalizer, annotations or status) in an empty cluster:",
                        "no Nodes, Machines, revisions or workloads. Provisioner machine, cloud azure.",
                    ],
                    spec: "5.2 finalizer, 5.3 revision, 5.5 node selection (none qualify), 5.6 Machine, "
                        + "5.11 conditions (MachineReady=Unknown), 5.12 requeue at the 240 s deadline"))
            #expect(planA.createdObjects.contains { $0.kind == "Machine" }, "\(name): a-empty creates no Machine")

            // b: the same fresh workspace, plus enough Ready matching GPU nodes.
            let nodes = fixtures.readyNodes(for: workspace)
            let planB = Planner.plan(
                workspace, observed: ObservedState(objects: nodes, for: workspace), configuration: configuration)
            try Self.assertGolden(
                "\(name).b-nodes.yaml", plan: planB,
                header: facts.header(
                    scenario: "b-nodes",
                    description: [
                        "The same freshly created workspace as a-empty (NOT plan a applied: still no finalizer,",
                        "annotations or status), plus \(nodes.count) Ready Node(s) \(facts.nodeNames(nodes)) labelled with the",
                        "selector's matchLabels, node.kubernetes.io/instance-type=\(facts.instanceType) and",
                        "kaito.sh/machine-type=gpu, capacity nvidia.com/gpu=\(facts.nodeGPUs). No Machines.",
                        "Provisioner machine, cloud azure.",
                    ],
                    spec: facts.inferenceSpecSections))
            #expect(
                !planB.createdObjects.contains { $0.kind == "Machine" || $0.kind == "NodeClaim" },
                "\(name): b-nodes creates node claims although \(nodes.count) ready nodes match")

            // c: plan b executed, the workload ready.
            let (appliedWorkspace, appliedObjects) = fixtures.applying(
                planB, to: workspace, objects: nodes, now: PlannerFixtures.now)
            let readyObjects = fixtures.markWorkloadReady(appliedObjects)
            var later = configuration
            later.now = PlannerFixtures.now.addingTimeInterval(Self.readyDelay)
            let planC = Planner.plan(
                appliedWorkspace, observed: ObservedState(objects: readyObjects, for: appliedWorkspace),
                configuration: later)
            try Self.assertGolden(
                "\(name).c-ready.yaml", plan: planC,
                header: facts.header(
                    scenario: "c-ready",
                    description: [
                        "b-nodes' nodes plus plan b applied as the API server would (finalizer, annotations,",
                        "status, labels, created objects at now), the workload marked ready",
                        "(status.readyReplicas = spec.replicas); planned again at now + \(Int(Self.readyDelay)) s.",
                        "Expected: no actions, InferenceReady=True, WorkspaceSucceeded=True.",
                    ],
                    spec: "5.2 idempotence (finalizer present), 5.3 revision reused, 5.5 current workerNodes, "
                        + "5.9.2 Services exist, 5.9.6 existing workload, 5.9.8 readiness, 5.11 conditions "
                        + "(InferenceReady, WorkspaceSucceeded; lastTransitionTime kept while status is unchanged)"))
            #expect(planC.actions.isEmpty, "\(name): c-ready still has actions: \(planC.actions.map(\.description))")
            let conditions = planC.status.conditions ?? []
            #expect(conditions[type: WorkspaceConditions.inferenceReady]?.status == .true, "\(name): InferenceReady")
            #expect(
                conditions[type: WorkspaceConditions.workspaceSucceeded]?.status == .true, "\(name): WorkspaceSucceeded")
        }
    }

    // MARK: Provisioner variants of falcon-7b, scenario a

    @Test(arguments: [PlannerConfiguration.NodeProvisionerKind.nodeclaim, .none])
    func falcon7bEmptyClusterByProvisioner(provisioner: PlannerConfiguration.NodeProvisionerKind) throws {
        let file = "examples/inference/falcon-7b.yaml"
        let workspace = try Self.fixtures.loadExample(file)
        let facts = ExampleFacts(workspace: workspace, file: file)
        let configuration = Self.fixtures.configuration(provisioner: provisioner, cloud: .azure)
        let plan = Planner.plan(workspace, observed: ObservedState(), configuration: configuration)
        let (suffix, description, spec): (String, String, String) =
            switch provisioner {
            case .nodeclaim:
                (
                    "nodeclaim-v1beta1",
                    "Provisioner nodeclaim (Karpenter, \(configuration.nodeClaimAPIVersion)), cloud azure, no AKSNodeClass.",
                    "5.2 finalizer, 5.3 revision, 5.5 node selection, 5.7.1 NodeClaim, 5.7.2 AKSNodeClass default, "
                        + "5.11 conditions (NodeClaimReady=Unknown), 5.12 requeue"
                )
            case .none:
                (
                    "none",
                    "Provisioner none (bring your own nodes): nothing can be created.",
                    "5.2 finalizer, 5.3 revision, 5.5 node selection; compatibility.md section 5 item 19 (none "
                        + "provisioner: ResourceReady=False, no MachineReady/NodeClaimReady)"
                )
            case .machine:
                ("machine", "Provisioner machine (see falcon-7b.a-empty.yaml).", "5.6 Machine")
            }
        try Self.assertGolden(
            "falcon-7b.a-empty.\(suffix).yaml", plan: plan,
            header: facts.header(
                scenario: "a-empty, provisioner \(suffix)",
                description: [
                    "The workspace as just created, empty cluster. The machine provisioner's plan for the same input is",
                    "falcon-7b.a-empty.yaml.", description,
                ],
                spec: spec))
    }

    // MARK: llama-2-70b distributed over 2 nodes, scenario b

    /// The golden `llama-2-70b.b-nodes.yaml` is this case (the example has `count: 2`); here its key facts are
    /// checked independently of the recording, so a change of the example is noticed.
    @Test func llama270bDistributedOverTwoNodes() throws {
        var workspace = try Self.fixtures.loadExample("examples/inference/llama-2-70b.yaml")
        #expect(workspace.resource?.count == 2, "the example no longer has count 2; add a dedicated golden")
        workspace.resource?.count = 2
        let nodes = Self.fixtures.readyNodes(for: workspace)
        let plan = Planner.plan(
            workspace, observed: ObservedState(objects: nodes, for: workspace),
            configuration: Self.fixtures.configuration())
        let name = "workspace-llama-2-70b"
        let namespace = "llm-serving"
        let services = plan.createdObjects.filter { $0.kind == "Service" }
        #expect(services.map(\.name) == [name, "\(name)-headless"])
        #expect(services.first?.value(at: "spec", "selector") == [
            "kaito.sh/workspace": .string(name), "statefulset.kubernetes.io/pod-name": .string("\(name)-0"),
        ])
        #expect(services.last?.value(at: "spec", "clusterIP") == "None")
        let statefulSet = try #require(plan.createdObjects.first { $0.kind == "StatefulSet" })
        #expect(statefulSet.value(at: "spec", "serviceName") == .string("\(name)-headless"))
        #expect(statefulSet.value(at: "spec", "replicas") == 2)
        let command = statefulSet.value(at: "spec", "template", "spec", "containers")?.arrayValue?.first?["command"]
        let expected =
            "cd /workspace/llama/llama-2 && torchrun --master_addr=\(name).\(namespace).svc.cluster.local "
            + "--master_port=29500 --nnodes=2 --node_rank=$(echo $HOSTNAME | grep -o '[^-]*$') --nproc_per_node=4 "
            + "--max_restarts=3 --rdzv_backend=c10d "
            + "--rdzv_endpoint=\(name)-0.\(name)-headless.\(namespace).svc.cluster.local:29500 --rdzv_id=job "
            + "inference_api.py --max_batch_size=8 --max_seq_len=512"
        #expect(command == ["/bin/sh", "-c", .string(expected)])
    }

    // MARK: Deletion

    @Test func falcon7bDeletionWithTwoMachines() throws {
        let fixtures = Self.fixtures
        var workspace = try fixtures.loadExample("examples/inference/falcon-7b.yaml")
        workspace.resource?.count = 2
        workspace.metadata.creationTimestamp = PlannerFixtures.now.addingTimeInterval(-600)
        var earlier = fixtures.configuration()
        earlier.now = PlannerFixtures.now.addingTimeInterval(-540)
        let first = Planner.plan(workspace, observed: ObservedState(), configuration: earlier)
        var (stored, objects) = fixtures.applying(first, to: workspace, objects: [], now: earlier.now)
        #expect(objects.filter { $0.kind == "Machine" }.count == 2)
        stored.metadata.deletionTimestamp = PlannerFixtures.now.addingTimeInterval(-1)
        let plan = Planner.plan(
            stored, observed: ObservedState(objects: objects, for: stored), configuration: fixtures.configuration())
        try Self.assertGolden(
            "falcon-7b.d-deleting.yaml", plan: plan,
            header: ExampleFacts(workspace: stored, file: "examples/inference/falcon-7b.yaml").header(
                scenario: "d-deleting",
                description: [
                    "falcon-7b with count 2, created 600 s ago. 540 s ago it was planned on an empty cluster and that plan applied",
                    "(finalizer, annotations, ControllerRevision, two Machines, MachineReady=Unknown); the Machines",
                    "never became ready. Now it has a deletionTimestamp (1 s ago). Provisioner machine, cloud azure.",
                ],
                spec: "5.4 deletion (WorkspaceDeleting=True, delete Machines, remove the finalizer), "
                    + "5.11 conditions; compatibility.md section 5 items 3 (deletion first) and 4 (only our finalizer)"))
        #expect(plan.deletedObjects.map(\.kind) == ["Machine", "Machine"])
        #expect(plan.actions.last == .removeFinalizer(Planner.finalizer))
        #expect(plan.createdObjects.isEmpty)
    }

    // MARK: Machine timeout

    @Test func falcon7bMachineNotReadyAfter240Seconds() throws {
        let fixtures = Self.fixtures
        var workspace = try fixtures.loadExample("examples/inference/falcon-7b.yaml")
        workspace.metadata.creationTimestamp = PlannerFixtures.now.addingTimeInterval(-360)
        var earlier = fixtures.configuration()
        earlier.now = PlannerFixtures.now.addingTimeInterval(-300)
        let first = Planner.plan(workspace, observed: ObservedState(), configuration: earlier)
        let (stored, objects) = fixtures.applying(first, to: workspace, objects: [], now: earlier.now)
        let plan = Planner.plan(
            stored, observed: ObservedState(objects: objects, for: stored), configuration: fixtures.configuration())
        try Self.assertGolden(
            "falcon-7b.e-machine-timeout.yaml", plan: plan,
            header: ExampleFacts(workspace: stored, file: "examples/inference/falcon-7b.yaml").header(
                scenario: "e-machine-timeout",
                description: [
                    "Created 360 s ago; planned on an empty cluster 300 s ago and that plan applied (finalizer, annotations, revision,",
                    "one Machine created 300 s ago, MachineReady=Unknown). The Machine has no status (not Ready) and",
                    "no Node exists. Provisioner machine, cloud azure.",
                ],
                spec: "5.5 step 1/4 (wait for pending Machines), 5.6.3 240 s timeout, 5.11 conditions "
                    + "(MachineReady=False checkMachineStatusFailed, ResourceReady=False, WorkspaceSucceeded=False), "
                    + "5.12; compatibility.md section 5 item 1 (report and keep waiting)"))
        let conditions = plan.status.conditions ?? []
        #expect(conditions[type: WorkspaceConditions.machineReady]?.reason == "checkMachineStatusFailed")
        #expect(plan.createdObjects.isEmpty)
    }

    // MARK: Golden files

    static func render(_ plan: ReconcilePlan, header: [String]) throws -> String {
        header.map { $0.isEmpty ? "#" : "# \($0)" }.joined(separator: "\n") + "\n"
            + (try YAMLWriter.string(from: plan.jsonValue()))
    }

    /// Compares the rendered plan with `Golden/<fileName>`, or writes it when recording.
    static func assertGolden(
        _ fileName: String, plan: ReconcilePlan, header: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let actual = try render(plan, header: header)
        let url = goldenDirectory.appendingPathComponent(fileName)
        if isRecording {
            try FileManager.default.createDirectory(at: goldenDirectory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record(
                "recorded Golden/\(fileName); review it, then run without KAITO_RECORD_GOLDEN to compare",
                sourceLocation: sourceLocation)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record(
                "missing Golden/\(fileName); record it with KAITO_RECORD_GOLDEN=1 swift test --filter PlannerGoldenTests",
                sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expectedLines.count, actualLines.count)
        func at(_ lines: [Substring]) -> String { line < lines.count ? "'\(lines[line])'" : "<end of file>" }
        Issue.record(
            """
            Golden/\(fileName) differs at line \(line + 1):
              golden:  \(at(expectedLines))
              planned: \(at(actualLines))
            (re-record with KAITO_RECORD_GOLDEN=1 if the change is intended, and review the diff)
            """, sourceLocation: sourceLocation)
    }

}

/// What a golden header says about the example.
private struct ExampleFacts {
    let workspace: Workspace
    let file: String

    var instanceType: String { workspace.resource?.instanceType ?? ResourceSpec.defaultInstanceType }
    var nodeGPUs: Int { GPUCatalog.bundled.skus.first { $0.name == instanceType }?.gpuCount ?? 1 }
    var model: PresetModel? { workspace.inference?.preset.flatMap { PresetCatalog.bundled.model(named: $0.name) } }

    func nodeNames(_ nodes: [KubernetesObject]) -> String {
        nodes.count <= 1 ? nodes.map(\.name).joined() : "\(nodes.first?.name ?? "")..\(nodes.last?.name ?? "")"
    }

    /// Spec sections a b-nodes plan covers for this example.
    var inferenceSpecSections: String {
        var sections = ["5.2 finalizer", "5.3 revision", "5.5 node selection", "5.8 accelerator=nvidia label"]
        if let model {
            sections += ["5.9.2 Services" + (model.supportsDistributedInference ? " (main + headless)" : "")]
            sections += [
                model.supportsDistributedInference ? "5.9.3 StatefulSet" : "5.9.3 Deployment",
                "5.9.4 GPU quantity", "5.9.5 pod template", "3.4 image", "3.5 command",
            ]
            if !(workspace.inference?.adapters ?? []).isEmpty { sections += ["adapters (5.9.5 init containers, env)"] }
        } else {
            sections += ["5.9.7 template Deployment (no Service)"]
        }
        sections += ["5.11 conditions (MachineReady=True, ResourceReady=True)", "5.12 requeue at the readiness deadline"]
        return sections.joined(separator: ", ")
    }

    func header(scenario: String, description: [String], spec: String) -> [String] {
        let name = "\(workspace.metadata.namespace ?? "default")/\(workspace.metadata.name ?? "")"
        var what = "Workspace \(name): \(instanceType) x\(workspace.resource?.count ?? ResourceSpec.defaultCount)"
        if let preset = workspace.inference?.preset {
            what += ", preset \(preset.name) (\(preset.accessMode ?? "public"))"
        } else if workspace.inference?.template != nil {
            what += ", custom pod template"
        }
        if let adapters = workspace.inference?.adapters, !adapters.isEmpty { what += ", \(adapters.count) adapter(s)" }
        return [
            "Golden reconcile plan (Planner.plan rendered by YAMLWriter). Do not edit by hand.",
            "Example: \(file)",
            what,
            "Scenario: \(scenario)",
        ] + description.map { "  \($0)" } + [
            "Fixtures: PlannerFixtures (now 2024-09-06T10:00:00Z, workspace uid \(PlannerFixtures.workspaceUID),",
            "  generation 1, created at now - 60 s unless said otherwise).",
            "spec: \(spec)",
            "Re-record: KAITO_RECORD_GOLDEN=1 swift test --filter PlannerGoldenTests, then review the diff.",
        ]
    }
}

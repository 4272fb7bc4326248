import Foundation
import Testing

@testable import KaitoCore

/// Properties of ``Planner`` over generated workspaces and clusters.
///
/// Every scenario comes from a seed (``PlannerScenario/generate(seed:)``), so a failure names the seed that
/// reproduces it: `PlannerScenario.generate(seed: 17)`.
@Suite("Planner properties")
struct PlannerPropertyTests {
    /// The seeds every property runs over.
    static let seeds: Range<UInt64> = 0..<300

    /// Generated once and shared by all properties.
    fileprivate static let scenarios: [PlannerScenario] = seeds.map(PlannerScenario.generate(seed:))

    let fixtures = PlannerFixtures()

    // MARK: Generator sanity

    @Test("Generated workspaces are valid and the scenarios cover every branch")
    func generatorCoverage() {
        var coverage: [String: Int] = [:]
        for scenario in Self.scenarios {
            var spec = scenario.workspace
            spec.status = nil
            spec.metadata.deletionTimestamp = nil
            let errors = WorkspaceValidator(cloud: scenario.configuration.cloud).validateCreate(spec).errors
            #expect(errors.isEmpty, "\(scenario): \(errors)")

            let oracle = PlannerOracle(scenario)
            let plan = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            if oracle.isDeleting { coverage["deleting", default: 0] += 1 }
            if oracle.hasHashConflict { coverage["hash conflict", default: 0] += 1 }
            if oracle.hasLaunchFailure { coverage["launch failure", default: 0] += 1 }
            if !oracle.inFlight.isEmpty { coverage["in-flight claims", default: 0] += 1 }
            if plan.createdObjects.contains(where: \.isNodeClaim) { coverage["creates node claims", default: 0] += 1 }
            if oracle.resourcesComplete { coverage["resources complete", default: 0] += 1 }
            if plan.createdObjects.contains(where: { $0.kind == "Deployment" || $0.kind == "StatefulSet" }) {
                coverage["creates workload", default: 0] += 1
            }
            if !plan.updatedObjects.isEmpty { coverage["updates workload", default: 0] += 1 }
            if plan.status.conditions?[type: WorkspaceConditions.inferenceReady]?.status == .true {
                coverage["inference ready", default: 0] += 1
            }
            if scenario.workspace.status?.conditions != nil { coverage["prior conditions", default: 0] += 1 }
            if plan.actions.contains(where: { if case .labelNode = $0 { true } else { false } }) {
                coverage["labels nodes", default: 0] += 1
            }
        }
        for branch in [
            "deleting", "hash conflict", "launch failure", "in-flight claims", "creates node claims",
            "resources complete",
            "creates workload", "updates workload", "inference ready", "prior conditions", "labels nodes",
        ] {
            #expect((coverage[branch] ?? 0) >= 3, "branch \(branch) is covered by \(coverage[branch] ?? 0) scenarios")
        }
    }

    @Test("The generator is a pure function of the seed")
    func generatorIsSeeded() {
        for seed: UInt64 in [0, 1, 42, 299] {
            #expect(PlannerScenario.generate(seed: seed) == PlannerScenario.generate(seed: seed))
        }
        #expect(PlannerScenario.generate(seed: 1) != PlannerScenario.generate(seed: 2))
    }

    // MARK: Properties

    @Test("Determinism: the same inputs, in any order, give the same plan")
    func determinism() {
        Self.check { scenario in
            let first = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            let second = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            var violations: [Violation] = []
            if first != second { violations.append("planning twice gave different plans") }

            // A controller's cache lists objects in no particular order.
            var random = SeededGenerator(seed: scenario.seed ^ 0xD1CE)
            let shuffled = PlannerScenario.shuffled(scenario.objects, using: &random)
            let third = Planner.plan(
                scenario.workspace, observed: ObservedState(objects: shuffled, for: scenario.workspace),
                configuration: scenario.configuration)
            if first != third {
                violations.append(
                    Violation(
                        "the order of the observed objects changed the plan: \(first.actions.map(\.description)) "
                            + "\(first.waitingFor) vs \(third.actions.map(\.description)) \(third.waitingFor)"))
            }
            return violations
        }
    }

    @Test("Idempotence: applying a plan and planning again asks for nothing more")
    func idempotence() {
        Self.check { scenario in
            let configuration = scenario.configuration
            let first = Planner.plan(scenario.workspace, observed: scenario.observed, configuration: configuration)
            let (workspace, objects) = fixtures.applying(
                first, to: scenario.workspace, objects: scenario.objects, now: configuration.now)
            let second = Planner.plan(
                workspace, observed: ObservedState(objects: objects, for: workspace), configuration: configuration)

            var violations: [Violation] = []
            let existing = Set(objects.map { ObjectKey(kind: $0.kind, name: $0.name) })
            for object in second.createdObjects where existing.contains(ObjectKey(kind: object.kind, name: object.name))
            {
                violations.append("the second plan creates \(object.kind) \(object.name) again")
            }
            let claims = second.createdObjects.filter(\.isNodeClaim)
            if !claims.isEmpty {
                violations.append("the second plan creates \(claims.count) more node claims: \(claims.map(\.name))")
            }
            // Stronger: the applied state is a fixed point, nothing is left to do.
            if !second.actions.isEmpty {
                violations.append("the second plan still has actions: \(second.actions.map(\.description))")
            }
            return violations
        }
    }

    @Test("Node claims requested never exceed count minus qualified nodes minus claims in flight")
    func nodeClaimBudget() {
        Self.check { scenario in
            let oracle = PlannerOracle(scenario)
            let plan = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            let created = plan.createdObjects.filter(\.isNodeClaim).count
            let budget = max(
                0, oracle.count - oracle.qualified.count - oracle.inFlight.count - oracle.awaitingNode.count)
            var violations: [Violation] = []
            if created > budget {
                violations.append(
                    Violation(
                        "created \(created) node claims, budget \(budget) (count \(oracle.count), "
                            + "\(oracle.qualified.count) qualified, \(oracle.inFlight.count) in flight)"))
            }
            // And exactly the budget when nothing else stops the resource phase.
            let expected =
                oracle.isDeleting || oracle.hasHashConflict || oracle.hasLaunchFailure
                    || scenario.configuration.effectiveProvisioner == .none ? 0 : budget
            if created != expected {
                violations.append("created \(created) node claims, expected \(expected)")
            }
            // Claims of the other kind are never created.
            let wrongKind = plan.createdObjects.filter(\.isNodeClaim).filter {
                $0.kind != (scenario.configuration.effectiveProvisioner == .nodeclaim ? "NodeClaim" : "Machine")
            }
            if !wrongKind.isEmpty {
                violations.append(
                    "created \(wrongKind.map(\.kind)) with provisioner \(scenario.configuration.effectiveProvisioner)")
            }
            return violations
        }
    }

    @Test("Node claim names are deterministic, unique and free")
    func nodeClaimNames() {
        Self.check { scenario in
            let plan = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            let names = plan.createdObjects.filter(\.isNodeClaim).map(\.name)
            var violations: [Violation] = []
            if Set(names).count != names.count { violations.append("duplicate names \(names)") }
            let existing = Set(scenario.objects.filter(\.isNodeClaim).map(\.name))
            for name in names where existing.contains(name) { violations.append("\(name) exists already") }
            for name in names where !Self.isClaimName(name) {
                violations.append("\(name) is not ws + 9 hex characters")
            }

            // The names are the workspace's deterministic sequence, skipping names already taken.
            let taken = Set(scenario.observed.nodeClaims.map(\.name))
            let sequence = (0..<(names.count + taken.count + 1))
                .map { NodeClaimNaming.name(for: scenario.workspace, index: $0) }
                .filter { !taken.contains($0) }
            if Array(sequence.prefix(names.count)) != names {
                violations.append("names \(names) are not the first free names of \(sequence)")
            }

            // Time does not enter the names (Kaito's did), so a later pass finds the claims a crash left behind.
            var later = scenario.configuration
            later.now = later.now.addingTimeInterval(1234.5)
            let laterPlan = Planner.plan(scenario.workspace, observed: scenario.observed, configuration: later)
            let laterNames = laterPlan.createdObjects.filter(\.isNodeClaim).map(\.name)
            if laterNames != names { violations.append("a later clock gave names \(laterNames) instead of \(names)") }
            return violations
        }
    }

    @Test("Deletion deletes the workspace's live node claims, creates nothing, and removes only Kaito's finalizer")
    func deletion() {
        var deletions = 0
        Self.check { scenario in
            var violations: [Violation] = []
            // Every scenario, also the live ones, as a deletion.
            var workspace = scenario.workspace
            if workspace.metadata.deletionTimestamp == nil {
                workspace.metadata.deletionTimestamp = scenario.configuration.now.addingTimeInterval(-5)
            }
            deletions += 1
            let observed = ObservedState(objects: scenario.objects, for: workspace)
            let plan = Planner.plan(workspace, observed: observed, configuration: scenario.configuration)
            let oracle = PlannerOracle(
                PlannerScenario(
                    seed: scenario.seed, workspace: workspace, objects: scenario.objects,
                    configuration: scenario.configuration))

            let expected = Set(oracle.workspaceClaims.filter { $0.metadata.deletionTimestamp == nil }.map(\.reference))
            let deleted = plan.deletedObjects
            if Set(deleted) != expected || deleted.count != expected.count {
                violations.append("deleted \(deleted), expected \(expected.sorted { $0.name < $1.name })")
            }
            if !plan.createdObjects.isEmpty { violations.append("created \(plan.createdObjects.map(\.reference))") }
            if !plan.updatedObjects.isEmpty { violations.append("updated \(plan.updatedObjects.map(\.reference))") }
            let hasFinalizer = (workspace.metadata.finalizers ?? []).contains(Planner.finalizer)
            let expectedActions =
                deleted.map(PlanAction.delete) + (hasFinalizer ? [.removeFinalizer(Planner.finalizer)] : [])
            if plan.actions != expectedActions {
                violations.append(
                    "actions \(plan.actions.map(\.description)), expected \(expectedActions.map(\.description))")
            }
            let deleting = plan.status.conditions?[type: WorkspaceConditions.workspaceDeleting]
            if deleting?.status != .true || deleting?.reason != "workspaceDeleted"
                || deleting?.message != "workspace is being deleted"
            {
                violations.append("WorkspaceDeleting is \(String(describing: deleting))")
            }
            if plan.requeueAfter != nil { violations.append("requeue \(String(describing: plan.requeueAfter))") }
            return violations
        }
        #expect(deletions == Self.scenarios.count)
    }

    @Test("Conditions carry the generation and a transition time that moves only when the status changes")
    func conditions() {
        Self.check { scenario in
            let plan = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            let now = scenario.configuration.now
            let generation = scenario.workspace.metadata.generation
            let prior = scenario.workspace.status?.conditions ?? []
            var violations: [Violation] = []
            let conditions = plan.status.conditions ?? []
            if Set(conditions.map(\.type)).count != conditions.count {
                violations.append("duplicate condition types \(conditions.map(\.type))")
            }
            for condition in conditions {
                guard let transition = condition.lastTransitionTime else {
                    violations.append("\(condition.type) has no lastTransitionTime")
                    continue
                }
                let before = prior[type: condition.type]
                let written =
                    before.map {
                        $0.status != condition.status || $0.reason != condition.reason
                            || $0.message != condition.message
                    } ?? true
                if written, condition.observedGeneration != generation {
                    violations.append(
                        Violation(
                            "\(condition.type) was written with observedGeneration "
                                + "\(String(describing: condition.observedGeneration)), generation is \(String(describing: generation))"
                        ))
                }
                if let before, before.status == condition.status {
                    if transition != before.lastTransitionTime {
                        violations.append(
                            Violation(
                                "\(condition.type) stayed \(condition.status.rawValue) but its lastTransitionTime moved "
                                    + "from \(String(describing: before.lastTransitionTime)) to \(transition)"))
                    }
                } else if transition != now {
                    violations.append(
                        "\(condition.type) changed status but its lastTransitionTime is \(transition), not now")
                }
            }
            // When every earlier condition is of this generation, so is every condition of the plan.
            if prior.allSatisfy({ $0.observedGeneration == generation }) {
                for condition in conditions where condition.observedGeneration != generation {
                    violations.append(
                        "\(condition.type) has observedGeneration \(String(describing: condition.observedGeneration))")
                }
            }
            return violations
        }
    }

    @Test("workerNodes, when written, are sorted, count long, and all qualified nodes")
    func workerNodes() {
        Self.check { scenario in
            let oracle = PlannerOracle(scenario)
            let plan = Planner.plan(
                scenario.workspace, observed: scenario.observed, configuration: scenario.configuration)
            let before = scenario.workspace.status?.workerNodes
            let after = plan.status.workerNodes
            var violations: [Violation] = []
            if let after, after != before {
                violations += Self.workerNodeViolations(after, oracle: oracle)
            }
            if oracle.resourcesComplete {
                if oracle.hasLaunchFailure,
                    plan.status.conditions?[type: WorkspaceConditions.resourceReady]?.status != .true
                {
                    violations.append(
                        Violation(
                            "enough nodes qualify but a launch-failed claim fails the resource phase"))
                    return violations
                }
                if let after {
                    violations += Self.workerNodeViolations(after, oracle: oracle)
                    // Preferred nodes come first.
                    let preferred = Set(scenario.workspace.resource?.preferredNodes ?? []).intersection(
                        oracle.qualified)
                    if preferred.count <= oracle.count, !preferred.isSubset(of: after) {
                        violations.append("preferred nodes \(preferred.sorted()) are not all in \(after)")
                    }
                } else {
                    violations.append("enough nodes qualify but workerNodes is not set")
                }
                if plan.status.conditions?[type: WorkspaceConditions.resourceReady]?.status != .true {
                    violations.append("enough nodes qualify but ResourceReady is not True")
                }
            }
            return violations
        }
    }

    @Test("Liveness: with a provisioner and kubelet that do their job, every workspace that can succeed does")
    func liveness() {
        var simulated = 0
        Self.check { scenario in
            let oracle = PlannerOracle(scenario)
            let provisioner = scenario.configuration.effectiveProvisioner
            // Workspaces that must stop: being deleted, a revision conflict, no capacity, too few nodes with none,
            // or a Ready claim whose node is not observed (it waits for the provisioner to register or remove it).
            guard !oracle.isDeleting, !oracle.hasHashConflict, !oracle.hasLaunchFailure,
                provisioner != .none || oracle.qualified.count >= oracle.count,
                oracle.awaitingNode.isEmpty || oracle.qualified.count >= oracle.count
            else { return [] }
            simulated += 1
            let outcome = simulate(scenario.workspace, scenario.objects, scenario.configuration, oracle: oracle)
            guard case .stuck(let waiting) = outcome else {
                if case .succeeded(let violations) = outcome { return violations }
                return []
            }
            // Ready claims whose node is gone or NotReady: does the workspace finish without them?
            let lost = Set(
                oracle.liveClaims.filter { claim in
                    (claim.value(at: "status", "conditions")?.arrayValue ?? []).contains {
                        $0["type"] == "Ready" && $0["status"] == "True"
                    }
                        && claim.value(at: "status", "nodeName")?.stringValue.map { !oracle.qualified.contains($0) }
                            == true
                }.map(\.name))
            if !lost.isEmpty,
                case .succeeded = simulate(
                    scenario.workspace, scenario.objects.filter { !($0.isNodeClaim && lost.contains($0.name)) },
                    scenario.configuration, oracle: oracle)
            {
                return [
                    Violation(
                        "did not succeed after 8 passes (Ready claims \(lost.sorted()) have no qualified node); "
                            + "waiting for: \(waiting)")
                ]
            }
            return ["did not succeed after 8 passes; waiting for: \(waiting)"]
        }
        #expect(simulated >= 100)
    }

    fileprivate enum Outcome {
        case succeeded([Violation])
        case stuck(String)
    }

    /// Plans, applies and lets the cluster react, up to 8 times, 10 s apart.
    fileprivate func simulate(
        _ workspace: Workspace, _ objects: [KubernetesObject], _ configuration: PlannerConfiguration,
        oracle: PlannerOracle
    ) -> Outcome {
        var workspace = workspace
        var objects = objects
        var configuration = configuration
        var waiting = ""
        for _ in 0..<8 {
            let plan = Planner.plan(
                workspace, observed: ObservedState(objects: objects, for: workspace), configuration: configuration)
            let succeeded = plan.status.conditions?[type: WorkspaceConditions.workspaceSucceeded]?.status == .true
            if succeeded, plan.actions.isEmpty {
                var violations: [Violation] = []
                if plan.status.workerNodes?.count != oracle.count {
                    violations.append("succeeded with workerNodes \(String(describing: plan.status.workerNodes))")
                }
                for type in [WorkspaceConditions.resourceReady, WorkspaceConditions.inferenceReady]
                where plan.status.conditions?[type: type]?.status != .true {
                    violations.append("succeeded but \(type) is not True")
                }
                if let requeue = plan.requeueAfter { violations.append("succeeded but requeues after \(requeue)") }
                return .succeeded(violations)
            }
            waiting = plan.waitingFor.joined(separator: "; ")
            (workspace, objects) = fixtures.applying(plan, to: workspace, objects: objects, now: configuration.now)
            objects = Self.simulateCluster(objects, for: workspace)
            configuration.now = configuration.now.addingTimeInterval(10)
        }
        return .stuck(waiting)
    }

    /// What the cluster does between two passes: each live node claim of the workspace launches a Ready node
    /// that matches the workspace (labels, instance type, GPU capacity); every workload becomes ready and
    /// progressing.
    fileprivate static func simulateCluster(_ objects: [KubernetesObject], for workspace: Workspace)
        -> [KubernetesObject]
    {
        let oracle = PlannerOracle(
            PlannerScenario(
                seed: 0, workspace: workspace, objects: objects, configuration: PlannerFixtures().configuration()))
        var objects = PlannerFixtures().markWorkloadReady(objects).map { object in
            guard object.apiVersion == "apps/v1", object.kind == "Deployment" || object.kind == "StatefulSet" else {
                return object
            }
            var object = object
            if case .object(var status)? = object.content["status"] {
                status["conditions"] = nil
                object.content["status"] = .object(status)
            }
            return object
        }
        let launching = Set(oracle.liveClaims.filter { $0.value(at: "status", "nodeName") == nil }.map(\.name))
        for index in objects.indices where launching.contains(objects[index].name) && objects[index].isNodeClaim {
            let nodeName = "node-of-\(objects[index].name)"
            var status = objects[index].content["status"]?.objectValue ?? [:]
            status["nodeName"] = .string(nodeName)
            status["conditions"] = [["type": "Ready", "status": "True"]]
            objects[index].content["status"] = .object(status)
            var labels = PlannerScenario.satisfying(workspace.resource?.labelSelector ?? LabelSelector())
            labels[PlannerScenario.instanceTypeLabel] = oracle.instanceType
            labels[objects[index].kind == "NodeClaim" ? "karpenter.sh/nodepool" : "kaito.sh/machine-type"] =
                objects[index].kind == "NodeClaim" ? "kaito" : "gpu"
            objects.append(
                KubernetesObject(
                    apiVersion: "v1", kind: "Node", metadata: ObjectMeta(name: nodeName, labels: labels),
                    content: [
                        "status": [
                            "conditions": [["type": "Ready", "status": "True"]],
                            "capacity": ["nvidia.com/gpu": "1"],
                        ]
                    ]))
        }
        return objects
    }

    // MARK: Helpers

    fileprivate static func workerNodeViolations(_ nodes: [String], oracle: PlannerOracle) -> [Violation] {
        var violations: [Violation] = []
        if nodes != nodes.sorted() { violations.append("workerNodes \(nodes) are not sorted") }
        if nodes.count != oracle.count { violations.append("workerNodes \(nodes) do not have \(oracle.count) entries") }
        if Set(nodes).count != nodes.count { violations.append("workerNodes \(nodes) repeat a node") }
        for node in nodes where !oracle.qualified.contains(node) {
            violations.append("worker node \(node) is not a matching Ready node")
        }
        return violations
    }

    static func isClaimName(_ name: String) -> Bool {
        name.hasPrefix("ws") && name.utf8.count == 11
            && name.utf8.dropFirst(2).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Runs `property` over every scenario and records the first violations with their seeds.
    fileprivate static func check(
        sourceLocation: SourceLocation = #_sourceLocation, _ property: (PlannerScenario) -> [Violation]
    ) {
        var violations: [String] = []
        for scenario in scenarios {
            violations += property(scenario).map { "\(scenario): \($0.message)" }
        }
        for text in violations.prefix(5) {
            Issue.record("\(text)", sourceLocation: sourceLocation)
        }
        if violations.count > 5 {
            Issue.record("… and \(violations.count - 5) more violations", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Violations

/// One broken property for one scenario.
fileprivate struct Violation: ExpressibleByStringInterpolation {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    init(stringLiteral value: String) {
        self.init(value)
    }

    init(stringInterpolation: DefaultStringInterpolation) {
        self.init(String(stringInterpolation: stringInterpolation))
    }
}

// MARK: - Oracle

/// What the planner should see in a scenario, computed independently of the planner.
fileprivate struct PlannerOracle {
    let scenario: PlannerScenario

    init(_ scenario: PlannerScenario) {
        self.scenario = scenario
    }

    var workspace: Workspace { scenario.workspace }
    var count: Int { workspace.resource?.count ?? 1 }
    var instanceType: String { workspace.resource?.instanceType ?? ResourceSpec.defaultInstanceType }
    var name: String { workspace.metadata.name ?? "" }
    var namespace: String { workspace.metadata.namespace ?? "default" }
    var isDeleting: Bool { workspace.metadata.deletionTimestamp != nil }

    /// Names of Ready, not deleting nodes matching the whole selector and without a different instance type.
    var qualified: Set<String> {
        Set(
            scenario.objects.filter { object in
                guard object.apiVersion == "v1", object.kind == "Node", object.metadata.deletionTimestamp == nil else {
                    return false
                }
                let labels = object.metadata.labels ?? [:]
                let ready = (object.value(at: "status", "conditions")?.arrayValue ?? []).contains {
                    $0["type"] == "Ready" && $0["status"] == "True"
                }
                let type = labels["node.kubernetes.io/instance-type"]
                return ready && Self.selects(workspace.resource?.labelSelector, labels)
                    && (type == nil || type == instanceType)
            }.map(\.name))
    }

    static func selects(_ selector: LabelSelector?, _ labels: [String: String]) -> Bool {
        for (key, value) in selector?.matchLabels ?? [:] where labels[key] != value { return false }
        for expression in selector?.matchExpressions ?? [] {
            let value = labels[expression.key]
            let values = expression.values ?? []
            let holds =
                switch expression.operator {
                case .in: value.map { values.contains($0) } ?? false
                case .notIn: value.map { !values.contains($0) } ?? true
                case .exists: value != nil
                case .doesNotExist: value == nil
                }
            if !holds { return false }
        }
        return true
    }

    /// Machines and NodeClaims labelled for this workspace.
    var workspaceClaims: [KubernetesObject] {
        scenario.objects.filter {
            $0.isNodeClaim && $0.metadata.labels?["kaito.sh/workspace"] == name
                && $0.metadata.labels?["kaito.sh/workspacenamespace"] == namespace
        }
    }

    /// Live claims for this instance type.
    var liveClaims: [KubernetesObject] {
        workspaceClaims.filter { claim in
            claim.metadata.deletionTimestamp == nil
                && (claim.value(at: "spec", "requirements")?.arrayValue ?? []).contains {
                    $0["key"] == "node.kubernetes.io/instance-type"
                        && ($0["values"]?.arrayValue ?? []).contains(.string(instanceType))
                }
        }
    }

    /// Live claims that are not Ready yet (spec 5.5 step 1: Kaito waits only for those).
    var inFlight: [KubernetesObject] {
        liveClaims.filter { claim in
            !(claim.value(at: "status", "conditions")?.arrayValue ?? []).contains {
                $0["type"] == "Ready" && $0["status"] == "True"
            }
        }
    }

    /// Live Ready claims whose node is not observed at all: the planner counts them as coming up.
    var awaitingNode: [KubernetesObject] {
        let nodeNames = Set(scenario.objects.filter { $0.apiVersion == "v1" && $0.kind == "Node" }.map(\.name))
        let pending = Set(inFlight.map(\.name))
        return liveClaims.filter { claim in
            !pending.contains(claim.name)
                && !nodeNames.contains(claim.value(at: "status", "nodeName")?.stringValue ?? "")
        }
    }

    var launchFailures: [KubernetesObject] {
        inFlight.filter { claim in
            (claim.value(at: "status", "conditions")?.arrayValue ?? []).contains {
                ($0["type"] == "MachineLaunched" || $0["type"] == "Launched") && $0["status"] == "False"
                    && $0["message"] == .string(Planner.instanceTypesUnavailable)
            }
        }
    }

    var hasLaunchFailure: Bool { !launchFailures.isEmpty }

    var hasHashConflict: Bool {
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        let revisionName = WorkspaceRevision.controllerRevisionName(workspaceName: name, hash: hash)
        return scenario.objects.contains {
            $0.kind == "ControllerRevision" && $0.name == revisionName
                && $0.metadata.annotations?[WorkspaceRevision.hashAnnotation] != hash
        }
    }

    /// Whether Kaito's resource phase completes: enough qualified nodes, and nothing stops the pass earlier.
    var resourcesComplete: Bool {
        !isDeleting && !hasHashConflict && qualified.count >= count
    }
}

// MARK: - Scenarios

/// A workspace, the cluster objects around it, and the operator configuration.
fileprivate struct PlannerScenario: Sendable, Hashable, CustomStringConvertible {
    let seed: UInt64
    var workspace: Workspace
    var objects: [KubernetesObject]
    var configuration: PlannerConfiguration

    var observed: ObservedState { ObservedState(objects: objects, for: workspace) }

    var description: String {
        let resource = workspace.resource
        let preset = workspace.inference?.preset?.name ?? "?"
        let nodes = objects.filter { $0.kind == "Node" }.count
        let claims = objects.filter(\.isNodeClaim).count
        return "seed \(seed) [\(preset) ×\(resource?.count ?? 0) \(resource?.instanceType ?? "?"), "
            + "\(configuration.effectiveProvisioner)/\(configuration.cloud), \(nodes) nodes, \(claims) claims"
            + (workspace.metadata.deletionTimestamp != nil ? ", deleting" : "") + "]"
    }

    static let nodeNames = (0..<7).map { "node-\($0)" }
    static let instanceTypeLabel = "node.kubernetes.io/instance-type"

    /// The scenario of `seed`.
    static func generate(seed: UInt64) -> PlannerScenario {
        var random = SeededGenerator(seed: seed)
        let now = PlannerFixtures.now

        // Configuration.
        let cloud: CloudProvider = random.chance(0.1) ? .aws : .azure
        let provisioner: PlannerConfiguration.NodeProvisionerKind = random.pick([
            .machine, .machine, .nodeclaim, .nodeclaim, .none,
        ])
        var configuration = PlannerFixtures().configuration(provisioner: provisioner, cloud: cloud)
        configuration.nodeClaimAPIVersion = random.pick(["karpenter.sh/v1beta1", "karpenter.sh/v1"])
        if random.chance(0.2) { configuration.featureGates = ["Karpenter": random.chance(0.7)] }
        let effective = configuration.effectiveProvisioner

        // Preset and an instance type of the cloud's sizing table it fits on.
        let model = random.pick(PresetCatalog.bundled.models)
        let skus = GPUCatalog.bundled.sizingSKUs(for: cloud).filter(\.isNVIDIA)
        var count = random.int(1...3)
        var fitting: [GPUSKU] = []
        while true {
            fitting = skus.filter { Sizing.evaluate(model, on: $0, nodeCount: count)?.fits == true }
            if !fitting.isEmpty || count >= 8 { break }
            count += 1
        }
        let sku = random.pick(fitting.isEmpty ? skus : fitting)
        let otherSKU = random.pick(skus.filter { $0.name != sku.name }).name

        // Identity and metadata.
        let suffix = random.int(0...9)
        let name = random.pick(["falcon", "ws", "demo-\(suffix)", "llm-workspace"])
        let namespace: String? = random.pick([nil, "default", "team-a", "kaito-ws"])
        let uid: String? = random.chance(0.8) ? "uid-\(String(random.next(), radix: 16))" : nil
        let generation = Int64(random.int(1...4))
        var annotations: [String: String] = [:]
        if random.chance(0.3) { annotations["kaito.sh/enablelb"] = random.pick(["True", "true", "False"]) }
        if random.chance(0.2) { annotations[WorkspaceRevision.revisionAnnotation] = String(random.int(1...9)) }
        if random.chance(0.2) { annotations["example.com/note"] = "kept" }
        let finalizers: [String]? = random.pick([
            nil, [Planner.finalizer], ["example.com/keep"], [Planner.finalizer, "example.com/keep"],
            [Planner.finalizer],
        ])
        let deletionTimestamp: Date? = random.chance(0.15) ? now.addingTimeInterval(-Double(random.int(1...600))) : nil
        let workspaceLabels: [String: String]? = random.chance(0.5) ? ["team": random.pick(["a", "b"])] : nil

        // Selector.
        var matchLabels = ["apps": random.pick(["falcon", "llm", "gpu"])]
        if random.chance(0.3) { matchLabels["pool"] = "kaito" }
        var expressions: [LabelSelectorRequirement]?
        if random.chance(0.35) {
            expressions = [
                // The webhook accepts only expressions Kaito can turn into labels: `In` with one value.
                random.pick([
                    LabelSelectorRequirement(key: "zone", operator: .in, values: ["1"]),
                    LabelSelectorRequirement(key: "tier", operator: .in, values: ["gpu"]),
                ])
            ]
        }
        let selector = LabelSelector(matchLabels: matchLabels, matchExpressions: expressions)
        let nodeCount = random.int(0...6)
        let names = Array(nodeNames.prefix(nodeCount))
        let preferred: [String]? = random.chance(0.3) ? random.subset(names + ["node-9"]) : nil

        // Preset spec and adapters.
        let preset: PresetSpec
        if model.accessMode == .private {
            let secrets: [String]? = random.chance(0.5) ? ["acr-secret"] : nil
            preset = PresetSpec(
                name: model.name, accessMode: "private",
                presetOptions: PresetOptions(
                    image: "myregistry.azurecr.io/kaito/\(model.name):0.0.3", imagePullSecrets: secrets))
        } else {
            preset = PresetSpec(name: model.name, accessMode: random.pick([nil, "public"]))
        }
        var adapters: [AdapterSpec]?
        if !model.supportsDistributedInference, random.chance(0.3) {
            let strengths: [String?] = ["0.2", nil]
            adapters = (0..<random.int(1...2)).map { index in
                AdapterSpec(
                    source: DataSource(
                        name: "adapter-\(index)", image: "myregistry.azurecr.io/adapters/a\(index):0.0.1",
                        imagePullSecrets: index == 0 ? ["adapter-secret"] : nil),
                    strength: strengths[index])
            }
        }

        var workspace = Workspace(
            metadata: ObjectMeta(
                name: name, namespace: namespace, labels: workspaceLabels,
                annotations: annotations.isEmpty ? nil : annotations,
                uid: uid, generation: generation, creationTimestamp: now.addingTimeInterval(-7200),
                deletionTimestamp: deletionTimestamp, finalizers: finalizers),
            resource: ResourceSpec(
                count: count, instanceType: sku.name, labelSelector: selector, preferredNodes: preferred),
            inference: InferenceSpec(preset: preset, adapters: adapters))
        let effectiveNamespace = namespace ?? "default"

        // Nodes.
        var objects: [KubernetesObject] = []
        for nodeName in names {
            var labels = satisfying(selector)
            if !random.chance(0.7) { violate(selector, in: &labels, using: &random) }
            switch random.int(0...9) {
            case 0...5: labels[instanceTypeLabel] = sku.name
            case 6...7: labels[instanceTypeLabel] = otherSKU
            default: break
            }
            if random.chance(0.4) { labels["kaito.sh/machine-type"] = "gpu" }
            if random.chance(0.3) { labels["karpenter.sh/nodepool"] = "kaito" }
            if random.chance(0.4) { labels["accelerator"] = "nvidia" }
            let ready = random.chance(0.8)
            let deleting = random.chance(0.1)
            var status: [String: JSONValue] = [
                "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]
            ]
            if random.chance(0.6) { status["capacity"] = ["nvidia.com/gpu": .string(String(sku.gpuCount))] }
            objects.append(
                KubernetesObject(
                    apiVersion: "v1", kind: "Node",
                    metadata: ObjectMeta(
                        name: nodeName, labels: labels, creationTimestamp: now.addingTimeInterval(-86_400),
                        deletionTimestamp: deleting ? now.addingTimeInterval(-30) : nil,
                        finalizers: deleting ? ["example.com/drain"] : nil),
                    content: ["status": .object(status)]))
        }

        // Node claims of the workspace, and one of another workspace.
        let claimKind = effective == .nodeclaim ? "NodeClaim" : "Machine"
        let claimAPIVersion = effective == .nodeclaim ? configuration.nodeClaimAPIVersion : "karpenter.sh/v1alpha5"
        var claimNames = Set<String>()
        for _ in 0..<random.int(0...3) {
            let claimName =
                random.chance(0.4)
                ? NodeClaimNaming.name(for: workspace, index: random.int(0...2))
                : "ws" + String(String(random.next(), radix: 16).suffix(9))
            guard claimNames.insert(claimName).inserted else { continue }
            let created: Date?
            var conditions: [JSONValue] = []
            var nodeName: String?
            switch random.int(0...9) {
            case 0...2:  // ready, with its node
                created = now.addingTimeInterval(-Double(random.int(300...7200)))
                conditions = [["type": "Ready", "status": "True"]]
                nodeName = random.pick(names + ["gone-node"])
            case 3...5:  // pending, within its timeout
                created = now.addingTimeInterval(-Double(random.int(0...239)))
            case 6...7:  // old, past its timeout
                created = now.addingTimeInterval(-Double(random.int(240...3600)))
                conditions = [["type": "Ready", "status": "False", "reason": "NotLaunched"]]
            case 8:  // launch failed
                created = now.addingTimeInterval(-Double(random.int(10...600)))
                conditions = [
                    [
                        "type": .string(effective == .nodeclaim ? "Launched" : "MachineLaunched"), "status": "False",
                        "message": .string(Planner.instanceTypesUnavailable),
                    ]
                ]
            default:  // no timestamp (not read back yet)
                created = nil
            }
            objects.append(
                claimObject(
                    apiVersion: claimAPIVersion, kind: claimKind, name: claimName, workspace: name,
                    namespace: effectiveNamespace, instanceType: random.chance(0.85) ? sku.name : otherSKU,
                    created: created, deleting: random.chance(0.1), conditions: conditions, nodeName: nodeName))
        }
        if random.chance(0.3) {
            objects.append(
                claimObject(
                    apiVersion: claimAPIVersion, kind: claimKind, name: "ws0f0f0f0f0", workspace: "other",
                    namespace: effectiveNamespace, instanceType: sku.name, created: now, deleting: false,
                    conditions: [],
                    nodeName: nil))
        }

        // Revision history.
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        let currentRevisionName = WorkspaceRevision.controllerRevisionName(workspaceName: name, hash: hash)
        if random.chance(0.35) {
            let history = random.int(1...12)
            let reuse = random.chance(0.3) ? random.int(1...history) : nil
            let conflict = reuse == nil && random.chance(0.15)
            for number in 1...history {
                let isCurrent = number == reuse || (conflict && number == history)
                let revisionHash = isCurrent && !conflict ? hash : String(repeating: String(number % 10), count: 64)
                objects.append(
                    KubernetesObject(
                        apiVersion: "apps/v1", kind: "ControllerRevision",
                        metadata: ObjectMeta(
                            name: isCurrent
                                ? currentRevisionName
                                : WorkspaceRevision.controllerRevisionName(workspaceName: name, hash: revisionHash),
                            namespace: effectiveNamespace, labels: [WorkspaceRevision.nameLabel: name],
                            annotations: [WorkspaceRevision.hashAnnotation: revisionHash]),
                        content: ["revision": .integer(Int64(number)), "data": [:]]))
            }
        }

        // An existing workload.
        if random.chance(0.3) {
            let kind = model.supportsDistributedInference ? "StatefulSet" : "Deployment"
            var status: [String: JSONValue] = ["readyReplicas": .integer(Int64(random.int(0...count)))]
            if kind == "Deployment", random.chance(0.15) {
                status["conditions"] = [
                    ["type": "Progressing", "status": "False", "message": "ReplicaSet has timed out progressing."]
                ]
            }
            objects.append(
                KubernetesObject(
                    apiVersion: "apps/v1", kind: kind,
                    metadata: ObjectMeta(
                        name: name, namespace: effectiveNamespace,
                        annotations: kind == "Deployment"
                            ? [WorkspaceRevision.revisionAnnotation: String(random.int(1...3))] : nil,
                        uid: "uid-workload", resourceVersion: "5",
                        creationTimestamp: now.addingTimeInterval(-Double(random.int(0...7200)))),
                    content: ["spec": ["replicas": .integer(Int64(count))], "status": .object(status)]))
        }
        if random.chance(0.3) {
            objects.append(
                KubernetesObject(
                    apiVersion: "v1", kind: "Service", metadata: ObjectMeta(name: name, namespace: effectiveNamespace),
                    content: ["spec": ["type": "ClusterIP"]]))
            if model.supportsDistributedInference, random.chance(0.7) {
                objects.append(
                    KubernetesObject(
                        apiVersion: "v1", kind: "Service",
                        metadata: ObjectMeta(name: "\(name)-headless", namespace: effectiveNamespace),
                        content: ["spec": ["clusterIP": "None"]]))
            }
        }
        if random.chance(0.5) {
            objects.append(
                KubernetesObject(
                    apiVersion: "karpenter.azure.com/v1alpha2", kind: "AKSNodeClass",
                    metadata: ObjectMeta(name: "default"),
                    content: ["spec": ["imageFamily": "Ubuntu2204"]]))
        }

        // What an earlier pass left in the status.
        switch random.int(0...9) {
        case 0...3:
            var earlier = configuration
            earlier.now = now.addingTimeInterval(-Double(random.int(1...600)))
            var status = Planner.plan(
                workspace, observed: ObservedState(objects: objects, for: workspace), configuration: earlier
            ).status
            if generation > 1, random.chance(0.3) {
                status.conditions = status.conditions?.map { condition in
                    var condition = condition
                    condition.observedGeneration = generation - 1
                    return condition
                }
            }
            workspace.status = status
        case 4...5:
            workspace.status = WorkspaceStatus(workerNodes: random.subset(names).sorted())
        default:
            break
        }

        return PlannerScenario(seed: seed, workspace: workspace, objects: objects, configuration: configuration)
    }

    /// Labels that satisfy every part of `selector`.
    static func satisfying(_ selector: LabelSelector) -> [String: String] {
        var labels = selector.matchLabels ?? [:]
        for expression in selector.matchExpressions ?? [] {
            switch expression.operator {
            case .in: labels[expression.key] = expression.values?.first
            case .exists: labels[expression.key] = "yes"
            case .notIn: labels[expression.key] = "gpu"
            case .doesNotExist: labels[expression.key] = nil
            }
        }
        return labels
    }

    /// Breaks one part of `selector` in `labels`.
    static func violate(
        _ selector: LabelSelector, in labels: inout [String: String], using random: inout SeededGenerator
    ) {
        if let expression = selector.matchExpressions?.first, random.chance(0.5) {
            switch expression.operator {
            case .in: labels[expression.key] = "9"
            case .exists: labels[expression.key] = nil
            case .notIn: labels[expression.key] = expression.values?.first
            case .doesNotExist: labels[expression.key] = "true"
            }
        } else if random.chance(0.5) {
            labels["apps"] = nil
        } else {
            labels["apps"] = "other"
        }
    }

    static func claimObject(
        apiVersion: String, kind: String, name: String, workspace: String, namespace: String, instanceType: String,
        created: Date?, deleting: Bool, conditions: [JSONValue], nodeName: String?
    ) -> KubernetesObject {
        var status: [String: JSONValue] = [:]
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        if let nodeName { status["nodeName"] = .string(nodeName) }
        var content: [String: JSONValue] = [
            "spec": [
                "requirements": [
                    ["key": "node.kubernetes.io/instance-type", "operator": "In", "values": [.string(instanceType)]],
                    ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                ]
            ]
        ]
        if !status.isEmpty { content["status"] = .object(status) }
        return KubernetesObject(
            apiVersion: apiVersion, kind: kind,
            metadata: ObjectMeta(
                name: name,
                labels: ["kaito.sh/workspace": workspace, "kaito.sh/workspacenamespace": namespace],
                creationTimestamp: created,
                deletionTimestamp: deleting ? PlannerFixtures.now.addingTimeInterval(-10) : nil,
                finalizers: deleting ? ["karpenter.sh/termination"] : nil),
            content: content)
    }

    /// A seeded Fisher–Yates shuffle.
    static func shuffled<T>(_ items: [T], using random: inout SeededGenerator) -> [T] {
        var items = items
        guard items.count > 1 else { return items }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, random.int(0...index))
        }
        return items
    }
}

// MARK: - Small helpers

fileprivate struct ObjectKey: Hashable {
    var kind: String
    var name: String
}

extension KubernetesObject {
    /// A Machine or NodeClaim.
    fileprivate var isNodeClaim: Bool {
        apiVersion.hasPrefix("karpenter.sh/") && (kind == "Machine" || kind == "NodeClaim")
    }
}

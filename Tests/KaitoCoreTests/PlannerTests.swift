import Foundation
import Testing

@testable import KaitoCore

/// Focused examples of the planner's rules (spec section 5), with exact expectations.
///
/// The workspace is `default/ws` (uid `uid-1`, generation 2, Kaito's finalizer present) unless a test says
/// otherwise; `now` is ``PlannerFixtures/now``.
@Suite("Planner rules")
struct PlannerTests {
    static let now = PlannerFixtures.now
    let fixtures = PlannerFixtures()

    // MARK: Fixtures

    static let generation: Int64 = 2
    static let owner = OwnerReference(
        apiVersion: "kaito.sh/v1alpha1", kind: "Workspace", name: "ws", uid: "uid-1", controller: true)
    /// `NodeClaimNaming.name(for:index:)` of uid `uid-1`: `ws` + SHA-256("uid-1#<index>").prefix(9).
    static let claimNames = ["wsb673e163c", "ws4c6fb6440", "ws897f35eee"]
    static let falconLabels = ["apps": "falcon-7b"]
    static let instanceTypeLabel = "node.kubernetes.io/instance-type"

    static func workspace(
        preset: String? = "falcon-7b", count: Int = 1, instanceType: String = "Standard_NC12s_v3",
        matchLabels: [String: String]? = falconLabels, matchExpressions: [LabelSelectorRequirement]? = nil,
        preferredNodes: [String]? = nil, workerNodes: [String]? = nil, annotations: [String: String]? = nil,
        template: JSONValue? = nil, conditions: [Condition]? = nil
    ) -> Workspace {
        var inference: InferenceSpec?
        if let preset {
            let isPrivate = PresetCatalog.bundled.model(named: preset)?.accessMode == .private
            inference = InferenceSpec(
                preset: isPrivate
                    ? PresetSpec(
                        name: preset, accessMode: "private",
                        presetOptions: PresetOptions(
                            image: "myregistry.azurecr.io/kaito/\(preset):0.0.3", imagePullSecrets: ["acr-secret"]))
                    : PresetSpec(name: preset))
        } else if let template {
            inference = InferenceSpec(template: template)
        }
        let status =
            workerNodes == nil && conditions == nil
            ? nil : WorkspaceStatus(workerNodes: workerNodes, conditions: conditions)
        return Workspace(
            metadata: ObjectMeta(
                name: "ws", namespace: "default", annotations: annotations, uid: "uid-1", generation: generation,
                creationTimestamp: now.addingTimeInterval(-3600), finalizers: [Planner.finalizer]),
            resource: ResourceSpec(
                count: count, instanceType: instanceType,
                labelSelector: LabelSelector(matchLabels: matchLabels, matchExpressions: matchExpressions),
                preferredNodes: preferredNodes),
            inference: inference, status: status)
    }

    /// The workspace annotated with its current revision, and that ControllerRevision.
    static func steady(_ workspace: Workspace, revision: Int = 1) -> (Workspace, [KubernetesObject]) {
        var workspace = workspace
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        workspace.metadata.annotations = (workspace.metadata.annotations ?? [:]).merging([
            WorkspaceRevision.hashAnnotation: hash, WorkspaceRevision.revisionAnnotation: String(revision),
        ]) { _, new in new }
        return (workspace, [controllerRevision(number: revision, hash: hash)])
    }

    /// A ControllerRevision of `ws`; its name comes from `hash` (default: a made-up hash unique per number).
    static func controllerRevision(number: Int, hash: String? = nil) -> KubernetesObject {
        let hash = hash ?? String(format: "%05d", number) + String(repeating: "0", count: 59)
        return KubernetesObject(
            apiVersion: "apps/v1", kind: "ControllerRevision",
            metadata: ObjectMeta(
                name: WorkspaceRevision.controllerRevisionName(workspaceName: "ws", hash: hash), namespace: "default",
                labels: [WorkspaceRevision.nameLabel: "ws"], annotations: [WorkspaceRevision.hashAnnotation: hash]),
            content: ["revision": .integer(Int64(number)), "data": [:]])
    }

    static func node(
        _ name: String, labels: [String: String] = falconLabels, instanceType: String? = "Standard_NC12s_v3",
        ready: Bool = true, deleting: Bool = false, gpus: Int? = nil, accelerator: Bool = true
    ) -> KubernetesObject {
        var labels = labels
        if let instanceType { labels[instanceTypeLabel] = instanceType }
        if accelerator { labels["accelerator"] = "nvidia" }
        var status: [String: JSONValue] = ["conditions": [["type": "Ready", "status": ready ? "True" : "False"]]]
        if let gpus { status["capacity"] = ["nvidia.com/gpu": .string(String(gpus))] }
        return KubernetesObject(
            apiVersion: "v1", kind: "Node",
            metadata: ObjectMeta(
                name: name, labels: labels, deletionTimestamp: deleting ? now.addingTimeInterval(-10) : nil),
            content: ["status": .object(status)])
    }

    static func claim(
        _ name: String, kind: String = "Machine", apiVersion: String = "karpenter.sh/v1alpha5",
        instanceType: String = "Standard_NC12s_v3", created: Date?, conditions: [JSONValue] = [],
        nodeName: String? = nil
    ) -> KubernetesObject {
        var status: [String: JSONValue] = [:]
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        if let nodeName { status["nodeName"] = .string(nodeName) }
        return KubernetesObject(
            apiVersion: apiVersion, kind: kind,
            metadata: ObjectMeta(
                name: name, labels: ["kaito.sh/workspace": "ws", "kaito.sh/workspacenamespace": "default"],
                creationTimestamp: created),
            content: [
                "spec": [
                    "requirements": [
                        [
                            "key": "node.kubernetes.io/instance-type", "operator": "In",
                            "values": [.string(instanceType)],
                        ]
                    ]
                ],
                "status": .object(status),
            ])
    }

    static func workload(
        kind: String = "Deployment", revision: String? = "1", replicas: Int = 1, ready: Int, created: Date,
        conditions: [JSONValue] = []
    ) -> KubernetesObject {
        var status: [String: JSONValue] = [
            "replicas": .integer(Int64(replicas)), "readyReplicas": .integer(Int64(ready)),
        ]
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        return KubernetesObject(
            apiVersion: "apps/v1", kind: kind,
            metadata: ObjectMeta(
                name: "ws", namespace: "default",
                annotations: revision.map { [WorkspaceRevision.revisionAnnotation: $0] }, uid: "uid-workload",
                resourceVersion: "42", creationTimestamp: created, ownerReferences: [owner]),
            content: ["spec": ["replicas": .integer(Int64(replicas))], "status": .object(status)])
    }

    static func service(_ name: String = "ws") -> KubernetesObject {
        KubernetesObject(
            apiVersion: "v1", kind: "Service", metadata: ObjectMeta(name: name, namespace: "default"),
            content: ["spec": ["type": "ClusterIP", "clusterIP": "10.0.0.10"]])
    }

    static let aksNodeClass = KubernetesObject(
        apiVersion: "karpenter.azure.com/v1alpha2", kind: "AKSNodeClass", metadata: ObjectMeta(name: "default"))

    func plan(
        _ workspace: Workspace, _ objects: [KubernetesObject] = [],
        provisioner: PlannerConfiguration.NodeProvisionerKind = .machine, cloud: CloudProvider = .azure,
        nodeClaimAPIVersion: String = "karpenter.sh/v1beta1"
    ) -> ReconcilePlan {
        var configuration = fixtures.configuration(provisioner: provisioner, cloud: cloud)
        configuration.nodeClaimAPIVersion = nodeClaimAPIVersion
        return Planner.plan(
            workspace, observed: ObservedState(objects: objects, for: workspace), configuration: configuration)
    }

    /// The ranked qualified nodes (spec 5.5 steps 2–3).
    func ranking(
        _ workspace: Workspace, _ objects: [KubernetesObject],
        provisioner: PlannerConfiguration.NodeProvisionerKind = .machine
    ) -> [String] {
        PlanContext(
            workspace: workspace.defaulted(), observed: ObservedState(objects: objects, for: workspace),
            configuration: fixtures.configuration(provisioner: provisioner)
        ).qualifiedNodes().map(\.name)
    }

    /// A condition as the planner writes it on this pass: generation 2, transition now.
    static func condition(
        _ type: String, _ status: Condition.Status, _ reason: String, _ message: String
    ) -> Condition {
        Condition(
            type: type, status: status, reason: reason, message: message, observedGeneration: generation,
            lastTransitionTime: now)
    }

    static func created(_ plan: ReconcilePlan, kind: String) -> [KubernetesObject] {
        plan.createdObjects.filter { $0.kind == kind }
    }

    /// Each action as `verb [Kind name]`.
    static func outline(_ plan: ReconcilePlan) -> [String] {
        plan.actions.map { action in
            switch action {
            case .create(let object): "create \(object.kind) \(object.name)"
            case .update(let object): "update \(object.kind) \(object.name)"
            case .delete(let reference): "delete \(reference.kind) \(reference.name)"
            case .addFinalizer: "addFinalizer"
            case .removeFinalizer: "removeFinalizer"
            case .setWorkspaceAnnotations: "setWorkspaceAnnotations"
            case .labelNode(let name, _): "labelNode \(name)"
            }
        }
    }

    static func labelActions(_ plan: ReconcilePlan) -> [PlanAction] {
        plan.actions.filter { if case .labelNode = $0 { true } else { false } }
    }

    static func container(_ workload: KubernetesObject?) -> JSONValue? {
        workload?.value(at: "spec", "template", "spec", "containers")?.arrayValue?.first
    }

    static let tolerations: [JSONValue] = [
        ["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"],
        ["key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"],
    ]

    static func affinity(_ expressions: [JSONValue]) -> JSONValue {
        [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    "nodeSelectorTerms": [["matchExpressions": .array(expressions)]]
                ]
            ]
        ]
    }

    // MARK: Node selection (spec 5.5)

    @Test("Nodes rank preferred, then current worker nodes, then gpu-provisioner nodes, then by name")
    func selectionOrder() {
        let workspace = Self.workspace(count: 3, preferredNodes: ["d", "e"], workerNodes: ["c", "e", "f"])
        let provisioned = Self.falconLabels.merging(["kaito.sh/machine-type": "gpu"]) { $1 }
        let nodes = [
            Self.node("a"), Self.node("b", labels: provisioned), Self.node("c"), Self.node("d"), Self.node("e"),
            Self.node("f", labels: provisioned), Self.node("g", labels: provisioned),
        ]
        #expect(ranking(workspace, nodes) == ["e", "d", "f", "c", "b", "g", "a"])

        let plan = self.plan(workspace, nodes)
        #expect(plan.status.workerNodes == ["d", "e", "f"])
        #expect(
            plan.status.conditions?[type: "ResourceReady"]
                == Self.condition(
                    "ResourceReady", .true, "workspaceResourceStatusSuccess", "workspace resource is ready"))
        #expect(
            plan.status.conditions?[type: "MachineReady"]
                == Self.condition(
                    "MachineReady", .true, "installNodePluginsSuccess",
                    "machines plugins have been installed successfully"))
        #expect(Self.created(plan, kind: "Machine").isEmpty)

        // Without preferences or history, provisioned nodes win, then names.
        let fresh = Self.workspace(count: 2)
        #expect(self.plan(fresh, nodes).status.workerNodes == ["b", "f"])
    }

    @Test("Provisioned nodes: kaito.sh/machine-type, and karpenter.sh/nodepool too with the nodeclaim provisioner")
    func provisionedLabelPerProvisioner() {
        let workspace = Self.workspace(count: 1)
        let nodes = [
            Self.node("a"),
            Self.node("b", labels: Self.falconLabels.merging(["karpenter.sh/nodepool": "kaito"]) { $1 }),
            Self.node("c", labels: Self.falconLabels.merging(["kaito.sh/machine-type": "gpu"]) { $1 }),
        ]
        #expect(ranking(workspace, nodes, provisioner: .machine) == ["c", "a", "b"])
        // Spec 5.5 step 3.3: with Karpenter=true, nodepool nodes rank *also*, beside gpu-provisioner nodes.
        #expect(ranking(workspace, nodes, provisioner: .nodeclaim) == ["b", "c", "a"])
    }

    @Test("Nodes with another instance type, NotReady or deleting are skipped; a node without the label qualifies")
    func skippedNodes() {
        let workspace = Self.workspace(count: 3, preferredNodes: ["wrong-type"])
        let nodes = [
            Self.node("wrong-type", instanceType: "Standard_NC6s_v3"),
            Self.node("not-ready", ready: false),
            Self.node("deleting", deleting: true),
            Self.node("unlabelled", instanceType: nil),
            Self.node("good"),
            Self.node("other-selector", labels: ["apps": "llama"]),
        ]
        // preferredNodes does not bypass the instance-type check (v0.3.1).
        #expect(ranking(workspace, nodes) == ["good", "unlabelled"])
        let plan = self.plan(workspace, nodes)
        #expect(plan.status.workerNodes == nil)
        #expect(Self.created(plan, kind: "Machine").map(\.name) == [Self.claimNames[0]])
        #expect(
            plan.status.conditions?[type: "MachineReady"]
                == Self.condition(
                    "MachineReady", .unknown, "CreateMachinePending", "creating 1 machines"))
    }

    @Test("matchExpressions are honoured (Kaito v0.3.1 listed nodes by matchLabels only)")
    func matchExpressions() {
        let workspace = Self.workspace(
            count: 1,
            matchExpressions: [
                LabelSelectorRequirement(key: "zone", operator: .in, values: ["1"]),
                LabelSelectorRequirement(key: "spot", operator: .doesNotExist),
            ])
        let nodes = [
            Self.node("a-zone-2", labels: ["apps": "falcon-7b", "zone": "2"]),
            Self.node("b-spot", labels: ["apps": "falcon-7b", "zone": "1", "spot": "true"]),
            Self.node("c-no-apps", labels: ["zone": "1"]),
            Self.node("d-good", labels: ["apps": "falcon-7b", "zone": "1"]),
        ]
        #expect(ranking(workspace, nodes) == ["d-good"])
        #expect(plan(workspace, nodes).status.workerNodes == ["d-good"])
    }

    @Test("An empty matchLabels selects every node of the instance type")
    func emptySelector() {
        let workspace = Self.workspace(count: 2, matchLabels: [:])
        let nodes = [
            Self.node("x", labels: [:]), Self.node("y", labels: ["apps": "other"]), Self.node("z", ready: false),
        ]
        #expect(ranking(workspace, nodes) == ["x", "y"])
    }

    @Test("The none provisioner with too few nodes reports the missing count and requeues")
    func noneProvisioner() {
        let (workspace, revisions) = Self.steady(Self.workspace(count: 3))
        let plan = self.plan(workspace, revisions + [Self.node("only")], provisioner: .none)
        let message =
            "found 1 of 3 ready nodes with instance type Standard_NC12s_v3 matching the label selector; "
            + "the none provisioner creates no nodes: add 2 more"
        #expect(
            plan.status.conditions == [
                Self.condition("ResourceReady", .false, "workspaceResourceStatusFailed", message),
                Self.condition("WorkspaceSucceeded", .false, "workspaceFailed", message),
            ])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == .seconds(60))
        #expect(plan.waitingFor.count == 1)
        #expect(plan.waitingFor.first?.contains("2 more") == true)
        #expect(plan.status.workerNodes == nil)
    }

    // MARK: Machine and NodeClaim manifests (spec 5.6, 5.7)

    @Test("Machine manifest: labels (matchLabels win), requirements in order, taint, storage")
    func machineManifest() throws {
        let workspace = Self.workspace(matchLabels: ["apps": "falcon-7b", "karpenter.sh/provisioner-name": "gpu-pool"])
        let plan = self.plan(workspace)
        let machine = try #require(Self.created(plan, kind: "Machine").first)
        let name = Self.claimNames[0]
        #expect(name == NodeClaimNaming.name(for: workspace, index: 0))
        #expect(
            machine
                == KubernetesObject(
                    apiVersion: "karpenter.sh/v1alpha5", kind: "Machine",
                    metadata: ObjectMeta(
                        name: name,
                        labels: [
                            "karpenter.sh/provisioner-name": "gpu-pool", "kaito.sh/workspace": "ws",
                            "kaito.sh/workspacenamespace": "default", "apps": "falcon-7b",
                        ]),
                    content: [
                        "spec": [
                            "machineTemplateRef": ["name": .string(name)],
                            "requirements": [
                                [
                                    "key": "node.kubernetes.io/instance-type", "operator": "In",
                                    "values": ["Standard_NC12s_v3"],
                                ],
                                ["key": "karpenter.sh/provisioner-name", "operator": "In", "values": ["default"]],
                                ["key": "kaito.sh/machine-type", "operator": "In", "values": ["gpu"]],
                                ["key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]],
                                ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                            ],
                            "taints": [["key": "sku", "value": "gpu", "effect": "NoSchedule"]],
                            "resources": ["requests": ["storage": "50Gi"]],
                        ]
                    ]))
        #expect(
            plan.status.conditions?[type: "MachineReady"]
                == Self.condition(
                    "MachineReady", .unknown, "CreateMachinePending", "creating 1 machines"))
        #expect(plan.status.conditions?[type: "ResourceReady"] == nil)
        #expect(plan.requeueAfter == .seconds(240))
    }

    @Test(
        "NodeClaim manifest (karpenter.sh/v1beta1, Azure): labels, annotation, nodeClassRef without group, requirements"
    )
    func nodeClaimManifest() throws {
        let workspace = Self.workspace(matchLabels: ["apps": "falcon-7b", "karpenter.sh/nodepool": "mine"])
        let plan = self.plan(workspace, [Self.aksNodeClass], provisioner: .nodeclaim)
        let claim = try #require(Self.created(plan, kind: "NodeClaim").first)
        let name = Self.claimNames[0]
        #expect(
            claim
                == KubernetesObject(
                    apiVersion: "karpenter.sh/v1beta1", kind: "NodeClaim",
                    metadata: ObjectMeta(
                        name: name,
                        labels: [
                            "karpenter.sh/nodepool": "mine", "kaito.sh/workspace": "ws",
                            "kaito.sh/workspacenamespace": "default", "apps": "falcon-7b",
                        ],
                        annotations: ["karpenter.sh/do-not-disrupt": "true"]),
                    content: [
                        "spec": [
                            "nodeClassRef": ["name": "default", "kind": "AKSNodeClass"],
                            "taints": [["key": "sku", "value": "gpu", "effect": "NoSchedule"]],
                            "requirements": [
                                ["key": "karpenter.sh/nodepool", "operator": "In", "values": ["kaito"]],
                                [
                                    "key": "node.kubernetes.io/instance-type", "operator": "In",
                                    "values": ["Standard_NC12s_v3"],
                                ],
                                ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                                [
                                    "key": "karpenter.azure.com/sku-name", "operator": "In",
                                    "values": ["Standard_NC12s_v3"],
                                ],
                            ],
                            "resources": ["requests": ["ephemeral-storage": "50Gi"]],
                        ]
                    ]))
        #expect(
            plan.status.conditions?[type: "NodeClaimReady"]
                == Self.condition(
                    "NodeClaimReady", .unknown, "CreateNodeClaimPending", "creating 1 nodeClaims"))
        #expect(plan.status.conditions?[type: "MachineReady"] == nil)
        #expect(Self.created(plan, kind: "AKSNodeClass").isEmpty)
    }

    @Test("nodeClassRef.group is set only for karpenter.sh/v1; AWS uses EC2NodeClass and no sku-name requirement")
    func nodeClaimVariants() throws {
        let azure = try #require(
            Self.created(
                plan(
                    Self.workspace(), [Self.aksNodeClass], provisioner: .nodeclaim,
                    nodeClaimAPIVersion: "karpenter.sh/v1"),
                kind: "NodeClaim"
            ).first)
        #expect(azure.apiVersion == "karpenter.sh/v1")
        #expect(
            azure.value(at: "spec", "nodeClassRef") == [
                "name": "default", "kind": "AKSNodeClass", "group": "karpenter.azure.com",
            ])

        let awsWorkspace = Self.workspace(instanceType: "p3.8xlarge")
        let awsPlan = plan(awsWorkspace, provisioner: .nodeclaim, cloud: .aws, nodeClaimAPIVersion: "karpenter.sh/v1")
        let aws = try #require(Self.created(awsPlan, kind: "NodeClaim").first)
        #expect(
            aws.value(at: "spec", "nodeClassRef") == [
                "name": "default", "kind": "EC2NodeClass", "group": "karpenter.k8s.aws",
            ])
        #expect(
            aws.value(at: "spec", "requirements")
                == [
                    ["key": "karpenter.sh/nodepool", "operator": "In", "values": ["kaito"]],
                    ["key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["p3.8xlarge"]],
                    ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                ])
        let v1beta1 = try #require(
            Self.created(plan(awsWorkspace, provisioner: .nodeclaim, cloud: .aws), kind: "NodeClaim").first)
        #expect(v1beta1.value(at: "spec", "nodeClassRef") == ["name": "default", "kind": "EC2NodeClass"])
        // No EC2NodeClass is made up (it needs the cluster's role and tags); the plan says so instead.
        #expect(awsPlan.createdObjects.allSatisfy { $0.kind != "EC2NodeClass" })
        #expect(awsPlan.waitingFor.contains { $0.hasPrefix("EC2NodeClass default is missing") })
    }

    @Test("The default AKSNodeClass is created when missing, once")
    func aksNodeClass() throws {
        let plan = self.plan(Self.workspace(), provisioner: .nodeclaim)
        let nodeClass = try #require(plan.createdObjects.first { $0.kind == "AKSNodeClass" })
        #expect(
            nodeClass
                == KubernetesObject(
                    apiVersion: "karpenter.azure.com/v1alpha2", kind: "AKSNodeClass",
                    metadata: ObjectMeta(
                        name: "default",
                        annotations: [
                            "kubernetes.io/description": "General purpose AKSNodeClass for running Ubuntu 22.04 nodes"
                        ]),
                    content: ["spec": ["imageFamily": "Ubuntu2204"]]))
        #expect(
            Self.created(
                self.plan(Self.workspace(), [Self.aksNodeClass], provisioner: .nodeclaim), kind: "AKSNodeClass"
            ).isEmpty)
        // The Machine provisioner needs none.
        #expect(Self.created(self.plan(Self.workspace()), kind: "AKSNodeClass").isEmpty)
    }

    @Test(
        "Node claim storage: the preset's disk; falcon-40b's unit-less 400 read as GiB; 0 for templates",
        arguments: [
            ("falcon-7b", "50Gi"), ("falcon-40b", "400Gi"), ("falcon-40b-instruct", "400Gi"), ("mistral-7b", "100Gi"),
            ("llama-2-7b", "34Gi"), ("llama-2-70b", "158Gi"), (nil, "0"),
        ] as [(String?, String)])
    func nodeClaimStorage(preset: String?, storage: String) throws {
        let template: JSONValue = ["spec": ["containers": [["name": "c", "image": "nginx"]]]]
        let workspace = Self.workspace(preset: preset, template: template)
        let machine = try #require(Self.created(plan(workspace), kind: "Machine").first)
        #expect(machine.value(at: "spec", "resources", "requests", "storage") == .string(storage))
        let nodeClaim = try #require(
            Self.created(plan(workspace, [Self.aksNodeClass], provisioner: .nodeclaim), kind: "NodeClaim").first)
        #expect(nodeClaim.value(at: "spec", "resources", "requests", "ephemeral-storage") == .string(storage))
    }

    @Test("The Karpenter feature gate turns the machine provisioner into NodeClaims")
    func karpenterFeatureGate() {
        var configuration = fixtures.configuration()
        configuration.featureGates = ["Karpenter": true]
        let workspace = Self.workspace()
        let plan = Planner.plan(
            workspace, observed: ObservedState(objects: [Self.aksNodeClass], for: workspace),
            configuration: configuration)
        #expect(Self.created(plan, kind: "NodeClaim").map(\.name) == [Self.claimNames[0]])
        #expect(Self.created(plan, kind: "Machine").isEmpty)
        #expect(plan.status.conditions?[type: "NodeClaimReady"]?.reason == "CreateNodeClaimPending")

        configuration.featureGates = ["Karpenter": false]
        let off = Planner.plan(
            workspace, observed: ObservedState(objects: [Self.aksNodeClass], for: workspace),
            configuration: configuration)
        #expect(Self.created(off, kind: "Machine").count == 1)
    }

    @Test("Tuning workspaces request the provider's default disk")
    func tuningStorage() throws {
        var workspace = Self.workspace(preset: nil)
        workspace.tuning = TuningSpec(
            preset: PresetSpec(name: "falcon-7b"), method: "lora",
            input: DataSource(urls: ["https://example.com/d.parquet"]),
            output: DataDestination(image: "myregistry.azurecr.io/out:1", imagePushSecret: "push"))
        let machine = try #require(Self.created(plan(workspace), kind: "Machine").first)
        #expect(machine.value(at: "spec", "resources", "requests", "storage") == "0")
    }

    @Test("Node claim names are deterministic per workspace uid and skip names already taken")
    func nodeClaimNaming() {
        let workspace = Self.workspace(count: 3)
        #expect(Self.created(plan(workspace), kind: "Machine").map(\.name) == Self.claimNames)

        // One of them exists already and is in flight: only the two others are created.
        let (steady, revisions) = Self.steady(workspace)
        let existing = Self.claim(Self.claimNames[0], created: Self.now.addingTimeInterval(-10))
        let plan = self.plan(steady, revisions + [existing])
        #expect(Self.created(plan, kind: "Machine").map(\.name) == Array(Self.claimNames[1...]))
        #expect(plan.status.conditions?[type: "MachineReady"]?.message == "creating 3 machines")

        // Another uid, other names; no uid, names from namespace/name.
        var other = workspace
        other.metadata.uid = "uid-2"
        #expect(NodeClaimNaming.name(for: other, index: 0) != Self.claimNames[0])
        other.metadata.uid = nil
        #expect(NodeClaimNaming.name(for: other, index: 0) == NodeClaimNaming.name(for: other, index: 0))
        #expect(NodeClaimNaming.name(for: other, index: 0) != NodeClaimNaming.name(for: other, index: 1))
    }

    // MARK: Waiting for node claims (spec 5.6.3, 5.7.3)

    @Test("A node claim not ready after 240 s fails MachineReady with checkMachineStatusFailed and requeues")
    func machineTimeout() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let plan = self.plan(
            workspace, revisions + [Self.claim("ws0a1b2c3d4", created: Self.now.addingTimeInterval(-240))])
        let message = "check machine status timed out. machine ws0a1b2c3d4 is not ready"
        #expect(
            plan.status.conditions == [
                Self.condition("MachineReady", .false, "checkMachineStatusFailed", message),
                Self.condition("ResourceReady", .false, "workspaceResourceStatusFailed", message),
                Self.condition("WorkspaceSucceeded", .false, "workspaceFailed", message),
            ])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == .seconds(30))
    }

    @Test("Before its timeout a node claim is waited for: requeue after the remaining time")
    func machineWaiting() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let plan = self.plan(
            workspace, revisions + [Self.claim("ws0a1b2c3d4", created: Self.now.addingTimeInterval(-100))])
        #expect(
            plan.status.conditions == [
                Self.condition("MachineReady", .unknown, "CreateMachinePending", "creating 1 machines")
            ])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == .seconds(140))

        // Once Ready with its node, the node is used.
        let ready = Self.claim(
            "ws0a1b2c3d4", created: Self.now.addingTimeInterval(-100),
            conditions: [["type": "Ready", "status": "True"]],
            nodeName: "aks-gpu-0")
        let done = self.plan(workspace, revisions + [ready, Self.node("aks-gpu-0")])
        #expect(done.status.workerNodes == ["aks-gpu-0"])
        #expect(done.status.conditions?[type: "ResourceReady"]?.status == .true)
    }

    @Test("A NodeClaim not ready after 240 s fails NodeClaimReady with checkNodeClaimStatusFailed")
    func nodeClaimTimeout() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let claim = Self.claim(
            "ws0a1b2c3d4", kind: "NodeClaim", apiVersion: "karpenter.sh/v1beta1",
            created: Self.now.addingTimeInterval(-300))
        let plan = self.plan(workspace, revisions + [claim, Self.aksNodeClass], provisioner: .nodeclaim)
        let message = "check nodeClaim status timed out. nodeClaim ws0a1b2c3d4 is not ready"
        #expect(
            plan.status.conditions == [
                Self.condition("NodeClaimReady", .false, "checkNodeClaimStatusFailed", message),
                Self.condition("ResourceReady", .false, "workspaceResourceStatusFailed", message),
                Self.condition("WorkspaceSucceeded", .false, "workspaceFailed", message),
            ])
        #expect(plan.requeueAfter == .seconds(30))
    }

    @Test("A timed-out claim keeps MachineReady's lastTransitionTime on the next pass")
    func timeoutKeepsTransitionTime() {
        let message = "check machine status timed out. machine ws0a1b2c3d4 is not ready"
        let earlier = Self.now.addingTimeInterval(-120)
        let before = [
            "MachineReady": "checkMachineStatusFailed", "ResourceReady": "workspaceResourceStatusFailed",
            "WorkspaceSucceeded": "workspaceFailed",
        ]
        let conditions = ["MachineReady", "ResourceReady", "WorkspaceSucceeded"].map { type in
            Condition(
                type: type, status: .false, reason: before[type] ?? "", message: message, observedGeneration: 2,
                lastTransitionTime: earlier)
        }
        let (workspace, revisions) = Self.steady(Self.workspace(conditions: conditions))
        let plan = self.plan(
            workspace, revisions + [Self.claim("ws0a1b2c3d4", created: Self.now.addingTimeInterval(-600))])
        #expect(plan.status.conditions?[type: "ResourceReady"]?.lastTransitionTime == earlier)
        #expect(plan.status.conditions?[type: "WorkspaceSucceeded"]?.lastTransitionTime == earlier)
        #expect(plan.status.conditions == conditions)
    }

    @Test("Launch failure: machineFailedCreation, no new claims, no requeue")
    func launchFailure() {
        let (workspace, revisions) = Self.steady(Self.workspace(count: 2))
        let failed = Self.claim(
            "ws0a1b2c3d4", created: Self.now.addingTimeInterval(-30),
            conditions: [
                [
                    "type": "MachineLaunched", "status": "False", "reason": "LaunchFailed",
                    "message": .string(Planner.instanceTypesUnavailable),
                ]
            ])
        let plan = self.plan(workspace, revisions + [failed])
        let message = "all requested instance types were unavailable during launch"
        #expect(
            plan.status.conditions == [
                Self.condition("MachineReady", .false, "machineFailedCreation", message),
                Self.condition("ResourceReady", .false, "workspaceResourceStatusFailed", message),
                Self.condition("WorkspaceSucceeded", .false, "workspaceFailed", message),
            ])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == nil)

        // Another message is not a capacity failure: the claim is still waited for.
        var other = failed
        other.content["status"] = ["conditions": [["type": "MachineLaunched", "status": "False", "message": "quota"]]]
        #expect(self.plan(workspace, revisions + [other]).status.conditions?[type: "MachineReady"]?.status == .unknown)
    }

    @Test("NodeClaim launch failure: nodeClaimFailedCreation")
    func nodeClaimLaunchFailure() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let failed = Self.claim(
            "ws0a1b2c3d4", kind: "NodeClaim", apiVersion: "karpenter.sh/v1beta1", created: Self.now,
            conditions: [["type": "Launched", "status": "False", "message": .string(Planner.instanceTypesUnavailable)]])
        let plan = self.plan(workspace, revisions + [failed, Self.aksNodeClass], provisioner: .nodeclaim)
        #expect(
            plan.status.conditions?[type: "NodeClaimReady"]
                == Self.condition(
                    "NodeClaimReady", .false, "nodeClaimFailedCreation", Planner.instanceTypesUnavailable))
        #expect(plan.createdObjects.isEmpty)
    }

    @Test("A stale launch-failed claim does not block a workspace whose nodes are all there")
    func staleLaunchFailure() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let failed = Self.claim(
            "ws0a1b2c3d4", created: Self.now.addingTimeInterval(-3600),
            conditions: [
                ["type": "MachineLaunched", "status": "False", "message": .string(Planner.instanceTypesUnavailable)]
            ])
        let plan = self.plan(workspace, revisions + [failed, Self.node("manual-gpu")])
        #expect(plan.status.workerNodes == ["manual-gpu"])
        #expect(plan.status.conditions?[type: "ResourceReady"]?.status == .true)
    }

    @Test("A Ready claim whose node is not observed counts as coming up: no duplicate claim, no timeout")
    func readyClaimWithUnobservedNode() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let ready = Self.claim(
            "ws0a1b2c3d4", created: Self.now.addingTimeInterval(-3600),
            conditions: [["type": "Ready", "status": "True"]],
            nodeName: "aks-gpu-not-seen")
        let plan = self.plan(workspace, revisions + [ready])
        // A controller's caches can show the claim before its node; a replacement would be a duplicate GPU node.
        #expect(Self.created(plan, kind: "Machine").isEmpty)
        #expect(
            plan.status.conditions?[type: "MachineReady"]?.message
                != "check machine status timed out. machine ws0a1b2c3d4 is not ready")
        #expect(plan.status.conditions?[type: "ResourceReady"]?.status != .true)
    }

    @Test("A Ready claim whose node is observed but not Ready gets a replacement")
    func readyClaimWithUnhealthyNode() {
        let (workspace, revisions) = Self.steady(Self.workspace())
        let ready = Self.claim(
            "ws0a1b2c3d4", created: Self.now.addingTimeInterval(-3600),
            conditions: [["type": "Ready", "status": "True"]],
            nodeName: "aks-gpu-sick")
        let plan = self.plan(workspace, revisions + [ready, Self.node("aks-gpu-sick", ready: false)])
        #expect(Self.created(plan, kind: "Machine").count == 1)
    }

    // MARK: GPU node plugin (spec 5.8)

    @Test("Standard_N nodes missing accelerator=nvidia are labelled; others and non-N SKUs are not")
    func gpuPluginLabels() {
        let (workspace, revisions) = Self.steady(Self.workspace(count: 2))
        let plan = self.plan(workspace, revisions + [Self.node("labelled"), Self.node("bare", accelerator: false)])
        #expect(Self.labelActions(plan) == [.labelNode(name: "bare", labels: ["accelerator": "nvidia"])])

        let (cpu, cpuRevisions) = Self.steady(Self.workspace(count: 1, instanceType: "Standard_D4s_v3"))
        let cpuPlan = self.plan(
            cpu, cpuRevisions + [Self.node("d4", instanceType: "Standard_D4s_v3", accelerator: false)])
        #expect(Self.labelActions(cpuPlan).isEmpty)
        #expect(cpuPlan.status.workerNodes == ["d4"])
    }

    // MARK: Revisions (spec 5.3)

    @Test("The first revision is 1: ControllerRevision created and the workspace annotated")
    func firstRevision() throws {
        let workspace = Self.workspace()
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        let plan = self.plan(workspace, [Self.node("gpu")])
        let revision = try #require(Self.created(plan, kind: "ControllerRevision").first)
        #expect(
            revision
                == KubernetesObject(
                    apiVersion: "apps/v1", kind: "ControllerRevision",
                    metadata: ObjectMeta(
                        name: "ws-\(hash.prefix(5))", namespace: "default", labels: ["workspace.kaito.io/name": "ws"],
                        annotations: ["workspace.kaito.io/hash": hash],
                        ownerReferences: [
                            OwnerReference(
                                apiVersion: "kaito.sh/v1alpha1", kind: "Workspace", name: "ws", uid: "uid-1",
                                controller: true, blockOwnerDeletion: true)
                        ]),
                    content: [
                        "revision": 1,
                        "data": [
                            "inference": [
                                "preset": ["name": "falcon-7b", "accessMode": "public", "presetOptions": [:]]
                            ],
                            "resource": [
                                "count": 1, "instanceType": "Standard_NC12s_v3",
                                "labelSelector": ["matchLabels": ["apps": "falcon-7b"]],
                            ],
                            "tuning": nil,
                        ],
                    ]))
        #expect(
            plan.actions.contains(
                .setWorkspaceAnnotations([
                    "workspace.kaito.io/hash": hash, "workspace.kaito.io/revision": "1",
                ])))
        #expect(
            Self.created(plan, kind: "Deployment").first?.metadata.annotations == ["workspace.kaito.io/revision": "1"])
    }

    @Test("An existing revision of the same spec is reused, also when it is not the latest")
    func reusedRevision() {
        let workspace = Self.workspace()
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        let history = [
            Self.controllerRevision(number: 1), Self.controllerRevision(number: 2),
            Self.controllerRevision(number: 3, hash: hash), Self.controllerRevision(number: 4),
        ]
        let plan = self.plan(workspace, history + [Self.node("gpu")])
        #expect(Self.created(plan, kind: "ControllerRevision").isEmpty)
        #expect(plan.deletedObjects.isEmpty)
        #expect(
            plan.actions.first
                == .setWorkspaceAnnotations(["workspace.kaito.io/hash": hash, "workspace.kaito.io/revision": "3"]))
        #expect(
            Self.created(plan, kind: "Deployment").first?.metadata.annotations == ["workspace.kaito.io/revision": "3"])

        // Already annotated: nothing to write.
        var annotated = workspace
        annotated.metadata.annotations = ["workspace.kaito.io/hash": hash, "workspace.kaito.io/revision": "3"]
        #expect(
            !self.plan(annotated, history + [Self.node("gpu")]).actions.contains {
                if case .setWorkspaceAnnotations = $0 { true } else { false }
            })
    }

    @Test("A new spec gets the next revision number")
    func nextRevision() throws {
        let workspace = Self.workspace()
        let plan = self.plan(workspace, [Self.controllerRevision(number: 2), Self.controllerRevision(number: 1)])
        let revision = try #require(Self.created(plan, kind: "ControllerRevision").first)
        #expect(revision.content["revision"] == 3)
        #expect(
            plan.actions.contains(
                .setWorkspaceAnnotations([
                    "workspace.kaito.io/hash": WorkspaceRevision.hash(of: workspace.defaulted()),
                    "workspace.kaito.io/revision": "3",
                ])))
        #expect(plan.deletedObjects.isEmpty)
    }

    @Test("With more than 10 earlier revisions the oldest is deleted")
    func revisionHistoryLimit() throws {
        let eleven = (1...11).map { Self.controllerRevision(number: $0) }
        let plan = self.plan(Self.workspace(), Array(eleven.reversed()))
        #expect(try #require(Self.created(plan, kind: "ControllerRevision").first).content["revision"] == 12)
        #expect(plan.deletedObjects == [eleven[0].reference])
        #expect(
            eleven[0].reference
                == ObjectReference(
                    apiVersion: "apps/v1", kind: "ControllerRevision", namespace: "default", name: "ws-00001"))

        let ten = Array(eleven.prefix(10))
        let tenPlan = self.plan(Self.workspace(), ten)
        #expect(try #require(Self.created(tenPlan, kind: "ControllerRevision").first).content["revision"] == 11)
        #expect(tenPlan.deletedObjects.isEmpty)
    }

    @Test("A revision of the same name with another hash fails the workspace and stops the plan")
    func revisionHashConflict() {
        let workspace = Self.workspace()
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        let impostor = KubernetesObject(
            apiVersion: "apps/v1", kind: "ControllerRevision",
            metadata: ObjectMeta(
                name: "ws-\(hash.prefix(5))", namespace: "default", labels: ["workspace.kaito.io/name": "ws"],
                annotations: ["workspace.kaito.io/hash": String(hash.prefix(5)) + String(repeating: "0", count: 59)]),
            content: ["revision": 1])
        let plan = self.plan(workspace, [impostor, Self.node("gpu")])
        #expect(plan.actions.isEmpty)
        #expect(
            plan.status.conditions == [
                Self.condition(
                    "WorkspaceSucceeded", .false, "workspaceFailed",
                    "revision name conflicts, the hash values are different")
            ])
        #expect(plan.status.workerNodes == nil)
    }

    @Test("An unregistered preset fails the workspace with Kaito's message and plans no resources")
    func unknownPreset() {
        let (workspace, revisions) = Self.steady(Self.workspace(preset: "falcon-8b"))
        let plan = self.plan(workspace, revisions)
        #expect(
            plan.status.conditions == [
                Self.condition(
                    "WorkspaceSucceeded", .false, "workspaceFailed",
                    "the preset model name falcon-8b is not registered for workspace default/ws")
            ])
        #expect(plan.actions.isEmpty)
    }

    @Test("The finalizer is added when missing")
    func finalizer() {
        var workspace = Self.workspace()
        workspace.metadata.finalizers = ["example.com/other"]
        #expect(plan(workspace).actions.first == .addFinalizer("workspace.finalizer.kaito.sh"))
        #expect(!plan(Self.workspace()).actions.contains(.addFinalizer("workspace.finalizer.kaito.sh")))
    }

    // MARK: Happy path and Services (spec 5.9.1, 5.9.2)

    @Test("First pass with a ready node: revision, annotations, node label, Service, Deployment, in this order")
    func firstPass() throws {
        let workspace = Self.workspace()
        let nodes = fixtures.readyNodes(for: workspace)
        let plan = self.plan(workspace, nodes)
        let hash = WorkspaceRevision.hash(of: workspace.defaulted())
        #expect(
            Self.outline(plan) == [
                "create ControllerRevision ws-\(hash.prefix(5))", "setWorkspaceAnnotations", "labelNode gpu-node-0",
                "create Service ws", "create Deployment ws",
            ])
        #expect(
            plan.actions[1]
                == .setWorkspaceAnnotations([
                    "workspace.kaito.io/hash": hash, "workspace.kaito.io/revision": "1",
                ]))
        #expect(plan.actions[2] == .labelNode(name: "gpu-node-0", labels: ["accelerator": "nvidia"]))
        #expect(
            plan.status
                == WorkspaceStatus(
                    workerNodes: ["gpu-node-0"],
                    conditions: [
                        Self.condition(
                            "MachineReady", .true, "installNodePluginsSuccess",
                            "machines plugins have been installed successfully"),
                        Self.condition(
                            "ResourceReady", .true, "workspaceResourceStatusSuccess", "workspace resource is ready"),
                    ]))
        #expect(plan.requeueAfter == .seconds(1800))

        let deployment = try #require(Self.created(plan, kind: "Deployment").first)
        #expect(
            deployment
                == KubernetesObject(
                    apiVersion: "apps/v1", kind: "Deployment",
                    metadata: ObjectMeta(
                        name: "ws", namespace: "default", annotations: ["workspace.kaito.io/revision": "1"],
                        ownerReferences: [Self.owner]),
                    content: [
                        "spec": [
                            "replicas": 1,
                            "strategy": [
                                "type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 1],
                            ],
                            "selector": ["matchLabels": ["kaito.sh/workspace": "ws"]],
                            "template": [
                                "metadata": ["labels": ["kaito.sh/workspace": "ws"]],
                                "spec": [
                                    "affinity": Self.affinity([
                                        ["key": "apps", "operator": "In", "values": ["falcon-7b"]]
                                    ]),
                                    "tolerations": .array(Self.tolerations),
                                    "containers": [
                                        [
                                            "name": "ws",
                                            "image": "mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.6",
                                            "command": [
                                                "/bin/sh", "-c",
                                                .string(
                                                    "accelerate launch --gpu_ids=all --machine_rank=0 --num_machines=1 "
                                                        + "--num_processes=1 inference_api.py --pipeline=text-generation "
                                                        + "--torch_dtype=bfloat16"),
                                            ],
                                            "ports": [["containerPort": 5000]],
                                            "resources": [
                                                "requests": ["nvidia.com/gpu": "2"], "limits": ["nvidia.com/gpu": "2"],
                                            ],
                                            "livenessProbe": [
                                                "httpGet": ["path": "/healthz", "port": 5000],
                                                "initialDelaySeconds": 600,
                                                "periodSeconds": 10,
                                            ],
                                            "readinessProbe": [
                                                "httpGet": ["path": "/healthz", "port": 5000],
                                                "initialDelaySeconds": 30,
                                                "periodSeconds": 10,
                                            ],
                                        ]
                                    ],
                                ],
                            ],
                        ]
                    ]))
    }

    @Test(
        "The Service is a LoadBalancer only for kaito.sh/enablelb exactly \"True\"",
        arguments: [
            ("True", "LoadBalancer"), ("true", "ClusterIP"), ("TRUE", "ClusterIP"), ("False", "ClusterIP"),
            (nil, "ClusterIP"),
        ]
            as [(String?, String)])
    func serviceType(annotation: String?, type: String) throws {
        let (workspace, revisions) = Self.steady(
            Self.workspace(annotations: annotation.map { ["kaito.sh/enablelb": $0] }))
        let plan = self.plan(workspace, revisions + [Self.node("gpu")])
        let service = try #require(Self.created(plan, kind: "Service").first)
        #expect(
            service
                == KubernetesObject(
                    apiVersion: "v1", kind: "Service",
                    metadata: ObjectMeta(name: "ws", namespace: "default", ownerReferences: [Self.owner]),
                    content: [
                        "spec": [
                            "type": .string(type),
                            "ports": [
                                ["name": "http", "protocol": "TCP", "port": 80, "targetPort": 5000],
                                ["name": "torch", "protocol": "TCP", "port": 29500, "targetPort": 29500],
                            ],
                            "selector": ["kaito.sh/workspace": "ws"],
                            "publishNotReadyAddresses": true,
                        ]
                    ]))
        #expect(Self.created(plan, kind: "Service").count == 1)
    }

    @Test("Distributed presets get a Service selecting pod 0 and a headless Service")
    func distributedServices() {
        let (workspace, revisions) = Self.steady(Self.workspace(preset: "llama-2-13b", count: 2))
        let plan = self.plan(workspace, revisions + [Self.node("gpu-a"), Self.node("gpu-b")])
        let services = Self.created(plan, kind: "Service")
        #expect(services.map(\.name) == ["ws", "ws-headless"])
        #expect(
            services.first?.value(at: "spec", "selector") == [
                "kaito.sh/workspace": "ws", "statefulset.kubernetes.io/pod-name": "ws-0",
            ])
        #expect(
            services.last
                == KubernetesObject(
                    apiVersion: "v1", kind: "Service",
                    metadata: ObjectMeta(name: "ws-headless", namespace: "default", ownerReferences: [Self.owner]),
                    content: [
                        "spec": [
                            "clusterIP": "None",
                            "ports": [["name": "torchrun", "protocol": "TCP", "port": 29500, "targetPort": 29500]],
                            "selector": ["kaito.sh/workspace": "ws"],
                            "publishNotReadyAddresses": true,
                        ]
                    ]))
    }

    @Test("Existing Services are not created again")
    func existingServices() {
        let (workspace, revisions) = Self.steady(Self.workspace(annotations: ["kaito.sh/enablelb": "True"]))
        let plan = self.plan(workspace, revisions + [Self.node("gpu"), Self.service()])
        #expect(Self.created(plan, kind: "Service").isEmpty)
        #expect(plan.updatedObjects.isEmpty)

        let (llama, llamaRevisions) = Self.steady(Self.workspace(preset: "llama-2-13b"))
        let both = self.plan(llama, llamaRevisions + [Self.node("gpu"), Self.service(), Self.service("ws-headless")])
        #expect(Self.created(both, kind: "Service").isEmpty)
    }

    // MARK: GPU quantity (spec 5.9.4)

    @Test(
        "GPUs per pod: the GPU-request table, else the nodes' capacity for an unknown SKU, else the preset's requirement"
    )
    func gpuQuantity() {
        func gpus(_ preset: String, _ instanceType: String, capacity: Int?) -> [JSONValue?] {
            let (workspace, revisions) = Self.steady(Self.workspace(preset: preset, instanceType: instanceType))
            let plan = self.plan(workspace, revisions + [Self.node("gpu", instanceType: instanceType, gpus: capacity)])
            let container = Self.container(Self.created(plan, kind: "Deployment").first)
            return [
                container?["resources"]?["requests"]?["nvidia.com/gpu"],
                container?["resources"]?["limits"]?["nvidia.com/gpu"],
            ]
        }
        #expect(gpus("falcon-7b", "Standard_NC12s_v3", capacity: 7) == ["2", "2"])
        #expect(gpus("falcon-7b", "Standard_NC24ads_A100_v4", capacity: nil) == ["1", "1"])
        // Standard_ND96asr_v4 is in the validation table only: not in the GPU-request table.
        #expect(gpus("falcon-40b", "Standard_ND96asr_v4", capacity: 8) == ["8", "8"])
        #expect(gpus("falcon-40b", "Standard_ND96asr_v4", capacity: nil) == ["2", "2"])
        #expect(gpus("falcon-7b", "Standard_NC6", capacity: nil) == ["1", "1"])
    }

    // MARK: Distributed presets (spec 3.5, 5.9.5)

    static func command(_ plan: ReconcilePlan) -> String? {
        container(created(plan, kind: "StatefulSet").first)?["command"]?.arrayValue?.last?.stringValue
    }

    @Test("A distributed preset on one node runs all ranks there")
    func distributedCommandOneNode() throws {
        let (workspace, revisions) = Self.steady(Self.workspace(preset: "llama-2-13b"))
        let plan = self.plan(workspace, revisions + [Self.node("gpu")])
        #expect(
            Self.command(plan)
                == "cd /workspace/llama/llama-2 && torchrun --master_addr=localhost --master_port=29500 --nnodes=1 "
                + "--node_rank=0 --nproc_per_node=2 --max_restarts=3 --rdzv_backend=c10d "
                + "--rdzv_endpoint=ws-0.ws-headless.default.svc.cluster.local:29500 --rdzv_id=job "
                + "inference_api.py --max_batch_size=8 --max_seq_len=512")
        let statefulSet = try #require(Self.created(plan, kind: "StatefulSet").first)
        #expect(statefulSet.metadata.annotations == nil)
        #expect(statefulSet.value(at: "spec", "replicas") == 1)
        #expect(statefulSet.value(at: "spec", "template", "spec", "volumes") == nil)
        #expect(Self.created(plan, kind: "Deployment").isEmpty)
    }

    @Test("A distributed preset on two nodes: rank from the pod ordinal, master through the Service")
    func distributedCommandTwoNodes() throws {
        let (workspace, revisions) = Self.steady(Self.workspace(preset: "llama-2-13b", count: 2))
        let plan = self.plan(workspace, revisions + [Self.node("gpu-a"), Self.node("gpu-b")])
        #expect(
            Self.command(plan)
                == "cd /workspace/llama/llama-2 && torchrun --master_addr=ws.default.svc.cluster.local --master_port=29500 "
                + "--nnodes=2 --node_rank=$(echo $HOSTNAME | grep -o '[^-]*$') --nproc_per_node=1 --max_restarts=3 "
                + "--rdzv_backend=c10d --rdzv_endpoint=ws-0.ws-headless.default.svc.cluster.local:29500 --rdzv_id=job "
                + "inference_api.py --max_batch_size=8 --max_seq_len=512")
        let statefulSet = try #require(Self.created(plan, kind: "StatefulSet").first)
        #expect(statefulSet.metadata.annotations == nil)
        #expect(statefulSet.metadata.ownerReferences == [Self.owner])
        #expect(statefulSet.value(at: "spec", "replicas") == 2)
        #expect(statefulSet.value(at: "spec", "podManagementPolicy") == "Parallel")
        #expect(statefulSet.value(at: "spec", "serviceName") == "ws-headless")
        #expect(statefulSet.value(at: "spec", "selector") == ["matchLabels": ["kaito.sh/workspace": "ws"]])
        #expect(
            statefulSet.value(at: "spec", "template", "spec", "volumes") == [
                ["name": "dshm", "emptyDir": ["medium": "Memory"]]
            ])
        #expect(statefulSet.value(at: "spec", "template", "spec", "imagePullSecrets") == [["name": "acr-secret"]])
        #expect(Self.container(statefulSet)?["image"] == "myregistry.azurecr.io/kaito/llama-2-13b:0.0.3")
        #expect(statefulSet.value(at: "spec", "template", "spec", "initContainers") == nil)
    }

    // MARK: Existing workloads (spec 5.9.6)

    @Test("A Deployment of another revision is updated in place, guarded by its resourceVersion")
    func deploymentUpdate() throws {
        let workspace = Self.workspace()
        let history = [Self.controllerRevision(number: 1)]
        let fresh = plan(workspace, history + [Self.node("gpu")])
        var expected = try #require(Self.created(fresh, kind: "Deployment").first)
        #expect(expected.metadata.annotations == ["workspace.kaito.io/revision": "2"])
        expected.metadata.resourceVersion = "42"

        let old = Self.workload(revision: "1", ready: 1, created: Self.now.addingTimeInterval(-7200))
        let plan = self.plan(workspace, history + [Self.node("gpu"), Self.service(), old])
        #expect(plan.updatedObjects == [expected])
        #expect(Self.created(plan, kind: "Deployment").isEmpty)
        #expect(plan.requeueAfter == .seconds(1800))
        #expect(plan.status.conditions?[type: "InferenceReady"] == nil)

        // The same revision: no update.
        let current = Self.workload(revision: "2", ready: 1, created: Self.now.addingTimeInterval(-7200))
        #expect(self.plan(workspace, history + [Self.node("gpu"), Self.service(), current]).updatedObjects.isEmpty)
    }

    @Test("A StatefulSet is never updated")
    func statefulSetNotUpdated() {
        let (workspace, revisions) = Self.steady(Self.workspace(preset: "llama-2-13b"))
        let existing = Self.workload(
            kind: "StatefulSet", revision: nil, replicas: 5, ready: 0, created: Self.now.addingTimeInterval(-100))
        let plan = self.plan(
            workspace, revisions + [Self.node("gpu"), Self.service(), Self.service("ws-headless"), existing])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == .seconds(1100))
        #expect(plan.waitingFor == ["StatefulSet ws: 0 of 5 replicas ready"])
    }

    // MARK: Readiness (spec 5.9.8)

    func readinessPlan(_ deployment: KubernetesObject) -> ReconcilePlan {
        let (workspace, revisions) = Self.steady(Self.workspace())
        return plan(workspace, revisions + [Self.node("gpu"), Self.service(), deployment])
    }

    @Test("Progressing=False fails the workspace with the Deployment's message")
    func notProgressing() {
        let plan = readinessPlan(
            Self.workload(
                ready: 0, created: Self.now.addingTimeInterval(-100),
                conditions: [
                    [
                        "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                        "message": "ReplicaSet \"ws-5d4\" has timed out progressing.",
                    ]
                ]))
        let message = "deployment ws is not progressing: ReplicaSet \"ws-5d4\" has timed out progressing."
        #expect(
            plan.status.conditions?[type: "InferenceReady"]
                == Self.condition(
                    "InferenceReady", .false, "WorkspaceInferenceStatusFailed", message))
        #expect(
            plan.status.conditions?[type: "WorkspaceSucceeded"]
                == Self.condition(
                    "WorkspaceSucceeded", .false, "workspaceFailed", message))
        #expect(plan.requeueAfter == .seconds(60))
        #expect(plan.actions.isEmpty)
    }

    @Test("All replicas ready: InferenceReady and WorkspaceSucceeded True, nothing to do")
    func ready() {
        let plan = readinessPlan(Self.workload(ready: 1, created: Self.now.addingTimeInterval(-100)))
        #expect(
            plan.status.conditions == [
                Self.condition(
                    "MachineReady", .true, "installNodePluginsSuccess",
                    "machines plugins have been installed successfully"),
                Self.condition("ResourceReady", .true, "workspaceResourceStatusSuccess", "workspace resource is ready"),
                Self.condition(
                    "InferenceReady", .true, "WorkspaceInferenceStatusSuccess",
                    "Inference has been deployed successfully"),
                Self.condition("WorkspaceSucceeded", .true, "workspaceSucceeded", "workspace succeeds"),
            ])
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == nil)
        #expect(plan.waitingFor.isEmpty)
    }

    @Test("Not ready within the preset's timeout: wait until the deadline")
    func notReadyYet() {
        let plan = readinessPlan(Self.workload(ready: 0, created: Self.now.addingTimeInterval(-100)))
        #expect(plan.requeueAfter == .seconds(1700))
        #expect(plan.status.conditions?[type: "InferenceReady"] == nil)
        #expect(plan.status.conditions?[type: "WorkspaceSucceeded"] == nil)
        #expect(plan.waitingFor == ["Deployment ws: 0 of 1 replicas ready"])
    }

    @Test("Not ready past the preset's timeout: failure, requeue in 60 s")
    func readinessTimeout() {
        let plan = readinessPlan(Self.workload(ready: 0, created: Self.now.addingTimeInterval(-1800)))
        let message = "context deadline exceeded: Deployment ws has 0 of 1 replicas ready after 30m"
        #expect(
            plan.status.conditions?[type: "InferenceReady"]
                == Self.condition(
                    "InferenceReady", .false, "WorkspaceInferenceStatusFailed", message))
        #expect(
            plan.status.conditions?[type: "WorkspaceSucceeded"]
                == Self.condition(
                    "WorkspaceSucceeded", .false, "workspaceFailed", message))
        #expect(plan.requeueAfter == .seconds(60))
    }

    @Test("Once served, an old Deployment that loses ready replicas (a rollout, a restart) is waited for, not failed")
    func rolloutOfServedDeployment() {
        let served = [
            Condition(
                type: "InferenceReady", status: .true, reason: "WorkspaceInferenceStatusSuccess",
                message: "Inference has been deployed successfully", observedGeneration: 1,
                lastTransitionTime: Self.now.addingTimeInterval(-7000)),
            Condition(
                type: "WorkspaceSucceeded", status: .true, reason: "workspaceSucceeded", message: "workspace succeeds",
                observedGeneration: 1, lastTransitionTime: Self.now.addingTimeInterval(-7000)),
        ]
        let (workspace, revisions) = Self.steady(Self.workspace(conditions: served))
        let rolling = Self.workload(
            ready: 0, created: Self.now.addingTimeInterval(-7200),
            conditions: [["type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"]])
        let plan = self.plan(workspace, revisions + [Self.node("gpu"), Self.service(), rolling])
        #expect(plan.status.conditions?[type: "InferenceReady"] == served[0])
        #expect(plan.status.conditions?[type: "WorkspaceSucceeded"] == served[1])
        #expect(plan.waitingFor == ["Deployment ws: 0 of 1 replicas ready"])
        #expect(plan.actions.isEmpty)

        // A stalled rollout is still reported, through the Deployment's progress deadline.
        let stalled = Self.workload(
            ready: 0, created: Self.now.addingTimeInterval(-7200),
            conditions: [["type": "Progressing", "status": "False", "message": "timed out"]])
        let failed = self.plan(workspace, revisions + [Self.node("gpu"), Self.service(), stalled])
        #expect(
            failed.status.conditions?[type: "InferenceReady"]
                == Self.condition(
                    "InferenceReady", .false, "WorkspaceInferenceStatusFailed",
                    "deployment ws is not progressing: timed out"))
    }

    // MARK: Template workloads (spec 5.9.7)

    @Test("Template: labelled, affinity replaced, tolerations appended, revision annotation, no Service")
    func templateWorkload() throws {
        let template: JSONValue = [
            "metadata": ["labels": ["app": "custom"]],
            "spec": [
                "affinity": ["podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": []]],
                "tolerations": [["key": "dedicated", "operator": "Exists"]],
                "containers": [["name": "server", "image": "nginx:1.27"]],
            ],
        ]
        let workspace = Self.workspace(preset: nil, count: 2, template: template)
        let plan = self.plan(workspace, [Self.node("gpu-a"), Self.node("gpu-b")])
        #expect(Self.created(plan, kind: "Service").isEmpty)
        #expect(plan.requeueAfter == .seconds(600))
        let deployment = try #require(Self.created(plan, kind: "Deployment").first)
        #expect(
            deployment
                == KubernetesObject(
                    apiVersion: "apps/v1", kind: "Deployment",
                    metadata: ObjectMeta(
                        name: "ws", namespace: "default", annotations: ["workspace.kaito.io/revision": "1"],
                        ownerReferences: [Self.owner]),
                    content: [
                        "spec": [
                            "replicas": 2,
                            "selector": ["matchLabels": ["kaito.sh/workspace": "ws"]],
                            "template": [
                                "metadata": ["labels": ["app": "custom", "kaito.sh/workspace": "ws"]],
                                "spec": [
                                    "affinity": Self.affinity([
                                        ["key": "apps", "operator": "In", "values": ["falcon-7b"]]
                                    ]),
                                    "tolerations": .array(
                                        [["key": "dedicated", "operator": "Exists"]] + Self.tolerations),
                                    "containers": [["name": "server", "image": "nginx:1.27"]],
                                ],
                            ],
                        ]
                    ]))
    }

    @Test("A template Deployment of an earlier revision is updated (compatibility decision 15)")
    func templateUpdate() throws {
        let template: JSONValue = ["spec": ["containers": [["name": "server", "image": "nginx:1.27"]]]]
        let (workspace, revisions) = Self.steady(Self.workspace(preset: nil, template: template), revision: 2)
        let old = Self.workload(revision: "1", ready: 1, created: Self.now.addingTimeInterval(-7200))
        let plan = self.plan(workspace, revisions + [Self.node("gpu"), old])
        let update = try #require(plan.updatedObjects.first)
        #expect(update.metadata.annotations == ["workspace.kaito.io/revision": "2"])
        #expect(update.metadata.resourceVersion == "42")
        #expect(
            update.value(at: "spec", "template", "spec", "containers") == [["name": "server", "image": "nginx:1.27"]])
        #expect(plan.createdObjects.isEmpty)
        #expect(plan.requeueAfter == .seconds(600))
    }

    // MARK: Deletion (spec 5.4)

    @Test("Deletion: WorkspaceDeleting, the live node claims deleted, Kaito's finalizer removed")
    func deletion() {
        var workspace = Self.workspace()
        workspace.metadata.deletionTimestamp = Self.now.addingTimeInterval(-5)
        workspace.metadata.finalizers = [Planner.finalizer, "example.com/keep"]
        var gone = Self.claim("ws000000002", created: Self.now)
        gone.metadata.deletionTimestamp = Self.now
        let claims = [
            Self.claim("ws000000001", created: Self.now),
            gone,
            Self.claim(
                "ws000000003", kind: "NodeClaim", apiVersion: "karpenter.sh/v1beta1", instanceType: "other",
                created: nil),
        ]
        let plan = self.plan(workspace, claims + [Self.node("gpu"), Self.service()])
        #expect(
            plan.actions == [
                .delete(claims[0].reference), .delete(claims[2].reference),
                .removeFinalizer("workspace.finalizer.kaito.sh"),
            ])
        #expect(
            plan.status.conditions == [
                Self.condition("WorkspaceDeleting", .true, "workspaceDeleted", "workspace is being deleted")
            ])
        #expect(plan.requeueAfter == nil)
    }
}

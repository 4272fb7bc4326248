import Foundation

@testable import KaitoCore

/// Shared, deterministic fixture builders for planner tests (golden tests, property tests).
///
/// Everything here is a pure function of its arguments and ``now``: no randomness, no wall clock, no cluster.
/// The API is intentionally small and stable; add new helpers rather than changing these signatures.
///
/// Typical round trip:
/// ```swift
/// let fixtures = PlannerFixtures()
/// let workspace = try fixtures.loadExample("examples/inference/falcon-7b.yaml")
/// let nodes = fixtures.readyNodes(for: workspace)
/// let plan = Planner.plan(workspace, observed: ObservedState(objects: nodes, for: workspace),
///                         configuration: fixtures.configuration())
/// var (next, objects) = fixtures.applying(plan, to: workspace, objects: nodes, now: PlannerFixtures.now)
/// objects = fixtures.markWorkloadReady(objects)
/// ```
struct PlannerFixtures: Sendable {
    /// The fixed clock of every fixture: 2024-09-06T10:00:00Z.
    static let now: Date = Date(timeIntervalSince1970: 1_725_616_800)

    /// The uid ``loadExample(_:)`` gives workspaces.
    static let workspaceUID = "00000000-0000-0000-0000-000000000001"

    /// The `clusterIP` ``applying(_:to:objects:now:)`` gives created Services that are not headless.
    static let clusterIP = "10.0.0.10"

    init() {}

    /// A planner configuration with Kaito v0.3.1 defaults, the given provisioner and cloud, and ``now``.
    func configuration(
        provisioner: PlannerConfiguration.NodeProvisionerKind = .machine, cloud: CloudProvider = .azure
    ) -> PlannerConfiguration {
        PlannerConfiguration(cloud: cloud, provisioner: provisioner, now: Self.now)
    }

    /// The first Workspace document of a repository file (such as `examples/inference/falcon-7b.yaml`), as the API
    /// server would hold it right after creation: namespace `default` unless set, uid ``workspaceUID``,
    /// generation 1, creationTimestamp ``now`` − 60 s. CRD schema defaults are *not* applied (the planner applies
    /// them itself); no finalizer, no status.
    func loadExample(_ relativePath: String) throws -> Workspace {
        guard let workspace = try loadExampleWorkspaces(relativePath).first else {
            throw FixtureError(message: "\(relativePath) holds no Workspace document")
        }
        return workspace
    }

    /// Every Workspace document of a repository file, in file order, each prepared as ``loadExample(_:)`` does
    /// (documents of other kinds are skipped).
    func loadExampleWorkspaces(_ relativePath: String) throws -> [Workspace] {
        try ManifestReader.documents(from: RepositoryFiles.data(relativePath))
            .filter { $0.value["kind"]?.stringValue == Workspace.kind }
            .map { document in
                var workspace = try Workspace.decode(from: document.value)
                if workspace.metadata.namespace == nil { workspace.metadata.namespace = "default" }
                workspace.metadata.uid = Self.workspaceUID
                workspace.metadata.generation = 1
                workspace.metadata.creationTimestamp = Self.now.addingTimeInterval(-60)
                return workspace
            }
    }

    /// `count` (default: `resource.count`, or 1) Ready `v1` Nodes named `<prefix>-<i>` (i from 0) that match
    /// `workspace`: labelled with its `labelSelector.matchLabels`, `node.kubernetes.io/instance-type` (its instance
    /// type, default `Standard_NC12s_v3`) and `kaito.sh/machine-type: gpu`, with `status.capacity["nvidia.com/gpu"]`
    /// = the SKU's GPU count (from the bundled GPU catalog, any cloud; 1 when unknown) as a string.
    func readyNodes(for workspace: Workspace, count: Int? = nil, prefix: String = "gpu-node") -> [KubernetesObject] {
        let instanceType = workspace.resource?.instanceType ?? ResourceSpec.defaultInstanceType
        let gpus = GPUCatalog.bundled.skus.first { $0.name == instanceType }?.gpuCount ?? 1
        var labels = workspace.resource?.labelSelector?.matchLabels ?? [:]
        labels["node.kubernetes.io/instance-type"] = instanceType
        labels["kaito.sh/machine-type"] = "gpu"
        let total = count ?? workspace.resource?.count ?? 1
        return (0..<max(total, 0)).map { index in
            KubernetesObject(
                apiVersion: "v1", kind: "Node",
                metadata: ObjectMeta(
                    name: "\(prefix)-\(index)", labels: labels, uid: "node-uid-\(prefix)-\(index)",
                    resourceVersion: "1", creationTimestamp: Self.now.addingTimeInterval(-3600)),
                content: [
                    "status": [
                        "capacity": ["nvidia.com/gpu": .string(String(gpus))],
                        "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]],
                    ]
                ])
        }
    }

    /// Simulates the API server executing `plan` against `workspace` and `objects`, in action order:
    /// - `create`: adds the object (replacing one with the same kind/namespace/name) with creationTimestamp `now`,
    ///   uid `uid-<kind>-<name>` (lowercased kind) and resourceVersion `"1"`; a Service whose `spec.clusterIP` is not
    ///   `None` gets ``clusterIP``.
    /// - `update`: replaces the object, keeping the stored uid and creationTimestamp, bumping resourceVersion.
    /// - `delete`: removes the object (finalizers on it are ignored).
    /// - `addFinalizer` / `removeFinalizer` / `setWorkspaceAnnotations`: change the workspace's metadata.
    /// - `labelNode`: merges the labels into the Node.
    /// Finally the plan's status becomes the workspace status. The workspace's generation is unchanged.
    func applying(
        _ plan: ReconcilePlan, to workspace: Workspace, objects: [KubernetesObject], now: Date
    ) -> (Workspace, [KubernetesObject]) {
        var workspace = workspace
        var objects = objects
        func index(of reference: ObjectReference) -> Int? {
            objects.firstIndex {
                $0.apiVersion == reference.apiVersion && $0.kind == reference.kind && $0.name == reference.name
                    && $0.metadata.namespace == reference.namespace
            }
        }
        for action in plan.actions {
            switch action {
            case .create(var object):
                object.metadata.creationTimestamp = now
                object.metadata.uid = "uid-\(object.kind.lowercased())-\(object.name)"
                object.metadata.resourceVersion = "1"
                if object.apiVersion == "v1", object.kind == "Service",
                    case .object(var spec)? = object.content["spec"], spec["clusterIP"]?.stringValue != "None"
                {
                    spec["clusterIP"] = .string(Self.clusterIP)
                    object.content["spec"] = .object(spec)
                }
                if let existing = index(of: object.reference) {
                    objects[existing] = object
                } else {
                    objects.append(object)
                }
            case .update(var object):
                if let existing = index(of: object.reference) {
                    let stored = objects[existing].metadata
                    object.metadata.uid = stored.uid
                    object.metadata.creationTimestamp = stored.creationTimestamp
                    object.metadata.resourceVersion = String((Int(stored.resourceVersion ?? "") ?? 0) + 1)
                    objects[existing] = object
                } else {
                    objects.append(object)
                }
            case .delete(let reference):
                if let existing = index(of: reference) { objects.remove(at: existing) }
            case .addFinalizer(let name):
                var finalizers = workspace.metadata.finalizers ?? []
                if !finalizers.contains(name) { finalizers.append(name) }
                workspace.metadata.finalizers = finalizers
            case .removeFinalizer(let name):
                let finalizers = (workspace.metadata.finalizers ?? []).filter { $0 != name }
                workspace.metadata.finalizers = finalizers.isEmpty ? nil : finalizers
            case .setWorkspaceAnnotations(let annotations):
                workspace.metadata.annotations = (workspace.metadata.annotations ?? [:])
                    .merging(annotations) { _, new in new }
            case .labelNode(let name, let labels):
                if let node = objects.firstIndex(where: { $0.apiVersion == "v1" && $0.kind == "Node" && $0.name == name }) {
                    objects[node].metadata.labels = (objects[node].metadata.labels ?? [:])
                        .merging(labels) { _, new in new }
                }
            }
        }
        workspace.status = plan.status
        return (workspace, objects)
    }

    /// Marks every `apps/v1` Deployment and StatefulSet as fully ready: `status.replicas` and
    /// `status.readyReplicas` = `spec.replicas` (1 when unset). Other objects are returned unchanged.
    func markWorkloadReady(_ objects: [KubernetesObject]) -> [KubernetesObject] {
        objects.map { object in
            guard object.apiVersion == "apps/v1", object.kind == "Deployment" || object.kind == "StatefulSet" else {
                return object
            }
            var object = object
            let replicas: JSONValue = object.value(at: "spec", "replicas") ?? .integer(1)
            var status = object.content["status"]?.objectValue ?? [:]
            status["replicas"] = replicas
            status["readyReplicas"] = replicas
            object.content["status"] = .object(status)
            return object
        }
    }
}

/// A fixture could not be built (such as a file without a Workspace).
struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

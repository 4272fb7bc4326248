import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// Resources used across the tests.
enum R {
    static let namespaces = GroupVersionResource(group: "", version: "v1", resource: "namespaces")
    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let services = GroupVersionResource(group: "", version: "v1", resource: "services")
    static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    static let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
    static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
    static let replicaSets = GroupVersionResource(group: "apps", version: "v1", resource: "replicasets")
    static let jobs = GroupVersionResource(group: "batch", version: "v1", resource: "jobs")
    static let workspaces = GroupVersionResource(group: "kaito.sh", version: "v1alpha1", resource: "workspaces")
    static let nodeClaims = GroupVersionResource(group: "karpenter.sh", version: "v1", resource: "nodeclaims")
    static let nodeClaimsBeta = GroupVersionResource(group: "karpenter.sh", version: "v1beta1", resource: "nodeclaims")
    static let machines = GroupVersionResource(group: "karpenter.sh", version: "v1alpha5", resource: "machines")
    static let endpoints = GroupVersionResource(group: "", version: "v1", resource: "endpoints")
    static let statefulSets = GroupVersionResource(group: "apps", version: "v1", resource: "statefulsets")
    static let controllerRevisions = GroupVersionResource(
        group: "apps", version: "v1", resource: "controllerrevisions")
    static let crds = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
}

/// A store with a manual clock and seeded identifiers.
struct Fixture {
    let clock = ManualClock()
    let store: APIStore

    init(configuration: APIStore.Configuration = APIStore.Configuration()) {
        store = APIStore(configuration: configuration, clock: clock, identifiers: SeededIdentifierSource(seed: 42))
    }
}

/// The members named `keys` of each object of a list: what a test wrote, without the defaults the server adds
/// (`imagePullPolicy`, `protocol`, condition times, …).
func project(_ list: JSONValue?, _ keys: [String]) -> JSONValue? {
    guard let items = list?.arrayValue else { return list }
    return .array(
        items.map { item in
            guard let members = item.objectValue else { return item }
            return .object(members.filter { keys.contains($0.key) })
        })
}

/// The ConfigMap the root-CA publisher puts in every namespace, as on a real cluster.
let rootCA = "kube-root-ca.crt"

/// Whether a name is one of the test's own objects rather than a namespace's bootstrap `kube-root-ca.crt`.
func isOurs(_ name: String) -> Bool { name != rootCA }

func configMap(_ name: String, namespace: String? = nil, labels: [String: String] = [:], data: JSONValue = [:])
    -> JSONValue
{
    var metadata: [String: JSONValue] = ["name": .string(name)]
    if let namespace { metadata["namespace"] = .string(namespace) }
    if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSONValue.string)) }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata), "data": data]
}

func deployment(_ name: String, replicas: Int64 = 1, image: String = "nginx:1.25", owner: JSONValue? = nil) -> JSONValue
{
    var metadata: [String: JSONValue] = ["name": .string(name), "labels": ["app": .string(name)]]
    if let owner { metadata["ownerReferences"] = [owner] }
    return [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(metadata),
        "spec": [
            "replicas": .integer(replicas), "selector": ["matchLabels": ["app": .string(name)]],
            "template": [
                "metadata": ["labels": ["app": .string(name)]],
                "spec": [
                    "containers": [
                        [
                            "name": "main", "image": .string(image),
                            "ports": [["containerPort": 80]],
                            "env": [["name": "A", "value": "1"], ["name": "B", "value": "2"]],
                        ],
                        ["name": "sidecar", "image": "busybox:1.36"],
                    ]
                ],
            ],
        ],
    ]
}

func workspace(_ name: String, instanceType: String = "Standard_NC12s_v3") -> JSONValue {
    [
        "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": .string(name)],
        "resource": ["instanceType": .string(instanceType), "labelSelector": ["matchLabels": ["apps": "falcon"]]],
        "inference": ["preset": ["name": "falcon-7b"]],
    ]
}

/// An owner reference to `owner` (a stored object).
func ownerReference(to owner: JSONValue, blockOwnerDeletion: Bool = true) -> JSONValue {
    [
        "apiVersion": owner["apiVersion"] ?? "", "kind": owner["kind"] ?? "",
        "name": owner["metadata"]?["name"] ?? "", "uid": owner["metadata"]?["uid"] ?? "",
        "controller": true, "blockOwnerDeletion": .bool(blockOwnerDeletion),
    ]
}

extension JSONValue {
    /// The value at a dotted path of object keys, such as `metadata.name`.
    func at(_ path: String) -> JSONValue? {
        value(at: path.split(separator: ".").map(String.init))
    }

    var rv: String { at("metadata.resourceVersion")?.stringValue ?? "" }
    var name: String { at("metadata.name")?.stringValue ?? "" }
    var uid: String { at("metadata.uid")?.stringValue ?? "" }
    var generation: Int64? {
        if case .integer(let value)? = at("metadata.generation") { return value }
        return nil
    }
}

/// Collects the events a watch has buffered: sends a bookmark as a sentinel and reads up to it, so a test never
/// waits for an event that is not there. The watch must allow bookmarks.
func drain(_ iterator: inout AsyncStream<WatchEvent>.Iterator, _ store: APIStore) async -> [WatchEvent] {
    await store.sendBookmarks()
    var events: [WatchEvent] = []
    while let event = await iterator.next() {
        if event.type == .bookmark { return events }
        events.append(event)
    }
    return events
}

/// `TYPE name` of each event, for compact comparisons.
func summary(_ events: [WatchEvent]) -> [String] {
    events.map { "\($0.type.rawValue) \($0.object.name)" }
}

/// Reads a repository file relative to the repository root.
func repositoryFile(_ relativePath: String) throws -> Data {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return try Data(contentsOf: root.appendingPathComponent(relativePath))
}

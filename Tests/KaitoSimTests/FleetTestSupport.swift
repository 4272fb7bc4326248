import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// A store with a manual clock and seeded identifiers, and a fleet beside it.
struct FleetFixture {
    let clock = ManualClock()
    let store: APIStore
    let fleet: FleetSimulator

    init(configuration: FleetConfiguration = FleetConfiguration(randomSeed: 7)) {
        store = APIStore(clock: clock, identifiers: SeededIdentifierSource(seed: 11))
        fleet = FleetSimulator(store: store, configuration: configuration)
    }

    /// Runs passes until nothing changes; fails the test on a write error.
    @discardableResult
    func settle(sourceLocation: SourceLocation = #_sourceLocation) async -> FleetReport {
        let report = await fleet.reconcileUntilStable()
        #expect(report.errors.isEmpty, "fleet errors: \(report.errors)", sourceLocation: sourceLocation)
        return report
    }

    func get(_ resource: GroupVersionResource, _ name: String) async throws -> JSONValue {
        try await store.get(resource, name: name)
    }

    func get(_ resource: GroupVersionResource, _ namespace: String, _ name: String) async throws -> JSONValue {
        try await store.get(resource, namespace: namespace, name: name)
    }

    func exists(_ resource: GroupVersionResource, _ name: String) async -> Bool {
        (try? await store.get(resource, name: name)) != nil
    }

    func exists(_ resource: GroupVersionResource, _ namespace: String, _ name: String) async -> Bool {
        (try? await store.get(resource, namespace: namespace, name: name)) != nil
    }

    func list(
        _ resource: GroupVersionResource, namespace: String? = nil, labelSelector: String? = nil
    ) async throws -> [JSONValue] {
        try await store.list(resource, namespace: namespace, options: ListOptions(labelSelector: labelSelector)).items
            .sorted { $0.name < $1.name }
    }

    @discardableResult
    func create(_ resource: GroupVersionResource, _ object: JSONValue, namespace: String? = nil) async throws
        -> JSONValue
    {
        try await store.create(resource, namespace: namespace, object: object)
    }

    /// Reads, changes and writes back an object.
    @discardableResult
    func modify(
        _ resource: GroupVersionResource, _ namespace: String?, _ name: String,
        subresource: Subresource = .main, _ change: (inout JSONValue) -> Void
    ) async throws -> JSONValue {
        var object = try await store.get(resource, namespace: namespace, name: name)
        change(&object)
        return try await store.update(
            resource, namespace: namespace, name: name, object: object, subresource: subresource)
    }
}

/// The condition of `type` in an object's `status.conditions`.
func fleetCondition(_ object: JSONValue, _ type: String) -> JSONValue? {
    (object.at("status.conditions")?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
}

/// `type=status` for each listed condition type, for compact comparisons.
func fleetConditionStates(_ object: JSONValue, _ types: [String]) -> [String] {
    types.map { "\($0)=\(fleetCondition(object, $0)?["status"]?.stringValue ?? "-")" }
}

func fleetLabels(_ object: JSONValue) -> [String: String] {
    FleetJSON.stringMap(object.at("metadata.labels"))
}

func fleetInteger(_ object: JSONValue, _ path: String) -> Int64? {
    FleetJSON.integer(object.at(path))
}

/// A Machine as Kaito's planner makes one (spec 5.6.1).
func fleetMachine(_ name: String, instanceType: String = "Standard_NC12s_v3", labels: [String: String] = [:])
    -> JSONValue
{
    var allLabels = [
        "karpenter.sh/provisioner-name": "default", "kaito.sh/workspace": "ws",
        "kaito.sh/workspacenamespace": "default",
    ]
    allLabels.merge(labels) { _, new in new }
    return [
        "apiVersion": "karpenter.sh/v1alpha5", "kind": "Machine",
        "metadata": ["name": .string(name), "labels": FleetJSON.object(allLabels)],
        "spec": [
            "machineTemplateRef": ["name": .string(name)],
            "requirements": [
                ["key": "node.kubernetes.io/instance-type", "operator": "In", "values": [.string(instanceType)]],
                ["key": "karpenter.sh/provisioner-name", "operator": "In", "values": ["default"]],
                ["key": "kaito.sh/machine-type", "operator": "In", "values": ["gpu"]],
                ["key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]],
                ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
            ],
            "taints": [["key": "sku", "value": "gpu", "effect": "NoSchedule"]],
            "resources": ["requests": ["storage": "100Gi"]],
        ],
    ]
}

/// A NodeClaim as Kaito's planner makes one with the Karpenter feature gate (spec 5.7.1).
func fleetNodeClaim(
    _ name: String, apiVersion: String, instanceType: String = "Standard_NC12s_v3", labels: [String: String] = [:]
) -> JSONValue {
    var allLabels = [
        "karpenter.sh/nodepool": "kaito", "kaito.sh/workspace": "ws", "kaito.sh/workspacenamespace": "default",
    ]
    allLabels.merge(labels) { _, new in new }
    return [
        "apiVersion": .string(apiVersion), "kind": "NodeClaim",
        "metadata": [
            "name": .string(name), "labels": FleetJSON.object(allLabels),
            "annotations": ["karpenter.sh/do-not-disrupt": "true"],
        ],
        "spec": [
            "nodeClassRef": ["name": "default", "kind": "AKSNodeClass"],
            "taints": [["key": "sku", "value": "gpu", "effect": "NoSchedule"]],
            "requirements": [
                ["key": "karpenter.sh/nodepool", "operator": "In", "values": ["kaito"]],
                ["key": "node.kubernetes.io/instance-type", "operator": "In", "values": [.string(instanceType)]],
                ["key": "kubernetes.io/os", "operator": "In", "values": ["linux"]],
                ["key": "karpenter.azure.com/sku-name", "operator": "In", "values": [.string(instanceType)]],
            ],
            "resources": ["requests": ["ephemeral-storage": "100Gi"]],
        ],
    ]
}

/// A Ready node made by hand (as `kaito-sim` seeds them), with optional GPUs, labels and taints.
func fleetNode(
    _ name: String, gpus: Int? = nil, labels: [String: String] = [:], taints: [JSONValue] = [], ready: Bool = true
) -> JSONValue {
    var allocatable: [String: JSONValue] = ["cpu": "8", "memory": "64Gi", "pods": "110"]
    if let gpus { allocatable["nvidia.com/gpu"] = .string(String(gpus)) }
    var allLabels = labels
    allLabels["kubernetes.io/hostname"] = name
    return [
        "apiVersion": "v1", "kind": "Node",
        "metadata": ["name": .string(name), "labels": FleetJSON.object(allLabels)],
        "spec": ["taints": .array(taints)],
        "status": [
            "capacity": .object(allocatable), "allocatable": .object(allocatable),
            "conditions": [["type": "Ready", "status": ready ? "True" : "False", "reason": "KubeletReady"]],
        ],
    ]
}

/// The taint Kaito's node claims carry.
let fleetSKUTaint: JSONValue = ["key": "sku", "value": "gpu", "effect": "NoSchedule"]

/// A pod spec with one container requesting `gpus` GPUs (none when nil), the planner's node affinity on
/// `affinity` labels, and the planner's tolerations when `tolerate` is set.
func fleetPodSpec(
    gpus: Int? = nil, affinity: [String: String] = [:], tolerate: Bool = false, port: Int64 = 5000
) -> JSONValue {
    var container: [String: JSONValue] = [
        "name": "main", "image": "mcr.microsoft.com/aks/kaito/kaito-falcon-7b:0.0.4",
        "ports": [["name": "http", "containerPort": .integer(port)]],
    ]
    if let gpus {
        container["resources"] = [
            "requests": ["nvidia.com/gpu": .string(String(gpus))], "limits": ["nvidia.com/gpu": .string(String(gpus))],
        ]
    }
    var spec: [String: JSONValue] = ["containers": [.object(container)]]
    if !affinity.isEmpty {
        let expressions: [JSONValue] = affinity.sorted { $0.key < $1.key }.map { key, value in
            ["key": .string(key), "operator": "In", "values": [.string(value)]]
        }
        spec["affinity"] = [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    "nodeSelectorTerms": [["matchExpressions": .array(expressions)]]
                ]
            ]
        ]
    }
    if tolerate {
        spec["tolerations"] = [
            ["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"],
            ["key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"],
        ]
    }
    return .object(spec)
}

/// A Deployment or StatefulSet of `replicas` pods labelled `app: NAME` with `podSpec`.
func fleetWorkload(
    _ kind: String, _ name: String, replicas: Int64, podSpec: JSONValue, extraSpec: [String: JSONValue] = [:]
) -> JSONValue {
    var spec: [String: JSONValue] = [
        "replicas": .integer(replicas), "selector": ["matchLabels": ["app": .string(name)]],
        "template": ["metadata": ["labels": ["app": .string(name)]], "spec": podSpec],
    ]
    spec.merge(extraSpec) { _, new in new }
    return [
        "apiVersion": "apps/v1", "kind": .string(kind), "metadata": ["name": .string(name)], "spec": .object(spec),
    ]
}

/// A Service selecting `app: NAME` with port 80 → `targetPort`.
func fleetService(_ name: String, selector: String? = nil, targetPort: JSONValue = 5000, publishNotReady: Bool = false)
    -> JSONValue
{
    [
        "apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)],
        "spec": [
            "selector": ["app": .string(selector ?? name)],
            "ports": [["name": "http", "protocol": "TCP", "port": 80, "targetPort": targetPort]],
            "publishNotReadyAddresses": .bool(publishNotReady),
        ],
    ]
}

struct FleetTestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Waits, through a watch, until the named object satisfies `predicate`; returns it.
func fleetAwait(
    _ store: APIStore, _ resource: GroupVersionResource, namespace: String? = nil, name: String,
    _ predicate: (JSONValue) -> Bool
) async throws -> JSONValue {
    let stream = try await store.watch(
        resource, namespace: namespace, options: WatchOptions(fieldSelector: "metadata.name=\(name)"))
    for await event in stream where event.type == .added || event.type == .modified {
        if predicate(event.object) { return event.object }
    }
    throw FleetTestFailure(description: "the watch of \(resource) \(name) ended before the condition held")
}

import KaitoTestSupport
import Foundation
import KaitoCore
import KaitoHTTP
import KaitoK8s
import KaitoOperator
import KaitoSim
import Testing

/// The built `kaito-controller` drives Kaito's examples to success against KaitoSim and its simulated GPU fleet,
/// authorized by exactly the RBAC rules in deploy/20-rbac.yaml.
@Suite("kaito-controller end to end", .serialized)
struct WorkspaceEndToEndTests {
    @Test("every inference example reaches WorkspaceSucceeded=True with the golden plan's workload and conditions")
    func everyInferenceExampleSucceeds() async throws {
        let examples = try E2E.inferenceExamples()
        #expect(examples.count >= 17)
        try await ControllerSim.run(controllerRules: try E2E.deployedRules()) { sim in
            let controller = try sim.startController()
            _ = try await controller.waitForStartup()
            for namespace in Set(examples.map { $0.1.metadata.namespace ?? "default" }) where namespace != "default" {
                _ = try await sim.client.resource(.namespaces).create(
                    KubernetesObject(apiVersion: "v1", kind: "Namespace", metadata: ObjectMeta(name: namespace)))
            }
            for (_, workspace) in examples {
                _ = try await sim.client.resource(.workspaces).create(workspace)
            }
            for (name, workspace) in examples {
                let namespace = workspace.metadata.namespace ?? "default"
                try await E2E.waitForSuccess(workspace.name, namespace: namespace, sim: sim, controller: controller)
                let server = try await sim.client.resource(.workspaces).get(workspace.name, namespace: namespace)
                let golden = try E2E.golden("\(name).c-ready")
                let expected = E2E.conditionSummary(golden["status"]?["conditions"]?.arrayValue ?? [])
                let actual = E2E.conditionSummary(server.value(at: "status", "conditions")?.arrayValue ?? [])
                #expect(actual == expected, "\(name): conditions")

                // The workload the controller created is the one the planner's golden plan describes.
                let planned = try E2E.golden("\(name).b-nodes")["actions"]?.arrayValue ?? []
                for action in planned {
                    guard let object = action["create"], let kind = object["kind"]?.stringValue,
                        ["Deployment", "StatefulSet", "Service"].contains(kind),
                        let objectName = object["metadata"]?["name"]?.stringValue,
                        let type = ResourceType.wellKnown(
                            apiVersion: object["apiVersion"]?.stringValue ?? "", kind: kind)
                    else { continue }
                    let live = try await sim.client.resource(type).get(objectName, namespace: namespace)
                    // The live object carries the API server's defaults besides what the controller wrote.
                    if kind == "Service" {
                        #expect(
                            E2E.contains(live.value(at: "spec", "ports"), object["spec"]?["ports"]),
                            "\(name): \(objectName) ports")
                        #expect(live.value(at: "spec", "selector") == object["spec"]?["selector"])
                    } else {
                        #expect(
                            E2E.contains(
                                live.value(at: "spec", "template", "spec", "containers"),
                                object["spec"]?["template"]?["spec"]?["containers"]),
                            "\(name): \(kind) \(objectName) containers")
                        #expect(live.value(at: "spec", "replicas") == object["spec"]?["replicas"])
                    }
                }
            }
            // Every call the controller made was allowed by deploy/'s RBAC: the server answered no 403.
            #expect(!controller.stderr.lowercased().contains("forbidden"), "\(controller.stderr.suffix(2000))")
            #expect(try await controller.stop() == 0)
        }
    }

    @Test(
        "node claims fill exactly the gap between count and the matching Ready nodes, for each provisioner",
        arguments: [
            ["--provisioner", "machine"], ["--provisioner", "nodeclaim", "--node-claim-version", "v1beta1"],
            ["--provisioner", "nodeclaim", "--node-claim-version", "v1"],
        ])
    func nodeClaimsFillTheGap(_ provisioner: [String]) async throws {
        try await ControllerSim.run(gpuNodes: 1) { sim in
            try await E2E.label(node: "gpu-node-0", ["apps": "gap"], sim: sim)
            let workspace = try E2E.workspace("gap", count: 3, labels: ["apps": "gap"])
            _ = try await sim.client.resource(.workspaces).create(workspace)
            let controller = try sim.startController(provisioner)
            _ = try await controller.waitForStartup()
            try await E2E.waitForSuccess("gap", sim: sim, controller: controller)
            let claimType: ResourceType =
                provisioner.contains("machine")
                ? .machines : .nodeClaims(version: provisioner.last ?? "v1beta1")
            let claims = try await sim.client.resource(claimType).list(labelSelector: "kaito.sh/workspace=gap").items
            #expect(claims.count == 2, "3 wanted, 1 matching Ready node: 2 claims")
            let otherType: ResourceType = claimType == .machines ? .nodeClaims(version: "v1beta1") : .machines
            #expect(try await sim.client.resource(otherType).list().items.isEmpty)
            let ready = try await sim.client.resource(.workspaces).get("gap", namespace: "default")
            #expect(ready.value(at: "status", "workerNodes")?.arrayValue?.count == 3)
            #expect(try await controller.stop() == 0)
        }
    }

    @Test("an unknown SKU ends in ResourceReady=False with the provisioner's message, and nothing is deployed")
    func unknownSKUFails() async throws {
        try await ControllerSim.run { sim in
            let controller = try sim.startController()
            _ = try await controller.waitForStartup()
            var workspace = try E2E.workspace("nosku", count: 1, labels: ["apps": "nosku"], template: true)
            workspace.content["resource"] = [
                "instanceType": "Standard_ND999_imaginary", "count": 1,
                "labelSelector": ["matchLabels": ["apps": "nosku"]],
            ]
            _ = try await sim.client.resource(.workspaces).create(workspace)
            let failed = try await E2E.waitForCondition(
                "nosku", type: "ResourceReady", status: "False", sim: sim, controller: controller)
            #expect(failed["message"]?.stringValue?.contains("all requested instance types were unavailable") == true)
            await #expect(throws: KubernetesError.self) {
                _ = try await sim.client.resource(.deployments).get("nosku", namespace: "default")
            }
            #expect(try await controller.stop() == 0)
        }
    }

    @Test("adding an adapter rolls the workload to a new revision; deleting the workspace removes what it made")
    func specChangeAndDeletion() async throws {
        try await ControllerSim.run { sim in
            let controller = try sim.startController()
            _ = try await controller.waitForStartup()
            let workspace = try E2E.workspace("roll", count: 1, labels: ["apps": "roll"])
            _ = try await sim.client.resource(.workspaces).create(workspace)
            try await E2E.waitForSuccess("roll", sim: sim, controller: controller)
            let before = try await sim.client.resource(.deployments).get("roll", namespace: "default")

            _ = try await sim.client.resource(.workspaces).patch(
                "roll", namespace: "default",
                .merge([
                    "inference": [
                        "adapters": [
                            ["source": ["name": "falcon-7b-adapter", "image": "myregistry.azurecr.io/adapter:0.0.1"]]
                        ]
                    ]
                ]))
            try await E2E.waitUntil("the Deployment rolls to the adapter", controller: controller) {
                let after = try await sim.client.resource(.deployments).get("roll", namespace: "default")
                return after.value(at: "spec", "template") != before.value(at: "spec", "template")
            }
            let revisions = try await sim.client.resource(.controllerRevisions).list(namespace: "default").items
            #expect(Set(revisions.compactMap { $0.value(at: "revision") }).count == 2)
            try await E2E.waitForSuccess("roll", sim: sim, controller: controller)

            let claimNames = try await sim.client.resource(.machines).list(labelSelector: "kaito.sh/workspace=roll")
                .items.map(\.name)
            #expect(claimNames.count == 1)
            _ = try await sim.client.resource(.workspaces).delete("roll", namespace: "default")
            try await E2E.waitUntil("the workspace, its claims and its objects are gone", controller: controller) {
                let workspaces = try await sim.client.resource(.workspaces).list(namespace: "default").items
                let machines = try await sim.client.resource(.machines).list().items
                let deployments = try await sim.client.resource(.deployments).list(namespace: "default").items
                let services = try await sim.client.resource(.services).list(namespace: "default").items
                return workspaces.isEmpty && machines.isEmpty && deployments.isEmpty
                    && services.allSatisfy { !$0.name.hasPrefix("roll") }
            }
            #expect(try await controller.stop() == 0)
        }
    }

    @Test("with two controllers only the Lease holder writes; the other takes over and reconciles when it stops")
    func onlyTheLeaderWrites() async throws {
        let log = RequestLines()
        let tokens = ["token-controller-a": "controller-a", "token-controller-b": "controller-b"]
        try await ControllerSim.run(extraAdmins: tokens, requestLog: log.append) { sim in
            let first = try sim.startController(
                ["--leader-elect"],
                kubeconfig: try sim.writeKubeconfig(token: "token-controller-a", name: "a.kubeconfig"))
            _ = try await first.waitForStartup()
            try await E2E.waitUntil("controller-a to lead", controller: first) {
                try await sim.lease()?.holderIdentity?.isEmpty == false
            }
            let second = try sim.startController(
                ["--leader-elect"],
                kubeconfig: try sim.writeKubeconfig(token: "token-controller-b", name: "b.kubeconfig"))
            _ = try await second.waitForStartup()
            _ = try await sim.client.resource(.workspaces).create(
                try E2E.workspace("leader-one", count: 1, labels: ["apps": "leader-one"]))
            try await E2E.waitForSuccess("leader-one", sim: sim, controller: first)

            #expect(!log.writes(by: "controller-a").isEmpty)
            #expect(log.writes(by: "controller-b").isEmpty, "the standby wrote: \(log.writes(by: "controller-b"))")

            first.terminate()
            #expect(try await first.waitForExit() == 0)
            _ = try await sim.client.resource(.workspaces).create(
                try E2E.workspace("leader-two", count: 1, labels: ["apps": "leader-two"]))
            try await E2E.waitForSuccess("leader-two", sim: sim, controller: second)
            #expect(log.writes(by: "controller-b").contains { $0.contains("/workspaces/leader-two") })
            #expect(try await second.stop() == 0)
        }
    }

    @Test("killing the controller at random points and restarting it converges with no duplicate claims")
    func crashesConverge() async throws {
        try await ControllerSim.run { sim in
            let names = ["crash-a", "crash-b", "crash-c"]
            for (index, name) in names.enumerated() {
                let workspace = try E2E.workspace(name, count: index + 1, labels: ["apps": name])
                _ = try await sim.client.resource(.workspaces).create(workspace)
            }
            var generator = SeededRandomNumberGenerator(seed: 20_261_129)
            for _ in 0..<4 {
                let controller = try sim.startController()
                _ = try await controller.waitForStartup()
                // Kill it somewhere inside its first reconciles: 0 to 600 ms after it is up.
                try await Task.sleep(for: .milliseconds(Int(generator.next() % 600)))
                controller.kill()
                _ = try await controller.waitForExit()
            }
            let controller = try sim.startController()
            _ = try await controller.waitForStartup()
            for name in names {
                try await E2E.waitForSuccess(name, sim: sim, controller: controller)
            }
            for (index, name) in names.enumerated() {
                let claims = try await sim.client.resource(.machines).list(labelSelector: "kaito.sh/workspace=\(name)")
                    .items
                #expect(claims.count == index + 1, "\(name): one claim per wanted node, no duplicates")
                let deployments = try await sim.client.resource(.deployments).list(namespace: "default").items
                #expect(deployments.filter { $0.name == name }.count == 1)
            }
            #expect(try await controller.stop() == 0)
        }
    }
}

/// The simulated server's request log (`METHOD URI CODE USER`), kept for assertions.
final class RequestLines: Sendable {
    private let lines = Locked<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// The successful writes (POST, PUT, PATCH, DELETE) `user` made to resources other than Leases.
    func writes(by user: String) -> [String] {
        lines.withLock { $0 }.filter { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 4, parts.last.map(String.init) == user else { return false }
            return ["POST", "PUT", "PATCH", "DELETE"].contains(String(parts[0])) && parts[2].hasPrefix("2")
                && !parts[1].contains("/leases")
        }
    }
}

enum E2E {
    /// Whether `live` holds everything `written` holds: the same members with the same values (numbers by value),
    /// lists of the same length element by element, and any further members the server added.
    static func contains(_ live: JSONValue?, _ written: JSONValue?) -> Bool {
        switch (live, written) {
        case (_, nil): return true
        case (.object(let have)?, .object(let want)?):
            return want.allSatisfy { key, value in contains(have[key], value) }
        case (.array(let have)?, .array(let want)?):
            return have.count == want.count && zip(have, want).allSatisfy { contains($0, $1) }
        case (let have?, let want?):
            return have.isSemanticallyEqual(to: want)
        default:
            return false
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `examples/inference/*.yaml` by file stem, as objects to create (in `default` unless they name a namespace).
    static func inferenceExamples() throws -> [(String, KubernetesObject)] {
        let folder = repository.appendingPathComponent("examples/inference")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        return try files.map { file in
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            var object = try KubernetesObject(json: try #require(ManifestReader.documents(from: data).first).value)
            object.metadata.namespace = object.metadata.namespace ?? "default"
            return (String(file.dropLast(5)), object)
        }
    }

    /// A golden plan of the planner's tests, parsed.
    static func golden(_ name: String) throws -> JSONValue {
        let url = repository.appendingPathComponent("Tests/KaitoCoreTests/Golden/\(name).yaml")
        return try #require(ManifestReader.documents(from: Data(contentsOf: url)).first).value
    }

    /// The rules of deploy/20-rbac.yaml's ClusterRole and Role, as the simulator's authorizer takes them.
    static func deployedRules() throws -> [SimPolicyRule] {
        let data = try Data(contentsOf: repository.appendingPathComponent("deploy/20-rbac.yaml"))
        var rules: [SimPolicyRule] = []
        for document in try ManifestReader.documents(from: data) {
            let kind = document.value["kind"]?.stringValue
            guard kind == "ClusterRole" || kind == "Role" else { continue }
            let namespace = document.value["metadata"]?["namespace"]?.stringValue
            for rule in document.value["rules"]?.arrayValue ?? [] {
                func strings(_ key: String) -> Set<String> {
                    Set((rule[key]?.arrayValue ?? []).compactMap(\.stringValue))
                }
                rules.append(
                    SimPolicyRule(
                        verbs: strings("verbs"), apiGroups: strings("apiGroups"), resources: strings("resources"),
                        namespaces: kind == "Role" ? Set([namespace ?? "default"]) : nil))
            }
        }
        #expect(!rules.isEmpty)
        return rules
    }

    /// A falcon-7b workspace (or a GPU-less custom template) named `name` in `default`.
    static func workspace(_ name: String, count: Int, labels: [String: String], template: Bool = false) throws
        -> KubernetesObject
    {
        var value: JSONValue = [
            "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace",
            "metadata": ["name": .string(name), "namespace": "default"],
            "resource": [
                "instanceType": "Standard_NC12s_v3", "count": .integer(Int64(count)),
                "labelSelector": ["matchLabels": .object(labels.mapValues(JSONValue.string))],
            ],
            "inference": ["preset": ["name": "falcon-7b"]],
        ]
        if template, case .object(var object) = value {
            object["inference"] = [
                "template": [
                    "containers": [["name": "server", "image": "nginx:1.27", "ports": [["containerPort": 80]]]]
                ]
            ]
            value = .object(object)
        }
        return try KubernetesObject(json: value)
    }

    static func label(node: String, _ labels: [String: String], sim: ControllerSim) async throws {
        _ = try await sim.client.resource(.nodes).patch(
            node, .merge(["metadata": ["labels": .object(labels.mapValues(JSONValue.string))]]))
    }

    /// `type=status/reason` for each condition, the part of a condition that does not name objects or times.
    static func conditionSummary(_ conditions: [JSONValue]) -> Set<String> {
        Set(
            conditions.map {
                "\($0["type"]?.stringValue ?? "")=\($0["status"]?.stringValue ?? "")/\($0["reason"]?.stringValue ?? "")"
            })
    }

    static func waitForSuccess(
        _ name: String, namespace: String = "default", sim: ControllerSim, controller: ControllerProcess
    ) async throws {
        _ = try await waitForCondition(
            name, namespace: namespace, type: "WorkspaceSucceeded", status: "True", sim: sim, controller: controller)
    }

    /// Waits (bounded) until the workspace has the condition; returns it.
    @discardableResult
    static func waitForCondition(
        _ name: String, namespace: String = "default", type: String, status: String, sim: ControllerSim,
        controller: ControllerProcess
    ) async throws -> JSONValue {
        var found: JSONValue?
        try await waitUntil("\(name): \(type)=\(status)", controller: controller) {
            let workspace = try await sim.client.resource(.workspaces).get(name, namespace: namespace)
            found = (workspace.value(at: "status", "conditions")?.arrayValue ?? []).first {
                $0["type"]?.stringValue == type && $0["status"]?.stringValue == status
            }
            return found != nil
        }
        return try #require(found)
    }

    /// Polls a cluster state every 100 ms for at most `timeout`; there is no event for "the whole flow settled".
    static func waitUntil(
        _ what: String, timeout: Duration = .seconds(120), controller: ControllerProcess,
        _ check: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await check() { return }
            guard controller.isRunning else {
                Issue.record("kaito-controller exited while waiting for \(what): \(controller.stderr.suffix(2000))")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what); controller log tail: \(controller.stderr.suffix(2000))")
    }
}

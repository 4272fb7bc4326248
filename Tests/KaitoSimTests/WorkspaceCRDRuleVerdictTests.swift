import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// Every CEL rule of `deploy/crds/kaito.sh_workspaces.yaml`, case by case: the verdict of the API server (KaitoSim
/// compiling and evaluating the rules, over HTTP as `kubectl` would send the objects) and the verdict of the
/// controller's own `WorkspaceValidator` on the same objects must agree, so a Workspace the cluster accepts is one the
/// controller accepts, and the reverse.
@Suite("Workspace CRD rules: the API server and the controller's validator agree")
struct WorkspaceCRDRuleVerdictTests {
    static let workspaces = "/apis/kaito.sh/v1alpha1/namespaces/default/workspaces"

    static let inference: JSONValue = [
        "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": "ws"],
        "resource": [
            "count": 1, "instanceType": "Standard_NC12s_v3", "labelSelector": ["matchLabels": ["apps": "falcon-7b"]],
        ],
        "inference": ["preset": ["name": "falcon-7b"]],
    ]

    static let tuning: JSONValue = [
        "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": "ws"],
        "resource": [
            "count": 1, "instanceType": "Standard_NC24ads_A100_v4",
            "labelSelector": ["matchLabels": ["apps": "tuning"]],
        ],
        "tuning": [
            "preset": ["name": "phi-3-mini-128k-instruct"], "method": "qlora",
            "input": ["name": "dolly", "urls": ["https://example.com/train.parquet"]],
            "output": ["image": "registry.example.com/adapters/phi-3:0.0.1", "imagePushSecret": "push"],
        ],
    ]

    static let template: JSONValue = [
        "spec": ["containers": [["name": "server", "image": "registry.example.com/model:1"]]]
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The stored object for an update; `nil` for a create.
        var old: JSONValue?
        var new: JSONValue
        /// The rule message both must report, or `nil` when both accept.
        var rejection: String?

        var testDescription: String { name }
    }

    static func changing(_ base: JSONValue, _ change: (inout JSONValue) -> Void) -> JSONValue {
        var copy = base
        change(&copy)
        return copy
    }

    static let cases: [Case] = [
        Case(name: "create: inference", new: inference, rejection: nil),
        Case(name: "create: tuning", new: tuning, rejection: nil),
        Case(
            name: "create: neither inference nor tuning",
            new: changing(inference) { $0.setValue(nil, at: ["inference"]) },
            rejection: "Either Inference or Tuning must be specified, not neither"),
        Case(
            name: "create: both inference and tuning",
            new: changing(inference) { $0.setValue(tuning["tuning"], at: ["tuning"]) },
            rejection: "Either Inference or Tuning must be specified, but not both"),
        Case(
            name: "update: unchanged inference", old: inference,
            new: changing(inference) { $0.setValue(["team": "a"], at: ["metadata", "labels"]) }, rejection: nil),
        Case(
            name: "update: inference toggled to tuning", old: inference,
            new: changing(inference) {
                $0.setValue(nil, at: ["inference"])
                $0.setValue(tuning["tuning"], at: ["tuning"])
            }, rejection: "Inference field cannot be toggled once set"),
        Case(
            name: "update: tuning toggled to inference", old: tuning,
            new: changing(tuning) {
                $0.setValue(nil, at: ["tuning"])
                $0.setValue(inference["inference"], at: ["inference"])
            }, rejection: "Tuning field cannot be toggled once set"),
        Case(
            name: "update: resource.count", old: inference,
            new: changing(inference) { $0.setValue(2, at: ["resource", "count"]) }, rejection: "field is immutable"),
        Case(
            name: "update: resource.instanceType", old: inference,
            new: changing(inference) { $0.setValue("Standard_NC24ads_A100_v4", at: ["resource", "instanceType"]) },
            rejection: "field is immutable"),
        Case(
            name: "update: resource.labelSelector", old: inference,
            new: changing(inference) { $0.setValue(["other": "x"], at: ["resource", "labelSelector", "matchLabels"]) },
            rejection: "field is immutable"),
        Case(
            name: "update: inference.preset changed", old: inference,
            new: changing(inference) { $0.setValue("falcon-7b-instruct", at: ["inference", "preset", "name"]) },
            rejection: "field is immutable"),
        Case(
            name: "update: inference.preset replaced by a template", old: inference,
            new: changing(inference) { $0.setValue(["template": template], at: ["inference"]) },
            rejection: "field is immutable"),
        Case(
            name: "update: inference.template unchanged",
            old: changing(inference) { $0.setValue(["template": template], at: ["inference"]) },
            new: changing(inference) {
                $0.setValue(["template": template], at: ["inference"])
                $0.setValue(["note": "x"], at: ["metadata", "annotations"])
            }, rejection: nil),
        Case(
            name: "update: tuning.preset changed", old: tuning,
            new: changing(tuning) { $0.setValue("phi-3-mini-4k-instruct", at: ["tuning", "preset", "name"]) },
            rejection: "Preset cannot be changed"),
        Case(
            name: "update: tuning.method changed", old: tuning,
            new: changing(tuning) { $0.setValue("lora", at: ["tuning", "method"]) },
            rejection: "Method cannot be changed"),
        Case(
            name: "update: tuning.method only in case", old: tuning,
            new: changing(tuning) { $0.setValue("QLoRA", at: ["tuning", "method"]) }, rejection: nil),
        Case(
            name: "update: tuning.input.name changed", old: tuning,
            new: changing(tuning) { $0.setValue("other", at: ["tuning", "input", "name"]) },
            rejection: "During tuning Name field cannot be changed once set"),
        Case(
            name: "update: tuning.input.urls changed", old: tuning,
            new: changing(tuning) {
                $0.setValue(["https://example.com/other.parquet"], at: ["tuning", "input", "urls"])
            },
            rejection: nil),
    ]

    @Test("Server and validator verdicts", arguments: cases)
    func verdicts(_ testCase: Case) async throws {
        let definition = try #require(
            try ManifestReader.documents(from: repositoryFile("deploy/crds/kaito.sh_workspaces.yaml")).first?.value)
        try await SimHTTP.run { http in
            let installed = try await http.send(
                .post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: definition)
            #expect(installed.status == 201, "\(installed)")

            // The API server.
            let answer: SimHTTPResult
            if let old = testCase.old {
                let created = try await http.send(.post, Self.workspaces, json: old)
                #expect(created.status == 201, "\(created)")
                var new = testCase.new
                new.setValue(created.json.at("metadata.resourceVersion"), at: ["metadata", "resourceVersion"])
                answer = try await http.send(.put, "\(Self.workspaces)/ws", json: new)
            } else {
                answer = try await http.send(.post, Self.workspaces, json: testCase.new)
            }
            let serverMessages = (answer.json["details"]?["causes"]?.arrayValue ?? []).compactMap {
                $0["message"]?.stringValue
            }

            // The controller's validator, on the same objects.
            let validator = WorkspaceValidator()
            let new = try Workspace.decode(from: testCase.new)
            let problems =
                try testCase.old.map { validator.validateUpdate(new, from: try Workspace.decode(from: $0)) }
                ?? validator.validateCreate(new)
            let errors = problems.filter { $0.severity == .error }

            if let rejection = testCase.rejection {
                #expect(answer.status == 422, "server: \(answer)")
                #expect(serverMessages.contains { $0.hasSuffix(rejection) }, "server causes: \(serverMessages)")
                #expect(errors.contains { $0.message.hasSuffix(rejection) }, "validator: \(errors)")
            } else {
                #expect(answer.status == 200 || answer.status == 201, "server: \(answer)")
                #expect(errors.isEmpty, "validator: \(errors)")
            }
        }
    }
}

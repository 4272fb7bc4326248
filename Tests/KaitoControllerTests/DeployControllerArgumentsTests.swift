import Foundation
import KaitoCore
import KaitoK8s
import Testing

@testable import kaito_controller

/// The command lines the manifests and the chart give kaito-controller are accepted by its real argument parser
/// and mean what the manifests intend.
@Suite("Deploy: the manifests' arguments parse in kaito-controller")
struct DeployControllerArgumentsTests {
    /// Parses a container's arguments and environment as the pod would run them: Kubernetes expands
    /// `$(SYSTEM_NAMESPACE)` from the container's env, and the pod's namespace is `namespace`.
    static func settings(of deployment: JSONValue, namespace: String) throws -> KaitoControllerCommand.Settings {
        let container = try DeployChart.container(of: deployment)
        var variables: [String: String] = [:]
        for entry in container["env"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue else { continue }
            if let value = entry["value"]?.stringValue {
                variables[name] = value
            } else if entry["valueFrom"]?["fieldRef"]?["fieldPath"] == "metadata.namespace" {
                variables[name] = namespace
            }
        }
        let arguments = (container["args"].map(\.deployStrings) ?? []).map { argument in
            variables.reduce(argument) { $0.replacingOccurrences(of: "$(\($1.key))", with: $1.value) }
        }
        let command = try KaitoControllerCommand.parse(
            normalizeBooleanFlags(arguments, flags: KaitoControllerCommand.booleanFlags))
        return try command.resolve(
            environment: ProcessEnvironment(variables: variables, serviceAccountNamespaceFile: "/nonexistent"))
    }

    @Test("deploy/30-deployment.yaml: metrics :8080, health :8081, leader election in kaito-system, Machines on Azure")
    func plainDeployment() throws {
        let settings = try Self.settings(
            of: try DeployRepository.plainManifests().deployObject(kind: "Deployment"), namespace: "kaito-system")
        #expect(settings.metricsAddress?.port == 8080)
        #expect(settings.healthAddress?.port == 8081)
        #expect(settings.leaderElection?.namespace == "kaito-system")
        #expect(settings.leaderElection?.name == "ef60f9b0.io")
        #expect(settings.controller.provisioner == .machine)
        #expect(settings.controller.cloud == .azure)
        #expect(settings.controller.presetRegistry == "mcr.microsoft.com/aks/kaito")
        #expect(settings.controller.featureGates["Karpenter"] == false)
        #expect(settings.controller.namespace == nil, "every namespace is watched")
    }

    @Test(
        "the chart's renders parse too, and the values reach the settings",
        .deployNeedsHelm)
    func chartRenders() async throws {
        let defaults = try Self.settings(
            of: try await DeployChart.render(namespace: "ops").deployObject(kind: "Deployment"), namespace: "ops")
        #expect(defaults.leaderElection?.namespace == "ops")
        #expect(defaults.controller.provisioner == .machine)

        let nodeclaim = try Self.settings(
            of: try await DeployChart.render(set: [
                "provisioner=nodeclaim", "nodeClaimVersion=v1", "cloudProviderName=aws", "maxConcurrentReconciles=3",
                "verbose=true", "leaderElect=false", "metrics.port=9090",
            ]).deployObject(kind: "Deployment"), namespace: "kaito-system")
        #expect(nodeclaim.controller.provisioner == .nodeclaim)
        #expect(nodeclaim.controller.nodeClaimAPIVersion == "karpenter.sh/v1")
        #expect(nodeclaim.controller.cloud == .aws)
        #expect(nodeclaim.controller.maxConcurrentReconciles == 3)
        #expect(nodeclaim.leaderElection == nil)
        #expect(nodeclaim.metricsAddress?.port == 9090)

        let gate = try Self.settings(
            of: try await DeployChart.render(set: ["featureGates.Karpenter=true"]).deployObject(kind: "Deployment"),
            namespace: "kaito-system")
        #expect(gate.controller.featureGates["Karpenter"] == true)
        #expect(gate.controller.nodeClaimAPIVersion == "karpenter.sh/v1beta1")

        let none = try Self.settings(
            of: try await DeployChart.render(set: ["provisioner=none"]).deployObject(kind: "Deployment"),
            namespace: "kaito-system")
        #expect(none.controller.provisioner == PlannerConfiguration.NodeProvisionerKind.none)
    }
}

import KaitoTestSupport
import Foundation
import KaitoCore
import Testing

/// The install manifests and the chart applied with the real `kubectl` (and `helm`) to a KaitoSim API server over
/// TLS. KaitoSim compiles the CRDs' CEL rules as a real API server does, refusing a CRD a real server refuses, and
/// evaluates them on every Workspace write.
@Suite(
    "Deploy: kubectl apply to kaito-sim",
    .enabled(
        if: DeployTool.kubectl != nil, "SKIPPED: kubectl is not installed (not on PATH); the install tests did not run")
)
struct DeployKubectlTests {
    @Test("kubectl apply -f deploy/crds/ then deploy/: everything is created, kubectl get shows it, reapply is a no-op")
    func plainInstall() async throws {
        try await TestCluster.run(.deploy) { session in
            let crds = try await session.kubectl("apply", "-f", DeployRepository.path("deploy/crds"))
            #expect(crds.output == "customresourcedefinition.apiextensions.k8s.io/workspaces.kaito.sh created")

            let install = try await session.kubectl("apply", "-f", DeployRepository.path("deploy"))
            #expect(
                install.output.split(separator: "\n").map(String.init) == [
                    "namespace/kaito-system created",
                    "serviceaccount/kaito-controller created",
                    "clusterrole.rbac.authorization.k8s.io/kaito-controller created",
                    "clusterrolebinding.rbac.authorization.k8s.io/kaito-controller created",
                    "role.rbac.authorization.k8s.io/kaito-controller-leader-election created",
                    "rolebinding.rbac.authorization.k8s.io/kaito-controller-leader-election created",
                    "deployment.apps/kaito-controller created",
                    "service/kaito-controller-metrics created",
                ], "\(install.output) \(install.errors)")

            let again = try await session.kubectl("apply", "-f", DeployRepository.path("deploy"))
            #expect(again.output.split(separator: "\n").allSatisfy { $0.hasSuffix(" unchanged") }, "\(again.output)")

            let deployments = try await session.kubectl("get", "deployments", "-n", "kaito-system")
            #expect(deployments.output.split(separator: "\n").last?.hasPrefix("kaito-controller") == true)

            let deployment = try await session.getJSON("deployment", "kaito-controller", "-n", "kaito-system")
            let pod = deployment["spec"]?["template"]?["spec"]
            #expect(pod?["securityContext"]?["runAsUser"] == 65532)
            let container = pod?["containers"]?.arrayValue?.first
            #expect(container?["securityContext"]?["readOnlyRootFilesystem"] == true)
            #expect(container?["livenessProbe"]?["httpGet"]?["path"] == "/healthz")

            let role = try await session.getJSON("clusterrole", "kaito-controller")
            #expect(DeployPermission.granted(by: role) == DeployRBACTests.clusterPermissions)

            let crd = try await session.getJSON("crd", "workspaces.kaito.sh")
            let rules =
                crd["spec"]?["versions"]?.arrayValue?.first?["schema"]?["openAPIV3Schema"]?[
                    "x-kubernetes-validations"]?.arrayValue ?? []
            #expect(rules.count == 4, "the API server keeps the CEL rules")

            // The CRD (with its rules) still serves Kaito v0.3.1 workspaces.
            try await session.kubectl("create", "namespace", "models")
            let workspace = try await session.kubectl(
                "apply", "-n", "models", "-f", DeployRepository.path("examples/inference/falcon-7b.yaml"))
            #expect(workspace.output == "workspace.kaito.sh/workspace-falcon-7b created")
            let listed = try await session.kubectl("get", "wk", "-n", "models")
            #expect(listed.output.split(separator: "\n").count == 2)
        }
    }

    @Test("the stand-in provisioner CRDs apply and serve Machines and NodeClaims (v1beta1 and v1)")
    func standInCRDs() async throws {
        try await TestCluster.run(.deploy) { session in
            let applied = try await session.kubectl("apply", "-f", DeployRepository.path("deploy/provisioner-crds"))
            #expect(
                applied.output.split(separator: "\n").map(String.init) == [
                    "customresourcedefinition.apiextensions.k8s.io/machines.karpenter.sh created",
                    "customresourcedefinition.apiextensions.k8s.io/nodeclaims.karpenter.sh created",
                ])
            let directory = session.directory
            let claims = """
                apiVersion: karpenter.sh/v1alpha5
                kind: Machine
                metadata: {name: ws0123456789, labels: {kaito.sh/workspace: w}}
                spec: {machineTemplateRef: {name: ws0123456789}, requirements: [{key: node.kubernetes.io/instance-type, operator: In, values: [Standard_NC12s_v3]}]}
                ---
                apiVersion: karpenter.sh/v1beta1
                kind: NodeClaim
                metadata: {name: wsaaaaaaaaa}
                spec: {nodeClassRef: {name: default, kind: AKSNodeClass}}
                ---
                apiVersion: karpenter.sh/v1
                kind: NodeClaim
                metadata: {name: wsbbbbbbbbb}
                spec: {nodeClassRef: {name: default, kind: AKSNodeClass, group: karpenter.azure.com}}
                """
            let file = directory.appendingPathComponent("claims.yaml")
            try claims.write(to: file, atomically: true, encoding: .utf8)
            let created = try await session.kubectl("apply", "-f", file.path)
            #expect(
                created.output.split(separator: "\n").map(String.init) == [
                    "machine.karpenter.sh/ws0123456789 created", "nodeclaim.karpenter.sh/wsaaaaaaaaa created",
                    "nodeclaim.karpenter.sh/wsbbbbbbbbb created",
                ], "\(created.errors)")
            let machines = try await session.kubectl("get", "machines")
            #expect(machines.output.split(separator: "\n").first?.split(separator: " ").first == "NAME")
            let machine = try await session.getJSON("machine", "ws0123456789")
            #expect(machine["spec"]?["requirements"]?.arrayValue?.count == 1, "spec is kept as given")
        }
    }

    @Test("kubectl apply -f deploy/provisioner-crds/: the stand-in Machine and NodeClaim CRDs are accepted")
    func provisionerCRDs() async throws {
        try await TestCluster.run(.deploy) { session in
            let applied = try await session.kubectl("apply", "-f", DeployRepository.path("deploy/provisioner-crds"))
            #expect(
                applied.output.split(separator: "\n").map(String.init).sorted() == [
                    "customresourcedefinition.apiextensions.k8s.io/machines.karpenter.sh created",
                    "customresourcedefinition.apiextensions.k8s.io/nodeclaims.karpenter.sh created",
                ])
        }
    }

    @Test("The Workspace CRD as it was (inference.template without a type) is refused as a real API server refused it")
    func untypedTemplateRefused() async throws {
        let text = String(decoding: try DeployRepository.data("deploy/crds/kaito.sh_workspaces.yaml"), as: UTF8.self)
        let typed = "                type: object\n                x-kubernetes-preserve-unknown-fields: true"
        let untyped = "                x-kubernetes-preserve-unknown-fields: true"
        let broken = try #require(text.range(of: typed).map { text.replacingCharacters(in: $0, with: untyped) })
        try await TestCluster.run(.deploy) { session in
            let file = session.directory.appendingPathComponent("old-workspaces-crd.yaml")
            try broken.write(to: file, atomically: true, encoding: .utf8)
            let refused = try await session.kubectl("apply", "--server-side", "-f", file.path, expectedStatus: 1)
            #expect(
                refused.errors.contains(
                    "spec.validation.openAPIV3Schema.properties[inference].x-kubernetes-validations[1].rule: "
                        + "Invalid value: apiextensions.ValidationRule{Rule:\"has(self.template) == "
                        + "has(oldSelf.template)\""),
                "\(refused.errors)")
            #expect(refused.errors.contains("compilation failed: ERROR: <input>:1:4: undefined field 'template'"))
            let missing = try await session.kubectl("get", "crd", "workspaces.kaito.sh", expectedStatus: 1)
            #expect(missing.errors.contains("NotFound"), "nothing was half-applied")
        }
    }

    @Test(
        "helm template output applies to a fresh namespace; helm install against the sim prints the NOTES",
        .deployNeedsHelm)
    func chartInstall() async throws {
        try await TestCluster.run(.deploy) { session in
            let namespace = "kaito-chart-\(UInt32.random(in: 0...UInt32.max))"
            try await session.kubectl("create", "namespace", namespace)
            try await session.kubectl("apply", "-f", DeployRepository.path("\(DeployRepository.chart)/crds"))

            let rendered = try await DeployChart.renderText(
                release: "kw", namespace: namespace,
                set: [
                    "provisioner=nodeclaim", "provisionerCRDs.install=true",
                ])
            #expect(rendered.status == 0, "\(rendered.errors)")
            let file = session.directory.appendingPathComponent("rendered.yaml")
            try rendered.output.write(to: file, atomically: true, encoding: .utf8)
            let documents = try ManifestReader.documents(from: rendered.output).map(\.value)
            let applied = try await session.kubectl("apply", "-f", file.path)
            let lines = applied.output.split(separator: "\n").map(String.init)
            #expect(lines.count == documents.count, "\(applied.output) \(applied.errors)")
            #expect(lines.allSatisfy { $0.hasSuffix(" created") }, "\(applied.output)")
            #expect(lines.contains("deployment.apps/kw-kaito-workspace created"))
            #expect(lines.contains("customresourcedefinition.apiextensions.k8s.io/nodeclaims.karpenter.sh created"))

            let deployment = try await session.getJSON("deployment", "kw-kaito-workspace", "-n", namespace)
            let arguments = deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["args"]
            #expect(arguments?.deployStrings.contains("--provisioner=nodeclaim") == true)
            let accounts = try await session.kubectl("get", "serviceaccounts", "-n", namespace, "-o", "name")
            #expect(accounts.output.split(separator: "\n").contains("serviceaccount/kw-kaito-workspace-sa"))

            // A client-side dry-run install reads the cluster's version and prints the chart's NOTES.txt.
            let directory = try DeployTool.temporaryDirectory("helm-install")
            defer { try? FileManager.default.removeItem(at: directory) }
            let install = try await DeployTool.helm(
                [
                    "install", "notes", DeployRepository.path(DeployRepository.chart), "--namespace", namespace,
                    "--kubeconfig", session.kubeconfig.path, "--dry-run=client", "--set", "provisioner=none",
                ], in: directory)
            #expect(install.status == 0, "helm install --dry-run=client: \(install.errors)")
            #expect(install.output.contains("kaito-controller 0.1.0 is installed in namespace \(namespace)."))
            #expect(install.output.contains("provisioner=none: label your GPU nodes"))
        }
    }
}

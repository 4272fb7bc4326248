import Foundation
import KaitoCore
import KaitoK8s
import KaitoTestSupport
import Testing

extension KaitoctlCLITests {
    /// `kaitoctl workspace …` against KaitoSim, its simulated GPU fleet and the built kaito-controller.
    @Suite("kaitoctl workspace")
    struct WorkspaceCommands {
        static func manifest(_ name: String, label: String, namespace: String? = nil) -> String {
            """
            apiVersion: kaito.sh/v1alpha1
            kind: Workspace
            metadata:
              name: \(name)
            \(namespace.map { "  namespace: \($0)\n" } ?? "")resource:
              count: 1
              instanceType: Standard_NC12s_v3
              labelSelector:
                matchLabels:
                  apps: \(label)
            inference:
              preset:
                name: falcon-7b

            """
        }

        /// The table's rows as header → cell, read by the header's column offsets (cells may be empty).
        static func rows(_ text: String) -> [[String: String]] {
            let lines = outputLines(text)
            guard let header = lines.first else { return [] }
            let starts = cellStarts(header)
            let names = tableCells(header)
            return lines.dropFirst().map { line in
                var row: [String: String] = [:]
                let characters = Array(line)
                for (index, start) in starts.enumerated() where index < names.count {
                    let end = index + 1 < starts.count ? starts[index + 1] : characters.count
                    let cell = start < characters.count ? String(characters[start..<min(end, characters.count)]) : ""
                    row[names[index]] = cell.trimmingCharacters(in: .whitespaces)
                }
                return row
            }
        }

        @Test("create from a file and from flags, wait to success, get, status, delete --wait")
        func lifecycle() async throws {
            try await ClusterHarness.run { cluster in
                let controller = try cluster.startController()
                _ = try await controller.waitForStartup()
                let file = try cluster.write("falcon-file.yaml", Self.manifest("falcon-file", label: "falcon-file"))
                let created = try await cluster.kaitoctl([
                    "workspace", "create", "-f", file, "--wait", "--timeout", "2m",
                ])
                #expect(created.status == 0, "\(created.output)\n\(created.errors)")
                let lines = outputLines(created.output)
                #expect(lines.first == "workspace.kaito.sh/falcon-file created")
                #expect(lines.contains { $0.hasPrefix("ResourceReady: True") && $0.hasSuffix("s)") })
                #expect(lines.contains { $0.hasPrefix("WorkspaceSucceeded: True workspaceSucceeded") })
                #expect(lines.contains("workspace.kaito.sh/falcon-file succeeded"))
                #expect(lines.contains("Endpoint: http://falcon-file.default.svc.cluster.local:80"))
                #expect(
                    lines.contains(
                        "Try it:   kaitoctl chat falcon-file -n default --prompt \"What is Kubernetes?\""))
                #expect(!created.output.contains("\u{1B}"), "no spinner when stdout is not a terminal")

                let flags = try await cluster.kaitoctl([
                    "workspace", "create", "falcon-flags", "--preset", "falcon-7b", "--instance-type",
                    "Standard_NC12s_v3", "--wait", "--timeout", "2m",
                ])
                #expect(flags.status == 0, "\(flags.output)\n\(flags.errors)")
                #expect(outputLines(flags.output).last?.hasPrefix("Try it:") == true)

                // The flags build the same Workspace the YAML file describes.
                let fromFile = try await cluster.client.resource(.workspaces).get("falcon-file", namespace: "default")
                let fromFlags = try await cluster.client.resource(.workspaces).get("falcon-flags", namespace: "default")
                #expect(fromFile.content["inference"] == fromFlags.content["inference"])
                var resource = fromFile.content["resource"]?.objectValue ?? [:]
                resource["labelSelector"] = ["matchLabels": ["apps": "falcon-flags"]]
                #expect(JSONValue.object(resource) == fromFlags.content["resource"])

                // Creating it again: the server's AlreadyExists, exit 1.
                let again = try await cluster.kaitoctl(["workspace", "create", "-f", file])
                #expect(again.status == 1)
                #expect(again.errors.contains("already exists"), "\(again.errors)")

                // get: the printer columns.
                let table = try await cluster.kaitoctl(["workspace", "get"])
                #expect(table.status == 0, "\(table.errors)")
                #expect(
                    tableCells(outputLines(table.output).first ?? "") == [
                        "NAME", "INSTANCE", "RESOURCEREADY", "INFERENCEREADY", "JOBSTARTED", "WORKSPACESUCCEEDED",
                        "AGE",
                    ])
                let rows = Self.rows(table.output)
                #expect(rows.map { $0["NAME"] } == ["falcon-file", "falcon-flags"])
                for row in rows {
                    #expect(row["INSTANCE"] == "Standard_NC12s_v3")
                    #expect(row["RESOURCEREADY"] == "True")
                    #expect(row["INFERENCEREADY"] == "True")
                    #expect(row["JOBSTARTED"] == "")
                    #expect(row["WORKSPACESUCCEEDED"] == "True")
                    #expect(row["AGE"]?.hasSuffix("s") == true)
                }
                let list = try await cluster.kaitoctl(["workspace", "list", "-o", "wide"])
                let wide = Self.rows(list.output)
                #expect(wide.first?["PRESET"] == "falcon-7b")
                #expect(wide.first?["COUNT"] == "1")
                #expect(wide.first?["WORKERS"]?.isEmpty == false)
                #expect(wide.first?["WORKERS"] != "<none>")

                let json = try await cluster.kaitoctl(["workspace", "get", "falcon-file", "-o", "json"])
                let object = parseJSON(json.output) as? [String: Any]
                #expect((object?["metadata"] as? [String: Any])?["name"] as? String == "falcon-file")
                #expect(object?["kind"] as? String == "Workspace")
                let jsonList = try await cluster.kaitoctl(["workspace", "get", "-o", "json"])
                let listObject = parseJSON(jsonList.output) as? [String: Any]
                #expect(listObject?["kind"] as? String == "List")
                #expect((listObject?["items"] as? [Any])?.count == 2)
                let yaml = try await cluster.kaitoctl(["workspace", "get", "falcon-flags", "-o", "yaml"])
                #expect(yaml.status == 0)
                #expect(yaml.output.contains("kind: Workspace"))
                #expect(yaml.output.contains("name: falcon-flags"))

                // -A adds NAMESPACE, across namespaces.
                _ = try await cluster.client.resource(.namespaces).create(
                    KubernetesObject(apiVersion: "v1", kind: "Namespace", metadata: ObjectMeta(name: "team-a")))
                let other = try await cluster.kaitoctl([
                    "workspace", "create", "phi", "--preset", "phi-3-mini-4k-instruct", "--instance-type",
                    "Standard_NC6s_v3", "-n", "team-a",
                ])
                #expect(other.status == 0, "\(other.errors)")
                let all = try await cluster.kaitoctl(["workspace", "get", "-A"])
                let allRows = Self.rows(all.output)
                #expect(tableCells(outputLines(all.output).first ?? "").first == "NAMESPACE")
                #expect(
                    allRows.map { "\($0["NAMESPACE"] ?? "")/\($0["NAME"] ?? "")" }
                        == ["default/falcon-file", "default/falcon-flags", "team-a/phi"])

                // status of a succeeded workspace.
                let status = try await cluster.kaitoctl(["workspace", "status", "falcon-file"])
                #expect(status.status == 0, "\(status.errors)")
                let text = status.output
                #expect(text.contains("Name:        falcon-file"))
                #expect(text.contains("Conditions:"))
                #expect(text.contains("WorkspaceSucceeded"))
                #expect(text.contains("Worker nodes:"))
                #expect(text.contains("Ready"))
                #expect(text.contains("Node claims:"))
                #expect(text.contains("Machine"))
                #expect(text.contains("Workload:    Deployment falcon-file: 1/1 ready"))
                #expect(text.contains("Endpoint:    http://falcon-file.default.svc.cluster.local:80"))
                #expect(text.contains("Events:"))
                #expect(!text.contains("Waiting for:"))
                let describe = try await cluster.kaitoctl(["workspace", "describe", "falcon-file"])
                #expect(describe.status == 0)

                // delete --wait follows it until it is gone.
                let deleted = try await cluster.kaitoctl([
                    "workspace", "delete", "falcon-file", "--wait", "--timeout", "1m",
                ])
                #expect(deleted.status == 0, "\(deleted.errors)")
                #expect(outputLines(deleted.output).last == "workspace.kaito.sh/falcon-file deleted")
                #expect(try await !cluster.client.resource(.workspaces).exists("falcon-file", namespace: "default"))
                let gone = try await cluster.kaitoctl(["workspace", "get", "falcon-file"])
                #expect(gone.status == 1)
                #expect(gone.errors == "workspace \"falcon-file\" not found in namespace \"default\"\n")
            }
        }

        @Test("with no controller: status says what the workspace waits for, and --wait times out with exit 3")
        func stuckWithoutController() async throws {
            try await ClusterHarness.run { cluster in
                let created = try await cluster.kaitoctl([
                    "workspace", "create", "lonely", "--preset", "falcon-7b", "--instance-type", "Standard_NC12s_v3",
                ])
                #expect(created.status == 0, "\(created.errors)")
                let status = try await cluster.kaitoctl(["workspace", "status", "lonely"])
                #expect(status.status == 0, "\(status.errors)")
                #expect(status.output.contains("Conditions:  <none>"))
                let waiting = outputLines(status.output).filter { $0.hasPrefix("Waiting for: ") }
                #expect(waiting.count == 1, "\(status.output)")

                let timedOut = try await cluster.kaitoctl([
                    "workspace", "create", "-f",
                    try cluster.write("later.yaml", Self.manifest("later", label: "later")), "--wait", "--timeout",
                    "2s",
                ])
                #expect(timedOut.status == 3, "\(timedOut.output)\n\(timedOut.errors)")
                #expect(timedOut.output.hasPrefix("workspace.kaito.sh/later created\n"))
                #expect(
                    timedOut.errors.hasPrefix("timed out after 2s waiting for workspace later: waiting for "),
                    "\(timedOut.errors)")

                // The delete goes through at once (no finalizer without a controller).
                let deleted = try await cluster.kaitoctl(["workspace", "delete", "later", "--wait", "--timeout", "5s"])
                #expect(deleted.status == 0, "\(deleted.errors)")
                #expect(deleted.output == "workspace.kaito.sh/later deleted\n")
            }
        }

        @Test("an unknown SKU: --wait exits 1 with the condition's message, status prints it; delete --wait times out")
        func failingCondition() async throws {
            try await ClusterHarness.run { cluster in
                let controller = try cluster.startController()
                _ = try await controller.waitForStartup()
                let result = try await cluster.kaitoctl([
                    "workspace", "create", "nosku", "--preset", "falcon-7b", "--instance-type",
                    "Standard_ND999_imaginary", "--wait", "--timeout", "1m",
                ])
                #expect(result.status == 1, "\(result.output)\n\(result.errors)")
                #expect(
                    result.errors.hasPrefix("workspace nosku failed: ")
                        && result.errors.contains("all requested instance types were unavailable during launch"),
                    "\(result.errors)")
                #expect(
                    outputLines(result.output).contains {
                        $0.hasPrefix("ResourceReady: False workspaceResourceStatusFailed")
                    })

                let status = try await cluster.kaitoctl(["workspace", "status", "nosku"])
                let failed = outputLines(status.output).filter { $0.hasPrefix("Failed:") }
                #expect(failed.count == 1, "\(status.output)")
                #expect(failed.first?.contains("all requested instance types were unavailable") == true)
                #expect(!status.output.contains("Waiting for:"))

                // With the controller gone, its finalizer keeps the workspace: delete --wait times out (3).
                _ = try await controller.stop()
                let deleted = try await cluster.kaitoctl(["workspace", "delete", "nosku", "--wait", "--timeout", "2s"])
                #expect(deleted.status == 3, "\(deleted.output)\n\(deleted.errors)")
                #expect(
                    deleted.errors.hasPrefix(
                        "timed out after 2s waiting for workspace nosku to be deleted: finalizers "),
                    "\(deleted.errors)")
            }
        }

        @Test("bad input: unknown workspace (1), invalid file (2, nothing created), dry runs, bad flags (2)")
        func badInput() async throws {
            try await ClusterHarness.run(fleet: false) { cluster in
                for command in [["get", "ghost"], ["status", "ghost"], ["delete", "ghost"]] {
                    let result = try await cluster.kaitoctl(["workspace"] + command)
                    #expect(result.status == 1, "\(command)")
                    #expect(result.errors == "workspace \"ghost\" not found in namespace \"default\"\n", "\(command)")
                }
                let invalid = try cluster.write(
                    "bad.yaml",
                    Self.manifest("bad", label: "bad").replacingOccurrences(of: "falcon-7b", with: "falcon-7x"))
                let result = try await cluster.kaitoctl(["workspace", "create", "-f", invalid])
                #expect(result.status == 2)
                #expect(result.errors.hasPrefix("\(invalid): inference.preset.name: "), "\(result.errors)")
                #expect(result.output.isEmpty)
                let flags = try await cluster.kaitoctl([
                    "workspace", "create", "bad", "--preset", "falcon-7b", "--instance-type", "Standard_NC12s_v3",
                    "--count", "0",
                ])
                #expect(flags.status == 2, "\(flags.errors)")
                #expect(flags.errors.contains("resource.count"), "\(flags.errors)")

                let client = try await cluster.kaitoctl([
                    "workspace", "create", "dry", "--preset", "falcon-7b", "--dry-run=client",
                ])
                #expect(client.output == "workspace.kaito.sh/dry created (dry run)\n", "\(client.errors)")
                let server = try await cluster.kaitoctl([
                    "workspace", "create", "dry", "--preset", "falcon-7b", "--dry-run=server",
                ])
                #expect(server.status == 0, "\(server.errors)")
                #expect(server.output == "workspace.kaito.sh/dry created (server dry run)\n")
                #expect(try await cluster.client.resource(.workspaces).list().items.isEmpty)

                let noInput = try await cluster.kaitoctl(["workspace", "create"])
                #expect(noInput.status == 2)
                let badTimeout = try await cluster.kaitoctl(["workspace", "delete", "x", "--timeout", "soon"])
                #expect(badTimeout.status == 2)

                let wrong = try cluster.kubeconfig(token: "not-the-token", name: "wrong-kubeconfig")
                let refused = try await cluster.kaitoctl(
                    ["workspace", "get", "--kubeconfig", wrong], kubeconfig: false)
                #expect(refused.status == 4, "\(refused.errors)")
                #expect(!refused.errors.isEmpty)
            }
        }

        @Test("an unreachable cluster exits 4")
        func unreachable() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "kaitoctl-unreachable-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = directory.appendingPathComponent("kubeconfig")
            try Data(
                """
                apiVersion: v1
                kind: Config
                current-context: nowhere
                clusters:
                - name: nowhere
                  cluster:
                    server: https://127.0.0.1:1
                users:
                - name: nowhere
                  user:
                    token: abc
                contexts:
                - name: nowhere
                  context:
                    cluster: nowhere
                    user: nowhere

                """.utf8
            ).write(to: kubeconfig)
            // The client retries a refused connection a few times (about 8 s) before giving up.
            for command in [["get"], ["create", "x", "--preset", "falcon-7b"]] {
                let result = try await runBuiltKaitoctl(
                    ["workspace"] + command + ["--kubeconfig", kubeconfig.path], in: directory, timeout: 60)
                #expect(result.status == 4, "\(command): \(result.errors)")
                #expect(!result.errors.isEmpty)
            }
            let missing = try await runBuiltKaitoctl(
                ["workspace", "get", "--kubeconfig", directory.appendingPathComponent("nope").path], in: directory)
            #expect(missing.status == 4, "\(missing.errors)")
        }
    }
}

import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

extension WorkspaceCommand {
    /// `kaitoctl workspace get [NAME] [-A] [-o wide|yaml|json]` (alias `list`).
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "List workspaces, or show one, like kubectl get.",
            discussion: """
                The table has the Workspace CRD's printer columns: NAME, INSTANCE, RESOURCEREADY, \
                INFERENCEREADY, JOBSTARTED, WORKSPACESUCCEEDED, AGE; -A adds NAMESPACE first, -o wide adds \
                PRESET, COUNT and WORKERS. -o yaml and -o json print the objects as stored (a List for several).

                Examples:
                  kaitoctl workspace get
                  kaitoctl workspace list -A -o wide
                  kaitoctl workspace get falcon-7b -o yaml

                \(exitCodeHelp)
                """,
            aliases: ["list", "ls"]
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, wide, yaml, json
        }

        @Argument(help: "One workspace to show (default: every workspace in the namespace).")
        var name: String?

        @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List workspaces in every namespace.")
        var allNamespaces = false

        @Option(name: .shortAndLong, help: "Output format: table, wide, yaml or json.")
        var output: Format = .table

        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            if name != nil && allNamespaces {
                throw ValidationError("a workspace cannot be looked up by name across all namespaces; drop -A or NAME")
            }
        }

        func run() async throws {
            let (workspaces, namespace) = try cluster.workspaces()
            let objects = try await withClusterErrors {
                if let name { return [try await workspaces.get(name, namespace: namespace)] }
                return try await workspaces.list(namespace: allNamespaces ? nil : namespace)
            }

            switch output {
            case .yaml, .json:
                let value: JSONValue
                if name != nil, let only = objects.first {
                    value = try only.jsonValue()
                } else {
                    value = [
                        "apiVersion": "v1", "kind": "List", "metadata": ["resourceVersion": ""],
                        "items": .array(try objects.map { try $0.jsonValue() }),
                    ]
                }
                Console.out(output == .json ? try Rendering.json(value) : try YAMLWriter.string(from: value))
            case .table, .wide:
                guard !objects.isEmpty else {
                    Console.error([
                        allNamespaces ? "No resources found" : "No resources found in \(namespace) namespace."
                    ])
                    return
                }
                Console.out(Self.table(objects, allNamespaces: allNamespaces, wide: output == .wide).render())
            }
        }

        static func table(_ objects: [KubernetesObject], allNamespaces: Bool, wide: Bool, now: Date = Date()) -> Table {
            var headers = [
                "NAME", "INSTANCE", "RESOURCEREADY", "INFERENCEREADY", "JOBSTARTED", "WORKSPACESUCCEEDED", "AGE",
            ]
            if allNamespaces { headers.insert("NAMESPACE", at: 0) }
            if wide { headers += ["PRESET", "COUNT", "WORKERS"] }
            var table = Table(headers: headers)
            for object in objects {
                let conditions = object.statusConditions
                var row = [
                    object.name, object.value(at: "resource", "instanceType")?.stringValue ?? "",
                    conditions[WorkspaceConditions.resourceReady]?.status ?? "",
                    conditions[WorkspaceConditions.inferenceReady]?.status ?? "",
                    conditions[WorkspaceConditions.jobStarted]?.status ?? "",
                    conditions[WorkspaceConditions.workspaceSucceeded]?.status ?? "",
                    WorkspaceFormat.age(since: object.metadata.creationTimestamp, now: now),
                ]
                if allNamespaces { row.insert(object.metadata.namespace ?? "", at: 0) }
                if wide {
                    let preset =
                        object.value(at: "inference", "preset", "name")?.stringValue
                        ?? object.value(at: "tuning", "preset", "name")?.stringValue ?? "<none>"
                    let count = object.value(at: "resource", "count").flatMap { value -> String? in
                        if case .integer(let number) = value { return String(number) }
                        return nil
                    }
                    let workers = (object.value(at: "status", "workerNodes")?.arrayValue ?? []).compactMap(
                        \.stringValue)
                    row += [preset, count ?? "1", workers.isEmpty ? "<none>" : workers.joined(separator: ",")]
                }
                table.rows.append(row)
            }
            return table
        }
    }
}

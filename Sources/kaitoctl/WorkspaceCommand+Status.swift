import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

extension WorkspaceCommand {
    /// `kaitoctl workspace status NAME` (alias `describe`).
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show a workspace's conditions, nodes, node claims, workload, endpoint and events.",
            discussion: """
                When the workspace has not succeeded, the last line says what it waits for (what the operator's \
                next reconcile would wait for, planned from the objects on the cluster) or which condition failed.

                Example:
                  kaitoctl workspace status falcon-7b

                \(exitCodeHelp)
                """,
            aliases: ["describe"]
        )

        @Argument(help: "The workspace.")
        var name: String

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let (workspaces, namespace) = try cluster.workspaces()
            let observation = try await withClusterErrors { try await workspaces.describe(name, namespace: namespace) }
            Console.out(observation.report())
        }
    }
}

extension WorkspaceObservation {
    /// The `kaitoctl workspace status` text.
    func report(now: Date = Date()) -> String {
        var lines: [String] = []
        func indented(_ table: Table) -> [String] {
            table.render().split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }
        }
        let preset =
            workspace.value(at: "inference", "preset", "name")?.stringValue
            ?? workspace.value(at: "tuning", "preset", "name")?.stringValue ?? "<none>"
        let instanceType =
            workspace.value(at: "resource", "instanceType")?.stringValue ?? ResourceSpec.defaultInstanceType
        var count = ResourceSpec.defaultCount
        if case .integer(let value)? = workspace.value(at: "resource", "count") { count = Int(value) }
        lines.append("Name:        \(name)")
        lines.append("Namespace:   \(namespace)")
        lines.append("Preset:      \(preset)")
        lines.append("Resource:    \(count) x \(instanceType)")
        lines.append("Age:         \(WorkspaceFormat.age(since: workspace.metadata.creationTimestamp, now: now))")
        if workspace.metadata.deletionTimestamp != nil { lines.append("Deleting:    yes") }

        let conditions = workspace.workspaceConditions
        if conditions.isEmpty {
            lines.append("Conditions:  <none>")
        } else {
            lines.append("Conditions:")
            var table = Table(headers: ["TYPE", "STATUS", "REASON", "MESSAGE", "AGE"])
            for condition in conditions {
                table.rows.append([
                    condition.type, condition.status, condition.reason.isEmpty ? "-" : condition.reason,
                    condition.message.isEmpty ? "-" : condition.message,
                    condition.lastTransitionTime.map { WorkspaceFormat.age(now.timeIntervalSince($0)) } ?? "-",
                ])
            }
            lines += indented(table)
        }

        let workers = (workspace.value(at: "status", "workerNodes")?.arrayValue ?? []).compactMap(\.stringValue)
        if workers.isEmpty {
            lines.append("Worker nodes: <none>")
        } else {
            lines.append("Worker nodes:")
            var table = Table(headers: ["NAME", "STATUS", "INSTANCE", "GPUS"])
            for worker in workers {
                let node = nodes.first { $0.name == worker }
                table.rows.append([
                    worker, node.map { $0.isReady ? "Ready" : "NotReady" } ?? "Missing", node?.instanceType ?? "-",
                    node.map { String($0.allocatableGPUs) } ?? "-",
                ])
            }
            lines += indented(table)
        }

        if claims.isEmpty {
            lines.append("Node claims: <none>")
        } else {
            lines.append("Node claims:")
            var table = Table(headers: ["KIND", "NAME", "INSTANCE", "NODE", "STATE", "AGE"])
            for claim in claims.sorted(by: { $0.name < $1.name }) {
                let observed = ObservedNodeClaim(claim)
                let state =
                    observed.isDeleting
                    ? "Deleting"
                    : observed.isReady ? "Ready" : observed.launchFailure.map { "Failed: \($0)" } ?? "Pending"
                table.rows.append([
                    claim.kind, claim.name, observed.instanceTypes.joined(separator: ","), observed.nodeName ?? "-",
                    state,
                    WorkspaceFormat.age(since: claim.metadata.creationTimestamp, now: now),
                ])
            }
            lines += indented(table)
        }

        var workloads: [String] = []
        for (kind, object) in [("Deployment", deployment), ("StatefulSet", statefulSet)] {
            guard let object else { continue }
            let desired = object.value(at: "spec", "replicas")?.integerValue ?? 1
            let ready = object.value(at: "status", "readyReplicas")?.integerValue ?? 0
            workloads.append("\(kind) \(object.name): \(ready)/\(desired) ready")
        }
        if let job {
            let succeeded = job.value(at: "status", "succeeded")?.integerValue ?? 0
            let active = job.value(at: "status", "active")?.integerValue ?? 0
            workloads.append("Job \(job.name): \(active) active, \(succeeded) succeeded")
        }
        lines.append("Workload:    \(workloads.isEmpty ? "<none>" : workloads.joined(separator: "; "))")

        if let service = services.first(where: { $0.name == name }) {
            let port =
                (service.value(at: "spec", "ports")?.arrayValue?.first?["port"]?.integerValue).map(String.init) ?? "80"
            let url = "http://\(name).\(namespace).svc.cluster.local:\(port)"
            let clusterIP = service.value(at: "spec", "clusterIP")?.stringValue
            lines.append("Endpoint:    \(url)\(clusterIP.map { " (ClusterIP \($0))" } ?? "")")
        } else {
            lines.append("Endpoint:    <none>")
        }

        let recent = events.suffix(10)
        if recent.isEmpty {
            lines.append("Events:      <none>")
        } else {
            lines.append("Events:")
            var table = Table(headers: ["AGE", "TYPE", "REASON", "MESSAGE"])
            for event in recent {
                var message = event.message ?? ""
                if event.count > 1 { message += " (x\(event.count))" }
                table.rows.append([
                    WorkspaceFormat.age(now.timeIntervalSince(Self.eventTime(event))), event.type ?? "-",
                    event.reason ?? "-", message,
                ])
            }
            lines += indented(table)
        }

        if !workspace.isWorkspaceSucceeded {
            if let failed = workspace.workspaceFailure {
                lines.append("Failed:      \(failed.conditionType) \(failed.reason): \(failed.message)")
            } else {
                lines.append("Waiting for: \(pendingSummary())")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension JSONValue {
    fileprivate var integerValue: Int? {
        if case .integer(let value) = self { return Int(value) }
        return nil
    }
}

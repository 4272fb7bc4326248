import Foundation
import KaitoCore

/// The columns `kubectl get` shows for the remaining built-in kinds, as the API server's printers
/// (`pkg/printers/internalversion`) define them: names, types and priorities (priority 1 is `-o wide`).
extension Tables {
    static func column(
        _ name: String, type: String = "string", priority: Int64 = 0, format: String = "", _ description: String,
        cell: @escaping @Sendable (JSONValue, Date) -> JSONValue?
    ) -> Column {
        Column(name: name, type: type, format: format, description: description, priority: priority, cell: cell)
    }

    static let createdAtColumn = column(
        "Created At", type: "date",
        "CreationTimestamp is a timestamp representing the server time when this object was "
            + "created.", cell: { object, _ in object["metadata"]?["creationTimestamp"] ?? .null })

    static func builtinColumns(for descriptor: ResourceDescriptor) -> [Column]? {
        switch (descriptor.group, descriptor.plural) {
        case ("", "services"): return serviceColumns
        case ("", "secrets"):
            return [
                nameColumn,
                column("Type", "The type of the secret", cell: { object, _ in object["type"] ?? "" }),
                column(
                    "Data", type: "integer", "The number of entries in the secret",
                    cell: { object, _ in .integer(Int64(object["data"]?.objectValue?.count ?? 0)) }),
                ageColumn,
            ]
        case ("", "serviceaccounts"):
            return [
                nameColumn,
                column(
                    "Secrets", type: "integer", "The number of secrets of the service account",
                    cell: { object, _ in .integer(Int64(object["secrets"]?.arrayValue?.count ?? 0)) }),
                ageColumn,
            ]
        case ("", "endpoints"):
            return [
                nameColumn,
                column("Endpoints", "The endpoints of the service", cell: { object, _ in .string(endpoints(object)) }),
                ageColumn,
            ]
        case ("", "events"), ("events.k8s.io", "events"): return eventColumns
        case ("apps", "statefulsets"):
            return [
                nameColumn,
                column(
                    "Ready", "Number of the pod with ready state",
                    cell: { object, _ in
                        .string(
                            "\(count(object["status"]?["readyReplicas"]))/\(count(object["spec"]?["replicas"], or: 1))")
                    }),
                ageColumn,
            ] + templateColumns(selector: false)
        case ("apps", "replicasets"), ("", "replicationcontrollers"):
            return [
                nameColumn,
                column(
                    "Desired", type: "integer", "Number of desired pods",
                    cell: { object, _ in .integer(count(object["spec"]?["replicas"], or: 1)) }),
                column(
                    "Current", type: "integer", "Number of actual replicas",
                    cell: { object, _ in .integer(count(object["status"]?["replicas"])) }),
                column(
                    "Ready", type: "integer", "Number of ready replicas",
                    cell: { object, _ in .integer(count(object["status"]?["readyReplicas"])) }),
                ageColumn,
            ] + templateColumns(selector: true)
        case ("apps", "daemonsets"):
            let status: (String, String, String) -> Column = { name, field, description in
                column(
                    name, type: "integer", description, cell: { object, _ in .integer(count(object["status"]?[field])) }
                )
            }
            return [
                nameColumn,
                status("Desired", "desiredNumberScheduled", "The desired number of daemon pods."),
                status("Current", "currentNumberScheduled", "The current number of daemon pods."),
                status("Ready", "numberReady", "The number of ready daemon pods."),
                status("Up-to-date", "updatedNumberScheduled", "The number of daemon pods that are up to date."),
                status("Available", "numberAvailable", "The number of available daemon pods."),
                column(
                    "Node Selector", "The node selector of the daemon pods",
                    cell: { object, _ in .string(labels(object["spec"]?["template"]?["spec"]?["nodeSelector"])) }),
                ageColumn,
            ] + templateColumns(selector: true)
        case ("batch", "jobs"):
            return [
                nameColumn,
                column("Status", "Status of the job.", cell: { object, _ in .string(jobStatus(object)) }),
                column(
                    "Completions", "The desired number of successfully finished pods the job should be run with.",
                    cell: { object, _ in
                        .string(
                            "\(count(object["status"]?["succeeded"]))/\(count(object["spec"]?["completions"], or: 1))")
                    }),
                column(
                    "Duration", "Time required to complete the job.",
                    cell: { object, now in .string(jobDuration(object, now: now)) }),
                ageColumn,
            ] + templateColumns(selector: true)
        case ("apps", "controllerrevisions"):
            return [
                nameColumn,
                column(
                    "Controller", "Controller of the object",
                    cell: { object, _ in
                        let owner = (object["metadata"]?["ownerReferences"]?.arrayValue ?? []).first {
                            $0["controller"] == .bool(true)
                        }
                        guard let owner else { return "<none>" }
                        let group = ResourceRegistry.split(apiVersion: owner["apiVersion"]?.stringValue ?? "").group
                        let kind = (owner["kind"]?.stringValue ?? "").lowercased()
                        return .string(
                            "\(group.isEmpty ? kind : "\(kind).\(group)")/\(owner["name"]?.stringValue ?? "")")
                    }),
                column(
                    "Revision", type: "integer", "Revision of the ControllerRevision",
                    cell: { object, _ in .integer(count(object["revision"])) }),
                ageColumn,
            ]
        case ("coordination.k8s.io", "leases"):
            return [
                nameColumn,
                column(
                    "Holder", "The holder of the lease",
                    cell: { object, _ in object["spec"]?["holderIdentity"] ?? "<unknown>" }),
                ageColumn,
            ]
        case ("rbac.authorization.k8s.io", "clusterroles"), ("rbac.authorization.k8s.io", "roles"):
            return [nameColumn, createdAtColumn]
        case ("rbac.authorization.k8s.io", "clusterrolebindings"), ("rbac.authorization.k8s.io", "rolebindings"):
            let subjects: (String, String) -> Column = { name, kind in
                column(
                    name, priority: 1, "\(name) in the role binding",
                    cell: { object, _ in
                        let matching = (object["subjects"]?.arrayValue ?? []).filter { $0["kind"]?.stringValue == kind }
                            .map { subject -> String in
                                let name = subject["name"]?.stringValue ?? ""
                                guard kind == "ServiceAccount" else { return name }
                                return "\(subject["namespace"]?.stringValue ?? "")/\(name)"
                            }
                        return .string(matching.joined(separator: ", "))
                    })
            }
            return [
                nameColumn,
                column(
                    "Role", "Role of the binding",
                    cell: { object, _ in
                        .string(
                            "\(object["roleRef"]?["kind"]?.stringValue ?? "")/\(object["roleRef"]?["name"]?.stringValue ?? "")"
                        )
                    }),
                ageColumn, subjects("Users", "User"), subjects("Groups", "Group"),
                subjects("ServiceAccounts", "ServiceAccount"),
            ]
        case ("scheduling.k8s.io", "priorityclasses"):
            return [
                nameColumn,
                column(
                    "Value", type: "integer", "Value of the priority class", cell: { object, _ in object["value"] ?? 0 }
                ),
                column(
                    "Global-Default", type: "boolean", "Whether this is the global default",
                    cell: { object, _ in object["globalDefault"] ?? false }),
                ageColumn,
                column(
                    "PreemptionPolicy", "Preemption policy of the priority class",
                    cell: { object, _ in object["preemptionPolicy"] ?? "" }),
            ]
        default:
            return nil
        }
    }

    private static let serviceColumns: [Column] = [
        nameColumn,
        column("Type", "The type of the service", cell: { object, _ in object["spec"]?["type"] ?? "" }),
        column(
            "Cluster-IP", "The cluster IP of the service", cell: { object, _ in object["spec"]?["clusterIP"] ?? "" }),
        column(
            "External-IP", "The external IPs of the service",
            cell: { object, _ in
                let ingress = (object["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? [])
                    .compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                let external = (object["spec"]?["externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
                if object["spec"]?["type"]?.stringValue == "LoadBalancer", ingress.isEmpty, external.isEmpty {
                    return "<pending>"
                }
                let all = external + ingress
                return .string(all.isEmpty ? "<none>" : all.joined(separator: ","))
            }),
        column(
            "Port(s)", "The ports of the service",
            cell: { object, _ in
                let ports = (object["spec"]?["ports"]?.arrayValue ?? []).map { port -> String in
                    let number = JSONText.string(from: port["port"] ?? 0)
                    let proto = port["protocol"]?.stringValue ?? "TCP"
                    if let node = port["nodePort"], node != .integer(0) {
                        return "\(number):\(JSONText.string(from: node))/\(proto)"
                    }
                    return "\(number)/\(proto)"
                }
                return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
            }),
        ageColumn,
        column(
            "Selector", priority: 1, "The selector of the service",
            cell: { object, _ in .string(labels(object["spec"]?["selector"], empty: "<none>")) }),
    ]

    private static let eventColumns: [Column] = [
        column(
            "Last Seen", "The last time the event was seen",
            cell: { object, now in
                let stamp =
                    object["lastTimestamp"]?.stringValue ?? object["deprecatedLastTimestamp"]?.stringValue
                    ?? object["eventTime"]?.stringValue ?? object["metadata"]?["creationTimestamp"]?.stringValue
                return .string(age(stamp, now: now))
            }),
        column("Type", "The type of the event", cell: { object, _ in object["type"] ?? "" }),
        column("Reason", "The reason of the event", cell: { object, _ in object["reason"] ?? "" }),
        column(
            "Object", "The object the event is about",
            cell: { object, _ in
                let regarding = object["involvedObject"] ?? object["regarding"]
                let kind = (regarding?["kind"]?.stringValue ?? "").lowercased()
                return .string("\(kind)/\(regarding?["name"]?.stringValue ?? "")")
            }),
        column(
            "Subobject", priority: 1, "The subobject the event is about",
            cell: { object, _ in (object["involvedObject"] ?? object["regarding"])?["fieldPath"] ?? "" }),
        column(
            "Source", priority: 1, "The component that reported the event",
            cell: { object, _ in
                object["source"]?["component"] ?? object["reportingComponent"] ?? object["reportingController"] ?? ""
            }),
        column("Message", "The message of the event", cell: { object, _ in object["message"] ?? object["note"] ?? "" }),
        column(
            "First Seen", priority: 1, "The first time the event was seen",
            cell: { object, now in
                .string(
                    age(
                        object["firstTimestamp"]?.stringValue ?? object["deprecatedFirstTimestamp"]?.stringValue,
                        now: now))
            }),
        column(
            "Count", type: "integer", priority: 1, "The number of times the event was seen",
            cell: { object, _ in .integer(count(object["count"] ?? object["deprecatedCount"], or: 1)) }),
        column(
            "Name", priority: 1, format: "name", "The name of the event",
            cell: { object, _ in object["metadata"]?["name"] ?? "" }),
    ]

    static func templateColumns(selector: Bool) -> [Column] {
        var columns = [
            column(
                "Containers", priority: 1, "Names of each container in the template.",
                cell: { object, _ in
                    .string(containers(object).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
                }),
            column(
                "Images", priority: 1, "Images referenced by each container in the template.",
                cell: { object, _ in
                    .string(containers(object).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
                }),
        ]
        if selector {
            columns.append(
                column(
                    "Selector", priority: 1, "Label selector of the pods.",
                    cell: { object, _ in
                        let selector = object["spec"]?["selector"]
                        if selector?["matchLabels"] == nil, selector?["matchExpressions"] == nil {
                            return .string(labels(selector, empty: "<none>"))
                        }
                        return .string(ScaleSubresource.format(selector: selector))
                    }))
        }
        return columns
    }

    private static func containers(_ object: JSONValue) -> [JSONValue] {
        object["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
    }

    /// A count field of an object, `fallback` when absent (`spec.replicas` defaults to 1).
    static func count(_ value: JSONValue?, or fallback: Int64 = 0) -> Int64 {
        switch value {
        case .integer(let number)?: number
        case .double(let number)?: Int64(number)
        default: fallback
        }
    }

    private static func labels(_ value: JSONValue?, empty: String = "<none>") -> String {
        guard let map = value?.objectValue, !map.isEmpty else { return empty }
        return map.keys.sorted().map { "\($0)=\(map[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    private static func endpoints(_ object: JSONValue) -> String {
        var entries: [String] = []
        for subset in object["subsets"]?.arrayValue ?? [] {
            let addresses = (subset["addresses"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }
            let ports = (subset["ports"]?.arrayValue ?? []).map { JSONText.string(from: $0["port"] ?? 0) }
            for address in addresses {
                if ports.isEmpty { entries.append(address) } else { entries += ports.map { "\(address):\($0)" } }
            }
        }
        if entries.isEmpty { return "<none>" }
        if entries.count > 3 { return entries.prefix(3).joined(separator: ",") + " + \(entries.count - 3) more..." }
        return entries.joined(separator: ",")
    }

    private static func jobStatus(_ job: JSONValue) -> String {
        let conditions = job["status"]?["conditions"]?.arrayValue ?? []
        let isTrue: (String) -> Bool = { type in
            conditions.contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        if isTrue("Complete") { return "Complete" }
        if isTrue("Failed") { return "Failed" }
        if job["metadata"]?["deletionTimestamp"] != nil { return "Terminating" }
        if isTrue("SuccessCriteriaMet") { return "SuccessCriteriaMet" }
        if isTrue("FailureTarget") { return "FailureTarget" }
        if job["spec"]?["suspend"] == .bool(true) { return "Suspended" }
        return "Running"
    }

    private static func jobDuration(_ job: JSONValue, now: Date) -> String {
        guard let start = job["status"]?["startTime"]?.stringValue.flatMap(RFC3339.date(from:)) else { return "" }
        let end = job["status"]?["completionTime"]?.stringValue.flatMap(RFC3339.date(from:)) ?? now
        return humanDuration(end.timeIntervalSince(start))
    }
}

import Foundation
import KaitoCore

/// Server-side printing: the `meta.k8s.io/v1` `Table` that `kubectl get` asks for with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
///
/// Custom resources get a Name column and their CRD's `additionalPrinterColumns` (or Name and Age when it has
/// none), as the apiextensions server prints them. Built-in kinds get the columns of the API server's printers
/// (see `Tables+Builtins.swift`); kinds without one get Name and Created At.
enum Tables {
    /// What the rows carry in `object` (`includeObject`).
    enum IncludeObject: String {
        case none = "None"
        case metadata = "Metadata"
        case object = "Object"
    }

    /// The Table `apiVersion` an `Accept` header asks for (`meta.k8s.io/v1` or `meta.k8s.io/v1beta1`, whichever
    /// range comes first), or `nil` when it asks for no Table.
    static func requestedVersion(accept: String?) -> String? {
        for range in (accept ?? "").split(separator: ",") {
            let parameters = Set(range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            guard parameters.contains("as=Table"), parameters.contains("g=meta.k8s.io") else { continue }
            if parameters.contains("v=v1") { return "meta.k8s.io/v1" }
            if parameters.contains("v=v1beta1") { return "meta.k8s.io/v1beta1" }
        }
        return nil
    }

    /// A Table of `objects`, with list metadata (resourceVersion, continue, remainingItemCount) when given.
    static func table(
        _ objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue = [:], now: Date,
        include: IncludeObject, apiVersion: String = "meta.k8s.io/v1"
    ) -> JSONValue {
        let columns = columns(for: descriptor)
        let rows: [JSONValue] = objects.map { object in
            var row: [String: JSONValue] = [
                "cells": .array(columns.map { $0.cell(object, now) ?? .null })
            ]
            switch include {
            case .none: break
            case .object: row["object"] = object
            case .metadata:
                row["object"] = [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? [:],
                ]
            }
            return .object(row)
        }
        return [
            "kind": "Table", "apiVersion": .string(apiVersion), "metadata": listMetadata,
            "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows),
        ]
    }

    // MARK: - Columns

    struct Column: Sendable {
        var name: String
        var type: String
        var format: String = ""
        var description: String
        var priority: Int64 = 0
        var cell: @Sendable (JSONValue, Date) -> JSONValue?

        var definition: JSONValue {
            [
                "name": .string(name), "type": .string(type), "format": .string(format),
                "description": .string(description), "priority": .integer(priority),
            ]
        }
    }

    static let nameColumn = Column(
        name: "Name", type: "string", format: "name",
        description: "Name must be unique within a namespace. Is required when creating resources, although some "
            + "resources may allow a client to request the generation of an appropriate name automatically. Name "
            + "is primarily intended for creation idempotence and configuration definition. Cannot be updated. "
            + "More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
        cell: { object, _ in object["metadata"]?["name"] ?? "" })

    static let ageColumn = Column(
        name: "Age", type: "string",
        description: "CreationTimestamp is a timestamp representing the server time when this object was created. "
            + "It is not guaranteed to be set in happens-before order across separate operations. Clients may not "
            + "set this value. It is represented in RFC3339 form and is in UTC.",
        cell: { object, now in .string(age(object["metadata"]?["creationTimestamp"]?.stringValue, now: now)) })

    static func columns(for descriptor: ResourceDescriptor) -> [Column] {
        if descriptor.isCustomResource {
            guard !descriptor.printerColumns.isEmpty else { return [nameColumn, ageColumn] }
            return [nameColumn] + descriptor.printerColumns.compactMap(customColumn)
        }
        switch (descriptor.group, descriptor.plural) {
        case ("", "namespaces"):
            return [
                nameColumn,
                Column(
                    name: "Status", type: "string", description: "The status of the namespace",
                    cell: { object, _ in object["status"]?["phase"] ?? "" }),
                ageColumn,
            ]
        case ("", "nodes"): return nodeColumns
        case ("", "pods"): return podColumns
        case ("apps", "deployments"): return deploymentColumns
        case ("", "configmaps"):
            return [
                nameColumn,
                Column(
                    name: "Data", type: "integer", description: "Number of entries in the data map",
                    cell: { object, _ in
                        .integer(
                            Int64(
                                (object["data"]?.objectValue?.count ?? 0)
                                    + (object["binaryData"]?.objectValue?.count ?? 0)))
                    }),
                ageColumn,
            ]
        case ("apiextensions.k8s.io", "customresourcedefinitions"):
            return [
                nameColumn,
                Column(
                    name: "Created At", type: "date", description: "The time the object was created",
                    cell: { object, _ in object["metadata"]?["creationTimestamp"] ?? .null }),
            ]
        default:
            // Kinds the API server has no printer for get its default table convertor's Name and Created At.
            return builtinColumns(for: descriptor) ?? [nameColumn, createdAtColumn]
        }
    }

    /// A column from a CRD's `additionalPrinterColumns` entry, printed as the apiextensions table convertor
    /// prints it: strings through JSONPath's text output, dates as ages, other types as JSON values.
    static func customColumn(_ definition: JSONValue) -> Column? {
        guard let name = definition["name"]?.stringValue, let type = definition["type"]?.stringValue,
            let jsonPath = definition["jsonPath"]?.stringValue, let path = try? JSONPath(jsonPath)
        else { return nil }
        var priority: Int64 = 0
        if case .integer(let value)? = definition["priority"] { priority = value }
        return Column(
            name: name, type: type, format: definition["format"]?.stringValue ?? "",
            description: definition["description"]?.stringValue ?? "Custom resource definition column (in JSONPath "
                + "format): \(jsonPath)",
            priority: priority,
            cell: { object, now in
                guard let value = path.evaluate(object).first, value != .null else { return nil }
                switch type {
                case "string": return .string(JSONPath.text(value))
                case "date":
                    guard let text = value.stringValue else { return nil }
                    return .string(age(text, now: now))
                case "integer":
                    if case .integer = value { return value }
                    if case .double(let number) = value, number == number.rounded() { return .integer(Int64(number)) }
                    return nil
                case "number":
                    switch value {
                    case .integer, .double: return value
                    default: return nil
                    }
                case "boolean":
                    if case .bool = value { return value }
                    return nil
                default:
                    return value
                }
            })
    }

    private static let nodeColumns: [Column] = [
        nameColumn,
        Column(
            name: "Status", type: "string", description: "The status of the node",
            cell: { object, _ in
                let ready = (object["status"]?["conditions"]?.arrayValue ?? []).first {
                    $0["type"]?.stringValue == "Ready"
                }
                var status: String
                switch ready?["status"]?.stringValue {
                case "True"?: status = "Ready"
                case "False"?: status = "NotReady"
                default: status = "Unknown"
                }
                if object["spec"]?["unschedulable"] == .bool(true) { status += ",SchedulingDisabled" }
                return .string(status)
            }),
        Column(
            name: "Roles", type: "string", description: "The roles of the node",
            cell: { object, _ in
                let roles = (object["metadata"]?["labels"]?.objectValue ?? [:]).keys
                    .filter { $0.hasPrefix("node-role.kubernetes.io/") }
                    .map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
                return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
            }),
        ageColumn,
        Column(
            name: "Version", type: "string", description: "Kubelet Version reported by the node.",
            cell: { object, _ in object["status"]?["nodeInfo"]?["kubeletVersion"] ?? "" }),
        Column(
            name: "Internal-IP", type: "string", description: "List of internal IPs (if available).",
            priority: 1, cell: { object, _ in .string(nodeAddress(object, type: "InternalIP")) }),
        Column(
            name: "External-IP", type: "string", description: "List of external IPs (if available).",
            priority: 1, cell: { object, _ in .string(nodeAddress(object, type: "ExternalIP")) }),
        Column(
            name: "OS-Image", type: "string", description: "OS image reported by the node.", priority: 1,
            cell: { object, _ in object["status"]?["nodeInfo"]?["osImage"] ?? "<unknown>" }),
        Column(
            name: "Kernel-Version", type: "string", description: "Kernel version reported by the node.",
            priority: 1, cell: { object, _ in object["status"]?["nodeInfo"]?["kernelVersion"] ?? "<unknown>" }),
        Column(
            name: "Container-Runtime", type: "string", description: "Container runtime reported by the node.",
            priority: 1,
            cell: { object, _ in object["status"]?["nodeInfo"]?["containerRuntimeVersion"] ?? "<unknown>" }),
    ]

    private static func nodeAddress(_ node: JSONValue, type: String) -> String {
        let addresses = (node["status"]?["addresses"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == type }
            .compactMap { $0["address"]?.stringValue }
        return addresses.isEmpty ? "<none>" : addresses.joined(separator: ",")
    }

    private static let podColumns: [Column] = [
        nameColumn,
        Column(
            name: "Ready", type: "string",
            description: "The aggregate readiness state of this pod for accepting "
                + "traffic.",
            cell: { object, _ in
                let total = object["spec"]?["containers"]?.arrayValue?.count ?? 0
                let ready = (object["status"]?["containerStatuses"]?.arrayValue ?? []).filter {
                    $0["ready"] == .bool(true)
                }.count
                return .string("\(ready)/\(total)")
            }),
        Column(
            name: "Status", type: "string", description: "The aggregate status of the containers in this pod.",
            cell: { object, _ in .string(podStatus(object)) }),
        Column(
            name: "Restarts", type: "string",
            description: "The number of times the containers in this pod have "
                + "been restarted and when the last container in this pod has restarted.",
            cell: { object, _ in
                let restarts = (object["status"]?["containerStatuses"]?.arrayValue ?? []).reduce(Int64(0)) {
                    if case .integer(let count)? = $1["restartCount"] { return $0 + count }
                    return $0
                }
                return .string(String(restarts))
            }),
        ageColumn,
        Column(
            name: "IP", type: "string", description: "The IP address assigned to the pod", priority: 1,
            cell: { object, _ in object["status"]?["podIP"] ?? "<none>" }),
        Column(
            name: "Node", type: "string", description: "The node the pod is assigned to", priority: 1,
            cell: { object, _ in object["spec"]?["nodeName"] ?? "<none>" }),
        Column(
            name: "Nominated Node", type: "string", description: "The nominated node of the pod", priority: 1,
            cell: { object, _ in object["status"]?["nominatedNodeName"] ?? "<none>" }),
        Column(
            name: "Readiness Gates", type: "string", description: "The readiness gates of the pod", priority: 1,
            cell: { object, _ in
                let gates = (object["spec"]?["readinessGates"]?.arrayValue ?? []).compactMap {
                    $0["conditionType"]?.stringValue
                }
                guard !gates.isEmpty else { return "<none>" }
                let conditions = object["status"]?["conditions"]?.arrayValue ?? []
                let ready = gates.filter { gate in
                    conditions.contains { $0["type"]?.stringValue == gate && $0["status"]?.stringValue == "True" }
                }
                return .string("\(ready.count)/\(gates.count)")
            }),
    ]

    private static func podStatus(_ pod: JSONValue) -> String {
        if pod["metadata"]?["deletionTimestamp"] != nil { return "Terminating" }
        for status in pod["status"]?["containerStatuses"]?.arrayValue ?? [] {
            if let reason = status["state"]?["waiting"]?["reason"]?.stringValue { return reason }
            if let reason = status["state"]?["terminated"]?["reason"]?.stringValue { return reason }
        }
        return pod["status"]?["reason"]?.stringValue ?? pod["status"]?["phase"]?.stringValue ?? "Unknown"
    }

    private static let deploymentColumns: [Column] =
        [
            nameColumn,
            Column(
                name: "Ready", type: "string", description: "Number of the pod with ready state",
                cell: { object, _ in
                    .string("\(count(object["status"]?["readyReplicas"]))/\(count(object["spec"]?["replicas"]))")
                }),
            Column(
                name: "Up-to-date", type: "integer",
                description: "Total number of non-terminated pods targeted by this "
                    + "deployment that have the desired template spec.",
                cell: { object, _ in .integer(count(object["status"]?["updatedReplicas"])) }),
            Column(
                name: "Available", type: "integer",
                description: "Total number of available pods (ready for at least "
                    + "minReadySeconds) targeted by this deployment.",
                cell: { object, _ in .integer(count(object["status"]?["availableReplicas"])) }),
            ageColumn,
        ] + templateColumns(selector: true)

    // MARK: - Ages

    /// The age of an RFC 3339 timestamp as `kubectl` shows it (`duration.HumanDuration`): `<unknown>` without a
    /// timestamp.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = RFC3339.date(from: timestamp) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(date))
    }

    /// `k8s.io/apimachinery/pkg/util/duration.HumanDuration`.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded(.towardZero))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let rest = seconds % 60
            return rest == 0 ? "\(minutes)m" : "\(minutes)m\(rest)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 {
            let rest = minutes % 60
            return rest == 0 ? "\(hours)h" : "\(hours)h\(rest)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let rest = hours % 24
            return rest == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(rest)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}

import Foundation
import KaitoCore

/// The endpoints controller.
extension FleetSimulator {
    func updateEndpoints() async {
        let services = await list(FleetResources.services)
        let pods = await list(FleetResources.pods).filter { pod in
            !pod.isDeleting && !FleetPods.isTerminal(pod) && pod["status", "podIP"]?.stringValue != nil
        }
        var existing: [String: FleetObject] = [:]
        for endpoints in await list(FleetResources.endpoints) { existing[endpoints.key] = endpoints }
        var managed: Set<String> = []
        for service in services.sorted(by: { $0.key < $1.key }) where !service.isDeleting {
            let selector = FleetJSON.stringMap(service["spec", "selector"])
            guard !selector.isEmpty else { continue }
            managed.insert(service.key)
            let matching = pods.filter { pod in
                pod.namespace == service.namespace && selector.allSatisfy { pod.labels[$0.key] == $0.value }
            }
            let subsets = Self.subsets(for: service, pods: matching)
            var labels = service.labels
            if service["spec", "clusterIP"]?.stringValue == "None" { labels[FleetLabels.headlessService] = "" }
            if let current = existing[service.key] {
                guard current["subsets"] != subsets || current.labels != labels else { continue }
                var updated = current
                updated.set(subsets, at: "subsets")
                updated.set(labels.isEmpty ? nil : FleetJSON.object(labels), at: "metadata", "labels")
                updated.set(.string(pass.timestamp), at: "metadata", "annotations", FleetLabels.endpointsTrigger)
                await update(
                    FleetResources.endpoints, updated, original: current, manager: Self.controllerManager,
                    describe: "updated addresses of")
            } else {
                var metadata: [String: JSONValue] = [
                    "name": .string(service.name), "namespace": .string(service.namespace),
                    "annotations": [FleetLabels.endpointsTrigger: .string(pass.timestamp)],
                ]
                if !labels.isEmpty { metadata["labels"] = FleetJSON.object(labels) }
                var object: [String: JSONValue] = [
                    "apiVersion": "v1", "kind": "Endpoints", "metadata": .object(metadata),
                ]
                object["subsets"] = subsets
                await create(
                    FleetResources.endpoints, namespace: service.namespace, object: .object(object),
                    manager: Self.controllerManager, describe: "Endpoints")
            }
        }
        for endpoints in existing.values.sorted(by: { $0.key < $1.key })
        where !managed.contains(endpoints.key)
            && endpoints["metadata", "annotations", FleetLabels.endpointsTrigger] != nil
        {
            await delete(
                FleetResources.endpoints, endpoints, manager: Self.controllerManager,
                why: "its Service is gone or has no selector")
        }
    }

    /// One subset with the pods' addresses (sorted by address) and the Service's ports, or `nil` when no pod has an
    /// address (the controller then writes no subsets).
    static func subsets(for service: FleetObject, pods: [FleetObject]) -> JSONValue? {
        guard !pods.isEmpty else { return nil }
        let publishNotReady = service["spec", "publishNotReadyAddresses"] == .bool(true)
        func address(_ pod: FleetObject) -> JSONValue {
            var entry: [String: JSONValue] = [
                "ip": .string(pod["status", "podIP"]?.stringValue ?? ""),
                "targetRef": [
                    "kind": "Pod", "namespace": .string(pod.namespace), "name": .string(pod.name),
                    "uid": .string(pod.uid),
                ],
            ]
            if let node = pod["spec", "nodeName"]?.stringValue { entry["nodeName"] = .string(node) }
            if let hostname = pod["spec", "hostname"]?.stringValue,
                pod["spec", "subdomain"]?.stringValue == service.name
            {
                entry["hostname"] = .string(hostname)
            }
            return .object(entry)
        }
        let sorted = pods.sorted { lhs, rhs in
            ipOrder(lhs["status", "podIP"]?.stringValue).lexicographicallyPrecedes(
                ipOrder(rhs["status", "podIP"]?.stringValue))
        }
        let ready = sorted.filter { publishNotReady || FleetPods.isReady($0) }
        let notReady = sorted.filter { !(publishNotReady || FleetPods.isReady($0)) }
        var subset: [String: JSONValue] = [:]
        if !ready.isEmpty { subset["addresses"] = .array(ready.map(address)) }
        if !notReady.isEmpty { subset["notReadyAddresses"] = .array(notReady.map(address)) }
        let ports = (service["spec", "ports"]?.arrayValue ?? []).compactMap { port in
            endpointPort(port, pods: sorted)
        }
        if !ports.isEmpty { subset["ports"] = .array(ports) }
        return [.object(subset)]
    }

    /// A Service port as an endpoint port: the target port, a named one resolved against the pods' container ports.
    private static func endpointPort(_ port: JSONValue, pods: [FleetObject]) -> JSONValue? {
        let number: Int64?
        switch port["targetPort"] {
        case .string(let name)?:
            if let value = Int64(name) {
                number = value
            } else {
                number =
                    pods.lazy.compactMap { pod in
                        (pod["spec", "containers"]?.arrayValue ?? []).lazy.flatMap { $0["ports"]?.arrayValue ?? [] }
                            .first { $0["name"]?.stringValue == name }
                            .flatMap { FleetJSON.integer($0["containerPort"]) }
                    }.first
            }
        case let value?:
            number = FleetJSON.integer(value)
        case nil:
            number = FleetJSON.integer(port["port"])
        }
        guard let number else { return nil }
        var entry: [String: JSONValue] = [
            "port": .integer(number), "protocol": port["protocol"] ?? "TCP",
        ]
        if let name = port["name"]?.stringValue { entry["name"] = .string(name) }
        if let appProtocol = port["appProtocol"] { entry["appProtocol"] = appProtocol }
        return .object(entry)
    }

    /// The numeric parts of a dotted address, for sorting.
    private static func ipOrder(_ address: String?) -> [Int] {
        (address ?? "").split(separator: ".").map { Int($0) ?? 0 }
    }
}

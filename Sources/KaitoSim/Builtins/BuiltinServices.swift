import KaitoCore

/// Cluster IPs and node ports in use, for allocation and for the `provided … is already allocated` errors.
struct ServiceAllocations {
    var clusterIPs: Set<String> = []
    var nodePorts: Set<Int64> = []
}

/// The service IP range and node-port range of the emulated cluster (`--service-cluster-ip-range=10.96.0.0/12`,
/// `--service-node-port-range=30000-32767`): the first address, 10.96.0.1, is the `kubernetes` Service's.
enum ServiceNetwork {
    static let base: UInt32 = 10 << 24 | 96 << 16
    static let size: UInt32 = 1 << 20
    static let nodePorts: ClosedRange<Int64> = 30000...32767

    static func address(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isNumber), let byte = UInt32(part), byte < 256
            else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    static func contains(_ text: String) -> Bool {
        guard let value = parse(text) else { return false }
        return value > base && value < base + size - 1
    }

    /// A stable hash of `seed` (FNV-1a), so allocations do not draw from the store's random source.
    static func hash(_ seed: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension ObjectStore {
    static let services = GroupResource(group: "", resource: "services")

    /// The cluster IPs and node ports of every stored Service except the one with `uid`.
    func serviceAllocations(excluding uid: String) -> ServiceAllocations {
        var allocations = ServiceAllocations()
        for key in allKeys(of: Self.services) {
            guard let object = stored(key)?.object, ObjectAccessor(object).uid != uid else { continue }
            let spec = JSONValue.object(object)["spec"]
            for ip in spec?["clusterIPs"]?.arrayValue ?? [] {
                if let text = ip.stringValue { allocations.clusterIPs.insert(text) }
            }
            if let ip = spec?["clusterIP"]?.stringValue { allocations.clusterIPs.insert(ip) }
            for port in spec?["ports"]?.arrayValue ?? [] {
                if let nodePort = port["nodePort"]?.integerValue { allocations.nodePorts.insert(nodePort) }
            }
            if let port = spec?["healthCheckNodePort"]?.integerValue { allocations.nodePorts.insert(port) }
        }
        return allocations
    }

    /// The Service REST storage's allocation: cluster IP and IP families, node ports; on updates the allocated
    /// values a request leaves out are kept (`patchAllocatedValues`).
    func allocateService(_ service: inout JSONValue, old: JSONValue?) throws {
        var spec = service["spec"] ?? [:]
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        let oldSpec = old?["spec"]
        if let oldSpec, oldSpec["type"]?.stringValue == type || type != "ExternalName" {
            if (spec["clusterIP"]?.stringValue ?? "").isEmpty, let ip = oldSpec["clusterIP"], type != "ExternalName" {
                spec.setValue(ip, at: ["clusterIP"])
            }
            if spec["clusterIPs"] == nil, let ips = oldSpec["clusterIPs"], type != "ExternalName" {
                spec.setValue(ips, at: ["clusterIPs"])
            }
            for field in ["ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"] where spec[field] == nil {
                spec.setValue(oldSpec[field], at: [field])
            }
            if type == "NodePort" || type == "LoadBalancer" {
                let oldPorts = oldSpec["ports"]?.arrayValue ?? []
                BuiltinDefaults.mapArray(&spec, at: ["ports"]) { port in
                    guard (port["nodePort"]?.integerValue ?? 0) == 0 else { return }
                    let match = oldPorts.first {
                        $0["port"]?.integerValue == port["port"]?.integerValue
                            && ($0["protocol"]?.stringValue ?? "TCP") == (port["protocol"]?.stringValue ?? "TCP")
                    }
                    if let nodePort = match?["nodePort"] { port.setValue(nodePort, at: ["nodePort"]) }
                }
            }
        }
        var allocations = serviceAllocations(excluding: service["metadata"]?["uid"]?.stringValue ?? "")
        let seed = service["metadata"]?["uid"]?.stringValue ?? ""
        if type == "ExternalName" {
            if old == nil {
                spec.setValue(nil, at: ["clusterIP"])
                spec.setValue(nil, at: ["clusterIPs"])
            }
        } else {
            let clusterIP = spec["clusterIP"]?.stringValue ?? ""
            if clusterIP.isEmpty {
                var offset = UInt32(ServiceNetwork.hash(seed) % UInt64(ServiceNetwork.size - 3)) + 2
                var candidate = ServiceNetwork.address(ServiceNetwork.base + offset)
                while allocations.clusterIPs.contains(candidate) {
                    offset = offset % (ServiceNetwork.size - 3) + 2
                    candidate = ServiceNetwork.address(ServiceNetwork.base + offset)
                }
                spec.setValue(.string(candidate), at: ["clusterIP"])
                allocations.clusterIPs.insert(candidate)
            }
            if spec["clusterIPs"] == nil || spec["clusterIPs"] == .array([]), let ip = spec["clusterIP"] {
                spec.setValue([ip], at: ["clusterIPs"])
            }
            let headless = spec["clusterIP"] == "None"
            let selectorless = (spec["selector"]?.objectValue ?? [:]).isEmpty
            if spec["ipFamilyPolicy"] == nil {
                spec.setValue(headless && selectorless ? "RequireDualStack" : "SingleStack", at: ["ipFamilyPolicy"])
            }
            if spec["ipFamilies"] == nil || spec["ipFamilies"] == .array([]) {
                spec.setValue(["IPv4"], at: ["ipFamilies"])
            }
        }
        if type == "NodePort" || (type == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"] != .bool(false)) {
            var counter = ServiceNetwork.hash(seed + "/ports")
            BuiltinDefaults.mapArray(&spec, at: ["ports"]) { port in
                guard (port["nodePort"]?.integerValue ?? 0) == 0 else { return }
                let width = UInt64(ServiceNetwork.nodePorts.count)
                var candidate = ServiceNetwork.nodePorts.lowerBound + Int64(counter % width)
                while allocations.nodePorts.contains(candidate) {
                    candidate =
                        candidate == ServiceNetwork.nodePorts.upperBound
                        ? ServiceNetwork.nodePorts.lowerBound : candidate + 1
                }
                counter = counter &* 31 &+ 7
                allocations.nodePorts.insert(candidate)
                port.setValue(.integer(candidate), at: ["nodePort"])
            }
        }
        service.setValue(spec, at: ["spec"])
    }
}

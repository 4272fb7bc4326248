import KaitoCore

/// The Node object a simulated kubelet registers, shared by the fleet's provisioner and node seeding.
enum SimulatedNodeManifest {
    /// A Ready `v1` Node.
    ///
    /// - Parameters:
    ///   - host: the host number N of its internal address `10.224.0.N` and pod range `10.244.N.0/24`.
    ///   - identity: seeds the machine, system and boot IDs; `nil` leaves them empty.
    static func make(
        name: String, labels: JSONValue, resources: JSONValue, providerID: String, host: Int, now: String,
        osImage: String, taints: JSONValue? = nil, ownerReferences: JSONValue? = nil, identity: String? = nil
    ) -> JSONValue {
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            [
                "type": .string(type), "status": .string(status), "reason": .string(reason),
                "message": .string(message), "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(now),
            ]
        }
        func id(_ kind: String) -> JSONValue {
            .string(identity.map { FleetHashing.hex("\(kind)/" + $0, count: 16) } ?? "")
        }
        var metadata: [String: JSONValue] = ["name": .string(name), "labels": labels]
        metadata["ownerReferences"] = ownerReferences
        var spec: [String: JSONValue] = [
            "providerID": .string(providerID), "podCIDR": .string("10.244.\(host).0/24"),
            "podCIDRs": [.string("10.244.\(host).0/24")],
        ]
        spec["taints"] = taints
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": .object(metadata),
            "spec": .object(spec),
            "status": [
                "capacity": resources, "allocatable": resources,
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition(
                        "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status (simulated)"),
                ],
                "addresses": [
                    ["type": "InternalIP", "address": .string("10.224.0.\(host)")],
                    ["type": "Hostname", "address": .string(name)],
                ],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
                "nodeInfo": [
                    "kubeletVersion": .string(KaitoSim.emulatedKubernetesVersion),
                    "kubeProxyVersion": .string(KaitoSim.emulatedKubernetesVersion), "osImage": .string(osImage),
                    "kernelVersion": "simulated", "containerRuntimeVersion": "containerd://simulated",
                    "operatingSystem": "linux", "architecture": "amd64", "machineID": id("machine"),
                    "systemUUID": id("system"), "bootID": id("boot"),
                ],
            ],
        ]
    }
}

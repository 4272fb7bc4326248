/// The shell command a preset container runs (spec 3.5), with flags in sorted order (Kaito's order was random).
public enum PresetCommand {
    /// The torchrun/accelerate port of distributed presets.
    static let masterPort = "29500"

    /// `<base><launcher flags><rendezvous flags> <entry file><model flags>` for inference.
    ///
    /// Distributed presets (a StatefulSet) get `nnodes = count` and `nproc_per_node = worldSize / count`; with more
    /// than one node, each pod takes its rank from its ordinal and reaches pod 0 through the workspace Service.
    /// Unlike Kaito v0.3.1, which rewrote shared maps in place, every workload gets its own parameters, and the
    /// master address is the Service's DNS name rather than its ClusterIP (the same address, known before the
    /// Service exists).
    public static func inference(_ model: PresetModel, workspaceName: String, namespace: String, count: Int) -> String {
        var launcher = model.inference.launcherParameters
        var rendezvous = model.inference.rendezvousParameters
        if model.supportsDistributedInference {
            let nodes = max(count, 1)
            launcher["nnodes"] = String(nodes)
            launcher["nproc_per_node"] = String(model.worldSize / nodes)
            if nodes > 1 {
                launcher["node_rank"] = "$(echo $HOSTNAME | grep -o '[^-]*$')"
                launcher["master_addr"] = "\(workspaceName).\(namespace).svc.cluster.local"
                launcher["master_port"] = masterPort
            }
            rendezvous["max_restarts"] = "3"
            rendezvous["rdzv_id"] = "job"
            rendezvous["rdzv_backend"] = "c10d"
            rendezvous["rdzv_endpoint"] =
                "\(workspaceName)-0.\(workspaceName)-headless.\(namespace).svc.cluster.local:\(masterPort)"
        }
        return model.inference.baseCommand + flags(launcher) + flags(rendezvous) + " " + model.inference.entryFile
            + flags(model.inference.modelRunParameters)
    }

    /// ` --key=value` per entry, sorted by key; an empty value gives a bare ` --key`.
    static func flags(_ parameters: [String: String]) -> String {
        parameters.keys.sorted().map { key in
            let value = parameters[key] ?? ""
            return value.isEmpty ? " --\(key)" : " --\(key)=\(value)"
        }.joined()
    }
}

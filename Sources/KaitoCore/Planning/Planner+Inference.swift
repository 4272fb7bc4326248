import Foundation

extension PlanContext {
    /// Spec 5.9: Services, the workload, and its readiness.
    mutating func planInference(_ inference: InferenceSpec, nodes: [ObservedNode]) {
        let desired: KubernetesObject
        let timeout: Duration
        if let preset = inference.preset, let model = configuration.presets.model(named: preset.name) {
            planServices(distributed: model.supportsDistributedInference)
            desired = presetWorkload(model, preset: preset, adapters: inference.adapters ?? [], nodes: nodes)
            timeout = .seconds(model.inference.readinessTimeoutSeconds)
        } else if let template = inference.template {
            desired = templateWorkload(template)
            timeout = Planner.templateReadinessTimeout
        } else {
            return
        }
        let existing = desired.kind == "StatefulSet" ? observed.statefulSet : observed.deployment
        guard let existing else {
            actions.append(.create(desired))
            waitingFor.append("\(desired.kind) \(name) to be created and become ready")
            requeue(after: timeout)
            return
        }
        let revisionKey = WorkspaceRevision.revisionAnnotation
        if desired.kind == "Deployment",
            existing.metadata.annotations?[revisionKey] != desired.metadata.annotations?[revisionKey]
        {
            var update = desired
            update.metadata.resourceVersion = existing.metadata.resourceVersion
            actions.append(.update(update))
            waitingFor.append("Deployment \(name) to roll out revision \(revision)")
            requeue(after: timeout)
            return
        }
        planReadiness(of: existing, timeout: timeout)
    }

    /// Spec 5.9.8, without blocking: ready, failed, or still waiting with the deadline as requeue.
    private mutating func planReadiness(of workload: KubernetesObject, timeout: Duration) {
        let wanted = workload.value(at: "spec", "replicas").flatMap(Self.integer) ?? 1
        let ready = workload.value(at: "status", "readyReplicas").flatMap(Self.integer) ?? 0
        var failure: String?
        if workload.kind == "Deployment", let progressing = workload.statusConditions["Progressing"],
            progressing.isFalse
        {
            failure = "deployment \(name) is not progressing: \(progressing.message ?? "")"
        } else if ready < wanted {
            // Before the first success the preset's readiness timeout applies; afterwards (a restart, a lost
            // node) the Deployment's own progress deadline reports a stall.
            let servedBefore = conditions[type: WorkspaceConditions.inferenceReady]?.status == .true
            if !servedBefore, let age = age(of: workload.metadata.creationTimestamp) {
                if age >= timeout {
                    failure =
                        "context deadline exceeded: \(workload.kind) \(name) has \(ready) of \(wanted) replicas ready "
                        + "after \(Self.format(timeout))"
                } else {
                    requeue(after: timeout - age)
                }
            }
            waitingFor.append("\(workload.kind) \(name): \(ready) of \(wanted) replicas ready")
        }
        if let failure {
            fail(failure, types: [(WorkspaceConditions.inferenceReady, WorkspaceConditions.Reason.inferenceFailed)])
            requeue(after: .seconds(60))
            return
        }
        guard ready >= wanted else { return }
        setCondition(
            WorkspaceConditions.inferenceReady, .true, WorkspaceConditions.Reason.inferenceSucceeded,
            "Inference has been deployed successfully")
        setCondition(
            WorkspaceConditions.workspaceSucceeded, .true, WorkspaceConditions.Reason.workspaceSucceeded,
            "workspace succeeds")
    }

    private static func integer(_ value: JSONValue) -> Int? {
        if case .integer(let number) = value { return Int(number) }
        return nil
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }

    // MARK: Services (spec 5.9.2)

    private mutating func planServices(distributed: Bool) {
        if observed.service(named: name) == nil {
            let lb = workspace.metadata.annotations?["kaito.sh/enablelb"] == "True"
            var selector: [String: JSONValue] = [WorkspaceLabels.workspace: .string(name)]
            if distributed {
                selector["statefulset.kubernetes.io/pod-name"] = .string("\(name)-0")
            }
            actions.append(
                .create(
                    service(
                        named: name,
                        spec: [
                            "type": lb ? "LoadBalancer" : "ClusterIP",
                            "ports": [
                                ["name": "http", "protocol": "TCP", "port": 80, "targetPort": 5000],
                                ["name": "torch", "protocol": "TCP", "port": 29500, "targetPort": 29500],
                            ],
                            "selector": .object(selector),
                            "publishNotReadyAddresses": true,
                        ])))
        }
        if distributed, observed.service(named: "\(name)-headless") == nil {
            actions.append(
                .create(
                    service(
                        named: "\(name)-headless",
                        spec: [
                            "clusterIP": "None",
                            "ports": [["name": "torchrun", "protocol": "TCP", "port": 29500, "targetPort": 29500]],
                            "selector": [WorkspaceLabels.workspace: .string(name)],
                            "publishNotReadyAddresses": true,
                        ])))
        }
    }

    private func service(named serviceName: String, spec: JSONValue) -> KubernetesObject {
        KubernetesObject(
            apiVersion: "v1", kind: "Service",
            metadata: ObjectMeta(name: serviceName, namespace: namespace, ownerReferences: [ownerReference()]),
            content: ["spec": spec])
    }

    // MARK: Workloads (spec 5.9.3–5.9.7)

    /// `nvidia.com/gpu` per pod (spec 5.9.4): the SKU's GPU count from the cloud table, else the GPU capacity of the
    /// selected nodes, else the preset's requirement.
    func gpusPerPod(requirement: Int, nodes: [ObservedNode]) -> Int {
        if let sku = configuration.gpus.gpuRequestSKU(named: instanceType, cloud: configuration.cloud) {
            return sku.gpuCount
        }
        if let capacity = nodes.sorted(by: { $0.name < $1.name }).compactMap(\.gpuCapacity).first(where: { $0 > 0 }) {
            return capacity
        }
        return requirement
    }

    private var selectorLabels: JSONValue { [WorkspaceLabels.workspace: .string(name)] }

    /// One required node-selector term from the workspace's label selector (labels sorted by key).
    private var nodeAffinity: JSONValue {
        let selector = workspace.resource?.labelSelector ?? LabelSelector()
        var expressions: [JSONValue] = (selector.matchLabels ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            ["key": .string(key), "operator": "In", "values": [.string(value)]]
        }
        for requirement in selector.matchExpressions ?? [] {
            var expression: [String: JSONValue] = [
                "key": .string(requirement.key), "operator": .string(requirement.operator.rawValue),
            ]
            if let values = requirement.values, !values.isEmpty {
                expression["values"] = .array(values.map(JSONValue.string))
            }
            expressions.append(.object(expression))
        }
        return [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    "nodeSelectorTerms": [["matchExpressions": .array(expressions)]]
                ]
            ]
        ]
    }

    private static let inferenceTolerations: [JSONValue] = [
        ["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"],
        ["key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"],
    ]

    private func presetWorkload(
        _ model: PresetModel, preset: PresetSpec, adapters: [AdapterSpec], nodes: [ObservedNode]
    ) -> KubernetesObject {
        let distributed = model.supportsDistributedInference
        let gpus = gpusPerPod(requirement: model.gpuCountRequirement, nodes: nodes)

        var volumes: [JSONValue] = []
        var mounts: [JSONValue] = []
        if count > 1 {
            volumes.append(["name": "dshm", "emptyDir": ["medium": "Memory"]])
            mounts.append(["name": "dshm", "mountPath": "/dev/shm"])
        }
        if !adapters.isEmpty {
            volumes.append(["name": "adapter-volume", "emptyDir": [:]])
            mounts.append(["name": "adapter-volume", "mountPath": "/mnt/adapter"])
        }

        let isPrivate = (preset.accessMode ?? PresetSpec.defaultAccessMode) == PresetAccessMode.private.rawValue
        let image =
            isPrivate
            ? preset.presetOptions?.image ?? ""
            : model.imageReference(registry: configuration.presetRegistry) ?? ""
        var pullSecrets = isPrivate ? preset.presetOptions?.imagePullSecrets ?? [] : []
        var container: [String: JSONValue] = [
            "name": .string(name),
            "image": .string(image),
            "command": ["/bin/sh", "-c", .string(PresetCommand.inference(model, workspaceName: name, namespace: namespace, count: count))],
            "ports": [["containerPort": 5000]],
            "resources": [
                "requests": ["nvidia.com/gpu": .string(String(gpus))],
                "limits": ["nvidia.com/gpu": .string(String(gpus))],
            ],
            "livenessProbe": [
                "httpGet": ["path": "/healthz", "port": 5000], "initialDelaySeconds": 600, "periodSeconds": 10,
            ],
            "readinessProbe": [
                "httpGet": ["path": "/healthz", "port": 5000], "initialDelaySeconds": 30, "periodSeconds": 10,
            ],
        ]
        if !mounts.isEmpty { container["volumeMounts"] = .array(mounts) }

        var podSpec: [String: JSONValue] = [
            "affinity": nodeAffinity,
            "tolerations": .array(Self.inferenceTolerations),
        ]
        if !distributed && !adapters.isEmpty {
            var initContainers: [JSONValue] = []
            var environment: [JSONValue] = []
            for adapter in adapters {
                let adapterName = adapter.source?.name ?? ""
                initContainers.append([
                    "name": .string(adapterName),
                    "image": .string(adapter.source?.image ?? ""),
                    "imagePullPolicy": "Always",
                    "command": [
                        "/bin/sh", "-c",
                        .string("mkdir -p /mnt/adapter/\(adapterName) && cp -r /data/* /mnt/adapter/\(adapterName)"),
                    ],
                    "volumeMounts": .array(mounts),
                ])
                environment.append(["name": .string(adapterName), "value": .string(adapter.strength ?? "1.0")])
                // Kaito v0.3.2 fixed v0.3.1 ignoring the adapters' pull secrets.
                for secret in adapter.source?.imagePullSecrets ?? [] where !pullSecrets.contains(secret) {
                    pullSecrets.append(secret)
                }
            }
            podSpec["initContainers"] = .array(initContainers)
            container["env"] = .array(environment)
        }
        podSpec["containers"] = [.object(container)]
        if !pullSecrets.isEmpty {
            podSpec["imagePullSecrets"] = .array(pullSecrets.map { ["name": .string($0)] })
        }
        if !volumes.isEmpty { podSpec["volumes"] = .array(volumes) }

        let template: JSONValue = ["metadata": ["labels": selectorLabels], "spec": .object(podSpec)]
        if distributed {
            return KubernetesObject(
                apiVersion: "apps/v1", kind: "StatefulSet",
                metadata: ObjectMeta(name: name, namespace: namespace, ownerReferences: [ownerReference()]),
                content: [
                    "spec": [
                        "replicas": .integer(Int64(count)),
                        "podManagementPolicy": "Parallel",
                        "serviceName": .string("\(name)-headless"),
                        "selector": ["matchLabels": selectorLabels],
                        "template": template,
                    ]
                ])
        }
        return deployment(
            template: template,
            strategy: ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 1]])
    }

    /// The workspace's Deployment, annotated with the current revision; `strategy` nil keeps Kubernetes' default.
    private func deployment(template: JSONValue, strategy: JSONValue? = nil) -> KubernetesObject {
        var spec: [String: JSONValue] = [
            "replicas": .integer(Int64(count)),
            "selector": ["matchLabels": selectorLabels],
            "template": template,
        ]
        spec["strategy"] = strategy
        return KubernetesObject(
            apiVersion: "apps/v1", kind: "Deployment",
            metadata: ObjectMeta(
                name: name, namespace: namespace,
                annotations: [WorkspaceRevision.revisionAnnotation: String(revision)],
                ownerReferences: [ownerReference()]),
            content: ["spec": .object(spec)])
    }

    /// Spec 5.9.7: the user's pod template, labelled, pinned to the GPU nodes and tolerating their taints.
    private func templateWorkload(_ template: JSONValue) -> KubernetesObject {
        var pod = template.objectValue ?? [:]
        var metadata = pod["metadata"]?.objectValue ?? [:]
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels[WorkspaceLabels.workspace] = .string(name)
        metadata["labels"] = .object(labels)
        pod["metadata"] = .object(metadata)
        var spec = pod["spec"]?.objectValue ?? [:]
        spec["affinity"] = nodeAffinity
        spec["tolerations"] = .array((spec["tolerations"]?.arrayValue ?? []) + Self.inferenceTolerations)
        pod["spec"] = .object(spec)
        return deployment(template: .object(pod))
    }
}

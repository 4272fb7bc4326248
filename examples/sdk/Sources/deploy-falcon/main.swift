import KaitoCore
import KaitoK8s

// The cluster of the current kubeconfig context (KUBECONFIG, then ~/.kube/config), as kubectl picks it.
let workspaces = WorkspaceClient(client: try KubernetesClient(connection: KubeconfigLoader().load()))
let falcon = Workspace(
    metadata: ObjectMeta(name: "workspace-falcon-7b"),
    resource: ResourceSpec(
        instanceType: "Standard_NC12s_v3", labelSelector: LabelSelector(matchLabels: ["apps": "falcon-7b"])),
    inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")))
let (name, namespace) = ("workspace-falcon-7b", try workspaces.targetNamespace(of: falcon))

try await workspaces.create(falcon)  // Checked with the controller's admission rules first.
try await workspaces.waitUntilSucceeded(name, namespace: namespace, timeout: .seconds(1800)) { print($0) }
let reply = try await workspaces.chat(name, namespace: namespace, prompt: "What is Kubernetes?")
print("falcon-7b says: \(reply.text)")
try await workspaces.delete(name, namespace: namespace)
try await workspaces.waitUntilDeleted(name, namespace: namespace, timeout: .seconds(600))
print("deleted \(name)")

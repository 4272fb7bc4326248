import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s

private typealias DeleteOptions = KaitoK8s.DeleteOptions

private let configMapsGVR = GroupVersionResource(group: "", version: "v1", resource: "configmaps")

@Suite("ResourceClient verbs against KaitoSim")
struct ResourceClientTests {
    // MARK: - Typed custom resource: Workspace

    @Test("Workspace: create, get, list, replace, stale replace conflicts, AlreadyExists, delete")
    func workspaceLifecycle() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let workspaces = client.resource(Workspace.self)

            let created = try await workspaces.create(makeWorkspace("falcon", labels: ["team": "ml"]))
            #expect(created.metadata.name == "falcon")
            #expect(created.metadata.namespace == "default")
            #expect(created.metadata.uid?.isEmpty == false)
            let version = try #require(created.metadata.resourceVersion)
            #expect(created.inference?.preset?.name == "falcon-7b")

            let again = await #expect(throws: KubernetesError.self) {
                _ = try await workspaces.create(makeWorkspace("falcon"))
            }
            #expect(again?.isAlreadyExists == true)
            #expect(again?.isConflict == false)
            #expect(again?.message.contains("already exists") == true)

            let fetched = try await workspaces.get("falcon")
            #expect(fetched.metadata.uid == created.metadata.uid)
            #expect(fetched.resource?.instanceType == "Standard_NC12s_v3")
            #expect(try await workspaces.exists("falcon"))
            #expect(try await !workspaces.exists("nothing"))

            let listed = try await workspaces.list(namespace: "default")
            #expect(listed.items.map(\.metadata.name) == ["falcon"])
            #expect(!listed.resourceVersion.isEmpty)
            #expect(listed.continueToken == nil)

            var changed = fetched
            changed.resource?.instanceType = "Standard_NC24ads_A100_v4"
            let replaced = try await workspaces.replace(changed)
            #expect(replaced.resource?.instanceType == "Standard_NC24ads_A100_v4")
            #expect(replaced.metadata.resourceVersion != version)

            // `changed` still carries the old resourceVersion: the server refuses to overwrite the newer object.
            changed.resource?.count = 2
            let stale = await #expect(throws: KubernetesError.self) { _ = try await workspaces.replace(changed) }
            #expect(stale?.isConflict == true)
            #expect(stale?.status?.reason == "Conflict")
            #expect(try await workspaces.get("falcon").resource?.count == 1)

            #expect(try await workspaces.delete("falcon") == nil)
            let gone = await #expect(throws: KubernetesError.self) { _ = try await workspaces.get("falcon") }
            #expect(gone?.isNotFound == true)
            let twice = await #expect(throws: KubernetesError.self) { try await workspaces.delete("falcon") }
            #expect(twice?.isNotFound == true)
        }
    }

    @Test("Workspace: merge and JSON patches apply; a strategic merge patch is refused before anything is sent")
    func workspacePatches() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options())
            let workspaces = client.resource(Workspace.self)
            _ = try await workspaces.create(makeWorkspace("falcon"))

            let merged = try await workspaces.patch(
                "falcon", .merge(["resource": ["count": 3], "metadata": ["labels": ["tier": "gold"]]]))
            #expect(merged.resource?.count == 3)
            #expect(merged.resource?.instanceType == "Standard_NC12s_v3")
            #expect(merged.metadata.labels?["tier"] == "gold")

            let patched = try await workspaces.patch(
                "falcon",
                .json([
                    .test("/resource/count", value: 3),
                    .replace("/resource/count", value: 4),
                    .add("/metadata/labels/\(JSONPatchOperation.escapePointer("kaito.sh/owner"))", value: "me"),
                    .remove("/metadata/labels/tier"),
                ]))
            #expect(patched.resource?.count == 4)
            #expect(patched.metadata.labels == ["kaito.sh/owner": "me"])

            let failedTest = await #expect(throws: KubernetesError.self) {
                _ = try await workspaces.patch("falcon", .json([.test("/resource/count", value: 99)]))
            }
            #expect(failedTest?.kind == .status)
            #expect(try await workspaces.get("falcon").resource?.count == 4)

            let before = recorder.requests.count
            let refused = await #expect(throws: KubernetesError.self) {
                _ = try await workspaces.patch("falcon", .strategicMerge(["resource": ["count": 1]]))
            }
            #expect(refused?.kind == .invalidRequest)
            #expect(refused?.message.contains("workspaces.kaito.sh is a custom resource") == true)
            #expect(recorder.requests.count == before)

            let patches = recorder.requests.filter { $0.method == .patch }
            #expect(
                patches.map { $0.headerFields[.contentType] } == [
                    "application/merge-patch+json", "application/json-patch+json", "application/json-patch+json",
                ])
        }
    }

    @Test("Workspace status: a status write leaves the spec alone and a main write leaves the status alone")
    func workspaceStatusSubresource() async throws {
        try await SimCluster.run { cluster in
            let workspaces = try cluster.client().resource(Workspace.self)
            let created = try await workspaces.create(makeWorkspace("falcon"))

            var statusWrite = created
            statusWrite.status = WorkspaceStatus(workerNodes: ["node-a"])
            statusWrite.resource?.count = 5
            let afterStatus = try await workspaces.replaceStatus(statusWrite)
            #expect(afterStatus.status?.workerNodes == ["node-a"])
            #expect(afterStatus.resource?.count == 1)

            var mainWrite = afterStatus
            mainWrite.status = WorkspaceStatus(workerNodes: ["node-z"])
            mainWrite.resource?.count = 2
            let afterMain = try await workspaces.replace(mainWrite)
            #expect(afterMain.resource?.count == 2)
            #expect(afterMain.status?.workerNodes == ["node-a"])

            let patched = try await workspaces.patchStatus(
                "falcon", .merge(["status": ["workerNodes": ["node-b"]], "resource": ["count": 9]]))
            #expect(patched.status?.workerNodes == ["node-b"])
            #expect(patched.resource?.count == 2)

            let read = try await workspaces.getStatus("falcon")
            #expect(read.status?.workerNodes == ["node-b"])
            #expect(read.resource?.count == 2)
        }
    }

    // MARK: - Built-in kinds

    @Test("ConfigMap: label and field selectors, one namespace or all")
    func selectors() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let configMaps = client.resource(ConfigMap.self)
            _ = try await configMaps.create(makeConfigMap("a1", labels: ["app": "a", "tier": "web"]))
            _ = try await configMaps.create(makeConfigMap("a2", labels: ["app": "a", "tier": "db"]))
            _ = try await configMaps.create(makeConfigMap("b1", labels: ["app": "b"]))
            _ = try await configMaps.create(makeConfigMap("a3", namespace: "kube-public", labels: ["app": "a"]))

            let appA = try await configMaps.list(namespace: "default", labelSelector: "app=a")
            #expect(appA.items.map(\.name).sorted() == ["a1", "a2"])
            let notWeb = try await configMaps.list(namespace: "default", labelSelector: "app=a,tier!=web")
            #expect(notWeb.items.map(\.name) == ["a2"])
            let inSet = try await configMaps.list(namespace: "default", labelSelector: "app in (a,b),!tier")
            #expect(inSet.items.map(\.name) == ["b1"])
            let byName = try await configMaps.list(namespace: "default", fieldSelector: "metadata.name=b1")
            #expect(byName.items.map(\.name) == ["b1"])
            let everywhere = try await configMaps.list(labelSelector: "app=a")
            #expect(
                Set(everywhere.items.map { "\($0.namespace ?? "")/\($0.name)" }) == [
                    "default/a1", "default/a2", "kube-public/a3",
                ])
            // Items of a built-in list come without apiVersion and kind; the client fills them in.
            #expect(everywhere.items.allSatisfy { $0.object.apiVersion == "v1" && $0.object.kind == "ConfigMap" })
        }
    }

    @Test("Pagination: 25 ConfigMaps come back whole in pages of 10, and listPage hands out continue tokens")
    func pagination() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options())
            let configMaps = client.resource(ConfigMap.self)
            for index in 0..<25 {
                _ = try await configMaps.create(makeConfigMap(String(format: "cm-%02d", index), labels: ["batch": "1"]))
            }
            let start = recorder.requests.count

            let all = try await configMaps.list(namespace: "default", labelSelector: "batch=1", pageSize: 10)
            #expect(all.items.map(\.name) == (0..<25).map { String(format: "cm-%02d", $0) })
            #expect(all.continueToken == nil)
            let gets = recorder.requests[start...].filter { $0.method == .get }
            #expect(gets.count == 3)
            #expect(gets.allSatisfy { $0.query["limit"] == "10" && $0.query["labelSelector"] == "batch=1" })
            #expect(gets.map { $0.query["continue"] == nil } == [true, false, false])

            let first = try await configMaps.listPage(namespace: "default", limit: 10)
            #expect(first.items.count == 10)
            let token = try #require(first.continueToken)
            let second = try await configMaps.listPage(namespace: "default", limit: 10, continueToken: token)
            #expect(second.items.first?.name == "cm-10")
            let secondToken = try #require(second.continueToken)
            let third = try await configMaps.listPage(namespace: "default", limit: 10, continueToken: secondToken)
            #expect(third.items.count == 5)
            #expect(third.continueToken == nil)
        }
    }

    @Test("A continue token that expires mid-list restarts the list once, unpaged, and returns every object")
    func expiredContinueTokenRestarts() async throws {
        var storeConfiguration = APIStore.Configuration(namespaceBootstrapControllers: false)
        storeConfiguration.eventWindow = 5
        try await SimCluster.run(storeConfiguration: storeConfiguration) { cluster in
            let store = cluster.store
            let injected = Locked(false)
            let rounds = Locked(0)
            // Before the first page-2 request, enough writes happen that the token falls out of the event window.
            let recorder = TransportRecorder { request in
                guard request.path?.contains("continue=") == true, !injected.withLock({ $0 }) else { return }
                injected.withLock { $0 = true }
                let round = rounds.withLock { value in
                    value += 1
                    return value
                }
                for index in 0..<8 {
                    _ = try await store.create(
                        configMapsGVR, namespace: "default",
                        object: [
                            "apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": ["name": .string("late-\(round)-\(index)")],
                        ])
                }
            }
            let client = try cluster.client(options: recorder.options())
            let configMaps = client.resource(ConfigMap.self)
            for index in 0..<25 { _ = try await configMaps.create(makeConfigMap("cm-\(index)")) }
            let start = recorder.requests.count

            let expired = await #expect(throws: KubernetesError.self) {
                let first = try await configMaps.listPage(namespace: "default", limit: 10)
                _ = try await configMaps.listPage(namespace: "default", limit: 10, continueToken: first.continueToken)
            }
            #expect(expired?.isGone == true)

            injected.withLock { $0 = false }
            let middle = recorder.requests.count
            let all = try await configMaps.list(namespace: "default", pageSize: 10)
            #expect(all.items.count == 25 + 16)
            #expect(Set(all.items.map(\.name)).count == 41)
            let gets = recorder.requests[middle...].filter { $0.method == .get }
            #expect(gets.map(\.responseCode) == [200, 410, 200])
            #expect(gets.last?.query["limit"] == nil)
            #expect(gets.last?.query["continue"] == nil)
            #expect(start < middle)
        }
    }

    @Test("Deployment: merge, JSON and strategic merge patches; strategic merge keys containers by name")
    func deploymentPatches() async throws {
        try await SimCluster.run { cluster in
            let deployments = try cluster.client().resource(Deployment.self)
            let created = try await deployments.create(makeDeployment("web", replicas: 1))
            #expect(created.replicas == 1)
            #expect(created.metadata.generation == 1)

            let scaled = try await deployments.patch("web", .merge(["spec": ["replicas": 3]]))
            #expect(scaled.replicas == 3)

            let strategic = try await deployments.patch(
                "web",
                .strategicMerge([
                    "spec": [
                        "template": [
                            "spec": ["containers": [["name": "main", "env": [["name": "MODE", "value": "fast"]]]]]
                        ]
                    ]
                ]))
            let containers = strategic.value(at: "spec", "template", "spec", "containers")?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["image"] == "nginx:1.27")
            #expect(containers.first?["env"]?.arrayValue?.first?["value"] == "fast")

            // A merge patch replaces lists whole: the image is lost, which is why strategic merge exists.
            let replacedList = try await deployments.patch(
                "web",
                .merge(["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.28"]]]]]]))
            let after = replacedList.value(at: "spec", "template", "spec", "containers")?.arrayValue ?? []
            #expect(after.first?["env"] == nil)
            #expect(after.first?["image"] == "nginx:1.28")

            let json = try await deployments.patch("web", .json([.replace("/spec/replicas", value: 0)]))
            #expect(json.replicas == 0)
        }
    }

    @Test("Server-side apply: a second manager conflicts without force and takes the field with force")
    func serverSideApply() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let configMaps = try cluster.client(options: recorder.options()).resource(ConfigMap.self)

            let applied = try await configMaps.apply(
                makeConfigMap("settings", data: ["mode": "fast", "size": "2"]), fieldManager: "alice")
            #expect(applied.data == ["mode": "fast", "size": "2"])
            let apply = try #require(recorder.requests.last)
            #expect(apply.method == .patch)
            #expect(apply.headerFields[.contentType] == "application/apply-patch+yaml")
            #expect(apply.query["fieldManager"] == "alice")
            #expect(apply.query["force"] == nil)

            let conflict = await #expect(throws: KubernetesError.self) {
                _ = try await configMaps.apply(makeConfigMap("settings", data: ["mode": "slow"]), fieldManager: "bob")
            }
            #expect(conflict?.isConflict == true)
            #expect(conflict?.message.contains("alice") == true)
            #expect(try await configMaps.get("settings").data["mode"] == "fast")

            let forced = try await configMaps.apply(
                makeConfigMap("settings", data: ["mode": "slow"]), fieldManager: "bob", force: true)
            #expect(forced.data == ["mode": "slow", "size": "2"])
            #expect(recorder.requests.last?.query["force"] == "true")
            let managers = (forced.metadata.managedFields?.arrayValue ?? []).compactMap { $0["manager"]?.stringValue }
            #expect(Set(managers) == ["alice", "bob"])

            // Alice re-applies without `size`: she owned it alone, so the server removes it.
            let shrunk = try await configMaps.apply(makeConfigMap("settings", data: [:]), fieldManager: "alice")
            #expect(shrunk.data == ["mode": "slow"])

            let unnamed = await #expect(throws: KubernetesError.self) {
                _ = try await configMaps.apply(makeConfigMap("x"), fieldManager: "")
            }
            #expect(unnamed?.kind == .invalidRequest)
        }
    }

    @Test("Delete: background removes dependents, orphan keeps them, foreground waits for them")
    func propagationPolicies() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(ConfigMap.self)

            func family(_ owner: String) async throws -> ConfigMap {
                let parent = try await configMaps.create(makeConfigMap(owner))
                var child = makeConfigMap("\(owner)-child")
                child.metadata.ownerReferences = [
                    OwnerReference(
                        apiVersion: "v1", kind: "ConfigMap", name: owner, uid: parent.metadata.uid ?? "",
                        blockOwnerDeletion: true)
                ]
                _ = try await configMaps.create(child)
                return parent
            }

            _ = try await family("background")
            #expect(
                try await configMaps.delete("background", options: DeleteOptions(propagationPolicy: .background)) == nil
            )
            #expect(try await !configMaps.exists("background"))
            #expect(try await !configMaps.exists("background-child"))

            _ = try await family("orphan")
            _ = try await configMaps.delete("orphan", options: DeleteOptions(propagationPolicy: .orphan))
            #expect(try await !configMaps.exists("orphan"))
            let orphan = try await configMaps.get("orphan-child")
            #expect(orphan.metadata.ownerReferences?.isEmpty ?? true)

            _ = try await family("foreground")
            let pending = try await configMaps.delete(
                "foreground", options: DeleteOptions(propagationPolicy: .foreground))
            // The server answers with the object, marked for deletion behind the foregroundDeletion finalizer.
            let marked = try #require(pending)
            #expect(marked.isBeingDeleted)
            #expect(marked.metadata.finalizers?.contains("foregroundDeletion") == true)
            // The garbage collector then removes the dependent and the owner.
            #expect(try await !configMaps.exists("foreground-child"))
            #expect(try await !configMaps.exists("foreground"))
        }
    }

    @Test("Delete: failing uid and resourceVersion preconditions are conflicts; finalizers keep the object")
    func preconditionsAndFinalizers() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(ConfigMap.self)
            let created = try await configMaps.create(makeConfigMap("guarded"))

            let wrongUID = await #expect(throws: KubernetesError.self) {
                try await configMaps.delete("guarded", options: DeleteOptions(preconditionUID: "not-the-uid"))
            }
            #expect(wrongUID?.isConflict == true)
            #expect(wrongUID?.message.contains("Precondition failed") == true)
            let wrongVersion = await #expect(throws: KubernetesError.self) {
                try await configMaps.delete("guarded", options: DeleteOptions(preconditionResourceVersion: "1"))
            }
            #expect(wrongVersion?.isConflict == true)
            #expect(try await configMaps.exists("guarded"))

            _ = try await configMaps.delete(
                "guarded",
                options: DeleteOptions(
                    preconditionUID: created.metadata.uid, preconditionResourceVersion: created.resourceVersion,
                    gracePeriodSeconds: 0))
            #expect(try await !configMaps.exists("guarded"))

            var held = makeConfigMap("held")
            held.metadata.finalizers = ["example.com/hold"]
            _ = try await configMaps.create(held)
            let kept = try #require(try await configMaps.delete("held"))
            #expect(kept.isBeingDeleted)
            #expect(try await configMaps.get("held").isBeingDeleted)
            _ = try await configMaps.patch("held", .merge(["metadata": ["finalizers": nil]]))
            #expect(try await !configMaps.exists("held"))
        }
    }

    @Test("deleteCollection deletes only what the selector matches and returns it")
    func deleteCollection() async throws {
        try await SimCluster.run { cluster in
            let configMaps = try cluster.client().resource(ConfigMap.self)
            for name in ["a", "b", "c"] { _ = try await configMaps.create(makeConfigMap(name, labels: ["group": "x"])) }
            _ = try await configMaps.create(makeConfigMap("d", labels: ["group": "y"]))
            _ = try await configMaps.create(makeConfigMap("e", namespace: "kube-public", labels: ["group": "x"]))

            let deleted = try await configMaps.deleteCollection(namespace: "default", labelSelector: "group=x")
            #expect(deleted.map(\.name).sorted() == ["a", "b", "c"])
            #expect(try await configMaps.list(namespace: "default").items.map(\.name) == ["d"])
            #expect(try await configMaps.exists("e", namespace: "kube-public"))

            let byField = try await configMaps.deleteCollection(namespace: "default", fieldSelector: "metadata.name=d")
            #expect(byField.map(\.name) == ["d"])
            #expect(try await configMaps.list(namespace: "default").items.isEmpty)
        }
    }

    @Test("dryRun: create, replace, patch, apply, delete and deleteCollection answer but leave nothing behind")
    func dryRun() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let configMaps = try cluster.client(options: recorder.options()).resource(ConfigMap.self)

            let preview = try await configMaps.create(makeConfigMap("preview", data: ["k": "v"]), dryRun: true)
            #expect(preview.data == ["k": "v"])
            #expect(recorder.requests.last?.query["dryRun"] == "All")
            #expect(try await !configMaps.exists("preview"))

            let real = try await configMaps.create(makeConfigMap("real", labels: ["keep": "yes"], data: ["k": "v"]))
            var changed = real
            changed.data = ["k": "changed"]
            #expect(try await configMaps.replace(changed, dryRun: true).data == ["k": "changed"])
            #expect(
                try await configMaps.patch("real", .merge(["data": ["k": "patched"]]), dryRun: true).data["k"]
                    == "patched")
            #expect(
                try await configMaps.apply(
                    makeConfigMap("real", data: ["k": "applied"]), fieldManager: "x", force: true, dryRun: true
                )
                .data["k"] == "applied")
            _ = try await configMaps.delete("real", options: DeleteOptions(dryRun: true))
            _ = try await configMaps.deleteCollection(namespace: "default", options: DeleteOptions(dryRun: true))

            let stored = try await configMaps.get("real")
            #expect(stored.data == ["k": "v"])
            #expect(stored.resourceVersion == real.resourceVersion)
        }
    }

    @Test("A nil namespace means the object's own namespace, else the connection's")
    func defaultNamespace() async throws {
        try await SimCluster.run { cluster in
            let client = try KubernetesClient(
                connection: cluster.connection(namespace: "kube-public"), options: SimCluster.testOptions)
            let configMaps = client.resource(ConfigMap.self)
            let implicit = try await configMaps.create(makeConfigMap("implicit", namespace: nil))
            #expect(implicit.namespace == "kube-public")
            let explicit = try await configMaps.create(makeConfigMap("explicit", namespace: "default"))
            #expect(explicit.namespace == "default")
            #expect(try await configMaps.get("implicit").namespace == "kube-public")
            #expect(try await !configMaps.exists("explicit"))
            #expect(try await configMaps.exists("explicit", namespace: "default"))
        }
    }

    // MARK: - Unstructured custom resource

    @Test("Unstructured Machine (cluster-scoped CRD): every verb, namespaces ignored")
    func unstructuredMachine() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let machines = try cluster.client(options: recorder.options()).resource(.machines)

            let created = try await machines.create(
                makeMachine("ws-a", labels: ["kaito.sh/workspace": "a"]), namespace: "ignored")
            #expect(created.kind == "Machine")
            #expect(created.metadata.namespace == nil)
            #expect(recorder.requests.last?.pathOnly == "/apis/karpenter.sh/v1alpha5/machines")
            _ = try await machines.create(makeMachine("ws-b", labels: ["kaito.sh/workspace": "b"]))

            let exists = await #expect(throws: KubernetesError.self) {
                _ = try await machines.create(makeMachine("ws-a"))
            }
            #expect(exists?.isAlreadyExists == true)

            let fetched = try await machines.get("ws-a")
            #expect(Machine(object: fetched).instanceType == "Standard_NC12s_v3")
            #expect(try await machines.list(labelSelector: "kaito.sh/workspace=b").items.map(\.name) == ["ws-b"])
            #expect(try await machines.list(fieldSelector: "metadata.name=ws-a").items.map(\.name) == ["ws-a"])

            var replaced = fetched
            replaced.metadata.labels?["extra"] = "1"
            _ = try await machines.replace(replaced)
            let stale = await #expect(throws: KubernetesError.self) { _ = try await machines.replace(replaced) }
            #expect(stale?.isConflict == true)

            let merged = try await machines.patch("ws-a", .merge(["metadata": ["annotations": ["note": "hi"]]]))
            #expect(merged.metadata.annotations?["note"] == "hi")
            let jsonPatched = try await machines.patch("ws-a", .json([.add("/spec/taints", value: [])]))
            #expect(jsonPatched.value(at: "spec", "taints") == [])
            let strategic = await #expect(throws: KubernetesError.self) {
                _ = try await machines.patch("ws-a", .strategicMerge(["spec": [:]]))
            }
            #expect(strategic?.kind == .invalidRequest)

            let status = try await machines.patchStatus(
                "ws-a",
                .merge(["status": ["nodeName": "aks-ws-a-0", "conditions": [["type": "Ready", "status": "True"]]]]))
            let machine = Machine(object: status)
            #expect(machine.isReady)
            #expect(machine.nodeName == "aks-ws-a-0")
            #expect(try await machines.getStatus("ws-a").value(at: "status", "nodeName") == "aks-ws-a-0")

            var statusOnly = try await machines.get("ws-a")
            statusOnly.content["status"] = ["nodeName": "other"]
            statusOnly.content["spec"] = ["requirements": []]
            let afterStatus = try await machines.replaceStatus(statusOnly)
            #expect(afterStatus.value(at: "status", "nodeName") == "other")
            #expect(afterStatus.value(at: "spec", "requirements")?.arrayValue?.count == 1)

            let applied = try await machines.apply(
                KubernetesObject(
                    apiVersion: "karpenter.sh/v1alpha5", kind: "Machine",
                    metadata: ObjectMeta(name: "ws-c", labels: ["kaito.sh/workspace": "c"])),
                fieldManager: "kaito")
            #expect(applied.metadata.labels?["kaito.sh/workspace"] == "c")

            #expect(try await machines.deleteCollection(labelSelector: "kaito.sh/workspace=c").map(\.name) == ["ws-c"])
            #expect(try await machines.delete("ws-b") == nil)
            #expect(try await machines.list().items.map(\.name) == ["ws-a"])
        }
    }

    @Test("NodeClaim reads at v1beta1 by default and at v1 when asked")
    func nodeClaimVersions() async throws {
        try await SimCluster.run { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options())
            _ = try await client.resource(NodeClaim.self).create(NodeClaim(name: "beta"))
            #expect(recorder.requests.last?.pathOnly == "/apis/karpenter.sh/v1beta1/nodeclaims")

            let v1 = client.resource(NodeClaim.self, .nodeClaims(version: "v1"))
            var claim = NodeClaim(name: "stable")
            claim.object.apiVersion = "karpenter.sh/v1"
            let created = try await v1.create(claim)
            #expect(recorder.requests.last?.pathOnly == "/apis/karpenter.sh/v1/nodeclaims")
            #expect(created.object.apiVersion == "karpenter.sh/v1")
            #expect(!created.isReady)
            let ready = try await v1.patchStatus(
                "stable", .merge(["status": ["nodeName": "n1", "conditions": [["type": "Ready", "status": "True"]]]]))
            #expect(ready.isReady)
            #expect(ready.nodeName == "n1")
        }
    }

    // MARK: - Authorization

    @Test("A request RBAC forbids is isForbidden and carries the server's message")
    func forbidden() async throws {
        try await SimCluster.run(configure: { configuration in
            configuration.authentication.tokens["viewer-token"] = SimUser(name: "viewer")
            configuration.authorization.rules["viewer"] = [
                SimPolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"])
            ]
        }) { cluster in
            let viewer = try cluster.client(
                credentials: StaticCredentialProvider(KubernetesCredential(bearerToken: "viewer-token")))
            let configMaps = viewer.resource(ConfigMap.self)
            #expect(try await configMaps.list(namespace: "default").items.isEmpty)
            let denied = await #expect(throws: KubernetesError.self) {
                _ = try await configMaps.create(makeConfigMap("nope"))
            }
            #expect(denied?.isForbidden == true)
            #expect(denied?.status?.reason == "Forbidden")
            #expect(
                denied?.message.hasPrefix(
                    "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\"") == true)
            #expect(denied?.message.contains("ask a cluster admin") == true)
            let workspaces = await #expect(throws: KubernetesError.self) {
                _ = try await viewer.resource(Workspace.self).list()
            }
            #expect(workspaces?.isForbidden == true)
        }
    }

    @Test("Typed and unstructured clients over TLS agree on the same object")
    func overTLS() async throws {
        try await SimCluster.run(tls: true) { cluster in
            let client = try cluster.client()
            let typed = try await client.resource(Deployment.self).create(makeDeployment("tls-web", replicas: 2))
            let unstructured = try await client.resource(.deployments).get("tls-web")
            #expect(unstructured.metadata.uid == typed.metadata.uid)
            #expect(unstructured.value(at: "spec", "replicas") == 2)
            #expect(try Deployment(kubernetesJSON: unstructured.jsonValue()) == typed)
        }
    }
}

@Suite("KubernetesClient typed conveniences")
struct ClientConvenienceTests {
    @Test("get, list, create, replace, apply and delete by type go to the type's resource")
    func conveniences() async throws {
        try await SimCluster.run { cluster in
            let client = try cluster.client()
            let created = try await client.create(makeWorkspace("falcon"))
            #expect(try await client.get(Workspace.self, name: "falcon").metadata.uid == created.metadata.uid)
            #expect(try await client.list(Workspace.self).items.map(\.metadata.name) == ["falcon"])
            var changed = created
            changed.resource?.count = 2
            #expect(try await client.replace(changed).resource?.count == 2)
            let applied = try await client.apply(
                ConfigMap(name: "settings", namespace: "default", data: ["a": "1"]), fieldManager: "kaito")
            #expect(applied.data == ["a": "1"])
            #expect(try await client.delete(Workspace.self, name: "falcon") == nil)
            #expect(try await client.list(Workspace.self, namespace: "default").items.isEmpty)
        }
    }
}

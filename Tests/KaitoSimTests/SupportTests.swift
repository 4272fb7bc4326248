import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Selectors, patches and other building blocks")
struct SupportTests {
    @Test("Label selector parsing: operators, sets, gt/lt and errors")
    func labelSelectorParsing() throws {
        let query = try LabelQuery(parsing: "a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>5,i<2")
        #expect(
            query.requirements.map(\.operator) == [
                .equals, .equals, .notEquals, .in, .notIn, .exists, .doesNotExist, .greaterThan, .lessThan,
            ])
        #expect(query.requirements[3].values == ["x", "y"])
        let labels = ["a": "1", "b": "2", "c": "4", "d": "y", "f": "", "h": "6", "i": "1"]
        #expect(query.matches(labels))
        #expect(!query.matches(labels.merging(["g": "present"]) { $1 }))
        #expect(!query.matches(labels.merging(["h": "5"]) { $1 }))
        #expect(try LabelQuery(parsing: "app=").matches(["app": ""]))
        #expect(try LabelQuery(parsing: "example.com/tier=gpu").matches(["example.com/tier": "gpu"]))
        for bad in ["a in (x", "=x", "a b", "a=b=c", "a in ()", "h>x", "bad key=1", "a=in valid"] {
            #expect(throws: APIError.self, "\(bad)") { try LabelQuery(parsing: bad) }
        }
    }

    @Test("Field selector parsing: operators and escapes")
    func fieldSelectorParsing() throws {
        let query = try FieldQuery(parsing: "metadata.name=a\\,b,spec.nodeName!=,status.phase==Running")
        #expect(
            query.requirements == [
                FieldQuery.Requirement(field: "metadata.name", negated: false, value: "a,b"),
                FieldQuery.Requirement(field: "spec.nodeName", negated: true, value: ""),
                FieldQuery.Requirement(field: "status.phase", negated: false, value: "Running"),
            ])
        #expect(throws: APIError.self) { try FieldQuery(parsing: "metadata.name") }
    }

    @Test("Strategic merge patch: $setElementOrder, $retainKeys, $deleteFromPrimitiveList and set-merged finalizers")
    func strategicMergeExtras() throws {
        let descriptor = try #require(ResourceRegistry.builtIn.descriptor(for: R.deployments))
        let patcher = StrategicMergePatch { descriptor.listType(at: $0) }
        let original: JSONValue = [
            "metadata": ["finalizers": ["a", "b"]],
            "spec": [
                "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1]],
                "template": ["spec": ["containers": [["name": "x", "image": "1"], ["name": "y", "image": "2"]]]],
            ],
        ]
        let patched = try patcher.apply(
            [
                "metadata": ["finalizers": ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"]],
                "spec": [
                    "strategy": ["$retainKeys": ["type"], "type": "Recreate"],
                    "template": [
                        "spec": [
                            "$setElementOrder/containers": [["name": "y"], ["name": "x"]],
                            "containers": [["name": "x", "image": "3"]],
                        ]
                    ],
                ],
            ], to: original)
        #expect(patched.at("metadata.finalizers") == ["a", "c"])
        #expect(patched.at("spec.strategy") == ["type": "Recreate"])
        #expect(
            patched.at("spec.template.spec.containers") == [["name": "y", "image": "2"], ["name": "x", "image": "3"]])
        #expect(throws: APIError.self) {
            try patcher.apply(["spec": ["template": ["spec": ["containers": [["image": "no-name"]]]]]], to: original)
        }
    }

    @Test("JSON merge patch follows RFC 7386")
    func mergePatchRFC() {
        let target: JSONValue = ["a": "b", "c": ["d": "e", "f": "g"]]
        let result = MergePatch.apply(["a": "z", "c": ["f": nil]], to: target)
        #expect(result == ["a": "z", "c": ["d": "e"]])
        #expect(MergePatch.apply(["a": [1]], to: ["a": ["b": 1]]) == ["a": [1]])
        #expect(MergePatch.apply("text", to: ["a": 1]) == "text")
    }

    @Test("JSON patch pointers escape ~ and /; array indices and - append")
    func jsonPatchPointers() throws {
        #expect(JSONPatch.pointer("/a~1b/c~0d") == ["a/b", "c~d"])
        #expect(JSONPatch.pointer("no-slash") == nil)
        let result = try JSONPatch.apply(
            [
                ["op": "add", "path": "/list/-", "value": 3], ["op": "add", "path": "/list/0", "value": 0],
                ["op": "replace", "path": "/list/1", "value": 10],
            ], to: ["list": [1, 2]])
        #expect(result == ["list": [0, 10, 2, 3]])
        #expect(throws: APIError.self) {
            try JSONPatch.apply([["op": "add", "path": "/list/9", "value": 1]], to: result)
        }
        #expect(throws: APIError.self) { try JSONPatch.apply(["op": "add"], to: result) }
    }

    @Test("Seeded identifiers are reproducible version-4 UUIDs and Kubernetes-alphabet suffixes")
    func identifiers() {
        var first = SeededIdentifierSource(seed: 7)
        var second = SeededIdentifierSource(seed: 7)
        let uid = first.makeUID()
        #expect(uid == second.makeUID())
        #expect(uid.count == 36)
        #expect(Array(uid)[14] == "4")
        #expect("89ab".contains(Array(uid)[19]))
        let suffix = first.makeNameSuffix(length: 5)
        #expect(suffix.count == 5)
        #expect(suffix.allSatisfy { GeneratedNames.alphabet.contains($0) })
        var random = RandomIdentifierSource()
        #expect(random.makeUID() != random.makeUID())
    }

    @Test("The manual clock wakes sleepers when it reaches their deadline and honours cancellation")
    func manualClock() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let sleeper = Task { try await clock.sleep(until: start.addingTimeInterval(10)) }
        clock.advance(by: 10)
        try await sleeper.value
        #expect(clock.now() == start.addingTimeInterval(10))
        try await clock.sleep(until: start)

        let cancelled = Task { try await clock.sleep(until: start.addingTimeInterval(1000)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test("Version preference: GA, then beta, then alpha; nodeclaims serve v1 first")
    func versionOrdering() {
        #expect(KubeVersion.isPreferred("v1", over: "v1beta1"))
        #expect(KubeVersion.isPreferred("v2beta1", over: "v1beta2"))
        #expect(KubeVersion.isPreferred("v1beta2", over: "v1beta1"))
        #expect(KubeVersion.isPreferred("v1alpha1", over: "foo"))
        let registry = ResourceRegistry.builtIn
        #expect(registry.groupVersions["karpenter.sh"] == ["v1", "v1beta1", "v1alpha5"])
        #expect(registry.groupVersions[""] == ["v1"])
        #expect(registry.descriptor(apiVersion: "apps/v1", kind: "Deployment")?.plural == "deployments")
        #expect(
            registry.descriptors(group: "apps", version: "v1").map(\.plural) == [
                "controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets",
            ])
    }

    @Test("The built-in registry serves every resource the project uses with its scope and subresources")
    func builtInRegistry() {
        let expected: [(String, String, String, Bool, Bool)] = [
            ("", "v1", "namespaces", false, true), ("", "v1", "nodes", false, true), ("", "v1", "pods", true, true),
            ("", "v1", "services", true, true), ("", "v1", "endpoints", true, false),
            ("", "v1", "configmaps", true, false), ("", "v1", "secrets", true, false),
            ("", "v1", "serviceaccounts", true, false), ("", "v1", "events", true, false),
            ("apps", "v1", "deployments", true, true), ("apps", "v1", "statefulsets", true, true),
            ("apps", "v1", "controllerrevisions", true, false), ("apps", "v1", "daemonsets", true, true),
            ("batch", "v1", "jobs", true, true), ("coordination.k8s.io", "v1", "leases", true, false),
            ("apiextensions.k8s.io", "v1", "customresourcedefinitions", false, true),
            ("karpenter.sh", "v1alpha5", "machines", false, true),
            ("karpenter.sh", "v1beta1", "nodeclaims", false, true),
            ("karpenter.sh", "v1", "nodeclaims", false, true), ("kaito.sh", "v1alpha1", "workspaces", true, true),
            ("karpenter.azure.com", "v1alpha2", "aksnodeclasses", false, true),
            ("rbac.authorization.k8s.io", "v1", "clusterroles", false, false),
            ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", false, false),
            ("rbac.authorization.k8s.io", "v1", "roles", true, false),
            ("rbac.authorization.k8s.io", "v1", "rolebindings", true, false),
            ("", "v1", "bindings", true, false), ("", "v1", "componentstatuses", false, false),
            ("", "v1", "limitranges", true, false), ("", "v1", "persistentvolumeclaims", true, true),
            ("", "v1", "persistentvolumes", false, true), ("", "v1", "podtemplates", true, false),
            ("", "v1", "replicationcontrollers", true, true), ("", "v1", "resourcequotas", true, true),
            ("apps", "v1", "replicasets", true, true), ("events.k8s.io", "v1", "events", true, false),
            ("discovery.k8s.io", "v1", "endpointslices", true, false),
            ("authentication.k8s.io", "v1", "selfsubjectreviews", false, false),
            ("authentication.k8s.io", "v1", "tokenreviews", false, false),
            ("authorization.k8s.io", "v1", "localsubjectaccessreviews", true, false),
            ("authorization.k8s.io", "v1", "selfsubjectaccessreviews", false, false),
            ("authorization.k8s.io", "v1", "selfsubjectrulesreviews", false, false),
            ("authorization.k8s.io", "v1", "subjectaccessreviews", false, false),
            ("policy", "v1", "poddisruptionbudgets", true, true),
            ("scheduling.k8s.io", "v1", "priorityclasses", false, false),
            ("storage.k8s.io", "v1", "storageclasses", false, false),
        ]
        for (group, version, plural, namespaced, status) in expected {
            let descriptor = ResourceRegistry.builtIn.descriptor(group: group, version: version, resource: plural)
            #expect(descriptor?.namespaced == namespaced, "\(plural)")
            #expect(descriptor?.hasStatusSubresource == status, "\(plural)")
        }
        #expect(ResourceRegistry.builtIn.descriptors.count == expected.count)
    }
}

@Suite("Store details")
struct StoreDetailTests {
    @Test("NodeClaim versions share storage; each read shows the requested apiVersion")
    func sharedStorageAcrossVersions() async throws {
        let store = Fixture().store
        let beta = GroupVersionResource(group: "karpenter.sh", version: "v1beta1", resource: "nodeclaims")
        _ = try await store.create(
            beta, object: ["apiVersion": "karpenter.sh/v1beta1", "kind": "NodeClaim", "metadata": ["name": "gpu"]])
        let asV1 = try await store.get(R.nodeClaims, name: "gpu")
        #expect(asV1.at("apiVersion") == "karpenter.sh/v1")
        let list = try await store.list(R.nodeClaims)
        #expect(list.jsonValue["items"]?.arrayValue?.first?["kind"] == "NodeClaim", "custom resource items keep kind")
        let wrongVersion = await #expect(throws: APIError.self) {
            try await store.create(
                R.nodeClaims,
                object: ["apiVersion": "karpenter.sh/v1beta1", "kind": "NodeClaim", "metadata": ["name": "x"]])
        }
        #expect(
            wrongVersion?.message
                == "the API version in the data (karpenter.sh/v1beta1) does not match the expected API version "
                + "(karpenter.sh/v1)")
        let descriptor = try #require(await store.registry.descriptor(for: R.nodeClaims))
        let result = try await store.delete(R.nodeClaims, name: "gpu")
        #expect(result.responseBody(for: descriptor)["kind"] == "Status", "custom resources answer a Success Status")
    }

    @Test("Creating with a resourceVersion is refused, as etcd storage refuses it")
    func createWithResourceVersion() async throws {
        let store = Fixture().store
        var object = configMap("cm")
        object.setValue("12", at: ["metadata", "resourceVersion"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "default", object: object)
        }
        #expect(error?.code == 500)
        #expect(error?.message == "Internal error occurred: resourceVersion should not be set on objects to be created")
    }

    @Test("DeleteOptions bodies: propagation policy, orphanDependents and preconditions")
    func deleteOptionsBody() throws {
        let options = try DeleteOptions(
            body: ["propagationPolicy": "Foreground", "preconditions": ["uid": "u", "resourceVersion": "3"]])
        #expect(
            options
                == DeleteOptions(propagationPolicy: .foreground, preconditionUID: "u", preconditionResourceVersion: "3")
        )
        #expect(try DeleteOptions(body: ["orphanDependents": true]).propagationPolicy == .orphan)
        let error = #expect(throws: APIError.self) { try DeleteOptions(body: ["propagationPolicy": "Sideways"]) }
        #expect(error?.code == 422)
        #expect(
            error?.message
                == "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sideways\": "
                + "supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"")
    }

    @Test("Server-side apply removes a list element the manager no longer applies")
    func applyRemovesListElement() async throws {
        let store = Fixture().store
        var config = deployment("web")
        config.setValue(nil, at: ["metadata", "ownerReferences"])
        _ = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: config,
            options: PatchOptions(fieldManager: "kaito"))
        config.setValue([["name": "main", "image": "nginx:1.25"]], at: ["spec", "template", "spec", "containers"])
        let result = try await store.patch(
            R.deployments, namespace: "default", name: "web", type: .apply, patch: config,
            options: PatchOptions(fieldManager: "kaito"))
        #expect(
            project(result.at("spec.template.spec.containers"), ["name", "image"]) == [
                ["name": "main", "image": "nginx:1.25"]
            ])
        #expect(result.generation == 2)
    }

    @Test("Watches honour field selectors and all-namespace scope")
    func watchFieldSelector() async throws {
        let store = Fixture().store
        let stream = try await store.watch(
            R.configMaps, options: WatchOptions(fieldSelector: "metadata.name=wanted", allowBookmarks: true))
        var iterator = stream.makeAsyncIterator()
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("other"))
        _ = try await store.create(R.configMaps, namespace: "kube-system", object: configMap("wanted"))
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("wanted"))
        let events = await drain(&iterator, store)
        #expect(events.map { $0.object.at("metadata.namespace")?.stringValue ?? "" } == ["kube-system", "default"])
    }

    @Test("Periodic garbage collection is idempotent and cheap when nothing is owned")
    func idleGarbageCollection() async throws {
        let store = Fixture().store
        for index in 0..<50 {
            _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm-\(index)"))
        }
        let version = await store.currentResourceVersion
        #expect(await store.collectGarbage().isEmpty)
        #expect(await store.currentResourceVersion == version)
    }
}

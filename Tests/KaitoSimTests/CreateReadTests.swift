import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Create, get and list")
struct CreateReadTests {
    @Test("The default namespaces exist at start, Active, with their name label and the kubernetes finalizer")
    func defaultNamespaces() async throws {
        let store = Fixture().store
        for name in ["default", "kube-system"] {
            let namespace = try await store.get(R.namespaces, name: name)
            #expect(namespace.at("status.phase") == "Active")
            #expect(namespace.at("metadata.labels")?["kubernetes.io/metadata.name"] == .string(name))
            #expect(namespace.at("spec.finalizers") == ["kubernetes"])
            #expect(namespace.at("metadata.generation") == nil)
        }
        let names = try await store.list(R.namespaces).items.map(\.name)
        #expect(names == ["default", "kube-node-lease", "kube-public", "kube-system"])
    }

    @Test("Create fills namespace, uid, creationTimestamp, generation and a cluster-wide resourceVersion")
    func createFillsServerFields() async throws {
        let fixture = Fixture()
        let store = fixture.store
        let before = Int(await store.currentResourceVersion) ?? 0
        let created = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        #expect(created.at("metadata.namespace") == "default")
        #expect(created.uid.count == 36)
        #expect(created.at("metadata.creationTimestamp") == .string(RFC3339.string(from: fixture.clock.now())))
        #expect(created.generation == 1)
        #expect(created.rv == String(before + 1))
        #expect(created.at("apiVersion") == "apps/v1")
        #expect(created.at("kind") == "Deployment")
        #expect(created.at("status") == [:])

        let configMap = try await store.create(R.configMaps, namespace: "default", object: configMap("settings"))
        #expect(configMap.rv == String(before + 2))
        #expect(configMap.generation == nil, "config maps carry no generation, as on a real server")

        let fetched = try await store.get(R.deployments, namespace: "default", name: "web")
        #expect(fetched == created)
    }

    @Test("Create with generateName appends five characters from the Kubernetes alphabet")
    func generateName() async throws {
        let store = Fixture().store
        var object = configMap("")
        object.setValue(nil, at: ["metadata", "name"])
        object.setValue("settings-", at: ["metadata", "generateName"])
        let first = try await store.create(R.configMaps, namespace: "default", object: object)
        let second = try await store.create(R.configMaps, namespace: "default", object: object)
        for created in [first, second] {
            #expect(created.name.hasPrefix("settings-"))
            #expect(created.name.count == "settings-".count + 5)
            #expect(created.name.dropFirst("settings-".count).allSatisfy { GeneratedNames.alphabet.contains($0) })
            #expect(created.at("metadata.generateName") == "settings-")
        }
        #expect(first.name != second.name)
    }

    @Test("Create into a namespace named differently from the path is 400; into a missing namespace 404")
    func namespaceChecks() async throws {
        let store = Fixture().store
        let mismatch = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "default", object: configMap("a", namespace: "other"))
        }
        #expect(mismatch?.code == 400)
        #expect(mismatch?.reason == "BadRequest")
        #expect(
            mismatch?.message == "the namespace of the provided object does not match the namespace sent on the request"
        )

        let missing = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "nowhere", object: configMap("a"))
        }
        #expect(missing?.code == 404)
        #expect(missing?.message == "namespaces \"nowhere\" not found")
        #expect(missing?.details == StatusDetails(name: "nowhere", kind: "namespaces"))
    }

    @Test("A second create of the same name is 409 AlreadyExists with the API server's Status")
    func alreadyExists() async throws {
        let store = Fixture().store
        _ = try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.deployments, namespace: "default", object: deployment("web"))
        }
        #expect(
            error?.status
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "deployments.apps \"web\" already exists", "reason": "AlreadyExists",
                    "details": ["name": "web", "group": "apps", "kind": "deployments"], "code": 409,
                ])
    }

    @Test("Get of a missing object is 404 NotFound; an unknown resource is 404 without details")
    func notFound() async throws {
        let store = Fixture().store
        let error = await #expect(throws: APIError.self) {
            try await store.get(R.workspaces, namespace: "default", name: "x")
        }
        #expect(
            error?.status
                == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "workspaces.kaito.sh \"x\" not found", "reason": "NotFound",
                    "details": ["name": "x", "group": "kaito.sh", "kind": "workspaces"], "code": 404,
                ])
        let core = await #expect(throws: APIError.self) { try await store.get(R.pods, namespace: "default", name: "p") }
        #expect(core?.message == "pods \"p\" not found")
        #expect(core?.details == StatusDetails(name: "p", kind: "pods"))

        let unknown = await #expect(throws: APIError.self) {
            try await store.get(
                GroupVersionResource(group: "example.com", version: "v1", resource: "widgets"), name: "w")
        }
        #expect(unknown?.message == "the server could not find the requested resource")
        #expect(unknown?.details == StatusDetails())
    }

    @Test("Invalid and missing names are 422 Invalid with one cause")
    func invalidNames() async throws {
        let store = Fixture().store
        let bad = await #expect(throws: APIError.self) {
            try await store.create(R.deployments, namespace: "default", object: deployment("Bad_Name"))
        }
        let rule =
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            + "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        #expect(bad?.code == 422)
        #expect(bad?.reason == "Invalid")
        #expect(
            bad?.message
                == "Deployment.apps \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": \(rule)")
        #expect(
            bad?.details
                == StatusDetails(
                    name: "Bad_Name", group: "apps", kind: "Deployment",
                    causes: [
                        StatusCause(
                            reason: "FieldValueInvalid", message: "Invalid value: \"Bad_Name\": \(rule)",
                            field: "metadata.name")
                    ]))

        var unnamed = configMap("x")
        unnamed.setValue(nil, at: ["metadata", "name"])
        let missing = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "default", object: unnamed)
        }
        #expect(
            missing?.message
                == "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required")
        #expect(missing?.details?.causes.first?.reason == "FieldValueRequired")

        let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "1web"], "spec": [:]]
        let dns1035 = await #expect(throws: APIError.self) {
            try await store.create(R.services, namespace: "default", object: service)
        }
        #expect(
            dns1035?.message.hasPrefix(
                "Service \"1web\" is invalid: metadata.name: Invalid value: \"1web\": a DNS-1035 label") == true)
    }

    @Test("The status a client sends on create is reset for kinds with a status subresource, kept for nodes")
    func statusOnCreate() async throws {
        let store = Fixture().store
        var object = deployment("web")
        object.setValue(["replicas": 3], at: ["status"])
        let created = try await store.create(R.deployments, namespace: "default", object: object)
        #expect(created.at("status") == [:])

        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
            "spec": ["containers": [["name": "c", "image": "busybox"]]], "status": ["phase": "Running"],
        ]
        let createdPod = try await store.create(R.pods, namespace: "default", object: pod)
        #expect(createdPod.at("status") == ["phase": "Pending", "qosClass": "BestEffort"])

        let node: JSONValue = [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": "gpu-1"],
            "status": ["capacity": ["nvidia.com/gpu": "4"]],
        ]
        let createdNode = try await store.create(R.nodes, object: node)
        #expect(createdNode.at("status.capacity") == ["nvidia.com/gpu": "4"])
        #expect(createdNode.at("metadata.namespace") == nil)

        var claim: JSONValue = [
            "apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "metadata": ["name": "claim"], "spec": [:],
            "status": ["nodeName": "n"],
        ]
        claim = try await store.create(R.nodeClaims, object: claim)
        #expect(claim.at("status") == nil)
        #expect(claim.generation == 1)
    }

    @Test("List filters by label selectors: =, ==, !=, in, notin, exists, !key, comma-separated")
    func labelSelectors() async throws {
        let store = Fixture().store
        let labels: [(String, [String: String])] = [
            ("a", ["app": "web", "tier": "front"]),
            ("b", ["app": "web", "tier": "back"]),
            ("c", ["app": "db"]),
            ("d", [:]),
        ]
        for (name, set) in labels {
            _ = try await store.create(R.configMaps, namespace: "default", object: configMap(name, labels: set))
        }
        let cases: [(String, [String])] = [
            ("app=web", ["a", "b"]),
            ("app==web", ["a", "b"]),
            ("app!=web", ["c", "d"]),
            ("tier in (front, back)", ["a", "b"]),
            ("tier notin (front)", ["b", "c", "d"]),
            ("tier", ["a", "b"]),
            ("!tier", ["c", "d"]),
            ("app=web,tier!=front", ["b"]),
            ("app in (web,db),!tier", ["c"]),
            ("", ["a", "b", "c", "d"]),
        ]
        for (selector, expected) in cases {
            let names = try await store.list(
                R.configMaps, namespace: "default", options: ListOptions(labelSelector: selector)
            )
            .items.map(\.name).filter(isOurs)
            #expect(names == expected, "selector \(selector)")
        }
        let error = await #expect(throws: APIError.self) {
            try await store.list(R.configMaps, options: ListOptions(labelSelector: "app in web"))
        }
        #expect(error?.code == 400)
        #expect(error?.reason == "BadRequest")
    }

    @Test("List filters by field selectors on metadata.name, metadata.namespace and a pod's spec.nodeName")
    func fieldSelectors() async throws {
        let store = Fixture().store
        _ = try await store.create(R.namespaces, object: ["metadata": ["name": "team"]])
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("one"))
        _ = try await store.create(R.configMaps, namespace: "team", object: configMap("one"))
        _ = try await store.create(R.configMaps, namespace: "team", object: configMap("two"))
        func names(_ selector: String, namespace: String? = nil) async throws -> [String] {
            try await store.list(R.configMaps, namespace: namespace, options: ListOptions(fieldSelector: selector))
                .items.map { "\($0.at("metadata.namespace")?.stringValue ?? "")/\($0.name)" }
        }
        #expect(try await names("metadata.name=one") == ["default/one", "team/one"])
        #expect(try await names("metadata.name==one,metadata.namespace!=default") == ["team/one"])
        #expect(try await names("metadata.name!=one", namespace: "team") == ["team/two"])

        for (name, node) in [("p1", "gpu-1"), ("p2", "gpu-2"), ("p3", "")] {
            var spec: [String: JSONValue] = ["containers": [["name": "c", "image": "busybox"]]]
            if !node.isEmpty { spec["nodeName"] = .string(node) }
            _ = try await store.create(
                R.pods, namespace: "default",
                object: ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": .object(spec)])
        }
        let onNode = try await store.list(R.pods, options: ListOptions(fieldSelector: "spec.nodeName=gpu-1"))
        #expect(onNode.items.map(\.name) == ["p1"])
        let unscheduled = try await store.list(R.pods, options: ListOptions(fieldSelector: "spec.nodeName="))
        #expect(unscheduled.items.map(\.name) == ["p3"])

        let unsupported = await #expect(throws: APIError.self) {
            try await store.list(R.configMaps, options: ListOptions(fieldSelector: "spec.nodeName=gpu-1"))
        }
        #expect(unsupported?.code == 400)
        #expect(unsupported?.message == "field label not supported: spec.nodeName")
        let custom = await #expect(throws: APIError.self) {
            try await store.list(R.workspaces, options: ListOptions(fieldSelector: "resource.count=1"))
        }
        #expect(
            custom?.message
                == "\"resource.count\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
    }

    @Test("limit and continue page through every item once, with stable tokens and a consistent snapshot")
    func paging() async throws {
        let store = Fixture().store
        for index in 0..<7 {
            _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm-\(index)"))
        }
        let first = try await store.list(R.configMaps, namespace: "default", options: ListOptions(limit: 3))
        #expect(first.items.map(\.name) == ["cm-0", "cm-1", "cm-2"])
        #expect(first.remainingItemCount == 5, "the 7 config maps and the namespace's kube-root-ca.crt")
        let token = try #require(first.continueToken)
        let again = try await store.list(R.configMaps, namespace: "default", options: ListOptions(limit: 3))
        #expect(again.continueToken == token, "the same list gives the same token")

        // Changes after the first page do not show in later pages of the same listing.
        _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm-9"))
        _ = try await store.delete(R.configMaps, namespace: "default", name: "cm-5")

        var seen = first.items.map(\.name)
        var next: String? = token
        while let current = next {
            let page = try await store.list(
                R.configMaps, namespace: "default", options: ListOptions(limit: 3, continueToken: current))
            #expect(page.resourceVersion == first.resourceVersion)
            seen += page.items.map(\.name)
            next = page.continueToken
        }
        #expect(seen == (0..<7).map { "cm-\($0)" } + [rootCA])
        #expect(first.jsonValue["metadata"]?["continue"] == .string(token))
        #expect(first.jsonValue["items"]?.arrayValue?.first?["kind"] == nil, "typed list items carry no kind")

        let fresh = try await store.list(R.configMaps, namespace: "default")
        #expect(fresh.items.map(\.name) == ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-6", "cm-9", rootCA])
        #expect(fresh.continueToken == nil)
        #expect(fresh.kind == "ConfigMapList")
    }

    @Test("A continue token older than the event window is 410 Expired with a token to continue inconsistently")
    func expiredContinueToken() async throws {
        let store = Fixture(configuration: APIStore.Configuration(eventWindow: 5)).store
        for index in 0..<4 {
            _ = try await store.create(R.configMaps, namespace: "default", object: configMap("cm-\(index)"))
        }
        let first = try await store.list(R.configMaps, namespace: "default", options: ListOptions(limit: 2))
        for index in 0..<6 {
            _ = try await store.create(R.configMaps, namespace: "kube-system", object: configMap("other-\(index)"))
        }
        let error = await #expect(throws: APIError.self) {
            try await store.list(
                R.configMaps, namespace: "default", options: ListOptions(limit: 2, continueToken: first.continueToken))
        }
        #expect(error?.code == 410)
        #expect(error?.reason == "Expired")
        #expect(
            error?.message.hasPrefix("The provided continue parameter is too old to display a consistent list") == true)
        let inconsistent = try #require(error?.continueToken)
        let rest = try await store.list(
            R.configMaps, namespace: "default", options: ListOptions(limit: 10, continueToken: inconsistent))
        #expect(rest.items.map(\.name) == ["cm-2", "cm-3", rootCA])
    }
}

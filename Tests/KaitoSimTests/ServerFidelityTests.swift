import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// What a client can tell about the API server beyond plain CRUD: authorization through RBAC and the bootstrap
/// policy, the review APIs, subresources, discovery forms, list and watch version semantics, and the controllers
/// every cluster runs. The expected answers are a real kube-apiserver's.
@Suite("HTTP server: fidelity to a real API server")
struct ServerFidelityTests {
    static let noPermissionToken = "no-permission-token"

    /// A server with one user outside system:masters whom only RBAC objects may grant anything.
    static func withUnprivilegedUser<T: Sendable>(_ body: (SimHTTP) async throws -> T) async throws -> T {
        try await SimHTTP.run(configure: { configuration in
            configuration.authentication.tokens[noPermissionToken] = SimUser(name: "jane", groups: ["dev"])
            configuration.authorization.allowsUnlistedUsers = false
        }) { http in try await body(http) }
    }

    @Test(
        "RBAC: a user without bindings gets 403 with RBAC's wording, discovery and self-reviews; a RoleBinding grants")
    func rbac() async throws {
        try await Self.withUnprivilegedUser { http in
            let jane = http.with(token: Self.noPermissionToken)
            let forbidden = try await jane.get("/api/v1/namespaces/default/configmaps")
            #expect(forbidden.status == 403)
            #expect(forbidden.json["details"] == ["kind": "configmaps"])
            #expect(
                forbidden.message
                    == "configmaps is forbidden: User \"jane\" cannot list resource \"configmaps\" in API group \"\" "
                    + "in the namespace \"default\"")
            #expect(try await jane.get("/api").status == 200, "system:discovery is bound to system:authenticated")
            #expect(try await jane.get("/version").status == 200)

            let review = try await jane.send(
                .post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                json: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"])
            #expect(review.status == 201)
            #expect(review.json["status"]?["userInfo"]?["username"] == "jane")
            #expect(review.json["status"]?["userInfo"]?["groups"] == ["dev", "system:authenticated"])

            let access: JSONValue = [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": ["resourceAttributes": ["namespace": "default", "verb": "list", "resource": "configmaps"]],
            ]
            let denied = try await jane.send(
                .post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json: access)
            #expect(denied.status == 201)
            #expect(denied.json["status"]?["allowed"] == false)

            // The bootstrap `view` role (aggregated from system:aggregate-to-view), bound to the user's group.
            let binding: JSONValue = [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": ["name": "dev-view"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"],
                "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "dev"]],
            ]
            let created = try await http.send(
                .post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", json: binding)
            #expect(created.status == 201)
            #expect(try await jane.get("/api/v1/namespaces/default/configmaps").status == 200)
            #expect(try await jane.get("/api/v1/namespaces/kube-system/configmaps").status == 403)
            let write = try await jane.send(
                .post, "/api/v1/namespaces/default/configmaps", json: configMap("not-allowed"))
            #expect(write.status == 403, "view does not create")
            let allowed = try await jane.send(
                .post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json: access)
            #expect(allowed.json["status"]?["allowed"] == true)
        }
    }

    @Test("Anonymous requests get only the public-info paths; a bad token is 401 everywhere")
    func anonymous() async throws {
        try await SimHTTP.run { http in
            let anonymous = http.with(token: nil)
            let version = try await anonymous.get("/version")
            #expect(version.status == 200)
            #expect(try await anonymous.get("/readyz").status == 200)
            #expect(try await anonymous.get("/api").status == 403)
            #expect(try await anonymous.get("/api/v1/namespaces").status == 403)
            #expect(try await http.with(token: "wrong").get("/version").status == 401)
        }
    }

    @Test("ServiceAccount tokens: TokenRequest issues a JWT that authenticates as the account; TokenReview agrees")
    func serviceAccountTokens() async throws {
        try await Self.withUnprivilegedUser { http in
            let issued = try await http.send(
                .post, "/api/v1/namespaces/default/serviceaccounts/default/token",
                json: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": [:]])
            #expect(issued.status == 201)
            #expect(issued.json["spec"]?["expirationSeconds"] == 3600)
            let token = try #require(issued.json["status"]?["token"]?.stringValue)
            #expect(token.split(separator: ".").count == 3)

            let asAccount = http.with(token: token)
            let whoami = try await asAccount.send(
                .post, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                json: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"])
            #expect(whoami.json["status"]?["userInfo"]?["username"] == "system:serviceaccount:default:default")
            #expect(try await asAccount.get("/api/v1/namespaces/default/pods").status == 403)

            let review = try await http.send(
                .post, "/apis/authentication.k8s.io/v1/tokenreviews",
                json: [
                    "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": .string(token)],
                ])
            #expect(review.json["status"]?["authenticated"] == true)
            #expect(review.json["status"]?["user"]?["username"] == "system:serviceaccount:default:default")

            let short = try await http.send(
                .post, "/api/v1/namespaces/default/serviceaccounts/default/token",
                json: [
                    "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                    "spec": ["expirationSeconds": 60],
                ])
            #expect(short.status == 422)
            let missing = try await http.send(
                .post, "/api/v1/namespaces/default/serviceaccounts/nobody/token", json: ["spec": [:]])
            #expect(missing.status == 404)

            _ = try await http.send(.delete, "/api/v1/namespaces/default/serviceaccounts/default")
            #expect(try await asAccount.get("/version").status == 401, "a deleted account's tokens stop working")
        }
    }

    @Test("Discovery: subresources and verbs as listed by a real server; aggregated discovery when asked for")
    func discovery() async throws {
        try await SimHTTP.run { http in
            let core = try await http.get("/api/v1").json
            let resources = core["resources"]?.arrayValue ?? []
            func entry(_ name: String) -> JSONValue? { resources.first { $0["name"]?.stringValue == name } }
            #expect(entry("namespaces")?["verbs"]?.arrayValue?.contains("deletecollection") == false)
            #expect(entry("pods/log")?["verbs"] == ["get"])
            #expect(entry("serviceaccounts/token")?["group"] == "authentication.k8s.io")
            #expect(entry("pods/binding")?["kind"] == "Binding")
            let apps = try await http.get("/apis/apps/v1").json["resources"]?.arrayValue ?? []
            #expect(apps.first { $0["name"] == "deployments/scale" }?["kind"] == "Scale")

            let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            let aggregated = try await http.get("/apis", accept: accept)
            #expect(aggregated.headers[.contentType] == Discovery.aggregatedContentType(version: "v2"))
            #expect(aggregated.json["kind"] == "APIGroupDiscoveryList")
            let group = aggregated.json["items"]?.arrayValue?.first { $0["metadata"]?["name"] == "apps" }
            let deployments = group?["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first {
                $0["resource"] == "deployments"
            }
            #expect(deployments?["scope"] == "Namespaced")
            #expect(
                deployments?["subresources"]?.arrayValue?.compactMap { $0["subresource"]?.stringValue } == [
                    "scale", "status",
                ])
            #expect(try await http.get("/apis", accept: "application/json").json["kind"] == "APIGroupList")
        }
    }

    @Test("OpenAPI v3: an index of group versions and per-group-version documents with the kinds' schemas")
    func openAPIV3() async throws {
        try await SimHTTP.run { http in
            let index = try await http.get("/openapi/v3").json
            let apps = try #require(index["paths"]?["apis/apps/v1"]?["serverRelativeURL"]?.stringValue)
            #expect(apps.hasPrefix("/openapi/v3/apis/apps/v1?hash="))
            #expect(index["paths"]?["api/v1"] != nil)
            let document = try await http.get(apps).json
            #expect(document["openapi"]?.stringValue?.hasPrefix("3.") == true)
            let deployment = document["components"]?["schemas"]?["io.k8s.api.apps.v1.Deployment"]
            #expect(
                deployment?["x-kubernetes-group-version-kind"] == [
                    ["group": "apps", "kind": "Deployment", "version": "v1"]
                ])
            let unknown = try await http.get("/openapi/v3/apis/nothing.example/v1")
            #expect(unknown.status == 404)
        }
    }

    @Test("Subresources: binding once, scale reads and writes replicas, log checks containers, eviction deletes")
    func subresources() async throws {
        try await SimHTTP.run { http in
            let pods = "/api/v1/namespaces/default/pods"
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                "spec": [
                    "containers": [["name": "a", "image": "busybox:1.36"], ["name": "b", "image": "busybox:1.36"]]
                ],
            ]
            #expect(try await http.send(.post, pods, json: pod).status == 201)
            let binding: JSONValue = [
                "apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"],
                "target": ["kind": "Node", "name": "n1"],
            ]
            let bound = try await http.send(.post, "\(pods)/p/binding", json: binding)
            #expect(bound.status == 201)
            #expect(bound.json["status"] == "Success")
            let again = try await http.send(.post, "\(pods)/p/binding", json: binding)
            #expect(again.status == 409)
            let stored = try await http.get("\(pods)/p").json
            #expect(stored.at("spec.nodeName") == "n1")
            #expect(stored["status"]?["conditions"]?.arrayValue?.first?["type"] == "PodScheduled")

            #expect(try await http.get("\(pods)/p/log").status == 400, "two containers: one must be named")
            #expect(try await http.get("\(pods)/p/log?container=a").status == 200)
            #expect(try await http.get("\(pods)/p/log?container=z").status == 400)
            #expect(try await http.get("\(pods)/p/exec").status == 400)

            let deployments = "/apis/apps/v1/namespaces/default/deployments"
            #expect(try await http.send(.post, deployments, json: deployment("web")).status == 201)
            let scale = try await http.get("\(deployments)/web/scale").json
            #expect(scale["kind"] == "Scale")
            #expect(scale["apiVersion"] == "autoscaling/v1")
            #expect(scale.at("spec.replicas") == 1)
            #expect(scale.at("status.selector") == "app=web")
            var scaled = scale
            scaled.setValue(4, at: ["spec", "replicas"])
            #expect(try await http.send(.put, "\(deployments)/web/scale", json: scaled).json.at("spec.replicas") == 4)
            let patched = try await http.send(
                .patch, "\(deployments)/web/scale", json: ["spec": ["replicas": 2]],
                contentType: "application/merge-patch+json")
            #expect(patched.json.at("spec.replicas") == 2)
            let web = try await http.get("\(deployments)/web").json
            #expect(web.at("spec.replicas") == 2)
            #expect(web.at("metadata.generation") == 3)
            let managers = web.at("metadata.managedFields")?.arrayValue?.compactMap { $0["subresource"]?.stringValue }
            #expect(managers?.contains("scale") == true)
            var stale = scale
            stale.setValue(9, at: ["spec", "replicas"])
            #expect(try await http.send(.put, "\(deployments)/web/scale", json: stale).status == 409)
            scaled.setValue(nil, at: ["metadata", "resourceVersion"])
            scaled.setValue(-1, at: ["spec", "replicas"])
            #expect(try await http.send(.put, "\(deployments)/web/scale", json: scaled).status == 422)

            let eviction = try await http.send(
                .post, "\(pods)/p/eviction",
                json: ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": "p"]])
            #expect(eviction.status == 201)
            // A bound pod is deleted gracefully: it stays, Terminating, for its grace period.
            let terminating = try await http.get("\(pods)/p").json
            #expect(terminating.at("metadata.deletionGracePeriodSeconds") == 30)
            let gone = try await http.send(
                .delete, "\(pods)/p", json: ["apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0])
            #expect(gone.status == 200)
            #expect(gone.json["kind"] == "Pod", "pods answer deletes with the object")
            #expect(try await http.get("\(pods)/p").status == 404)
        }
    }

    @Test("List resourceVersion: bad is 400, too new is 504, Exact lists the past, match without a version is 422")
    func listResourceVersions() async throws {
        try await SimHTTP.run { http in
            let base = "/api/v1/namespaces/default/configmaps"
            let first = try await http.send(.post, base, json: configMap("first")).json
            _ = try await http.send(.post, base, json: configMap("second"))
            #expect(try await http.get("\(base)?resourceVersion=abc").status == 400)
            let future = try await http.get("\(base)?resourceVersion=999999")
            #expect(future.status == 504)
            #expect(future.json["details"]?["causes"]?.arrayValue?.first?["reason"] == "ResourceVersionTooLarge")
            let past = try await http.get("\(base)?resourceVersion=\(first.rv)&resourceVersionMatch=Exact").json
            #expect(past["items"]?.arrayValue?.map(\.name).filter(isOurs) == ["first"])
            #expect(past["metadata"]?["resourceVersion"] == .string(first.rv))
            #expect(try await http.get("\(base)?resourceVersionMatch=Exact").status == 422)
            #expect(try await http.get("\(base)?resourceVersion=1&resourceVersionMatch=Exact").status == 410)
        }
    }

    @Test("Watch: too old a resourceVersion is an ERROR event; sendInitialEvents ends the initial list with a bookmark")
    func watchVersions() async throws {
        try await SimHTTP.run { http in
            let base = "/api/v1/namespaces/default/configmaps"
            _ = try await http.send(.post, base, json: configMap("present"))
            var old = try await http.stream("\(base)?watch=true&resourceVersion=1")
            #expect(old.status == 200)
            let error = try #require(try await old.nextEvent())
            #expect(error["type"] == "ERROR")
            #expect(error["object"]?["code"] == 410)

            let query = "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
            var streaming = try await http.stream("\(base)?\(query)&\(ServerWatchTests.notRootCA)")
            #expect(try await streaming.nextSummary() == "ADDED present")
            let end = try #require(try await streaming.nextEvent())
            #expect(end["type"] == "BOOKMARK")
            #expect(end["object"]?.at("metadata.annotations") == ["k8s.io/initial-events-end": "true"])

            let invalid = try await http.get("\(base)?watch=true&sendInitialEvents=true")
            #expect(invalid.status == 422)
        }
    }

    @Test("Namespaces: default ServiceAccount and kube-root-ca.crt appear; termination reports what remains")
    func namespaces() async throws {
        try await SimHTTP.run { http in
            _ = try await http.send(.post, "/api/v1/namespaces", json: ["metadata": ["name": "team"]])
            #expect(try await http.get("/api/v1/namespaces/team/serviceaccounts/default").status == 200)
            let rootCA = try await http.get("/api/v1/namespaces/team/configmaps/kube-root-ca.crt").json
            #expect(rootCA["data"]?["ca.crt"]?.stringValue?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)

            let held = configMap("held")
            var withFinalizer = held
            withFinalizer.setValue(["example.com/hold"], at: ["metadata", "finalizers"])
            _ = try await http.send(.post, "/api/v1/namespaces/team/configmaps", json: withFinalizer)
            _ = try await http.send(.delete, "/api/v1/namespaces/team")
            let terminating = try await http.get("/api/v1/namespaces/team").json
            #expect(terminating.at("status.phase") == "Terminating")
            let conditions = terminating["status"]?["conditions"]?.arrayValue ?? []
            let remaining = conditions.first { $0["type"] == "NamespaceFinalizersRemaining" }
            #expect(remaining?["status"] == "True")
            #expect(
                remaining?["message"]?.stringValue
                    == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource "
                    + "instances")
            _ = try await http.send(
                .patch, "/api/v1/namespaces/team/configmaps/held", json: ["metadata": ["finalizers": nil]],
                contentType: "application/merge-patch+json")
            #expect(try await http.get("/api/v1/namespaces/team").status == 404)
        }
    }

    @Test("events.k8s.io/v1 shows core Events in its own shape, and writes through to them")
    func eventsView() async throws {
        try await SimHTTP.run { http in
            let event: JSONValue = [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": "e1"],
                "involvedObject": ["kind": "Pod", "name": "p", "namespace": "default"],
                "reason": "Started", "message": "hello", "type": "Normal", "count": 2,
            ]
            #expect(try await http.send(.post, "/api/v1/namespaces/default/events", json: event).status == 201)
            let view = try await http.get("/apis/events.k8s.io/v1/namespaces/default/events/e1").json
            #expect(view["apiVersion"] == "events.k8s.io/v1")
            #expect(view["note"] == "hello")
            #expect(view.at("regarding.name") == "p")
            #expect(view["deprecatedCount"] == 2)
            let byRegarding = try await http.get(
                "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dp")
            #expect(byRegarding.json["items"]?.arrayValue?.count == 1)

            // Written through events.k8s.io/v1, an Event is validated in that shape (its required fields), then stored
            // as a core Event.
            let incomplete: JSONValue = [
                "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e2"],
                "regarding": ["kind": "Pod", "name": "p", "namespace": "default"], "note": "hi",
            ]
            let refused = try await http.send(
                .post, "/apis/events.k8s.io/v1/namespaces/default/events", json: incomplete)
            #expect(refused.status == 422)
            let fields = Set(
                (refused.json["details"]?["causes"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
            #expect(
                fields.isSuperset(of: ["eventTime", "reportingController", "reportingInstance", "action", "reason"]))
            var complete = incomplete
            complete.setValue("2024-01-01T00:00:00.000000Z", at: ["eventTime"])
            complete.setValue("example.com/ctl", at: ["reportingController"])
            complete.setValue("ctl-1", at: ["reportingInstance"])
            complete.setValue("Started", at: ["action"])
            complete.setValue("Started", at: ["reason"])
            complete.setValue("Normal", at: ["type"])
            let accepted = try await http.send(
                .post, "/apis/events.k8s.io/v1/namespaces/default/events", json: complete)
            #expect(accepted.status == 201)
            #expect(accepted.json["deprecatedFirstTimestamp"] == .null)
            let core = try await http.get("/api/v1/namespaces/default/events/e2").json
            #expect(core["message"] == "hi")
            #expect(core["reportingComponent"] == "example.com/ctl")
        }
    }

    @Test("Duplicate and unknown fields: the last duplicate wins with a warning per field; Strict refuses both")
    func duplicateAndUnknownFields() async throws {
        try await SimHTTP.run { http in
            let base = "/api/v1/namespaces/default/configmaps"
            let body = #"{"metadata": {"name": "dup", "labels": {"a": "1", "a": "2"}}, "data": {"k": "v"}, "bogus": 1}"#
            let warned = try await http.send(.post, base, text: body)
            #expect(warned.status == 201)
            #expect(warned.json.at("metadata.labels") == ["a": "2"], "the last duplicate wins, as in Go")
            let warnings = warned.headers[values: .init("Warning")!]
            #expect(warnings.contains("299 - \"duplicate field \\\"metadata.labels.a\\\"\""), "\(warnings)")
            #expect(warnings.contains("299 - \"unknown field \\\"bogus\\\"\""), "\(warnings)")
            let strict = try await http.send(
                .post, "\(base)?fieldValidation=Strict", text: body.replacingOccurrences(of: "\"dup\"", with: "\"s\""))
            #expect(strict.status == 400)
            #expect(
                strict.message
                    == "strict decoding error: duplicate field \"metadata.labels.a\", unknown field \"bogus\"")
            var web = deployment("web")
            web.setValue(
                [["name": "main", "image": "nginx:1.27", "bogus": 1]], at: ["spec", "template", "spec", "containers"])
            let nested = try await http.send(
                .post, "/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict", json: web)
            #expect(nested.status == 400)
            #expect(nested.message == "strict decoding error: unknown field \"spec.template.spec.containers[0].bogus\"")
        }
    }

    @Test("Paths nobody serves get the mux's plain 404; a custom resource PUT needs its resourceVersion")
    func customResourceDetails() async throws {
        try await SimHTTP.run { http in
            let nothing = try await http.get("/apis/nothing.example/v1/things")
            #expect(nothing.status == 404)
            #expect(nothing.text == "404 page not found\n")
            let workspaces = "/apis/kaito.sh/v1alpha1/namespaces/default/workspaces"
            let workspace: JSONValue = [
                "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace", "metadata": ["name": "ws"],
                "resource": ["labelSelector": ["matchLabels": ["a": "b"]]], "inference": ["preset": ["name": "phi-2"]],
            ]
            let created = try await http.send(.post, workspaces, json: workspace)
            #expect(created.status == 201)
            let put = try await http.send(.put, "\(workspaces)/ws", json: workspace)
            #expect(put.status == 422)
            #expect(put.json["details"]?["kind"] == "workspaces")
            let namespacedClaim = try await http.get("/apis/karpenter.sh/v1/namespaces/default/nodeclaims")
            #expect(namespacedClaim.status == 404)
            #expect(namespacedClaim.text == "404 page not found\n")
        }
    }
}

import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("HTTP server: discovery")
struct ServerDiscoveryTests {
    @Test("/version answers the emulated release, also to anonymous clients")
    func version() async throws {
        try await SimHTTP.run { http in
            let response = try await http.with(token: nil).get("/version")
            #expect(response.status == 200)
            #expect(response.json["gitVersion"] == .string(KaitoSim.emulatedKubernetesVersion))
            #expect(response.json["major"] == "1")
            #expect(response.json["minor"] == "30")
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test("/api lists v1; /api/v1 lists core resources with verbs, short names, categories and subresources")
    func coreGroup() async throws {
        try await SimHTTP.run { http in
            let versions = try await http.get("/api")
            #expect(versions.status == 200)
            #expect(versions.json["kind"] == "APIVersions")
            #expect(versions.json["versions"] == ["v1"])
            #expect(versions.json["serverAddressByClientCIDRs"]?.arrayValue?.count == 1)

            let list = try await http.get("/api/v1")
            #expect(list.json["kind"] == "APIResourceList")
            #expect(list.json["groupVersion"] == "v1")
            let resources = list.json["resources"]?.arrayValue ?? []
            let pods = try #require(resources.first { $0["name"] == "pods" })
            #expect(pods["kind"] == "Pod")
            #expect(pods["singularName"] == "pod")
            #expect(pods["namespaced"] == true)
            #expect(pods["shortNames"] == ["po"])
            #expect(pods["categories"] == ["all"])
            #expect(
                pods["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
            let status = try #require(resources.first { $0["name"] == "pods/status" })
            #expect(status["verbs"] == ["get", "patch", "update"])
            let nodes = try #require(resources.first { $0["name"] == "nodes" })
            #expect(nodes["namespaced"] == false)
            #expect(!resources.contains { $0["name"] == "configmaps/status" })
        }
    }

    @Test("/apis lists groups with preferred versions; /apis/GROUP and /apis/GROUP/VERSION describe one")
    func groups() async throws {
        try await SimHTTP.run { http in
            let list = try await http.get("/apis")
            #expect(list.json["kind"] == "APIGroupList")
            let groups = list.json["groups"]?.arrayValue ?? []
            let names = groups.compactMap { $0["name"]?.stringValue }
            #expect(names.contains("apps"))
            #expect(names.contains("kaito.sh"))
            #expect(!names.contains(""))
            // Built-in groups come before custom resource groups.
            #expect(try #require(names.firstIndex(of: "batch")) < (try #require(names.firstIndex(of: "kaito.sh"))))
            let karpenter = try #require(groups.first { $0["name"] == "karpenter.sh" })
            #expect(karpenter["preferredVersion"] == ["groupVersion": "karpenter.sh/v1", "version": "v1"])
            #expect(karpenter["versions"]?.arrayValue?.count == 3)

            let apps = try await http.get("/apis/apps")
            #expect(apps.json["kind"] == "APIGroup")
            #expect(apps.json["preferredVersion"]?["version"] == "v1")

            let appsV1 = try await http.get("/apis/apps/v1")
            #expect(appsV1.json["groupVersion"] == "apps/v1")
            let deployments = appsV1.json["resources"]?.arrayValue?.first { $0["name"] == "deployments" }
            #expect(deployments?["shortNames"] == ["deploy"])
        }
    }

    @Test("Creating a CRD adds its group to discovery; deleting it removes the group")
    func crdDiscovery() async throws {
        try await SimHTTP.run { http in
            #expect(try await http.get("/apis/example.com/v1").status == 404)
            let created = try await http.send(
                .post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: widgetCRD())
            #expect(created.status == 201)

            let groups = try await http.get("/apis").json["groups"]?.arrayValue ?? []
            #expect(groups.contains { $0["name"] == "example.com" })
            let resources = try await http.get("/apis/example.com/v1").json["resources"]?.arrayValue ?? []
            #expect(resources.compactMap { $0["name"]?.stringValue } == ["widgets", "widgets/status"])
            #expect(resources.first?["shortNames"] == ["wd"])
            #expect(resources.first?["kind"] == "Widget")

            let deleted = try await http.send(
                .delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
            #expect(deleted.status == 200)
            let missing = try await http.get("/apis/example.com/v1")
            #expect(missing.status == 404)
            #expect(missing.json["kind"] == "Status")
        }
    }

    @Test("Unknown paths and groups are 404 Status objects")
    func unknownPaths() async throws {
        try await SimHTTP.run { http in
            for path in ["/apis/nothing.example/v1", "/apis/apps/v2", "/api/v1/widgets", "/nonsense", "/apis/nope"] {
                let response = try await http.get(path)
                #expect(response.status == 404, "\(path)")
                #expect(response.json["kind"] == "Status", "\(path)")
                #expect(response.reason == "NotFound", "\(path)")
            }
        }
    }

    @Test("/openapi/v2 in protobuf is an empty document; in JSON a Swagger 2.0 skeleton; /openapi/v3 is served")
    func openAPI() async throws {
        try await SimHTTP.run { http in
            let protobuf = try await http.get(
                "/openapi/v2", accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
            #expect(protobuf.status == 200)
            #expect(protobuf.data.isEmpty)
            let json = try await http.get("/openapi/v2")
            #expect(json.json["swagger"] == "2.0")
            #expect(try await http.get("/openapi/v3").status == 200)
        }
    }

    @Test("Health endpoints answer ok")
    func health() async throws {
        try await SimHTTP.run { http in
            for path in ["/healthz", "/livez", "/readyz"] {
                let response = try await http.with(token: nil).get(path, accept: nil)
                #expect(response.status == 200)
                #expect(response.text == "ok")
            }
        }
    }
}

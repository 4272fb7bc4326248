import Foundation
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoSim

@Suite("HTTP server: authentication and authorization")
struct ServerAuthTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    @Test("A bad bearer token or another scheme is 401 Unauthorized, even for /version")
    func badCredentials() async throws {
        try await SimHTTP.run { http in
            for path in ["/version", Self.configMaps] {
                let response = try await http.with(token: "wrong").get(path)
                #expect(response.status == 401)
                #expect(response.json["kind"] == "Status")
                #expect(response.reason == "Unauthorized")
                #expect(response.message == "Unauthorized")
            }
        }
    }

    @Test("No credential is system:anonymous: 200 on /version, 403 on discovery and resources")
    func anonymous() async throws {
        try await SimHTTP.run { http in
            let anonymous = http.with(token: nil)
            #expect(try await anonymous.get("/version").status == 200)

            let discovery = try await anonymous.get("/api")
            #expect(discovery.status == 403)
            #expect(discovery.message == "forbidden: User \"system:anonymous\" cannot get path \"/api\"")

            let list = try await anonymous.get(Self.configMaps)
            #expect(list.status == 403)
            #expect(list.reason == "Forbidden")
            #expect(
                list.message == "configmaps is forbidden: User \"system:anonymous\" cannot list resource "
                    + "\"configmaps\" in API group \"\" in the namespace \"default\"")
            #expect(list.json["details"] == ["kind": "configmaps"])

            let node = try await anonymous.get("/api/v1/nodes/gpu-0")
            #expect(
                node.message == "nodes \"gpu-0\" is forbidden: User \"system:anonymous\" cannot get resource "
                    + "\"nodes\" in API group \"\" at the cluster scope")

            let watch = try await anonymous.get("/apis/apps/v1/deployments?watch=true")
            #expect(watch.status == 403)
            #expect(watch.message.contains("cannot watch resource \"deployments\" in API group \"apps\""))
        }
    }

    @Test("With anonymous access disabled, a request without credentials is 401")
    func anonymousDisabled() async throws {
        try await SimHTTP.run(configure: { $0.authentication.anonymousEnabled = false }) { http in
            let anonymous = try await http.with(token: nil).get("/version")
            #expect(anonymous.status == 401)
            let admin = try await http.get("/version")
            #expect(admin.status == 200)
        }
    }

    @Test("A user's rules allow only the verbs and resources they name; denials use RBAC's wording")
    func rules() async throws {
        try await SimHTTP.run(configure: { configuration in
            configuration.authentication.tokens["viewer-token"] = SimUser(name: "viewer")
            configuration.authorization.rules["viewer"] = [
                SimPolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["configmaps"]),
                SimPolicyRule(verbs: ["get"], apiGroups: ["kaito.sh"], resources: ["workspaces"], namespaces: ["team"]),
            ]
        }) { http in
            _ = try await http.send(.post, Self.configMaps, json: configMap("shared"))
            let viewer = http.with(token: "viewer-token")
            #expect(try await viewer.get(Self.configMaps).status == 200)
            #expect(try await viewer.get("\(Self.configMaps)/shared").status == 200)
            #expect(try await viewer.get("/api/v1").status == 200)

            let create = try await viewer.send(.post, Self.configMaps, json: configMap("mine"))
            #expect(create.status == 403)
            #expect(
                create.message == "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\" "
                    + "in API group \"\" in the namespace \"default\"")

            let workspaces = try await viewer.get("/apis/kaito.sh/v1alpha1/namespaces/default/workspaces")
            #expect(workspaces.status == 403)
            #expect(
                workspaces.message == "workspaces.kaito.sh is forbidden: User \"viewer\" cannot list resource "
                    + "\"workspaces\" in API group \"kaito.sh\" in the namespace \"default\"")
            #expect(workspaces.json["details"] == ["group": "kaito.sh", "kind": "workspaces"])

            let inTeam = try await viewer.get("/apis/kaito.sh/v1alpha1/namespaces/team/workspaces/w")
            #expect(inTeam.status == 404)

            let status = try await viewer.send(
                .put, "/apis/kaito.sh/v1alpha1/namespaces/team/workspaces/w/status", json: [:])
            #expect(status.status == 403)
            #expect(
                status.message == "workspaces.kaito.sh \"w\" is forbidden: User \"viewer\" cannot update resource "
                    + "\"workspaces/status\" in API group \"kaito.sh\" in the namespace \"team\"")
        }
    }

    @Test("Over TLS: tokens work, a client certificate's CN and O are the user and groups, a wrong CA is refused")
    func tls() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-sim-tls-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pki = try SimPKI.generate(in: directory, clientUser: "alice", clientGroups: ["dev"])
        let other = try SimPKI.generate(in: directory.appendingPathComponent("other"))
        let ca = try pki.data(atPath: pki.caCertificatePath)
        let withCertificate = HTTPClientConfiguration(
            tls: .init(
                trustRoots: .pem(ca),
                clientIdentity: .init(
                    certificate: .file(path: pki.clientCertificatePath), privateKey: .file(path: pki.clientKeyPath))))
        let tls = try pki.serverTLS(verifyClients: true)
        try await SimHTTP.run(
            configure: { configuration in
                configuration.tls = tls
                configuration.authorization.rules["dev"] = [SimPolicyRule(verbs: ["list"], resources: ["configmaps"])]
            }, client: withCertificate
        ) { http in
            #expect(http.server.url.hasPrefix("https://127.0.0.1:"))
            let alice = http.with(token: nil)
            #expect(try await alice.get(Self.configMaps).status == 200)
            let denied = try await alice.send(.post, Self.configMaps, json: configMap("x"))
            #expect(denied.status == 403)
            #expect(denied.message.contains("User \"alice\" cannot create resource \"configmaps\""))

            let tokenOnly = try SimHTTP(
                server: http.server, store: http.store, clock: http.clock,
                transport: CurlTransport(configuration: HTTPClientConfiguration(tls: .init(trustRoots: .pem(ca)))))
            #expect(try await tokenOnly.send(.post, Self.configMaps, json: configMap("y")).status == 201)
            let anonymous = try await tokenOnly.with(token: nil).get(Self.configMaps)
            #expect(anonymous.status == 403)
            #expect(anonymous.message.contains("system:anonymous"))

            let wrongCA = try SimHTTP(
                server: http.server, store: http.store, clock: http.clock,
                transport: CurlTransport(
                    configuration: HTTPClientConfiguration(
                        tls: .init(trustRoots: .pem(try other.data(atPath: other.caCertificatePath))))))
            await #expect(throws: HTTPClientError.self) { _ = try await wrongCA.get("/version") }
        }
    }
}

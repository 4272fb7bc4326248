import Foundation
import KaitoCore
import KaitoHTTP
import Testing

@testable import KaitoSim

@Suite("HTTP server: fault injection")
struct ServerFaultTests {
    static let configMaps = "/api/v1/namespaces/default/configmaps"

    @Test("A fleet's fault plan fails matching requests with the API server's Status (429 with Retry-After)")
    func injectedErrors() async throws {
        let clock = ManualClock()
        let store = APIStore(clock: clock, identifiers: SeededIdentifierSource(seed: 3))
        let plan = FaultPlan(errorRules: [
            FaultPlan.ErrorRule(
                verbs: ["list"], resources: [GroupResource(group: "", resource: "configmaps")], rate: 1,
                error: .tooManyRequests)
        ])
        let fleet = FleetSimulator(store: store, configuration: FleetConfiguration(faults: plan, randomSeed: 1))
        var configuration = SimServer.Configuration(faults: fleet)
        configuration.authentication.tokens[adminToken] = SimUser(name: "admin", groups: ["system:masters"])
        try await SimServer.withServer(store: store, configuration: configuration) { server in
            let http = SimHTTP(server: server, store: store, clock: clock, transport: try CurlTransport())
            #expect(try await http.send(.post, Self.configMaps, json: configMap("ok")).status == 201)
            let failed = try await http.get(Self.configMaps)
            #expect(failed.status == 429)
            #expect(failed.reason == "TooManyRequests")
            #expect(failed.headers[.retryAfter] == "1")
            #expect(failed.message.contains("simulated fault"))
            #expect(try await http.get("\(Self.configMaps)/ok").status == 200)

            await fleet.setFaults(FaultPlan())
            #expect(try await http.get(Self.configMaps).status == 200)
        }
    }
}

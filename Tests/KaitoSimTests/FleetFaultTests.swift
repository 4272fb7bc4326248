import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Fleet: fault injection")
struct FleetFaultTests {
    static let pods = GroupResource(group: "", resource: "pods")
    static let workspaces = GroupResource(group: "kaito.sh", resource: "workspaces")

    @Test("Decisions follow the seeded generator: same seed, same faults")
    func seededDecisions() {
        let plan = FaultPlan(errorRules: [FaultPlan.ErrorRule(verbs: ["create"], resources: [Self.pods], rate: 0.5)])
        func decisions(seed: UInt64) -> [Bool] {
            var generator = SeededRandomNumberGenerator(seed: seed)
            return (0..<64).map { _ in plan.shouldFail(verb: "create", resource: Self.pods, using: &generator) }
        }
        let first = decisions(seed: 42)
        #expect(first == decisions(seed: 42))
        #expect(first != decisions(seed: 43))
        let failures = first.filter { $0 }.count
        #expect(failures > 16 && failures < 48)
    }

    @Test("Rates of 0 and 1, and requests no rule applies to")
    func rulesAndRates() {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let never = FaultPlan(errorRules: [FaultPlan.ErrorRule(rate: 0)])
        let always = FaultPlan(errorRules: [FaultPlan.ErrorRule(rate: 1, error: .serviceUnavailable)])
        #expect((0..<20).allSatisfy { _ in !never.shouldFail(verb: "get", resource: Self.pods, using: &generator) })
        #expect((0..<20).allSatisfy { _ in always.shouldFail(verb: "get", resource: Self.pods, using: &generator) })

        // The first applicable rule decides; a request no rule applies to draws nothing.
        let plan = FaultPlan(errorRules: [
            FaultPlan.ErrorRule(verbs: ["watch"], rate: 0), FaultPlan.ErrorRule(resources: [Self.workspaces], rate: 1),
        ])
        var untouched = SeededRandomNumberGenerator(seed: 9)
        #expect(!plan.shouldFail(verb: "list", resource: Self.pods, using: &untouched))
        #expect(untouched == SeededRandomNumberGenerator(seed: 9))
        #expect(!plan.shouldFail(verb: "watch", resource: Self.workspaces, using: &untouched))
        #expect(untouched != SeededRandomNumberGenerator(seed: 9))
        #expect(plan.shouldFail(verb: "update", resource: Self.workspaces, using: &untouched))
        #expect(FaultPlan().isEmpty && !plan.isEmpty)
    }

    @Test("Injected errors are the API server's Status errors")
    func errorKinds() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let codes = FaultPlan.ErrorKind.allCases.map { kind in
            FaultPlan(errorRules: [FaultPlan.ErrorRule(rate: 1, error: kind)])
                .injectedError(verb: "patch", resource: Self.workspaces, using: &generator)
                .map { "\($0.code) \($0.reason)" }
        }
        #expect(codes == ["500 InternalError", "503 ServiceUnavailable", "429 TooManyRequests", "504 Timeout"])
        let error = FaultPlan.ErrorKind.internalError.apiError(verb: "patch", resource: Self.workspaces)
        #expect(error.message.contains("simulated fault injected by kaito-sim on patch workspaces.kaito.sh"))
        #expect(FaultPlan.ErrorKind.tooManyRequests.retryAfterSeconds == 1)
    }

    @Test("Latency is the added latency plus seeded jitter")
    func latency() {
        var generator = SeededRandomNumberGenerator(seed: 5)
        #expect(FaultPlan(addedLatency: 0.25).latency(using: &generator) == 0.25)
        let jittered = FaultPlan(addedLatency: 1, latencyJitter: 0.5)
        let samples = (0..<20).map { _ in jittered.latency(using: &generator) }
        #expect(samples.allSatisfy { $0 >= 1 && $0 < 1.5 })
        #expect(Set(samples).count > 1)
    }

    @Test("The simulator's decisions are reproducible from its seed, and its plan can change")
    func simulatorDecisions() async {
        let plan = FaultPlan(errorRules: [FaultPlan.ErrorRule(verbs: ["get"], rate: 0.3)])
        func run() async -> [Int?] {
            let fixture = FleetFixture(configuration: FleetConfiguration(faults: plan, randomSeed: 99))
            var codes: [Int?] = []
            for _ in 0..<32 {
                codes.append(await fixture.fleet.injectedError(verb: "get", resource: Self.pods)?.code)
            }
            return codes
        }
        let first = await run()
        #expect(await run() == first)
        #expect(first.contains(500) && first.contains(nil))

        let fixture = FleetFixture(configuration: FleetConfiguration(faults: plan, randomSeed: 99))
        await fixture.fleet.setFaults(FaultPlan())
        #expect(await fixture.fleet.faults.isEmpty)
        #expect(await fixture.fleet.injectedError(verb: "get", resource: Self.pods) == nil)
        #expect(await fixture.fleet.injectedLatency() == 0)
    }

    @Test("Watches are dropped every watchDropInterval seconds of the store's clock")
    func droppedWatches() async throws {
        let fixture = FleetFixture(configuration: FleetConfiguration(faults: FaultPlan(watchDropInterval: 10)))
        let stream = try await fixture.store.watch(R.nodes)
        var iterator = stream.makeAsyncIterator()
        let first = await fixture.fleet.reconcileOnce()
        #expect(first.nextWakeTime == fixture.clock.now().addingTimeInterval(10))
        #expect(await fixture.store.watchCount == 1)

        fixture.clock.advance(by: 10)
        let second = await fixture.fleet.reconcileOnce()
        #expect(second.actions == ["dropped every watch (fault injection)"])
        #expect(await iterator.next() == nil)
        #expect(await fixture.store.watchCount == 0)
    }
}

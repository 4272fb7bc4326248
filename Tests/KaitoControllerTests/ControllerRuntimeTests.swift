import KaitoTestSupport
import Foundation
import KaitoCore
import KaitoK8s
import KaitoOperator
import KaitoSim
import Testing

/// The built `kaito-controller` against a KaitoSim API server: probes, metrics, graceful stop, leader election.
/// Serialized: each test runs one or two controller processes and the machine has few cores.
@Suite("kaito-controller against a simulated cluster", .serialized)
struct ControllerRuntimeTests {
    static let falconWorkspace: JSONValue = [
        "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace",
        "metadata": ["name": "workspace-falcon-7b", "namespace": "default"],
        "resource": [
            "instanceType": "Standard_NC12s_v3", "labelSelector": ["matchLabels": ["apps": "falcon-7b"]],
        ],
        "inference": ["preset": ["name": "falcon-7b"]],
    ]

    @Test("it starts, answers /healthz and /readyz on the bound ports, serves /metrics, and SIGTERM exits 0")
    func probesMetricsAndStop() async throws {
        try await ControllerSim.run { sim in
            let controller = try sim.startController()
            let startup = try await controller.waitForStartup()
            let health = try #require(startup.healthPort)
            let metrics = try #require(startup.metricsPort)
            #expect(health != 0 && metrics != 0 && health != metrics)

            let healthz = try await httpGet(port: health, "/healthz")
            #expect(healthz.status == 200)
            #expect(await controllerEventually { try await httpGet(port: health, "/readyz").status == 200 })
            #expect(try await httpGet(port: health, "/readyz").body.contains("caches synced"))

            let page = try await httpGet(port: metrics, "/metrics")
            #expect(page.status == 200)
            for series in [
                "# TYPE kaito_workspace_reconcile_total counter",
                "kaito_workspace_reconcile_total{result=\"success\"}",
                "kaito_workspace_reconcile_total{result=\"requeue\"}",
                "kaito_workspace_reconcile_total{result=\"error\"}",
                "kaito_workspace_reconcile_errors_total",
                "# TYPE kaito_workspace_reconcile_duration_seconds histogram",
                "kaito_workqueue_depth",
            ] {
                #expect(page.body.contains(series), "/metrics lacks \(series)")
            }
            #expect(try await controller.stop() == 0)
            #expect(controller.stderr.contains("kaito-controller stopped"))
            #expect(!controller.stderr.contains(ControllerSim.token), "the log must not carry the token")
        }
    }

    @Test("a workspace is reconciled: the reconcile counters, gauges and Events show it")
    func reconcileShowsInMetricsAndEvents() async throws {
        try await ControllerSim.run { sim in
            let controller = try sim.startController()
            let startup = try await controller.waitForStartup()
            let metrics = try #require(startup.metricsPort)
            _ = try await sim.client.resource(.workspaces).create(try KubernetesObject(json: Self.falconWorkspace))

            let counted = await controllerEventually(timeout: .seconds(60)) {
                let body = try await httpGet(port: metrics, "/metrics").body
                return body.split(separator: "\n").contains { line in
                    line.hasPrefix("kaito_workspace_reconcile_total{") && !line.hasSuffix(" 0")
                }
            }
            #expect(counted, "no reconcile was counted")
            #expect(
                await controllerEventually(timeout: .seconds(30)) {
                    try await httpGet(port: metrics, "/metrics").body.contains("kaito_workspaces{")
                })
            let recorded = await controllerEventually(timeout: .seconds(60)) {
                let events = try await sim.client.resource(Event.self).list(namespace: "default").items
                return events.contains {
                    $0.involvedObject?.name == "workspace-falcon-7b"
                        && $0.value(at: "source", "component")?.stringValue == "kaito-controller"
                }
            }
            #expect(recorded, "no Event about the workspace")
            #expect(try await controller.stop() == 0)
        }
    }

    @Test("with --leader-elect it takes the Lease, and SIGTERM releases it (holder cleared) and exits 0")
    func leaseReleasedOnStop() async throws {
        try await ControllerSim.run(fleet: false) { sim in
            let controller = try sim.startController(["--leader-elect"])
            let startup = try await controller.waitForStartup()
            let identity = try #require(startup.identity)
            #expect(
                await controllerEventually { try await sim.lease()?.holderIdentity == identity },
                "the controller never held the Lease")
            let held = try #require(try await sim.lease())
            #expect(held.leaseDurationSeconds == 4)
            #expect(held.renewTime != nil && held.acquireTime != nil)
            if let health = startup.healthPort {
                #expect(await controllerEventually { try await httpGet(port: health, "/readyz").status == 200 })
            }

            #expect(try await controller.stop() == 0)
            let released = try #require(try await sim.lease())
            #expect((released.holderIdentity ?? "").isEmpty, "the Lease still names \(released.holderIdentity ?? "")")
            #expect(released.leaseDurationSeconds == 1)
            #expect(controller.stderr.contains("released the Lease"))
        }
    }

    @Test("two controllers with --leader-elect: one holds the Lease, the other waits ready; SIGTERM hands over")
    func twoControllers() async throws {
        try await ControllerSim.run(fleet: false) { sim in
            let first = try sim.startController(["--leader-elect"])
            let firstStartup = try await first.waitForStartup()
            let firstIdentity = try #require(firstStartup.identity)
            #expect(await controllerEventually { try await sim.lease()?.holderIdentity == firstIdentity })

            let second = try sim.startController(["--leader-elect"])
            let secondStartup = try await second.waitForStartup()
            let secondIdentity = try #require(secondStartup.identity)
            #expect(firstIdentity != secondIdentity)
            try await second.waitForLog(containing: "held by another candidate")
            // The standby is ready (healthy, waiting), and does not take the Lease while the leader renews.
            if let health = secondStartup.healthPort {
                let readyz = try await httpGet(port: health, "/readyz")
                #expect(readyz.status == 200)
                #expect(readyz.body.contains("waiting for leadership"))
            }
            try await Task.sleep(for: .seconds(5))  // longer than the 4 s lease: the leader keeps renewing
            #expect(try await sim.lease()?.holderIdentity == firstIdentity)
            #expect(!second.stderr.contains("became the leader"))

            let handedOver = ContinuousClock.now
            #expect(try await first.stop() == 0)
            #expect(
                await controllerEventually(timeout: .seconds(10)) {
                    try await sim.lease()?.holderIdentity == secondIdentity
                }, "the standby did not take over")
            // Released, not expired: the takeover comes well within the lease duration after the stop.
            #expect(ContinuousClock.now - handedOver < .seconds(10))
            let lease = try #require(try await sim.lease())
            #expect(lease.leaseTransitions == 1)
            try await second.waitForLog(containing: "became the leader")
            #expect(try await second.stop() == 0)
        }
    }

    @Test("a controller killed without releasing is replaced once its Lease expires")
    func takeoverAfterCrash() async throws {
        try await ControllerSim.run(fleet: false) { sim in
            let first = try sim.startController(["--leader-elect"])
            let firstIdentity = try #require(try await first.waitForStartup().identity)
            #expect(await controllerEventually { try await sim.lease()?.holderIdentity == firstIdentity })
            let second = try sim.startController(["--leader-elect"])
            let secondIdentity = try #require(try await second.waitForStartup().identity)

            first.kill()
            #expect(try await first.waitForExit() == 128 + SIGKILL)
            #expect(try await sim.lease()?.holderIdentity == firstIdentity, "a killed process releases nothing")
            #expect(
                await controllerEventually(timeout: .seconds(15)) {
                    try await sim.lease()?.holderIdentity == secondIdentity
                }, "the standby did not take over the expired Lease")
            #expect(try await second.stop() == 0)
        }
    }

    @Test("a leader whose Lease is taken by someone else stops and exits 1, as controller-runtime does")
    func leadershipLostExits1() async throws {
        try await ControllerSim.run(fleet: false) { sim in
            let controller = try sim.startController(["--leader-elect"])
            let identity = try #require(try await controller.waitForStartup().identity)
            #expect(await controllerEventually { try await sim.lease()?.holderIdentity == identity })
            // Another candidate takes the Lease (as after a network partition longer than the lease).
            var stolen = try #require(try await sim.lease())
            var spec = stolen.spec?.objectValue ?? [:]
            spec["holderIdentity"] = "someone-else"
            spec["renewTime"] = .string(LeaderElector.microTime(Date().addingTimeInterval(60)))
            stolen.spec = .object(spec)
            _ = try await sim.client.resource(Lease.self).replace(stolen)
            let status = try await controller.waitForExit(timeout: .seconds(20))
            #expect(status == 1)
            let errors = controller.stderr.split(separator: "\n").filter { $0.hasPrefix("kaito-controller: error: ") }
            #expect(errors.count == 1, "\(controller.stderr)")
            #expect(
                errors.first?.hasPrefix("kaito-controller: error: leader election lost") == true, "\(controller.stderr)"
            )
            #expect(try await sim.lease()?.holderIdentity == "someone-else", "a lost leader must not release")
        }
    }

    @Test("an address already in use fails with exit 1 and a line naming the server and address")
    func addressInUse() async throws {
        try await ControllerSim.run(fleet: false) { sim in
            let first = try sim.startController()
            let port = try #require(try await first.waitForStartup().healthPort)
            let second = try ControllerProcess.start(
                [
                    "--kubeconfig", sim.kubeconfig.path, "--metrics-bind-address", "0",
                    "--health-probe-bind-address", "127.0.0.1:\(port)",
                ], directory: sim.directory.appendingPathComponent("logs"))
            #expect(try await second.waitForExit() == 1)
            #expect(second.stderr.contains("kaito-controller: error: cannot serve health probes on 127.0.0.1:\(port)"))
            #expect(try await first.stop() == 0)
        }
    }
}

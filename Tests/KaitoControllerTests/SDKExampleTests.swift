import Foundation
import KaitoCore
import KaitoK8s
import KaitoTestSupport
import Testing

/// examples/sdk, the Swift program in the DocC article, builds against this checkout and runs to the end on
/// KaitoSim with the built kaito-controller.
@Suite("The SDK example package")
struct SDKExampleTests {
    @Test("the DocC article shows examples/sdk's program as it is")
    func articleMatchesTheProgram() throws {
        let program = try DeployRepository.text("examples/sdk/Sources/deploy-falcon/main.swift")
        let article = try DeployRepository.text("Sources/KaitoK8s/KaitoK8s.docc/WorkspaceWorkflows.md")
        #expect(article.contains("```swift\n\(program)```"), "update WorkspaceWorkflows.md from main.swift")
        #expect(program.split(separator: "\n").count <= 20)
    }

    @Test("examples/sdk builds, deploys falcon-7b with progress, chats and deletes it", .timeLimit(.minutes(30)))
    func deployFalcon() async throws {
        let swift = try #require(CommandLineTools.executable("swift"), "swift is not on PATH")
        let package = DeployRepository.root.appendingPathComponent("examples/sdk")
        // A build folder of its own (ignored by git) that later runs reuse.
        let scratch = DeployRepository.root.appendingPathComponent(".build-examples")
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        let build = try await ChildProcess.run(
            swift,
            ["build", "--package-path", package.path, "--scratch-path", scratch.path, "--product", "deploy-falcon"],
            environment: environment, in: scratch.appendingPathComponent("logs"), timeoutSeconds: 1500)
        try #require(build.status == 0, "swift build of examples/sdk failed:\n\(build.output)\n\(build.errors)")
        let binary = scratch.appendingPathComponent("debug/deploy-falcon").path

        try await ControllerSim.run { sim in
            let controller = try sim.startController()
            _ = try await controller.waitForStartup()
            environment["KUBECONFIG"] = sim.kubeconfig.path
            let run = try await ChildProcess.run(
                binary, [], environment: environment, in: sim.directory.appendingPathComponent("example"),
                timeoutSeconds: 300)
            #expect(run.status == 0, "\(run.output)\n\(run.errors)")
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("ResourceReady: True workspaceResourceStatusSuccess") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("Machine ") && $0.contains(": Ready, node ") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("Pod workspace-falcon-7b-") && $0.hasSuffix(", ready") }, "\(lines)")
            #expect(lines.contains("workspace-falcon-7b succeeded"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("falcon-7b says: ") && $0.count > "falcon-7b says: ".count })
            #expect(lines.last == "deleted workspace-falcon-7b")
            #expect(try await !sim.client.resource(.workspaces).exists("workspace-falcon-7b", namespace: "default"))
            #expect(try await sim.client.resource(.machines).list().items.isEmpty, "the controller removed the node")
        }
    }
}

import ArgumentParser
import Foundation
import KaitoCore

/// The `kaitoctl` command line.
struct Kaitoctl: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "kaitoctl",
        abstract: "Deploy and fine-tune open LLMs on Kubernetes GPU nodes with Kaito workspaces.",
        discussion: exitCodeHelp,
        version: "kaitoctl \(version) (Kaito API kaito.sh/v1alpha1, presets v0.3.1)",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ModelsCommand.self, SkusCommand.self, WorkspaceCommand.self,
            InstallCommand.self, UninstallCommand.self, ChatCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Kaitoctl.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            Console.error(error.lines)
            exit(error.status.rawValue)
        } catch {
            let code = Kaitoctl.exitCode(for: error)
            let message = Kaitoctl.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                exit(0)
            }
            if !message.isEmpty { Console.error([message]) }
            exit(ExitStatus.usage.rawValue)
        }
    }
}

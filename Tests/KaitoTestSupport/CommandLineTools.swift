import Foundation
import KaitoSim

/// Finds the command-line tools (kubectl, helm, bash) that tests run the way a user would.
public enum CommandLineTools {
    /// The first executable file called `name` in a folder of `PATH`, if any.
    public static func executable(_ name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The kubectl that talks to KaitoSim: the one on `PATH`, or the `kubectl.MAJOR.MINOR` beside it that matches
    /// ``KaitoSim/emulatedKubernetesVersion`` when the one on `PATH` is Google Cloud SDK's kubectl dispatcher.
    ///
    /// The dispatcher asks the server's `/version` (giving up after 5 s) and runs the kubectl of that minor
    /// version, or its own (1.32) when the answer is late. kubectl 1.32 sends protobuf bodies from its typed
    /// clients (`kubectl create namespace`), which KaitoSim answers with 415; so on a busy machine the test's
    /// outcome would depend on how fast the server answered. Running the matching kubectl directly takes that
    /// choice away from the clock; it is the kubectl the dispatcher picks whenever the lookup is in time.
    public static let kubectl: String? = {
        guard let onPath = executable("kubectl") else { return nil }
        let release = KaitoSim.emulatedKubernetesVersion.dropFirst().split(separator: ".").prefix(2)
            .joined(separator: ".")
        let folder = URL(fileURLWithPath: onPath).resolvingSymlinksInPath().deletingLastPathComponent()
        let matching = folder.appendingPathComponent("kubectl.\(release)").path
        return FileManager.default.isExecutableFile(atPath: matching) ? matching : onPath
    }()
}

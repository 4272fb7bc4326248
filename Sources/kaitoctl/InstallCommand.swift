import ArgumentParser
import Foundation
import KaitoCore
import KaitoK8s

/// `kaitoctl install`: applies the operator (CRD, namespace, RBAC, Deployment, Service) to the cluster.
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the kaito-swift operator (CRD, namespace, RBAC, controller Deployment, Service).",
        discussion: """
            Applies the objects of deploy/ (embedded in kaitoctl) with server-side apply as field manager kaitoctl, \
            in dependency order: the Workspace CRD (waiting until it is served), the namespace, the service account \
            and RBAC, the controller Deployment and its metrics Service. Prints one line per object: created, \
            configured or unchanged. Running it again updates the installation. The namespace is kaito-system \
            unless -n is given.

            \(exitCodeHelp)
            """)

    @Option(help: "Where GPU nodes come from: machine (gpu-provisioner), nodeclaim (Karpenter) or none.")
    var provisioner = "machine"

    @Option(
        help: ArgumentHelp(
            "The controller image (default: the manifest's ghcr.io/kaito-swift/kaito-controller).", valueName: "image"))
    var image: String?

    @Flag(help: "Server-side dry run: the API server checks every object and stores nothing.")
    var dryRun = false

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        guard Installer.Options.provisioners.contains(provisioner) else {
            throw ValidationError("--provisioner must be machine, nodeclaim or none, not \"\(provisioner)\"")
        }
        if let image, image.isEmpty || image.contains(where: \.isWhitespace) {
            throw ValidationError("--image must be a non-empty image reference without spaces")
        }
    }

    func run() async throws {
        let (client, _) = try cluster.connect()
        let namespace = cluster.namespace ?? Installer.Options.defaultNamespace
        let installer = Installer(
            client: client,
            options: Installer.Options(provisioner: provisioner, image: image, namespace: namespace, dryRun: dryRun))
        do {
            try await withClusterErrors {
                try await installer.install { Console.out($0.description) }
            }
        } catch let error as CRDNotServedError {
            throw CLIError(error.description, status: .timedOut)
        }
        if dryRun {
            Console.out("Dry run: nothing was stored. Run again without --dry-run to install.")
        } else {
            Console.out(
                "Installed. Next: kubectl -n \(namespace) rollout status deployment/kaito-controller; then "
                    + "kaitoctl workspace create -f examples/inference/falcon-7b.yaml --wait")
        }
    }
}

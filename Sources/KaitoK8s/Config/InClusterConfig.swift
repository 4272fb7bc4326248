import Foundation
import KaitoHTTP

extension KubeconfigLoader {
    /// Whether the process looks like it runs in a pod: `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`
    /// are set and the service account token file exists (client-go's test).
    public var isInClusterPossible: Bool {
        let variables = environment.variables
        guard let host = variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else { return false }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: inClusterTokenPath, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// The service account token file.
    var inClusterTokenPath: String { (environment.inClusterRoot as NSString).appendingPathComponent("token") }

    /// Connects as the pod's service account, as client-go's `InClusterConfig` does.
    ///
    /// The server is `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` (IPv6 hosts bracketed), the CA
    /// is `ca.crt` and the token is `token` in ``KubeconfigEnvironment/inClusterRoot``, read again whenever it is
    /// rotated. The namespace is `namespace` if given, else `POD_NAMESPACE`, else the `namespace` file, else
    /// `default`.
    ///
    /// - Parameter namespace: A namespace that overrides the service account's.
    /// - Throws: ``KubeconfigError`` when the variables are missing or the token cannot be read.
    public func inClusterConnection(namespace: String? = nil) throws -> ClusterConnection {
        let variables = environment.variables
        let root = environment.inClusterRoot
        guard let host = variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeconfigError(
                file: root, message: "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
                hint: "this only works inside a pod; use a kubeconfig elsewhere", isInCluster: true)
        }
        let tokenPath = inClusterTokenPath
        do {
            _ = try TokenFileCredentialProvider.readTokenFile(at: tokenPath)
        } catch {
            throw KubeconfigError(
                file: tokenPath, message: "cannot use the service account token: \(error.description)",
                hint: "check that the pod mounts a service account token (automountServiceAccountToken)",
                isInCluster: true)
        }
        var tls = HTTPClientConfiguration.TLSConfiguration()
        let caPath = (root as NSString).appendingPathComponent("ca.crt")
        if FileManager.default.fileExists(atPath: caPath) {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: caPath))
                tls.trustRoots = .pem(data)
            } catch {
                throw KubeconfigError(
                    file: caPath, message: "cannot read the cluster CA: \(FileProblem.describe(error))",
                    hint: "check the service account volume", isInCluster: true)
            }
        }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let fileNamespace =
            (try? String(
                contentsOf: URL(fileURLWithPath: (root as NSString).appendingPathComponent("namespace")),
                encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let chosenNamespace =
            [namespace, variables["POD_NAMESPACE"], fileNamespace].compactMap { $0 }.first { !$0.isEmpty } ?? "default"
        return ClusterConnection(
            server: "https://\(hostPart):\(port)", tls: tls, proxy: .environment(variables),
            credentials: TokenFileCredentialProvider(path: tokenPath, origin: "in-cluster service account"),
            namespace: chosenNamespace, source: ConnectionSource(isInCluster: true))
    }
}

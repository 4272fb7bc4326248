public import Foundation
import KaitoHTTP

/// Finds and reads the kubeconfig the way `kubectl` does and turns it into a ``ClusterConnection``.
///
/// The order is kubectl's: an explicit path (`--kubeconfig`), else the `KUBECONFIG` list (merged by client-go's
/// rules), else `~/.kube/config`, else the pod's service account. Nothing is read from the process globally:
/// the environment, home folder and service account folder come from ``environment``.
///
/// ```swift
/// let connection = try KubeconfigLoader().load(context: "aks-dev")
/// ```
public struct KubeconfigLoader: Sendable {
    /// The environment variables and folders loading depends on.
    public var environment: KubeconfigEnvironment
    /// The clock exec plugin credentials' expiry is checked against.
    public var now: @Sendable () -> Date

    /// Creates a loader.
    /// - Parameters:
    ///   - environment: The variables and folders to use; this process's by default.
    ///   - now: The clock for exec credential expiry.
    public init(
        environment: KubeconfigEnvironment = .current(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.environment = environment
        self.now = now
    }

    /// Loads the connection kubectl would use.
    ///
    /// - Parameters:
    ///   - kubeconfig: An explicit kubeconfig file (`--kubeconfig`); it must exist, and `KUBECONFIG` is ignored.
    ///   - context: A context to use instead of `current-context` (`--context`).
    ///   - namespace: A namespace to use instead of the context's (`--namespace`).
    /// - Throws: ``KubeconfigError`` saying which file, context and field is wrong, or what was tried when no
    ///   configuration was found.
    public func load(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil) throws
        -> ClusterConnection
    {
        let (config, tried) = try readKubeconfig(explicitPath: kubeconfig)
        if config.files.isEmpty {
            if context == nil, isInClusterPossible { return try inClusterConnection(namespace: namespace) }
            var attempts = tried
            attempts.append(inClusterAttempt)
            var message = "no Kubernetes configuration found; tried " + attempts.joined(separator: ", ")
            if let context { message = "context \"\(context)\" was asked for but " + message }
            throw KubeconfigError(
                message: message,
                hint: "get a kubeconfig (for AKS: az aks get-credentials), point KUBECONFIG or --kubeconfig at it, "
                    + "or run inside a pod with a service account")
        }
        return try connection(for: config, context: context, namespace: namespace)
    }

    /// Reads and merges the kubeconfig files kubectl would read, without choosing a context.
    ///
    /// - Parameter explicitPath: An explicit file (`--kubeconfig`), which must exist.
    /// - Returns: The merged kubeconfig; ``Kubeconfig/files`` is empty when no file was found.
    /// - Throws: ``KubeconfigError`` for a missing explicit file, an unreadable file or malformed content.
    public func loadKubeconfig(explicitPath: String? = nil) throws -> Kubeconfig {
        try readKubeconfig(explicitPath: explicitPath).config
    }

    /// The files kubectl would consider, in precedence order, whether or not they exist.
    public func candidateFiles(explicitPath: String? = nil) -> [String] {
        if let explicitPath, !explicitPath.isEmpty { return [absolute(explicitPath)] }
        if let list = environment.variables["KUBECONFIG"], !list.isEmpty {
            var files: [String] = []
            for entry in list.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
            where !entry.isEmpty {
                let path = absolute(entry)
                if !files.contains(path) { files.append(path) }
            }
            return files
        }
        guard let home = environment.home else { return [] }
        return [Kubeconfig.resolve(".kube/config", against: home)]
    }

    private func absolute(_ path: String) -> String {
        Kubeconfig.resolve(path, against: environment.workingDirectory)
    }

    private var inClusterAttempt: String {
        let variables = environment.variables
        if (variables["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty || (variables["KUBERNETES_SERVICE_PORT"] ?? "").isEmpty
        {
            return "the in-cluster service account (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)"
        }
        return "the in-cluster service account (\(inClusterTokenPath) does not exist)"
    }

    private func readKubeconfig(explicitPath: String?) throws -> (config: Kubeconfig, tried: [String]) {
        let files = candidateFiles(explicitPath: explicitPath)
        if let explicitPath, !explicitPath.isEmpty, let file = files.first {
            guard FileManager.default.fileExists(atPath: file) else {
                throw KubeconfigError(
                    file: file, message: "the file does not exist", hint: "check the --kubeconfig path")
            }
            return (Kubeconfig.merged([try readFile(file)]), [])
        }
        var configs: [Kubeconfig] = []
        var missing: [String] = []
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else {
                missing.append(file)
                continue
            }
            configs.append(try readFile(file))
        }
        var tried: [String] = []
        if let list = environment.variables["KUBECONFIG"], !list.isEmpty {
            tried.append(
                "KUBECONFIG=\(list) (\(missing.isEmpty ? "no usable entries" : "missing: " + missing.joined(separator: ", ")))"
            )
        } else if let file = files.first {
            tried.append("KUBECONFIG (not set)")
            tried.append("\(file) (does not exist)")
        } else {
            tried.append("KUBECONFIG (not set)")
            tried.append("~/.kube/config (HOME is not set)")
        }
        return (Kubeconfig.merged(configs), tried)
    }

    private func readFile(_ file: String) throws -> Kubeconfig {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            throw KubeconfigError(file: file, message: "is a folder, not a file", hint: "point at the kubeconfig file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw KubeconfigError(
                file: file, message: "cannot be read: \(FileProblem.describe(error))",
                hint: "check the file's permissions")
        }
        return try Kubeconfig.parse(data, file: file)
    }

    // MARK: - Resolving a context

    /// Builds the connection for one context of a parsed kubeconfig.
    ///
    /// - Parameters:
    ///   - config: The kubeconfig (usually from ``loadKubeconfig(explicitPath:)``).
    ///   - context: The context to use; `current-context` when `nil`.
    ///   - namespace: A namespace overriding the context's; the context's, else `default`, when `nil`.
    /// - Throws: ``KubeconfigError`` naming the file, context and field at fault.
    public func connection(for config: Kubeconfig, context: String? = nil, namespace: String? = nil) throws
        -> ClusterConnection
    {
        let allFiles = config.files.joined(separator: ":")
        let available =
            config.contexts.isEmpty
            ? "the kubeconfig defines no contexts"
            : "available contexts: " + config.contextNames.joined(separator: ", ")
        guard let contextName = (context.flatMap { $0.isEmpty ? nil : $0 }) ?? config.currentContext else {
            throw KubeconfigError(
                file: allFiles, fieldPath: "current-context", message: "no current context is set",
                hint: "pass --context NAME or run kubectl config use-context NAME; \(available)")
        }
        guard let entry = config.context(named: contextName) else {
            if context == nil {
                throw KubeconfigError(
                    file: config.currentContextFile ?? allFiles, fieldPath: "current-context",
                    message: "context \"\(contextName)\" is not defined",
                    hint: "run kubectl config use-context NAME; \(available)")
            }
            throw KubeconfigError(
                file: allFiles, message: "context \"\(contextName)\" is not defined",
                hint: "pass one of the defined contexts; \(available)")
        }
        do {
            return try connection(for: entry, in: config, namespace: namespace)
        } catch let error as KubeconfigError {
            throw error.inContext(contextName)
        }
    }

    private func connection(
        for context: Kubeconfig.Context, in config: Kubeconfig, namespace: String?
    ) throws -> ClusterConnection {
        let contextPath = "contexts[name=\(context.name)].context"
        guard let clusterName = context.cluster else {
            throw KubeconfigError(
                file: context.file, fieldPath: "\(contextPath).cluster", message: "no cluster is set",
                hint: "name one of the clusters entries")
        }
        guard let cluster = config.cluster(named: clusterName) else {
            let names = config.clusters.map(\.name).sorted()
            throw KubeconfigError(
                file: context.file, fieldPath: "\(contextPath).cluster",
                message: "cluster \"\(clusterName)\" is not defined",
                hint: names.isEmpty ? "add a clusters entry" : "defined clusters: \(names.joined(separator: ", "))")
        }
        // Like kubectl, a context without a user (or naming an undefined one) connects anonymously.
        let user = context.user.flatMap { config.user(named: $0) }
        let userCertificate = try user.map(clientIdentity) ?? nil
        let resolved = try resolve(cluster, hasClientCertificate: userCertificate != nil)
        var tls = resolved.tls
        tls.clientIdentity = userCertificate
        let credentials: any CredentialProvider =
            try user.map { try credentialProvider(for: $0, cluster: resolved.execInfo) }
            ?? StaticCredentialProvider(.anonymous)
        let chosenNamespace = [namespace, context.namespace].compactMap { $0 }.first { !$0.isEmpty } ?? "default"
        return ClusterConnection(
            server: resolved.server, tls: tls, proxy: resolved.proxy, credentials: credentials,
            namespace: chosenNamespace,
            source: ConnectionSource(
                files: config.files, context: context.name, cluster: cluster.name, user: context.user))
    }

    // MARK: - Clusters

    private struct ResolvedCluster {
        var server: String
        var tls: HTTPClientConfiguration.TLSConfiguration
        var proxy: HTTPClientConfiguration.ProxyConfiguration
        var execInfo: ExecClusterInfo
    }

    private func resolve(_ cluster: Kubeconfig.Cluster, hasClientCertificate: Bool) throws -> ResolvedCluster {
        let path = "clusters[name=\(cluster.name)].cluster"
        func failure(_ field: String?, _ message: String, _ hint: String) -> KubeconfigError {
            KubeconfigError(
                file: cluster.file, fieldPath: field.map { "\(path).\($0)" } ?? path, message: message, hint: hint)
        }
        guard var server = cluster.server?.trimmingCharacters(in: .whitespaces), !server.isEmpty else {
            throw failure("server", "no server is set", "set it to the API server URL, https://HOST:PORT")
        }
        if cluster.certificateAuthority != nil, cluster.certificateAuthorityData != nil {
            throw failure(
                nil, "both certificate-authority and certificate-authority-data are set",
                "keep only one of them, as kubectl requires")
        }
        let hasCA = cluster.certificateAuthority != nil || cluster.certificateAuthorityData != nil
        if cluster.insecureSkipTLSVerify, hasCA {
            throw failure(
                "insecure-skip-tls-verify", "is true while a certificate authority is also set",
                "remove insecure-skip-tls-verify (recommended) or the certificate authority; kubectl refuses both")
        }
        if !server.contains("://") {
            // client-go's rule for a server without a scheme: https when any TLS setting is present.
            let secure = hasCA || cluster.insecureSkipTLSVerify || hasClientCertificate
            server = (secure ? "https://" : "http://") + server
        }
        guard let components = URLComponents(string: server), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            throw failure("server", "\"\(server)\" is not an http(s) URL with a host", "use https://HOST:PORT")
        }
        var tls = HTTPClientConfiguration.TLSConfiguration(
            insecureSkipVerify: cluster.insecureSkipTLSVerify, serverName: cluster.tlsServerName)
        var caData: Data?
        if let file = cluster.certificateAuthority {
            caData = try readPEM(
                file, field: "\(path).certificate-authority", entryFile: cluster.file, what: "CA certificate")
        } else if let encoded = cluster.certificateAuthorityData {
            caData = try decodePEM(
                encoded, field: "\(path).certificate-authority-data", entryFile: cluster.file, what: "CA certificate")
        }
        if let caData { tls.trustRoots = .pem(caData) }
        let proxy: HTTPClientConfiguration.ProxyConfiguration
        if let proxyURL = cluster.proxyURL {
            guard let components = URLComponents(string: proxyURL), let scheme = components.scheme?.lowercased(),
                ["http", "https", "socks5"].contains(scheme), let host = components.host, !host.isEmpty
            else {
                let scheme = URLComponents(string: proxyURL)?.scheme.map { "scheme \"\($0)\"" } ?? "no scheme"
                throw failure(
                    "proxy-url", "is not a proxy URL with a host (\(scheme))",
                    "use http://, https:// or socks5://HOST:PORT")
            }
            proxy = .url(proxyURL)
        } else {
            proxy = .environment(environment.variables)
        }
        return ResolvedCluster(
            server: server, tls: tls, proxy: proxy,
            execInfo: ExecClusterInfo(
                server: server, certificateAuthorityData: caData, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                tlsServerName: cluster.tlsServerName, proxyURL: cluster.proxyURL, config: cluster.execExtension))
    }

    // MARK: - Users

    private func readPEM(_ file: String, field: String, entryFile: String, what: String) throws -> Data {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw KubeconfigError(
                file: entryFile, fieldPath: field, message: "cannot read \(file): \(FileProblem.describe(error))",
                hint: "fix the path (relative paths are relative to the kubeconfig's folder) or the permissions")
        }
        guard Self.looksLikePEM(data) else {
            throw KubeconfigError(
                file: entryFile, fieldPath: field, message: "\(file) does not hold a PEM \(what)",
                hint: "point at a PEM file (-----BEGIN …-----)")
        }
        return data
    }

    private func decodePEM(_ encoded: String, field: String, entryFile: String, what: String) throws -> Data {
        let compact = encoded.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw KubeconfigError(
                file: entryFile, fieldPath: field, message: "is not valid base64",
                hint: "set it to the base64 of the PEM \(what) (base64 -w0 FILE)")
        }
        guard Self.looksLikePEM(data) else {
            throw KubeconfigError(
                file: entryFile, fieldPath: field, message: "does not decode to a PEM \(what)",
                hint: "set it to the base64 of the PEM text, not of DER bytes")
        }
        return data
    }

    static func looksLikePEM(_ data: Data) -> Bool {
        String(decoding: data.prefix(64 * 1024), as: UTF8.self).contains("-----BEGIN ")
    }

    /// The user's static client certificate, read now so a bad path is reported at load.
    private func clientIdentity(_ user: Kubeconfig.User) throws -> HTTPClientConfiguration.ClientIdentity? {
        let path = "users[name=\(user.name)].user"
        let hasCertificate = user.clientCertificate != nil || user.clientCertificateData != nil
        let hasKey = user.clientKey != nil || user.clientKeyData != nil
        guard hasCertificate || hasKey else { return nil }
        func failure(_ field: String, _ message: String, _ hint: String) -> KubeconfigError {
            KubeconfigError(file: user.file, fieldPath: "\(path).\(field)", message: message, hint: hint)
        }
        if user.clientCertificate != nil, user.clientCertificateData != nil {
            throw failure(
                "client-certificate", "both client-certificate and client-certificate-data are set", "keep only one")
        }
        if user.clientKey != nil, user.clientKeyData != nil {
            throw failure("client-key", "both client-key and client-key-data are set", "keep only one")
        }
        guard hasKey else {
            throw failure(
                "client-key", "a client certificate is set without its key", "set client-key or client-key-data")
        }
        guard hasCertificate else {
            throw failure(
                "client-certificate", "a client key is set without its certificate",
                "set client-certificate or client-certificate-data")
        }
        let certificate: Data
        if let file = user.clientCertificate {
            certificate = try readPEM(
                file, field: "\(path).client-certificate", entryFile: user.file, what: "certificate")
        } else {
            certificate = try decodePEM(
                user.clientCertificateData ?? "", field: "\(path).client-certificate-data", entryFile: user.file,
                what: "certificate")
        }
        let key: Data
        if let file = user.clientKey {
            key = try readPEM(file, field: "\(path).client-key", entryFile: user.file, what: "private key")
        } else {
            key = try decodePEM(
                user.clientKeyData ?? "", field: "\(path).client-key-data", entryFile: user.file, what: "private key")
        }
        return HTTPClientConfiguration.ClientIdentity(certificate: .pem(certificate), privateKey: .pem(key))
    }

    private func credentialProvider(
        for user: Kubeconfig.User, cluster: ExecClusterInfo
    ) throws -> any CredentialProvider {
        let path = "users[name=\(user.name)].user"
        func failure(_ field: String?, _ message: String, _ hint: String) -> KubeconfigError {
            KubeconfigError(
                file: user.file, fieldPath: field.map { "\(path).\($0)" } ?? path, message: message, hint: hint)
        }
        if let provider = user.authProvider {
            let replacement: String
            switch provider {
            case "azure":
                replacement =
                    "convert the kubeconfig to the kubelogin exec plugin: kubelogin convert-kubeconfig -l azurecli"
            case "gcp":
                replacement = "install gke-gcloud-auth-plugin and run gcloud container clusters get-credentials again"
            case "oidc":
                replacement = "use an exec credential plugin such as kubectl oidc-login (int128/kubelogin)"
            default:
                replacement = "replace it with the exec credential plugin the provider documents"
            }
            throw failure(
                "auth-provider",
                "the \"\(provider)\" auth-provider plugin was removed from kubectl and is not supported",
                replacement)
        }
        if let field = user.impersonationFields.first {
            throw failure(
                field, "impersonation (as, as-groups, as-uid, as-user-extra) is not supported",
                "remove it and use a user entry with the identity's own credentials")
        }
        let hasToken = user.token != nil || user.tokenFile != nil
        let hasBasic = user.username != nil || user.password != nil
        if hasToken, hasBasic {
            throw failure(
                nil, "username/password or bearer token may be set, but not both",
                "keep either token (or tokenFile) or username/password")
        }
        if let exec = user.exec {
            if hasToken || hasBasic {
                throw failure(
                    "exec", "an exec plugin is set together with \(hasToken ? "a token" : "username/password")",
                    "keep only one way to authenticate")
            }
            return ExecCredentialProvider(
                configuration: ExecCredentialProvider.Configuration(
                    exec: try validated(exec, path: "\(path).exec", file: user.file), cluster: cluster,
                    userName: user.name, kubeconfigFile: user.file, environment: environment.variables,
                    stdinIsTerminal: environment.stdinIsTerminal),
                now: now)
        }
        if let tokenFile = user.tokenFile {
            do {
                _ = try TokenFileCredentialProvider.readTokenFile(at: tokenFile)
            } catch {
                throw failure("tokenFile", "cannot use \(tokenFile): \(error.description)", "fix the path or the file")
            }
            return TokenFileCredentialProvider(
                path: tokenFile, origin: "users[name=\(user.name)].user.tokenFile in kubeconfig \(user.file)")
        }
        if let token = user.token { return StaticCredentialProvider(KubernetesCredential(bearerToken: token)) }
        if hasBasic {
            return StaticCredentialProvider(
                KubernetesCredential(basic: .init(username: user.username ?? "", password: user.password ?? "")))
        }
        return StaticCredentialProvider(.anonymous)
    }

    private func validated(_ exec: Kubeconfig.ExecConfig, path: String, file: String) throws -> Kubeconfig.ExecConfig {
        func failure(_ field: String, _ message: String, _ hint: String) -> KubeconfigError {
            KubeconfigError(file: file, fieldPath: "\(path).\(field)", message: message, hint: hint)
        }
        var exec = exec
        if exec.command.isEmpty {
            throw failure("command", "no command is set", "set the credential plugin's command")
        }
        switch exec.apiVersion {
        case "client.authentication.k8s.io/v1":
            guard exec.interactiveMode != nil else {
                throw failure(
                    "interactiveMode", "must be set for client.authentication.k8s.io/v1",
                    "set it to Never, IfAvailable or Always")
            }
        case "client.authentication.k8s.io/v1beta1":
            if exec.interactiveMode == nil { exec.interactiveMode = .ifAvailable }
        case "client.authentication.k8s.io/v1alpha1":
            throw failure(
                "apiVersion", "client.authentication.k8s.io/v1alpha1 was removed in Kubernetes 1.24",
                "update the plugin and set apiVersion to client.authentication.k8s.io/v1 (or v1beta1)")
        case "":
            throw failure("apiVersion", "no apiVersion is set", "set it to client.authentication.k8s.io/v1")
        default:
            throw failure(
                "apiVersion", "\"\(exec.apiVersion)\" is not an exec credential API version",
                "use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1")
        }
        for (index, variable) in exec.env.enumerated() where variable.name.isEmpty {
            throw failure("env[\(index)].name", "no name is set", "give every env entry a name")
        }
        return exec
    }
}

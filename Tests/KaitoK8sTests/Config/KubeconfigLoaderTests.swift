import Foundation
import KaitoHTTP
import Testing

@testable import KaitoK8s

/// One loading scenario: files in a temp folder, the inputs kubectl takes, and what must come out.
struct LoadCase: Sendable, CustomTestStringConvertible {
    enum Expectation: Sendable {
        /// A connection with this server, namespace, context, cluster, user and file list (`{dir}` expanded).
        case connection(
            server: String, namespace: String, context: String?, cluster: String?, user: String?, files: [String])
        /// A `KubeconfigError` whose one-line description contains every fragment (`{dir}` expanded).
        case failure([String])
    }

    var name: String
    var files: [String: String]
    var variables: [String: String] = [:]
    var explicitPath: String?
    var context: String?
    var namespace: String?
    var expected: Expectation

    var testDescription: String { name }
}

private let devConfig = """
    apiVersion: v1
    kind: Config
    current-context: dev
    preferences: {}
    clusters:
    - name: dev
      cluster:
        server: https://dev.example.com:6443
        some-future-field: tolerated
    users:
    - name: dev-user
      user:
        token: dev-token-value
    contexts:
    - name: dev
      context: {cluster: dev, user: dev-user, namespace: team-a}
    - name: prod
      context: {cluster: dev, user: dev-user}
    """

/// A kubeconfig with one cluster `c`, one context `x` and the given cluster and user bodies.
private func single(cluster: String = "server: https://c.example.com", user: String = "token: t") -> String {
    """
    current-context: x
    clusters:
    - name: c
      cluster:
    \(cluster.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
    users:
    - name: u
      user:
    \(user.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
    contexts:
    - name: x
      context: {cluster: c, user: u}
    """
}

private let firstFile = """
    current-context: a-ctx
    clusters:
    - name: shared
      cluster: {server: "https://first.example.com:6443"}
    users:
    - name: u-a
      user: {token: a}
    contexts:
    - name: a-ctx
      context: {cluster: shared, user: u-a, namespace: from-a}
    """

private let secondFile = """
    current-context: b-ctx
    clusters:
    - name: shared
      cluster: {server: "https://second.example.com:6443"}
    - name: only-b
      cluster: {server: "https://only-b.example.com"}
    users:
    - name: u-b
      user: {token: b}
    contexts:
    - name: b-ctx
      context: {cluster: shared, user: u-b}
    - name: a-ctx
      context: {cluster: only-b, user: u-b, namespace: from-b}
    """

let loadCases: [LoadCase] = [
    LoadCase(
        name: "a single file through KUBECONFIG", files: ["config": devConfig],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .connection(
            server: "https://dev.example.com:6443", namespace: "team-a", context: "dev", cluster: "dev",
            user: "dev-user",
            files: ["{dir}/config"])),
    LoadCase(
        name: "~/.kube/config when KUBECONFIG is unset", files: ["home/.kube/config": devConfig],
        expected: .connection(
            server: "https://dev.example.com:6443", namespace: "team-a", context: "dev", cluster: "dev",
            user: "dev-user",
            files: ["{dir}/home/.kube/config"])),
    LoadCase(
        name: "two files: the first current-context and the first cluster of a name win; missing entries are skipped",
        files: ["a.yaml": firstFile, "b.yaml": secondFile],
        variables: ["KUBECONFIG": "{dir}/missing.yaml::{dir}/a.yaml:{dir}/b.yaml"],
        expected: .connection(
            server: "https://first.example.com:6443", namespace: "from-a", context: "a-ctx", cluster: "shared",
            user: "u-a",
            files: ["{dir}/a.yaml", "{dir}/b.yaml"])),
    LoadCase(
        name: "a context from the second file uses the first file's cluster of the same name",
        files: ["a.yaml": firstFile, "b.yaml": secondFile], variables: ["KUBECONFIG": "{dir}/a.yaml:{dir}/b.yaml"],
        context: "b-ctx",
        expected: .connection(
            server: "https://first.example.com:6443", namespace: "default", context: "b-ctx", cluster: "shared",
            user: "u-b", files: ["{dir}/a.yaml", "{dir}/b.yaml"])),
    LoadCase(
        name: "reversed order: the second file now wins everything it shares",
        files: ["a.yaml": firstFile, "b.yaml": secondFile], variables: ["KUBECONFIG": "{dir}/b.yaml:{dir}/a.yaml"],
        expected: .connection(
            server: "https://second.example.com:6443", namespace: "default", context: "b-ctx", cluster: "shared",
            user: "u-b", files: ["{dir}/b.yaml", "{dir}/a.yaml"])),
    LoadCase(
        name: "an explicit path is used alone and KUBECONFIG is ignored",
        files: ["a.yaml": firstFile, "b.yaml": secondFile], variables: ["KUBECONFIG": "{dir}/a.yaml"],
        explicitPath: "b.yaml",
        expected: .connection(
            server: "https://second.example.com:6443", namespace: "default", context: "b-ctx", cluster: "shared",
            user: "u-b", files: ["{dir}/b.yaml"])),
    LoadCase(
        name: "a missing explicit path is an error", files: ["config": devConfig], explicitPath: "{dir}/nope.yaml",
        expected: .failure(["kubeconfig {dir}/nope.yaml: the file does not exist"])),
    LoadCase(
        name: "context override", files: ["config": devConfig], variables: ["KUBECONFIG": "{dir}/config"],
        context: "prod",
        expected: .connection(
            server: "https://dev.example.com:6443", namespace: "default", context: "prod", cluster: "dev",
            user: "dev-user", files: ["{dir}/config"])),
    LoadCase(
        name: "namespace override beats the context's", files: ["config": devConfig],
        variables: ["KUBECONFIG": "{dir}/config"], namespace: "override",
        expected: .connection(
            server: "https://dev.example.com:6443", namespace: "override", context: "dev", cluster: "dev",
            user: "dev-user", files: ["{dir}/config"])),
    LoadCase(
        name: "IPv6 server", files: ["config": single(cluster: "server: https://[fd00::10]:6443/")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .connection(
            server: "https://[fd00::10]:6443", namespace: "default", context: "x", cluster: "c", user: "u",
            files: ["{dir}/config"])),
    LoadCase(
        name: "missing server", files: ["config": single(cluster: "insecure-skip-tls-verify: true")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "kubeconfig {dir}/config: context \"x\": clusters[name=c].cluster.server: no server is set (set it to"
        ])),
    LoadCase(
        name: "a server that is not http(s)", files: ["config": single(cluster: "server: ftp://c.example.com")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["clusters[name=c].cluster.server: \"ftp://c.example.com\" is not an http(s) URL"])),
    LoadCase(
        name: "current-context names a missing context",
        files: [
            "config": devConfig.replacingOccurrences(
                of: "current-context: dev", with: "current-context: staging")
        ],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "kubeconfig {dir}/config: current-context: context \"staging\" is not defined",
            "available contexts: dev, prod",
        ])),
    LoadCase(
        name: "context override names a missing context", files: ["config": devConfig],
        variables: ["KUBECONFIG": "{dir}/config"], context: "qa",
        expected: .failure(["context \"qa\" is not defined", "available contexts: dev, prod"])),
    LoadCase(
        name: "both CA file and CA data",
        files: [
            "config": single(
                cluster:
                    "server: https://c\ncertificate-authority: ca.crt\ncertificate-authority-data: \(samplePEM.base64)"),
            "ca.crt": samplePEM,
        ],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "clusters[name=c].cluster: both certificate-authority and certificate-authority-data are set"
        ])),
    LoadCase(
        name: "insecure-skip-tls-verify with a CA",
        files: [
            "config": single(
                cluster:
                    "server: https://c\ninsecure-skip-tls-verify: true\ncertificate-authority-data: \(samplePEM.base64)"
            )
        ],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "clusters[name=c].cluster.insecure-skip-tls-verify: is true while a certificate authority is also set"
        ])),
    LoadCase(
        name: "an unreadable CA file is reported with its field path",
        files: ["config": single(cluster: "server: https://c\ncertificate-authority: pki/missing-ca.crt")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "kubeconfig {dir}/config: context \"x\": clusters[name=c].cluster.certificate-authority: "
                + "cannot read {dir}/pki/missing-ca.crt: no such file"
        ])),
    LoadCase(
        name: "CA data that is not base64",
        files: ["config": single(cluster: "server: https://c\ncertificate-authority-data: '%%%not base64'")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["clusters[name=c].cluster.certificate-authority-data: is not valid base64"])),
    LoadCase(
        name: "a client certificate without its key",
        files: ["config": single(user: "client-certificate-data: \(samplePEM.base64)")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["users[name=u].user.client-key: a client certificate is set without its key"])),
    LoadCase(
        name: "a client key without its certificate",
        files: ["config": single(user: "client-key-data: \(sampleKeyPEM.base64)")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["users[name=u].user.client-certificate: a client key is set without its certificate"])),
    LoadCase(
        name: "token and basic auth together",
        files: ["config": single(user: "token: very-secret-token\nusername: admin\npassword: very-secret-password")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["users[name=u].user: username/password or bearer token may be set, but not both"])),
    LoadCase(
        name: "the azure auth-provider points at kubelogin",
        files: ["config": single(user: "auth-provider:\n  name: azure\n  config: {apiserver-id: x}")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "users[name=u].user.auth-provider: the \"azure\" auth-provider plugin was removed",
            "kubelogin convert-kubeconfig -l azurecli",
        ])),
    LoadCase(
        name: "the gcp auth-provider points at gke-gcloud-auth-plugin",
        files: ["config": single(user: "auth-provider: {name: gcp}")], variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["gke-gcloud-auth-plugin"])),
    LoadCase(
        name: "the oidc auth-provider points at an exec plugin",
        files: ["config": single(user: "auth-provider: {name: oidc}")], variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["kubectl oidc-login"])),
    LoadCase(
        name: "impersonation is not supported",
        files: ["config": single(user: "token: t\nas: someone\nas-groups: [admins]")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "users[name=u].user.as: impersonation (as, as-groups, as-uid, as-user-extra) is not supported"
        ])),
    LoadCase(
        name: "exec v1alpha1 was removed",
        files: [
            "config": single(user: "exec:\n  apiVersion: client.authentication.k8s.io/v1alpha1\n  command: plugin")
        ],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["users[name=u].user.exec.apiVersion: client.authentication.k8s.io/v1alpha1 was removed"])),
    LoadCase(
        name: "exec v1 needs interactiveMode",
        files: ["config": single(user: "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: plugin")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["users[name=u].user.exec.interactiveMode: must be set for client.authentication.k8s.io/v1"])
    ),
    LoadCase(
        name: "a field of the wrong type", files: ["config": single(cluster: "server: [not, a, string]")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["kubeconfig {dir}/config: clusters[name=c].cluster.server: expected a string, found array"])
    ),
    LoadCase(
        name: "a proxy-url with an unsupported scheme",
        files: ["config": single(cluster: "server: https://c\nproxy-url: ftp://proxy:21")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["clusters[name=c].cluster.proxy-url: is not a proxy URL with a host (scheme \"ftp\")"])),
    LoadCase(
        name: "no current context",
        files: ["config": devConfig.replacingOccurrences(of: "current-context: dev", with: "")],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure(["current-context: no current context is set", "available contexts: dev, prod"])),
    LoadCase(
        name: "a context naming an undefined cluster",
        files: [
            "config": devConfig.replacingOccurrences(
                of: "{cluster: dev, user: dev-user, namespace: team-a}", with: "{cluster: gone, user: dev-user}")
        ],
        variables: ["KUBECONFIG": "{dir}/config"],
        expected: .failure([
            "contexts[name=dev].context.cluster: cluster \"gone\" is not defined (defined clusters: dev)"
        ])),
    LoadCase(
        name: "nothing found", files: [:],
        expected: .failure([
            "no Kubernetes configuration found; tried KUBECONFIG (not set), {dir}/home/.kube/config (does not exist), "
                + "the in-cluster service account (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)",
            "az aks get-credentials",
        ])),
    LoadCase(
        name: "KUBECONFIG naming only missing files", files: ["home/.kube/config": devConfig],
        variables: ["KUBECONFIG": "{dir}/gone-1:{dir}/gone-2"],
        expected: .failure(["tried KUBECONFIG={dir}/gone-1:{dir}/gone-2 (missing: {dir}/gone-1, {dir}/gone-2)"])),
]

@Suite("Kubeconfig loading")
struct KubeconfigLoaderTests {
    @Test("loads and merges like kubectl", arguments: loadCases)
    func loading(_ testCase: LoadCase) throws {
        let folder = try ConfigFolder()
        for (name, text) in testCase.files { try folder.write(text, to: name) }
        let loader = folder.loader(testCase.variables)
        let load = {
            try loader.load(
                kubeconfig: testCase.explicitPath.map(folder.expand), context: testCase.context,
                namespace: testCase.namespace)
        }
        switch testCase.expected {
        case .connection(let server, let namespace, let context, let cluster, let user, let files):
            let connection = try load()
            #expect(connection.server == server)
            #expect(connection.namespace == namespace)
            #expect(connection.source.context == context)
            #expect(connection.source.cluster == cluster)
            #expect(connection.source.user == user)
            #expect(connection.source.files == files.map(folder.expand))
            #expect(connection.source.isInCluster == false)
        case .failure(let fragments):
            let error = #expect(throws: KubeconfigError.self) { _ = try load() }
            let text = error.map(String.init(describing:)) ?? ""
            for fragment in fragments {
                #expect(
                    text.contains(folder.expand(fragment)), "\(text)\n  does not contain\n\(folder.expand(fragment))")
            }
            #expect(!text.contains("\n"), "the error is one line")
            for secret in ["very-secret-token", "very-secret-password", "KeySecretMaterial", "dev-token-value"] {
                #expect(!text.contains(secret))
            }
        }
    }

    @Test("relative paths resolve against the folder of the file that defined each entry")
    func relativePaths() async throws {
        let folder = try ConfigFolder()
        try folder.write(samplePEM, to: "a/pki/ca.crt")
        try folder.write(samplePEM.replacingOccurrences(of: "TestOnly", with: "ClientB"), to: "b/certs/client.crt")
        try folder.write(sampleKeyPEM, to: "b/certs/client.key")
        try folder.write("file-token-b\n", to: "b/token")
        try folder.write(
            """
            clusters:
            - name: a
              cluster: {server: "https://a.example.com", certificate-authority: pki/ca.crt}
            """, to: "a/config")
        try folder.write(
            """
            current-context: b
            users:
            - name: cert-user
              user: {client-certificate: certs/client.crt, client-key: ./certs/../certs/client.key}
            - name: file-user
              user: {tokenFile: token}
            - name: exec-user
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin, interactiveMode: Never}
            - name: path-exec-user
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin}
            contexts:
            - name: b
              context: {cluster: a, user: cert-user}
            - name: file
              context: {cluster: a, user: file-user}
            """, to: "b/config")
        let loader = folder.loader(["KUBECONFIG": "{dir}/a/config:{dir}/b/config"])
        let connection = try loader.load()
        #expect(pemText(connection.tls.trustRoots) == samplePEM)
        #expect(pemText(connection.tls.clientIdentity?.certificate)?.contains("ClientB") == true)
        #expect(pemText(connection.tls.clientIdentity?.privateKey) == sampleKeyPEM)
        let credential = try await connection.credentials.credential(rejecting: nil)
        #expect(credential == .anonymous)

        let fileConnection = try loader.load(context: "file")
        #expect(try await fileConnection.credentials.credential(rejecting: nil).bearerToken == "file-token-b")
        #expect(fileConnection.credentials.canRefresh)

        let config = try loader.loadKubeconfig()
        #expect(config.user(named: "exec-user")?.exec?.command == "\(folder.path)/b/bin/plugin")
        #expect(config.user(named: "path-exec-user")?.exec?.command == "kubelogin")
        #expect(config.user(named: "file-user")?.tokenFile == "\(folder.path)/b/token")
        #expect(config.cluster(named: "a")?.certificateAuthority == "\(folder.path)/a/pki/ca.crt")
        #expect(config.cluster(named: "a")?.file == "\(folder.path)/a/config")
        #expect(config.user(named: "cert-user")?.file == "\(folder.path)/b/config")
    }

    @Test("the merged kubeconfig lists contexts and the current context")
    func mergedKubeconfig() throws {
        let folder = try ConfigFolder()
        try folder.write(firstFile, to: "a.yaml")
        try folder.write(secondFile, to: "b.yaml")
        let config = try folder.loader(["KUBECONFIG": "{dir}/a.yaml:{dir}/b.yaml"]).loadKubeconfig()
        #expect(config.contextNames == ["a-ctx", "b-ctx"])
        #expect(config.currentContext == "a-ctx")
        #expect(config.currentContextFile == folder.expand("{dir}/a.yaml"))
        #expect(config.context(named: "a-ctx")?.namespace == "from-a")
        #expect(config.context(named: "a-ctx")?.file == folder.expand("{dir}/a.yaml"))
        #expect(config.clusters.map(\.name) == ["shared", "only-b"])
        #expect(config.cluster(named: "shared")?.server == "https://first.example.com:6443")
    }

    @Test("credentials, trust and proxy come from the chosen entries")
    func credentialKinds() async throws {
        let folder = try ConfigFolder()
        try folder.write(
            """
            current-context: token
            clusters:
            - name: data
              cluster:
                server: https://data.example.com
                certificate-authority-data: \(samplePEM.base64)
                tls-server-name: api.internal
                proxy-url: socks5://proxy.example.com:1080
            - name: insecure
              cluster: {server: "https://insecure.example.com", insecure-skip-tls-verify: true}
            - name: bare
              cluster: {server: "bare.example.com:6443"}
            users:
            - name: token
              user: {token: abc}
            - name: basic
              user: {username: alice, password: wonderland}
            - name: cert
              user: {client-certificate-data: \(samplePEM.base64), client-key-data: \(sampleKeyPEM.base64)}
            contexts:
            - name: token
              context: {cluster: data, user: token}
            - name: basic
              context: {cluster: insecure, user: basic}
            - name: cert
              context: {cluster: bare, user: cert}
            - name: nobody
              context: {cluster: bare}
            """, to: "config")
        let loader = folder.loader(["KUBECONFIG": "{dir}/config", "HTTPS_PROXY": "http://env-proxy:3128"])

        let token = try loader.load()
        #expect(try await token.credentials.credential(rejecting: nil) == KubernetesCredential(bearerToken: "abc"))
        #expect(token.credentials.canRefresh == false)
        #expect(pemText(token.tls.trustRoots) == samplePEM)
        #expect(token.tls.serverName == "api.internal")
        #expect(token.proxy == .url("socks5://proxy.example.com:1080"))

        let basic = try loader.load(context: "basic")
        #expect(
            try await basic.credentials.credential(rejecting: nil)
                == KubernetesCredential(basic: .init(username: "alice", password: "wonderland")))
        #expect(basic.tls.insecureSkipVerify)
        #expect(basic.tls.trustRoots == .system)
        #expect(
            basic.proxy
                == .environment(["KUBECONFIG": folder.expand("{dir}/config"), "HTTPS_PROXY": "http://env-proxy:3128"]))

        // client-go's rule: a server without a scheme is https when TLS credentials are present.
        let cert = try loader.load(context: "cert")
        #expect(cert.server == "https://bare.example.com:6443")
        #expect(pemText(cert.tls.clientIdentity?.privateKey) == sampleKeyPEM)

        let nobody = try loader.load(context: "nobody")
        #expect(nobody.server == "http://bare.example.com:6443")
        #expect(try await nobody.credentials.credential(rejecting: nil) == .anonymous)
    }

    @Test("in-cluster: token, CA and namespace from the service account folder; IPv6 hosts are bracketed")
    func inCluster() async throws {
        let folder = try ConfigFolder()
        let root = fixturesFolder.appendingPathComponent("incluster").path
        let variables = ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]
        let loader = folder.loader(variables, inClusterRoot: root)
        #expect(loader.isInClusterPossible)
        let connection = try loader.load()
        #expect(connection.server == "https://[fd00::1]:443")
        #expect(connection.namespace == "kaito-system")
        #expect(connection.source.isInCluster)
        #expect(connection.source.description == "in-cluster service account")
        #expect(try await connection.credentials.credential(rejecting: nil).bearerToken == "in-cluster-fixture-token")
        #expect(connection.credentials.canRefresh)
        let ca = try String(contentsOfFile: "\(root)/ca.crt", encoding: .utf8)
        #expect(pemText(connection.tls.trustRoots) == ca)

        #expect(try loader.load(namespace: "explicit").namespace == "explicit")
        var withPodNamespace = variables
        withPodNamespace["POD_NAMESPACE"] = "from-env"
        #expect(try folder.loader(withPodNamespace, inClusterRoot: root).load().namespace == "from-env")
        let ipv4 = folder.loader(
            ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"], inClusterRoot: root)
        #expect(try ipv4.load().server == "https://10.0.0.1:6443")
    }

    @Test("a kubeconfig wins over the in-cluster account; without a token file in-cluster is not possible")
    func inClusterPrecedence() throws {
        let folder = try ConfigFolder()
        try folder.write(devConfig, to: "home/.kube/config")
        let root = fixturesFolder.appendingPathComponent("incluster").path
        let variables = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(try folder.loader(variables, inClusterRoot: root).load().source.isInCluster == false)

        let empty = try ConfigFolder()
        let noToken = empty.loader(variables)
        #expect(noToken.isInClusterPossible == false)
        let error = #expect(throws: KubeconfigError.self) { _ = try noToken.load() }
        #expect(error?.description.contains("\(empty.path)/serviceaccount/token does not exist") == true)
    }

    @Test("descriptions and dumps of users never show secrets")
    func secretsStayHidden() throws {
        let folder = try ConfigFolder()
        try folder.write(
            single(user: "token: hidden-token-123\nusername: bob\npassword: hidden-password-456"), to: "config")
        let config = try folder.loader(["KUBECONFIG": "{dir}/config"]).loadKubeconfig()
        let user = try #require(config.user(named: "u"))
        var dumped = ""
        dump(user, to: &dumped)
        for text in [String(describing: user), String(reflecting: user), dumped, "\(config)"] {
            #expect(!text.contains("hidden-token-123"))
            #expect(!text.contains("hidden-password-456"))
        }
        #expect(String(describing: user).contains("token, username/password"))
        let credential = KubernetesCredential(
            bearerToken: "hidden-token-123", basic: .init(username: "b", password: "hidden-password-456"))
        #expect(String(describing: credential) == "bearer token + basic auth")

        let exec = Kubeconfig.ExecConfig(
            command: "kubelogin", args: ["--client-secret", "hidden-arg-789"],
            env: [.init(name: "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", value: "hidden-env-000")])
        let configuration = ExecCredentialProvider.Configuration(
            exec: exec, cluster: ExecClusterInfo(server: "https://x"), userName: "u",
            environment: ["SECRET": "hidden-env-111"])
        var dumpedExec = ""
        dump(configuration, to: &dumpedExec)
        for text in [String(describing: exec), String(reflecting: exec), String(describing: configuration), dumpedExec]
        {
            for secret in ["hidden-arg-789", "hidden-env-000", "hidden-env-111"] { #expect(!text.contains(secret)) }
        }
        #expect(
            String(describing: exec)
                == "exec kubelogin (client.authentication.k8s.io/v1, 2 args, env AAD_SERVICE_PRINCIPAL_CLIENT_SECRET)")
    }
}

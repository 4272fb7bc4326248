public import Foundation
public import KaitoCore

/// A parsed kubeconfig: one file, or several merged the way `kubectl` merges the `KUBECONFIG` list.
///
/// Every entry remembers the file that defined it, so relative paths resolve against that file's folder and
/// errors name the right file. Descriptions of entries never show a token, password or key.
public struct Kubeconfig: Sendable {
    /// A `clusters[]` entry: where an API server is and how to trust it.
    public struct Cluster: Sendable, Hashable {
        /// The entry's name.
        public var name: String
        /// The kubeconfig file that defined it.
        public var file: String
        /// `server`: the API server URL.
        public var server: String?
        /// `certificate-authority`: the CA file, made absolute against the defining file's folder.
        public var certificateAuthority: String?
        /// `certificate-authority-data`: base64 of the CA PEM, as written.
        public var certificateAuthorityData: String?
        /// `insecure-skip-tls-verify`.
        public var insecureSkipTLSVerify: Bool
        /// `tls-server-name`: the name the server certificate is checked against.
        public var tlsServerName: String?
        /// `proxy-url`.
        public var proxyURL: String?
        /// The `client.authentication.k8s.io/exec` extension, passed to exec plugins that ask for cluster info.
        public var execExtension: JSONValue?

        /// Creates a cluster entry.
        public init(
            name: String, file: String, server: String? = nil, certificateAuthority: String? = nil,
            certificateAuthorityData: String? = nil, insecureSkipTLSVerify: Bool = false,
            tlsServerName: String? = nil, proxyURL: String? = nil, execExtension: JSONValue? = nil
        ) {
            self.name = name
            self.file = file
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
            self.proxyURL = proxyURL
            self.execExtension = execExtension
        }
    }

    /// How an exec plugin may talk to the person running the command (`interactiveMode`).
    public enum ExecInteractiveMode: String, Sendable, Hashable, CaseIterable {
        /// The plugin never reads standard input.
        case never = "Never"
        /// The plugin may read standard input when it is a terminal.
        case ifAvailable = "IfAvailable"
        /// The plugin must read standard input; running without a terminal is an error.
        case always = "Always"
    }

    /// One `exec.env` entry.
    public struct ExecEnvVar: Sendable, Hashable {
        /// The variable's name.
        public var name: String
        /// Its value.
        public var value: String

        /// Creates a variable.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A `users[].user.exec` credential plugin. Its description shows env names but not their values, and no args.
    public struct ExecConfig: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// `command`: a name looked up on `PATH`, or a path (relative ones made absolute against the file's folder).
        public var command: String
        /// `args`.
        public var args: [String]
        /// `env`: added to the plugin's environment.
        public var env: [ExecEnvVar]
        /// `apiVersion`: `client.authentication.k8s.io/v1` or `…/v1beta1`.
        public var apiVersion: String
        /// `installHint`: shown verbatim when the command is not found.
        public var installHint: String?
        /// `provideClusterInfo`: pass the cluster's server and CA to the plugin in `KUBERNETES_EXEC_INFO`.
        public var provideClusterInfo: Bool
        /// `interactiveMode`; `nil` when not written (required for v1, `IfAvailable` for v1beta1).
        public var interactiveMode: ExecInteractiveMode?

        /// Creates an exec configuration.
        public init(
            command: String, args: [String] = [], env: [ExecEnvVar] = [],
            apiVersion: String = "client.authentication.k8s.io/v1", installHint: String? = nil,
            provideClusterInfo: Bool = false, interactiveMode: ExecInteractiveMode? = .never
        ) {
            self.command = command
            self.args = args
            self.env = env
            self.apiVersion = apiVersion
            self.installHint = installHint
            self.provideClusterInfo = provideClusterInfo
            self.interactiveMode = interactiveMode
        }

        /// `exec kubelogin (client.authentication.k8s.io/v1, 3 args, env AAD_LOGIN_METHOD)`: values left out,
        /// since args and env may carry secrets.
        public var description: String {
            var parts = [apiVersion.isEmpty ? "no apiVersion" : apiVersion, "\(args.count) args"]
            if !env.isEmpty { parts.append("env " + env.map(\.name).joined(separator: ", ")) }
            return "exec \(command) (\(parts.joined(separator: ", ")))"
        }

        /// The same as ``description``.
        public var debugDescription: String { description }

        /// A mirror without args or env values.
        public var customMirror: Mirror {
            Mirror(self, children: ["description": description], displayStyle: .struct)
        }
    }

    /// A `users[]` entry: who to be. Its description names the kinds of credential, never their values.
    public struct User: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The entry's name.
        public var name: String
        /// The kubeconfig file that defined it.
        public var file: String
        /// `token`.
        public var token: String?
        /// `tokenFile`, made absolute.
        public var tokenFile: String?
        /// `client-certificate`, made absolute.
        public var clientCertificate: String?
        /// `client-certificate-data`, base64 as written.
        public var clientCertificateData: String?
        /// `client-key`, made absolute.
        public var clientKey: String?
        /// `client-key-data`, base64 as written.
        public var clientKeyData: String?
        /// `username`.
        public var username: String?
        /// `password`.
        public var password: String?
        /// `exec`.
        public var exec: ExecConfig?
        /// `auth-provider.name`, for the legacy auth-provider plugins (no longer supported by kubectl).
        public var authProvider: String?
        /// `as`, `as-groups`, `as-uid`, `as-user-extra`: the impersonation fields present.
        public var impersonationFields: [String]

        /// Creates a user entry.
        public init(
            name: String, file: String, token: String? = nil, tokenFile: String? = nil,
            clientCertificate: String? = nil, clientCertificateData: String? = nil, clientKey: String? = nil,
            clientKeyData: String? = nil, username: String? = nil, password: String? = nil, exec: ExecConfig? = nil,
            authProvider: String? = nil, impersonationFields: [String] = []
        ) {
            self.name = name
            self.file = file
            self.token = token
            self.tokenFile = tokenFile
            self.clientCertificate = clientCertificate
            self.clientCertificateData = clientCertificateData
            self.clientKey = clientKey
            self.clientKeyData = clientKeyData
            self.username = username
            self.password = password
            self.exec = exec
            self.authProvider = authProvider
            self.impersonationFields = impersonationFields
        }

        /// The kinds of credential the entry sets, such as `token` or `exec kubelogin`.
        public var methods: [String] {
            var methods: [String] = []
            if token != nil { methods.append("token") }
            if tokenFile != nil { methods.append("tokenFile") }
            if clientCertificate != nil || clientCertificateData != nil { methods.append("client-certificate") }
            if clientKey != nil || clientKeyData != nil { methods.append("client-key") }
            if username != nil || password != nil { methods.append("username/password") }
            if let exec { methods.append("exec \(exec.command)") }
            if let authProvider { methods.append("auth-provider \(authProvider)") }
            return methods
        }

        /// `user "name" (token) from FILE`: no secret values.
        public var description: String {
            let kinds = methods.isEmpty ? "no credentials" : methods.joined(separator: ", ")
            return "user \"\(name)\" (\(kinds)) from \(file)"
        }

        /// The same as ``description``.
        public var debugDescription: String { description }

        /// A mirror without secret values, so `dump` does not print them either.
        public var customMirror: Mirror {
            Mirror(self, children: ["name": name, "file": file, "methods": methods], displayStyle: .struct)
        }
    }

    /// A `contexts[]` entry: a cluster, a user and a default namespace.
    public struct Context: Sendable, Hashable {
        /// The entry's name.
        public var name: String
        /// The kubeconfig file that defined it.
        public var file: String
        /// `cluster`: the name of a cluster entry.
        public var cluster: String?
        /// `user`: the name of a user entry.
        public var user: String?
        /// `namespace`.
        public var namespace: String?

        /// Creates a context entry.
        public init(name: String, file: String, cluster: String? = nil, user: String? = nil, namespace: String? = nil) {
            self.name = name
            self.file = file
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    /// The files read, in precedence order (only those that existed).
    public var files: [String]
    /// `current-context`: from the first file that sets it.
    public var currentContext: String?
    /// The file that set ``currentContext``.
    public var currentContextFile: String?
    /// Clusters, in the order first seen.
    public var clusters: [Cluster]
    /// Users, in the order first seen.
    public var users: [User]
    /// Contexts, in the order first seen.
    public var contexts: [Context]

    /// Creates a kubeconfig value.
    public init(
        files: [String] = [], currentContext: String? = nil, currentContextFile: String? = nil,
        clusters: [Cluster] = [], users: [User] = [], contexts: [Context] = []
    ) {
        self.files = files
        self.currentContext = currentContext
        self.currentContextFile = currentContextFile
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
    }

    /// The cluster entry called `name`.
    public func cluster(named name: String) -> Cluster? { clusters.first { $0.name == name } }
    /// The user entry called `name`.
    public func user(named name: String) -> User? { users.first { $0.name == name } }
    /// The context entry called `name`.
    public func context(named name: String) -> Context? { contexts.first { $0.name == name } }
    /// The names of all contexts, sorted, as `kubectl config get-contexts` lists them.
    public var contextNames: [String] { contexts.map(\.name).sorted() }
    /// Whether no file contributed anything.
    public var isEmpty: Bool {
        currentContext == nil && clusters.isEmpty && users.isEmpty && contexts.isEmpty
    }

    /// Merges files by client-go's rules: the first file to set `current-context` wins, and the first file to
    /// define a cluster, user or context name wins for that whole entry.
    ///
    /// - Parameter configs: Parsed files, highest precedence first.
    public static func merged(_ configs: [Kubeconfig]) -> Kubeconfig {
        var result = Kubeconfig()
        for config in configs {
            for file in config.files where !result.files.contains(file) { result.files.append(file) }
            if result.currentContext == nil, let current = config.currentContext {
                result.currentContext = current
                result.currentContextFile = config.currentContextFile
            }
            for cluster in config.clusters where result.cluster(named: cluster.name) == nil {
                result.clusters.append(cluster)
            }
            for user in config.users where result.user(named: user.name) == nil { result.users.append(user) }
            for context in config.contexts where result.context(named: context.name) == nil {
                result.contexts.append(context)
            }
        }
        return result
    }

    /// Parses one kubeconfig file's content.
    ///
    /// Relative paths (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, and an exec
    /// `command` containing `/`) are made absolute against the folder of `file`. Unknown fields are ignored.
    /// An empty file is an empty kubeconfig.
    ///
    /// - Parameters:
    ///   - data: The YAML or JSON text.
    ///   - file: The file's absolute path, recorded in every entry and error.
    /// - Throws: ``KubeconfigError`` for malformed YAML or a field of the wrong type.
    public static func parse(_ data: Data, file: String) throws -> Kubeconfig {
        let documents: [ManifestDocument]
        do {
            documents = try ManifestReader.documents(from: data)
        } catch {
            throw KubeconfigError(
                file: file, message: "cannot be read as YAML: \(error)",
                hint: "fix the file's syntax, or point KUBECONFIG elsewhere")
        }
        var config = Kubeconfig(files: [file])
        guard let document = documents.first?.value else { return config }
        let reader = FieldReader(file: file)
        let root = try reader.object(document, path: "")
        let folder = (file as NSString).deletingLastPathComponent
        func absolute(_ path: String?) -> String? {
            guard let path, !path.isEmpty else { return nil }
            return Self.resolve(path, against: folder)
        }
        if let current = try reader.string(root, "current-context", path: ""), !current.isEmpty {
            config.currentContext = current
            config.currentContextFile = file
        }
        for (name, body, path) in try reader.namedEntries(root, "clusters", body: "cluster") {
            config.clusters.removeAll { $0.name == name }
            config.clusters.append(
                Cluster(
                    name: name, file: file, server: try reader.string(body, "server", path: path),
                    certificateAuthority: absolute(try reader.string(body, "certificate-authority", path: path)),
                    certificateAuthorityData: try reader.string(body, "certificate-authority-data", path: path)
                        .flatMap { $0.isEmpty ? nil : $0 },
                    insecureSkipTLSVerify: try reader.bool(body, "insecure-skip-tls-verify", path: path) ?? false,
                    tlsServerName: try reader.string(body, "tls-server-name", path: path).flatMap {
                        $0.isEmpty ? nil : $0
                    },
                    proxyURL: try reader.string(body, "proxy-url", path: path).flatMap { $0.isEmpty ? nil : $0 },
                    execExtension: try execExtension(body, reader: reader, path: path)))
        }
        for (name, body, path) in try reader.namedEntries(root, "users", body: "user") {
            var user = User(name: name, file: file)
            user.token = try reader.string(body, "token", path: path).flatMap { $0.isEmpty ? nil : $0 }
            user.tokenFile = absolute(try reader.string(body, "tokenFile", path: path))
            user.clientCertificate = absolute(try reader.string(body, "client-certificate", path: path))
            user.clientCertificateData = try reader.string(body, "client-certificate-data", path: path)
                .flatMap { $0.isEmpty ? nil : $0 }
            user.clientKey = absolute(try reader.string(body, "client-key", path: path))
            user.clientKeyData = try reader.string(body, "client-key-data", path: path).flatMap {
                $0.isEmpty ? nil : $0
            }
            user.username = try reader.string(body, "username", path: path).flatMap { $0.isEmpty ? nil : $0 }
            user.password = try reader.string(body, "password", path: path).flatMap { $0.isEmpty ? nil : $0 }
            if let provider = try reader.optionalObject(body, "auth-provider", path: path) {
                user.authProvider = try reader.string(provider, "name", path: "\(path).auth-provider") ?? ""
            }
            for field in ["as", "as-uid", "as-groups", "as-user-extra"] {
                if let value = body[field], !Self.isEmptyValue(value) { user.impersonationFields.append(field) }
            }
            if let exec = try reader.optionalObject(body, "exec", path: path) {
                let execPath = "\(path).exec"
                var command = try reader.string(exec, "command", path: execPath) ?? ""
                if command.contains("/") { command = Self.resolve(command, against: folder) }
                var env: [ExecEnvVar] = []
                for (index, item) in try reader.array(exec, "env", path: execPath).enumerated() {
                    let itemPath = "\(execPath).env[\(index)]"
                    let object = try reader.object(item, path: itemPath)
                    env.append(
                        ExecEnvVar(
                            name: try reader.string(object, "name", path: itemPath) ?? "",
                            value: try reader.string(object, "value", path: itemPath) ?? ""))
                }
                let args = try reader.array(exec, "args", path: execPath).enumerated().map { index, value in
                    guard let text = value.stringValue else {
                        throw reader.typeError("\(execPath).args[\(index)]", expected: "a string", got: value)
                    }
                    return text
                }
                var mode: ExecInteractiveMode?
                if let text = try reader.string(exec, "interactiveMode", path: execPath), !text.isEmpty {
                    guard let parsed = ExecInteractiveMode(rawValue: text) else {
                        throw KubeconfigError(
                            file: file, fieldPath: "\(execPath).interactiveMode",
                            message: "\"\(text)\" is not an interactive mode", hint: "use Never, IfAvailable or Always")
                    }
                    mode = parsed
                }
                user.exec = ExecConfig(
                    command: command, args: args, env: env,
                    apiVersion: try reader.string(exec, "apiVersion", path: execPath) ?? "",
                    installHint: try reader.string(exec, "installHint", path: execPath).flatMap {
                        $0.isEmpty ? nil : $0
                    },
                    provideClusterInfo: try reader.bool(exec, "provideClusterInfo", path: execPath) ?? false,
                    interactiveMode: mode)
            }
            config.users.removeAll { $0.name == name }
            config.users.append(user)
        }
        for (name, body, path) in try reader.namedEntries(root, "contexts", body: "context") {
            config.contexts.removeAll { $0.name == name }
            config.contexts.append(
                Context(
                    name: name, file: file,
                    cluster: try reader.string(body, "cluster", path: path).flatMap { $0.isEmpty ? nil : $0 },
                    user: try reader.string(body, "user", path: path).flatMap { $0.isEmpty ? nil : $0 },
                    namespace: try reader.string(body, "namespace", path: path).flatMap { $0.isEmpty ? nil : $0 }))
        }
        return config
    }

    /// `path` made absolute against `folder` (absolute paths are kept), with `.` and `..` removed.
    static func resolve(_ path: String, against folder: String) -> String {
        let joined = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    private static func isEmptyValue(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.isEmpty
        case .array(let items): items.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }

    private static func execExtension(
        _ body: [String: JSONValue], reader: FieldReader, path: String
    ) throws -> JSONValue? {
        for item in try reader.array(body, "extensions", path: path) {
            if item["name"]?.stringValue == "client.authentication.k8s.io/exec" { return item["extension"] }
        }
        return nil
    }
}

/// Reads typed fields from decoded JSON, turning type mismatches into ``KubeconfigError``s with field paths.
struct FieldReader {
    let file: String

    func typeError(_ path: String, expected: String, got value: JSONValue) -> KubeconfigError {
        KubeconfigError(
            file: file, fieldPath: path, message: "expected \(expected), found \(value.typeName)",
            hint: "fix the value's type")
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func object(_ value: JSONValue, path: String) throws -> [String: JSONValue] {
        if value == .null { return [:] }
        guard let object = value.objectValue else {
            throw typeError(path.isEmpty ? "(top level)" : path, expected: "a mapping", got: value)
        }
        return object
    }

    func optionalObject(_ object: [String: JSONValue], _ key: String, path: String) throws -> [String: JSONValue]? {
        guard let value = object[key], value != .null else { return nil }
        return try self.object(value, path: join(path, key))
    }

    func string(_ object: [String: JSONValue], _ key: String, path: String) throws -> String? {
        guard let value = object[key] else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        default: throw typeError(join(path, key), expected: "a string", got: value)
        }
    }

    func bool(_ object: [String: JSONValue], _ key: String, path: String) throws -> Bool? {
        guard let value = object[key] else { return nil }
        switch value {
        case .null: return nil
        case .bool(let flag): return flag
        default: throw typeError(join(path, key), expected: "true or false", got: value)
        }
    }

    func array(_ object: [String: JSONValue], _ key: String, path: String) throws -> [JSONValue] {
        guard let value = object[key] else { return [] }
        switch value {
        case .null: return []
        case .array(let items): return items
        default: throw typeError(join(path, key), expected: "a list", got: value)
        }
    }

    /// The `name`/`<body>` entries of a named list such as `clusters`, with the field path of each body.
    func namedEntries(
        _ root: [String: JSONValue], _ key: String, body: String
    ) throws -> [(name: String, body: [String: JSONValue], path: String)] {
        var result: [(name: String, body: [String: JSONValue], path: String)] = []
        for (index, item) in try array(root, key, path: "").enumerated() {
            let entry = try object(item, path: "\(key)[\(index)]")
            guard let name = try string(entry, "name", path: "\(key)[\(index)]"), !name.isEmpty else {
                throw KubeconfigError(
                    file: file, fieldPath: "\(key)[\(index)].name", message: "the entry has no name",
                    hint: "give every \(key) entry a unique name")
            }
            let path = "\(key)[name=\(name)].\(body)"
            let content = try optionalObject(entry, body, path: "\(key)[name=\(name)]") ?? [:]
            result.append((name, content, path))
        }
        return result
    }
}

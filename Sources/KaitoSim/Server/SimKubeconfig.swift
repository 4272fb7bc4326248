public import Foundation
public import KaitoCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A kubeconfig with one cluster, one user and one context, for pointing `kubectl` and clients at a
/// ``SimServer``.
public struct SimKubeconfig: Sendable {
    /// How the user authenticates.
    public enum Credential: Sendable {
        /// No credential: the anonymous user.
        case none
        /// A bearer token.
        case token(String)
        /// A client certificate and its key (PEM).
        case clientCertificate(certificatePEM: Data, keyPEM: Data)
    }

    /// The server URL, such as `https://127.0.0.1:6443`.
    public var server: String
    /// The CA (PEM) that signed the server certificate, for `https` servers.
    public var certificateAuthorityPEM: Data?
    /// The user's credential.
    public var credential: Credential
    /// The cluster, user and context name.
    public var name: String
    /// The context's default namespace.
    public var namespace: String?

    /// Creates a kubeconfig.
    public init(
        server: String, certificateAuthorityPEM: Data? = nil, credential: Credential, name: String = "kaito-sim",
        namespace: String? = nil
    ) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.credential = credential
        self.name = name
        self.namespace = namespace
    }

    /// The kubeconfig as a JSON value (`kind: Config`).
    public var jsonValue: JSONValue {
        var cluster: [String: JSONValue] = ["server": .string(server)]
        if let certificateAuthorityPEM {
            cluster["certificate-authority-data"] = .string(certificateAuthorityPEM.base64EncodedString())
        }
        var user: [String: JSONValue] = [:]
        switch credential {
        case .none: break
        case .token(let token): user["token"] = .string(token)
        case .clientCertificate(let certificate, let key):
            user["client-certificate-data"] = .string(certificate.base64EncodedString())
            user["client-key-data"] = .string(key.base64EncodedString())
        }
        var context: [String: JSONValue] = ["cluster": .string(name), "user": .string(name)]
        if let namespace { context["namespace"] = .string(namespace) }
        return [
            "apiVersion": "v1", "kind": "Config", "preferences": [:], "current-context": .string(name),
            "clusters": [["name": .string(name), "cluster": .object(cluster)]],
            "users": [["name": .string(name), "user": .object(user)]],
            "contexts": [["name": .string(name), "context": .object(context)]],
        ]
    }

    /// The kubeconfig as YAML.
    /// - Throws: the YAML writer's error.
    public func yaml() throws -> String {
        try YAMLWriter.string(from: jsonValue)
    }

    /// Writes the kubeconfig to `url`, readable only by its owner from the start (it holds credentials).
    /// - Throws: the file system's or YAML writer's error.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Self.writePrivately(Data(try yaml().utf8), to: url)
    }

    /// Writes `data` to a new file of mode 0600 next to `url`, then renames it over `url`.
    static func writePrivately(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

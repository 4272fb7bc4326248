public import Foundation
public import KaitoHTTP

/// Everything needed to talk to one API server: where it is, how to trust it, who to be.
///
/// Produced by ``KubeconfigLoader`` from a kubeconfig or the in-cluster service account, or built directly.
public struct ClusterConnection: Sendable {
    /// The server URL, `https://host:port` with an optional path prefix and no trailing slash.
    public var server: String
    /// How the server's certificate is verified (CA, server name, insecure) and, for static client
    /// certificates, the identity presented. An exec plugin's certificate replaces the identity per request.
    public var tls: HTTPClientConfiguration.TLSConfiguration
    /// The proxy from the cluster's `proxy-url`, else the environment's `HTTPS_PROXY`/`NO_PROXY`.
    public var proxy: HTTPClientConfiguration.ProxyConfiguration
    /// Where the request credentials come from.
    public var credentials: any CredentialProvider
    /// The namespace to use when a command names none: the context's, else `default`.
    public var namespace: String
    /// Where this connection came from, for messages.
    public var source: ConnectionSource

    /// Creates a connection.
    public init(
        server: String,
        tls: HTTPClientConfiguration.TLSConfiguration = HTTPClientConfiguration.TLSConfiguration(),
        proxy: HTTPClientConfiguration.ProxyConfiguration = .none,
        credentials: any CredentialProvider = StaticCredentialProvider(.anonymous),
        namespace: String = "default",
        source: ConnectionSource = ConnectionSource()
    ) {
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.tls = tls
        self.proxy = proxy
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }
}

/// Where a ``ClusterConnection`` came from: a kubeconfig file and context, or the pod's service account.
public struct ConnectionSource: Sendable, Hashable, CustomStringConvertible {
    /// The kubeconfig file(s) read, in precedence order; empty for in-cluster or hand-built connections.
    public var files: [String]
    /// The context used.
    public var context: String?
    /// The context's cluster entry.
    public var cluster: String?
    /// The context's user entry.
    public var user: String?
    /// Whether the connection is the in-cluster service account.
    public var isInCluster: Bool

    /// Creates a source.
    public init(
        files: [String] = [], context: String? = nil, cluster: String? = nil, user: String? = nil,
        isInCluster: Bool = false
    ) {
        self.files = files
        self.context = context
        self.cluster = cluster
        self.user = user
        self.isInCluster = isInCluster
    }

    /// `kubeconfig ~/.kube/config, context "aks"` or `in-cluster service account`.
    public var description: String {
        if isInCluster { return "in-cluster service account" }
        var parts: [String] = []
        if !files.isEmpty { parts.append("kubeconfig \(files.joined(separator: ":"))") }
        if let context { parts.append("context \"\(context)\"") }
        return parts.isEmpty ? "explicit configuration" : parts.joined(separator: ", ")
    }
}

/// The credential a request carries. Its description never shows a secret.
public struct KubernetesCredential: Sendable, Equatable, CustomStringConvertible {
    /// A username and password for HTTP basic authentication.
    public struct Basic: Sendable, Equatable {
        /// The username.
        public var username: String
        /// The password.
        public var password: String

        /// Creates basic credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// A bearer token for the `Authorization` header.
    public var bearerToken: String?
    /// Basic authentication, used when there is no token.
    public var basic: Basic?
    /// A client certificate and key presented in the TLS handshake.
    public var clientIdentity: HTTPClientConfiguration.ClientIdentity?
    /// When the credential stops being valid (exec plugins say); `nil` for no known expiry.
    public var expiresAt: Date?

    /// Creates a credential.
    public init(
        bearerToken: String? = nil, basic: Basic? = nil,
        clientIdentity: HTTPClientConfiguration.ClientIdentity? = nil, expiresAt: Date? = nil
    ) {
        self.bearerToken = bearerToken
        self.basic = basic
        self.clientIdentity = clientIdentity
        self.expiresAt = expiresAt
    }

    /// No credentials: the server sees `system:anonymous`.
    public static let anonymous = KubernetesCredential()

    /// What kind of credential this is, without its value: `bearer token`, `client certificate`, ….
    public var description: String {
        var kinds: [String] = []
        if bearerToken != nil { kinds.append("bearer token") }
        if basic != nil { kinds.append("basic auth") }
        if clientIdentity != nil { kinds.append("client certificate") }
        return kinds.isEmpty ? "anonymous" : kinds.joined(separator: " + ")
    }
}

/// Supplies the credential for each request.
///
/// Implementations cache what they can. After a 401 the client passes the credential the server refused:
/// a provider fetches a new one only if its current one is that refused credential, so any number of requests
/// refused at once (or one after another) cause a single refresh.
public protocol CredentialProvider: Sendable {
    /// The credential to send now.
    ///
    /// - Parameter rejected: the credential the server just refused with 401, or `nil` for a normal request.
    /// - Throws: ``KubernetesError`` of kind ``KubernetesError/Kind/credentials`` with a message that names the
    ///   kubeconfig file, context and field at fault and never a secret.
    func credential(rejecting rejected: KubernetesCredential?) async throws -> KubernetesCredential

    /// Whether asking again after a 401 can give a different credential (token files, exec plugins).
    var canRefresh: Bool { get }
}

/// A credential that never changes: inline token, basic auth, client certificate files.
public struct StaticCredentialProvider: CredentialProvider {
    /// The credential.
    public let value: KubernetesCredential

    /// Wraps a fixed credential.
    public init(_ value: KubernetesCredential) {
        self.value = value
    }

    /// The fixed credential.
    public func credential(rejecting rejected: KubernetesCredential?) async throws -> KubernetesCredential { value }

    /// `false`: asking again gives the same answer.
    public var canRefresh: Bool { false }
}

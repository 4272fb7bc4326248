public import Foundation

/// How an HTTP client connects: TLS trust and identity, proxy, timeouts and protocol preferences.
///
/// A configuration is a plain value. Build it once per destination (one kubeconfig cluster, one cloud
/// endpoint) and hand it to a transport such as ``CurlTransport``. Nothing here reads the process
/// environment: pass the environment in through ``ProxyConfiguration/environment(_:)``.
public struct HTTPClientConfiguration: Sendable, Equatable {
    /// Server verification and client identity for `https` URLs.
    public var tls: TLSConfiguration
    /// Which proxy, if any, requests go through.
    public var proxy: ProxyConfiguration
    /// Limits on how long connecting, whole requests and silent streams may take.
    public var timeouts: Timeouts
    /// Whether to negotiate HTTP/2 with TLS servers that offer it (plain `http` always uses HTTP/1.1).
    public var preferHTTP2: Bool
    /// Whether to ask for compressed responses (gzip, deflate, br, zstd) and decode them transparently.
    ///
    /// When the transport decodes a body it removes `Content-Encoding` and `Content-Length` from the
    /// response head, because they describe the bytes on the wire rather than the bytes delivered.
    public var acceptCompressed: Bool
    /// How many received body bytes may wait for the consumer before the transfer pauses reading.
    ///
    /// This bounds memory per response: a slow consumer makes the server slow down through TCP flow
    /// control instead of making the client buffer without limit. HTTP/2 responses are not paused
    /// (libcurl's HTTP/2 pausing is unreliable), so over HTTP/2 a slow consumer buffers more than this.
    public var maxBufferedBodyBytes: Int

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - tls: Server verification and client identity; system trust and no client certificate by default.
    ///   - proxy: The proxy to use; none by default.
    ///   - timeouts: Connect, total and idle limits.
    ///   - preferHTTP2: Negotiate HTTP/2 over TLS when the server offers it.
    ///   - acceptCompressed: Ask for and decode compressed responses.
    ///   - maxBufferedBodyBytes: Received bytes held for a slow consumer before reading pauses.
    public init(
        tls: TLSConfiguration = TLSConfiguration(),
        proxy: ProxyConfiguration = .none,
        timeouts: Timeouts = Timeouts(),
        preferHTTP2: Bool = true,
        acceptCompressed: Bool = true,
        maxBufferedBodyBytes: Int = 4 * 1024 * 1024
    ) {
        self.tls = tls
        self.proxy = proxy
        self.timeouts = timeouts
        self.preferHTTP2 = preferHTTP2
        self.acceptCompressed = acceptCompressed
        self.maxBufferedBodyBytes = max(maxBufferedBodyBytes, 16 * 1024)
    }
}

extension HTTPClientConfiguration {
    /// Bytes of a PEM document, or the path of a file holding one.
    public enum PEMSource: Sendable, Hashable {
        /// PEM text held in memory, such as a kubeconfig's `certificate-authority-data` after base64 decoding.
        case pem(Data)
        /// A file holding PEM text, such as a kubeconfig's `certificate-authority` path.
        case file(path: String)
    }

    /// Which certificate authorities a client trusts when verifying a server.
    public enum TrustRoots: Sendable, Equatable {
        /// The operating system's certificate bundle.
        case system
        /// Only the certificates in the given PEM bytes (one or more concatenated certificates).
        case pem(Data)
        /// Only the certificates in the given PEM file.
        case file(path: String)
    }

    /// A client certificate and its private key, presented when the server asks for one.
    public struct ClientIdentity: Sendable, Hashable {
        /// The client certificate (PEM), optionally followed by its intermediates.
        public var certificate: PEMSource
        /// The private key of the certificate (PEM, unencrypted).
        public var privateKey: PEMSource

        /// Creates a client identity from a certificate and its key.
        ///
        /// - Parameters:
        ///   - certificate: The certificate, as PEM bytes or a file.
        ///   - privateKey: The matching private key, as PEM bytes or a file.
        public init(certificate: PEMSource, privateKey: PEMSource) {
            self.certificate = certificate
            self.privateKey = privateKey
        }
    }

    /// Server verification and client identity for TLS connections.
    public struct TLSConfiguration: Sendable, Equatable {
        /// The certificate authorities that may sign the server's certificate.
        public var trustRoots: TrustRoots
        /// The certificate presented to servers that require one (Kubernetes client-certificate auth).
        public var clientIdentity: ClientIdentity?
        /// Skips verification of the server's certificate and name. Off unless explicitly set.
        ///
        /// Only for throwaway clusters: anyone on the path can read and change the traffic.
        public var insecureSkipVerify: Bool
        /// The name the server certificate is verified against (and sent as SNI) instead of the URL's host.
        ///
        /// The connection still goes to the URL's host and port, and the `Host` header keeps the URL's
        /// authority, matching the kubeconfig `tls-server-name` field.
        public var serverName: String?

        /// Creates a TLS configuration.
        ///
        /// - Parameters:
        ///   - trustRoots: The certificate authorities to trust; the system bundle by default.
        ///   - clientIdentity: A client certificate and key to present, if any.
        ///   - insecureSkipVerify: Disables server verification; never on by default.
        ///   - serverName: A name to verify the server certificate against instead of the URL's host.
        public init(
            trustRoots: TrustRoots = .system,
            clientIdentity: ClientIdentity? = nil,
            insecureSkipVerify: Bool = false,
            serverName: String? = nil
        ) {
            self.trustRoots = trustRoots
            self.clientIdentity = clientIdentity
            self.insecureSkipVerify = insecureSkipVerify
            self.serverName = serverName
        }
    }

    /// Which proxy requests go through.
    public enum ProxyConfiguration: Sendable, Equatable {
        /// Connect directly, even if the process environment names a proxy.
        case none
        /// Use the given proxy for every request except hosts listed in `noProxy`.
        ///
        /// `url` may use the `http`, `https`, `socks5` or `socks5h` scheme (`socks5h` resolves names at
        /// the proxy) and may carry credentials (`http://user:password@proxy:3128`); credentials never
        /// appear in errors. `noProxy` uses the `NO_PROXY` syntax: comma-separated host names, domain
        /// suffixes, IP addresses or CIDR ranges, or `*` for all.
        case url(String, noProxy: String = "")
        /// Choose the proxy like curl and Go do from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
        /// (upper case first, then lower case), read from the given dictionary.
        ///
        /// Pass `ProcessInfo.processInfo.environment` in executables and a literal dictionary in tests.
        case environment([String: String])
    }

    /// Limits on how long a request may take.
    public struct Timeouts: Sendable, Equatable {
        /// The longest time to establish a connection, TLS handshake included; `nil` waits as long as the OS does.
        public var connect: Duration?
        /// The longest time a whole non-streaming request may take, body included; `nil` for no limit.
        public var total: Duration?
        /// How long a streaming response may stay silent before it fails; `nil` for no limit.
        public var idle: Duration?

        /// Creates timeouts.
        ///
        /// - Parameters:
        ///   - connect: Connection and TLS handshake limit; 10 seconds by default.
        ///   - total: Whole-request limit for non-streaming requests; 60 seconds by default.
        ///   - idle: Silence limit for streaming responses; 5 minutes by default.
        public init(
            connect: Duration? = .seconds(10),
            total: Duration? = .seconds(60),
            idle: Duration? = .seconds(300)
        ) {
            self.connect = connect
            self.total = total
            self.idle = idle
        }
    }
}

extension HTTPClientConfiguration.ProxyConfiguration {
    /// The proxy a request to a URL with the given scheme uses, and the hosts that bypass it.
    ///
    /// - Parameter scheme: The request URL's scheme (`http` or `https`).
    /// - Returns: The proxy URL (`nil` to connect directly) and the `NO_PROXY` list that applies.
    public func resolved(forScheme scheme: String) -> (proxy: String?, noProxy: String) {
        switch self {
        case .none:
            return (nil, "")
        case .url(let url, let noProxy):
            return (url.isEmpty ? nil : url, noProxy)
        case .environment(let environment):
            func value(_ name: String) -> String? {
                for key in [name.uppercased(), name.lowercased()] {
                    if let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                        return value
                    }
                }
                return nil
            }
            let proxy = scheme.lowercased() == "https" ? value("HTTPS_PROXY") : value("HTTP_PROXY")
            return (proxy, value("NO_PROXY") ?? "")
        }
    }
}

import CCurl

/// Turns a libcurl result into an ``HTTPClientError`` whose message names the server and the fix.
///
/// curl's own text is kept in ``HTTPClientError/detail`` and quoted in the message. It never carries
/// header values or key material: libcurl's error buffer describes connections, not request contents.
enum CurlErrorMapping {
    struct Context {
        var code: CURLcode
        /// curl's most specific text: the error buffer, or the generic text of the code.
        var text: String
        var plan: CurlRequestPlan
        /// Whether a TCP connection (to the server or the proxy) was established.
        var isConnected: Bool
        /// Whether the response head had arrived.
        var isHeadReceived: Bool
    }

    static func error(_ context: Context) -> HTTPClientError {
        let plan = context.plan
        let endpoint = plan.endpoint
        let text = context.text
        let lowered = text.lowercased()
        let detail = "curl error \(context.code.rawValue): \(text)"
        func make(_ code: HTTPClientError.Code, _ message: String) -> HTTPClientError {
            HTTPClientError(code: code, message: "\(message) (\(detail))", endpoint: endpoint, detail: detail)
        }
        let proxy = plan.proxyDisplay ?? "the proxy"
        let isAboutProxy: Bool = {
            guard let (host, port) = plan.proxyHostPort else {
                return false
            }
            return lowered.contains("proxy") || lowered.contains("to \(host.lowercased()) port \(port)")
        }()

        switch context.code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
            CURLE_NOT_BUILT_IN:
            return make(.invalidRequest, "the request to \(endpoint) could not be set up; check the server URL")

        case CURLE_COULDNT_RESOLVE_PROXY:
            return make(
                .proxyFailed,
                "could not resolve the proxy \(proxy) for \(endpoint); check HTTPS_PROXY/HTTP_PROXY "
                    + "or the proxy setting, or list the host in NO_PROXY"
            )

        case CURLE_PROXY:
            return make(
                .proxyFailed,
                "the proxy \(proxy) failed the request to \(endpoint); check the proxy address and credentials"
            )

        case CURLE_COULDNT_RESOLVE_HOST:
            return make(
                .connectFailed,
                "could not resolve the host of \(endpoint); check the server name in the URL or kubeconfig "
                    + "and the DNS settings"
            )

        case CURLE_COULDNT_CONNECT:
            if isAboutProxy {
                return make(
                    .proxyFailed,
                    "could not connect to the proxy \(proxy) for \(endpoint); check that the proxy is running, "
                        + "or list the host in NO_PROXY"
                )
            }
            return make(
                .connectFailed,
                "could not connect to \(endpoint); check the server address and port, "
                    + "and that the server is running and reachable"
            )

        case CURLE_OPERATION_TIMEDOUT:
            let duringConnect =
                !context.isConnected || lowered.hasPrefix("connection timed out")
                || lowered.hasPrefix("resolving timed out") || lowered.hasPrefix("failed to connect")
            if duringConnect {
                let limit = plan.connectTimeout.map { " within \(describe($0))" } ?? ""
                if isAboutProxy {
                    return make(
                        .proxyFailed,
                        "could not connect to the proxy \(proxy) for \(endpoint)\(limit); check the proxy"
                    )
                }
                return make(
                    .connectFailed,
                    "could not connect to \(endpoint)\(limit); check the server address and that it is reachable "
                        + "from here (firewall, VPN), or raise the connect timeout"
                )
            }
            if lowered.contains("ssl") && !context.isHeadReceived && lowered.contains("handshake") {
                return make(.tlsFailed, "the TLS handshake with \(endpoint) timed out; check the server")
            }
            let limit = plan.totalTimeout.map { " after \(describe($0))" } ?? ""
            return make(
                .timedOut,
                "the request to \(endpoint) timed out\(limit); raise the timeout or check the server's health"
            )

        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED, CURLE_SSL_SHUTDOWN_FAILED:
            if isAboutProxy && context.code == CURLE_SSL_CONNECT_ERROR && lowered.contains("proxy") {
                return make(.proxyFailed, "the TLS connection to the proxy \(proxy) failed for \(endpoint)")
            }
            return tlsError(code: context.code, lowered: lowered, plan: plan, make: make)

        case CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            if let rejection = clientCertificateRejection(lowered: lowered, endpoint: endpoint, make: make) {
                return rejection
            }
            if lowered.contains("connect tunnel failed") || lowered.contains("proxy connect") {
                return make(
                    .proxyFailed,
                    "the proxy \(proxy) refused to open a tunnel to \(endpoint); check the proxy's access rules "
                        + "and credentials, or list the host in NO_PROXY"
                )
            }
            return make(
                .transport,
                "the connection to \(endpoint) broke; retry, and check the server and any proxy or load balancer"
            )

        case CURLE_GOT_NOTHING:
            return make(
                .transport,
                "\(endpoint) closed the connection without answering; check that the URL's scheme (http or https) "
                    + "matches the server"
            )

        case CURLE_PARTIAL_FILE:
            return make(.transport, "\(endpoint) closed the connection before the response ended; retry the request")

        case CURLE_BAD_CONTENT_ENCODING:
            return make(
                .transport,
                "the compressed response from \(endpoint) could not be decoded; retry with compression disabled"
            )

        case CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3:
            return make(
                .transport,
                "\(endpoint) sent a response that is not valid HTTP; check that the URL points at the right "
                    + "server and port, or disable HTTP/2"
            )

        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            return HTTPClientError(
                code: .cancelled,
                message: "the request to \(endpoint) was cancelled",
                endpoint: endpoint,
                detail: detail
            )

        default:
            return make(.transport, "the request to \(endpoint) failed; retry, and check the server")
        }
    }

    private static func tlsError(
        code: CURLcode,
        lowered: String,
        plan: CurlRequestPlan,
        make: (HTTPClientError.Code, String) -> HTTPClientError
    ) -> HTTPClientError {
        let endpoint = plan.endpoint
        if let rejection = clientCertificateRejection(lowered: lowered, endpoint: endpoint, make: make) {
            return rejection
        }
        if code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CLIENTCERT || lowered.contains("private key")
            || lowered.contains("client cert")
        {
            return make(
                .tlsFailed,
                "the client certificate or key for \(endpoint) could not be used; check that client-certificate "
                    + "and client-key (or their -data forms) are PEM, unencrypted, and belong together"
            )
        }
        if code == CURLE_SSL_CACERT_BADFILE {
            return make(
                .tlsFailed,
                "the CA certificates for \(endpoint) could not be read; check that certificate-authority "
                    + "(or certificate-authority-data) is a PEM certificate"
            )
        }
        if lowered.contains("subject name") || lowered.contains("does not match target host")
            || lowered.contains("no alternative certificate")
        {
            let name = plan.tls.serverName ?? "the host in the URL"
            return make(
                .tlsFailed,
                "TLS verification of \(endpoint) failed: the server certificate is not valid for \(name); "
                    + "connect by a name the certificate lists, or set tls-server-name in the kubeconfig"
            )
        }
        if lowered.contains("expired") || lowered.contains("not yet valid") {
            return make(
                .tlsFailed,
                "TLS verification of \(endpoint) failed: the server certificate has expired or is not yet valid; "
                    + "renew the certificate or check this machine's clock"
            )
        }
        if code == CURLE_PEER_FAILED_VERIFICATION || lowered.contains("issuer") || lowered.contains("self-signed")
            || lowered.contains("self signed") || lowered.contains("verify failed")
        {
            return make(
                .tlsFailed,
                "TLS verification of \(endpoint) failed: certificate signed by an unknown authority; set "
                    + "certificate-authority (or certificate-authority-data) in the kubeconfig or pass the "
                    + "server's CA"
            )
        }
        return make(
            .tlsFailed,
            "the TLS handshake with \(endpoint) failed; check that the server speaks TLS on this port "
                + "and that the CA and client certificate match it"
        )
    }

    /// A TLS alert telling that the server did not accept the client's certificate (or its absence).
    private static func clientCertificateRejection(
        lowered: String,
        endpoint: String,
        make: (HTTPClientError.Code, String) -> HTTPClientError
    ) -> HTTPClientError? {
        let alerts = [
            "alert certificate required", "alert bad certificate", "alert unknown ca", "alert certificate unknown",
            "alert handshake failure", "alert certificate revoked", "alert certificate expired",
            "alert access denied",
        ]
        guard alerts.contains(where: lowered.contains) else {
            return nil
        }
        return make(
            .tlsFailed,
            "\(endpoint) rejected the TLS client certificate (or requires one); set client-certificate and "
                + "client-key in the kubeconfig, signed by a CA the server trusts"
        )
    }

    /// A short human form of a duration: `250 ms`, `1.5 s`, `2 min`.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 {
            return "\(milliseconds) ms"
        }
        if milliseconds % 60_000 == 0 {
            return "\(milliseconds / 60_000) min"
        }
        if milliseconds % 1000 == 0 {
            return "\(milliseconds / 1000) s"
        }
        return "\(Double(milliseconds) / 1000) s"
    }
}

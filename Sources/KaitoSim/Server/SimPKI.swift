public import Foundation

/// A throwaway certificate authority with a server certificate for `127.0.0.1`/`localhost` and one client
/// certificate, made with the `openssl` command-line tool (EC P-256 keys).
///
/// The private keys stay in ``directory`` (mode 0600); nothing here prints them.
public struct SimPKI: Sendable {
    /// Why the certificates could not be made.
    public struct GenerationError: Error, CustomStringConvertible {
        /// What went wrong, with openssl's own message.
        public var description: String
    }

    /// The folder holding the PEM files.
    public let directory: URL

    /// The CA certificate: what clients trust for the server, and the server trusts for client certificates.
    public var caCertificatePath: String { path("ca.crt") }
    /// The server certificate (SAN `IP:127.0.0.1`, `DNS:localhost`).
    public var serverCertificatePath: String { path("server.crt") }
    /// The server's private key.
    public var serverKeyPath: String { path("server.key") }
    /// The client certificate.
    public var clientCertificatePath: String { path("client.crt") }
    /// The client's private key.
    public var clientKeyPath: String { path("client.key") }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Reads one of the files.
    /// - Throws: the file system's error.
    public func data(atPath path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The server's TLS settings, verifying client certificates signed by this CA when `verifyClients` is set.
    /// - Throws: the file system's error.
    public func serverTLS(verifyClients: Bool) throws -> SimServer.TLS {
        SimServer.TLS(
            certificateChainPEM: try data(atPath: serverCertificatePath),
            privateKeyPEM: try data(atPath: serverKeyPath),
            clientCAPEM: verifyClients ? try data(atPath: caCertificatePath) : nil)
    }

    /// Makes a CA, a server certificate and a client certificate in `directory` (created if needed).
    /// - Parameters:
    ///   - clientUser: the client certificate's common name, which the server takes as the user name.
    ///   - clientGroups: its organizations, which the server takes as groups.
    ///   - validDays: how long the certificates are valid.
    /// - Throws: ``GenerationError`` when `openssl` is missing or fails.
    public static func generate(
        in directory: URL, clientUser: String = "kaito-admin", clientGroups: [String] = ["system:masters"],
        validDays: Int = 30
    ) throws -> SimPKI {
        let openssl = try opensslExecutable()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pki = SimPKI(directory: directory)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try pki.run(
            openssl,
            ["req", "-x509"] + key + [
                "-keyout", "ca.key", "-out", "ca.crt", "-days", String(validDays), "-subj", "/CN=kaito-sim-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try pki.write(
            "server.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
        try pki.write(
            "client.ext", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
        )
        let clientSubject = "/CN=\(escape(clientUser))" + clientGroups.map { "/O=\(escape($0))" }.joined()
        for (name, subject) in [("server", "/CN=kaito-sim"), ("client", clientSubject)] {
            try pki.run(
                openssl, ["req", "-new"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try pki.run(
                openssl,
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "\(name).crt", "-days", String(validDays), "-extfile", "\(name).ext",
                ])
        }
        for file in ["ca.key", "server.key", "client.key"] {
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o600], ofItemAtPath: directory.appendingPathComponent(file).path)
        }
        return pki
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "/", with: "\\/").replacingOccurrences(of: "=", with: "\\=")
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    private static func opensslExecutable() throws -> String {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in searchPath.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(folder)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw GenerationError(
            description: "the openssl command was not found on PATH; install it (apt-get install openssl) to use TLS")
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GenerationError(
                description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed (status "
                    + "\(process.terminationStatus)): \(String(decoding: output, as: UTF8.self))")
        }
    }
}

import Foundation

/// A private CA, a server certificate and a client certificate made with the `openssl` CLI in a temporary
/// folder, plus an unrelated CA for negative tests. Removed by ``withTestPKI(_:)`` when the test ends.
struct TestPKI: Sendable {
    let directory: URL

    var caPath: String { path("ca.pem") }
    var otherCAPath: String { path("other-ca.pem") }
    var serverCertificatePath: String { path("server.pem") }
    var serverKeyPath: String { path("server.key") }
    var clientCertificatePath: String { path("client.pem") }
    var clientKeyPath: String { path("client.key") }

    var caPEM: Data { read("ca.pem") }
    var otherCAPEM: Data { read("other-ca.pem") }
    var clientCertificatePEM: Data { read("client.pem") }
    var clientKeyPEM: Data { read("client.key") }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    private func read(_ name: String) -> Data {
        (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
    }

    struct OpenSSLError: Error, CustomStringConvertible {
        let description: String
    }

    static func openSSLExecutable() throws -> String {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw OpenSSLError(
            description: "the openssl CLI was not found on PATH; the TLS tests generate their certificates with it: "
                + "install it (apt-get install openssl) and rerun"
        )
    }

    static func create() throws -> TestPKI {
        let openssl = try openSSLExecutable()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kaito-http-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = TestPKI(directory: directory)
        do {
            try pki.generate(openssl: openssl)
        } catch {
            pki.remove()
            throw error
        }
        return pki
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func generate(openssl: String) throws {
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for (name, subject) in [("ca", "/CN=kaito-test-ca"), ("other-ca", "/CN=kaito-unrelated-ca")] {
            try run(
                openssl,
                ["req", "-x509"] + ecKey + [
                    "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", subject,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ]
            )
        }
        try Data(
            """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kaito.test

            """.utf8
        ).write(to: directory.appendingPathComponent("server.ext"))
        try Data(
            """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=clientAuth

            """.utf8
        ).write(to: directory.appendingPathComponent("client.ext"))
        for (name, subject) in [
            ("server", "/CN=kaito-test-server"), ("client", "/CN=kaito-test-client/O=system:masters"),
        ] {
            try run(
                openssl, ["req", "-new"] + ecKey + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try run(
                openssl,
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
                ]
            )
        }
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
            throw OpenSSLError(
                description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed with status "
                    + "\(process.terminationStatus): \(String(decoding: output, as: UTF8.self))"
            )
        }
    }
}

/// Runs `body` with freshly generated certificates and removes them afterwards.
func withTestPKI<T: Sendable>(_ body: (TestPKI) async throws -> T) async throws -> T {
    let pki = try TestPKI.create()
    do {
        let result = try await body(pki)
        pki.remove()
        return result
    } catch {
        pki.remove()
        throw error
    }
}

import Foundation
import KaitoHTTP

@testable import KaitoK8s

/// A temporary folder for kubeconfig files, removed when the value goes away.
final class ConfigFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The folder's path.
    var path: String { url.path }

    /// `text` with `{dir}` replaced by the folder's path.
    func expand(_ text: String) -> String { text.replacingOccurrences(of: "{dir}", with: path) }

    /// Writes `text` (with `{dir}` expanded) to `name` below the folder and returns the file's path.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        try write(Data(expand(text).utf8), to: name, permissions: permissions)
    }

    /// Writes bytes to `name` below the folder and returns the file's path.
    @discardableResult
    func write(_ data: Data, to name: String, permissions: Int = 0o600) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: file.path)
        return file.path
    }

    /// A loader whose home is `{dir}/home`, service account folder `{dir}/serviceaccount` and variables `variables`
    /// (with `{dir}` expanded).
    func loader(
        _ variables: [String: String] = [:], inClusterRoot: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> KubeconfigLoader {
        KubeconfigLoader(
            environment: KubeconfigEnvironment(
                variables: variables.mapValues(expand), homeDirectory: "\(path)/home", workingDirectory: path,
                inClusterRoot: inClusterRoot ?? "\(path)/serviceaccount"),
            now: now)
    }
}

/// The folder of test fixtures (excluded from the target, found through this file's path).
let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// A PEM-shaped certificate for tests that only check the bytes are passed along.
let samplePEM = "-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIUTestOnlyCertificate\n-----END CERTIFICATE-----\n"
/// A PEM-shaped private key that must never appear in messages.
let sampleKeyPEM =
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKeySecretMaterialNeverPrinted\n-----END EC PRIVATE KEY-----\n"

extension String {
    /// The string as base64 of its UTF-8 bytes.
    var base64: String { Data(utf8).base64EncodedString() }
}

/// The PEM bytes of a trust-roots or identity source given as `.pem`.
func pemText(_ roots: HTTPClientConfiguration.TrustRoots) -> String? {
    if case .pem(let data) = roots { return String(decoding: data, as: UTF8.self) }
    return nil
}

/// The PEM bytes of a `.pem` source.
func pemText(_ source: HTTPClientConfiguration.PEMSource?) -> String? {
    if case .pem(let data)? = source { return String(decoding: data, as: UTF8.self) }
    return nil
}

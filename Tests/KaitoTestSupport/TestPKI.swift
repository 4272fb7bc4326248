import Foundation
public import KaitoSim

/// One CA, server certificate and client certificate for every KaitoSim server a test process starts: made once with
/// openssl (in a folder of its own under the temporary directory) and shared, so serving TLS costs tests nothing.
public enum TestPKI {
    private static let generated: Result<SimPKI, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kaito-test-pki-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        return try SimPKI.generate(in: folder)
    }

    /// The shared TLS material.
    /// - Throws: the generation error (openssl missing or failing), the same for every caller.
    public static func shared() throws -> SimPKI {
        try generated.get()
    }
}

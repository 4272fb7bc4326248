import Foundation
import Testing

@testable import KaitoK8s

@Suite("Token file credentials")
struct TokenFileCredentialProviderTests {
    @Test("a rewritten file is read again; an unchanged signature is served from the cache until a refresh")
    func rotation() async throws {
        let folder = try ConfigFolder()
        let path = try folder.write("token-AAAA\n", to: "token")
        let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: fixedDate], ofItemAtPath: path)
        let provider = TokenFileCredentialProvider(path: path, origin: "test")
        #expect(try await provider.credential(rejecting: nil).bearerToken == "token-AAAA")

        // A new modification time: read again without being asked.
        try folder.write("token-BBBB\n", to: "token")
        try FileManager.default.setAttributes(
            [.modificationDate: fixedDate.addingTimeInterval(60)], ofItemAtPath: path)
        #expect(try await provider.credential(rejecting: nil).bearerToken == "token-BBBB")

        // Same size, same time, same inode: the cache answers until a 401 asks for a refresh.
        try folder.write("token-CCCC\n", to: "token")
        try FileManager.default.setAttributes(
            [.modificationDate: fixedDate.addingTimeInterval(60)], ofItemAtPath: path)
        #expect(try await provider.credential(rejecting: nil).bearerToken == "token-BBBB")
        #expect(
            try await provider.credential(rejecting: KubernetesCredential(bearerToken: "token-BBBB")).bearerToken
                == "token-CCCC")
        #expect(try await provider.credential(rejecting: nil).bearerToken == "token-CCCC")
    }

    @Test("a missing or empty file is a credentials error naming the file and where it was configured")
    func failures() async throws {
        let folder = try ConfigFolder()
        let provider = TokenFileCredentialProvider(path: "\(folder.path)/gone", origin: "users[name=u].user.tokenFile")
        let missing = await #expect(throws: KubernetesError.self) { _ = try await provider.credential(rejecting: nil) }
        #expect(missing?.kind == .credentials)
        #expect(missing?.message.contains("\(folder.path)/gone (users[name=u].user.tokenFile): no such file") == true)

        let path = try folder.write("  \n", to: "empty")
        let empty = await #expect(throws: KubernetesError.self) {
            _ = try await TokenFileCredentialProvider(path: path, origin: "o").credential(rejecting: nil)
        }
        #expect(empty?.message.contains("the file is empty") == true)
    }

    @Test("a kubeconfig tokenFile that cannot be read fails at load with its field path")
    func loadTimeCheck() throws {
        let folder = try ConfigFolder()
        try folder.write(
            """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://c.example.com"}}]
            users: [{name: u, user: {tokenFile: tokens/missing}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, to: "config")
        let error = #expect(throws: KubeconfigError.self) {
            _ = try folder.loader(["KUBECONFIG": "{dir}/config"]).load()
        }
        #expect(
            error?.description.hasPrefix(
                "kubeconfig \(folder.path)/config: context \"x\": users[name=u].user.tokenFile: cannot use "
                    + "\(folder.path)/tokens/missing: no such file") == true)
    }
}

import Foundation
import KaitoHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bearer token read from a file that may be rotated: a kubeconfig `tokenFile` or the pod's service account
/// token.
///
/// Each call checks the file's modification time, size and inode (one `stat`, following symbolic links as the
/// projected-volume `..data` links need) and reads it again when any changed; a refresh after a 401 always reads
/// it again. Surrounding whitespace is trimmed, as kubectl does.
public final class TokenFileCredentialProvider: CredentialProvider {
    /// The token file.
    public let path: String
    /// Where the file was configured, for messages: `users[name=u].user.tokenFile in kubeconfig /path`.
    public let origin: String

    private struct Cached: Sendable {
        var signature: FileSignature
        var token: String
    }

    private let cache: Locked<Cached?>

    /// Creates a provider for `path`.
    /// - Parameters:
    ///   - path: The token file (absolute).
    ///   - origin: Where it was configured, named in errors.
    public init(path: String, origin: String) {
        self.path = path
        self.origin = origin
        self.cache = Locked(nil)
    }

    /// The token in the file, read again when the file changed or the server refused the cached token.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Kind/credentials``) when the file cannot be read or is empty.
    public func credential(rejecting rejected: KubernetesCredential?) async throws -> KubernetesCredential {
        KubernetesCredential(bearerToken: try currentToken(rejectedToken: rejected?.bearerToken))
    }

    /// `true`: the file may have been rotated since it was last read.
    public var canRefresh: Bool { true }

    func currentToken(rejectedToken: String?) throws -> String {
        let signature = FileSignature(path: path)
        if let signature, let cached = cache.withLock({ $0 }), cached.signature == signature,
            cached.token != rejectedToken
        {
            return cached.token
        }
        let token = try Self.readToken(at: path, origin: origin)
        if let signature {
            cache.withLock { $0 = Cached(signature: signature, token: token) }
        }
        return token
    }

    /// Reads and trims a token file.
    static func readToken(at path: String, origin: String) throws -> String {
        do {
            return try readTokenFile(at: path)
        } catch {
            throw KubernetesError(
                kind: .credentials,
                message: "cannot use the token file \(path) (\(origin)): \(error.description)", underlying: error)
        }
    }

    /// Reads and trims a token file, saying in a few words why it could not.
    static func readTokenFile(at path: String) throws(TokenFileProblem) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TokenFileProblem(
                description: "\(FileProblem.describe(error)); check that the file exists and is readable")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw TokenFileProblem(description: "the file is empty; write the bearer token into it")
        }
        return token
    }
}

/// Why a token file could not be used, without the token.
struct TokenFileProblem: Error, CustomStringConvertible {
    var description: String
}

/// What identifies one version of a file cheaply: modification time, size and inode.
struct FileSignature: Sendable, Equatable {
    var seconds: Int
    var nanoseconds: Int
    var size: Int64
    var inode: UInt64

    /// The signature of the file at `path` (symbolic links followed); `nil` when it cannot be examined.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            seconds = Int(info.st_mtimespec.tv_sec)
            nanoseconds = Int(info.st_mtimespec.tv_nsec)
        #else
            seconds = Int(info.st_mtim.tv_sec)
            nanoseconds = Int(info.st_mtim.tv_nsec)
        #endif
        size = Int64(info.st_size)
        inode = UInt64(info.st_ino)
    }
}

/// Short, secret-free descriptions of file system errors.
enum FileProblem {
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        return nsError.localizedDescription
    }
}

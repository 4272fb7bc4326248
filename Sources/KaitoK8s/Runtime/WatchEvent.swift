public import KaitoCore

/// One change a watch reports: an object that appeared, changed or went away, or a progress marker.
///
/// The server's `ERROR` events never become a `WatchEvent`: ``ResourceWatch`` throws them as
/// ``KubernetesError`` (``KubernetesError/Kind/status``), and a too-old resourceVersion is one with
/// ``KubernetesError/isGone`` set.
public enum WatchEvent<Object: KubernetesObjectConvertible>: Sendable {
    /// An object was created (or, for a selector, started matching).
    case added(Object)
    /// An object changed.
    case modified(Object)
    /// An object was removed (or, for a selector, stopped matching); the value is its last state.
    case deleted(Object)
    /// A progress marker: every change up to this resourceVersion has been sent.
    case bookmark(resourceVersion: String)

    /// The object of an added, modified or deleted event; `nil` for a bookmark.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object
        case .bookmark: nil
        }
    }

    /// The resourceVersion the event carries: the object's, or the bookmark's.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.metadata.resourceVersion
        case .bookmark(let resourceVersion): resourceVersion
        }
    }

    /// The server's name for the event type: `ADDED`, `MODIFIED`, `DELETED` or `BOOKMARK`.
    public var typeName: String {
        switch self {
        case .added: "ADDED"
        case .modified: "MODIFIED"
        case .deleted: "DELETED"
        case .bookmark: "BOOKMARK"
        }
    }

    /// Reads one line of a watch stream: `{"type": "ADDED", "object": {…}}`.
    ///
    /// - Parameters:
    ///   - json: The decoded line.
    ///   - request: The watch request, as error messages name it.
    /// - Throws: ``KubernetesError`` of kind ``KubernetesError/Kind/status`` for an `ERROR` event (with the
    ///   server's `Status`; 410 Expired gives ``KubernetesError/isGone``), and of kind
    ///   ``KubernetesError/Kind/invalidResponse`` for a line that is not a watch event or an object that does not
    ///   decode as `Object`.
    public init(json: JSONValue, request: String? = nil) throws {
        guard case .string(let type)? = json["type"] else {
            throw KubernetesError(
                kind: .invalidResponse, message: "a watch event has no \"type\"\(Self.from(request))",
                request: request)
        }
        let object = json["object"] ?? .null
        switch type {
        case "ERROR":
            let status =
                KubernetesStatus(json: object)
                ?? KubernetesStatus(code: 500, reason: "InternalError", message: "the watch failed: \(object)")
            let message =
                status.message.isEmpty ? "the watch ended with \(status.code) \(status.reason)" : status.message
            throw KubernetesError(kind: .status, message: message, status: status, request: request)
        case "BOOKMARK":
            guard let resourceVersion = object["metadata"]?["resourceVersion"]?.stringValue else {
                throw KubernetesError(
                    kind: .invalidResponse, message: "a BOOKMARK event has no resourceVersion\(Self.from(request))",
                    request: request)
            }
            self = .bookmark(resourceVersion: resourceVersion)
        case "ADDED", "MODIFIED", "DELETED":
            let decoded: Object
            do {
                decoded = try Object(kubernetesJSON: object)
            } catch {
                let name = object["metadata"]?["name"]?.stringValue ?? "?"
                throw KubernetesError(
                    kind: .invalidResponse,
                    message: "the object \"\(name)\" of a \(type) watch event\(Self.from(request)) does not decode: "
                        + "\(error)",
                    request: request, underlying: error)
            }
            switch type {
            case "ADDED": self = .added(decoded)
            case "MODIFIED": self = .modified(decoded)
            default: self = .deleted(decoded)
            }
        default:
            throw KubernetesError(
                kind: .invalidResponse, message: "unknown watch event type \"\(type)\"\(Self.from(request))",
                request: request)
        }
    }

    private static func from(_ request: String?) -> String {
        request.map { " from \($0)" } ?? ""
    }
}

extension WatchEvent: Equatable where Object: Equatable {}
extension WatchEvent: Hashable where Object: Hashable {}

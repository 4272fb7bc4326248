import Foundation

/// The resource part of a REST path: `/api/v1/namespaces/NS/pods/NAME/status` and its variants.
struct ResourcePath: Sendable, Hashable {
    /// API group; empty for the core group.
    var group: String
    /// API version.
    var version: String
    /// The namespace named by the path (`…/namespaces/NS/…`), if any.
    var namespace: String?
    /// Plural resource name.
    var resource: String
    /// Object name, for single-object paths.
    var name: String?
    /// Subresource, such as `status`.
    var subresource: String?
    /// Whether the path used the deprecated `/watch/` prefix.
    var watchPrefix: Bool

    /// The resource's group, version and plural name.
    var groupVersionResource: GroupVersionResource {
        GroupVersionResource(group: group, version: version, resource: resource)
    }
}

/// What a request path addresses, as the API server's request-info parser (`RequestInfoFactory`) sees it.
enum APIRoute: Sendable, Hashable {
    /// `/version`.
    case version
    /// `/healthz`, `/livez`, `/readyz` (and their sub-checks).
    case health
    /// `/api`: the core group's versions.
    case coreVersions
    /// `/apis`: every group.
    case groupList
    /// `/apis/GROUP`.
    case group(String)
    /// `/api/v1` or `/apis/GROUP/VERSION`: the resources of a group version.
    case resourceList(group: String, version: String)
    /// `/openapi/v2`.
    case openAPIV2
    /// `/openapi/v3` and below.
    case openAPIV3
    /// A resource, collection or subresource.
    case resource(ResourcePath)
    /// Any other path.
    case unknown

    /// Parses a request path (without the query).
    init(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard let first = segments.first else {
            self = .unknown
            return
        }
        switch first {
        case "version" where segments.count == 1:
            self = .version
        case "healthz", "livez", "readyz":
            self = .health
        case "openapi" where segments.count == 2 && segments[1] == "v2":
            self = .openAPIV2
        case "openapi" where segments.count >= 2 && segments[1] == "v3":
            self = .openAPIV3
        case "api":
            if segments.count == 1 {
                self = .coreVersions
            } else if segments.count == 2 {
                self = .resourceList(group: "", version: segments[1])
            } else {
                self = Self.resourceRoute(group: "", version: segments[1], rest: Array(segments.dropFirst(2)))
            }
        case "apis":
            switch segments.count {
            case 1: self = .groupList
            case 2: self = .group(segments[1])
            case 3: self = .resourceList(group: segments[1], version: segments[2])
            default:
                self = Self.resourceRoute(group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)))
            }
        default:
            self = .unknown
        }
    }

    /// The part after the group version: `[watch/]{namespaces/NS/}RESOURCE[/NAME[/SUBRESOURCE]]`.
    private static func resourceRoute(group: String, version: String, rest: [String]) -> APIRoute {
        var parts = rest
        var watchPrefix = false
        if parts.first == "watch" {
            watchPrefix = true
            parts.removeFirst()
        }
        var namespace: String?
        // `namespaces/NS/RESOURCE…` addresses a namespaced resource; `namespaces/NS[/status|/finalize]` addresses
        // the Namespace object itself, as in the API server's request-info parser.
        if parts.first == "namespaces", parts.count > 1 {
            namespace = parts[1]
            if parts.count > 2, !["status", "finalize"].contains(parts[2]) {
                parts.removeFirst(2)
            }
        }
        // `…/NAME/proxy/PATH` addresses the proxy subresource; the rest of the path is forwarded.
        if parts.count > 3, parts[2] == "proxy" { parts = Array(parts.prefix(3)) }
        guard let resource = parts.first, !resource.isEmpty, parts.count <= 3 else { return .unknown }
        return .resource(
            ResourcePath(
                group: group, version: version, namespace: namespace, resource: resource,
                name: parts.count > 1 ? parts[1] : nil, subresource: parts.count > 2 ? parts[2] : nil,
                watchPrefix: watchPrefix))
    }
}

/// The query of a request, decoded as Go's `url.ParseQuery` does (`+` is a space; the first value of a
/// repeated key wins for the parameters the emulator reads).
struct QueryParameters: Sendable {
    private var values: [String: [String]] = [:]

    /// Decodes a raw query string such as `labelSelector=app%3Dweb&limit=2`.
    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value of `key`, if present.
    subscript(key: String) -> String? { values[key]?.first }

    /// Every value of `key`.
    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// Whether `key` is present with a value Go's `strconv.ParseBool` reads as true (`1`, `t`, `true`, …).
    func flag(_ key: String) -> Bool {
        guard let value = self[key] else { return false }
        return ["1", "t", "T", "true", "TRUE", "True"].contains(value)
    }

    /// An integer parameter.
    /// - Throws: ``APIError`` 400 when the value is not an integer.
    func integer(_ key: String) throws -> Int64? {
        guard let text = self[key], !text.isEmpty else { return nil }
        guard let value = Int64(text) else {
            throw APIError.badRequest("invalid value for \(key): strconv.ParseInt: parsing \"\(text)\": invalid syntax")
        }
        return value
    }
}

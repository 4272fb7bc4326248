import Foundation
import KaitoCore

/// An authenticated identity: a user name and the groups it belongs to (`user.Info`).
public struct SimUser: Sendable, Hashable, CustomStringConvertible {
    /// The user name, such as `kaito-admin` or `system:anonymous`.
    public var name: String
    /// Group memberships, such as `system:masters`.
    public var groups: [String]

    /// Creates an identity.
    public init(name: String, groups: [String] = []) {
        self.name = name
        self.groups = groups
    }

    /// The identity of a request without credentials.
    public static let anonymous = SimUser(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// Whether this is the anonymous identity.
    public var isAnonymous: Bool { name == SimUser.anonymous.name }

    /// The user name.
    public var description: String { name }
}

/// How the server authenticates requests: bearer tokens, and client certificates when TLS verifies them.
///
/// Like a real API server, a request with a bad credential gets 401; a request with no credential at all is the
/// anonymous user (``SimUser/anonymous``) when ``anonymousEnabled`` is set, and 401 otherwise.
public struct SimAuthentication: Sendable {
    /// Bearer tokens fixed for the server's lifetime, and the user each stands for.
    public var tokens: [String: SimUser]
    /// Bearer tokens that tests add and revoke while the server runs (rotated token files, expiring exec
    /// plugin credentials); consulted after ``tokens``.
    public var liveTokens: SimTokenRegistry?
    /// HTTP basic-auth users by user name.
    public var basicUsers: [String: SimBasicUser]
    /// Whether requests without credentials are served as `system:anonymous`.
    public var anonymousEnabled: Bool

    /// Creates an authentication setup.
    public init(
        tokens: [String: SimUser] = [:], liveTokens: SimTokenRegistry? = nil,
        basicUsers: [String: SimBasicUser] = [:], anonymousEnabled: Bool = true
    ) {
        self.tokens = tokens
        self.liveTokens = liveTokens
        self.basicUsers = basicUsers
        self.anonymousEnabled = anonymousEnabled
    }

    func user(forToken token: String) -> SimUser? {
        tokens[token] ?? liveTokens?.user(forToken: token)
    }

    /// The user of a `Basic` credential (base64 of `user:password`), or `nil` when it does not match.
    func user(forBasic credential: String) -> SimUser? {
        guard let decoded = Data(base64Encoded: credential).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        let name = String(decoded[..<colon])
        let password = String(decoded[decoded.index(after: colon)...])
        guard let entry = basicUsers[name], entry.password == password else { return nil }
        return entry.user
    }
}

/// A basic-auth account: the password and the user it authenticates as.
public struct SimBasicUser: Sendable {
    /// The password.
    public var password: String
    /// The user.
    public var user: SimUser

    /// Creates an account.
    public init(password: String, user: SimUser) {
        self.password = password
        self.user = user
    }
}

/// Bearer tokens that can change while a server runs: add one, revoke one, and count how often each was used.
public final class SimTokenRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var users: [String: SimUser]
    private var uses: [String: Int] = [:]

    /// Creates a registry with initial tokens.
    public init(_ tokens: [String: SimUser] = [:]) {
        self.users = tokens
    }

    /// Accepts `token` as `user` from now on.
    public func set(_ token: String, user: SimUser) {
        lock.lock()
        defer { lock.unlock() }
        users[token] = user
    }

    /// Rejects `token` from now on (requests carrying it get 401).
    public func revoke(_ token: String) {
        lock.lock()
        defer { lock.unlock() }
        users[token] = nil
    }

    /// How many requests were authenticated with `token`.
    public func useCount(of token: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return uses[token, default: 0]
    }

    func user(forToken token: String) -> SimUser? {
        lock.lock()
        defer { lock.unlock() }
        guard let user = users[token] else { return nil }
        uses[token, default: 0] += 1
        return user
    }
}

/// A static authorization rule, shaped like an RBAC `PolicyRule`, that ``SimAuthorization`` checks before RBAC.
public struct SimPolicyRule: Sendable, Hashable {
    /// Verbs such as `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    public var verbs: Set<String>
    /// API groups; `""` is the core group.
    public var apiGroups: Set<String>
    /// Resources, optionally with a subresource (`workspaces/status`).
    public var resources: Set<String>
    /// Namespaces the rule applies in; `nil` for every namespace and cluster-scoped resources.
    public var namespaces: Set<String>?
    /// Non-resource paths (`/api`, `/apis/*`, `*`) the rule allows `verbs` on; a trailing `*` matches a prefix.
    public var nonResourceURLs: Set<String>

    /// Creates a rule.
    public init(
        verbs: Set<String>, apiGroups: Set<String> = ["*"], resources: Set<String> = ["*"],
        namespaces: Set<String>? = nil, nonResourceURLs: Set<String> = []
    ) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.namespaces = namespaces
        self.nonResourceURLs = nonResourceURLs
    }

    /// The rule as an RBAC `PolicyRule` (for `SelfSubjectRulesReview`).
    var jsonValue: JSONValue {
        let strings: (Set<String>) -> JSONValue = { .array($0.sorted().map(JSONValue.string)) }
        if !nonResourceURLs.isEmpty { return ["verbs": strings(verbs), "nonResourceURLs": strings(nonResourceURLs)] }
        return ["verbs": strings(verbs), "apiGroups": strings(apiGroups), "resources": strings(resources)]
    }

    func allowsPath(_ path: String, verb: String) -> Bool {
        guard verbs.contains("*") || verbs.contains(verb) else { return false }
        return nonResourceURLs.contains { pattern in
            pattern.hasSuffix("*") ? path.hasPrefix(pattern.dropLast()) : path == pattern
        }
    }

    func allows(_ attributes: ResourceAttributes) -> Bool {
        let resource =
            attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        guard apiGroups.contains("*") || apiGroups.contains(attributes.group) else { return false }
        guard resources.contains("*") || resources.contains(resource) else { return false }
        if let namespaces {
            guard let namespace = attributes.namespace, namespaces.contains(namespace) || namespaces.contains("*")
            else { return false }
        }
        return true
    }
}

/// Who may do what: the API server's RBAC authorizer over the stored Roles, ClusterRoles and bindings (with the
/// bootstrap policy a new cluster has), preceded by optional static rules.
///
/// Members of `system:masters` may do anything. A user (or group) with entries in ``rules`` may do what those rules
/// allow, and what RBAC allows. Other authenticated users may do anything when ``allowsUnlistedUsers`` is on (a
/// convenience for tests), else only what RBAC allows, as on a real cluster: discovery, health checks and
/// self-reviews through the bootstrap roles, and whatever stored bindings grant. The anonymous user gets what RBAC
/// gives `system:unauthenticated` (`/version` and the health endpoints), unless rules name it.
public struct SimAuthorization: Sendable {
    /// Static rules by user name or group name, checked before RBAC.
    public var rules: [String: [SimPolicyRule]]
    /// Whether authenticated users without static rules are allowed everything (instead of what RBAC allows).
    public var allowsUnlistedUsers: Bool

    /// Creates an authorizer; by default every authenticated user may do everything.
    public init(rules: [String: [SimPolicyRule]] = [:], allowsUnlistedUsers: Bool = true) {
        self.rules = rules
        self.allowsUnlistedUsers = allowsUnlistedUsers
    }

    /// The decision that needs no stored policy: `true` (allowed by membership in `system:masters`, a static rule,
    /// or ``allowsUnlistedUsers``) or `nil` (ask RBAC).
    func staticDecision(_ user: SimUser, _ request: AuthorizationRequest) -> Bool? {
        if user.groups.contains("system:masters") { return true }
        let applicable = ([user.name] + user.groups).compactMap { rules[$0] }
        let matched = applicable.joined().contains { rule in
            switch request {
            case .resource(let attributes): rule.allows(attributes)
            case .path(let path, let verb): rule.allowsPath(path, verb: verb)
            }
        }
        if matched { return true }
        if applicable.isEmpty, !user.isAnonymous, allowsUnlistedUsers { return true }
        return nil
    }
}

extension APIStore {
    /// Whether `user` may make `request` under `authorization`: its static decision, else the stored RBAC policy.
    func authorize(_ user: SimUser, _ request: AuthorizationRequest, _ authorization: SimAuthorization) -> Bool {
        if let decision = authorization.staticDecision(user, request) { return decision }
        return withState { RBACAuthorizer.allows(user, request, in: $0) }
    }
}

/// What a resource request asks to do, for authorization and its messages.
struct ResourceAttributes: Sendable, Hashable {
    var verb: String
    var group: String
    var resource: String
    var subresource: String?
    var namespace: String?
    var name: String?

    /// 403 as RBAC words it: `workspaces.kaito.sh "x" is forbidden: User "u" cannot get resource "workspaces" in
    /// API group "kaito.sh" in the namespace "default"`.
    func forbidden(for user: SimUser) -> APIError {
        let groupResource = GroupResource(group: group, resource: resource)
        let subject = name.map { "\(groupResource) \"\($0)\"" } ?? "\(groupResource)"
        let fullResource = subresource.map { "\(resource)/\($0)" } ?? resource
        var message =
            "\(subject) is forbidden: User \"\(user.name)\" cannot \(verb) resource \"\(fullResource)\" "
            + "in API group \"\(group)\""
        if let namespace, !namespace.isEmpty {
            message += " in the namespace \"\(namespace)\""
        } else {
            message += " at the cluster scope"
        }
        return APIError(
            code: 403, reason: "Forbidden", message: message,
            details: StatusDetails(name: name ?? "", group: group, kind: resource))
    }
}

extension APIError {
    /// 401, as the API server answers a bad credential.
    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// 403 for a non-resource path: `forbidden: User "system:anonymous" cannot get path "/api"`.
    static func forbiddenPath(_ path: String, verb: String, user: SimUser) -> APIError {
        APIError(
            code: 403, reason: "Forbidden",
            message: "forbidden: User \"\(user.name)\" cannot \(verb) path \"\(path)\"", details: StatusDetails())
    }
}

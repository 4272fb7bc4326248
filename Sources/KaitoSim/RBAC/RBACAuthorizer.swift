import KaitoCore

/// What an RBAC check is about: a resource request or a non-resource path (`/api`, `/healthz`).
enum AuthorizationRequest: Sendable, Hashable {
    case resource(ResourceAttributes)
    case path(String, verb: String)
}

/// The RBAC authorizer of the API server, evaluated over the stored ClusterRoles, Roles and their bindings
/// (including the bootstrap policy the store seeds, see ``BootstrapPolicy``).
///
/// A request is allowed when some binding whose subjects include the user (by name, by group, or as
/// `system:serviceaccount:NS:NAME` for a ServiceAccount subject) grants a rule that covers it: ClusterRoleBindings
/// everywhere, RoleBindings in their namespace only. Rules match on verbs, API groups, resources (`pods`,
/// `pods/log`, `*`, `*/scale`), resource names and non-resource URLs (`/apis/*`), with `*` as a wildcard.
/// ClusterRoles with an `aggregationRule` are evaluated with the rules of every ClusterRole their selectors match.
enum RBACAuthorizer {
    static let clusterRoles = GroupResource(group: "rbac.authorization.k8s.io", resource: "clusterroles")
    static let clusterRoleBindings = GroupResource(group: "rbac.authorization.k8s.io", resource: "clusterrolebindings")
    static let roles = GroupResource(group: "rbac.authorization.k8s.io", resource: "roles")
    static let roleBindings = GroupResource(group: "rbac.authorization.k8s.io", resource: "rolebindings")

    /// Whether the stored policy allows `request` for `user`.
    static func allows(_ user: SimUser, _ request: AuthorizationRequest, in store: ObjectStore) -> Bool {
        let subjects = Subjects(user)
        for key in store.allKeys(of: clusterRoleBindings) {
            guard let binding = store.stored(key)?.object, subjects.match(binding) else { continue }
            for rule in rules(ofRoleRef: binding, namespace: nil, in: store) where covers(rule, request) {
                return true
            }
        }
        guard case .resource(let attributes) = request, let namespace = attributes.namespace, !namespace.isEmpty
        else { return false }
        for key in store.allKeys(of: roleBindings) where key.namespace == namespace {
            guard let binding = store.stored(key)?.object, subjects.match(binding) else { continue }
            for rule in rules(ofRoleRef: binding, namespace: namespace, in: store) where covers(rule, request) {
                return true
            }
        }
        return false
    }

    /// The rules a user has in `namespace` (cluster-wide ones included), for `SelfSubjectRulesReview`.
    static func rules(for user: SimUser, namespace: String, in store: ObjectStore) -> [JSONValue] {
        let subjects = Subjects(user)
        var result: [JSONValue] = []
        for key in store.allKeys(of: clusterRoleBindings) {
            guard let binding = store.stored(key)?.object, subjects.match(binding) else { continue }
            result += rules(ofRoleRef: binding, namespace: nil, in: store)
        }
        for key in store.allKeys(of: roleBindings) where key.namespace == namespace {
            guard let binding = store.stored(key)?.object, subjects.match(binding) else { continue }
            result += rules(ofRoleRef: binding, namespace: namespace, in: store)
        }
        return result
    }

    private static func rules(ofRoleRef binding: [String: JSONValue], namespace: String?, in store: ObjectStore)
        -> [JSONValue]
    {
        let reference = JSONValue.object(binding)["roleRef"]
        guard let name = reference?["name"]?.stringValue else { return [] }
        switch reference?["kind"]?.stringValue {
        case "ClusterRole":
            return clusterRoleRules(name, in: store, seen: [])
        case "Role":
            guard let namespace,
                let role = store.stored(ObjectKey(resource: roles, namespace: namespace, name: name))
            else { return [] }
            return JSONValue.object(role.object)["rules"]?.arrayValue ?? []
        default:
            return []
        }
    }

    private static func clusterRoleRules(_ name: String, in store: ObjectStore, seen: Set<String>) -> [JSONValue] {
        guard !seen.contains(name),
            let role = store.stored(ObjectKey(resource: clusterRoles, namespace: "", name: name))
        else { return [] }
        let document = JSONValue.object(role.object)
        var result = document["rules"]?.arrayValue ?? []
        if let selectors = document["aggregationRule"]?["clusterRoleSelectors"]?.arrayValue {
            for key in store.allKeys(of: clusterRoles) where key.name != name {
                guard let other = store.stored(key) else { continue }
                let labels = ObjectAccessor(other.object).labels
                let selected = selectors.contains { selector in
                    (selector["matchLabels"]?.objectValue ?? [:]).allSatisfy { labels[$0.key] == $0.value.stringValue }
                        && !(selector["matchLabels"]?.objectValue ?? [:]).isEmpty
                }
                if selected { result += clusterRoleRules(key.name, in: store, seen: seen.union([name])) }
            }
        }
        return result
    }

    /// Whether one PolicyRule covers a request.
    static func covers(_ rule: JSONValue, _ request: AuthorizationRequest) -> Bool {
        let strings: (String) -> [String] = { rule[$0]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let verbs = strings("verbs")
        switch request {
        case .path(let path, let verb):
            guard verbs.contains("*") || verbs.contains(verb) else { return false }
            return strings("nonResourceURLs").contains { pattern in
                pattern == "*" || pattern == path || (pattern.hasSuffix("*") && path.hasPrefix(pattern.dropLast()))
            }
        case .resource(let attributes):
            guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
            let groups = strings("apiGroups")
            guard groups.contains("*") || groups.contains(attributes.group) else { return false }
            let combined = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
            let resources = strings("resources")
            let resourceMatches = resources.contains { resource in
                if resource == "*" || resource == combined { return true }
                // `*/scale` names a subresource of every resource, `pods/*` every subresource of one.
                guard let subresource = attributes.subresource else { return false }
                return resource == "*/\(subresource)" || resource == "\(attributes.resource)/*"
            }
            guard resourceMatches else { return false }
            let names = strings("resourceNames")
            if names.isEmpty { return true }
            guard let name = attributes.name else { return false }
            return names.contains(name)
        }
    }
}

/// The names a user is known by in binding subjects.
private struct Subjects {
    let user: SimUser

    init(_ user: SimUser) {
        self.user = user
    }

    func match(_ binding: [String: JSONValue]) -> Bool {
        let subjects = JSONValue.object(binding)["subjects"]?.arrayValue ?? []
        return subjects.contains { subject in
            let name = subject["name"]?.stringValue ?? ""
            switch subject["kind"]?.stringValue {
            case "User": return name == user.name
            case "Group": return user.groups.contains(name)
            case "ServiceAccount":
                let namespace = subject["namespace"]?.stringValue ?? ""
                return user.name == "system:serviceaccount:\(namespace):\(name)"
            default: return false
            }
        }
    }
}

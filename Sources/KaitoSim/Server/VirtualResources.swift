import Foundation
import Hummingbird
import KaitoCore

/// The request-response resources that store nothing: self and subject reviews, token reviews, the legacy
/// `bindings` collection and `componentstatuses`. Authorization has already been checked.
struct VirtualResources {
    let store: APIStore
    let settings: ResponderSettings
    let path: ResourcePath
    let user: SimUser

    func handle(_ body: () async throws -> JSONValue, method: HTTPRequest.Method, descriptor: ResourceDescriptor)
        async throws -> Response
    {
        let verb: String
        switch method {
        case .get, .head: verb = path.name == nil ? "list" : "get"
        case .post: verb = "create"
        default: verb = method.rawValue.lowercased()
        }
        guard descriptor.verbs.contains(verb), path.subresource == nil else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        switch (descriptor.group, descriptor.plural) {
        case ("", "componentstatuses"):
            return try componentStatuses()
        case ("", "bindings"):
            guard let namespace = path.namespace else { throw APIError.resourceNotFound() }
            let binding = try await body()
            let status = try await store.bind(namespace: namespace, podName: nil, body: binding)
            return HTTPMessages.json(status, status: 201)
        case ("authentication.k8s.io", "selfsubjectreviews"):
            let review = try decode(try await body(), descriptor: descriptor)
            return created(review, status: ["userInfo": Self.userInfo(user)])
        case ("authentication.k8s.io", "tokenreviews"):
            let review = try decode(try await body(), descriptor: descriptor)
            let token = review["spec"]?["token"]?.stringValue ?? ""
            if token.isEmpty {
                throw APIError.invalid(
                    kind: "TokenReview", group: "authentication.k8s.io", name: "",
                    errors: [FieldError(field: "spec.token", kind: .required)])
            }
            if let found = await tokenUser(token) {
                var status: [String: JSONValue] = ["authenticated": true, "user": Self.userInfo(found.user)]
                status["audiences"] = .array(found.audiences.map(JSONValue.string))
                return created(review, status: .object(status))
            }
            return created(review, status: ["user": [:], "error": "[invalid bearer token, token lookup failed]"])
        case ("authorization.k8s.io", "selfsubjectaccessreviews"):
            let review = try decode(try await body(), descriptor: descriptor)
            return try await accessReview(review, subject: user, kind: "SelfSubjectAccessReview")
        case ("authorization.k8s.io", "subjectaccessreviews"), ("authorization.k8s.io", "localsubjectaccessreviews"):
            let review = try decode(try await body(), descriptor: descriptor)
            let spec = review["spec"]
            let name = spec?["user"]?.stringValue ?? ""
            let groups = spec?["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if name.isEmpty, groups.isEmpty {
                throw APIError.invalid(
                    kind: descriptor.kind, group: descriptor.group, name: "",
                    errors: [
                        FieldError(
                            field: "spec.user", kind: .invalid(.string("")),
                            detail: "at least one of user or group must be specified")
                    ])
            }
            if descriptor.plural == "localsubjectaccessreviews" {
                let namespace = spec?["resourceAttributes"]?["namespace"]?.stringValue ?? ""
                if namespace != path.namespace {
                    throw APIError.badRequest(
                        "spec.resourceAttributes.namespace must match namespace: \(path.namespace ?? "")")
                }
            }
            return try await accessReview(review, subject: SimUser(name: name, groups: groups), kind: descriptor.kind)
        case ("authorization.k8s.io", "selfsubjectrulesreviews"):
            let review = try decode(try await body(), descriptor: descriptor)
            let namespace = review["spec"]?["namespace"]?.stringValue ?? ""
            if namespace.isEmpty {
                throw APIError.invalid(
                    kind: "SelfSubjectRulesReview", group: "authorization.k8s.io", name: "",
                    errors: [FieldError(field: "spec.namespace", kind: .required)])
            }
            let rules = await store.rulesReview(user: user, namespace: namespace, authorization: settings.authorization)
            return created(review, status: rules)
        default:
            throw APIError.resourceNotFound()
        }
    }

    private func decode(_ body: JSONValue, descriptor: ResourceDescriptor) throws -> [String: JSONValue] {
        guard case .object(var object) = body else { throw APIError.badRequest("the body must be an object") }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != descriptor.kind {
            throw APIError.badRequest(
                "the kind in the data (\(kind)) does not match the expected kind (\(descriptor.kind))")
        }
        object["apiVersion"] = .string(descriptor.apiVersion)
        object["kind"] = .string(descriptor.kind)
        var metadata = object["metadata"]?.objectValue ?? [:]
        metadata["creationTimestamp"] = .null
        object["metadata"] = .object(metadata)
        if object["spec"] == nil, descriptor.kind != "SelfSubjectReview" { object["spec"] = [:] }
        return object
    }

    private func created(_ review: [String: JSONValue], status: JSONValue) -> Response {
        var answer = review
        answer["status"] = status
        return HTTPMessages.json(.object(answer), status: 201)
    }

    private func tokenUser(_ token: String) async -> (user: SimUser, audiences: [String])? {
        if var found = settings.authentication.user(forToken: token) {
            if !found.groups.contains("system:authenticated") { found.groups.append("system:authenticated") }
            return (found, [ObjectStore.tokenIssuer])
        }
        return await store.serviceAccountUser(forToken: token)
    }

    private func accessReview(_ review: [String: JSONValue], subject: SimUser, kind: String) async throws -> Response {
        let spec = review["spec"]
        var subject = subject
        if kind != "SelfSubjectAccessReview", !subject.groups.contains("system:authenticated") {
            subject.groups.append("system:authenticated")
        }
        let request: AuthorizationRequest
        if let attributes = spec?["resourceAttributes"]?.objectValue {
            let text: (String) -> String? = { attributes[$0]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
            request = .resource(
                ResourceAttributes(
                    verb: text("verb") ?? "", group: text("group") ?? "", resource: text("resource") ?? "",
                    subresource: text("subresource"), namespace: text("namespace"), name: text("name")))
        } else if let attributes = spec?["nonResourceAttributes"]?.objectValue {
            request = .path(attributes["path"]?.stringValue ?? "", verb: attributes["verb"]?.stringValue ?? "")
        } else {
            throw APIError.invalid(
                kind: kind, group: "authorization.k8s.io", name: "",
                errors: [
                    FieldError(
                        field: "spec.resourceAttributes", kind: .invalid(.string("null")),
                        detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified")
                ])
        }
        let allowed = await store.authorize(subject, request, settings.authorization)
        var status: [String: JSONValue] = ["allowed": .bool(allowed)]
        if allowed { status["reason"] = "RBAC: allowed" }
        return created(review, status: .object(status))
    }

    private func componentStatuses() throws -> Response {
        func item(_ name: String, message: String) -> JSONValue {
            [
                "metadata": ["name": .string(name), "creationTimestamp": .null],
                "conditions": [["type": "Healthy", "status": "True", "message": .string(message)]],
            ]
        }
        let items = [
            item("controller-manager", message: "ok"), item("etcd-0", message: "{\"health\":\"true\",\"reason\":\"\"}"),
            item("scheduler", message: "ok"),
        ]
        if let name = path.name {
            guard var found = items.first(where: { $0["metadata"]?["name"]?.stringValue == name })?.objectValue else {
                throw APIError.notFound(GroupResource(group: "", resource: "componentstatuses"), name: name)
            }
            found["kind"] = "ComponentStatus"
            found["apiVersion"] = "v1"
            return HTTPMessages.json(.object(found))
        }
        return HTTPMessages.json([
            "kind": "ComponentStatusList", "apiVersion": "v1", "metadata": [:], "items": .array(items),
        ])
    }

    /// `user.Info` as the authentication API shows it.
    static func userInfo(_ user: SimUser) -> JSONValue {
        var groups = user.groups
        if !user.isAnonymous, !groups.contains("system:authenticated") { groups.append("system:authenticated") }
        return ["username": .string(user.name), "groups": .array(groups.map(JSONValue.string))]
    }
}

extension APIStore {
    /// Binds a pod (`POST …/pods/NAME/binding` or `…/bindings`); see ``ObjectStore/bind(namespace:podName:body:)``.
    func bind(namespace: String, podName: String?, body: JSONValue) throws -> JSONValue {
        try performWrite { try $0.bind(namespace: namespace, podName: podName, body: body) }
    }

    /// Issues a ServiceAccount token (`POST …/serviceaccounts/NAME/token`).
    func issueToken(namespace: String, serviceAccount: String, body: JSONValue) throws -> JSONValue {
        try performWrite { try $0.issueToken(namespace: namespace, serviceAccount: serviceAccount, body: body) }
    }

    /// The user of a ServiceAccount token this store issued, while it is valid.
    func serviceAccountUser(forToken token: String) -> (user: SimUser, audiences: [String])? {
        withState { $0.serviceAccountUser(forToken: token) }
    }

    /// The `SelfSubjectRulesReview` status of `user` in `namespace`.
    func rulesReview(user: SimUser, namespace: String, authorization: SimAuthorization) -> JSONValue {
        var rules = withState { RBACAuthorizer.rules(for: user, namespace: namespace, in: $0) }
        for rule in ([user.name] + user.groups).compactMap({ authorization.rules[$0] }).joined() {
            rules.append(rule.jsonValue)
        }
        if user.groups.contains("system:masters") {
            rules.append(["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]])
            rules.append(["verbs": ["*"], "nonResourceURLs": ["*"]])
        }
        var resourceRules: [JSONValue] = []
        var nonResourceRules: [JSONValue] = []
        for rule in rules {
            if rule["nonResourceURLs"] != nil {
                nonResourceRules.append([
                    "verbs": rule["verbs"] ?? [], "nonResourceURLs": rule["nonResourceURLs"] ?? [],
                ])
            } else {
                var entry: [String: JSONValue] = [
                    "verbs": rule["verbs"] ?? [], "apiGroups": rule["apiGroups"] ?? [],
                    "resources": rule["resources"] ?? [],
                ]
                if let names = rule["resourceNames"] { entry["resourceNames"] = names }
                resourceRules.append(.object(entry))
            }
        }
        return [
            "resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules), "incomplete": false,
        ]
    }
}

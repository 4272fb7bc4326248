import Foundation
import KaitoCore

/// A ServiceAccount token the store issued (`serviceaccounts/NAME/token`): who it stands for and until when.
struct IssuedToken: Sendable, Hashable {
    var namespace: String
    var serviceAccount: String
    var uid: String
    var audiences: [String]
    var expires: Date
}

extension ObjectStore {
    static let tokenIssuer = "https://kubernetes.default.svc.cluster.local"

    /// Issues a token for a ServiceAccount, as `POST …/serviceaccounts/NAME/token` (a `TokenRequest`) does: a JWT
    /// naming the account, its audiences and expiry (signed with nothing a client could verify), recognised by
    /// ``serviceAccountUser(forToken:)`` until it expires or the account is deleted.
    /// - Throws: ``APIError`` 404 for a missing ServiceAccount, 422 for an expiry under ten minutes.
    mutating func issueToken(namespace: String, serviceAccount name: String, body: JSONValue) throws -> JSONValue {
        let key = ObjectKey(resource: Self.serviceAccounts, namespace: namespace, name: name)
        guard let account = stored(key) else { throw APIError.notFound(Self.serviceAccounts, name: name) }
        let spec = body["spec"]
        var audiences = spec?["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if audiences.isEmpty { audiences = [Self.tokenIssuer] }
        var seconds: Int64 = 3600
        if case .integer(let requested)? = spec?["expirationSeconds"] { seconds = requested }
        if seconds < 600 {
            throw APIError.invalid(
                kind: "TokenRequest", group: "authentication.k8s.io", name: name,
                errors: [
                    FieldError(
                        field: "spec.expirationSeconds", kind: .invalid(.integer(seconds)),
                        detail: "may not specify a duration less than 10 minutes")
                ])
        }
        let issued = clock.now()
        let expires = issued.addingTimeInterval(TimeInterval(seconds))
        let uid = ObjectAccessor(account.object).uid
        let claims: JSONValue = [
            "aud": .array(audiences.map(JSONValue.string)), "exp": .integer(Int64(expires.timeIntervalSince1970)),
            "iat": .integer(Int64(issued.timeIntervalSince1970)), "iss": .string(Self.tokenIssuer),
            "jti": .string(identifiers.makeUID()), "nbf": .integer(Int64(issued.timeIntervalSince1970)),
            "kubernetes.io": [
                "namespace": .string(namespace), "serviceaccount": ["name": .string(name), "uid": .string(uid)],
            ],
            "sub": .string("system:serviceaccount:\(namespace):\(name)"),
        ]
        let header: JSONValue = ["alg": "RS256", "kid": "kaito-sim"]
        let signature = identifiers.makeUID() + identifiers.makeUID()
        let token = [JSONText.string(from: header), JSONText.string(from: claims), signature]
            .map { Self.base64URL(Data($0.utf8)) }.joined(separator: ".")
        issuedTokens[token] = IssuedToken(
            namespace: namespace, serviceAccount: name, uid: uid, audiences: audiences, expires: expires)
        let answeredSpec: [String: JSONValue] = [
            "audiences": .array(audiences.map(JSONValue.string)), "expirationSeconds": .integer(seconds),
            "boundObjectRef": spec?["boundObjectRef"] ?? .null,
        ]
        return [
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .null],
            "spec": .object(answeredSpec),
            "status": ["token": .string(token), "expirationTimestamp": .string(RFC3339.string(from: expires))],
        ]
    }

    /// The user of an issued ServiceAccount token that has not expired and whose account still exists with the
    /// same UID: `system:serviceaccount:NS:NAME`, in `system:serviceaccounts` and `system:serviceaccounts:NS`.
    func serviceAccountUser(forToken token: String) -> (user: SimUser, audiences: [String])? {
        guard let issued = issuedTokens[token], issued.expires > clock.now(),
            let account = stored(
                ObjectKey(resource: Self.serviceAccounts, namespace: issued.namespace, name: issued.serviceAccount)),
            ObjectAccessor(account.object).uid == issued.uid
        else { return nil }
        let user = SimUser(
            name: "system:serviceaccount:\(issued.namespace):\(issued.serviceAccount)",
            groups: ["system:serviceaccounts", "system:serviceaccounts:\(issued.namespace)", "system:authenticated"])
        return (user, issued.audiences)
    }

    /// Unpadded base64url, as JWTs and the API server's continue tokens are written.
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

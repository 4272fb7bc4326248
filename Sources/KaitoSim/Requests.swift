import Foundation
public import KaitoCore

/// Which part of an object a write addresses.
public enum Subresource: String, Sendable, Hashable {
    /// The object itself (`/namespaces/NS/deployments/NAME`).
    case main = ""
    /// The `status` subresource (`…/NAME/status`).
    case status
    /// The `scale` subresource (`…/NAME/scale`): writes change only the replica count.
    case scale
}

/// How a delete treats the object's dependents (`metav1.DeletionPropagation`).
public enum PropagationPolicy: String, Sendable, Hashable, CaseIterable {
    /// Delete the owner now; the garbage collector deletes dependents afterwards.
    case background = "Background"
    /// Keep the owner (with the `foregroundDeletion` finalizer) until dependents that block it are gone.
    case foreground = "Foreground"
    /// Remove the owner reference from dependents (through the `orphan` finalizer), then delete the owner.
    case orphan = "Orphan"
}

/// The four patch formats, named by their request media types.
public enum PatchType: String, Sendable, Hashable, CaseIterable {
    /// RFC 6902 JSON patch, `application/json-patch+json`.
    case json = "application/json-patch+json"
    /// RFC 7386 JSON merge patch, `application/merge-patch+json`.
    case merge = "application/merge-patch+json"
    /// Kubernetes strategic merge patch, `application/strategic-merge-patch+json`.
    case strategicMerge = "application/strategic-merge-patch+json"
    /// Server-side apply, `application/apply-patch+yaml`.
    case apply = "application/apply-patch+yaml"

    /// The patch type of a `Content-Type` header value (parameters such as `; charset=utf-8` are ignored).
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let mediaType, let type = PatchType(rawValue: mediaType) else { return nil }
        self = type
    }
}

/// Options of a list (`metav1.ListOptions`).
public struct ListOptions: Sendable, Hashable {
    /// A label selector such as `app=web,tier in (a,b),!canary`.
    public var labelSelector: String?
    /// A field selector such as `metadata.name=web,spec.nodeName!=`.
    public var fieldSelector: String?
    /// The largest number of items to return; `nil` or 0 for all.
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    /// `resourceVersion`: empty for the latest state, `0` for any, or a version the list must be at least
    /// (or exactly, with ``resourceVersionMatch`` `Exact`) as new as.
    public var resourceVersion: String?
    /// `resourceVersionMatch`: `NotOlderThan` or `Exact`, only with ``resourceVersion``.
    public var resourceVersionMatch: String?

    /// Creates options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: String? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
    }
}

/// Options of a watch (`metav1.ListOptions` with `watch=true`).
public struct WatchOptions: Sendable, Hashable {
    /// A label selector.
    public var labelSelector: String?
    /// A field selector.
    public var fieldSelector: String?
    /// Start after this resourceVersion; `nil` or `"0"` sends the current objects as `ADDED` first.
    public var resourceVersion: String?
    /// Whether the client accepts `BOOKMARK` events.
    public var allowBookmarks: Bool
    /// End the watch after this many seconds of the injected clock (`timeoutSeconds`); `nil` for never.
    public var timeoutSeconds: Double?
    /// `sendInitialEvents`: start with the current objects as `ADDED`, then a `BOOKMARK` annotated
    /// `k8s.io/initial-events-end` (a streaming list); needs ``resourceVersionMatch`` `NotOlderThan` and bookmarks.
    public var sendInitialEvents: Bool?
    /// `resourceVersionMatch`, allowed on watches only with ``sendInitialEvents``.
    public var resourceVersionMatch: String?

    /// Creates options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
        allowBookmarks: Bool = false, timeoutSeconds: Double? = nil, sendInitialEvents: Bool? = nil,
        resourceVersionMatch: String? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
        self.sendInitialEvents = sendInitialEvents
        self.resourceVersionMatch = resourceVersionMatch
    }
}

/// Options of a delete (`metav1.DeleteOptions`).
public struct DeleteOptions: Sendable, Hashable {
    /// How dependents are treated; `nil` for the resource's default.
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this UID.
    public var preconditionUID: String?
    /// Delete only if the object still has this resourceVersion.
    public var preconditionResourceVersion: String?

    /// Seconds a graceful deletion (of a Pod bound to a node) waits for the kubelet; `0` deletes at once, `nil`
    /// uses the pod's `terminationGracePeriodSeconds`. Other kinds ignore it.
    public var gracePeriodSeconds: Int64?

    /// Creates options.
    public init(
        propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int64? = nil
    ) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
    }

    /// Reads a `DeleteOptions` request body: `propagationPolicy`, the deprecated `orphanDependents` and
    /// `preconditions`.
    /// - Throws: ``APIError`` 422 for an unknown propagation policy.
    public init(body: JSONValue) throws {
        self.init()
        if let policy = body["propagationPolicy"]?.stringValue {
            guard let parsed = PropagationPolicy(rawValue: policy) else {
                throw APIError.invalid(
                    kind: "DeleteOptions", group: "meta.k8s.io", name: "",
                    errors: [
                        FieldError(
                            field: "propagationPolicy",
                            kind: .notSupported(
                                .string(policy), supported: ["Foreground", "Background", "Orphan", "nil"]))
                    ])
            }
            propagationPolicy = parsed
        } else if case .bool(let orphan)? = body["orphanDependents"] {
            propagationPolicy = orphan ? .orphan : .background
        }
        switch body["gracePeriodSeconds"] {
        case .integer(let seconds)?:
            guard seconds >= 0 else {
                throw APIError.invalid(
                    kind: "DeleteOptions", group: "meta.k8s.io", name: "",
                    errors: [
                        FieldError(
                            field: "gracePeriodSeconds", kind: .invalid(.integer(seconds)),
                            detail: "must be greater than or equal to 0")
                    ])
            }
            gracePeriodSeconds = seconds
        case .string(let text)?:
            guard let seconds = Int64(text) else {
                throw APIError.badRequest("invalid value for gracePeriodSeconds: \(text)")
            }
            gracePeriodSeconds = max(0, seconds)
        default:
            break
        }
        preconditionUID = body["preconditions"]?["uid"]?.stringValue
        preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
    }
}

/// Options of a patch (`metav1.PatchOptions`).
public struct PatchOptions: Sendable, Hashable {
    /// The field manager; required for server-side apply.
    public var fieldManager: String?
    /// Whether server-side apply takes fields from other managers instead of failing with a conflict.
    public var force: Bool

    /// Creates options.
    public init(fieldManager: String? = nil, force: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
    }
}

/// One page of a list.
public struct ListResult: Sendable, Hashable {
    /// `apiVersion` of the list.
    public var apiVersion: String
    /// `kind` of the list, such as `DeploymentList`.
    public var kind: String
    /// The resourceVersion the list reflects.
    public var resourceVersion: String
    /// The token for the next page, when there is one.
    public var continueToken: String?
    /// How many items follow this page, when known.
    public var remainingItemCount: Int64?
    /// The items, each a whole object with `apiVersion` and `kind`.
    public var items: [JSONValue]
    /// Whether the items keep `apiVersion` and `kind` in the wire form (custom resources) or lose them (built-in
    /// kinds, whose typed lists carry no per-item type meta).
    public var itemsCarryTypeMeta: Bool

    /// Creates a page.
    public init(
        apiVersion: String, kind: String, resourceVersion: String, continueToken: String? = nil,
        remainingItemCount: Int64? = nil, items: [JSONValue], itemsCarryTypeMeta: Bool
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
        self.items = items
        self.itemsCarryTypeMeta = itemsCarryTypeMeta
    }

    /// The list as the API server sends it.
    public var jsonValue: JSONValue {
        var metadata: [String: JSONValue] = ["resourceVersion": .string(resourceVersion)]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remainingItemCount { metadata["remainingItemCount"] = .integer(remainingItemCount) }
        let wireItems =
            itemsCarryTypeMeta
            ? items
            : items.map { item -> JSONValue in
                guard var object = item.objectValue else { return item }
                object["apiVersion"] = nil
                object["kind"] = nil
                return .object(object)
            }
        return [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata),
            "items": .array(wireItems),
        ]
    }
}

/// What a delete did.
public enum DeleteResult: Sendable, Hashable {
    /// The object is gone; this is its last state (with the resourceVersion of the deletion).
    case deleted(JSONValue)
    /// The object remains, marked with `deletionTimestamp`, until its finalizers are removed.
    case pending(JSONValue)

    /// The object in either case.
    public var object: JSONValue {
        switch self {
        case .deleted(let object), .pending(let object): object
        }
    }

    /// 200 when the object is gone, 202 when its deletion is pending.
    public var httpStatusCode: Int {
        switch self {
        case .deleted: 200
        case .pending: 202
        }
    }

    /// The response body a real API server sends: the object for pending deletions and for the kinds whose storage
    /// returns deleted objects (Pods, Services, ServiceAccounts, PersistentVolume(Claim)s, StorageClasses);
    /// otherwise, custom resources included, a `Status` with `status: Success` and the object's name, group,
    /// resource and UID.
    public func responseBody(for descriptor: ResourceDescriptor) -> JSONValue {
        switch self {
        case .pending(let object):
            return object
        case .deleted(let object):
            if descriptor.returnsDeletedObject {
                return object
            }
            let details = StatusDetails(
                name: object["metadata"]?["name"]?.stringValue ?? "", group: descriptor.group,
                kind: descriptor.plural, uid: object["metadata"]?["uid"]?.stringValue ?? "")
            return [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                "details": details.jsonValue,
            ]
        }
    }
}

/// One event of a watch.
public struct WatchEvent: Sendable, Hashable {
    /// The event type.
    public enum EventType: String, Sendable, Hashable {
        /// An object appeared (or, from a selector's point of view, started matching).
        case added = "ADDED"
        /// An object changed.
        case modified = "MODIFIED"
        /// An object was removed (or stopped matching).
        case deleted = "DELETED"
        /// A progress marker carrying only a resourceVersion.
        case bookmark = "BOOKMARK"
        /// An error; the object is a `Status`.
        case error = "ERROR"
    }

    /// The event type.
    public var type: EventType
    /// The object, a `Status` for errors, or `{apiVersion, kind, metadata: {resourceVersion}}` for bookmarks.
    public var object: JSONValue

    /// Creates an event.
    public init(type: EventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// `{"type": …, "object": …}`, one line of a watch stream.
    public var jsonValue: JSONValue { ["type": .string(type.rawValue), "object": object] }

    /// The object's resourceVersion, if any.
    public var resourceVersion: String? { object["metadata"]?["resourceVersion"]?.stringValue }
}

/// What one ``APIStore/collectGarbage()`` pass did.
public struct GarbageCollectionAction: Sendable, Hashable, CustomStringConvertible {
    /// The kind of step.
    public enum Kind: String, Sendable, Hashable {
        /// An object was deleted (a dependent of a missing owner, content of a terminating namespace, …).
        case deleted
        /// An object was created by a controller (a namespace's default ServiceAccount, its `kube-root-ca.crt`).
        case created
        /// An owner reference was removed from a dependent (orphaning or a dangling reference).
        case ownerReferenceRemoved
        /// A finalizer the garbage collector owns (`orphan`, `foregroundDeletion`, namespace or CRD cleanup) was
        /// removed.
        case finalizerRemoved
    }

    /// The kind of step.
    public var kind: Kind
    /// The object acted on.
    public var resource: GroupResource
    /// Its namespace, empty for cluster-scoped objects.
    public var namespace: String
    /// Its name.
    public var name: String
    /// The finalizer or owner UID concerned, when any.
    public var detail: String

    /// Creates an action.
    public init(kind: Kind, resource: GroupResource, namespace: String, name: String, detail: String = "") {
        self.kind = kind
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.detail = detail
    }

    /// `deleted deployments.apps default/web`.
    public var description: String {
        let key = namespace.isEmpty ? name : "\(namespace)/\(name)"
        return detail.isEmpty
            ? "\(kind.rawValue) \(resource) \(key)" : "\(kind.rawValue) \(resource) \(key) (\(detail))"
    }
}

public import Foundation

/// Standard object metadata (`metav1.ObjectMeta`), the subset Kaito objects use.
///
/// Optional fields that are `nil` are left out when encoding, as the API server does.
public struct ObjectMeta: Sendable, Hashable, Codable {
    /// Object name, unique within its namespace.
    public var name: String?
    /// Namespace; `nil` means the client's default.
    public var namespace: String?
    /// Prefix for a server-generated name, used when `name` is empty.
    public var generateName: String?
    /// Labels.
    public var labels: [String: String]?
    /// Annotations.
    public var annotations: [String: String]?
    /// Unique ID set by the server.
    public var uid: String?
    /// Opaque version for optimistic concurrency.
    public var resourceVersion: String?
    /// Sequence number of spec changes, set by the server.
    public var generation: Int64?
    /// When the object was created.
    public var creationTimestamp: Date?
    /// When deletion was requested.
    public var deletionTimestamp: Date?
    /// Seconds allowed for graceful termination.
    public var deletionGracePeriodSeconds: Int64?
    /// Finalizers that block deletion.
    public var finalizers: [String]?
    /// Owners, for garbage collection.
    public var ownerReferences: [OwnerReference]?
    /// Server-side apply bookkeeping, kept as given.
    public var managedFields: JSONValue?

    /// Creates metadata.
    public init(
        name: String? = nil, namespace: String? = nil, generateName: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil, uid: String? = nil,
        resourceVersion: String? = nil, generation: Int64? = nil, creationTimestamp: Date? = nil,
        deletionTimestamp: Date? = nil, deletionGracePeriodSeconds: Int64? = nil, finalizers: [String]? = nil,
        ownerReferences: [OwnerReference]? = nil, managedFields: JSONValue? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.generateName = generateName
        self.labels = labels
        self.annotations = annotations
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.deletionGracePeriodSeconds = deletionGracePeriodSeconds
        self.finalizers = finalizers
        self.ownerReferences = ownerReferences
        self.managedFields = managedFields
    }
}

/// A reference from a dependent object to its owner (`metav1.OwnerReference`).
public struct OwnerReference: Sendable, Hashable, Codable {
    /// Owner's `apiVersion`.
    public var apiVersion: String
    /// Owner's kind.
    public var kind: String
    /// Owner's name.
    public var name: String
    /// Owner's UID.
    public var uid: String
    /// Whether the owner is the managing controller.
    public var controller: Bool?
    /// Whether foreground deletion of the owner waits for this object.
    public var blockOwnerDeletion: Bool?

    /// Creates an owner reference.
    public init(
        apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// A label query (`metav1.LabelSelector`).
public struct LabelSelector: Sendable, Hashable, Codable {
    /// Labels that must be present with exactly these values.
    public var matchLabels: [String: String]?
    /// Set-based requirements; all must hold.
    public var matchExpressions: [LabelSelectorRequirement]?

    /// Creates a selector.
    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether a set of labels satisfies every part of the selector. An empty selector matches everything.
    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels ?? [:] where labels[key] != value { return false }
        return (matchExpressions ?? []).allSatisfy { $0.matches(labels) }
    }

    /// The selector as a plain map, as Kubernetes' `LabelSelectorAsMap` does: `matchLabels` plus
    /// `In` expressions with exactly one value.
    /// - Throws: ``LabelSelectorConversionError`` for any other operator or value count.
    public func asMap() throws -> [String: String] {
        var map = matchLabels ?? [:]
        for expression in matchExpressions ?? [] {
            guard expression.operator == .in else {
                throw LabelSelectorConversionError(
                    message: "operator \"\(expression.operator.rawValue)\" cannot be converted into the old label selector format")
            }
            guard let values = expression.values, values.count == 1 else {
                throw LabelSelectorConversionError(
                    message: "operator \"In\" without a single value cannot be converted into the old label selector format")
            }
            map[expression.key] = values[0]
        }
        return map
    }
}

/// Why a label selector cannot become a plain map.
public struct LabelSelectorConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message Kubernetes uses.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// One set-based selector requirement.
public struct LabelSelectorRequirement: Sendable, Hashable, Codable {
    /// A set-based operator.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        /// The label's value is one of `values`.
        case `in` = "In"
        /// The label is absent or its value is none of `values`.
        case notIn = "NotIn"
        /// The label is present.
        case exists = "Exists"
        /// The label is absent.
        case doesNotExist = "DoesNotExist"
    }

    /// The label key.
    public var key: String
    /// The operator.
    public var `operator`: Operator
    /// Values for `In` and `NotIn`.
    public var values: [String]?

    /// Creates a requirement.
    public init(key: String, operator: Operator, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    /// Whether the labels satisfy this requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        switch `operator` {
        case .in: return labels[key].map { (values ?? []).contains($0) } ?? false
        case .notIn: return labels[key].map { !(values ?? []).contains($0) } ?? true
        case .exists: return labels[key] != nil
        case .doesNotExist: return labels[key] == nil
        }
    }
}

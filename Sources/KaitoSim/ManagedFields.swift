import KaitoCore

/// One step of a field path in `managedFields`: a map key (`f:`), an associative-list element identified by its
/// key fields (`k:`), or a set element (`v:`).
enum FieldPathElement: Hashable, Comparable {
    case field(String)
    case key(String)
    case value(String)

    /// The `fieldsV1` key for the step.
    var fieldsV1Key: String {
        switch self {
        case .field(let name): "f:\(name)"
        case .key(let json): "k:\(json)"
        case .value(let json): "v:\(json)"
        }
    }

    /// The step as the API server writes it in conflict messages: `.name`, `[name="web"]`, `[="x"]`.
    var display: String {
        switch self {
        case .field(let name): return ".\(name)"
        case .key(let json):
            guard let members = JSONText.parse(json)?.objectValue else { return "[\(json)]" }
            let parts = members.keys.sorted().map { "\($0)=\(JSONText.string(from: members[$0] ?? .null))" }
            return "[" + parts.joined(separator: ",") + "]"
        case .value(let json): return "[=\(json)]"
        }
    }

    static func < (lhs: FieldPathElement, rhs: FieldPathElement) -> Bool {
        lhs.fieldsV1Key < rhs.fieldsV1Key
    }
}

typealias FieldPath = [FieldPathElement]

extension Array where Element == FieldPathElement {
    var display: String { map(\.display).joined() }
}

/// What a path holds: a scalar, atomic list or empty map value, the presence of a list element, or the presence
/// of a map or struct (tracked for non-apply writes, shown as `"."` in `fieldsV1`).
enum FieldLeaf: Hashable {
    case value(JSONValue)
    case element
    case node

    func same(as other: FieldLeaf?) -> Bool {
        switch (self, other) {
        case (.element, .element?), (.node, .node?): return true
        case (.value(let left), .value(let right)?): return left.isSemanticallyEqual(to: right)
        default: return false
        }
    }
}

/// One `managedFields` entry: the fields one manager owns through one kind of operation.
struct ManagedFieldsEntry: Hashable {
    var manager: String
    /// `Apply` or `Update`.
    var operation: String
    var apiVersion: String
    var time: String
    /// Empty or `status`.
    var subresource: String
    var fields: Set<FieldPath>

    func sameIdentity(as other: ManagedFieldsEntry) -> Bool {
        manager == other.manager && operation == other.operation && subresource == other.subresource
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": ManagedFields.fieldsV1(fields),
        ]
        if !subresource.isEmpty { object["subresource"] = .string(subresource) }
        return .object(object)
    }
}

/// Server-side apply bookkeeping at the granularity of leaf paths.
///
/// Simplification of `structured-merge-diff`: a manager owns the leaves it set (scalars, atomic lists, empty maps)
/// and the elements of associative lists and sets it listed; map-typed fields are never owned as a whole.
enum ManagedFields {
    /// Metadata fields the server owns, never tracked.
    private static let systemMetadata: Set<String> = [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    ]

    /// The part of `object` a write through `subresource` addresses, without server-owned fields.
    static func trackedContent(
        of object: [String: JSONValue], subresource: Subresource, descriptor: ResourceDescriptor
    ) -> [String: JSONValue] {
        var content = object
        content["apiVersion"] = nil
        content["kind"] = nil
        if var metadata = content["metadata"]?.objectValue {
            for key in systemMetadata { metadata[key] = nil }
            content["metadata"] = metadata.isEmpty ? nil : .object(metadata)
        }
        if subresource == .scale {
            let path = ScaleSubresource.specReplicasPath(descriptor)
            var scaled = JSONValue.object([:])
            if let replicas = JSONValue.object(content).value(at: path) { scaled.setValue(replicas, at: path) }
            return scaled.objectValue ?? [:]
        }
        if descriptor.hasStatusSubresource {
            if subresource == .status {
                return content["status"].map { ["status": $0] } ?? [:]
            }
            content["status"] = nil
        }
        return content
    }

    /// Every owned path of `content` with what it holds. With `includingNodes` (for the diff of a non-apply write),
    /// maps and structs that are not always present count too, so that the manager that creates one owns it.
    static func leaves(
        of content: [String: JSONValue], descriptor: ResourceDescriptor, includingNodes: Bool = false
    ) -> [FieldPath: FieldLeaf] {
        var result: [FieldPath: FieldLeaf] = [:]
        let context = CollectContext(
            descriptor: descriptor, includingNodes: includingNodes,
            alwaysPresent: includingNodes ? descriptor.alwaysPresentObjects : [])
        for (key, value) in content {
            collect(value, path: [.field(key)], schemaPath: [key], context: context, into: &result)
        }
        return result
    }

    private struct CollectContext {
        let descriptor: ResourceDescriptor
        let includingNodes: Bool
        let alwaysPresent: Set<[String]>
    }

    private static func collect(
        _ value: JSONValue, path: FieldPath, schemaPath: [String], context: CollectContext,
        into result: inout [FieldPath: FieldLeaf]
    ) {
        let descriptor = context.descriptor
        switch value {
        case .object(let members):
            if members.isEmpty || descriptor.isAtomicMap(at: schemaPath) {
                result[path] = .value(value)
                return
            }
            if context.includingNodes, !context.alwaysPresent.contains(schemaPath), !isListElement(path) {
                result[path] = .node
            }
            for (key, member) in members {
                collect(
                    member, path: path + [.field(key)], schemaPath: schemaPath + [key], context: context,
                    into: &result)
            }
        case .array(let items):
            switch descriptor.listType(at: schemaPath) {
            case .map(let keys):
                let elementKeys = items.map { elementKey($0, keys: keys) }
                guard elementKeys.allSatisfy({ $0 != nil }) else {
                    result[path] = .value(value)
                    return
                }
                for (item, key) in zip(items, elementKeys) {
                    guard let key, let members = item.objectValue else { continue }
                    let elementPath = path + [.key(key)]
                    result[elementPath] = .element
                    for (field, member) in members {
                        collect(
                            member, path: elementPath + [.field(field)], schemaPath: schemaPath + [field],
                            context: context, into: &result)
                    }
                }
            case .set:
                for item in items { result[path + [.value(JSONText.string(from: item))]] = .element }
            case .atomic:
                result[path] = .value(value)
            }
        default:
            result[path] = .value(value)
        }
    }

    private static func isListElement(_ path: FieldPath) -> Bool {
        guard let last = path.last else { return false }
        if case .field = last { return false }
        return true
    }

    /// The `k:` key of an associative-list element: its key fields as compact JSON, `nil` when one is missing.
    static func elementKey(_ item: JSONValue, keys: [String]) -> String? {
        guard let members = item.objectValue else { return nil }
        var keyObject: [String: JSONValue] = [:]
        for key in keys {
            guard let value = members[key] else { return nil }
            keyObject[key] = value
        }
        return JSONText.string(from: .object(keyObject))
    }

    /// Removes the field or list element at `path`, if present.
    static func remove(_ path: ArraySlice<FieldPathElement>, from value: inout JSONValue) {
        guard let first = path.first else { return }
        let rest = path.dropFirst()
        switch (first, value) {
        case (.field(let name), .object(var members)):
            if rest.isEmpty {
                members[name] = nil
            } else if var child = members[name] {
                remove(rest, from: &child)
                members[name] = child
            }
            value = .object(members)
        case (.key(let json), .array(var items)):
            guard let keyObject = JSONText.parse(json)?.objectValue else { return }
            let matches: (JSONValue) -> Bool = { item in keyObject.allSatisfy { item[$0.key].sameAs($0.value) } }
            if rest.isEmpty {
                items.removeAll(where: matches)
            } else if let index = items.firstIndex(where: matches) {
                remove(rest, from: &items[index])
            }
            value = .array(items)
        case (.value(let json), .array(var items)):
            guard let element = JSONText.parse(json) else { return }
            items.removeAll { $0.isSemanticallyEqual(to: element) }
            value = .array(items)
        default:
            return
        }
    }

    /// Whether `path` names a key field of an associative-list element (which lives as long as the element).
    static func isKeyField(_ path: FieldPath) -> Bool {
        guard path.count >= 2, case .field(let name) = path[path.count - 1], case .key(let json) = path[path.count - 2]
        else { return false }
        return JSONText.parse(json)?[name] != nil
    }

    /// Whether the value at `path` is an empty list or map.
    static func isEmptyContainer(at path: ArraySlice<FieldPathElement>, in value: JSONValue) -> Bool {
        guard let first = path.first else {
            switch value {
            case .array(let items): return items.isEmpty
            case .object(let members): return members.isEmpty
            default: return false
            }
        }
        switch (first, value) {
        case (.field(let name), .object(let members)):
            return members[name].map { isEmptyContainer(at: path.dropFirst(), in: $0) } ?? false
        case (.key(let json), .array(let items)):
            guard let keyObject = JSONText.parse(json)?.objectValue,
                let item = items.first(where: { item in keyObject.allSatisfy { item[$0.key].sameAs($0.value) } })
            else { return false }
            return isEmptyContainer(at: path.dropFirst(), in: item)
        default:
            return false
        }
    }

    /// Merges an applied configuration into the live object: maps recursively, associative lists by key, sets by
    /// union, everything else replaced.
    static func merge(
        _ live: JSONValue?, _ applied: JSONValue, schemaPath: [String], descriptor: ResourceDescriptor
    ) -> JSONValue {
        switch applied {
        case .object(let members):
            var result = live?.objectValue ?? [:]
            for (key, member) in members where member != .null {
                result[key] = merge(result[key], member, schemaPath: schemaPath + [key], descriptor: descriptor)
            }
            return .object(result)
        case .array(let items):
            switch descriptor.listType(at: schemaPath) {
            case .map(let keys):
                var result = live?.arrayValue ?? []
                for item in items {
                    guard let key = elementKey(item, keys: keys) else { return applied }
                    if let index = result.firstIndex(where: { elementKey($0, keys: keys) == key }) {
                        result[index] = merge(result[index], item, schemaPath: schemaPath, descriptor: descriptor)
                    } else {
                        result.append(item)
                    }
                }
                return .array(result)
            case .set:
                var result = live?.arrayValue ?? []
                for item in items where !result.contains(where: { $0.isSemanticallyEqual(to: item) }) {
                    result.append(item)
                }
                return .array(result)
            case .atomic:
                return applied
            }
        default:
            return applied
        }
    }

    /// The `fieldsV1` tree of a set of paths: a path that is in the set and has members in it too gets `"."`.
    static func fieldsV1(_ fields: Set<FieldPath>) -> JSONValue {
        var root: [String: JSONValue] = [:]
        for path in fields {
            insert(path[...], into: &root)
        }
        for path in fields
        where fields.contains(where: { $0.count > path.count && Array($0.prefix(path.count)) == path }) {
            markMember(path[...], in: &root)
        }
        for path in fields {
            if case .key? = path.last { markMember(path[...], in: &root) }
        }
        return .object(root)
    }

    private static func insert(_ path: ArraySlice<FieldPathElement>, into node: inout [String: JSONValue]) {
        guard let first = path.first else { return }
        let key = first.fieldsV1Key
        var child = node[key]?.objectValue ?? [:]
        if path.count > 1 {
            insert(path.dropFirst(), into: &child)
        }
        node[key] = .object(child)
    }

    private static func markMember(_ path: ArraySlice<FieldPathElement>, in node: inout [String: JSONValue]) {
        guard let first = path.first else { return }
        let key = first.fieldsV1Key
        var child = node[key]?.objectValue ?? [:]
        if path.count == 1 {
            child["."] = [:]
        } else {
            markMember(path.dropFirst(), in: &child)
        }
        node[key] = .object(child)
    }

    /// Ownership after a non-apply write: the writer takes every changed path, other managers lose changed and
    /// removed paths.
    static func recordUpdate(
        _ entries: [ManagedFieldsEntry], old: [FieldPath: FieldLeaf], new: [FieldPath: FieldLeaf],
        writer: ManagedFieldsEntry
    ) -> [ManagedFieldsEntry] {
        let changed = Set(new.filter { !$0.value.same(as: old[$0.key]) }.keys)
        let removed = Set(old.keys).subtracting(new.keys)
        var result: [ManagedFieldsEntry] = []
        var writerEntry = writer
        var writerFound = false
        for var entry in entries {
            if entry.sameIdentity(as: writer) {
                writerFound = true
                writerEntry.fields = entry.fields.subtracting(removed).union(changed)
                if writerEntry.fields == entry.fields { writerEntry.time = entry.time }
                result.append(writerEntry)
                continue
            }
            entry.fields.subtract(changed)
            entry.fields.subtract(removed)
            result.append(entry)
        }
        if !writerFound {
            writerEntry.fields = changed
            result.append(writerEntry)
        }
        return result.filter { !$0.fields.isEmpty }
    }

    /// Whether two entry lists grant the same ownership (timestamps aside).
    static func sameOwnership(_ lhs: [ManagedFieldsEntry], _ rhs: [ManagedFieldsEntry]) -> Bool {
        let key: (ManagedFieldsEntry) -> String = { "\($0.manager)\u{0}\($0.operation)\u{0}\($0.subresource)" }
        let left = Dictionary(lhs.map { (key($0), $0.fields) }) { first, _ in first }
        let right = Dictionary(rhs.map { (key($0), $0.fields) }) { first, _ in first }
        return left == right
    }
}

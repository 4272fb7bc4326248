import KaitoCore

/// RFC 6902 JSON patch: `add`, `remove`, `replace`, `move`, `copy` and `test`, with RFC 6901 pointers.
enum JSONPatch {
    /// Applies `patch` (an array of operations) to `document`.
    /// - Throws: ``APIError`` 400 when the patch is not an array of objects, 422 (with the API server's generic
    ///   message) when an operation fails, such as a `test` that does not hold or a path that does not exist.
    static func apply(_ patch: JSONValue, to document: JSONValue) throws -> JSONValue {
        guard case .array(let operations) = patch else {
            throw APIError.badRequest("json: cannot unmarshal \(patch.typeName) into Go value of type jsonpatch.Patch")
        }
        var result = document
        for operation in operations {
            guard case .object(let fields) = operation else {
                throw APIError.badRequest(
                    "json: cannot unmarshal \(operation.typeName) into Go value of type jsonpatch.Operation")
            }
            result = try applyOperation(fields, to: result)
        }
        return result
    }

    private static func applyOperation(_ fields: [String: JSONValue], to document: JSONValue) throws -> JSONValue {
        let failure = APIError.patchNotApplicable()
        guard let op = fields["op"]?.stringValue, let pathText = fields["path"]?.stringValue,
            let path = pointer(pathText)
        else { throw failure }
        switch op {
        case "add":
            guard let value = fields["value"] else { throw failure }
            return try add(value, at: path[...], in: document)
        case "remove":
            return try remove(at: path[...], in: document).document
        case "replace":
            guard let value = fields["value"] else { throw failure }
            return try replace(value, at: path[...], in: document)
        case "move":
            guard let fromText = fields["from"]?.stringValue, let from = pointer(fromText) else { throw failure }
            if from == path { return document }
            guard !(path.count > from.count && Array(path.prefix(from.count)) == from) else { throw failure }
            let (removed, value) = try remove(at: from[...], in: document)
            return try add(value, at: path[...], in: removed)
        case "copy":
            guard let fromText = fields["from"]?.stringValue, let from = pointer(fromText),
                let value = get(at: from[...], in: document)
            else { throw failure }
            return try add(value, at: path[...], in: document)
        case "test":
            guard let expected = fields["value"], let actual = get(at: path[...], in: document),
                actual.isSemanticallyEqual(to: expected)
            else { throw failure }
            return document
        default:
            throw failure
        }
    }

    /// Splits an RFC 6901 pointer into unescaped tokens; `nil` when it does not start with `/` (and is not empty).
    static func pointer(_ text: String) -> [String]? {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { return nil }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(at path: ArraySlice<String>, in document: JSONValue) -> JSONValue? {
        guard let first = path.first else { return document }
        switch document {
        case .object(let object):
            return object[first].flatMap { get(at: path.dropFirst(), in: $0) }
        case .array(let items):
            guard let index = arrayIndex(first, count: items.count), index < items.count else { return nil }
            return get(at: path.dropFirst(), in: items[index])
        default:
            return nil
        }
    }

    private static func arrayIndex(_ token: String, count: Int) -> Int? {
        guard !token.isEmpty, token.allSatisfy(\.isNumber), token == "0" || !token.hasPrefix("0"),
            let index = Int(token), index <= count
        else { return nil }
        return index
    }

    private static func add(_ value: JSONValue, at path: ArraySlice<String>, in document: JSONValue) throws
        -> JSONValue
    {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        switch document {
        case .object(var object):
            if rest.isEmpty {
                object[first] = value
            } else {
                guard let child = object[first] else { throw APIError.patchNotApplicable() }
                object[first] = try add(value, at: rest, in: child)
            }
            return .object(object)
        case .array(var items):
            if rest.isEmpty {
                if first == "-" {
                    items.append(value)
                } else {
                    guard let index = arrayIndex(first, count: items.count) else { throw APIError.patchNotApplicable() }
                    items.insert(value, at: index)
                }
            } else {
                guard let index = arrayIndex(first, count: items.count), index < items.count else {
                    throw APIError.patchNotApplicable()
                }
                items[index] = try add(value, at: rest, in: items[index])
            }
            return .array(items)
        default:
            throw APIError.patchNotApplicable()
        }
    }

    private static func remove(at path: ArraySlice<String>, in document: JSONValue) throws
        -> (document: JSONValue, removed: JSONValue)
    {
        guard let first = path.first else { throw APIError.patchNotApplicable() }
        let rest = path.dropFirst()
        switch document {
        case .object(var object):
            guard let child = object[first] else { throw APIError.patchNotApplicable() }
            if rest.isEmpty {
                object[first] = nil
                return (.object(object), child)
            }
            let (updated, removed) = try remove(at: rest, in: child)
            object[first] = updated
            return (.object(object), removed)
        case .array(var items):
            guard let index = arrayIndex(first, count: items.count), index < items.count else {
                throw APIError.patchNotApplicable()
            }
            if rest.isEmpty {
                let removed = items.remove(at: index)
                return (.array(items), removed)
            }
            let (updated, removed) = try remove(at: rest, in: items[index])
            items[index] = updated
            return (.array(items), removed)
        default:
            throw APIError.patchNotApplicable()
        }
    }

    private static func replace(_ value: JSONValue, at path: ArraySlice<String>, in document: JSONValue) throws
        -> JSONValue
    {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        switch document {
        case .object(var object):
            guard let child = object[first] else { throw APIError.patchNotApplicable() }
            object[first] = rest.isEmpty ? value : try replace(value, at: rest, in: child)
            return .object(object)
        case .array(var items):
            guard let index = arrayIndex(first, count: items.count), index < items.count else {
                throw APIError.patchNotApplicable()
            }
            items[index] = rest.isEmpty ? value : try replace(value, at: rest, in: items[index])
            return .array(items)
        default:
            throw APIError.patchNotApplicable()
        }
    }
}

/// RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else replaces.
enum MergePatch {
    static func apply(_ patch: JSONValue, to target: JSONValue?) -> JSONValue {
        guard case .object(let members) = patch else { return patch }
        var result = target?.objectValue ?? [:]
        for (key, value) in members {
            if value == .null {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return .object(result)
    }
}

/// Kubernetes strategic merge patch for built-in kinds.
///
/// Lists merge by their patch merge key (from ``ResourceDescriptor/listTypes``), primitive lists with the
/// `merge` strategy form a union, other lists are replaced. Supported directives: `$patch: replace | delete |
/// merge` on maps and list elements (`{"$patch": "replace"}` as a list element replaces the whole list),
/// `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
struct StrategicMergePatch {
    var listType: ([String]) -> ListType

    func apply(_ patch: JSONValue, to original: JSONValue) throws -> JSONValue {
        guard case .object(let patchObject) = patch else {
            throw APIError.badRequest(
                "json: cannot unmarshal \(patch.typeName) into Go value of type map[string]interface {}")
        }
        let merged = try mergeObject(original.objectValue ?? [:], patchObject, path: [])
        return .object(merged ?? [:])
    }

    /// Merges `patch` into `original`; `nil` means the map is deleted (`$patch: delete`).
    private func mergeObject(_ original: [String: JSONValue], _ patch: [String: JSONValue], path: [String]) throws
        -> [String: JSONValue]?
    {
        var patch = patch
        if let directive = patch.removeValue(forKey: "$patch") {
            switch directive.stringValue {
            case "replace": return try mergeObject([:], patch, path: path)
            case "delete": return nil
            case "merge": break
            default: throw APIError.badRequest("unknown patch type: \(directive.stringValue ?? directive.typeName)")
            }
        }
        let retainKeys = patch.removeValue(forKey: "$retainKeys")?.arrayValue?.compactMap(\.stringValue)
        var orders: [String: [JSONValue]] = [:]
        var result = original
        for key in patch.keys.sorted() {
            if key.hasPrefix("$setElementOrder/") {
                orders[String(key.dropFirst("$setElementOrder/".count))] = patch[key]?.arrayValue ?? []
                patch[key] = nil
            } else if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let doomed = patch[key]?.arrayValue ?? []
                if let items = result[field]?.arrayValue {
                    result[field] = .array(
                        items.filter { item in !doomed.contains { $0.isSemanticallyEqual(to: item) } })
                }
                patch[key] = nil
            }
        }
        for (key, value) in patch {
            let childPath = path + [key]
            switch value {
            case .null:
                result[key] = nil
            case .object(let child):
                let merged = try mergeObject(result[key]?.objectValue ?? [:], child, path: childPath)
                result[key] = merged.map(JSONValue.object)
            case .array(let items):
                result[key] = .array(try mergeList(result[key]?.arrayValue ?? [], items, path: childPath))
            default:
                result[key] = value
            }
        }
        if let retainKeys {
            result = result.filter { retainKeys.contains($0.key) }
        }
        for (field, order) in orders {
            guard let items = result[field]?.arrayValue else { continue }
            result[field] = .array(reorder(items, by: order, path: path + [field]))
        }
        return result
    }

    private func mergeList(_ original: [JSONValue], _ patch: [JSONValue], path: [String]) throws -> [JSONValue] {
        let replaceMarker = patch.contains { $0["$patch"]?.stringValue == "replace" }
        switch listType(path) {
        case .atomic:
            return try patch.compactMap { try stripped($0, path: path) }
        case .set:
            var result = replaceMarker ? [] : original
            for item in patch where item.objectValue == nil && !result.contains(item) {
                result.append(item)
            }
            return result
        case .map(let keys):
            let mergeKey = keys.first ?? "name"
            if replaceMarker {
                return try patch.filter { $0["$patch"]?.stringValue != "replace" }.compactMap {
                    try stripped($0, path: path)
                }
            }
            // As the API server's strategic merge does: the merged patch items in patch order, and the items only
            // the original has interleaved by their original order (`mergeSortedSlice`), so a new item goes first
            // unless the original orders it after an item it also has.
            var serverOnly = original
            var patched: [JSONValue] = []
            for item in patch {
                guard case .object(let element) = item else {
                    patched.append(item)
                    continue
                }
                guard let keyValue = element[mergeKey] else {
                    throw APIError.badRequest(
                        "map: \(JSONText.string(from: item)) does not contain declared merge key: \(mergeKey)")
                }
                let matches: (JSONValue) -> Bool = { $0[mergeKey].sameAs(keyValue) }
                let existing =
                    serverOnly.firstIndex(where: matches).map { serverOnly.remove(at: $0) }
                    ?? patched.firstIndex(where: matches).map { patched.remove(at: $0) }
                if element["$patch"]?.stringValue == "delete" { continue }
                if let merged = try mergeObject(existing?.objectValue ?? [:], element, path: path) {
                    patched.append(.object(merged))
                }
            }
            return Self.mergeSorted(serverOnly, into: patched, serverOrder: original) { $0[mergeKey] }
        }
    }

    /// Go's `mergeSortedSlice`: inserts each item of `left` into `right`, before the first item of `right` that
    /// the live order puts after it, keeping the relative order of both lists.
    static func mergeSorted(
        _ left: [JSONValue], into right: [JSONValue], serverOrder: [JSONValue], key: (JSONValue) -> JSONValue?
    ) -> [JSONValue] {
        func index(_ item: JSONValue) -> Int? {
            guard let wanted = key(item) else { return nil }
            return serverOrder.firstIndex { key($0).sameAs(wanted) }
        }
        var result: [JSONValue] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                result.append(right[j])
                j += 1
            } else if j >= right.count {
                result.append(left[i])
                i += 1
            } else if let li = index(left[i]), let ri = index(right[j]), li < ri {
                result.append(left[i])
                i += 1
            } else {
                result.append(right[j])
                j += 1
            }
        }
        return result
    }

    /// A value with every directive removed, as inserted when there is nothing to merge with.
    private func stripped(_ value: JSONValue, path: [String]) throws -> JSONValue? {
        switch value {
        case .object(let object):
            return try mergeObject([:], object, path: path).map(JSONValue.object)
        case .array(let items):
            return .array(try mergeList([], items, path: path))
        default:
            return value
        }
    }

    private func reorder(_ items: [JSONValue], by order: [JSONValue], path: [String]) -> [JSONValue] {
        let identity: (JSONValue) -> JSONValue
        if case .map(let keys) = listType(path), let key = keys.first {
            identity = { $0[key] ?? .null }
        } else {
            identity = { $0 }
        }
        var remaining = items
        var result: [JSONValue] = []
        for wanted in order {
            let wantedIdentity = wanted.objectValue == nil ? wanted : identity(wanted)
            if let index = remaining.firstIndex(where: { identity($0).isSemanticallyEqual(to: wantedIdentity) }) {
                result.append(remaining.remove(at: index))
            }
        }
        return result + remaining
    }
}

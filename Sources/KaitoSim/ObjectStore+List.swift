import Foundation
import KaitoCore

extension ObjectStore {
    static let inconsistentContinueMessage =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list "
        + "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
        + "the results. Continuing with the provided token results in an inconsistent list - objects that were "
        + "created, modified, or deleted between the time the first chunk was returned and now may show up in the "
        + "list."

    /// The namespace a list or watch is limited to: `nil` for all namespaces or a cluster-scoped resource.
    func collectionNamespace(_ descriptor: ResourceDescriptor, _ namespace: String?) throws -> String? {
        guard let namespace, !namespace.isEmpty else { return nil }
        guard descriptor.namespaced else { throw APIError.resourceNotFound() }
        return namespace
    }

    /// etcd's key order: `namespace/name`, or `name` for cluster-scoped objects.
    static func sortKey(_ key: ObjectKey) -> String {
        key.namespace.isEmpty ? key.name : "\(key.namespace)/\(key.name)"
    }

    func list(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) throws -> ListResult {
        let descriptor = try descriptor(resource)
        let selection = try Selection(
            descriptor: descriptor, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector)
        let namespaceFilter = try collectionNamespace(descriptor, namespace)
        var listRevision = revision
        var start: String?
        let requested = try Self.parseResourceVersion(options.resourceVersion)
        let match = options.resourceVersionMatch ?? ""
        var optionErrors: [FieldError] = []
        if !match.isEmpty {
            if (options.resourceVersion ?? "").isEmpty {
                optionErrors.append(
                    FieldError(
                        field: "resourceVersionMatch", kind: .forbidden,
                        detail: "resourceVersionMatch is forbidden unless resourceVersion is provided"))
            } else if match != "NotOlderThan", match != "Exact" {
                optionErrors.append(
                    FieldError(
                        field: "resourceVersionMatch",
                        kind: .notSupported(.string(match), supported: ["Exact", "NotOlderThan", ""])))
            } else if match == "Exact", requested == 0 {
                optionErrors.append(
                    FieldError(
                        field: "resourceVersionMatch", kind: .forbidden,
                        detail: "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
            }
        }
        if let token = options.continueToken, !token.isEmpty, let requested, requested != 0 {
            optionErrors.append(
                FieldError(
                    field: "resourceVersion", kind: .forbidden,
                    detail: "specifying resource version is not allowed when using continue"))
        }
        try checkListOptions(optionErrors, requested: requested)
        if match == "Exact", let requested {
            if requested < logFloor {
                throw APIError.expired("The resourceVersion for the provided list is too old.")
            }
            listRevision = requested
        }
        if let token = options.continueToken, !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            start = decoded.start
            if decoded.revision > 0 {
                if decoded.revision < logFloor {
                    throw APIError.expired(
                        Self.inconsistentContinueMessage,
                        continueToken: ContinueToken.encode(revision: 0, start: decoded.start))
                }
                listRevision = decoded.revision
            }
        }
        let limit = (options.limit ?? 0) > 0 ? options.limit : nil
        var items: [JSONValue] = []
        var lastKey: String?
        var remaining: Int64 = 0
        for (key, object) in snapshot(descriptor.storageResource, at: listRevision) {
            if let namespaceFilter, key.namespace != namespaceFilter { continue }
            let sortKey = Self.sortKey(key)
            if let start, sortKey < start { continue }
            guard selection.matches(object) else { continue }
            if let limit, items.count >= limit {
                remaining += 1
                continue
            }
            items.append(output(object, descriptor))
            lastKey = sortKey
        }
        let more = remaining > 0
        return ListResult(
            apiVersion: descriptor.apiVersion, kind: descriptor.listKind, resourceVersion: String(listRevision),
            continueToken: more
                ? lastKey.map { ContinueToken.encode(revision: listRevision, start: $0 + "\u{0}") } : nil,
            remainingItemCount: more && selection.isEverything ? remaining : nil, items: items,
            itemsCarryTypeMeta: descriptor.isCustomResource)
    }

    /// Fails a list or watch whose options are invalid (422 on `ListOptions`) or ask for a resourceVersion newer
    /// than the store's (504).
    func checkListOptions(_ errors: [FieldError], requested: Int64?) throws {
        if !errors.isEmpty {
            throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors)
        }
        if let requested, requested > revision {
            throw Self.resourceVersionTooLarge(requested, current: revision)
        }
    }

    /// A `resourceVersion` parameter: `nil` when absent or empty.
    /// - Throws: ``APIError`` 400 when it is not a non-negative integer, as the API server answers.
    static func parseResourceVersion(_ text: String?) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = UInt64(text), value <= UInt64(Int64.max) else {
            throw APIError.badRequest(
                "invalid resource version: resourceVersion: Invalid value: \"\(text)\": strconv.ParseUint: parsing "
                    + "\"\(text)\": invalid syntax")
        }
        return Int64(value)
    }

    /// 504 for a resourceVersion newer than the store's, after the wait a real API server makes for it.
    static func resourceVersionTooLarge(_ requested: Int64, current: Int64) -> APIError {
        APIError(
            code: 504, reason: "Timeout",
            message: "Timeout: Too large resource version: \(requested), current: \(current)",
            details: StatusDetails(
                causes: [StatusCause(reason: "ResourceVersionTooLarge", message: "Too large resource version")],
                retryAfterSeconds: 1))
    }

    /// The objects of one resource as they were at `revision`, in key order, rebuilt by undoing later events.
    func snapshot(_ resource: GroupResource, at revision: Int64) -> [(key: ObjectKey, object: [String: JSONValue])] {
        var objects: [ObjectKey: [String: JSONValue]] = [:]
        for (namespace, names) in tables[resource] ?? [:] {
            for (name, stored) in names {
                objects[ObjectKey(resource: resource, namespace: namespace, name: name)] = stored.object
            }
        }
        if revision < self.revision {
            for event in retainedEvents.reversed() {
                guard event.revision > revision else { break }
                guard event.key.resource == resource else { continue }
                objects[event.key] = event.type == .added ? nil : event.previous
            }
        }
        return objects.map { (key: $0.key, object: $0.value) }.sorted { Self.sortKey($0.key) < Self.sortKey($1.key) }
    }
}

/// The opaque `continue` token: base64url of `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`, as the API
/// server's etcd storage writes it.
enum ContinueToken {
    static func encode(revision: Int64, start: String) -> String {
        let json = JSONText.string(from: ["v": "meta.k8s.io/v1", "rv": .integer(revision), "start": .string(start)])
        return ObjectStore.base64URL(Data(json.utf8))
    }

    static func decode(_ token: String) throws -> (revision: Int64, start: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let value = JSONText.parse(text), value["v"]?.stringValue == "meta.k8s.io/v1",
            case .integer(let revision)? = value["rv"], let start = value["start"]?.stringValue
        else {
            throw APIError.badRequest(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        return (revision, start)
    }
}

import Foundation
import KaitoCore

extension ObjectStore {
    /// Registers a watch and sends what precedes live events: the current objects as `ADDED` (no or `"0"`
    /// resourceVersion) or the logged events after the given resourceVersion. A resourceVersion older than the
    /// event window gives one `ERROR` event (410 Expired) and the end of the stream.
    /// - Returns: the stream, and the watcher's id when it stays registered for live events.
    mutating func startWatch(
        _ resource: GroupVersionResource, namespace: String?, options: WatchOptions
    ) throws -> (stream: AsyncStream<WatchEvent>, id: UInt64?) {
        let descriptor = try descriptor(resource)
        let selection = try Selection(
            descriptor: descriptor, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector)
        let namespaceFilter = try collectionNamespace(descriptor, namespace)
        // Unlike a list (400), a watch parses its resourceVersion in the watch cache, whose invalid-version error
        // the watch handler reports as 422 on the resource (`InterpretWatchError`).
        let requested: Int64?
        do {
            requested = try Self.parseResourceVersion(options.resourceVersion)
        } catch {
            let text = options.resourceVersion ?? ""
            throw APIError.invalid(
                kind: descriptor.plural, group: descriptor.group, name: "",
                errors: [
                    FieldError(
                        field: "resourceVersion", kind: .invalid(.string(text)),
                        detail: "strconv.ParseUint: parsing \"\(text)\": invalid syntax")
                ])
        }
        var optionErrors: [FieldError] = []
        let match = options.resourceVersionMatch ?? ""
        if options.sendInitialEvents != nil {
            if match != "NotOlderThan" {
                optionErrors.append(
                    FieldError(
                        field: "resourceVersionMatch", kind: .forbidden,
                        detail: "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            }
            if !options.allowBookmarks {
                optionErrors.append(
                    FieldError(
                        field: "allowWatchBookmarks", kind: .required,
                        detail: "allowWatchBookmarks must be set to true when sendInitialEvents is set"))
            }
        } else if !match.isEmpty {
            optionErrors.append(
                FieldError(
                    field: "resourceVersionMatch", kind: .forbidden,
                    detail: "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        }
        try checkListOptions(optionErrors, requested: requested)
        let streamingList = options.sendInitialEvents == true
        var start: Int64? = requested == 0 ? nil : requested
        if streamingList { start = nil }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self)
        let watcher = Watcher(
            descriptor: descriptor, namespace: namespaceFilter, selection: selection,
            allowBookmarks: options.allowBookmarks, continuation: continuation)
        if let start {
            if start < logFloor {
                let error = APIError.expired("too old resource version: \(start) (\(logFloor))")
                continuation.yield(WatchEvent(type: .error, object: error.status))
                continuation.finish()
                return (stream, nil)
            }
            for event in retainedEvents where event.revision > start && event.key.resource == descriptor.storageResource
            {
                if let converted = convert(event, for: watcher) { continuation.yield(converted) }
            }
        } else if options.sendInitialEvents != false {
            for (key, object) in snapshot(descriptor.storageResource, at: revision) {
                if let namespaceFilter, key.namespace != namespaceFilter { continue }
                guard selection.matches(object) else { continue }
                continuation.yield(WatchEvent(type: .added, object: output(object, descriptor)))
            }
            if streamingList {
                var end = bookmark(for: watcher)
                end.object.setValue(["k8s.io/initial-events-end": "true"], at: ["metadata", "annotations"])
                continuation.yield(end)
            }
        }
        nextWatcherID += 1
        watchers[nextWatcherID] = watcher
        return (stream, nextWatcherID)
    }

    /// The event a watcher sees for a logged write: selectors turn entering and leaving into `ADDED` and `DELETED`.
    func convert(_ event: LoggedEvent, for watcher: Watcher) -> WatchEvent? {
        if let namespace = watcher.namespace, event.key.namespace != namespace { return nil }
        let descriptor = watcher.descriptor
        switch event.type {
        case .added:
            guard watcher.selection.matches(event.object) else { return nil }
            return WatchEvent(type: .added, object: output(event.object, descriptor))
        case .deleted:
            guard watcher.selection.matches(event.object) else { return nil }
            return WatchEvent(type: .deleted, object: output(event.object, descriptor))
        default:
            let now = watcher.selection.matches(event.object)
            let before = event.previous.map(watcher.selection.matches) ?? false
            switch (before, now) {
            case (true, true): return WatchEvent(type: .modified, object: output(event.object, descriptor))
            case (false, true): return WatchEvent(type: .added, object: output(event.object, descriptor))
            case (true, false):
                var previous = ObjectAccessor(event.previous ?? event.object)
                previous.setString("resourceVersion", String(event.revision))
                return WatchEvent(type: .deleted, object: output(previous.object, descriptor))
            case (false, false): return nil
            }
        }
    }

    /// Sends a logged write to every interested watcher, dropping watchers whose consumers are gone.
    mutating func notify(_ event: LoggedEvent) {
        for (id, watcher) in watchers where watcher.descriptor.storageResource == event.key.resource {
            guard let converted = convert(event, for: watcher) else { continue }
            if case .terminated = watcher.continuation.yield(converted) { watchers[id] = nil }
        }
    }

    /// `{apiVersion, kind, metadata: {resourceVersion}}`, the object of a `BOOKMARK` event.
    func bookmark(for watcher: Watcher) -> WatchEvent {
        WatchEvent(
            type: .bookmark,
            object: [
                "apiVersion": .string(watcher.descriptor.apiVersion), "kind": .string(watcher.descriptor.kind),
                "metadata": ["resourceVersion": .string(String(revision))],
            ])
    }

    /// Sends a bookmark to one watcher (if it accepts bookmarks) or to all that do.
    mutating func sendBookmarks(to id: UInt64? = nil) {
        for (watcherID, watcher) in watchers where watcher.allowBookmarks && (id == nil || id == watcherID) {
            if case .terminated = watcher.continuation.yield(bookmark(for: watcher)) { watchers[watcherID] = nil }
        }
    }

    /// Ends one watch, or every watch of one resource version, or all of them.
    mutating func endWatches(id: UInt64? = nil, resource: GroupVersionResource? = nil) {
        for (watcherID, watcher) in watchers {
            if let id, id != watcherID { continue }
            if let resource, watcher.descriptor.groupVersionResource != resource { continue }
            watcher.continuation.finish()
            watchers[watcherID] = nil
        }
    }

    // MARK: - CustomResourceDefinitions

    /// Serves the versions of a created or updated CRD (and stops serving versions it no longer serves).
    mutating func crdWritten(_ object: [String: JSONValue]) {
        guard let defined = CustomResourceDefinitions.definedResource(object) else { return }
        if registry.descriptors(for: defined).contains(where: { !$0.isCustomResource }) { return }
        let served = CustomResourceDefinitions.descriptors(from: object)
        for existing in registry.descriptors(for: defined)
        where !served.contains(where: { $0.version == existing.version }) {
            registry.unregister(existing.groupVersionResource)
            endWatches(resource: existing.groupVersionResource)
        }
        for descriptor in served {
            registry.register(descriptor)
        }
    }

    /// Stops serving a deleted CRD's resource; built-in defaults for it (such as Kaito's workspaces) come back.
    mutating func crdRemoved(_ object: [String: JSONValue]) {
        guard let defined = CustomResourceDefinitions.definedResource(object) else { return }
        if registry.descriptors(for: defined).contains(where: { !$0.isCustomResource }) { return }
        for existing in registry.descriptors(for: defined) {
            registry.unregister(existing.groupVersionResource)
            endWatches(resource: existing.groupVersionResource)
        }
        for descriptor in baseline.descriptors(for: defined) {
            registry.register(descriptor)
        }
    }
}

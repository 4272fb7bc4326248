import KaitoCore

/// The conversion between core/v1 Events (how Events are stored) and events.k8s.io/v1 Events, which share
/// their storage as in a real API server.
enum EventConversion {
    static let coreEvents = GroupResource(group: "", resource: "events")
    static let eventsGroup = "events.k8s.io"

    /// Pairs of (core field, events.k8s.io/v1 field) that carry the same value.
    private static let renamed: [(core: String, v1: String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
    ]
    private static let shared = ["eventTime", "series", "reportingInstance", "action", "reason", "related", "type"]

    /// Whether objects of `descriptor` are events.k8s.io Events stored as core Events.
    static func converts(_ descriptor: ResourceDescriptor?) -> Bool {
        descriptor?.group == eventsGroup && descriptor?.storedAs == coreEvents
    }

    /// A stored core/v1 Event as events.k8s.io/v1 shows it (empty optional fields left out as Go's `omitempty`
    /// does; times and structs always present).
    static func toEventsV1(_ core: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let metadata = core["metadata"] { result["metadata"] = metadata }
        for (coreName, v1Name) in renamed {
            guard let value = core[coreName], !isEmpty(value) else { continue }
            result[v1Name] = value
        }
        for name in shared {
            guard let value = core[name], !isEmpty(value) else { continue }
            result[name] = value
        }
        // Go's encoding: zero times are `null` and non-pointer structs `{}` even under `omitempty`.
        result["eventTime"] = core["eventTime"] ?? .null
        if result["regarding"] == nil { result["regarding"] = [:] }
        if result["deprecatedSource"] == nil { result["deprecatedSource"] = [:] }
        for time in ["deprecatedFirstTimestamp", "deprecatedLastTimestamp"] where result[time] == nil {
            result[time] = .null
        }
        result["apiVersion"] = "events.k8s.io/v1"
        result["kind"] = "Event"
        return result
    }

    /// An events.k8s.io/v1 Event as the core/v1 Event it is stored as.
    static func toCore(_ v1: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let metadata = v1["metadata"] { result["metadata"] = metadata }
        for (coreName, v1Name) in renamed {
            if let value = v1[v1Name] { result[coreName] = value }
        }
        for name in shared {
            if let value = v1[name] { result[name] = value }
        }
        result["apiVersion"] = "v1"
        result["kind"] = "Event"
        return result
    }

    private static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.isEmpty
        case .integer(let number): number == 0
        case .object(let members): members.isEmpty
        case .array(let items): items.isEmpty
        default: false
        }
    }
}

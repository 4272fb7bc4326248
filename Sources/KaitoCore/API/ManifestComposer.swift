// CYaml is the libyaml that Yams bundles (a target of the Yams package, reached through the Yams product).
internal import CYaml
import Foundation

/// Turns libyaml's parse events into JSON values within ``ManifestLimits``.
///
/// Reading does not go through Yams' composer: it keeps no count of alias expansions, and it finds duplicate
/// keys by hashing whole key nodes, so a key that aliases a large list takes time exponential in the file's
/// size. This composer works on libyaml's events with an explicit stack (no recursion, whatever the depth),
/// shares an anchored value copy-on-write wherever it is aliased (an alias costs O(1)), and keeps the counts
/// go-yaml keeps to refuse excessive aliasing: every node decoded, and how many of them came from aliases.
struct ManifestComposer {
    /// A one-based position.
    private struct Mark {
        var line: Int
        var column: Int

        init(_ mark: yaml_mark_t) {
            line = Int(mark.line) + 1
            column = Int(mark.column) + 1
        }
    }

    /// What an anchor names: its value, how many nodes go-yaml decodes for it, and its text if a scalar.
    private struct Anchored {
        var value: JSONValue
        var nodes: Int
        var scalarText: String?
    }

    private enum PendingKey {
        case key(String)
        case merge
    }

    /// An open list or map.
    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var mark: Mark
        /// The document's decoded-node count before this node, for the anchor's node count.
        var nodesBefore: Int
        var items: [JSONValue] = []
        var object: [String: JSONValue] = [:]
        var explicitKeys: Set<String> = []
        var pendingKey: PendingKey?
    }

    private let bytes: UnsafeRawBufferPointer
    private let limits: ManifestLimits

    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    private var root: (value: JSONValue, line: Int)?
    private var documentCount = 0
    private var isInDocument = false
    /// go-yaml's `decodeCount` and `aliasCount`, per document.
    private var decodedNodes = 0
    private var aliasedNodes = 0
    /// Decoded nodes of the whole stream, for ``ManifestLimits/maximumNodes``.
    private var streamNodes = 0

    init(bytes: UnsafeRawBufferPointer, limits: ManifestLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Reads the whole stream.
    mutating func documents() throws -> [ManifestDocument] {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return []
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ManifestReadError(message: "libyaml could not start: the process is out of memory")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        var documents: [ManifestDocument] = []
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw parserError(parser)
            }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                try startDocument()
            case YAML_DOCUMENT_END_EVENT:
                if let root, root.value != .null {
                    documents.append(ManifestDocument(index: documentCount - 1, value: root.value, line: root.line))
                }
                isInDocument = false
            case YAML_SCALAR_EVENT:
                try scalar(event)
            case YAML_ALIAS_EVENT:
                try alias(event)
            case YAML_SEQUENCE_START_EVENT:
                try open(isMapping: false, anchor: Self.text(event.data.sequence_start.anchor), event: event)
            case YAML_MAPPING_START_EVENT:
                try open(isMapping: true, anchor: Self.text(event.data.mapping_start.anchor), event: event)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                try close()
            default:
                continue
            }
        }
    }

    // MARK: Events

    private mutating func startDocument() throws {
        documentCount += 1
        guard documentCount <= limits.maximumDocuments else {
            throw ManifestReadError(
                message: "the input has more than \(limits.maximumDocuments) YAML documents, the manifest reader's "
                    + "limit; split it into smaller files",
                limit: .documents)
        }
        isInDocument = true
        anchors = [:]
        root = nil
        stack = []
        // go-yaml counts the document node itself.
        decodedNodes = 1
        aliasedNodes = 0
    }

    private var isExpectingKey: Bool {
        guard let top = stack.indices.last else { return false }
        return stack[top].isMapping && stack[top].pendingKey == nil
    }

    private mutating func scalar(_ event: yaml_event_t) throws {
        let data = event.data.scalar
        let text = Self.text(data.value, length: data.length)
        let tag = Self.text(data.tag)
        let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE
        let mark = Mark(event.start_mark)
        if isExpectingKey, isPlain, text == "<<", tag == nil || tag == "tag:yaml.org,2002:merge" {
            stack[stack.count - 1].pendingKey = .merge
            return
        }
        try count(nodes: 1, aliased: 0, at: mark)
        let value = ManifestReader.resolve(text, tag: tag, isPlain: isPlain)
        if let anchor = Self.text(data.anchor) {
            anchors[anchor] = Anchored(value: value, nodes: 1, scalarText: text)
        }
        try deliver(value, scalarText: text, at: mark)
    }

    private mutating func alias(_ event: yaml_event_t) throws {
        let name = Self.text(event.data.alias.anchor) ?? ""
        let mark = Mark(event.start_mark)
        guard let anchored = anchors[name] else {
            if stack.contains(where: { $0.anchor == name }) {
                throw error(
                    "malformed YAML: alias *\(name) is used inside the value of its own anchor &\(name); a value "
                        + "cannot contain itself", at: mark)
            }
            throw error(
                "malformed YAML: alias *\(name) has no anchor &\(name) before it in this document; define the "
                    + "anchor first", at: mark)
        }
        // go-yaml decodes the alias node and then every node of the anchored value again, all as aliased.
        try count(nodes: 1 + anchored.nodes, aliased: anchored.nodes, at: mark)
        try deliver(anchored.value, scalarText: anchored.scalarText, at: mark)
    }

    private mutating func open(isMapping: Bool, anchor: String?, event: yaml_event_t) throws {
        let mark = Mark(event.start_mark)
        if isExpectingKey {
            throw error("malformed YAML: a mapping key must be a string, not a list or map", at: mark)
        }
        guard stack.count < limits.maximumDepth else {
            throw error(
                "document \(documentCount) nests lists and maps deeper than \(limits.maximumDepth) levels, the "
                    + "manifest reader's limit; no Kubernetes object is that deep: check how the file was made",
                at: mark, limit: .depth)
        }
        let before = decodedNodes
        try count(nodes: 1, aliased: 0, at: mark)
        stack.append(Frame(isMapping: isMapping, anchor: anchor, mark: mark, nodesBefore: before))
    }

    private mutating func close() throws {
        guard let frame = stack.popLast() else { return }
        let value: JSONValue = frame.isMapping ? .object(frame.object) : .array(frame.items)
        if let anchor = frame.anchor {
            anchors[anchor] = Anchored(value: value, nodes: decodedNodes - frame.nodesBefore, scalarText: nil)
        }
        try deliver(value, scalarText: nil, at: frame.mark)
    }

    /// Puts a finished node where it belongs: the document root, a list item, a key, a value or a merge.
    private mutating func deliver(_ value: JSONValue, scalarText: String?, at mark: Mark) throws {
        guard !stack.isEmpty else {
            root = (value, mark.line)
            return
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(value)
            return
        }
        switch stack[top].pendingKey {
        case nil:
            guard let key = scalarText else {
                throw error("malformed YAML: a mapping key must be a string, not a list or map", at: mark)
            }
            guard stack[top].explicitKeys.insert(key).inserted else {
                throw error(
                    "malformed YAML: key \"\(key)\" appears more than once in the mapping that starts here; "
                        + "keep one of each", at: stack[top].mark)
            }
            stack[top].pendingKey = .key(key)
        case .key(let key):
            stack[top].object[key] = value
            stack[top].pendingKey = nil
        case .merge:
            // go-yaml v2 merges in place: merged keys replace earlier ones and later keys replace them; of
            // a list of maps, the earlier map wins.
            let maps: [[String: JSONValue]]
            switch value {
            case .object(let fields):
                maps = [fields]
            case .array(let items) where items.allSatisfy({ $0.objectValue != nil }):
                maps = items.reversed().compactMap(\.objectValue)
            default:
                let article = ["integer", "array", "object"].contains(value.typeName) ? "an" : "a"
                throw error(
                    "malformed YAML: the merge key << takes a map or a list of maps, not \(article) \(value.typeName)",
                    at: mark)
            }
            for map in maps {
                stack[top].object.merge(map) { _, merged in merged }
            }
            stack[top].pendingKey = nil
        }
    }

    // MARK: Limits and errors

    /// Adds decoded nodes to go-yaml's counts and enforces the aliasing ratio and the node cap.
    private mutating func count(nodes: Int, aliased: Int, at mark: Mark) throws {
        decodedNodes += nodes
        aliasedNodes += aliased
        streamNodes += nodes
        if aliasedNodes > 100, decodedNodes > 1000,
            Double(aliasedNodes) / Double(decodedNodes) > Self.allowedAliasRatio(decodedNodes)
        {
            let percent = Int((Self.allowedAliasRatio(decodedNodes) * 100).rounded())
            throw error(
                "document \(documentCount) contains excessive aliasing: its aliases expand to \(aliasedNodes) of "
                    + "\(decodedNodes) nodes, more than the \(percent)% Kubernetes' YAML decoder allows; write "
                    + "the repeated values out instead of aliasing them", at: mark, limit: .aliasing)
        }
        if streamNodes > limits.maximumNodes {
            throw error(
                "the input decodes to more than \(limits.maximumNodes) YAML nodes (aliases expanded), the "
                    + "manifest reader's limit; split it into smaller files", at: mark, limit: .nodes)
        }
    }

    /// go-yaml's `allowedAliasRatio`: 99% up to 400,000 decoded nodes, falling linearly to 10% at 4,000,000.
    static func allowedAliasRatio(_ decoded: Int) -> Double {
        let low = 400_000.0
        let high = 4_000_000.0
        let count = Double(decoded)
        if count <= low { return 0.99 }
        if count >= high { return 0.10 }
        return 0.99 - 0.89 * (count - low) / (high - low)
    }

    private func error(_ message: String, at mark: Mark, limit: ManifestLimits.Limit? = nil) -> ManifestReadError {
        ManifestReadError(
            message: message, line: mark.line, column: mark.column,
            documentIndex: isInDocument ? documentCount - 1 : nil, limit: limit)
    }

    private func parserError(_ parser: yaml_parser_t) -> ManifestReadError {
        let problem = Self.text(parser.problem) ?? "unknown problem"
        let documentIndex = isInDocument ? documentCount - 1 : nil
        switch parser.error {
        case YAML_MEMORY_ERROR:
            return ManifestReadError(
                message: "libyaml ran out of memory reading the input", documentIndex: documentIndex)
        case YAML_READER_ERROR:
            return ManifestReadError(
                message: "malformed YAML: \(problem) (at byte offset \(parser.problem_offset))",
                documentIndex: documentIndex)
        default:
            let mark = Mark(parser.problem_mark)
            if problem.hasPrefix("Maximum nesting level reached") {
                return ManifestReadError(
                    message: "document \(documentCount) nests lists and maps deeper than 1000 levels, libyaml's "
                        + "limit; no Kubernetes object is that deep: check how the file was made",
                    line: mark.line, column: mark.column, documentIndex: documentIndex, limit: .depth)
            }
            var message = "malformed YAML: \(problem)"
            if let context = Self.text(parser.context) { message += " (\(context))" }
            return ManifestReadError(
                message: message, line: mark.line, column: mark.column, documentIndex: documentIndex)
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

import Foundation
public import KaitoCore

/// Splits a watch stream (newline-delimited JSON) into JSON values, whatever the chunk boundaries.
///
/// Chunks can end anywhere: inside an event, inside a multi-byte UTF-8 character, between the `\r` and `\n` of a
/// line ending. Bytes are buffered until a line feed arrives, so a line is only decoded once it is complete.
/// Blank lines (keep-alives) are skipped. A line longer than ``maxLineBytes`` is an error rather than
/// unbounded buffering.
///
/// ```swift
/// var decoder = WatchEventDecoder()
/// for try await chunk in body {
///     decoder.append(chunk)
///     while let line = try decoder.next() { handle(line) }
/// }
/// decoder.finish()
/// while let line = try decoder.next() { handle(line) }
/// ```
public struct WatchEventDecoder: Sendable {
    /// The default limit on one event: 16 MiB, above the API server's 3 MiB object limit with room for managed
    /// fields and encoding overhead.
    public static let defaultMaxLineBytes = 16 * 1024 * 1024

    /// The longest line accepted, in bytes, without its line feed.
    public let maxLineBytes: Int

    private var buffer: [UInt8] = []
    /// Where the next line starts in `buffer`.
    private var lineStart = 0
    /// How far `buffer` has been searched for a line feed (from `lineStart`).
    private var scanned = 0
    private var finished = false

    /// Creates a decoder.
    /// - Parameter maxLineBytes: The longest line accepted; at least 1.
    public init(maxLineBytes: Int = WatchEventDecoder.defaultMaxLineBytes) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// The bytes received that do not yet form a complete line.
    public var bufferedByteCount: Int { buffer.count - lineStart }

    /// Adds received bytes; call ``next()`` until it returns `nil` to take the lines they complete.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if lineStart > 0, lineStart >= buffer.count / 2 {
            buffer.removeFirst(lineStart)
            scanned -= lineStart
            lineStart = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Marks the end of the stream: a last line without a line feed is decoded too.
    public mutating func finish() {
        finished = true
    }

    /// The next complete line as JSON, or `nil` when no complete line is buffered.
    ///
    /// - Throws: ``KubernetesError`` of kind ``KubernetesError/Kind/invalidResponse`` when a line is longer than
    ///   ``maxLineBytes`` or is not JSON. The decoder keeps no state from a failed line; the stream should be
    ///   abandoned.
    public mutating func next() throws -> JSONValue? {
        while true {
            guard let line = try nextLine() else { return nil }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                return try JSONDecoder().decode(JSONValue.self, from: Data(line))
            } catch {
                let preview = String(decoding: line.prefix(200), as: UTF8.self)
                throw KubernetesError(
                    kind: .invalidResponse,
                    message:
                        "a watch event is not JSON (\(line.count) bytes: \(preview)\(line.count > 200 ? "…" : "")): "
                        + "\(error)",
                    underlying: error)
            }
        }
    }

    /// Takes the next complete line (without its line feed) out of the buffer.
    private mutating func nextLine() throws -> ArraySlice<UInt8>? {
        let searchFrom = max(lineStart, scanned)
        if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
            let length = newline - lineStart
            guard length <= maxLineBytes else { throw tooLong(length) }
            let line = buffer[lineStart..<newline]
            lineStart = newline + 1
            scanned = lineStart
            return line
        }
        scanned = buffer.count
        let pending = buffer.count - lineStart
        guard pending <= maxLineBytes else { throw tooLong(pending) }
        if finished, pending > 0 {
            let line = buffer[lineStart...]
            lineStart = buffer.count
            scanned = lineStart
            return line
        }
        return nil
    }

    private func tooLong(_ length: Int) -> KubernetesError {
        KubernetesError(
            kind: .invalidResponse,
            message: "a watch event is longer than the \(maxLineBytes) byte limit (at least \(length) bytes without "
                + "a line break); the server is not sending newline-delimited JSON, or an object is unusually large")
    }
}

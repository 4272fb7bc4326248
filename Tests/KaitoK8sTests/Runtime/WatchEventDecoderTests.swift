import Foundation
import KaitoCore
import KaitoSim
import Testing

@testable import KaitoK8s

@Suite("WatchEventDecoder")
struct WatchEventDecoderTests {
    /// A watch stream with multi-byte characters (2, 3 and 4 bytes), CRLF and LF endings, blank keep-alive lines
    /// and a bookmark.
    static let stream: [UInt8] = Array(
        ("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"café\","
            + "\"namespace\":\"default\",\"resourceVersion\":\"11\"},\"data\":{\"greeting\":\"日本語 🚀\"}}}\n"
            + "\n"
            + "   \r\n"
            + "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
            + "\"café\",\"namespace\":\"default\",\"resourceVersion\":\"12\"},\"data\":{\"greeting\":\"👋🏽 ñ\"}}}\r\n"
            + "{\"type\":\"BOOKMARK\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
            + "\"resourceVersion\":\"15\"}}}\n"
            + "{\"type\":\"DELETED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
            + "\"café\",\"namespace\":\"default\",\"resourceVersion\":\"16\"}}}\n").utf8)

    static func decode(chunks: [ArraySlice<UInt8>], maxLineBytes: Int = 1024) throws -> [JSONValue] {
        var decoder = WatchEventDecoder(maxLineBytes: maxLineBytes)
        var values: [JSONValue] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let value = try decoder.next() { values.append(value) }
        }
        decoder.finish()
        while let value = try decoder.next() { values.append(value) }
        return values
    }

    @Test("the stream decodes into its four events, with multi-byte text intact and blank lines skipped")
    func wholeStream() throws {
        let values = try Self.decode(chunks: [Self.stream[...]])
        #expect(values.map { $0["type"]?.stringValue } == ["ADDED", "MODIFIED", "BOOKMARK", "DELETED"])
        #expect(values[0]["object"]?["metadata"]?["name"]?.stringValue == "café")
        #expect(values[0]["object"]?["data"]?["greeting"]?.stringValue == "日本語 🚀")
        #expect(values[1]["object"]?["data"]?["greeting"]?.stringValue == "👋🏽 ñ")
        let events = try values.map { try WatchEvent<KubernetesObject>(json: $0) }
        #expect(events.map(\.typeName) == ["ADDED", "MODIFIED", "BOOKMARK", "DELETED"])
        #expect(events.map(\.resourceVersion) == ["11", "12", "15", "16"])
        #expect(events[2] == .bookmark(resourceVersion: "15"))
    }

    @Test("splitting the stream in two at every byte gives the same events")
    func everySplitPoint() throws {
        let expected = try Self.decode(chunks: [Self.stream[...]])
        for split in 0...Self.stream.count {
            let chunks = [Self.stream[..<split], Self.stream[split...]]
            #expect(try Self.decode(chunks: chunks) == expected, "split at byte \(split)")
        }
    }

    @Test("one byte at a time, and random chunkings, give the same events")
    func manySmallChunks() throws {
        let expected = try Self.decode(chunks: [Self.stream[...]])
        let bytes = Self.stream
        #expect(try Self.decode(chunks: bytes.indices.map { bytes[$0...$0] }) == expected)
        var generator = SeededRandomNumberGenerator(seed: 7)
        for round in 0..<200 {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let length = Int(generator.next() % 24)
                let end = min(bytes.count, start + length)
                chunks.append(bytes[start..<end])
                start = end
            }
            #expect(try Self.decode(chunks: chunks) == expected, "round \(round)")
        }
    }

    @Test("a 4-byte character split across chunks decodes as the character")
    func utf8Split() throws {
        let line = Array("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"🚀\"}}}\n".utf8)
        let rocket = try #require(line.firstIndex(of: 0xF0))
        for cut in rocket + 1...rocket + 3 {
            let values = try Self.decode(chunks: [line[..<cut], line[cut...]])
            #expect(values.count == 1)
            #expect(values.first?["object"]?["metadata"]?["resourceVersion"]?.stringValue == "🚀")
        }
    }

    @Test("blank lines and whitespace keep-alives produce nothing, and nothing is buffered after them")
    func keepAlives() throws {
        var decoder = WatchEventDecoder()
        decoder.append(Array("\n\n \t \r\n\r\n".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
        decoder.append(Array("{\"type\":\"BOOKMARK\"".utf8))
        #expect(try decoder.next() == nil)
        decoder.append(Array(",\"object\":{\"metadata\":{\"resourceVersion\":\"3\"}}}\n\n".utf8))
        #expect(try decoder.next()?["type"]?.stringValue == "BOOKMARK")
        #expect(try decoder.next() == nil)
    }

    @Test("a line longer than the limit is an invalid-response error, with or without its line feed")
    func oversizedLine() throws {
        let long = "{\"type\":\"ADDED\",\"object\":{\"data\":\"" + String(repeating: "x", count: 200) + "\"}}"
        var decoder = WatchEventDecoder(maxLineBytes: 80)
        decoder.append(Array("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}\n".utf8))
        #expect(try decoder.next()?["type"]?.stringValue == "BOOKMARK")
        decoder.append(Array(long.utf8))
        let error = try #require(throws: KubernetesError.self) { try decoder.next() }
        #expect(error.kind == .invalidResponse)
        #expect(error.message.contains("80 byte limit"))

        var complete = WatchEventDecoder(maxLineBytes: 80)
        complete.append(Array((long + "\n").utf8))
        #expect(throws: KubernetesError.self) { try complete.next() }

        var exact = WatchEventDecoder(maxLineBytes: 80)
        let fits = "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}"
        #expect(fits.utf8.count <= 80)
        exact.append(Array((fits + "\n").utf8))
        #expect(try exact.next() != nil)
    }

    @Test("a line that is not JSON fails after the lines before it were delivered")
    func invalidLine() throws {
        var decoder = WatchEventDecoder()
        decoder.append(Array("{\"type\":\"BOOKMARK\",\"object\":{}}\nnot json\n".utf8))
        #expect(try decoder.next()?["type"]?.stringValue == "BOOKMARK")
        let error = try #require(throws: KubernetesError.self) { try decoder.next() }
        #expect(error.kind == .invalidResponse)
        #expect(error.message.contains("not json"))
    }

    @Test("a last line without a line feed is decoded once the stream is finished")
    func lastLineWithoutNewline() throws {
        var decoder = WatchEventDecoder()
        decoder.append(Array("{\"type\":\"BOOKMARK\",\"object\":{}}".utf8))
        #expect(try decoder.next() == nil)
        decoder.finish()
        #expect(try decoder.next()?["type"]?.stringValue == "BOOKMARK")
        #expect(try decoder.next() == nil)
    }

    @Test("an ERROR event with a 410 Status is thrown as a Gone KubernetesError carrying the status")
    func errorEvent() throws {
        let json: JSONValue = [
            "type": "ERROR",
            "object": [
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": "too old resource version: 5 (20)", "reason": "Expired", "code": 410,
            ],
        ]
        let error = try #require(throws: KubernetesError.self) { try WatchEvent<KubernetesObject>(json: json) }
        #expect(error.kind == .status)
        #expect(error.isGone)
        #expect(error.status?.reason == "Expired")
        #expect(error.message == "too old resource version: 5 (20)")
    }

    @Test("typed events decode their object; an unknown type or undecodable object is an invalid response")
    func typedEvents() throws {
        let added: JSONValue = [
            "type": "ADDED",
            "object": [
                "apiVersion": "kaito.sh/v1alpha1", "kind": "Workspace",
                "metadata": ["name": "falcon", "namespace": "default", "resourceVersion": "7"],
                "resource": ["instanceType": "Standard_NC12s_v3"],
            ],
        ]
        let event = try WatchEvent<Workspace>(json: added)
        #expect(event.object?.metadata.name == "falcon")
        #expect(event.resourceVersion == "7")

        let unknown: JSONValue = ["type": "SHRUGGED", "object": [:]]
        let error = try #require(throws: KubernetesError.self) { try WatchEvent<KubernetesObject>(json: unknown) }
        #expect(error.kind == .invalidResponse)
        let broken: JSONValue = ["type": "ADDED", "object": ["metadata": ["name": "x"]]]
        let decodeError = try #require(throws: KubernetesError.self) { try WatchEvent<KubernetesObject>(json: broken) }
        #expect(decodeError.kind == .invalidResponse)
    }
}

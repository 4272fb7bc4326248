import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import KaitoTestSupport
import Testing

@testable import KaitoSim

/// The token of the `admin` user (group `system:masters`) in every harness.
let adminToken = "admin-token"

/// A running ``SimServer`` on 127.0.0.1 and a ``CurlTransport`` client that talks to it over a real socket.
struct SimHTTP: Sendable {
    let server: SimServer
    let store: APIStore
    let clock: ManualClock
    let transport: CurlTransport
    /// The bearer token sent unless a request says otherwise; `nil` sends none.
    var token: String? = adminToken

    var scheme: String { server.configuration.tls == nil ? "http" : "https" }

    /// Starts a server for a fresh store (manual clock, seeded identifiers) over TLS with the shared test CA (unless
    /// `configure` sets other TLS settings, and `client` others to trust), runs `body`, and stops the server.
    static func run<T: Sendable>(
        storeConfiguration: APIStore.Configuration = APIStore.Configuration(),
        configure: (inout SimServer.Configuration) -> Void = { _ in },
        client: HTTPClientConfiguration? = nil,
        _ body: (SimHTTP) async throws -> T
    ) async throws -> T {
        let clock = ManualClock()
        let store = APIStore(
            configuration: storeConfiguration, clock: clock, identifiers: SeededIdentifierSource(seed: 7))
        let pki = try TestPKI.shared()
        var configuration = SimServer.Configuration()
        configuration.tls = try pki.serverTLS(verifyClients: false)
        configuration.authentication.tokens[adminToken] = SimUser(name: "admin", groups: ["system:masters"])
        configure(&configuration)
        let client =
            client ?? HTTPClientConfiguration(tls: .init(trustRoots: .file(path: pki.caCertificatePath)))
        return try await SimServer.withServer(store: store, configuration: configuration) { server in
            let transport = try CurlTransport(configuration: client)
            return try await body(SimHTTP(server: server, store: store, clock: clock, transport: transport))
        }
    }

    /// This client with another bearer token (`nil` for none).
    func with(token: String?) -> SimHTTP {
        var copy = self
        copy.token = token
        return copy
    }

    private func request(
        _ method: HTTPRequest.Method, _ path: String, contentType: String?, accept: String?, hasBody: Bool
    ) -> HTTPRequest {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let contentType, hasBody { fields[.contentType] = contentType }
        if let accept { fields[.accept] = accept }
        fields[.userAgent] = "kaito-sim-tests/1.0"
        return HTTPRequest(
            method: method, scheme: scheme, authority: server.authority, path: path, headerFields: fields)
    }

    /// Sends a request with a raw body and reads the whole response.
    func send(
        _ method: HTTPRequest.Method, _ path: String, text: String? = nil,
        contentType: String? = "application/json", accept: String? = "application/json"
    ) async throws -> SimHTTPResult {
        let head = request(method, path, contentType: contentType, accept: accept, hasBody: text != nil)
        let response = try await transport.send(head, body: text.map { HTTPRequestBody(string: $0) })
        let data = try await response.collect(upTo: 16 << 20)
        return SimHTTPResult(status: response.response.status.code, headers: response.response.headerFields, data: data)
    }

    /// Sends a request with a JSON body.
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: JSONValue,
        contentType: String = "application/json", accept: String? = "application/json"
    ) async throws -> SimHTTPResult {
        try await send(method, path, text: JSONText.string(from: json), contentType: contentType, accept: accept)
    }

    /// `GET` and the JSON body.
    func get(_ path: String, accept: String? = "application/json") async throws -> SimHTTPResult {
        try await send(.get, path, accept: accept)
    }

    /// Opens a watch (or any streaming GET) and returns once the response head has arrived.
    func stream(_ path: String, accept: String? = "application/json") async throws -> WatchLines {
        let head = request(.get, path, contentType: nil, accept: accept, hasBody: false)
        let response = try await transport.send(head, body: nil, options: .streaming)
        return WatchLines(status: response.response.status.code, iterator: response.body.makeAsyncIterator())
    }
}

/// A whole response.
struct SimHTTPResult: Sendable, CustomStringConvertible {
    let status: Int
    let headers: HTTPFields
    let data: Data

    var text: String { String(decoding: data, as: UTF8.self) }

    /// The body as JSON (`null` when it is not JSON).
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null }

    /// `Status.message` of a failure.
    var message: String { json["message"]?.stringValue ?? "" }

    /// `Status.reason` of a failure.
    var reason: String { json["reason"]?.stringValue ?? "" }

    var description: String { "\(status) \(text)" }
}

/// The newline-delimited JSON events of a watch, read as they arrive.
struct WatchLines {
    let status: Int
    var iterator: HTTPBody.AsyncIterator
    private var buffer: [UInt8] = []

    init(status: Int, iterator: HTTPBody.AsyncIterator) {
        self.status = status
        self.iterator = iterator
    }

    /// The next event, or `nil` when the server ends the stream.
    mutating func next() async throws -> JSONValue? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.isEmpty { continue }
                return try JSONDecoder().decode(JSONValue.self, from: Data(line))
            }
            guard let chunk = try await iterator.next() else {
                if buffer.isEmpty { return Optional.none }
                return try JSONDecoder().decode(JSONValue.self, from: Data(buffer))
            }
            buffer += chunk
        }
    }

    /// The next event within a deadline (a safety net against hangs, not a timing assertion).
    mutating func nextEvent(seconds: Double = 20) async throws -> JSONValue? {
        let reader = self
        let outcome = try await simWithDeadline(seconds: seconds) { () -> (JSONValue?, WatchLines) in
            var copy = reader
            let event = try await copy.next()
            return (event, copy)
        }
        self = outcome.1
        return outcome.0
    }

    /// `TYPE name` of the next event.
    mutating func nextSummary() async throws -> String {
        guard let event = try await nextEvent() else { return "<end>" }
        return "\(event["type"]?.stringValue ?? "?") \(event["object"]?.name ?? "")"
    }
}

extension WatchLines: @unchecked Sendable {}

struct SimTestTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Runs `operation`, failing after `seconds` instead of hanging the test run.
func simWithDeadline<T: Sendable>(
    seconds: Double = 20, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw SimTestTimeout(description: "gave up after \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw SimTestTimeout(description: "no result") }
        return result
    }
}

/// A CRD for `widgets.example.com` (namespaced, `v1`, status subresource, a printer column, short name `wd`).
func widgetCRD() -> JSONValue {
    [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": [
                "plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"],
                "categories": ["all"],
            ],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                    "additionalPrinterColumns": [
                        ["name": "Size", "type": "integer", "jsonPath": ".spec.size"],
                        ["name": "Phase", "type": "string", "jsonPath": ".status.phase"],
                    ],
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "spec": [
                                    "type": "object", "required": ["size"],
                                    "properties": [
                                        "size": ["type": "integer"],
                                        "color": ["type": "string", "default": "blue", "enum": ["blue", "red"]],
                                    ],
                                ],
                                "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]
}

/// A Widget.
func widget(_ name: String, size: Int64 = 1) -> JSONValue {
    [
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name)],
        "spec": ["size": .integer(size)],
    ]
}

/// Percent-encodes a query value the way Go's `url.QueryEscape` does (space as `+`).
func queryEscape(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-_.~ ")
    return (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value).replacingOccurrences(
        of: " ", with: "+")
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain TCP connection to 127.0.0.1, for tests that need to control the connection itself.
final class RawSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private var descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() to 127.0.0.1:\(port) failed") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard sent == bytes.count else { throw Failure(description: "write() failed") }
    }

    /// Reads until the end of the response head.
    func receiveHead() throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "the connection closed before the response head") }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() {
        guard descriptor >= 0 else { return }
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
        descriptor = -1
    }

    deinit { close() }
}

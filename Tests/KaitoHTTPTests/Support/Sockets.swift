import Foundation
import KaitoHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct SocketError: Error, CustomStringConvertible {
    let description: String
}

private func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

private func tcpSocket() throws -> Int32 {
    #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else {
        throw SocketError(description: "socket() failed: errno \(errno)")
    }
    return fd
}

private func bindLoopback(_ fd: Int32) throws -> Int {
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else {
        throw SocketError(description: "bind() failed: errno \(errno)")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else {
        throw SocketError(description: "getsockname() failed: errno \(errno)")
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A loopback port that is bound but not listening: connecting to it is refused, and no other test
/// can take the port while this exists.
struct ReservedPort {
    let fd: Int32
    let port: Int

    init() throws {
        fd = try tcpSocket()
        port = try bindLoopback(fd)
    }

    func close() {
        _ = closeDescriptor(fd)
    }
}

/// A listener whose accept queue is full (backlog 0, one connection queued, never accepted): the kernel
/// drops further SYNs, so new connections hang until the client's connect timeout.
struct SaturatedListener {
    let fd: Int32
    let port: Int
    private let fillers: [Int32]

    init() throws {
        fd = try tcpSocket()
        port = try bindLoopback(fd)
        guard listen(fd, 0) == 0 else {
            throw SocketError(description: "listen() failed: errno \(errno)")
        }
        var fillers: [Int32] = []
        for _ in 0..<2 {
            let filler = try tcpSocket()
            _ = fcntl(filler, F_SETFL, fcntl(filler, F_GETFL) | O_NONBLOCK)
            var address = loopbackAddress(port: UInt16(port))
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            fillers.append(filler)
        }
        self.fillers = fillers
    }

    func close() {
        for filler in fillers {
            _ = closeDescriptor(filler)
        }
        _ = closeDescriptor(fd)
    }
}

private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(fd)
    #else
        Darwin.close(fd)
    #endif
}

/// A one-connection HTTP server on its own thread that answers the head and the chunk "first" in a single
/// `write`, then sends nothing until the client closes the connection, and reports "closed".
///
/// Serving from a dedicated thread, with the head and the first chunk in one segment, keeps the time
/// between them at zero however loaded the machine and the cooperative pool are, so the only silence the
/// client sees is the stall itself.
final class StallingServer: Sendable {
    let port: Int
    private let fd: Int32

    init(events: EventLog) throws {
        fd = try tcpSocket()
        port = try bindLoopback(fd)
        guard listen(fd, 1) == 0 else {
            throw SocketError(description: "listen() failed: errno \(errno)")
        }
        let listener = fd
        let thread = Thread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { _ = closeDescriptor(connection) }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.ends(with: Array("\r\n\r\n".utf8)) {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { return }
                request.append(contentsOf: buffer[0..<count])
            }
            let answer = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n".utf8)
            guard write(connection, answer, answer.count) == answer.count else { return }
            while read(connection, &buffer, buffer.count) > 0 {}
            events.record("closed")
        }
        thread.start()
    }

    /// Stops listening; a connection already accepted is closed by its thread when the client closes it.
    func close() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
        _ = closeDescriptor(fd)
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

/// A streaming request to a new ``StallingServer``, opened: the head has arrived and the server now stalls.
/// Close ``server`` when done.
struct StalledStream {
    let events: EventLog
    let server: StallingServer
    let transport: CurlTransport
    let stream: HTTPResponseStream

    static func open(options: HTTPRequestOptions = .streaming) async throws -> StalledStream {
        let events = EventLog()
        let server = try StallingServer(events: events)
        let transport = try CurlTransport()
        do {
            let stream = try await transport.send(
                request(port: server.port, path: "/stall"), body: nil, options: options)
            return StalledStream(events: events, server: server, transport: transport, stream: stream)
        } catch {
            server.close()
            throw error
        }
    }

    /// Reads the first chunk and checks that it is the server's "first".
    func expectFirstChunk(
        _ iterator: inout HTTPBody.AsyncIterator, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let first = try await iterator.next()
        #expect(first.map { String(decoding: $0, as: UTF8.self) } == "first", sourceLocation: sourceLocation)
    }
}

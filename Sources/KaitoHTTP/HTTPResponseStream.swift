public import Foundation
public import HTTPTypes

/// A response whose head has arrived and whose body arrives as it is read.
public struct HTTPResponseStream: Sendable {
    /// The status and header fields.
    public let response: HTTPResponse
    /// The body, delivered chunk by chunk as it arrives.
    public let body: HTTPBody

    /// Creates a response stream, for transports and test doubles.
    ///
    /// - Parameters:
    ///   - response: The status and header fields.
    ///   - body: The body.
    public init(response: HTTPResponse, body: HTTPBody) {
        self.response = response
        self.body = body
    }

    /// Reads the whole body into memory.
    ///
    /// - Parameter maxBytes: The largest body accepted; a longer one cancels the exchange and throws.
    /// - Returns: The body's bytes.
    /// - Throws: ``HTTPClientError`` if the body is larger than `maxBytes` or the exchange fails.
    public func collect(upTo maxBytes: Int) async throws -> Data {
        try await body.collect(upTo: maxBytes)
    }
}

/// The body of a response: an asynchronous sequence of byte chunks in arrival order.
///
/// A body can be read once. Leaving the `for try await` loop early (or dropping the body unread)
/// cancels the exchange and closes its connection; cancelling the reading task does the same and
/// makes the pending read throw ``HTTPClientError/Code/cancelled``.
public struct HTTPBody: AsyncSequence, Sendable {
    /// One chunk of bytes, as received.
    public typealias Element = [UInt8]
    /// Reading fails with ``HTTPClientError`` (or the error of a test double's stream).
    public typealias Failure = any Error

    enum Storage: Sendable {
        case bytes([UInt8])
        case stream(AsyncThrowingStream<[UInt8], any Error>)
        case transfer(CurlTransfer, BodyLifetime)
    }

    let storage: Storage

    /// Creates a body that delivers the given bytes as one chunk.
    ///
    /// - Parameter bytes: The complete body.
    public init(bytes: some Sequence<UInt8>) {
        self.storage = .bytes(Array(bytes))
    }

    /// Creates a body fed by a stream, for transports and test doubles.
    ///
    /// - Parameter stream: The chunks, ending when the stream finishes.
    public init(_ stream: AsyncThrowingStream<[UInt8], any Error>) {
        self.storage = .stream(stream)
    }

    init(transfer: CurlTransfer) {
        self.storage = .transfer(transfer, BodyLifetime(transfer: transfer))
    }

    /// Creates an iterator over the chunks.
    public func makeAsyncIterator() -> AsyncIterator {
        switch storage {
        case .bytes(let bytes):
            return AsyncIterator(state: .bytes(bytes.isEmpty ? nil : bytes))
        case .stream(let stream):
            return AsyncIterator(state: .stream(stream.makeAsyncIterator()))
        case .transfer(let transfer, let lifetime):
            return AsyncIterator(state: .transfer(transfer, lifetime, BodyLifetime(transfer: transfer)))
        }
    }

    /// Reads the whole body into memory.
    ///
    /// - Parameter maxBytes: The largest body accepted; a longer one cancels the exchange and throws.
    /// - Returns: The body's bytes.
    /// - Throws: ``HTTPClientError`` if the body is larger than `maxBytes` or the exchange fails.
    public func collect(upTo maxBytes: Int) async throws -> Data {
        var data = Data()
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() {
            guard data.count + chunk.count <= maxBytes else {
                let endpoint = iterator.endpoint
                throw HTTPClientError(
                    code: .transport,
                    message: "the response body\(endpoint.map { " from \($0)" } ?? "") is larger than the "
                        + "\(maxBytes) byte limit; read it as a stream or raise the limit",
                    endpoint: endpoint
                )
            }
            data.append(contentsOf: chunk)
        }
        return data
    }

    /// Reads chunks of a body in arrival order.
    public struct AsyncIterator: AsyncIteratorProtocol {
        enum State {
            case bytes([UInt8]?)
            case stream(AsyncThrowingStream<[UInt8], any Error>.Iterator)
            // The body's lifetime keeps the exchange open while this iterator lives; the iterator's own
            // lifetime cancels the exchange when the reader drops the iterator before the end.
            case transfer(CurlTransfer, BodyLifetime, BodyLifetime)
        }

        var state: State

        var endpoint: String? {
            if case .transfer(let transfer, _, _) = state {
                return transfer.plan.endpoint
            }
            return nil
        }

        /// Returns the next chunk, or `nil` at the end of the body.
        public mutating func next() async throws -> [UInt8]? {
            switch state {
            case .bytes(let bytes):
                state = .bytes(nil)
                return bytes
            case .stream(var iterator):
                let chunk = try await iterator.next()
                state = .stream(iterator)
                return chunk
            case .transfer(let transfer, _, _):
                return try await transfer.nextChunk()
            }
        }

        /// Returns the next chunk, or `nil` at the end of the body, staying on the caller's actor.
        ///
        /// - Parameter actor: The actor the caller runs on.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> [UInt8]? {
            switch state {
            case .bytes(let bytes):
                state = .bytes(nil)
                return bytes
            case .stream(var iterator):
                let chunk = try await iterator.next(isolation: actor)
                state = .stream(iterator)
                return chunk
            case .transfer(let transfer, _, _):
                return try await transfer.nextChunk()
            }
        }
    }
}

/// Cancels a transfer when the last reference to the object that owns it goes away.
final class BodyLifetime: Sendable {
    let transfer: CurlTransfer

    init(transfer: CurlTransfer) {
        self.transfer = transfer
    }

    deinit {
        transfer.cancel(reason: .consumerStopped)
    }
}

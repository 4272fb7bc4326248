import Foundation
import HTTPTypes
import KaitoHTTP

func request(
    _ method: HTTPRequest.Method = .get,
    _ scheme: String = "http",
    port: Int,
    host: String = "127.0.0.1",
    path: String,
    headers: HTTPFields = [:]
) -> HTTPRequest {
    HTTPRequest(method: method, scheme: scheme, authority: "\(host):\(port)", path: path, headerFields: headers)
}

/// Runs `body` expecting it to throw an ``HTTPClientError``, and returns that error.
func expectHTTPClientError(
    _ body: () async throws -> Void
) async -> HTTPClientError? {
    do {
        try await body()
        return nil
    } catch let error as HTTPClientError {
        return error
    } catch {
        return HTTPClientError(code: .transport, message: "unexpected error type: \(error)")
    }
}

/// Deterministic pseudo-random bytes (xorshift), so large-body tests need no randomness source.
func patternBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return bytes
}

/// A gzip member holding `payload` in stored (uncompressed) deflate blocks: valid gzip that any decoder
/// must inflate, built without a compression library.
func gzipStored(_ payload: [UInt8]) -> [UInt8] {
    var output: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]
    var offset = 0
    repeat {
        let length = min(65_535, payload.count - offset)
        let isFinal = offset + length == payload.count
        output.append(isFinal ? 0x01 : 0x00)
        output.append(UInt8(length & 0xFF))
        output.append(UInt8(length >> 8))
        output.append(UInt8(~length & 0xFF))
        output.append(UInt8((~length >> 8) & 0xFF))
        output.append(contentsOf: payload[offset..<(offset + length)])
        offset += length
    } while offset < payload.count
    let crc = crc32(payload)
    for shift in stride(from: 0, to: 32, by: 8) {
        output.append(UInt8((crc >> UInt32(shift)) & 0xFF))
    }
    let size = UInt32(truncatingIfNeeded: payload.count)
    for shift in stride(from: 0, to: 32, by: 8) {
        output.append(UInt8((size >> UInt32(shift)) & 0xFF))
    }
    return output
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1)))
        }
    }
    return ~crc
}

/// A header field name known to be valid.
func fieldName(_ name: String) -> HTTPField.Name {
    guard let fieldName = HTTPField.Name(name) else {
        preconditionFailure("'\(name)' is not a valid header field name")
    }
    return fieldName
}

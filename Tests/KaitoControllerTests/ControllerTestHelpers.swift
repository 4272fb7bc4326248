import Foundation
import HTTPTypes
import KaitoHTTP
import KaitoTestSupport

/// Runs the binary to completion (for flags that make it exit at once) and returns status and output.
func runController(
    _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-controller-run-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let process = try ControllerProcess.start(arguments, environment: environment, directory: directory)
    let status = try await process.waitForExit(timeout: timeout)
    return (status, process.stdout, process.stderr)
}

/// GETs `http://127.0.0.1:PORT/path` and returns the status code and body.
func httpGet(port: Int, _ path: String) async throws -> (status: Int, body: String) {
    let transport = try CurlTransport(configuration: HTTPClientConfiguration(proxy: .none))
    let request = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:\(port)", path: path)
    let response = try await transport.send(request, body: nil, options: HTTPRequestOptions(totalTimeout: .seconds(10)))
    let body = try await response.collect(upTo: 16 * 1024 * 1024)
    return (response.response.status.code, String(decoding: body, as: UTF8.self))
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func controllerEventually(
    timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return (try? await condition()) == true
}

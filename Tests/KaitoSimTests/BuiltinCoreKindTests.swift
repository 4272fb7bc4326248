import Foundation
import KaitoCore
import Testing

@testable import KaitoSim

@Suite("Built-in core kinds: Pods, Services, Events, Secrets, Leases as kube-apiserver v1.36")
struct BuiltinCoreKindTests {
    @Test("A Pod gets the defaults and the ServiceAccount, Priority and DefaultTolerationSeconds mutations")
    func podDefaults() async throws {
        let store = Fixture().store
        let created = try await store.create(
            R.pods, namespace: "default",
            object: pod(
                "p",
                containers: [
                    ["name": "a", "image": "busybox:1.36"], ["name": "b", "image": "busybox"],
                    ["name": "c", "image": "busybox:latest"],
                ]))
        let spec = try #require(created.at("spec"))
        let containers = spec["containers"]?.arrayValue ?? []
        #expect(containers.map { $0["imagePullPolicy"] } == ["IfNotPresent", "Always", "Always"])
        #expect(containers.allSatisfy { $0["resources"] == [:] })
        #expect(spec["restartPolicy"] == "Always")
        #expect(spec["dnsPolicy"] == "ClusterFirst")
        #expect(spec["terminationGracePeriodSeconds"] == 30)
        #expect(spec["schedulerName"] == "default-scheduler")
        #expect(spec["serviceAccountName"] == "default")
        #expect(spec["serviceAccount"] == "default")
        #expect(spec["enableServiceLinks"] == true)
        #expect(spec["priority"] == 0)
        #expect(spec["preemptionPolicy"] == "PreemptLowerPriority")
        #expect(spec["securityContext"] == [:])
        #expect(spec["nodeName"] == nil)
        #expect(
            spec["tolerations"] == [
                [
                    "key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": 300,
                ],
                [
                    "key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": 300,
                ],
            ])
        let volume = try #require(spec["volumes"]?.arrayValue?.first)
        let volumeName = volume["name"]?.stringValue ?? ""
        #expect(volumeName.hasPrefix("kube-api-access-") && volumeName.count == "kube-api-access-".count + 5)
        #expect(volume["projected"]?["defaultMode"] == 420)
        let sources = volume["projected"]?["sources"]?.arrayValue ?? []
        #expect(sources.first?["serviceAccountToken"] == ["expirationSeconds": 3607, "path": "token"])
        #expect(sources.dropFirst().first?["configMap"]?["name"] == "kube-root-ca.crt")
        #expect(sources.dropFirst().first?["configMap"]?["items"] == [["key": "ca.crt", "path": "ca.crt"]])
        #expect(sources.last?["downwardAPI"]?["items"]?.arrayValue?.first?["path"] == "namespace")
        for container in containers {
            #expect(
                container["volumeMounts"] == [
                    [
                        "name": .string(volumeName), "readOnly": true,
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    ]
                ])
        }
        #expect(created.at("status.phase") == "Pending")
        #expect(created.at("status.qosClass") == "BestEffort")
    }

    @Test(
        "Requests default to limits; the QoS class follows",
        arguments: [
            (["limits": ["cpu": "100m", "memory": "64Mi"]] as JSONValue, "Guaranteed"),
            (["requests": ["cpu": "100m"]] as JSONValue, "Burstable"),
        ])
    func podResources(resources: JSONValue, qosClass: String) async throws {
        let store = Fixture().store
        let created = try await store.create(
            R.pods, namespace: "default",
            object: pod("p", containers: [["name": "a", "image": "busybox:1.36", "resources": resources]]))
        let container = created.at("spec")?["containers"]?.arrayValue?.first
        if resources["limits"] != nil {
            #expect(container?["resources"]?["requests"] == ["cpu": "100m", "memory": "64Mi"])
        }
        #expect(created.at("status.qosClass") == .string(qosClass))
    }

    @Test("A Pod without containers is 422 Required at spec.containers")
    func podWithoutContainers() async throws {
        let store = Fixture().store
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.pods, namespace: "default", object: pod("p", containers: []))
        }
        #expect(causes(error) == ["FieldValueRequired spec.containers"])
    }

    @Test("A Pod naming a missing ServiceAccount is 403 from the ServiceAccount admission plugin")
    func missingServiceAccount() async throws {
        let store = Fixture().store
        var object = pod("p", containers: [["name": "a", "image": "busybox:1.36"]])
        object.setValue("robot", at: ["spec", "serviceAccountName"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.pods, namespace: "default", object: object)
        }
        #expect(error?.code == 403)
        #expect(error?.reason == "Forbidden")
        #expect(
            error?.message
                == "pods \"p\" is forbidden: error looking up service account default/robot: serviceaccount \"robot\" "
                + "not found")
        _ = try await store.create(
            BR.serviceAccounts, namespace: "default",
            object: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "robot"]])
        let created = try await store.create(R.pods, namespace: "default", object: object)
        #expect(created.at("spec.serviceAccountName") == "robot")
    }

    @Test("Pod updates may only change images, activeDeadlineSeconds and add tolerations; nodeName needs a binding")
    func podUpdates() async throws {
        let store = Fixture().store
        _ = try await store.create(
            R.pods, namespace: "default", object: pod("p", containers: [["name": "a", "image": "busybox:1.36"]]))
        let image = try await store.patch(
            R.pods, namespace: "default", name: "p", type: .strategicMerge,
            patch: ["spec": ["containers": [["name": "a", "image": "busybox:1.37"]]]])
        #expect(image.at("spec")?["containers"]?.arrayValue?.first?["image"] == "busybox:1.37")
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                R.pods, namespace: "default", name: "p", type: .merge, patch: ["spec": ["nodeName": "node-0"]])
        }
        #expect(causes(error) == ["FieldValueForbidden spec"])
    }

    @Test("A Service gets its defaults, a cluster IP from 10.96.0.0/12 and, as a NodePort, a node port")
    func serviceDefaults() async throws {
        let store = Fixture().store
        let service: JSONValue = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
            "spec": ["selector": ["app": "web"], "ports": [["port": 80]]],
        ]
        let created = try await store.create(R.services, namespace: "default", object: service)
        #expect(created.at("spec.ports") == [["port": 80, "protocol": "TCP", "targetPort": 80]])
        #expect(created.at("spec.type") == "ClusterIP")
        #expect(created.at("spec.sessionAffinity") == "None")
        #expect(created.at("spec.ipFamilies") == ["IPv4"])
        #expect(created.at("spec.ipFamilyPolicy") == "SingleStack")
        #expect(created.at("spec.internalTrafficPolicy") == "Cluster")
        let clusterIP = try #require(created.at("spec.clusterIP")?.stringValue)
        #expect(ServiceNetwork.contains(clusterIP) && clusterIP != "10.96.0.1")
        #expect(created.at("spec.clusterIPs") == [.string(clusterIP)])
        #expect(created.at("status") == ["loadBalancer": [:]])

        var headless = service
        headless.setValue("headless", at: ["metadata", "name"])
        headless.setValue("None", at: ["spec", "clusterIP"])
        let none = try await store.create(R.services, namespace: "default", object: headless)
        #expect(none.at("spec.clusterIP") == "None")

        var nodePort = service
        nodePort.setValue("np", at: ["metadata", "name"])
        nodePort.setValue("NodePort", at: ["spec", "type"])
        nodePort.setValue([["port": 80, "targetPort": "http"]], at: ["spec", "ports"])
        let exposed = try await store.create(R.services, namespace: "default", object: nodePort)
        let port = exposed.at("spec.ports")?.arrayValue?.first
        #expect(port?["targetPort"] == "http")
        #expect(port?["nodePort"]?.integerValue.map { (30000...32767).contains($0) } == true)
        #expect(exposed.at("spec.externalTrafficPolicy") == "Cluster")

        var portless = service
        portless.setValue("portless", at: ["metadata", "name"])
        portless.setValue(nil, at: ["spec", "ports"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.services, namespace: "default", object: portless)
        }
        #expect(causes(error) == ["FieldValueRequired spec.ports"])
    }

    @Test("A core/v1 Event shows its unset fields; an involvedObject without namespace elsewhere than default is 422")
    func events() async throws {
        let store = Fixture().store
        _ = try await store.create(
            R.namespaces, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "work"]])
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "e1"],
            "involvedObject": ["kind": "Pod", "name": "p", "namespace": "work"], "reason": "Started",
            "message": "started", "type": "Normal",
        ]
        let created = try await store.create(BR.events, namespace: "work", object: event)
        #expect(created.at("reportingComponent") == "")
        #expect(created.at("reportingInstance") == "")
        #expect(created.at("eventTime") == .null)
        var orphan = event
        orphan.setValue("e2", at: ["metadata", "name"])
        orphan.setValue(nil, at: ["involvedObject", "namespace"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(BR.events, namespace: "work", object: orphan)
        }
        #expect(causes(error) == ["FieldValueInvalid involvedObject.namespace"])
    }

    @Test("Secrets: type Opaque by default, stringData merged into base64 data, type and data immutability")
    func secrets() async throws {
        let store = Fixture().store
        let secret: JSONValue = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["a": "YQ=="],
            "stringData": ["b": "hello"],
        ]
        let created = try await store.create(BR.secrets, namespace: "default", object: secret)
        #expect(created.at("type") == "Opaque")
        #expect(created.at("data") == ["a": "YQ==", "b": "aGVsbG8="])
        #expect(created.at("stringData") == nil)
        let error = await #expect(throws: APIError.self) {
            try await store.patch(
                BR.secrets, namespace: "default", name: "s", type: .merge, patch: ["type": "kubernetes.io/tls"])
        }
        #expect(causes(error).first == "FieldValueInvalid type")

        var bad = secret
        bad.setValue("bad", at: ["metadata", "name"])
        bad.setValue(["a": "not base64!"], at: ["data"])
        let decoding = await #expect(throws: APIError.self) {
            try await store.create(BR.secrets, namespace: "default", object: bad)
        }
        #expect(decoding?.code == 400)
        #expect(
            decoding?.message
                == "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3")
    }

    @Test("Lease times are MicroTime: six fractional digits, anything else is a 400 decoding error")
    func leaseMicroTime() async throws {
        let store = Fixture().store
        func lease(_ name: String, _ renewTime: String) -> JSONValue {
            [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": .string(name)],
                "spec": ["holderIdentity": "me", "leaseDurationSeconds": 15, "renewTime": .string(renewTime)],
            ]
        }
        let created = try await store.create(
            R.leases, namespace: "default", object: lease("ok", "2024-01-01T00:00:00.000000Z"))
        #expect(created.at("spec.renewTime") == "2024-01-01T00:00:00.000000Z")
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.leases, namespace: "default", object: lease("bad", "2024-01-01T00:00:00Z"))
        }
        #expect(error?.code == 400)
        #expect(
            error?.message
                == "Lease in version \"v1\" cannot be handled as a Lease: parsing time \"2024-01-01T00:00:00Z\" as "
                + "\"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"")
    }

    @Test("Wrong JSON types are 400 decoding errors naming the Go field")
    func typeErrors() async throws {
        let store = Fixture().store
        var object = minimalDeployment("web")
        object.setValue("3", at: ["spec", "replicas"])
        let error = await #expect(throws: APIError.self) {
            try await store.create(R.deployments, namespace: "default", object: object)
        }
        #expect(error?.code == 400)
        #expect(
            error?.message
                == "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into "
                + "Go struct field DeploymentSpec.spec.replicas of type int32")
    }

    @Test("A PersistentVolumeClaim gets the pvc-protection finalizer, Filesystem mode and phase Pending")
    func claims() async throws {
        // PersistentVolumeClaims are not served by default yet.
        var registry = ResourceRegistry.builtIn
        registry.register(
            ResourceDescriptor(
                group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims",
                namespaced: true, hasStatusSubresource: true))
        let store = Fixture(configuration: APIStore.Configuration(registry: registry)).store
        let claim: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
        ]
        let created = try await store.create(BR.claims, namespace: "default", object: claim)
        #expect(created.at("metadata.finalizers") == ["kubernetes.io/pvc-protection"])
        #expect(created.at("spec.volumeMode") == "Filesystem")
        #expect(created.at("status.phase") == "Pending")
    }

    @Test("The OpenAPI v3 index and the apps/v1 document")
    func openAPI() async throws {
        let index = OpenAPIDocuments.index(groupVersions: ["v1", "apps/v1"])
        let url = index["paths"]?["apis/apps/v1"]?["serverRelativeURL"]?.stringValue ?? ""
        #expect(url.hasPrefix("/openapi/v3/apis/apps/v1?hash="))
        #expect(index["paths"]?["api/v1"] != nil)
        let document = try #require(
            OpenAPIDocuments.document(groupVersion: "apps/v1", descriptors: ResourceRegistry.builtIn.descriptors))
        #expect(document["openapi"] == "3.0.0")
        let deployment = document["components"]?["schemas"]?["io.k8s.api.apps.v1.Deployment"]
        #expect(
            deployment?["x-kubernetes-group-version-kind"] == [
                ["group": "apps", "kind": "Deployment", "version": "v1"]
            ])
        let containers = document["components"]?["schemas"]?["io.k8s.api.core.v1.PodSpec"]?["properties"]?["containers"]
        #expect(containers?["x-kubernetes-patch-merge-key"] == "name")
        #expect(document["paths"]?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?["patch"] != nil)
    }
}

import Foundation
import KaitoCore
import KaitoK8s
import KaitoOperator
import Testing

/// The controller's RBAC: exactly the API calls it makes, in deploy/20-rbac.yaml and in the chart.
@Suite("Deploy RBAC (least privilege)")
struct DeployRBACTests {
    /// Everything kaito-controller may do cluster-wide. A new API call in the controller needs a line here, in
    /// deploy/20-rbac.yaml and in the chart's clusterrole.yaml.
    static let clusterPermissions: Set<DeployPermission> = DeployPermission.set(
        "kaito.sh", ["workspaces"], ["get", "list", "watch", "update", "patch"]
    )
    .union(DeployPermission.set("kaito.sh", ["workspaces/status"], ["get", "update", "patch"]))
    .union(
        DeployPermission.set(
            "apps", ["deployments", "statefulsets", "controllerrevisions"],
            ["get", "list", "watch", "create", "update", "patch", "delete"])
    )
    .union(
        DeployPermission.set("batch", ["jobs"], ["get", "list", "watch", "create", "update", "patch", "delete"])
    )
    .union(DeployPermission.set("", ["services"], ["get", "list", "watch", "create", "update", "patch", "delete"]))
    .union(DeployPermission.set("", ["configmaps"], ["get", "list", "watch"]))
    .union(DeployPermission.set("", ["nodes"], ["get", "list", "watch", "patch"]))
    .union(DeployPermission.set("", ["events"], ["create", "patch"]))
    .union(
        DeployPermission.set(
            "karpenter.sh", ["machines", "nodeclaims"], ["get", "list", "watch", "create", "patch", "delete"])
    )
    .union(DeployPermission.set("karpenter.azure.com", ["aksnodeclasses"], ["get", "list", "watch", "create"]))

    /// With cloudProviderName=aws the chart reads EC2NodeClasses instead of managing AKSNodeClasses.
    static let awsClusterPermissions: Set<DeployPermission> =
        clusterPermissions
        .filter { $0.group != "karpenter.azure.com" }
        .union(DeployPermission.set("karpenter.k8s.aws", ["ec2nodeclasses"], ["get", "list", "watch"]))

    /// Leader election, in the controller's namespace only.
    static let namespacePermissions: Set<DeployPermission> = DeployPermission.set(
        "coordination.k8s.io", ["leases"], ["get", "create", "update"])

    /// Checks one role: no wildcard, no resourceNames/nonResourceURLs surprises, exactly `expected`.
    static func check(_ role: JSONValue, grants expected: Set<DeployPermission>, _ label: String) {
        let granted = DeployPermission.granted(by: role)
        #expect(!granted.contains { $0.group == "*" || $0.resource == "*" || $0.verb == "*" }, "\(label): wildcard")
        #expect(
            !granted.contains { ["escalate", "bind", "impersonate", "deletecollection"].contains($0.verb) },
            "\(label): a verb no controller call needs")
        #expect(
            !granted.contains { ["pods", "secrets", "namespaces", "daemonsets"].contains($0.resource) },
            "\(label): a resource the controller never touches")
        #expect(granted.subtracting(expected).sorted() == [], "\(label): granted but not needed")
        #expect(expected.subtracting(granted).sorted() == [], "\(label): needed but not granted")
        for rule in role["rules"]?.arrayValue ?? [] {
            #expect(rule["nonResourceURLs"] == nil, "\(label): nonResourceURLs")
        }
    }

    @Test("deploy/20-rbac.yaml grants exactly the controller's calls, bound to its ServiceAccount")
    func plainRBAC() throws {
        let objects = try DeployRepository.plainManifests()
        Self.check(
            try objects.deployObject(kind: "ClusterRole", name: "kaito-controller"), grants: Self.clusterPermissions,
            "ClusterRole")
        let role = try objects.deployObject(kind: "Role")
        #expect(role["metadata"]?["namespace"] == "kaito-system")
        Self.check(role, grants: Self.namespacePermissions, "Role")

        let subject: JSONValue = ["kind": "ServiceAccount", "name": "kaito-controller", "namespace": "kaito-system"]
        let clusterBinding = try objects.deployObject(kind: "ClusterRoleBinding")
        #expect(clusterBinding["subjects"] == [subject])
        #expect(
            clusterBinding["roleRef"]
                == ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kaito-controller"])
        let binding = try objects.deployObject(kind: "RoleBinding")
        #expect(binding["subjects"] == [subject])
        #expect(binding["roleRef"]?["name"] == role["metadata"]?["name"])
        #expect(binding["metadata"]?["namespace"] == "kaito-system")
        #expect(try objects.deployObject(kind: "ServiceAccount")["metadata"]?["name"] == "kaito-controller")
        #expect(
            try objects.deployObject(kind: "Deployment")["spec"]?["template"]?["spec"]?["serviceAccountName"]
                == "kaito-controller")
    }

    @Test(
        "the chart renders the same rules (AKSNodeClass on azure, read-only EC2NodeClass on aws)",
        .deployNeedsHelm)
    func chartRBAC() async throws {
        let azure = try await DeployChart.render()
        Self.check(try azure.deployObject(kind: "ClusterRole"), grants: Self.clusterPermissions, "chart ClusterRole")
        Self.check(try azure.deployObject(kind: "Role"), grants: Self.namespacePermissions, "chart Role")
        let plain = try DeployRepository.plainManifests().deployObject(kind: "ClusterRole")
        #expect(try azure.deployObject(kind: "ClusterRole")["rules"] == plain["rules"], "same rules, same order")

        let aws = try await DeployChart.render(set: ["cloudProviderName=aws"])
        Self.check(
            try aws.deployObject(kind: "ClusterRole"), grants: Self.awsClusterPermissions, "chart aws ClusterRole")
    }

    /// Verbs `WorkspaceController.requiredPermissions` declares that no controller code path calls: Nodes are
    /// labelled with a merge patch, Machines and NodeClaims are created, read and deleted, Events are created and
    /// patched. The RBAC leaves them out; the declaration may drop them.
    static let declaredButNeverCalled: Set<DeployPermission> = DeployPermission.set(
        "", ["nodes", "events"], ["update"]
    )
    .union(DeployPermission.set("karpenter.sh", ["machines", "nodeclaims"], ["update"]))

    /// Granted for the tuning phase (reading training_config.yaml ConfigMaps), which the controller does not
    /// declare yet.
    static let grantedAheadOfTheController: Set<DeployPermission> = DeployPermission.set(
        "", ["configmaps"], ["get", "list", "watch"])

    @Test("the ClusterRole covers WorkspaceController.requiredPermissions (leader election's Lease is in the Role)")
    func matchesControllerDeclaration() throws {
        var declared: Set<DeployPermission> = []
        for permission in WorkspaceController.requiredPermissions {
            for verb in permission.verbs {
                declared.insert(DeployPermission(group: permission.apiGroup, resource: permission.resource, verb: verb))
            }
        }
        let granted = DeployPermission.granted(
            by: try DeployRepository.plainManifests().deployObject(kind: "ClusterRole"))
        let missing = declared.subtracting(granted).subtracting(Self.declaredButNeverCalled)
        #expect(missing.sorted() == [], "the controller declares permissions deploy/20-rbac.yaml does not grant")
        let extra = granted.subtracting(declared).subtracting(Self.grantedAheadOfTheController)
        #expect(extra.sorted() == [], "deploy/20-rbac.yaml grants permissions the controller does not declare")
    }
}

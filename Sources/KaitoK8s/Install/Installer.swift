import Foundation
public import KaitoCore

/// What installing or uninstalling did to one object.
public enum InstallOutcome: String, Sendable, Hashable {
    /// The object did not exist and was created.
    case created
    /// The object existed and the apply changed it.
    case configured
    /// The object existed and the apply changed nothing.
    case unchanged
    /// The object was deleted (or marked for deletion).
    case deleted
    /// There was no such object to delete.
    case notFound = "not found"
    /// The object was left in place on purpose (the CRD, unless asked to delete it).
    case kept
}

/// One line of an install or uninstall report.
public struct InstallResult: Sendable, Hashable, CustomStringConvertible {
    /// The object as kubectl names it: `deployment.apps/kaito-controller`, `namespace/kaito-system`.
    public var object: String
    /// What happened to it.
    public var outcome: InstallOutcome
    /// Whether nothing was stored (server-side dry run).
    public var dryRun: Bool

    /// Creates a result.
    public init(object: String, outcome: InstallOutcome, dryRun: Bool = false) {
        self.object = object
        self.outcome = outcome
        self.dryRun = dryRun
    }

    /// `deployment.apps/kaito-controller configured`, with ` (server dry run)` for dry runs, as kubectl prints.
    public var description: String {
        "\(object) \(outcome.rawValue)\(dryRun ? " (server dry run)" : "")"
    }
}

/// A CustomResourceDefinition was stored but the API server did not serve its resource in time.
public struct CRDNotServedError: Error, Sendable, CustomStringConvertible {
    /// The CRD's name, such as `workspaces.kaito.sh`.
    public var name: String
    /// How long the installer waited.
    public var timeout: Duration

    /// Creates an error.
    public init(name: String, timeout: Duration) {
        self.name = name
        self.timeout = timeout
    }

    /// What happened and what to look at.
    public var description: String {
        "customresourcedefinition.apiextensions.k8s.io/\(name) is not served after \(timeout); check its conditions "
            + "with `kubectl get crd \(name) -o yaml`"
    }
}

/// Installs and uninstalls the kaito-swift operator: the objects of `deploy/` (``InstallManifests``), applied
/// with server-side apply as field manager `kaitoctl`.
///
/// ```swift
/// let installer = Installer(client: client, options: Installer.Options(provisioner: "nodeclaim"))
/// let results = try await installer.install { print($0) }
/// ```
///
/// Install applies in dependency order (CRDs, waiting until the API server serves them; the namespace; the
/// service account and RBAC; the Deployment; the Service). Uninstall deletes in the reverse order and keeps the
/// CRDs unless ``Options/deleteCRDs`` is set, because deleting the Workspace CRD deletes every Workspace.
public struct Installer: Sendable {
    /// How to install.
    public struct Options: Sendable, Hashable {
        /// `machine`, `nodeclaim` or `none`: the controller's `--provisioner`.
        public var provisioner: String
        /// The controller image, replacing the manifest's placeholder; `nil` keeps it.
        public var image: String?
        /// The namespace the controller runs in (default `kaito-system`).
        public var namespace: String
        /// Server-side dry run (`dryRun=All`): the server validates every write and stores nothing.
        public var dryRun: Bool
        /// Uninstall also deletes the CRDs (and with them every Workspace).
        public var deleteCRDs: Bool
        /// How long to wait for a new CRD to be served.
        public var crdTimeout: Duration

        /// The provisioners the controller accepts.
        public static let provisioners = ["machine", "nodeclaim", "none"]
        /// The namespace of `deploy/`.
        public static let defaultNamespace = "kaito-system"

        /// Creates options.
        public init(
            provisioner: String = "machine", image: String? = nil, namespace: String = Options.defaultNamespace,
            dryRun: Bool = false, deleteCRDs: Bool = false, crdTimeout: Duration = .seconds(60)
        ) {
            self.provisioner = provisioner
            self.image = image
            self.namespace = namespace
            self.dryRun = dryRun
            self.deleteCRDs = deleteCRDs
            self.crdTimeout = crdTimeout
        }
    }

    /// The field manager of every apply.
    public static let fieldManager = "kaitoctl"

    /// The client requests go through.
    public let client: KubernetesClient
    /// The options.
    public let options: Options

    /// Creates an installer.
    public init(client: KubernetesClient, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    // MARK: - Objects

    /// The objects to install, customised for ``options``, in install order.
    /// - Throws: ``KubernetesError`` (`invalidRequest`) when the embedded manifests cannot be read or an option is
    ///   invalid.
    public func objects() throws -> [KubernetesObject] {
        guard Options.provisioners.contains(options.provisioner) else {
            throw KubernetesError(
                kind: .invalidRequest,
                message: "unknown provisioner \"\(options.provisioner)\"; use machine, nodeclaim or none")
        }
        var objects: [KubernetesObject] = []
        for file in InstallManifests.files {
            let documents: [ManifestDocument]
            do {
                documents = try ManifestReader.documents(from: file.text)
            } catch {
                throw KubernetesError(
                    kind: .invalidRequest, message: "embedded \(file.path) cannot be read: \(error)", underlying: error)
            }
            for document in documents {
                do {
                    objects.append(customised(try KubernetesObject(json: document.value)))
                } catch {
                    throw KubernetesError(
                        kind: .invalidRequest, message: "embedded \(file.path) has an invalid object: \(error)",
                        underlying: error)
                }
            }
        }
        return objects.enumerated().sorted { left, right in
            let (leftRank, rightRank) = (Self.rank(left.element.kind), Self.rank(right.element.kind))
            return leftRank != rightRank ? leftRank < rightRank : left.offset < right.offset
        }.map(\.element)
    }

    /// Install order by kind; unknown kinds go after the Deployment.
    static func rank(_ kind: String) -> Int {
        let order = [
            "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
            "RoleBinding", "Deployment", "Service",
        ]
        return order.firstIndex(of: kind) ?? order.count
    }

    /// Applies the options to one object: namespace, provisioner argument, image.
    func customised(_ object: KubernetesObject) -> KubernetesObject {
        var object = object
        let namespace = options.namespace
        if object.kind == "Namespace" { object.metadata.name = namespace }
        if Self.resourceType(for: object).isNamespaced { object.metadata.namespace = namespace }
        if object.kind == "ClusterRoleBinding" || object.kind == "RoleBinding",
            case .array(let subjects)? = object.content["subjects"]
        {
            object.content["subjects"] = .array(
                subjects.map { subject in
                    guard case .object(var fields) = subject, fields["kind"] == .string("ServiceAccount") else {
                        return subject
                    }
                    fields["namespace"] = .string(namespace)
                    return .object(fields)
                })
        }
        if object.kind == "Deployment", case .object(var spec)? = object.content["spec"],
            case .object(var template)? = spec["template"], case .object(var pod)? = template["spec"],
            case .array(var containers)? = pod["containers"]
        {
            for index in containers.indices {
                guard case .object(var container) = containers[index] else { continue }
                if case .array(let args)? = container["args"] {
                    container["args"] = .array(
                        args.map { argument in
                            guard let text = argument.stringValue, text.hasPrefix("--provisioner=") else {
                                return argument
                            }
                            return .string("--provisioner=\(options.provisioner)")
                        })
                }
                if let image = options.image, !image.isEmpty { container["image"] = .string(image) }
                containers[index] = .object(container)
            }
            pod["containers"] = .array(containers)
            template["spec"] = .object(pod)
            spec["template"] = .object(template)
            object.content["spec"] = .object(spec)
        }
        return object
    }

    /// The REST resource of an install object.
    static func resourceType(for object: KubernetesObject) -> ResourceType {
        if let known = ResourceType.wellKnown(apiVersion: object.apiVersion, kind: object.kind) { return known }
        let parts = object.apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", object.apiVersion)
        let clusterScoped: Set<String> = [
            "ClusterRole", "ClusterRoleBinding", "Namespace", "CustomResourceDefinition", "PersistentVolume",
        ]
        return ResourceType(
            group: group, version: version, kind: object.kind, plural: object.kind.lowercased() + "s",
            isNamespaced: !clusterScoped.contains(object.kind))
    }

    /// `deployment.apps/kaito-controller`, `namespace/kaito-system`: the object as kubectl names it.
    public static func displayName(of object: KubernetesObject) -> String {
        let type = resourceType(for: object)
        let kind = type.group.isEmpty ? object.kind.lowercased() : "\(object.kind.lowercased()).\(type.group)"
        return "\(kind)/\(object.name)"
    }

    // MARK: - Install

    /// Applies every object in order, calling `report` after each one.
    /// - Returns: One result per object.
    /// - Throws: ``KubernetesError``: the first failed request (forbidden, invalid, unreachable);
    ///   ``CRDNotServedError`` when a CRD is not served within ``Options/crdTimeout``.
    @discardableResult
    public func install(report: (InstallResult) -> Void = { _ in }) async throws -> [InstallResult] {
        var results: [InstallResult] = []
        var namespaceIsNew = false
        for object in try objects() {
            let type = Self.resourceType(for: object)
            let resource = client.resource(type)
            let name = object.name
            let namespace = type.isNamespaced ? options.namespace : nil
            let before: KubernetesObject?
            do {
                before = try await resource.get(name, namespace: namespace)
            } catch let error as KubernetesError where error.isNotFound {
                before = nil
            }
            let outcome: InstallOutcome
            if options.dryRun && namespaceIsNew && type.isNamespaced {
                // The namespace does not exist yet, so the server cannot dry-run writes into it; it would be new.
                outcome = .created
            } else {
                let after: KubernetesObject
                do {
                    after = try await resource.apply(
                        object, namespace: namespace, fieldManager: Self.fieldManager, force: true,
                        dryRun: options.dryRun)
                } catch let error as KubernetesError where error.isNotFound && before == nil {
                    var served = error
                    served.message =
                        "\(Self.displayName(of: object)): the server does not serve \(type.apiVersion) \(type.plural) "
                        + "(\(error.message))"
                    throw served
                }
                outcome = Self.outcome(before: before, after: after, dryRun: options.dryRun)
            }
            if object.kind == "Namespace" && before == nil { namespaceIsNew = true }
            if object.kind == "CustomResourceDefinition" && !options.dryRun {
                try await waitUntilServed(crd: name)
            }
            let result = InstallResult(object: Self.displayName(of: object), outcome: outcome, dryRun: options.dryRun)
            results.append(result)
            report(result)
        }
        return results
    }

    /// `created` without a previous object; else `unchanged` when the stored object did not change (the same
    /// resourceVersion; for dry runs, the same content), `configured` otherwise.
    static func outcome(before: KubernetesObject?, after: KubernetesObject, dryRun: Bool) -> InstallOutcome {
        guard let before else { return .created }
        if !dryRun {
            return before.metadata.resourceVersion == after.metadata.resourceVersion ? .unchanged : .configured
        }
        return comparable(before) == comparable(after) ? .unchanged : .configured
    }

    /// The object without the fields every write changes (resourceVersion, managedFields, generation, status).
    static func comparable(_ object: KubernetesObject) -> JSONValue? {
        var copy = object
        copy.metadata.resourceVersion = nil
        copy.metadata.managedFields = nil
        copy.metadata.generation = nil
        copy.content["status"] = nil
        return try? copy.jsonValue()
    }

    /// Waits until the CRD is `Established` and its resource answers a list.
    func waitUntilServed(crd name: String) async throws {
        let crds = client.resource(.customResourceDefinitions)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: options.crdTimeout)
        while true {
            let crd = try await crds.get(name)
            if crd.statusConditions["Established"]?.isTrue == true, let served = Self.servedType(of: crd) {
                do {
                    _ = try await client.resource(served).listPage(limit: 1)
                    return
                } catch let error as KubernetesError where error.isNotFound {
                    // Not served yet.
                }
            }
            guard clock.now < deadline else {
                throw CRDNotServedError(name: name, timeout: options.crdTimeout)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The storage version's resource of a CRD.
    static func servedType(of crd: KubernetesObject) -> ResourceType? {
        guard let group = crd.value(at: "spec", "group")?.stringValue,
            let plural = crd.value(at: "spec", "names", "plural")?.stringValue,
            let kind = crd.value(at: "spec", "names", "kind")?.stringValue
        else { return nil }
        let versions = crd.value(at: "spec", "versions")?.arrayValue ?? []
        guard
            let version = (versions.first { $0["storage"] == .bool(true) } ?? versions.first)?["name"]?.stringValue
        else { return nil }
        return ResourceType(
            group: group, version: version, kind: kind, plural: plural,
            isNamespaced: crd.value(at: "spec", "scope")?.stringValue != "Cluster")
    }

    // MARK: - Uninstall

    /// Deletes every object in reverse install order, calling `report` after each one. The CRDs are reported
    /// `kept` unless ``Options/deleteCRDs`` is set.
    /// - Returns: One result per object.
    /// - Throws: ``KubernetesError``: the first failed request other than NotFound.
    @discardableResult
    public func uninstall(report: (InstallResult) -> Void = { _ in }) async throws -> [InstallResult] {
        var results: [InstallResult] = []
        for object in try objects().reversed() {
            let type = Self.resourceType(for: object)
            let outcome: InstallOutcome
            if object.kind == "CustomResourceDefinition" && !options.deleteCRDs {
                outcome = .kept
            } else {
                do {
                    try await client.resource(type).delete(
                        object.name, namespace: type.isNamespaced ? options.namespace : nil,
                        options: DeleteOptions(dryRun: options.dryRun))
                    outcome = .deleted
                } catch let error as KubernetesError where error.isNotFound {
                    outcome = .notFound
                }
            }
            let result = InstallResult(
                object: Self.displayName(of: object), outcome: outcome, dryRun: options.dryRun && outcome == .deleted)
            results.append(result)
            report(result)
        }
        return results
    }

    /// How many Workspaces exist in the cluster (0 when the CRD is not installed): what deleting the CRD deletes.
    /// - Throws: ``KubernetesError`` for failures other than NotFound.
    public func workspaceCount() async throws -> Int {
        do {
            return try await client.resource(.workspaces).list().items.count
        } catch let error as KubernetesError where error.isNotFound {
            return 0
        }
    }
}

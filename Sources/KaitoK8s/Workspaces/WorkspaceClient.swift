public import KaitoCore
import KaitoHTTP

/// What deleting a workspace did.
public enum WorkspaceDeletion: Sendable, Hashable {
    /// The workspace is gone.
    case deleted
    /// The workspace is marked for deletion and waits for these finalizers (the operator's, while it removes the
    /// workload and node claims).
    case pending(finalizers: [String])
}

/// A workspace the server accepted, with the warnings validation raised.
public struct WorkspaceCreation: Sendable, Hashable {
    /// The workspace as the server stored it (or would have, for a dry run).
    public var workspace: KubernetesObject
    /// Warnings from the admission rules (a tuning workspace's output image without a pull secret, …).
    public var warnings: [FieldProblem]
}

/// The workspace workflows of `kaitoctl`, for Swift programs: validate and create or apply a Workspace, follow it
/// to `WorkspaceSucceeded`, describe it, delete it and wait, and chat with its model.
///
/// ```swift
/// let workspaces = WorkspaceClient(client: try KubernetesClient(connection: KubeconfigLoader().load()))
/// try await workspaces.create(falcon, namespace: "default")
/// try await workspaces.waitUntilSucceeded("workspace-falcon-7b", namespace: "default", timeout: .seconds(1800)) {
///     print($0)
/// }
/// let reply = try await workspaces.chat("workspace-falcon-7b", namespace: "default", prompt: "What is Kubernetes?")
/// try await workspaces.delete("workspace-falcon-7b", namespace: "default")
/// ```
///
/// Validation uses the controller's admission rules (``KaitoCore/WorkspaceValidator``): an invalid workspace never
/// reaches the cluster. Requests that fail throw ``KubernetesError``; outcomes of the workflow itself (invalid, not
/// found, failed, timed out) throw ``WorkspaceError``; chatting throws ``InferenceError``.
public struct WorkspaceClient: Sendable {
    /// The cluster.
    public let client: KubernetesClient
    /// The admission rules creates and applies are checked with.
    public var validator: WorkspaceValidator
    /// The preset catalog chat uses to pick a transformers pipeline.
    public var catalog: PresetCatalog
    /// What following a workspace watches besides the workspace.
    public var followOptions: WorkspaceFollowOptions

    /// Creates a workspace client.
    public init(
        client: KubernetesClient, validator: WorkspaceValidator = WorkspaceValidator(),
        catalog: PresetCatalog = .bundled, followOptions: WorkspaceFollowOptions = WorkspaceFollowOptions()
    ) {
        self.client = client
        self.validator = validator
        self.catalog = catalog
        self.followOptions = followOptions
    }

    // MARK: - Validating, creating, applying

    /// The admission rules' verdict: errors and warnings, empty when the workspace is fine. With `old`, the rules
    /// for changing that stored workspace into this one.
    public func validate(_ workspace: Workspace, old: Workspace? = nil) -> [FieldProblem] {
        if let old { return validator.validateUpdate(workspace, from: old) }
        return validator.validateCreate(workspace)
    }

    /// The namespace `workspace` goes to: its own, else `namespace`, else the connection's.
    /// - Throws: ``WorkspaceError/Kind/invalid`` when the workspace names a namespace other than `namespace`.
    public func targetNamespace(of workspace: Workspace, namespace: String? = nil) throws -> String {
        let own = workspace.metadata.namespace
        if let own, let namespace, own != namespace {
            throw WorkspaceError(
                .invalid, name: workspace.metadata.name ?? "", namespace: namespace,
                problems: [
                    FieldProblem(
                        "metadata.namespace", "is \"\(own)\" but the namespace asked for is \"\(namespace)\"",
                        hint: "remove one of them")
                ])
        }
        return own ?? namespace ?? client.defaultNamespace
    }

    /// Validates `workspace`, then creates it.
    /// - Parameters:
    ///   - namespace: Where, when the workspace does not say (default: the connection's namespace).
    ///   - dryRun: Let the server check it without storing it.
    /// - Throws: ``WorkspaceError/Kind/invalid`` (nothing sent); ``KubernetesError`` (`isAlreadyExists`, 422, …).
    @discardableResult
    public func create(_ workspace: Workspace, namespace: String? = nil, dryRun: Bool = false) async throws
        -> WorkspaceCreation
    {
        var workspace = workspace
        let target = try targetNamespace(of: workspace, namespace: namespace)
        workspace.metadata.namespace = target
        let warnings = try checked(validate(workspace), workspace, namespace: target)
        let stored = try await client.resource(.workspaces).create(
            try Self.object(workspace), namespace: target, dryRun: dryRun)
        return WorkspaceCreation(workspace: stored, warnings: warnings)
    }

    /// Validates `workspace` (as an update when it exists: the immutable fields stay), then applies it with
    /// server-side apply.
    /// - Parameters:
    ///   - fieldManager: The field manager the server records.
    ///   - force: Take over fields another manager owns instead of failing with a conflict.
    /// - Throws: ``WorkspaceError/Kind/invalid`` (nothing sent); ``KubernetesError`` (a 409 apply conflict, …).
    @discardableResult
    public func apply(
        _ workspace: Workspace, namespace: String? = nil, fieldManager: String = "kaito-swift", force: Bool = false,
        dryRun: Bool = false
    ) async throws -> WorkspaceCreation {
        var workspace = workspace
        let target = try targetNamespace(of: workspace, namespace: namespace)
        workspace.metadata.namespace = target
        let name = workspace.metadata.name ?? ""
        var old: Workspace?
        do {
            old = try await client.resource(.workspaces).get(name, namespace: target).decodedWorkspace()
        } catch let error as KubernetesError where error.isNotFound {
            old = nil
        }
        let warnings = try checked(validate(workspace, old: old), workspace, namespace: target)
        let stored = try await client.resource(.workspaces).apply(
            try Self.object(workspace), namespace: target, fieldManager: fieldManager, force: force, dryRun: dryRun)
        return WorkspaceCreation(workspace: stored, warnings: warnings)
    }

    /// The workspace as the unstructured object sent to the server (`apiVersion` and `kind` filled in).
    private static func object(_ workspace: Workspace) throws -> KubernetesObject {
        var workspace = workspace
        workspace.apiVersion = workspace.apiVersion ?? Workspace.apiVersion
        workspace.kind = workspace.kind ?? Workspace.kind
        return try KubernetesObject(json: workspace.jsonValue())
    }

    /// The warnings among `problems`; throws when any is an error.
    private func checked(_ problems: [FieldProblem], _ workspace: Workspace, namespace: String) throws
        -> [FieldProblem]
    {
        guard !problems.contains(where: { $0.severity == .error }) else {
            throw WorkspaceError(
                .invalid, name: workspace.metadata.name ?? "", namespace: namespace, problems: problems)
        }
        return problems
    }

    // MARK: - Reading

    /// The workspace as stored.
    /// - Throws: ``WorkspaceError/Kind/notFound``; ``KubernetesError``.
    public func get(_ name: String, namespace: String) async throws -> KubernetesObject {
        do {
            return try await client.resource(.workspaces).get(name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            throw WorkspaceError(.notFound, name: name, namespace: namespace)
        }
    }

    /// The workspaces in `namespace` (every namespace when `nil`), sorted by namespace and name.
    /// - Throws: ``KubernetesError``.
    public func list(namespace: String?) async throws -> [KubernetesObject] {
        try await client.resource(.workspaces).list(namespace: namespace).items
            .sorted { ($0.metadata.namespace ?? "", $0.name) < ($1.metadata.namespace ?? "", $1.name) }
    }

    /// The workspace with its nodes, claims, workloads, Services, revisions and events; its
    /// ``WorkspaceObservation/pendingSummary(now:)`` says what it waits for.
    /// - Throws: ``WorkspaceError/Kind/notFound``; ``KubernetesError``.
    public func describe(_ name: String, namespace: String) async throws -> WorkspaceObservation {
        try await WorkspaceObservation.load(client: client, workspace: get(name, namespace: namespace))
    }

    // MARK: - Following

    /// The workspace's progress: conditions, node claims and pods as they change, until it succeeds or fails.
    public func progress(of name: String, namespace: String) -> WorkspaceProgress {
        WorkspaceProgress(client: client, name: name, namespace: namespace, options: followOptions)
    }

    /// Follows the workspace until `WorkspaceSucceeded` is `True`, handing every step to `onProgress`.
    /// - Returns: The workspace as stored when it succeeded.
    /// - Throws: ``WorkspaceError``: ``WorkspaceError/Kind/failed`` with the failing condition,
    ///   ``WorkspaceError/Kind/timedOut`` after `timeout` with what it still waits for (planned from the cluster's
    ///   objects), ``WorkspaceError/Kind/notFound``, ``WorkspaceError/Kind/deletedWhileWaiting``; or the
    ///   ``KubernetesError`` that ended the watch.
    @discardableResult
    public func waitUntilSucceeded(
        _ name: String, namespace: String, timeout: Duration,
        onProgress: @escaping @Sendable (WorkspaceProgressEvent) -> Void = { _ in }
    ) async throws -> KubernetesObject {
        let progress = self.progress(of: name, namespace: namespace)
        let outcome = try await withDeadline(timeout) {
            for try await event in progress {
                onProgress(event)
                switch event {
                case .succeeded(let object):
                    return object
                case .failed(let failure):
                    throw WorkspaceError(.failed, name: name, namespace: namespace, failure: failure)
                case .condition, .nodeClaim, .pod:
                    continue
                }
            }
            throw WorkspaceError(.watchEnded, name: name, namespace: namespace)
        }
        if let outcome { return outcome }
        var detail = "waiting for the controller to report the workspace's status (is kaito-controller running?)"
        let workspaces = self
        if let observed = try? await withDeadline(
            .seconds(10),
            {
                try await workspaces.describe(name, namespace: namespace)
            })
        {
            detail = observed.pendingSummary()
            if observed.workspace.workspaceFailure == nil { detail = "waiting for " + detail }
        }
        throw WorkspaceError(.timedOut, name: name, namespace: namespace, detail: detail, timeout: timeout)
    }

    // MARK: - Deleting

    /// Deletes the workspace; the operator then removes its workload and node claims.
    /// - Throws: ``WorkspaceError/Kind/notFound``; ``KubernetesError``.
    @discardableResult
    public func delete(_ name: String, namespace: String) async throws -> WorkspaceDeletion {
        let remaining: KubernetesObject?
        do {
            remaining = try await client.resource(.workspaces).delete(name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            throw WorkspaceError(.notFound, name: name, namespace: namespace)
        }
        guard let remaining else { return .deleted }
        return .pending(finalizers: remaining.metadata.finalizers ?? [])
    }

    /// Waits until the workspace is gone (at once when it is).
    /// - Throws: ``WorkspaceError/Kind/deletionTimedOut`` after `timeout`, naming the finalizers still pending;
    ///   ``KubernetesError``.
    public func waitUntilDeleted(_ name: String, namespace: String, timeout: Duration) async throws {
        let last = Locked<KubernetesObject?>(nil)
        let resource = client.resource(.workspaces)
        let reconnect = followOptions.reconnect
        let gone: Bool? = try await withDeadline(timeout) {
            let fieldSelector = "metadata.name=\(name)"
            let list = try await resource.list(namespace: namespace, fieldSelector: fieldSelector)
            guard let initial = list.items.first else { return true }
            last.value = initial
            for try await event in resource.watch(
                namespace: namespace, fieldSelector: fieldSelector, resourceVersion: list.resourceVersion,
                reconnect: reconnect)
            {
                switch event {
                case .deleted: return true
                case .added(let object), .modified(let object): last.value = object
                case .bookmark: continue
                }
            }
            throw WorkspaceError(.watchEnded, name: name, namespace: namespace)
        }
        if gone != nil { return }
        var detail = "it still exists"
        if let finalizers = last.value?.metadata.finalizers, !finalizers.isEmpty {
            detail = "finalizers \(finalizers.joined(separator: ", ")) are still pending"
        }
        throw WorkspaceError(.deletionTimedOut, name: name, namespace: namespace, detail: detail, timeout: timeout)
    }

    // MARK: - Chatting

    /// A client for the workspace's model server, through the API server's service proxy (no port-forward).
    /// - Throws: ``InferenceError`` (``InferenceError/Kind/serviceNotFound`` while the workspace has no Service).
    public func inferenceClient(for name: String, namespace: String) async throws -> InferenceClient {
        let target = try await WorkspaceInferenceTarget.resolve(
            client: client, namespace: namespace, name: name, catalog: catalog)
        return InferenceClient(transport: target.transport, pipelineHint: target.pipeline)
    }

    /// Asks the workspace's model one question: finds its server, detects the API it speaks, sends the prompt.
    /// - Throws: ``InferenceError``.
    public func chat(_ name: String, namespace: String, prompt: String, maxTokens: Int? = nil) async throws
        -> ChatReply
    {
        let inference = try await inferenceClient(for: name, namespace: namespace)
        let runtime = try await inference.detectRuntime()
        return try await inference.chat(ChatRequest(prompt: prompt, maxTokens: maxTokens), runtime: runtime)
    }
}

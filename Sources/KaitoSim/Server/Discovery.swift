import Foundation
import KaitoCore

/// The discovery documents of the legacy (unaggregated) discovery API, built from a ``ResourceRegistry``.
///
/// Clients that ask for aggregated discovery (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`)
/// also accept plain `application/json`, and fall back to these documents when they get it.
enum Discovery {
    /// `/version`, the `version.Info` of the emulated release.
    static var version: JSONValue {
        let release = KaitoSim.emulatedKubernetesVersion
        let numbers = release.dropFirst().split(separator: ".").map(String.init)
        return [
            "major": .string(numbers.first ?? "1"), "minor": .string(numbers.count > 1 ? numbers[1] : "0"),
            "gitVersion": .string(release), "gitCommit": "kaito-sim", "gitTreeState": "clean",
            "buildDate": "2024-04-17T17:27:03Z", "goVersion": "go1.22.2", "compiler": "gc",
            "platform": .string(platform),
        ]
    }

    private static var platform: String {
        #if arch(arm64)
            let architecture = "arm64"
        #else
            let architecture = "amd64"
        #endif
        #if os(macOS)
            return "darwin/\(architecture)"
        #else
            return "linux/\(architecture)"
        #endif
    }

    /// `/api`: `APIVersions` with the core group's only version.
    static func coreVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    /// The groups other than the core group, built-in groups first, then custom resource groups, each sorted.
    static func groupNames(_ registry: ResourceRegistry) -> [String] {
        let descriptors = registry.descriptors.filter { !$0.group.isEmpty }
        let builtIn = Set(descriptors.filter { !$0.isCustomResource }.map(\.group))
        let custom = Set(descriptors.map(\.group)).subtracting(builtIn)
        return builtIn.sorted() + custom.sorted()
    }

    /// `/apis`: an `APIGroupList`.
    static func groupList(_ registry: ResourceRegistry) -> JSONValue {
        let groups = groupNames(registry).compactMap { apiGroup($0, registry: registry, withTypeMeta: false) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// `/apis/GROUP`: an `APIGroup`, or `nil` when the group is not served.
    static func apiGroup(_ name: String, registry: ResourceRegistry, withTypeMeta: Bool = true) -> JSONValue? {
        guard !name.isEmpty, let versions = registry.groupVersions[name], let preferred = versions.first else {
            return nil
        }
        func entry(_ version: String) -> JSONValue {
            ["groupVersion": .string("\(name)/\(version)"), "version": .string(version)]
        }
        var group: [String: JSONValue] = [
            "name": .string(name), "versions": .array(versions.map(entry)), "preferredVersion": entry(preferred),
        ]
        if withTypeMeta {
            group["kind"] = "APIGroup"
            group["apiVersion"] = "v1"
        }
        return .object(group)
    }

    /// `/api/v1` or `/apis/GROUP/VERSION`: an `APIResourceList`, or `nil` when the group version is not served.
    static func resourceList(group: String, version: String, registry: ResourceRegistry) -> JSONValue? {
        let descriptors = registry.descriptors(group: group, version: version)
        guard !descriptors.isEmpty else { return nil }
        var resources: [(name: String, entry: JSONValue)] = []
        for descriptor in descriptors {
            var resource: [String: JSONValue] = [
                "name": .string(descriptor.plural), "singularName": .string(descriptor.singular),
                "namespaced": .bool(descriptor.namespaced), "kind": .string(descriptor.kind),
                "verbs": .array(descriptor.verbs.map(JSONValue.string)),
            ]
            if !descriptor.shortNames.isEmpty {
                resource["shortNames"] = .array(descriptor.shortNames.map(JSONValue.string))
            }
            if !descriptor.categories.isEmpty {
                resource["categories"] = .array(descriptor.categories.map(JSONValue.string))
            }
            resources.append((descriptor.plural, .object(resource)))
            for subresource in descriptor.discoverySubresources {
                var entry: [String: JSONValue] = [
                    "name": .string("\(descriptor.plural)/\(subresource.name)"), "singularName": "",
                    "namespaced": .bool(descriptor.namespaced), "kind": .string(subresource.kind),
                    "verbs": .array(subresource.verbs.map(JSONValue.string)),
                ]
                if let group = subresource.group { entry["group"] = .string(group) }
                if let version = subresource.version { entry["version"] = .string(version) }
                resources.append(("\(descriptor.plural)/\(subresource.name)", .object(entry)))
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
            "resources": .array(resources.sorted { $0.name < $1.name }.map(\.entry)),
        ]
    }

    // MARK: - Aggregated discovery

    /// The aggregated discovery version a request's `Accept` header asks for (`v2`, else `v2beta1`), or `nil`
    /// when it asks for none and gets the legacy documents.
    static func aggregatedVersion(accept: String?) -> String? {
        guard let accept else { return nil }
        var offered: [String] = []
        for clause in accept.split(separator: ",") {
            let parts = clause.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            var parameters: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { parameters[pair[0]] = pair[1] }
            }
            guard parts.first == "application/json", parameters["g"] == "apidiscovery.k8s.io",
                parameters["as"] == "APIGroupDiscoveryList", let version = parameters["v"]
            else { continue }
            offered.append(version)
        }
        return offered.first { $0 == "v2" } ?? offered.first { $0 == "v2beta1" }
    }

    /// The `Content-Type` of an aggregated discovery document.
    static func aggregatedContentType(version: String) -> String {
        "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"
    }

    /// `/api` (`core: true`, the core group only) or `/apis` (every other group) as an `APIGroupDiscoveryList`.
    static func aggregated(core: Bool, registry: ResourceRegistry, version: String) -> JSONValue {
        let groups = core ? [""] : groupNames(registry)
        let items: [JSONValue] = groups.compactMap { group in
            let versions = group.isEmpty ? ["v1"] : (registry.groupVersions[group] ?? [])
            let entries: [JSONValue] = versions.map { groupVersion in
                let resources = registry.descriptors(group: group, version: groupVersion).map(aggregatedResource)
                return [
                    "version": .string(groupVersion), "resources": .array(resources), "freshness": "Current",
                ]
            }
            guard !entries.isEmpty else { return nil }
            return ["metadata": ["name": .string(group), "creationTimestamp": .null], "versions": .array(entries)]
        }
        return [
            "kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
            "metadata": [:], "items": .array(items),
        ]
    }

    private static func aggregatedResource(_ descriptor: ResourceDescriptor) -> JSONValue {
        var resource: [String: JSONValue] = [
            "resource": .string(descriptor.plural),
            "responseKind": ["group": "", "version": "", "kind": .string(descriptor.kind)],
            "scope": descriptor.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(descriptor.singular),
            "verbs": .array(descriptor.verbs.map(JSONValue.string)),
        ]
        if !descriptor.shortNames.isEmpty {
            resource["shortNames"] = .array(descriptor.shortNames.map(JSONValue.string))
        }
        if !descriptor.categories.isEmpty {
            resource["categories"] = .array(descriptor.categories.map(JSONValue.string))
        }
        let subresources = descriptor.discoverySubresources
        if !subresources.isEmpty {
            resource["subresources"] = .array(
                subresources.map { subresource in
                    [
                        "subresource": .string(subresource.name),
                        "responseKind": [
                            "group": .string(subresource.group ?? ""), "version": .string(subresource.version ?? ""),
                            "kind": .string(subresource.kind),
                        ],
                        "verbs": .array(subresource.verbs.map(JSONValue.string)),
                    ]
                })
        }
        return .object(resource)
    }

    /// `/openapi/v2` as JSON: a valid Swagger 2.0 document without paths or definitions.
    ///
    /// kubectl asks for the protobuf form, for which the server sends an empty body (an empty
    /// `openapi_v2.Document` message); finding no schema for a kind, kubectl skips client-side validation.
    static var openAPIV2: JSONValue {
        [
            "swagger": "2.0",
            "info": ["title": "Kubernetes", "version": .string(KaitoSim.emulatedKubernetesVersion)],
            "paths": [:], "definitions": [:],
        ]
    }
}

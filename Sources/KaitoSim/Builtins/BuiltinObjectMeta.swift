import KaitoCore

/// The `metadata` rules of `k8s.io/apimachinery/pkg/api/validation` (`ValidateObjectMetaAccessor`), shared by every
/// kind, and the extra finalizer rule of the in-tree kinds (`pkg/apis/core/validation.ValidateObjectMeta`).
enum ObjectMetaValidation {
    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]
    static let totalAnnotationSizeLimit = 256 * 1024

    /// Validates `generation`, `labels`, `annotations`, `ownerReferences` and `finalizers` (name and namespace are
    /// checked by the store). `inTree` adds the rule that unqualified finalizers must be standard ones.
    static func validate(_ metadata: [String: JSONValue], inTree: Bool) -> ValidationErrors {
        var errors = ValidationErrors()
        errors.nonNegative("metadata.generation", metadata["generation"])
        errors.append(validateLabels(metadata["labels"], path: "metadata.labels"))
        errors.append(validateAnnotations(metadata["annotations"], path: "metadata.annotations"))
        errors.append(validateOwnerReferences(metadata["ownerReferences"]))
        let finalizers = (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        for finalizer in finalizers {
            errors.invalid("metadata.finalizers", finalizer, messages: KubeNames.qualifiedNameProblems(finalizer))
        }
        if finalizers.contains("orphan"), finalizers.contains("foregroundDeletion") {
            errors.invalid(
                "metadata.finalizers", .array(finalizers.map(JSONValue.string)),
                "finalizer orphan and foregroundDeletion cannot be both set")
        }
        if inTree {
            for (index, finalizer) in finalizers.enumerated()
            where !finalizer.contains("/") && !standardFinalizers.contains(finalizer) {
                errors.invalid(
                    "metadata.finalizers[\(index)]", .string(finalizer),
                    "name is neither a standard finalizer name nor is it fully qualified")
            }
        }
        return errors
    }

    /// `ValidateLabels`: every key a qualified name, every value a label value; errors name the map, not the key.
    static func validateLabels(_ labels: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        let map = labels?.stringMap ?? [:]
        for key in map.keys.sorted() {
            errors.invalid(path, key, messages: KubeNames.qualifiedNameProblems(key))
            if let value = map[key] { errors.invalid(path, value, messages: KubeNames.labelValueProblems(value)) }
        }
        return errors
    }

    /// `ValidateAnnotations`: keys are qualified names (ignoring case), 256 KiB in total.
    static func validateAnnotations(_ annotations: JSONValue?, path: String) -> ValidationErrors {
        var errors = ValidationErrors()
        let map = annotations?.stringMap ?? [:]
        var size = 0
        for key in map.keys.sorted() {
            errors.invalid(path, key, messages: KubeNames.qualifiedNameProblems(key.lowercased()))
            size += key.utf8.count + (map[key]?.utf8.count ?? 0)
        }
        if size > totalAnnotationSizeLimit {
            errors.tooLong(path, "may not be more than \(totalAnnotationSizeLimit) bytes")
        }
        return errors
    }

    static func validateOwnerReferences(_ references: JSONValue?) -> ValidationErrors {
        var errors = ValidationErrors()
        let path = "metadata.ownerReferences"
        var firstController = ""
        for reference in references?.arrayValue ?? [] {
            let apiVersion = reference["apiVersion"]?.stringValue ?? ""
            let kind = reference["kind"]?.stringValue ?? ""
            let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
            let version = parts.count <= 2 ? String(parts.last ?? "") : ""
            if version.isEmpty {
                errors.invalid("\(path).apiVersion", .string(apiVersion), "version must not be empty")
            }
            if kind.isEmpty { errors.invalid("\(path).kind", .string(kind), "kind must not be empty") }
            let name = reference["name"]?.stringValue ?? ""
            if name.isEmpty { errors.invalid("\(path).name", .string(name), "name must not be empty") }
            let uid = reference["uid"]?.stringValue ?? ""
            if uid.isEmpty { errors.invalid("\(path).uid", .string(uid), "uid must not be empty") }
            if apiVersion == "v1", kind == "Event" {
                errors.invalid(path, reference, "v1, Kind=Event is disallowed from being an owner")
            }
            if reference["controller"] == .bool(true) {
                let current = "\(kind)/\(name)"
                if firstController.isEmpty {
                    firstController = current
                } else {
                    errors.invalid(
                        path, references ?? .null,
                        "Only one reference can have Controller set to true. Found \"true\" in references for "
                            + "\(firstController) and \(current)")
                }
            }
        }
        return errors
    }

    /// `ValidateObjectMetaUpdate` beyond what the store keeps from the stored object: nothing is left but the
    /// rules of ``validate(_:inTree:)`` on the new state.
    static func validateUpdate(_ metadata: [String: JSONValue], inTree: Bool) -> ValidationErrors {
        validate(metadata, inTree: inTree)
    }
}

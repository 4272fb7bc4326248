/// Checks a tuning ConfigMap's `training_config.yaml` as Kaito's webhook does (spec section 2.5).
public enum TuningConfigValidator {
    /// The data key holding the training configuration.
    public static let dataKey = "training_config.yaml"
    /// Sections allowed under `training_config`.
    public static let sections: Set<String> = [
        "ModelConfig", "QuantizationConfig", "LoraConfig", "TrainingArguments", "DatasetConfig", "DataCollator",
    ]

    /// All problems with the ConfigMap, as Kaito words them (without the `Failed to evaluate validateConfigMap:` prefix).
    public static func validate(
        _ lookup: ConfigMapLookup, configMapName: String, namespace: String, method: TuningMethod
    ) -> [String] {
        let data: [String: String]
        switch lookup {
        case .notFound:
            return ["ConfigMap '\(configMapName)' specified in 'config' not found in namespace '\(namespace)'"]
        case .failed(let reason):
            return ["Failed to get ConfigMap '\(configMapName)' in namespace '\(namespace)': \(reason)"]
        case .found(let found):
            data = found
        }
        guard let text = data[dataKey] else {
            return ["missing field(s): training_config.yaml in ConfigMap"]
        }
        let root: JSONValue
        do {
            root = try ManifestReader.documents(from: text).first?.value ?? .null
        } catch {
            return ["invalid value: \(error): training_config.yaml"]
        }
        guard case .object(let sectionsByName)? = root["training_config"] else {
            return ["invalid value: Expected 'training_config' key to contain a map"]
        }
        var problems: [String] = []
        for name in sectionsByName.keys.sorted() where !sections.contains(name) {
            problems.append("invalid value: Unrecognized section: \(name)")
        }
        problems += methodProblems(sectionsByName["QuantizationConfig"], configMapName: configMapName, method: method)
        problems += outputDirectoryProblems(
            sectionsByName["TrainingArguments"], configMapName: configMapName, namespace: namespace)
        return problems
    }

    private static func methodProblems(_ quantization: JSONValue?, configMapName: String, method: TuningMethod) -> [String] {
        var problems: [String] = []
        var flags: [String: Bool] = [:]
        for key in ["load_in_4bit", "load_in_8bit"] {
            switch quantization?[key] {
            case nil, .null?: flags[key] = false
            case .bool(let flag)?: flags[key] = flag
            case let other?:
                problems.append("invalid value: value must be either nil or a boolean, got type \(goTypeName(other)): \(key)")
            }
        }
        let four = flags["load_in_4bit"] ?? false
        let eight = flags["load_in_8bit"] ?? false
        if four && eight {
            problems.append(
                "Cannot set both 'load_in_4bit' and 'load_in_8bit' to true in ConfigMap '\(configMapName)': QuantizationConfig")
        }
        switch method {
        case .lora where four || eight:
            problems.append(
                "For method 'lora', 'load_in_4bit' or 'load_in_8bit' in ConfigMap '\(configMapName)' must not be true")
        case .qlora where !four && !eight:
            problems.append(
                "missing field(s): For method 'qlora', either 'load_in_4bit' or 'load_in_8bit' must be true in "
                    + "ConfigMap '\(configMapName)', QuantizationConfig")
        default:
            break
        }
        return problems
    }

    private static func outputDirectoryProblems(
        _ arguments: JSONValue?, configMapName: String, namespace: String
    ) -> [String] {
        guard let value = arguments?["output_dir"], value != .null else { return [] }
        guard case .string(let directory) = value else {
            return ["invalid value: output_dir is not a string in ConfigMap '\(configMapName)' in namespace '\(namespace)'"]
        }
        let cleaned = cleanPath("/mnt/" + directory)
        // Kaito checks the "/mnt" prefix textually, so "/mntx" passed; a directory must be inside /mnt/.
        guard cleaned.hasPrefix("/mnt/") else {
            return ["invalid value: Invalid output_dir specified: '\(directory)', must be a directory"]
        }
        return []
    }

    /// Go's `path.Clean` for absolute paths.
    static func cleanPath(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func goTypeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool: "bool"
        case .integer: "int"
        case .double: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        }
    }
}

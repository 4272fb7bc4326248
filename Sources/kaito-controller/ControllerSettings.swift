import Foundation

/// A mistake in how the controller was started (flag, feature gate, kubeconfig): exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// A failure while running (cannot reach the cluster, lost leadership): exit status 1.
struct RuntimeFailure: Error, CustomStringConvertible {
    var description: String
}

/// A listen address as controller-runtime takes it: `:8080` (every interface), `127.0.0.1:0` (port 0 picks a
/// free one), `[::1]:8081`, or `0` to turn the server off.
struct BindAddress: Equatable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Parses an address; `nil` means disabled (`0`).
    /// - Throws: ``UsageError`` naming the flag when the address is malformed.
    static func parse(_ text: String, flag: String) throws -> BindAddress? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return nil }
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw UsageError(
                description: "\(flag) \"\(text)\" is not HOST:PORT; write :8080, 127.0.0.1:8080 or 0 to disable")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw UsageError(
                description: "\(flag) \"\(text)\": the port must be a number from 0 to 65535 (0 picks a free port)")
        }
        if host.isEmpty { host = "0.0.0.0" }
        return BindAddress(host: host, port: port)
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Kaito's feature gates (`--feature-gates=Karpenter=false`). The only known gate is `Karpenter`.
enum FeatureGates {
    /// The known gates and their defaults.
    static let known: [String: Bool] = ["Karpenter": false]

    /// Parses `NAME=BOOL[,NAME=BOOL…]`, as Kaito's `ParseFeatureGates` does.
    /// - Throws: ``UsageError``: `invalid feature gate(s) A, B` for unknown gates, or a malformed pair.
    static func parse(_ text: String) throws -> [String: Bool] {
        var gates = known
        var unknown: [String] = []
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !name.isEmpty, let value = parseBool(parts[1].trimmingCharacters(in: .whitespaces))
            else {
                throw UsageError(
                    description: "--feature-gates: \"\(pair)\" is not NAME=true or NAME=false "
                        + "(for example --feature-gates=Karpenter=false)")
            }
            if known[name] == nil {
                if !unknown.contains(name) { unknown.append(name) }
            } else {
                gates[name] = value
            }
        }
        if !unknown.isEmpty {
            throw UsageError(
                description: "invalid feature gate(s) \(unknown.joined(separator: ", ")) "
                    + "(known gates: \(known.keys.sorted().joined(separator: ", ")))")
        }
        return gates
    }

    /// Go's `strconv.ParseBool`.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }
}

/// Where the process runs: environment variables and the service account folder, injectable for tests.
struct ProcessEnvironment {
    var variables: [String: String]
    var serviceAccountNamespaceFile: String

    static var current: ProcessEnvironment {
        ProcessEnvironment(
            variables: ProcessInfo.processInfo.environment,
            serviceAccountNamespaceFile: "/var/run/secrets/kubernetes.io/serviceaccount/namespace")
    }

    /// A variable, when set and not empty.
    func value(_ name: String) -> String? {
        guard let value = variables[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The namespace the controller was deployed to: `SYSTEM_NAMESPACE`, `RELEASE_NAMESPACE`, the service
    /// account's namespace file, else `kaito-system`.
    var systemNamespace: String {
        if let namespace = value("SYSTEM_NAMESPACE") ?? value("RELEASE_NAMESPACE") { return namespace }
        if let text = try? String(contentsOfFile: serviceAccountNamespaceFile, encoding: .utf8) {
            let namespace = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !namespace.isEmpty { return namespace }
        }
        return "kaito-system"
    }
}

/// Rewrites Go-style boolean flags (`--leader-elect=true`, `--webhook=false`) into the forms the parser takes
/// (`--leader-elect`, `--no-webhook`), so the arguments of Kaito's chart keep working.
func normalizeBooleanFlags(_ arguments: [String], flags: Set<String>) -> [String] {
    arguments.map { argument in
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return argument }
        let name = String(argument[argument.index(argument.startIndex, offsetBy: 2)..<equals])
        guard flags.contains(name),
            let value = FeatureGates.parseBool(String(argument[argument.index(after: equals)...]))
        else { return argument }
        return value ? "--\(name)" : "--no-\(name)"
    }
}

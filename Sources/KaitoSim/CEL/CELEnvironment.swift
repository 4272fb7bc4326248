import Foundation

/// One overload of a function: its signature and its implementation.
struct CELOverload: Sendable {
    var id: String
    /// Receiver-style (`s.size()`); the receiver is the first parameter.
    var isMember: Bool
    var params: [CELType]
    var result: CELType
    /// Names of the type parameters (`A`, `B`) used in `params` and `result`.
    var typeParameters: [String]
    var implementation: @Sendable ([CELValue]) throws -> CELValue

    /// Whether runtime values fit the parameter kinds.
    func accepts(_ values: [CELValue]) -> Bool {
        guard values.count == params.count else { return false }
        return zip(params, values).allSatisfy { Self.fits($0, $1) }
    }

    static func fits(_ type: CELType, _ value: CELValue) -> Bool {
        switch (type, value) {
        case (.dyn, _), (.param, _), (.error, _): return true
        case (.int, .int), (.uint, .uint), (.double, .double), (.bool, .bool), (.string, .string),
            (.bytes, .bytes), (.null, .null), (.duration, .duration), (.timestamp, .timestamp), (.list, .list),
            (.map, .map), (.type, .type), (.optional, .optional):
            return true
        case (.map, .object): return true
        case (.object(let declared), .object(let object)): return declared.name == object.type.name
        case (.opaque(let name), .opaque(let box)): return box.value.celType == .opaque(name)
        default: return false
        }
    }
}

/// The declarations an expression is checked and evaluated against: variables and functions.
struct CELEnvironment: Sendable {
    var variables: [String: CELType] = [:]
    var functions: [String: [CELOverload]] = [:]
    /// Type names beyond CEL's own (`net.IP`).
    var typeIdentifiers: [String: CELType] = [:]

    /// Kubernetes' base environment of v1.30 (cel-go's standard library, `ext` strings v2 and sets, optional
    /// types, and the Kubernetes lists, regex, URL, quantity, IP and CIDR libraries), without variables.
    static let kubernetesBase: CELEnvironment = {
        var builder = CELLibraryBuilder()
        builder.addStandardLibrary()
        builder.addStringsExtension()
        builder.addSetsExtension()
        builder.addOptionalLibrary()
        builder.addKubernetesLists()
        builder.addKubernetesRegex()
        builder.addKubernetesURLs()
        builder.addKubernetesQuantity()
        builder.addKubernetesIP()
        builder.addKubernetesCIDR()
        return CELEnvironment(functions: builder.functions, typeIdentifiers: builder.typeIdentifiers)
    }()

    /// The environment with these variables declared.
    func declaring(_ variables: [String: CELType]) -> CELEnvironment {
        var copy = self
        copy.variables.merge(variables) { _, new in new }
        return copy
    }

    /// Parses and checks an expression.
    /// - Throws: ``CELIssues`` for syntax and type errors.
    func compile(_ text: String) throws(CELIssues) -> CELChecked {
        let parsed = try CELParser.parse(text)
        var checked = try CELChecker.check(parsed, environment: self)
        try CELLiteralValidator.validate(&checked)
        return checked
    }
}

/// Collects overload declarations.
struct CELLibraryBuilder {
    var functions: [String: [CELOverload]] = [:]
    var typeIdentifiers: [String: CELType] = [:]

    mutating func global(
        _ name: String, _ id: String, _ params: [CELType], _ result: CELType, typeParameters: [String] = [],
        _ implementation: @escaping @Sendable ([CELValue]) throws -> CELValue
    ) {
        functions[name, default: []].append(
            CELOverload(
                id: id, isMember: false, params: params, result: result, typeParameters: typeParameters,
                implementation: implementation))
    }

    mutating func member(
        _ name: String, _ id: String, _ params: [CELType], _ result: CELType, typeParameters: [String] = [],
        _ implementation: @escaping @Sendable ([CELValue]) throws -> CELValue
    ) {
        functions[name, default: []].append(
            CELOverload(
                id: id, isMember: true, params: params, result: result, typeParameters: typeParameters,
                implementation: implementation))
    }

    /// A function declared both as `f(x)` and `x.f()`.
    mutating func both(
        _ name: String, _ id: String, _ params: [CELType], _ result: CELType, typeParameters: [String] = [],
        _ implementation: @escaping @Sendable ([CELValue]) throws -> CELValue
    ) {
        global(name, id, params, result, typeParameters: typeParameters, implementation)
        member(name, id + "_member", params, result, typeParameters: typeParameters, implementation)
    }
}

/// Compile-time checks of literal arguments, as Kubernetes' 1.29 AST validators make them: regular expressions
/// of `matches`, and `duration()`/`timestamp()` of string literals.
enum CELLiteralValidator {
    static func validate(_ checked: inout CELChecked) throws(CELIssues) {
        var issues: [CELIssue] = []
        func visit(_ expr: CELExpr) {
            switch expr.kind {
            case .call(let function, let target, let args):
                if let target { visit(target) }
                args.forEach(visit)
                let literalArg: (CELExpr, String)? = {
                    if function == "matches", let pattern = args.last, case .literal(.string(let text)) = pattern.kind {
                        return (pattern, text)
                    }
                    if function == "duration" || function == "timestamp", target == nil, args.count == 1,
                        case .literal(.string(let text)) = args[0].kind
                    {
                        return (args[0], text)
                    }
                    return nil
                }()
                guard let (argument, text) = literalArg else { return }
                let offset = checked.parsed.offsets[argument.id] ?? 0
                switch function {
                case "matches":
                    if (try? CELRegex.compile(text)) == nil {
                        issues.append(CELIssue(offset: offset, message: "invalid matches argument"))
                    }
                case "duration":
                    if (try? CELTime.parseDuration(text)) == nil {
                        issues.append(CELIssue(offset: offset, message: "invalid duration argument"))
                    }
                default:
                    if (try? CELTime.parseTimestamp(text)) == nil {
                        issues.append(CELIssue(offset: offset, message: "invalid timestamp argument"))
                    }
                }
            case .select(let operand, _, _):
                visit(operand)
            case .list(let elements, _):
                elements.forEach(visit)
            case .map(let entries):
                for entry in entries {
                    visit(entry.key)
                    visit(entry.value)
                }
            case .message(_, let fields):
                for (_, value) in fields { visit(value) }
            case .comprehension(let comprehension):
                [
                    comprehension.iterRange, comprehension.accuInit, comprehension.loopCondition,
                    comprehension.loopStep, comprehension.result,
                ].forEach(visit)
            case .literal, .ident:
                break
            }
        }
        visit(checked.parsed.root)
        if !issues.isEmpty { throw CELIssues(source: checked.parsed.source, issues: issues) }
    }
}

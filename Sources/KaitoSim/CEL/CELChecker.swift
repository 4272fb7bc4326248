import Foundation

/// A type-checked expression: the parse, the type of every node, and the variables it references.
struct CELChecked: Sendable {
    var parsed: CELParsed
    var types: [Int: CELType]
    var outputType: CELType
    /// Declared variables the expression references (`self`, `oldSelf`).
    var referencedVariables: Set<String>
    /// Global function names resolved from qualified names (`optional.of`) by node id.
    var resolvedFunctions: [Int: String]
}

/// cel-go's type checker, for the declarations of a ``CELEnvironment``.
struct CELChecker {
    private let environment: CELEnvironment
    private let parsed: CELParsed
    private var types: [Int: CELType] = [:]
    private var mappings: [String: CELType] = [:]
    private var issues: [CELIssue] = []
    private var scopes: [[String: CELType]] = []
    private var freshCounter = 0
    private var referenced: Set<String> = []
    private var resolved: [Int: String] = [:]
    /// List literals exempt from the homogeneity rule (arguments of `format`).
    private var heterogeneousLists: Set<Int> = []

    /// Checks a parsed expression.
    /// - Throws: ``CELIssues`` with every type error.
    static func check(_ parsed: CELParsed, environment: CELEnvironment) throws(CELIssues) -> CELChecked {
        var checker = CELChecker(environment: environment, parsed: parsed)
        checker.visit(parsed.root)
        if !checker.issues.isEmpty { throw CELIssues(source: parsed.source, issues: checker.issues) }
        var finalTypes: [Int: CELType] = [:]
        for (id, type) in checker.types { finalTypes[id] = checker.substitute(type, paramsToDyn: true) }
        let output = finalTypes[parsed.root.id] ?? .dyn
        return CELChecked(
            parsed: parsed, types: finalTypes, outputType: output, referencedVariables: checker.referenced,
            resolvedFunctions: checker.resolved)
    }

    private init(environment: CELEnvironment, parsed: CELParsed) {
        self.environment = environment
        self.parsed = parsed
    }

    // MARK: - Helpers

    private func offset(_ expr: CELExpr) -> Int { parsed.offsets[expr.id] ?? 0 }

    private mutating func report(_ expr: CELExpr, _ message: String) {
        issues.append(CELIssue(offset: offset(expr), message: message))
    }

    private mutating func set(_ expr: CELExpr, _ type: CELType) {
        types[expr.id] = type
    }

    private func type(of expr: CELExpr) -> CELType {
        substitute(types[expr.id] ?? .dyn, paramsToDyn: false)
    }

    private mutating func freshParam() -> CELType {
        freshCounter += 1
        return .param("_var\(freshCounter - 1)")
    }

    func substitute(_ type: CELType, paramsToDyn: Bool) -> CELType {
        switch type {
        case .param(let name):
            if let bound = mappings[name] { return substitute(bound, paramsToDyn: paramsToDyn) }
            return paramsToDyn ? .dyn : type
        case .list(let element): return .list(substitute(element, paramsToDyn: paramsToDyn))
        case .map(let key, let value):
            return .map(substitute(key, paramsToDyn: paramsToDyn), substitute(value, paramsToDyn: paramsToDyn))
        case .type(let inner): return .type(substitute(inner, paramsToDyn: paramsToDyn))
        case .optional(let inner): return .optional(substitute(inner, paramsToDyn: paramsToDyn))
        default: return type
        }
    }

    private static func occurs(_ name: String, in type: CELType, mappings: [String: CELType]) -> Bool {
        switch type {
        case .param(let other):
            if other == name { return true }
            if let bound = mappings[other] { return occurs(name, in: bound, mappings: mappings) }
            return false
        case .list(let element): return occurs(name, in: element, mappings: mappings)
        case .map(let key, let value):
            return occurs(name, in: key, mappings: mappings) || occurs(name, in: value, mappings: mappings)
        case .type(let inner), .optional(let inner): return occurs(name, in: inner, mappings: mappings)
        default: return false
        }
    }

    /// Whether a value of type `actual` can be passed where `expected` is declared, binding type parameters.
    static func isAssignable(_ expected: CELType, _ actual: CELType, mappings: inout [String: CELType]) -> Bool {
        var expected = expected
        var actual = actual
        while case .param(let name) = expected, let bound = mappings[name] { expected = bound }
        while case .param(let name) = actual, let bound = mappings[name] { actual = bound }
        if expected == actual { return true }
        switch (expected, actual) {
        case (.param(let name), _):
            if occurs(name, in: actual, mappings: mappings) { return false }
            mappings[name] = actual
            return true
        case (_, .param(let name)):
            if occurs(name, in: expected, mappings: mappings) { return false }
            mappings[name] = expected
            return true
        case (.dyn, _), (_, .dyn), (.error, _), (_, .error):
            return true
        case (.list(let a), .list(let b)), (.optional(let a), .optional(let b)):
            return isAssignable(a, b, mappings: &mappings)
        case (.map(let k1, let v1), .map(let k2, let v2)):
            return isAssignable(k1, k2, mappings: &mappings) && isAssignable(v1, v2, mappings: &mappings)
        case (.type, .type):
            return true
        case (.object, .null), (.null, .object), (.opaque, .null), (.null, .opaque), (.optional, .null),
            (.null, .optional):
            return true
        default:
            return false
        }
    }

    private func lookupVariable(_ name: String) -> CELType? {
        for scope in scopes.reversed() {
            if let type = scope[name] { return type }
        }
        return nil
    }

    /// The dotted name of an ident/select chain (`a.b.c`), if the expression is one.
    private static func qualifiedName(_ expr: CELExpr) -> String? {
        switch expr.kind {
        case .ident(let name): return name
        case .select(let operand, let field, false):
            return qualifiedName(operand).map { "\($0).\(field)" }
        default: return nil
        }
    }

    // MARK: - Visiting

    private mutating func visit(_ expr: CELExpr) {
        switch expr.kind {
        case .literal(let value):
            set(expr, value.celType)
        case .ident(let name):
            visitIdent(expr, name: name)
        case .select(let operand, let field, let testOnly):
            visitSelect(expr, operand: operand, field: field, testOnly: testOnly)
        case .call(let function, let target, let args):
            visitCall(expr, function: function, target: target, args: args)
        case .list(let elements, let optionalIndices):
            var elementType: CELType?
            for (index, element) in elements.enumerated() {
                visit(element)
                var current = type(of: element)
                if optionalIndices.contains(index) {
                    if case .optional(let inner) = current {
                        current = inner
                    } else if !current.isDynOrError {
                        report(element, "expected type '\(CELType.optional(.dyn))' but found '\(current)'")
                    }
                }
                if heterogeneousLists.contains(expr.id) {
                    elementType = elementType.map { $0 == current ? $0 : .dyn } ?? current
                } else {
                    elementType = join(elementType, current, at: element)
                }
            }
            set(expr, .list(elementType ?? freshParam()))
        case .map(let entries):
            var keyType: CELType?
            var valueType: CELType?
            for entry in entries {
                visit(entry.key)
                visit(entry.value)
                keyType = join(keyType, type(of: entry.key), at: entry.key)
                var current = type(of: entry.value)
                if entry.optional, case .optional(let inner) = current { current = inner }
                valueType = join(valueType, current, at: entry.value)
            }
            set(expr, .map(keyType ?? freshParam(), valueType ?? freshParam()))
        case .message(let name, let fields):
            for (_, value) in fields { visit(value) }
            report(expr, "undeclared reference to '\(name)' (in container '')")
            set(expr, .error)
        case .comprehension(let comprehension):
            visitComprehension(expr, comprehension)
        }
    }

    private mutating func join(_ previous: CELType?, _ current: CELType, at expr: CELExpr) -> CELType {
        guard let previous else { return current }
        if previous.isDynOrError || current.isDynOrError { return .dyn }
        var trial = mappings
        if Self.isAssignable(previous, current, mappings: &trial) {
            mappings = trial
            return previous
        }
        report(expr, "expected type '\(substitute(previous, paramsToDyn: false))' but found '\(current)'")
        return previous
    }

    private mutating func visitIdent(_ expr: CELExpr, name: String) {
        if let type = lookupVariable(name) {
            set(expr, type)
            return
        }
        if let type = environment.variables[name] {
            referenced.insert(name)
            set(expr, type)
            return
        }
        if let type = celTypeIdentifiers[name] ?? environment.typeIdentifiers[name] {
            set(expr, .type(type))
            return
        }
        report(expr, "undeclared reference to '\(name)' (in container '')")
        set(expr, .error)
    }

    private mutating func visitSelect(_ expr: CELExpr, operand: CELExpr, field: String, testOnly: Bool) {
        if !testOnly, let qualified = Self.qualifiedName(expr), let root = qualified.split(separator: ".").first,
            lookupVariable(String(root)) == nil, environment.variables[String(root)] == nil
        {
            if let type = environment.variables[qualified] {
                referenced.insert(qualified)
                set(expr, type)
                return
            }
            if let type = celTypeIdentifiers[qualified] ?? environment.typeIdentifiers[qualified] {
                set(expr, .type(type))
                return
            }
        }
        visit(operand)
        let operandType = type(of: operand)
        var result: CELType
        switch operandType {
        case .object(let object):
            if let fieldType = object.fields[field] {
                result = fieldType
            } else {
                report(expr, "undefined field '\(field)'")
                result = .error
            }
        case .map(_, let value):
            result = value
        case .dyn, .error, .param:
            result = .dyn
        case .optional(let inner):
            switch inner {
            case .object(let object):
                if let fieldType = object.fields[field] {
                    result = .optional(fieldType)
                } else {
                    report(expr, "undefined field '\(field)'")
                    result = .error
                }
            case .map(_, let value): result = .optional(value)
            default: result = .optional(.dyn)
            }
        default:
            report(expr, "type '\(operandType)' does not support field selection")
            result = .error
        }
        set(expr, testOnly ? .bool : result)
    }

    private mutating func visitComprehension(_ expr: CELExpr, _ comprehension: CELExpr.Comprehension) {
        visit(comprehension.iterRange)
        let rangeType = type(of: comprehension.iterRange)
        let variableType: CELType
        switch rangeType {
        case .list(let element): variableType = element
        case .map(let key, _): variableType = key
        case .dyn, .error, .param: variableType = .dyn
        default:
            report(
                comprehension.iterRange,
                "expression of type '\(rangeType)' cannot be range of a comprehension (must be list, map, or dynamic)")
            variableType = .dyn
        }
        visit(comprehension.accuInit)
        let accuType = type(of: comprehension.accuInit)
        scopes.append([comprehension.accuVar: accuType])
        scopes.append([comprehension.iterVar: variableType])
        visit(comprehension.loopCondition)
        assertType(comprehension.loopCondition, .bool)
        visit(comprehension.loopStep)
        var trial = mappings
        if Self.isAssignable(accuType, type(of: comprehension.loopStep), mappings: &trial) {
            mappings = trial
        } else {
            report(
                comprehension.loopStep,
                "expected type '\(substitute(accuType, paramsToDyn: false))' but found"
                    + " '\(type(of: comprehension.loopStep))'"
            )
        }
        scopes.removeLast()
        visit(comprehension.result)
        scopes.removeLast()
        set(expr, type(of: comprehension.result))
    }

    private mutating func assertType(_ expr: CELExpr, _ expected: CELType) {
        var trial = mappings
        if Self.isAssignable(expected, type(of: expr), mappings: &trial) {
            mappings = trial
        } else {
            report(expr, "expected type '\(expected)' but found '\(type(of: expr))'")
        }
    }

    private mutating func visitCall(_ expr: CELExpr, function: String, target: CELExpr?, args: [CELExpr]) {
        if function == CELOperator.optionalSelect, target == nil, args.count == 2,
            case .literal(.string(let field)) = args[1].kind
        {
            visit(args[0])
            set(args[1], .string)
            var operandType = type(of: args[0])
            if case .optional(let inner) = operandType { operandType = inner }
            switch operandType {
            case .object(let object):
                if let fieldType = object.fields[field] {
                    set(expr, .optional(fieldType))
                } else {
                    report(expr, "undefined field '\(field)'")
                    set(expr, .error)
                }
            case .map(_, let value): set(expr, .optional(value))
            case .dyn, .error, .param: set(expr, .optional(.dyn))
            default:
                report(expr, "type '\(operandType)' does not support field selection")
                set(expr, .error)
            }
            return
        }
        // A receiver that names a namespace makes a qualified global call (`optional.of(x)`, `sets.contains`).
        if let target, let qualified = Self.qualifiedName(target),
            let root = qualified.split(separator: ".").first, lookupVariable(String(root)) == nil,
            environment.variables[String(root)] == nil, environment.functions["\(qualified).\(function)"] != nil
        {
            let name = "\(qualified).\(function)"
            resolved[expr.id] = name
            resolveCall(expr, name: name, receiver: nil, args: args)
            return
        }
        resolveCall(expr, name: function, receiver: target, args: args)
    }

    private mutating func resolveCall(_ expr: CELExpr, name: String, receiver: CELExpr?, args: [CELExpr]) {
        if let receiver { visit(receiver) }
        if name == "format", receiver != nil, let first = args.first, case .list = first.kind {
            heterogeneousLists.insert(first.id)
        }
        for arg in args { visit(arg) }
        guard let overloads = environment.functions[name] else {
            report(expr, "undeclared reference to '\(name)' (in container '')")
            set(expr, .error)
            return
        }
        var argTypes = args.map { type(of: $0) }
        if let receiver { argTypes.insert(type(of: receiver), at: 0) }
        let isMember = receiver != nil
        var resultType: CELType?
        for overload in overloads where overload.isMember == isMember && overload.params.count == argTypes.count {
            var renames: [String: CELType] = [:]
            for parameter in overload.typeParameters { renames[parameter] = freshParam() }
            let params = overload.params.map { Self.rename($0, renames) }
            var trial = mappings
            let matches = zip(params, argTypes).allSatisfy { Self.isAssignable($0, $1, mappings: &trial) }
            guard matches else { continue }
            mappings = trial
            let result = substitute(Self.rename(overload.result, renames), paramsToDyn: false)
            if let current = resultType {
                if current != .dyn, current != result { resultType = .dyn }
            } else {
                resultType = result
            }
        }
        guard let resultType else {
            let shown = argTypes.map { substitute($0, paramsToDyn: false) }
            let signature: String
            if isMember, let first = shown.first {
                signature = "\(first).(" + shown.dropFirst().map(\.description).joined(separator: ", ") + ")"
            } else {
                signature = "(" + shown.map(\.description).joined(separator: ", ") + ")"
            }
            report(expr, "found no matching overload for '\(name)' applied to '\(signature)'")
            set(expr, .error)
            return
        }
        set(expr, resultType)
    }

    private static func rename(_ type: CELType, _ renames: [String: CELType]) -> CELType {
        switch type {
        case .param(let name): return renames[name] ?? type
        case .list(let element): return .list(rename(element, renames))
        case .map(let key, let value): return .map(rename(key, renames), rename(value, renames))
        case .type(let inner): return .type(rename(inner, renames))
        case .optional(let inner): return .optional(rename(inner, renames))
        default: return type
        }
    }
}

import Foundation

/// A compiled expression ready to evaluate.
struct CELProgram: Sendable {
    let checked: CELChecked
    let environment: CELEnvironment

    /// Compiles an expression in an environment.
    /// - Throws: ``CELIssues``.
    init(_ text: String, environment: CELEnvironment) throws(CELIssues) {
        checked = try environment.compile(text)
        self.environment = environment
    }

    init(checked: CELChecked, environment: CELEnvironment) {
        self.checked = checked
        self.environment = environment
    }

    /// Evaluates the expression with values for the declared variables.
    /// - Parameter costLimit: the runtime cost after which evaluation stops with
    ///   `operation cancelled: actual cost limit exceeded`.
    /// - Returns: the value and the runtime cost spent.
    /// - Throws: ``CELRuntimeError``.
    func evaluate(_ activation: [String: CELValue], costLimit: UInt64? = nil) throws -> (value: CELValue, cost: UInt64)
    {
        let interpreter = CELInterpreter(program: self, activation: activation, costLimit: costLimit)
        let value = try interpreter.eval(checked.parsed.root)
        return (value, interpreter.cost)
    }
}

/// A tree-walking evaluator with cel-go's semantics: commutative `&&`/`||` over errors, strict calls, and
/// runtime cost tracking.
final class CELInterpreter {
    private let program: CELProgram
    private let activation: [String: CELValue]
    private let costLimit: UInt64?
    private var scopes: [[String: CELValue]] = []
    private(set) var cost: UInt64 = 0

    init(program: CELProgram, activation: [String: CELValue], costLimit: UInt64?) {
        self.program = program
        self.activation = activation
        self.costLimit = costLimit
    }

    private func charge(_ amount: UInt64) throws {
        cost &+= amount
        if let costLimit, cost > costLimit { throw CELRuntimeError("operation cancelled: actual cost limit exceeded") }
    }

    private func lookup(_ name: String) -> CELValue? {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return activation[name]
    }

    func eval(_ expr: CELExpr) throws -> CELValue {
        switch expr.kind {
        case .literal(let value):
            return value
        case .ident(let name):
            try charge(1)
            if let value = lookup(name) { return value }
            if case .type(let type)? = program.checked.types[expr.id] { return .type(type.runtimeType) }
            throw CELRuntimeError("no such attribute: \(name)")
        case .select(let operand, let field, let testOnly):
            if !testOnly, case .type(let type)? = program.checked.types[expr.id], Self.isTypeName(operand) {
                return .type(type.runtimeType)
            }
            if !testOnly, let qualified = Self.qualifiedName(expr), lookupRoot(expr) == nil,
                let value = activation[qualified]
            {
                return value
            }
            let value = try eval(operand)
            if testOnly { return try presence(value, field) }
            try charge(1)
            return try select(value, field)
        case .call(let function, let target, let args):
            return try call(expr, function: function, target: target, args: args)
        case .list(let elements, let optionalIndices):
            try charge(10)
            var values: [CELValue] = []
            for (index, element) in elements.enumerated() {
                let value = try eval(element)
                if optionalIndices.contains(index) {
                    guard case .optional(let wrapped) = value else { throw CELRuntimeError.noSuchOverload }
                    if let wrapped { values.append(wrapped) }
                } else {
                    values.append(value)
                }
            }
            return .list(values)
        case .map(let entries):
            try charge(30)
            var map = CELMap()
            for entry in entries {
                let key = try eval(entry.key)
                var value = try eval(entry.value)
                if entry.optional {
                    guard case .optional(let wrapped) = value else { throw CELRuntimeError.noSuchOverload }
                    guard let wrapped else { continue }
                    value = wrapped
                }
                if map.contains(key) { throw CELRuntimeError("Failed with repeated key") }
                guard map.set(key, value) else { throw CELRuntimeError("unsupported key type") }
            }
            return .map(map)
        case .message(let name, _):
            throw CELRuntimeError("unknown type: \(name)")
        case .comprehension(let comprehension):
            return try fold(comprehension)
        }
    }

    private func lookupRoot(_ expr: CELExpr) -> CELValue? {
        var current = expr
        while case .select(let operand, _, _) = current.kind { current = operand }
        if case .ident(let name) = current.kind { return lookup(name) }
        return nil
    }

    private static func isTypeName(_ expr: CELExpr) -> Bool {
        switch expr.kind {
        case .ident: true
        case .select(let operand, _, false): isTypeName(operand)
        default: false
        }
    }

    private static func qualifiedName(_ expr: CELExpr) -> String? {
        switch expr.kind {
        case .ident(let name): name
        case .select(let operand, let field, false): qualifiedName(operand).map { "\($0).\(field)" }
        default: nil
        }
    }

    private func presence(_ value: CELValue, _ field: String) throws -> CELValue {
        switch value {
        case .object(let object): return .bool(object.fields[field] != nil)
        case .map(let map): return .bool(map.contains(.string(field)))
        case .optional(let wrapped):
            guard let wrapped else { return .bool(false) }
            return try presence(wrapped, field)
        default: throw CELRuntimeError("invalid type for field selection.")
        }
    }

    private func select(_ value: CELValue, _ field: String) throws -> CELValue {
        switch value {
        case .object(let object):
            guard let member = object.fields[field] else { throw CELRuntimeError("no such key: \(field)") }
            return member
        case .map(let map):
            guard let member = map[.string(field)] else { throw CELRuntimeError("no such key: \(field)") }
            return member
        case .optional(let wrapped):
            guard let wrapped else { return .optional(nil) }
            return .optional(optionalMember(wrapped, field))
        default:
            throw CELRuntimeError("no such overload")
        }
    }

    private func optionalMember(_ value: CELValue, _ field: String) -> CELValue? {
        switch value {
        case .object(let object): object.fields[field]
        case .map(let map): map[.string(field)]
        default: nil
        }
    }

    private func fold(_ comprehension: CELExpr.Comprehension) throws -> CELValue {
        let range = try eval(comprehension.iterRange)
        let items: [CELValue]
        switch range {
        case .list(let list): items = list.elements
        case .map(let map): items = map.keys
        case .object(let object): items = object.fields.keys.sorted().map(CELValue.string)
        default: throw CELRuntimeError.noSuchOverload
        }
        var accumulator = try eval(comprehension.accuInit)
        for item in items {
            try charge(1)
            scopes.append([comprehension.accuVar: accumulator, comprehension.iterVar: item])
            defer { scopes.removeLast() }
            let proceed = try eval(comprehension.loopCondition)
            if case .bool(false) = proceed { break }
            accumulator = try eval(comprehension.loopStep)
        }
        scopes.append([comprehension.accuVar: accumulator])
        defer { scopes.removeLast() }
        return try eval(comprehension.result)
    }

    private func evalCatching(_ expr: CELExpr) -> Result<CELValue, any Error> {
        do {
            return .success(try eval(expr))
        } catch {
            return .failure(error)
        }
    }

    private func logical(_ args: [CELExpr], isAnd: Bool) throws -> CELValue {
        let decisive = !isAnd
        let left = evalCatching(args[0])
        if case .success(.bool(let value)) = left, value == decisive { return .bool(decisive) }
        let right = evalCatching(args[1])
        if case .success(.bool(let value)) = right, value == decisive { return .bool(decisive) }
        switch (left, right) {
        case (.success(.bool), .success(.bool)): return .bool(!decisive)
        case (.failure(let error), _): throw error
        case (_, .failure(let error)): throw error
        default: throw CELRuntimeError.noSuchOverload
        }
    }

    private func call(_ expr: CELExpr, function: String, target: CELExpr?, args: [CELExpr]) throws -> CELValue {
        switch function {
        case CELOperator.logicalAnd where target == nil:
            return try logical(args, isAnd: true)
        case CELOperator.logicalOr where target == nil:
            return try logical(args, isAnd: false)
        case CELOperator.conditional where target == nil:
            guard case .bool(let condition) = try eval(args[0]) else { throw CELRuntimeError.noSuchOverload }
            return try eval(condition ? args[1] : args[2])
        case CELOperator.notStrictlyFalse where target == nil:
            if case .success(.bool(false)) = evalCatching(args[0]) { return .bool(false) }
            return .bool(true)
        case CELOperator.optionalSelect where target == nil:
            let operand = try eval(args[0])
            guard case .literal(.string(let field)) = args[1].kind else { throw CELRuntimeError.noSuchOverload }
            switch operand {
            case .optional(let wrapped):
                guard let wrapped else { return .optional(nil) }
                return .optional(optionalMember(wrapped, field))
            case .object, .map:
                return .optional(optionalMember(operand, field))
            default:
                throw CELRuntimeError.noSuchOverload
            }
        case CELOperator.optionalIndex where target == nil:
            var container = try eval(args[0])
            let key = try eval(args[1])
            if case .optional(let wrapped) = container {
                guard let wrapped else { return .optional(nil) }
                container = wrapped
            }
            switch container {
            case .list(let list):
                guard case .int(let index) = key else { throw CELRuntimeError.noSuchOverload }
                return .optional(index >= 0 && index < list.elements.count ? list.elements[Int(index)] : nil)
            case .map(let map): return .optional(map[key])
            case .object(let object):
                guard case .string(let name) = key else { throw CELRuntimeError.noSuchOverload }
                return .optional(object.fields[name])
            default: throw CELRuntimeError.noSuchOverload
            }
        default:
            break
        }
        let name = program.checked.resolvedFunctions[expr.id] ?? function
        let isMember = program.checked.resolvedFunctions[expr.id] == nil && target != nil
        var values: [CELValue] = []
        if isMember, let target { values.append(try eval(target)) }
        for arg in args { values.append(try eval(arg)) }
        guard let overloads = program.environment.functions[name] else {
            throw CELRuntimeError("no such overload")
        }
        guard let overload = overloads.first(where: { $0.isMember == isMember && $0.accepts(values) }) else {
            throw CELRuntimeError("no such overload")
        }
        try charge(CELRuntimeCost.callCost(name, values))
        return try overload.implementation(values)
    }
}

/// Runtime cost of calls, after cel-go's interpreter and Kubernetes' library cost tracker.
enum CELRuntimeCost {
    static func size(_ value: CELValue) -> Double {
        switch value {
        case .string(let text): Double(text.utf8.count)
        case .bytes(let bytes): Double(bytes.count)
        case .list(let list): Double(list.elements.count)
        case .map(let map): Double(map.count)
        case .object(let object): Double(object.fields.count)
        default: 1
        }
    }

    static func callCost(_ name: String, _ values: [CELValue]) -> UInt64 {
        let traversal = 0.1
        switch name {
        case "contains", "startsWith", "endsWith", "matches", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_",
            "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "trim", "replace", "split", "substring", "charAt":
            let total = values.map(size).reduce(0, +)
            return UInt64((total * traversal).rounded(.up)) + 1
        case "_+_":
            if case .string = values.first ?? .null {
                return UInt64((values.map(size).reduce(0, +) * traversal).rounded(.up)) + 1
            }
            if case .list = values.first ?? .null { return UInt64(values.map(size).reduce(0, +)) + 1 }
            return 1
        case "@in":
            if values.count == 2, case .list(let list) = values[1] { return UInt64(list.elements.count) + 1 }
            return 1
        case "isSorted", "sum", "min", "max", "join", "sets.contains", "sets.equivalent", "sets.intersects",
            "findAll", "find", "format", "quote":
            return UInt64(values.map(size).reduce(0, +)) + 1
        default:
            return 1
        }
    }
}

import Foundation

/// A range of costs or sizes, saturating at `UInt64.max`.
struct CELEstimate: Sendable, Hashable {
    var min: UInt64
    var max: UInt64

    static let zero = CELEstimate(min: 0, max: 0)
    static let one = CELEstimate(min: 1, max: 1)

    static func + (lhs: CELEstimate, rhs: CELEstimate) -> CELEstimate {
        CELEstimate(min: saturatingAdd(lhs.min, rhs.min), max: saturatingAdd(lhs.max, rhs.max))
    }

    static func * (lhs: CELEstimate, rhs: CELEstimate) -> CELEstimate {
        CELEstimate(min: saturatingMultiply(lhs.min, rhs.min), max: saturatingMultiply(lhs.max, rhs.max))
    }

    /// `multiplyByCostFactor`: each bound times a factor, rounded up.
    func scaled(by factor: Double) -> CELEstimate {
        func scale(_ value: UInt64) -> UInt64 {
            let product = (Double(value) * factor).rounded(.up)
            return product >= Double(UInt64.max) ? .max : UInt64(product)
        }
        return CELEstimate(min: scale(min), max: scale(max))
    }

    func union(_ other: CELEstimate) -> CELEstimate {
        CELEstimate(min: Swift.min(min, other.min), max: Swift.max(max, other.max))
    }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    static func saturatingMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }
}

/// Worst-case cost estimation after cel-go's `checker/cost.go` (with Kubernetes' `PresenceTestHasCost(false)`)
/// and the Kubernetes library cost estimator; sizes of `self` come from its ``CELDeclType``.
struct CELCostEstimator {
    /// `common.StringTraversalCostFactor`.
    static let stringTraversal = 0.1
    /// `common.RegexStringLengthCostFactor`.
    static let regexLength = 0.25
    /// `DefaultMaxRequestSizeBytes`, the size of values with no declared bound.
    static let unboundedSize: UInt64 = 3 * 1024 * 1024

    let selfType: CELDeclType

    init(selfType: CELDeclType) {
        self.selfType = selfType
    }

    private struct Result {
        var cost: CELEstimate
        var size: CELEstimate?
        var decl: CELDeclType?
    }

    /// The estimated cost of evaluating an expression once.
    func estimate(_ checked: CELChecked) -> CELEstimate {
        var scope: [[String: CELDeclType?]] = []
        return visit(checked.parsed.root, checked: checked, scope: &scope).cost
    }

    private func size(of result: Result) -> CELEstimate {
        if let size = result.size { return size }
        if let decl = result.decl { return CELEstimate(min: 0, max: decl.maxElements) }
        return CELEstimate(min: 0, max: Self.unboundedSize)
    }

    private func lookup(_ name: String, scope: [[String: CELDeclType?]]) -> CELDeclType?? {
        for frame in scope.reversed() {
            if let decl = frame[name] { return decl }
        }
        return nil
    }

    private func visit(_ expr: CELExpr, checked: CELChecked, scope: inout [[String: CELDeclType?]]) -> Result {
        switch expr.kind {
        case .literal(let value):
            switch value {
            case .string(let text):
                let length = UInt64(text.unicodeScalars.count)
                return Result(cost: .zero, size: CELEstimate(min: length, max: length))
            case .bytes(let bytes):
                return Result(cost: .zero, size: CELEstimate(min: UInt64(bytes.count), max: UInt64(bytes.count)))
            default:
                return Result(cost: .zero, size: .one)
            }
        case .ident(let name):
            if let bound = lookup(name, scope: scope) { return Result(cost: .one, decl: bound) }
            if name == "self" || name == "oldSelf" { return Result(cost: .one, decl: selfType) }
            return Result(cost: .one)
        case .select(let operand, let field, let testOnly):
            let inner = visit(operand, checked: checked, scope: &scope)
            let decl = inner.decl?.fields[field] ?? inner.decl?.element
            return Result(cost: inner.cost + (testOnly ? .zero : .one), decl: testOnly ? nil : decl)
        case .list(let elements, _):
            var cost = CELEstimate(min: 10, max: 10)
            for element in elements { cost = cost + visit(element, checked: checked, scope: &scope).cost }
            let count = UInt64(elements.count)
            return Result(cost: cost, size: CELEstimate(min: count, max: count))
        case .map(let entries):
            var cost = CELEstimate(min: 30, max: 30)
            for entry in entries {
                cost = cost + visit(entry.key, checked: checked, scope: &scope).cost
                cost = cost + visit(entry.value, checked: checked, scope: &scope).cost
            }
            let count = UInt64(entries.count)
            return Result(cost: cost, size: CELEstimate(min: count, max: count))
        case .message(_, let fields):
            var cost = CELEstimate(min: 40, max: 40)
            for (_, value) in fields { cost = cost + visit(value, checked: checked, scope: &scope).cost }
            return Result(cost: cost)
        case .comprehension(let comprehension):
            let range = visit(comprehension.iterRange, checked: checked, scope: &scope)
            let initial = visit(comprehension.accuInit, checked: checked, scope: &scope)
            var elementDecl = range.decl?.element
            if case .map = range.decl?.type {
                elementDecl = CELDeclType(type: .string, maxElements: Self.unboundedSize)
            }
            scope.append([comprehension.iterVar: elementDecl, comprehension.accuVar: nil])
            let condition = visit(comprehension.loopCondition, checked: checked, scope: &scope)
            let step = visit(comprehension.loopStep, checked: checked, scope: &scope)
            scope.removeLast()
            scope.append([comprehension.accuVar: nil])
            let result = visit(comprehension.result, checked: checked, scope: &scope)
            scope.removeLast()
            let count = size(of: range)
            let loop = count * (condition.cost + step.cost)
            // The accumulator of `map`/`filter` grows to the size of the range.
            let resultSize: CELEstimate? = {
                if case .list = checked.types[expr.id] { return count }
                return nil
            }()
            return Result(
                cost: range.cost + initial.cost + loop + result.cost, size: resultSize,
                decl: resultSize == nil ? nil : CELDeclType(type: .dyn, maxElements: count.max))
        case .call(let function, let target, let args):
            return call(
                expr, function: checked.resolvedFunctions[expr.id] ?? function, target: target, args: args,
                checked: checked, scope: &scope)
        }
    }

    private func call(
        _ expr: CELExpr, function: String, target: CELExpr?, args: [CELExpr], checked: CELChecked,
        scope: inout [[String: CELDeclType?]]
    ) -> Result {
        let isMember = target != nil && checked.resolvedFunctions[expr.id] == nil
        let targetResult = isMember ? target.map { visit($0, checked: checked, scope: &scope) } : nil
        let argResults = args.map { visit($0, checked: checked, scope: &scope) }
        let argCost = argResults.reduce(targetResult?.cost ?? .zero) { $0 + $1.cost }
        switch function {
        case CELOperator.logicalAnd, CELOperator.logicalOr:
            let lhs = argResults[0].cost
            let rhs = argResults[1].cost
            return Result(cost: CELEstimate(min: lhs.min, max: (lhs + rhs).max))
        case CELOperator.conditional:
            let cost = argResults[0].cost + argResults[1].cost.union(argResults[2].cost)
            return Result(
                cost: cost, size: size(of: argResults[1]).union(size(of: argResults[2])),
                decl: argResults[1].decl ?? argResults[2].decl)
        case CELOperator.notStrictlyFalse:
            return Result(cost: argCost + .one)
        case CELOperator.equals, CELOperator.notEquals, CELOperator.less, CELOperator.lessEquals,
            CELOperator.greater, CELOperator.greaterEquals:
            let types = args.map { checked.types[$0.id] ?? .dyn }
            let sized = types.contains { type in
                switch type {
                case .string, .bytes, .list, .map, .object, .dyn: true
                default: false
                }
            }
            guard sized else { return Result(cost: argCost + .one) }
            let smallest = min(size(of: argResults[0]).max, size(of: argResults[1]).max)
            let compare = CELEstimate(min: smallest > 0 ? 1 : 0, max: smallest).scaled(by: Self.stringTraversal)
            return Result(cost: argCost + CELEstimate(min: max(1, compare.min), max: max(1, compare.max)))
        case CELOperator.add:
            let lhs = size(of: argResults[0])
            let rhs = size(of: argResults[1])
            let total = lhs + rhs
            switch checked.types[expr.id] {
            case .list?:
                return Result(cost: argCost + .one, size: total, decl: argResults[0].decl ?? argResults[1].decl)
            case .string?, .bytes?:
                return Result(cost: argCost + total.scaled(by: Self.stringTraversal), size: total)
            default:
                return Result(cost: argCost + .one)
            }
        case CELOperator.in:
            // Membership in a list is linear; in a map it is a lookup.
            if case .list? = checked.types[args[1].id] {
                return Result(cost: argCost + size(of: argResults[1]))
            }
            return Result(cost: argCost + .one)
        case CELOperator.index, CELOperator.optionalIndex:
            return Result(cost: argCost + .one, decl: argResults[0].decl?.element)
        case CELOperator.optionalSelect:
            var field = ""
            if case .literal(.string(let name)) = args[1].kind { field = name }
            return Result(cost: argCost + .one, decl: argResults[0].decl?.fields[field])
        case "startsWith", "endsWith":
            guard args.count == 1 else { break }
            return Result(cost: argCost + size(of: argResults[0]).scaled(by: Self.stringTraversal))
        case "contains":
            guard let targetResult, args.count == 1 else { break }
            let text = size(of: targetResult).scaled(by: Self.stringTraversal)
            let part = size(of: argResults[0]).scaled(by: Self.stringTraversal)
            return Result(cost: argCost + text * part)
        case "matches", "find", "findAll":
            let subject: Result?
            let pattern: Result?
            if let targetResult {
                subject = targetResult
                pattern = argResults.first
            } else {
                subject = argResults.first
                pattern = argResults.count > 1 ? argResults[1] : nil
            }
            guard let subject, let pattern else { break }
            let text = (size(of: subject) + .one).scaled(by: Self.stringTraversal)
            let regex = size(of: pattern).scaled(by: Self.regexLength)
            return Result(cost: argCost + text * regex, size: function == "find" ? size(of: subject) : nil)
        case "size":
            return Result(cost: argCost + .one)
        case "isSorted", "sum", "max", "min", "indexOf", "lastIndexOf", "join", "sets.contains", "sets.equivalent",
            "sets.intersects":
            if let targetResult, case .list? = checked.types[target?.id ?? -1] {
                let elementCost: Double = {
                    switch targetResult.decl?.element?.type {
                    case .string?, .bytes?: Double(targetResult.decl?.element?.maxElements ?? 1) * Self.stringTraversal
                    default: 1
                    }
                }()
                return Result(cost: argCost + size(of: targetResult).scaled(by: max(1, elementCost)))
            }
            if function.hasPrefix("sets."), argResults.count == 2 {
                return Result(cost: argCost + size(of: argResults[0]) * size(of: argResults[1]))
            }
            if let targetResult {
                return Result(cost: argCost + size(of: targetResult).scaled(by: Self.stringTraversal))
            }
        case "lowerAscii", "upperAscii", "substring", "trim", "charAt", "url", "quantity", "isQuantity", "isURL",
            "ip", "isIP", "cidr", "isCIDR", "format", "strings.quote":
            let subject = targetResult ?? argResults.first
            guard let subject else { break }
            return Result(
                cost: argCost + size(of: subject).scaled(by: Self.stringTraversal) + .one,
                size: function == "substring" || function == "trim" || function.hasSuffix("Ascii")
                    ? size(of: subject) : nil)
        case "replace", "split":
            guard let targetResult else { break }
            let text = size(of: targetResult).scaled(by: Self.stringTraversal)
            return Result(cost: argCost + text + .one, size: size(of: targetResult))
        default:
            break
        }
        return Result(cost: argCost + .one)
    }
}

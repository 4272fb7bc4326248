import Foundation
import KaitoCore

/// One compiled `x-kubernetes-validations` rule of a schema node.
struct CompiledRule: Sendable {
    var index: Int
    var rule: String
    var message: String
    var messageExpression: String
    var reason: String?
    var fieldPath: String
    var optionalOldSelf: Bool?
    var program: CELProgram?
    var messageProgram: CELProgram?
    /// The rule references `oldSelf`: a transition rule, evaluated only on update with a correlated old value.
    var usesOldSelf: Bool
    /// The estimated worst-case cost of one evaluation.
    var maxCost: UInt64
}

/// A schema node with its compiled rules and its children (the compiled form of a CRD version's schema that
/// custom resource writes validate against).
final class SchemaRuleNode: Sendable {
    let schema: JSONValue
    let declType: CELDeclType?
    let rules: [CompiledRule]
    let properties: [String: SchemaRuleNode]
    let additionalProperties: SchemaRuleNode?
    let items: SchemaRuleNode?
    let isResourceRoot: Bool
    /// Whether this node or a descendant has rules.
    let hasRules: Bool

    init(
        schema: JSONValue, declType: CELDeclType?, rules: [CompiledRule], properties: [String: SchemaRuleNode],
        additionalProperties: SchemaRuleNode?, items: SchemaRuleNode?, isResourceRoot: Bool
    ) {
        self.schema = schema
        self.declType = declType
        self.rules = rules
        self.properties = properties
        self.additionalProperties = additionalProperties
        self.items = items
        self.isResourceRoot = isResourceRoot
        hasRules =
            !rules.isEmpty || properties.values.contains { $0.hasRules } || additionalProperties?.hasRules == true
            || items?.hasRules == true
    }

    var typeName: String {
        schema["type"]?.stringValue ?? ""
    }
}

/// Compilation and evaluation of `x-kubernetes-validations` (`apiextensions-apiserver/pkg/apiserver/schema/cel`).
enum SchemaRules {
    /// `celconfig.PerCallLimit`.
    static let perCallLimit: UInt64 = 1_000_000
    /// `celconfig.RuntimeCELCostBudget`: the cost all rules of one object may spend.
    static let runtimeCostBudget: UInt64 = 10_000_000
    /// `StaticEstimatedCostLimit`.
    static let staticEstimatedCostLimit: UInt64 = 10_000_000
    /// `StaticEstimatedCRDCostLimit`.
    static let staticEstimatedCRDCostLimit: UInt64 = 100_000_000
    static let supportedReasons = [
        "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired",
    ]

    // MARK: - Cache

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [JSONValue: SchemaRuleNode] = [:]

    /// The compiled rules of a schema, compiled once and kept for later writes.
    static func compiled(_ schema: JSONValue) -> SchemaRuleNode {
        lock.lock()
        if let node = cache[schema] {
            lock.unlock()
            return node
        }
        lock.unlock()
        let result = compile(schema, basePath: "")
        store(result.node, for: schema)
        return result.node
    }

    private static func store(_ node: SchemaRuleNode, for schema: JSONValue) {
        lock.lock()
        if cache.count > 256 { cache.removeAll() }
        cache[schema] = node
        lock.unlock()
    }

    // MARK: - Compilation

    /// The result of compiling a schema's rules: the node tree and the problems a CRD write reports.
    struct Compilation {
        var node: SchemaRuleNode
        /// Problems with rule declarations (empty rules, messages, reasons, field paths).
        var schemaErrors: [FieldError]
        /// Compilation, cost and transition-rule problems.
        var celErrors: [FieldError]
        /// The estimated cost of all rules together, and the rules that contribute most.
        var totalCost: UInt64
        var mostExpensive: [(path: String, cost: UInt64)]
    }

    /// Compiles every rule of a schema at its node; `basePath` is the schema's field path in the CRD
    /// (`spec.validation.openAPIV3Schema`).
    static func compile(_ schema: JSONValue, basePath: String) -> Compilation {
        var context = CompileContext()
        let node = compileNode(
            schema, path: basePath, isResourceRoot: true, forbidOldSelf: nil, cardinality: 1, context: &context)
        store(node, for: schema)
        return Compilation(
            node: node, schemaErrors: context.schemaErrors, celErrors: context.celErrors, totalCost: context.totalCost,
            mostExpensive: context.mostExpensive)
    }

    private struct CompileContext {
        var schemaErrors: [FieldError] = []
        var celErrors: [FieldError] = []
        var totalCost: UInt64 = 0
        var mostExpensive: [(path: String, cost: UInt64)] = []

        mutating func observe(_ path: String, _ cost: UInt64) {
            totalCost = totalCost.addingReportingOverflow(cost).overflow ? .max : totalCost + cost
            guard cost >= SchemaRules.staticEstimatedCRDCostLimit / 100 else { return }
            mostExpensive.append((path, cost))
            mostExpensive.sort { $0.cost > $1.cost }
            if mostExpensive.count > 4 { mostExpensive.removeLast() }
        }
    }

    private static func integer(_ value: JSONValue?) -> UInt64? {
        switch value {
        case .integer(let number)?: UInt64(max(0, number))
        case .double(let number)?: UInt64(max(0, number))
        default: nil
        }
    }

    private static func compileNode(
        _ schema: JSONValue, path: String, isResourceRoot: Bool, forbidOldSelf: String?, cardinality: UInt64,
        context: inout CompileContext
    ) -> SchemaRuleNode {
        var properties: [String: SchemaRuleNode] = [:]
        let mapCorrelatable = schema["x-kubernetes-map-type"]?.stringValue != "atomic"
        for (name, property) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            properties[name] = compileNode(
                property, path: "\(path).properties[\(name)]",
                isResourceRoot: property["x-kubernetes-embedded-resource"] == .bool(true),
                forbidOldSelf: forbidOldSelf ?? (mapCorrelatable ? nil : path), cardinality: cardinality,
                context: &context)
        }
        var additional: SchemaRuleNode?
        if case .object(let members)? = schema["additionalProperties"] {
            let additionalSchema = JSONValue.object(members)
            let count = integer(schema["maxProperties"]) ?? .max
            additional = compileNode(
                additionalSchema, path: "\(path).additionalProperties",
                isResourceRoot: additionalSchema["x-kubernetes-embedded-resource"] == .bool(true),
                forbidOldSelf: forbidOldSelf, cardinality: multiply(cardinality, count), context: &context)
        }
        var items: SchemaRuleNode?
        if let itemSchema = schema["items"], itemSchema.objectValue != nil {
            let listType = schema["x-kubernetes-list-type"]?.stringValue
            let count = integer(schema["maxItems"]) ?? .max
            items = compileNode(
                itemSchema, path: "\(path).items",
                isResourceRoot: itemSchema["x-kubernetes-embedded-resource"] == .bool(true),
                forbidOldSelf: forbidOldSelf ?? (listType == "map" ? nil : path),
                cardinality: multiply(cardinality, count), context: &context)
        }
        let declType = CELSchemaBridge.declType(schema, isResourceRoot: isResourceRoot, name: "selfType0")
        let rules = compileRules(
            schema, path: path, declType: declType, forbidOldSelf: forbidOldSelf, cardinality: cardinality,
            context: &context)
        return SchemaRuleNode(
            schema: schema, declType: declType, rules: rules, properties: properties, additionalProperties: additional,
            items: items, isResourceRoot: isResourceRoot)
    }

    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    private static func hasNewlines(_ text: String) -> Bool {
        text.contains("\n") || text.contains("\r")
    }

    private static func compileRules(
        _ schema: JSONValue, path: String, declType: CELDeclType?, forbidOldSelf: String?, cardinality: UInt64,
        context: inout CompileContext
    ) -> [CompiledRule] {
        let declared = schema["x-kubernetes-validations"]?.arrayValue ?? []
        guard !declared.isEmpty else { return [] }
        var compiled: [CompiledRule] = []
        var schemaErrorsFound = false
        for (index, raw) in declared.enumerated() {
            let rulePath = "\(path).x-kubernetes-validations[\(index)]"
            let rule = raw["rule"]?.stringValue ?? ""
            let message = raw["message"]?.stringValue ?? ""
            let messageExpression = raw["messageExpression"]?.stringValue ?? ""
            let fieldPath = raw["fieldPath"]?.stringValue ?? ""
            let trimmedRule = rule.trimmingCharacters(in: .whitespacesAndNewlines)
            let trimmedMessage = message.trimmingCharacters(in: .whitespacesAndNewlines)
            var errors: [FieldError] = []
            if trimmedRule.isEmpty {
                errors.append(FieldError(field: "\(rulePath).rule", kind: .required, detail: "rule is not specified"))
            } else if !message.isEmpty, trimmedMessage.isEmpty {
                errors.append(
                    FieldError(
                        field: "\(rulePath).message", kind: .invalid(.string(message)),
                        detail: "message must be non-empty if specified"))
            } else if hasNewlines(trimmedMessage) {
                errors.append(
                    FieldError(
                        field: "\(rulePath).message", kind: .invalid(.string(message)),
                        detail: "message must not contain line breaks"))
            } else if hasNewlines(trimmedRule), trimmedMessage.isEmpty {
                errors.append(
                    FieldError(
                        field: "\(rulePath).message", kind: .required,
                        detail: "message must be specified if rule contains line breaks"))
            }
            if !messageExpression.isEmpty, messageExpression.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors.append(
                    FieldError(
                        field: "\(rulePath).messageExpression", kind: .required,
                        detail: "messageExpression must be non-empty if specified"))
            }
            let reason = raw["reason"]?.stringValue
            if let reason, !supportedReasons.contains(reason) {
                errors.append(
                    FieldError(
                        field: "\(rulePath).reason", kind: .notSupported(.string(reason), supported: supportedReasons)))
            }
            if !fieldPath.isEmpty {
                if fieldPath.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    errors.append(
                        FieldError(
                            field: "\(rulePath).fieldPath", kind: .invalid(.string(fieldPath)),
                            detail: "fieldPath must be non-empty if specified"))
                }
                if hasNewlines(fieldPath) {
                    errors.append(
                        FieldError(
                            field: "\(rulePath).fieldPath", kind: .invalid(.string(fieldPath)),
                            detail: "fieldPath must not contain line breaks"))
                }
                if FieldPaths.resolve(fieldPath, in: schema) == nil {
                    errors.append(
                        FieldError(
                            field: "\(rulePath).fieldPath", kind: .invalid(.string(fieldPath)),
                            detail: "fieldPath must be a valid path"))
                }
            }
            if !errors.isEmpty { schemaErrorsFound = true }
            context.schemaErrors += errors
            var optionalOldSelf: Bool?
            if case .bool(let flag)? = raw["optionalOldSelf"] { optionalOldSelf = flag }
            compiled.append(
                CompiledRule(
                    index: index, rule: rule, message: message, messageExpression: messageExpression, reason: reason,
                    fieldPath: fieldPath, optionalOldSelf: optionalOldSelf, program: nil, messageProgram: nil,
                    usesOldSelf: false, maxCost: 0))
        }
        guard !schemaErrorsFound, let declType else { return compiled }
        let base = CELEnvironment.kubernetesBase
        let environment = base.declaring(["self": declType.type, "oldSelf": declType.type])
        let optionalEnvironment = base.declaring(["self": declType.type, "oldSelf": .optional(declType.type)])
        let estimator = CELCostEstimator(selfType: declType)
        let cardinality =
            cardinality == .max
            ? CELSchemaBridge.maxRequestSizeBytes / (declType.minSerializedSize + 1) : cardinality
        for index in compiled.indices {
            let raw = declared[index]
            let rulePath = "\(path).x-kubernetes-validations[\(index)]"
            let rendered = goValidationRule(raw)
            var entry = compiled[index]
            guard !entry.rule.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            let ruleEnvironment = entry.optionalOldSelf == true ? optionalEnvironment : environment
            // Compiles one expression of the rule; a wrong result type or a compile error is reported at
            // `field`, and so is an estimated cost (times the node's cardinality) above the static limit.
            func check(
                _ source: String, field: String, resultType: CELType, typeDetail: String, failure: String,
                costName: String
            ) -> (program: CELProgram, checked: CELChecked, maxCost: UInt64)? {
                let checked: CELChecked
                do {
                    checked = try ruleEnvironment.compile(source)
                } catch {
                    context.celErrors.append(
                        FieldError(
                            field: field, kind: .invalidOmittingValue,
                            detail: "\(rendered): \(failure): \(error.description)"))
                    return nil
                }
                guard checked.outputType == resultType else {
                    context.celErrors.append(
                        FieldError(field: field, kind: .invalidOmittingValue, detail: "\(rendered): \(typeDetail)"))
                    return nil
                }
                let maxCost = estimator.estimate(checked).max
                let cost = multiply(maxCost, cardinality)
                if cost > staticEstimatedCostLimit {
                    context.celErrors.append(
                        FieldError(
                            field: field, kind: .forbidden,
                            detail: costErrorMessage(costName, cost, staticEstimatedCostLimit)))
                }
                context.observe(field, cost)
                return (CELProgram(checked: checked, environment: ruleEnvironment), checked, maxCost)
            }
            if let rule = check(
                entry.rule, field: "\(rulePath).rule", resultType: .bool,
                typeDetail: "cel expression must evaluate to a bool", failure: "compilation failed",
                costName: "estimated rule cost")
            {
                entry.program = rule.program
                entry.usesOldSelf = rule.checked.referencedVariables.contains("oldSelf")
                entry.maxCost = rule.maxCost
            }
            if !entry.messageExpression.isEmpty {
                entry.messageProgram =
                    check(
                        entry.messageExpression, field: "\(rulePath).messageExpression", resultType: .string,
                        typeDetail: "must evaluate to a string", failure: "messageExpression compilation failed",
                        costName: "estimated messageExpression cost")?.program
            }
            if entry.program != nil {
                if entry.usesOldSelf {
                    if let forbidOldSelf {
                        context.celErrors.append(
                            FieldError(
                                field: "\(rulePath).rule", kind: .invalid(.string(entry.rule)),
                                detail: "oldSelf cannot be used on the uncorrelatable portion of the schema within "
                                    + forbidOldSelf))
                    }
                } else if let optional = entry.optionalOldSelf {
                    context.celErrors.append(
                        FieldError(
                            field: "\(rulePath).optionalOldSelf", kind: .invalid(.bool(optional)),
                            detail: "may not be set if oldSelf is not used in rule"))
                }
            }
            compiled[index] = entry
        }
        return compiled
    }

    /// `getCostErrorMessage`.
    static func costErrorMessage(_ name: String, _ cost: UInt64, _ limit: UInt64) -> String {
        let factor = Double(cost) / Double(limit)
        let shown: String
        if factor > 100 {
            shown = "more than 100x"
        } else if factor < 1.5 {
            shown = String(format: "%fx", factor)
        } else {
            shown = String(format: "%.1fx", factor)
        }
        return "\(name) exceeds budget by factor of \(shown) (try simplifying the rule, or adding maxItems, "
            + "maxProperties, and maxLength where arrays, maps, and strings are declared)"
    }

    /// Go's `%#v` of an `apiextensions.ValidationRule`.
    static func goValidationRule(_ raw: JSONValue) -> String {
        let rule = goQuote(raw["rule"]?.stringValue ?? "")
        let message = goQuote(raw["message"]?.stringValue ?? "")
        let messageExpression = goQuote(raw["messageExpression"]?.stringValue ?? "")
        let reason =
            raw["reason"]?.stringValue == nil
            ? "(*apiextensions.FieldValueErrorReason)(nil)"
            : "(*apiextensions.FieldValueErrorReason)(0xc000a1b2c0)"
        let fieldPath = goQuote(raw["fieldPath"]?.stringValue ?? "")
        let optional = raw["optionalOldSelf"] == nil ? "(*bool)(nil)" : "(*bool)(0xc000a1b2c8)"
        return "apiextensions.ValidationRule{Rule:\(rule), Message:\(message), MessageExpression:\(messageExpression), "
            + "Reason:\(reason), FieldPath:\(fieldPath), OptionalOldSelf:\(optional)}"
    }

    // MARK: - Evaluation

    /// The state of one object's validation: the remaining runtime cost budget.
    struct Evaluation {
        var remainingBudget: UInt64 = SchemaRules.runtimeCostBudget
        var exhausted = false
        var errors: [FieldError] = []
        var warnings: [String] = []
    }

    /// Evaluates the rules of every node that has data, with `oldSelf` correlated from the old object.
    static func validate(_ value: JSONValue, old: JSONValue?, node: SchemaRuleNode, ratcheting: Bool)
        -> (errors: [FieldError], warnings: [String])
    {
        var evaluation = Evaluation()
        visit(value, old: old, node: node, path: "", ratcheting: ratcheting, evaluation: &evaluation)
        return (evaluation.errors, evaluation.warnings)
    }

    private static func visit(
        _ value: JSONValue, old: JSONValue?, node: SchemaRuleNode, path: String, ratcheting: Bool,
        evaluation: inout Evaluation
    ) {
        guard node.hasRules, !evaluation.exhausted, value != .null else { return }
        if !node.rules.isEmpty {
            evaluateRules(value, old: old, node: node, path: path, ratcheting: ratcheting, evaluation: &evaluation)
        }
        switch value {
        case .object(let members):
            let oldMembers = old?.objectValue
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if let child = node.properties[key] {
                    if node.isResourceRoot, key == "metadata" { continue }
                    visit(
                        member, old: oldMembers?[key], node: child, path: StructuralSchema.join(path, key),
                        ratcheting: ratcheting, evaluation: &evaluation)
                } else if let child = node.additionalProperties {
                    visit(
                        member, old: oldMembers?[key], node: child, path: StructuralSchema.join(path, key),
                        ratcheting: ratcheting, evaluation: &evaluation)
                }
            }
        case .array(let items):
            guard let child = node.items else { return }
            let correlated: [JSONValue?]
            if node.schema["x-kubernetes-list-type"]?.stringValue == "map" {
                correlated = StructuralSchema.correlatedItems(items, old: old, schema: node.schema)
            } else {
                correlated = items.map { _ in nil }
            }
            for (offset, item) in items.enumerated() {
                visit(
                    item, old: correlated[offset], node: child, path: StructuralSchema.index(path, offset),
                    ratcheting: ratcheting, evaluation: &evaluation)
            }
        default:
            break
        }
    }

    private static func evaluateRules(
        _ value: JSONValue, old: JSONValue?, node: SchemaRuleNode, path: String, ratcheting: Bool,
        evaluation: inout Evaluation
    ) {
        guard let declType = node.declType else { return }
        let selfValue = CELSchemaBridge.value(
            value, schema: node.schema, declType: declType, isResourceRoot: node.isResourceRoot)
        let oldValue = old.map {
            CELSchemaBridge.value($0, schema: node.schema, declType: declType, isResourceRoot: node.isResourceRoot)
        }
        let unchanged = ratcheting && old.map { $0.isSemanticallyEqual(to: value) } == true
        let fieldPath = path.isEmpty ? "<nil>" : path
        let typeName = node.typeName
        for rule in node.rules {
            guard let program = rule.program else { continue }
            var activation: [String: CELValue] = ["self": selfValue]
            if rule.usesOldSelf {
                if rule.optionalOldSelf == true {
                    activation["oldSelf"] = .optional(oldValue)
                } else {
                    guard let oldValue else { continue }
                    activation["oldSelf"] = oldValue
                }
            }
            let limit = min(perCallLimit, evaluation.remainingBudget)
            let outcome: (value: CELValue, cost: UInt64)
            do {
                outcome = try program.evaluate(activation, costLimit: limit)
            } catch let error as CELRuntimeError {
                if error.message.hasPrefix("operation cancelled: actual cost limit exceeded") {
                    if limit < perCallLimit {
                        evaluation.errors.append(
                            FieldError(
                                field: fieldPath, kind: .invalid(.string(typeName)),
                                detail: "validation failed due to running out of cost budget, no further validation "
                                    + "rules will be run"))
                    } else {
                        evaluation.errors.append(
                            FieldError(
                                field: fieldPath, kind: .invalid(.string(typeName)),
                                detail: "'\(error.message)': no further validation rules will be run due to call cost "
                                    + "exceeds limit for rule: \(ruleErrorString(rule))"))
                    }
                    evaluation.exhausted = true
                    return
                }
                if error.message.hasPrefix("no such overload") {
                    evaluation.errors.append(
                        FieldError(
                            field: fieldPath, kind: .invalid(.string(typeName)),
                            detail: "'\(error.message)': call arguments did not match a supported operator, function "
                                + "or macro signature for rule: \(ruleErrorString(rule))"))
                } else {
                    evaluation.errors.append(
                        FieldError(
                            field: fieldPath, kind: .invalid(.string(typeName)),
                            detail: "\(error.message) evaluating rule: \(ruleErrorString(rule))"))
                }
                continue
            } catch {
                continue
            }
            evaluation.remainingBudget -= min(evaluation.remainingBudget, outcome.cost)
            guard outcome.value != .bool(true) else { continue }
            var errorPath = fieldPath
            if !rule.fieldPath.isEmpty, let segments = FieldPaths.segments(rule.fieldPath) {
                var base = path
                for segment in segments { base = StructuralSchema.join(base, segment) }
                errorPath = base.isEmpty ? "<nil>" : base
            }
            var detail = ruleMessageOrDefault(rule)
            if let messageProgram = rule.messageProgram {
                let limit = min(perCallLimit, evaluation.remainingBudget)
                if let result = try? messageProgram.evaluate(activation, costLimit: limit) {
                    evaluation.remainingBudget -= min(evaluation.remainingBudget, result.cost)
                    if case .string(let text) = result.value {
                        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                        if !trimmed.isEmpty, !hasNewlines(trimmed), trimmed.utf8.count <= 5 * 1024 {
                            detail = trimmed
                        }
                    }
                }
            }
            let error = fieldError(errorPath, typeName: typeName, detail: detail, reason: rule.reason)
            if !rule.usesOldSelf, unchanged {
                evaluation.warnings.append(error.description)
            } else {
                evaluation.errors.append(error)
            }
        }
    }

    private static func ruleErrorString(_ rule: CompiledRule) -> String {
        let message = rule.message.trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? rule.rule.trimmingCharacters(in: .whitespacesAndNewlines) : message
    }

    private static func ruleMessageOrDefault(_ rule: CompiledRule) -> String {
        let message = rule.message.trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "failed rule: \(ruleErrorString(rule))" : message
    }

    private static func fieldError(_ path: String, typeName: String, detail: String, reason: String?) -> FieldError {
        switch reason {
        case "FieldValueForbidden": FieldError(field: path, kind: .forbidden, detail: detail)
        case "FieldValueRequired": FieldError(field: path, kind: .required, detail: detail)
        case "FieldValueDuplicate": FieldError(field: path, kind: .duplicate(.string(typeName)))
        default: FieldError(field: path, kind: .invalid(.string(typeName)), detail: detail)
        }
    }
}

/// The relative field paths of `x-kubernetes-validations[].fieldPath` (`.spec.replicas`, `.labels['a.b']`).
enum FieldPaths {
    /// The segments of a path, or `nil` when it is malformed.
    static func segments(_ path: String) -> [String]? {
        var result: [String] = []
        var scalars = Array(path.unicodeScalars)[...]
        while let first = scalars.first {
            if first == "." {
                scalars.removeFirst()
                var name = ""
                while let next = scalars.first, next != ".", next != "[" {
                    name.unicodeScalars.append(next)
                    scalars.removeFirst()
                }
                guard !name.isEmpty else { return nil }
                result.append(name)
            } else if first == "[" {
                scalars.removeFirst()
                guard let quote = scalars.first, quote == "'" || quote == "\"" else { return nil }
                scalars.removeFirst()
                var name = ""
                while let next = scalars.first, next != quote {
                    name.unicodeScalars.append(next)
                    scalars.removeFirst()
                }
                guard scalars.popFirst() == quote, scalars.popFirst() == "]" else { return nil }
                result.append(name)
            } else {
                return nil
            }
        }
        return result.isEmpty ? nil : result
    }

    /// The schema a path leads to, or `nil` when it names no declared field.
    static func resolve(_ path: String, in schema: JSONValue) -> JSONValue? {
        guard let segments = segments(path) else { return nil }
        var node = schema
        for segment in segments {
            if let property = node["properties"]?[segment] {
                node = property
            } else if case .object = node["additionalProperties"], let additional = node["additionalProperties"] {
                node = additional
            } else {
                return nil
            }
        }
        return node
    }
}

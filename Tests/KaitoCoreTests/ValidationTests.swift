import Foundation
import Testing

@testable import KaitoCore

// MARK: - Fixtures (file-private so they cannot clash with other test files of the module)

/// A problem reduced to what every assertion compares: path, exact message, severity.
private struct Found: Equatable, CustomStringConvertible {
    var path: String
    var message: String
    var severity: FieldProblem.Severity

    init(_ path: String, _ message: String, _ severity: FieldProblem.Severity = .error) {
        self.path = path
        self.message = message
        self.severity = severity
    }

    var description: String { "\(severity.rawValue) [\(path)] \(message)" }
}

private func found(_ problems: [FieldProblem]) -> [Found] {
    problems.map { Found($0.fieldPath, $0.message, $0.severity) }
}

/// `#expect(problems.isEmpty)` outside the macro: `#expect` cannot take closures with optional chaining inline.
private func expectNoProblems(_ problems: [FieldProblem], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
}

private let validator = WorkspaceValidator()
private let awsValidator = WorkspaceValidator(cloud: .aws)

private let baselineSelector = LabelSelector(matchLabels: ["apps": "x"])
private let outputImage = "myregistry.azurecr.io/adapters/phi-3:0.0.1"
private let datasetURL =
    "https://huggingface.co/datasets/philschmid/dolly-15k-oai-style/resolve/main/data/train-00000-of-00001-54e3756291ca09c6.parquet?download=true"

/// Valid baseline: falcon-7b on Standard_NC12s_v3 (count left to the CRD default), selector `apps: x`.
private func inferenceWorkspace(_ change: (inout Workspace) -> Void = { _ in }) -> Workspace {
    var workspace = Workspace(
        metadata: ObjectMeta(name: "workspace-falcon-7b", namespace: "default"),
        resource: ResourceSpec(instanceType: "Standard_NC12s_v3", labelSelector: baselineSelector),
        inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")))
    change(&workspace)
    return workspace
}

/// Valid baseline: phi-3-mini-128k-instruct qlora on Standard_NC24ads_A100_v4, urls in, image out with push secret.
private func tuningWorkspace(_ change: (inout Workspace) -> Void = { _ in }) -> Workspace {
    var workspace = Workspace(
        metadata: ObjectMeta(name: "workspace-tuning-phi-3", namespace: "default"),
        resource: ResourceSpec(instanceType: "Standard_NC24ads_A100_v4", labelSelector: baselineSelector),
        tuning: TuningSpec(
            preset: PresetSpec(name: "phi-3-mini-128k-instruct"), method: "qlora",
            input: DataSource(name: "dolly", urls: [datasetURL]),
            output: DataDestination(image: outputImage, imagePushSecret: "myregistrysecret")))
    change(&workspace)
    return workspace
}

/// A private preset with an image, as the llama-2 presets need.
private func privatePreset(_ name: String) -> PresetSpec {
    PresetSpec(
        name: name, accessMode: "private",
        presetOptions: PresetOptions(image: "myregistry.azurecr.io/\(name):0.0.1", imagePullSecrets: ["pull"]))
}

private func adapter(
    _ name: String?, image: String? = nil, strength: String? = "0.5"
) -> AdapterSpec {
    AdapterSpec(
        source: DataSource(name: name, image: image ?? "myregistry.azurecr.io/adapters/\(name ?? "x"):0.0.1"),
        strength: strength)
}

private func withAdapters(_ adapters: [AdapterSpec]) -> Workspace {
    inferenceWorkspace { $0.inference?.adapters = adapters }
}

@Suite("Workspace validation")
struct ValidationTests {

    // MARK: Baselines

    @Test func inferenceBaselineHasNoProblems() {
        #expect(validator.validateCreate(inferenceWorkspace()).isEmpty)
        #expect(validator.validateUpdate(inferenceWorkspace(), from: inferenceWorkspace()).isEmpty)
    }

    @Test func tuningBaselineHasNoProblems() {
        #expect(validator.validateCreate(tuningWorkspace()).isEmpty)
        #expect(validator.validateUpdate(tuningWorkspace(), from: tuningWorkspace()).isEmpty)
    }

    @Test func errorsAndWarningsFilters() {
        let problems = [
            FieldProblem("a", "x"), FieldProblem("b", "y", severity: .warning), FieldProblem("c", "z"),
        ]
        #expect(problems.errors.map(\.fieldPath) == ["a", "c"])
        #expect(problems.warnings.map(\.fieldPath) == ["b"])
        #expect(FieldProblem("a.b", "bad", hint: "fix").description == "a.b: bad (fix)")
        #expect(FieldProblem("", "bad").description == "bad")
    }
}

// MARK: - Metadata

extension ValidationTests {
    @Suite struct Metadata {
        @Test func missingName() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.metadata.name = nil })
            #expect(found(problems) == [Found("metadata.name", "missing field(s)")])
            #expect(problems.first?.hint == "give the workspace a name")

            let empty = validator.validateCreate(inferenceWorkspace { $0.metadata.name = "" })
            #expect(found(empty) == [Found("metadata.name", "missing field(s)")])
        }

        @Test func generateNameInsteadOfName() {
            let workspace = inferenceWorkspace {
                $0.metadata.name = nil
                $0.metadata.generateName = "workspace-falcon-"
            }
            #expect(validator.validateCreate(workspace).isEmpty)
        }

        @Test(arguments: ["Workspace-Falcon", "workspace_falcon", "-falcon", "falcon-", String(repeating: "a", count: 64)])
        func nameNotADNS1123Label(name: String) {
            let problems = validator.validateCreate(inferenceWorkspace { $0.metadata.name = name })
            #expect(found(problems) == [Found("metadata.name", "invalid value: \(name)")])
            #expect(problems.first?.hint == NameRules.dns1123LabelRule)
        }

        @Test func nameStartingWithDigit() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.metadata.name = "7b-falcon" })
            #expect(found(problems) == [Found("metadata.name", "invalid value: 7b-falcon")])
            #expect(
                problems.first?.hint
                    == "the workspace's Service is named after it, and a Service name must start with a letter")
        }

        @Test func nameOf63CharactersIsAccepted() {
            let name = "w" + String(repeating: "a", count: 62)
            #expect(name.count == 63)
            #expect(validator.validateCreate(inferenceWorkspace { $0.metadata.name = name }).isEmpty)
        }

        @Test func namespace() {
            let bad = validator.validateCreate(inferenceWorkspace { $0.metadata.namespace = "Team_A" })
            #expect(found(bad) == [Found("metadata.namespace", "invalid value: Team_A")])
            #expect(bad.first?.hint == NameRules.dns1123LabelRule)

            #expect(validator.validateCreate(inferenceWorkspace { $0.metadata.namespace = "team-a" }).isEmpty)
            #expect(validator.validateCreate(inferenceWorkspace { $0.metadata.namespace = nil }).isEmpty)
            // A namespace may start with a digit (DNS-1123, not DNS-1035).
            #expect(validator.validateCreate(inferenceWorkspace { $0.metadata.namespace = "1team" }).isEmpty)
        }

        @Test(arguments: ["llama-2-13b", "llama-2-13b-chat", "llama-2-70b", "llama-2-70b-chat"])
        func statefulSetPresetNameLimit(preset: String) {
            let sku = preset.contains("70b") ? "Standard_NC96ads_A100_v4" : "Standard_NC12s_v3"
            let count = preset.contains("70b") ? 2 : 1
            let long = "w" + String(repeating: "a", count: 54)
            let fits = String(long.dropLast())
            #expect(long.count == 55 && fits.count == 54)

            func workspace(_ name: String) -> Workspace {
                inferenceWorkspace {
                    $0.metadata.name = name
                    $0.resource?.instanceType = sku
                    $0.resource?.count = count
                    $0.inference?.preset = privatePreset(preset)
                }
            }
            let problems = validator.validateCreate(workspace(long))
            #expect(found(problems) == [Found("metadata.name", "invalid value: \(long)")])
            #expect(
                problems.first?.hint
                    == "\(preset) runs as a StatefulSet with a Service named <name>-headless, "
                    + "which must fit in 63 characters: keep the name to 54 characters")
            #expect(validator.validateCreate(workspace(fits)).isEmpty)
        }

        @Test func deploymentPresetAllows63Characters() {
            let name = "w" + String(repeating: "a", count: 62)
            let workspace = inferenceWorkspace {
                $0.metadata.name = name
                $0.inference?.preset = privatePreset("llama-2-7b")
            }
            #expect(validator.validateCreate(workspace).isEmpty)
        }
    }
}

// MARK: - Workspace shape and resource basics

extension ValidationTests {
    @Suite struct ShapeAndResource {
        @Test func neitherInferenceNorTuning() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.inference = nil })
            #expect(found(problems) == [Found("", "Either Inference or Tuning must be specified, not neither")])
            #expect(problems.first?.hint == "add an inference or a tuning section")
        }

        @Test func bothInferenceAndTuning() {
            let workspace = tuningWorkspace { $0.inference = InferenceSpec(preset: PresetSpec(name: "falcon-7b")) }
            let problems = validator.validateCreate(workspace)
            #expect(found(problems) == [Found("", "Either Inference or Tuning must be specified, but not both")])
            #expect(problems.first?.hint == "use one workspace per model to serve or tune")
        }

        @Test func resourceMissingForInference() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource = nil })
            #expect(found(problems) == [Found("resource", "missing field(s)")])
            #expect(
                problems.first?.hint
                    == "add resource.instanceType and resource.labelSelector.matchLabels for the GPU nodes")
        }

        @Test func resourceMissingForTuning() {
            let problems = validator.validateCreate(tuningWorkspace { $0.resource = nil })
            #expect(found(problems) == [Found("resource", "missing field(s)")])
        }

        @Test(arguments: [0, -1])
        func countBelowOne(count: Int) {
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.count = count })
            #expect(found(problems) == [Found("resource.count", "invalid value: \(count)")])
            #expect(problems.first?.hint == "count must be at least 1")

            let tuning = validator.validateCreate(tuningWorkspace { $0.resource?.count = count })
            #expect(found(tuning) == [Found("resource.count", "invalid value: \(count)")])
        }

        @Test func countOneAndTwoAreAcceptedForInference() {
            expectNoProblems(validator.validateCreate(inferenceWorkspace { $0.resource?.count = 1 }))
            expectNoProblems(validator.validateCreate(inferenceWorkspace { $0.resource?.count = 2 }))
        }

        @Test func labelSelectorMissing() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.labelSelector = nil })
            #expect(found(problems) == [Found("resource.labelSelector", "missing field(s)")])
            #expect(problems.first?.hint == "add labelSelector.matchLabels, e.g. apps: <workspace>")

            let tuning = validator.validateCreate(tuningWorkspace { $0.resource?.labelSelector = nil })
            #expect(found(tuning) == [Found("resource.labelSelector", "missing field(s)")])
        }

        @Test func labelSelectorInWithTwoValues() {
            let selector = LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: "apps", operator: .in, values: ["x", "y"])
            ])
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.labelSelector = selector })
            #expect(
                found(problems) == [
                    Found(
                        "resource.labelSelector",
                        "invalid value: operator \"In\" without a single value cannot be converted into the old label selector format"
                    )
                ])
            #expect(problems.first?.hint == "use matchLabels, or matchExpressions with operator In and exactly one value")
        }

        @Test func labelSelectorNotIn() {
            let selector = LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: "apps", operator: .notIn, values: ["x"])
            ])
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.labelSelector = selector })
            #expect(problems.count == 1)
            let problem = problems.first
            #expect(problem?.fieldPath == "resource.labelSelector")
            #expect(problem?.severity == .error)
            // Kubernetes' LabelSelectorAsMap text for operators other than In.
            #expect(
                problem?.message
                    == "invalid value: operator \"NotIn\" cannot be converted into the old label selector format")
        }

        @Test func labelSelectorInWithOneValueAndMatchLabelsAreAccepted() {
            let selector = LabelSelector(
                matchLabels: ["apps": "x"],
                matchExpressions: [LabelSelectorRequirement(key: "tier", operator: .in, values: ["gpu"])])
            expectNoProblems(validator.validateCreate(inferenceWorkspace { $0.resource?.labelSelector = selector }))
        }

        @Test func labelSelectorConversionIsNotCheckedForTuning() {
            // Spec 2.3 B.3 is a resource-with-inference rule only.
            let selector = LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: "apps", operator: .exists)
            ])
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.resource?.labelSelector = selector }))
        }
    }
}

// MARK: - Instance types and GPU sizing

extension ValidationTests {
/// One row of spec 2.4's worked examples (plus per-GPU and count-hint cases).
struct SizingCase: Sendable, CustomTestStringConvertible {
    var preset: PresetSpec
    var sku: String
    var count: Int?
    /// Expected messages, all at `resource.instanceType`, all errors.
    var messages: [String]
    /// Expected hint (exact), when a message is expected and the hint is a count hint.
    var hint: String?
    /// Expected hint prefix, when the hint lists alternatives.
    var hintPrefix: String?

    var testDescription: String { "\(preset.name) on \(sku) x\(count ?? 1)" }
}
}

private let sizingCases: [ValidationTests.SizingCase] = [
    ValidationTests.SizingCase(preset: PresetSpec(name: "falcon-7b"), sku: "Standard_NC12s_v3", count: 1, messages: []),
    ValidationTests.SizingCase(preset: PresetSpec(name: "falcon-40b"), sku: "Standard_NC96ads_A100_v4", count: 1, messages: []),
    ValidationTests.SizingCase(preset: privatePreset("llama-2-13b"), sku: "Standard_NC12s_v3", count: 1, messages: []),
    ValidationTests.SizingCase(preset: privatePreset("llama-2-70b"), sku: "Standard_NC96ads_A100_v4", count: 2, messages: []),
    ValidationTests.SizingCase(preset: PresetSpec(name: "phi-3-mini-4k-instruct"), sku: "Standard_NC6s_v3", count: 1, messages: []),
    ValidationTests.SizingCase(
        preset: PresetSpec(name: "phi-3-medium-4k-instruct"), sku: "Standard_NC6s_v3", count: 1,
        messages: [
            "invalid value: Insufficient total GPU memory: Instance type Standard_NC6s_v3 has a total of 16Gi, "
                + "but preset phi-3-medium-4k-instruct requires at least 28Gi"
        ],
        // phi-3 runs one whole replica per node: more NC6s_v3 nodes would not help, so other SKUs are proposed.
        hintPrefix: "SKUs that fit: "),
    ValidationTests.SizingCase(
        preset: privatePreset("llama-2-13b"), sku: "Standard_NC24ads_A100_v4", count: 1,
        messages: [
            "invalid value: Insufficient number of GPUs: Instance type Standard_NC24ads_A100_v4 provides 1, "
                + "but preset llama-2-13b requires at least 2"
        ],
        hint: "count: 2 would fit on Standard_NC24ads_A100_v4"),
    // Count hint where a bigger count fits: 4 GPUs of 80Gi per node, llama-2-70b needs 8 GPUs.
    ValidationTests.SizingCase(
        preset: privatePreset("llama-2-70b"), sku: "Standard_NC96ads_A100_v4", count: 1,
        messages: [
            "invalid value: Insufficient number of GPUs: Instance type Standard_NC96ads_A100_v4 provides 4, "
                + "but preset llama-2-70b requires at least 8"
        ],
        hint: "count: 2 would fit on Standard_NC96ads_A100_v4"),
    // Per-GPU: Standard_NC24s_v3 is 4 x 16Gi (64Gi); two nodes give 8 GPUs (enough), 16Gi < 19Gi per GPU and
    // 128Gi < 152Gi in total. No count helps, so the hint proposes other SKUs.
    ValidationTests.SizingCase(
        preset: privatePreset("llama-2-70b"), sku: "Standard_NC24s_v3", count: 2,
        messages: [
            "invalid value: Insufficient per GPU memory: Instance type Standard_NC24s_v3 provides 16Gi per GPU, "
                + "but preset llama-2-70b requires at least 19Gi per GPU",
            "invalid value: Insufficient total GPU memory: Instance type Standard_NC24s_v3 has a total of 128Gi, "
                + "but preset llama-2-70b requires at least 152Gi",
        ],
        hintPrefix: "SKUs that fit: "),
    // The CRD default count (1) is used when count is omitted.
    ValidationTests.SizingCase(
        preset: privatePreset("llama-2-13b"), sku: "Standard_NC24ads_A100_v4", count: nil,
        messages: [
            "invalid value: Insufficient number of GPUs: Instance type Standard_NC24ads_A100_v4 provides 1, "
                + "but preset llama-2-13b requires at least 2"
        ],
        hint: "count: 2 would fit on Standard_NC24ads_A100_v4"),
]

extension ValidationTests {
    @Suite struct InstanceTypes {
        @Test(arguments: sizingCases)
        func sizing(_ row: ValidationTests.SizingCase) {
            let workspace = inferenceWorkspace {
                $0.metadata.name = "ws"
                $0.resource?.instanceType = row.sku
                $0.resource?.count = row.count
                $0.inference?.preset = row.preset
            }
            let problems = validator.validateCreate(workspace)
            #expect(found(problems) == row.messages.map { Found("resource.instanceType", $0) })
            for problem in problems {
                if let hint = row.hint { #expect(problem.hint == hint) }
                if let prefix = row.hintPrefix {
                    #expect(problem.hint?.hasPrefix(prefix) == true)
                    // Every SKU proposed must itself fit at the count it names.
                    let proposals = problem.hint?.dropFirst(prefix.count).components(separatedBy: ", ") ?? []
                    #expect(!proposals.isEmpty && proposals.count <= 3)
                    for proposal in proposals {
                        let parts = proposal.split(separator: " ")
                        let sku = String(parts[0])
                        let count = Int(parts[2].dropLast()) ?? 0
                        let fixed = inferenceWorkspace {
                            $0.metadata.name = "ws"
                            $0.resource?.instanceType = sku
                            $0.resource?.count = count
                            $0.inference?.preset = row.preset
                        }
                        #expect(validator.validateCreate(fixed).isEmpty, "proposed \(proposal)")
                    }
                }
            }
        }

        @Test func unsupportedInstanceTypeListsEveryValidationSKUSorted() throws {
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.instanceType = "p3.2xlarge" })
            try #require(problems.count == 1)
            let problem = problems[0]
            #expect(problem.fieldPath == "resource.instanceType")
            #expect(problem.severity == .error)

            let prefix = "invalid value: Unsupported instance type p3.2xlarge. Supported SKUs: "
            #expect(problem.message.hasPrefix(prefix))
            let listed = problem.message.dropFirst(prefix.count).components(separatedBy: ", ")
            let table = GPUCatalog.bundled.validationSKUs.map(\.name)
            #expect(table.count == 38)
            #expect(listed == listed.sorted())
            #expect(listed.count == table.count)
            #expect(Set(listed) == Set(table))
            #expect(problem.message == prefix + table.sorted().joined(separator: ", "))
            #expect(listed.contains("Standard_NC12s_v3") && !listed.contains("p3.2xlarge"))
        }

        @Test func unsupportedInstanceTypeSuggestsCloseNames() {
            let problems = validator.validateCreate(
                inferenceWorkspace { $0.resource?.instanceType = "standard_nc12s_v3" })
            #expect(problems.count == 1)
            #expect(
                problems.first?.message.hasPrefix(
                    "invalid value: Unsupported instance type standard_nc12s_v3. Supported SKUs: ") == true)
            #expect(problems.first?.hint?.hasPrefix("did you mean Standard_NC12s_v3") == true)
        }

        @Test(arguments: ["Standard_Nfoo", "Standard_Dfoo", "Standard_NC40ads_H100_v5"])
        func azurePrefixBypassSkipsAllChecks(sku: String) {
            // llama-2-70b on one node of anything in the table would fail sizing; unlisted N/D SKUs are not checked.
            let workspace = inferenceWorkspace {
                $0.resource?.instanceType = sku
                $0.inference?.preset = privatePreset("llama-2-70b")
            }
            #expect(validator.validateCreate(workspace).isEmpty)
        }

        @Test func emptyInstanceTypeIsUnsupported() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.resource?.instanceType = "" })
            #expect(problems.count == 1)
            #expect(problems.first?.fieldPath == "resource.instanceType")
            #expect(problems.first?.message.hasPrefix("invalid value: Unsupported instance type . Supported SKUs: ") == true)
        }

        @Test func awsKnownInstanceTypeIsSized() throws {
            expectNoProblems(awsValidator.validateCreate(inferenceWorkspace { $0.resource?.instanceType = "p3.2xlarge" }))
            // p3.2xlarge is 1 x 16Gi: phi-3-medium needs 28Gi.
            let small = awsValidator.validateCreate(
                inferenceWorkspace {
                    $0.resource?.instanceType = "p3.2xlarge"
                    $0.inference?.preset = PresetSpec(name: "phi-3-medium-4k-instruct")
                })
            #expect(
                found(small) == [
                    Found(
                        "resource.instanceType",
                        "invalid value: Insufficient total GPU memory: Instance type p3.2xlarge has a total of 16Gi, "
                            + "but preset phi-3-medium-4k-instruct requires at least 28Gi")
                ])
            // One replica per node: propose bigger NVIDIA instance types, never Inferentia or Trainium.
            let hint = try #require(small.first?.hint)
            #expect(hint.hasPrefix("SKUs that fit: "))
            #expect(!hint.contains("inf2") && !hint.contains("trn1"))
        }

        @Test func awsRejectsAzureNamesWithoutBypass() throws {
            let problems = awsValidator.validateCreate(inferenceWorkspace { $0.resource?.instanceType = "Standard_Nfoo" })
            try #require(problems.count == 1)
            let awsNames = GPUCatalog.bundled.skus(for: .aws).map(\.name)
            #expect(awsNames.count == 57)
            #expect(
                problems[0].message
                    == "invalid value: Unsupported instance type Standard_Nfoo. Supported SKUs: "
                    + awsNames.sorted().joined(separator: ", "))
            #expect(problems[0].fieldPath == "resource.instanceType")
            #expect(problems[0].hint == "run `kaitoctl skus --cloud aws` for the list")

            // An Azure table SKU is unknown on AWS too.
            let azure = awsValidator.validateCreate(inferenceWorkspace())
            #expect(azure.count == 1)
            #expect(azure.first?.message.hasPrefix("invalid value: Unsupported instance type Standard_NC12s_v3.") == true)
        }

        @Test func tuningDoesNotCheckTheInstanceType() {
            // Spec 2.3 D.2: no SKU check for tuning; an unknown SKU also gives no sizing warning.
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.resource?.instanceType = "p3.2xlarge" }))
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.resource?.instanceType = "Standard_Nfoo" }))
        }
    }
}

// MARK: - Preset and template

private let podTemplate: JSONValue = [
    "spec": ["containers": [["name": "custom", "image": "myregistry.azurecr.io/custom:0.0.1"]]]
]

extension ValidationTests {
    @Suite struct PresetAndTemplate {
        @Test func templateInsteadOfPreset() {
            let workspace = inferenceWorkspace { $0.inference = InferenceSpec(template: podTemplate) }
            #expect(validator.validateCreate(workspace).isEmpty)
        }

        @Test func templateStillChecksTheInstanceType() {
            let workspace = inferenceWorkspace {
                $0.inference = InferenceSpec(template: podTemplate)
                $0.resource?.instanceType = "p3.2xlarge"
            }
            let problems = validator.validateCreate(workspace)
            #expect(problems.count == 1)
            #expect(problems.first?.fieldPath == "resource.instanceType")
            #expect(problems.first?.message.hasPrefix("invalid value: Unsupported instance type p3.2xlarge.") == true)
        }

        @Test func presetAndTemplate() {
            let workspace = inferenceWorkspace { $0.inference?.template = podTemplate }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference", "Preset and Template cannot be set at the same time")
                ])
        }

        @Test func neitherPresetNorTemplate() {
            let problems = validator.validateCreate(inferenceWorkspace { $0.inference = InferenceSpec() })
            #expect(found(problems) == [Found("inference", "missing field(s): Preset or Template must be specified")])
            #expect(problems.first?.hint == "add inference.preset.name, e.g. falcon-7b")
        }

        @Test(arguments: [
            (JSONValue.string("pod"), "string"), (JSONValue.array([]), "array"), (JSONValue.integer(1), "integer"),
            (JSONValue.null, "null"),
        ])
        func templateNotAnObject(template: JSONValue, type: String) {
            let workspace = inferenceWorkspace { $0.inference = InferenceSpec(template: template) }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference.template", "invalid value: expected a pod template object, got \(type)")
                ])
        }

        @Test func unknownInferencePreset() {
            let problems = validator.validateCreate(
                inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "falcon7b") })
            #expect(
                found(problems) == [
                    Found("inference.preset.name", "invalid value: Unsupported inference preset name falcon7b")
                ])
            #expect(problems.first?.hint?.hasPrefix("did you mean falcon-7b") == true)
            #expect(problems.first?.hint?.contains("falcon-7b") == true)
        }

        @Test func presetLookupIsCaseSensitive() {
            let problems = validator.validateCreate(
                inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "Falcon-7b") })
            #expect(
                found(problems) == [
                    Found("inference.preset.name", "invalid value: Unsupported inference preset name Falcon-7b")
                ])
            #expect(problems.first?.hint?.hasPrefix("did you mean falcon-7b") == true)
        }

        @Test func unknownPresetWithoutCloseNames() {
            let problems = validator.validateCreate(
                inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "zzzzzzzzzzzz") })
            #expect(
                found(problems) == [
                    Found("inference.preset.name", "invalid value: Unsupported inference preset name zzzzzzzzzzzz")
                ])
            #expect(problems.first?.hint == "run `kaitoctl models` for the supported presets")
        }

        @Test func unknownPresetSkipsSizingEvenOnATinySKU() {
            let problems = validator.validateCreate(
                inferenceWorkspace {
                    $0.resource?.instanceType = "Standard_NV6"
                    $0.inference?.preset = PresetSpec(name: "falcon-41b")
                })
            #expect(
                found(problems) == [
                    Found("inference.preset.name", "invalid value: Unsupported inference preset name falcon-41b")
                ])
        }

        @Test(arguments: [nil, "public"] as [String?])
        func privatePresetWithoutPrivateAccessMode(accessMode: String?) {
            let workspace = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(name: "llama-2-7b", accessMode: accessMode)
            }
            let problems = validator.validateCreate(workspace)
            #expect(
                found(problems) == [
                    Found(
                        "inference.preset.accessMode",
                        "This preset only supports private AccessMode, AccessMode must be private to continue")
                ])
            #expect(
                problems.first?.hint == "set accessMode: private and presetOptions.image to your own llama-2-7b image")
        }

        @Test(arguments: [nil, PresetOptions(), PresetOptions(image: "")] as [PresetOptions?])
        func privateAccessModeWithoutImage(options: PresetOptions?) {
            let workspace = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(name: "llama-2-7b", accessMode: "private", presetOptions: options)
            }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found(
                        "inference.preset.presetOptions.image",
                        "When AccessMode is private, an image must be provided in PresetOptions")
                ])
        }

        @Test func privatePresetWithImageIsAccepted() {
            expectNoProblems(validator.validateCreate(inferenceWorkspace { $0.inference?.preset = privatePreset("llama-2-7b") }))
            // Pull secrets are not required (spec 2.3 C.3.4).
            let noSecrets = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(
                    name: "llama-2-7b", accessMode: "private",
                    presetOptions: PresetOptions(image: "myregistry.azurecr.io/llama-2-7b:0.0.1"))
            }
            #expect(validator.validateCreate(noSecrets).isEmpty)
            // A public preset may be run from a private image.
            expectNoProblems(validator.validateCreate(inferenceWorkspace { $0.inference?.preset = privatePreset("falcon-7b") }))
        }

        @Test func publicPresetInPrivateModeNeedsAnImage() {
            let workspace = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(name: "falcon-7b", accessMode: "private")
            }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found(
                        "inference.preset.presetOptions.image",
                        "When AccessMode is private, an image must be provided in PresetOptions")
                ])
        }

        @Test func badAccessModeValue() {
            let workspace = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(name: "falcon-7b", accessMode: "Private")
            }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found(
                        "inference.preset.accessMode",
                        "Unsupported value: \"Private\": supported values: \"private\", \"public\"")
                ])

            let llama = inferenceWorkspace {
                $0.inference?.preset = PresetSpec(
                    name: "llama-2-7b", accessMode: "secret",
                    presetOptions: PresetOptions(image: "myregistry.azurecr.io/llama-2-7b:0.0.1"))
            }
            #expect(
                found(validator.validateCreate(llama)) == [
                    Found(
                        "inference.preset.accessMode",
                        "Unsupported value: \"secret\": supported values: \"private\", \"public\""),
                    Found(
                        "inference.preset.accessMode",
                        "This preset only supports private AccessMode, AccessMode must be private to continue"),
                ])

            let tuning = tuningWorkspace { $0.tuning?.preset?.accessMode = "open" }
            #expect(
                found(validator.validateCreate(tuning)) == [
                    Found(
                        "tuning.preset.accessMode", "Unsupported value: \"open\": supported values: \"private\", \"public\"")
                ])
        }
    }
}

// MARK: - Adapters

extension ValidationTests {
    @Suite struct Adapters {
        @Test func validAdaptersAreAccepted() {
            let adapters = (0..<10).map { adapter("adapter-\($0)") }
            #expect(validator.validateCreate(withAdapters(adapters)).isEmpty)
            #expect(validator.validateCreate(withAdapters([])).isEmpty)
        }

        @Test func moreThanTenAdapters() {
            let adapters = (0...10).map { adapter("adapter-\($0)") }
            #expect(
                found(validator.validateCreate(withAdapters(adapters))) == [
                    Found("inference.adapters", "Number of Adapters exceeds the maximum limit, maximum of 10 allowed")
                ])
        }

        @Test func duplicateNames() {
            let twice = withAdapters([adapter("adapter-a"), adapter("adapter-b"), adapter("adapter-a")])
            #expect(
                found(validator.validateCreate(twice)) == [
                    Found("inference.adapters[2].source.name", "Duplicate adapter source name found: adapter-a")
                ])

            let thrice = withAdapters([adapter("adapter-a"), adapter("adapter-a"), adapter("adapter-a")])
            #expect(
                found(validator.validateCreate(thrice)) == [
                    Found("inference.adapters[1].source.name", "Duplicate adapter source name found: adapter-a"),
                    Found("inference.adapters[2].source.name", "Duplicate adapter source name found: adapter-a"),
                ])
        }

        @Test func missingSource() {
            let problems = validator.validateCreate(withAdapters([AdapterSpec(strength: "0.5")]))
            #expect(found(problems) == [Found("inference.adapters[0].source", "missing field(s)")])
            #expect(problems.first?.hint == "give the adapter a source with name and image")
        }

        @Test(arguments: [nil, ""] as [String?])
        func emptyName(name: String?) {
            let workspace = withAdapters([
                AdapterSpec(source: DataSource(name: name, image: "myregistry.azurecr.io/adapters/a:0.0.1"), strength: "0.5")
            ])
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference.adapters[0].source.name", "missing field(s): Name of Adapter field must be specified")
                ])
        }

        @Test(arguments: ["Adapter-A", "adapter.a", "adapter_a", "-adapter", String(repeating: "a", count: 64)])
        func badName(name: String) {
            let workspace = withAdapters([adapter(name, image: "myregistry.azurecr.io/adapters/a:0.0.1")])
            let problems = validator.validateCreate(workspace)
            #expect(
                found(problems) == [
                    Found(
                        "inference.adapters[0].source.name",
                        "invalid value: \(name): Name of Adapter must be a valid DNS-1123 label")
                ])
            #expect(problems.first?.hint == "it names the adapter's init container: " + NameRules.dns1123LabelRule)
        }

        @Test(arguments: [nil, ""] as [String?])
        func missingImage(image: String?) {
            let workspace = withAdapters([AdapterSpec(source: DataSource(name: "adapter-a", image: image), strength: "0.5")])
            let problems = validator.validateCreate(workspace)
            #expect(
                found(problems) == [
                    Found("inference.adapters[0].source.image", "missing field(s): Image of Adapter field must be specified")
                ])
            #expect(problems.first?.hint == "the adapter is loaded from the /data folder of this image")
        }

        @Test(arguments: ["<YOUR_IMAGE>", "adapter:0.0.1", "myregistry.azurecr.io/adapters/a", "myregistry.azurecr.io/adapters/a:"])
        func badImageFormatIsAWarningOnCreate(image: String) {
            let problems = validator.validateCreate(withAdapters([adapter("adapter-a", image: image)]))
            #expect(
                found(problems) == [
                    Found(
                        "inference.adapters[0].source.image", "invalid value: Invalid image format, require full input image URL",
                        .warning)
                ])
            #expect(problems.errors.isEmpty)
            #expect(problems.first?.hint == "use REGISTRY/REPOSITORY:TAG, e.g. myregistry.azurecr.io/adapters/name:0.0.1")
        }

        @Test func badImageFormatOnUpdate() {
            let good = withAdapters([adapter("adapter-a")])
            let bad = withAdapters([adapter("adapter-a", image: "<YOUR_IMAGE>")])
            let message = "invalid value: Invalid image format, require full input image URL"

            // Changed to a bad image: error.
            #expect(
                found(validator.validateUpdate(bad, from: good)) == [
                    Found("inference.adapters[0].source.image", message, .error)
                ])
            // Unchanged bad image (e.g. the controller's own status write): warning only.
            #expect(
                found(validator.validateUpdate(bad, from: bad)) == [
                    Found("inference.adapters[0].source.image", message, .warning)
                ])
            // A new adapter with a bad image next to an unchanged one: error for the new one only.
            let added = withAdapters([adapter("adapter-a", image: "<YOUR_IMAGE>"), adapter("adapter-b", image: "b:1")])
            #expect(
                found(validator.validateUpdate(added, from: bad)) == [
                    Found("inference.adapters[0].source.image", message, .warning),
                    Found("inference.adapters[1].source.image", message, .error),
                ])
        }

        @Test func uppercaseRepository() {
            let image = "myregistry.azurecr.io/adapters/Falcon-Adapter:0.0.1"
            let workspace = withAdapters([adapter("adapter-a", image: image)])
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference.adapters[0].source.image", "invalid value: Repository name must be lowercase", .warning)
                ])
            // Only the repository name counts: upper case in the registry or the tag is fine.
            let elsewhere = withAdapters([adapter("adapter-a", image: "MyRegistry.azurecr.io/adapters/falcon:V1")])
            #expect(validator.validateCreate(elsewhere).isEmpty)
            // On update, a changed adapter with it is an error.
            #expect(
                found(validator.validateUpdate(workspace, from: withAdapters([adapter("adapter-a")]))) == [
                    Found("inference.adapters[0].source.image", "invalid value: Repository name must be lowercase")
                ])
        }

        @Test func strengthNotANumber() {
            let problems = validator.validateCreate(withAdapters([adapter("x", strength: "abc")]))
            #expect(
                found(problems) == [
                    Found(
                        "inference.adapters[0].strength",
                        #"Invalid strength value for Adapter 'x': strconv.ParseFloat: parsing "abc": invalid syntax"#)
                ])
            #expect(problems.first?.hint == "use a decimal string between 0 and 1, such as \"0.5\"")
        }

        @Test(arguments: ["", " 0.5", "0.5 ", "1,0", "0.5.1", "one"])
        func strengthUnparseable(strength: String) {
            let problems = validator.validateCreate(withAdapters([adapter("x", strength: strength)]))
            #expect(
                found(problems) == [
                    Found(
                        "inference.adapters[0].strength",
                        "Invalid strength value for Adapter 'x': strconv.ParseFloat: parsing \"\(strength)\": invalid syntax")
                ])
        }

        /// v0.3.1 accepted NaN (every comparison with it is false); it is rejected here (compatibility quirk 10).
        @Test(arguments: ["NaN", "nan"])
        func strengthNaNIsRejected(strength: String) {
            let problems = validator.validateCreate(withAdapters([adapter("x", strength: strength)]))
            #expect(
                found(problems) == [
                    Found("inference.adapters[0].strength", "Strength value for Adapter 'x' must be between 0 and 1")
                ])
        }

        /// Go's ParseFloat reads `Inf` and `infinity`, which then fail the range check.
        @Test(arguments: ["1.5", "-0.1", "1.0000001", "2", "Inf", "-Inf", "+infinity"])
        func strengthOutOfRange(strength: String) {
            #expect(
                found(validator.validateCreate(withAdapters([adapter("x", strength: strength)]))) == [
                    Found("inference.adapters[0].strength", "Strength value for Adapter 'x' must be between 0 and 1")
                ])
        }

        @Test(arguments: [nil, "0", "1", "0.5", "1.0", ".25", "1e-1", "-0"] as [String?])
        func strengthAccepted(strength: String?) {
            #expect(validator.validateCreate(withAdapters([adapter("x", strength: strength)])).isEmpty)
        }

        @Test func volumeSource() {
            let workspace = withAdapters([
                AdapterSpec(source: DataSource(name: "adapter-a", volumeSource: ["emptyDir": [:]]), strength: "0.5")
            ])
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference.adapters[0].source.image", "missing field(s): Image of Adapter field must be specified"),
                    Found("inference.adapters[0].source.volumeSource", "invalid value: Volume support is not implemented yet"),
                ])
        }

        @Test func urlsOnAdapter() {
            let workspace = withAdapters([
                AdapterSpec(
                    source: DataSource(
                        name: "adapter-a", urls: ["https://example.com/adapter.safetensors"],
                        image: "myregistry.azurecr.io/adapters/a:0.0.1"),
                    strength: "0.5")
            ])
            let problems = validator.validateCreate(workspace)
            #expect(
                found(problems) == [
                    Found("inference.adapters[0].source", "Exactly one of URLs, Volume, or Image must be specified")
                ])
            #expect(problems.first?.hint == "adapters load from image only")
        }

        @Test func adaptersAreCheckedWithATemplateToo() {
            let workspace = inferenceWorkspace {
                $0.inference = InferenceSpec(template: podTemplate, adapters: [adapter("x", strength: "7")])
            }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found("inference.adapters[0].strength", "Strength value for Adapter 'x' must be between 0 and 1")
                ])
        }

        @Test func everyAdapterProblemIsReported() {
            let workspace = withAdapters([
                adapter("Bad.Name", image: "<YOUR_IMAGE>", strength: "abc"),
                AdapterSpec(),
                adapter("ok"),
            ])
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found(
                        "inference.adapters[0].source.name",
                        "invalid value: Bad.Name: Name of Adapter must be a valid DNS-1123 label"),
                    Found(
                        "inference.adapters[0].source.image",
                        "invalid value: Invalid image format, require full input image URL", .warning),
                    Found(
                        "inference.adapters[0].strength",
                        #"Invalid strength value for Adapter 'Bad.Name': strconv.ParseFloat: parsing "abc": invalid syntax"#),
                    Found("inference.adapters[1].source", "missing field(s)"),
                ])
        }
    }
}

// MARK: - Tuning

extension ValidationTests {
    @Suite struct Tuning {
        @Test func multinode() {
            let problems = validator.validateCreate(tuningWorkspace { $0.resource?.count = 2 })
            #expect(
                found(problems) == [
                    Found(
                        "resource.count",
                        "invalid value: Tuning does not currently support multinode configurations. Please set the node "
                            + "count to 1. Future support with DeepSpeed will allow this.")
                ])
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.resource?.count = 1 }))
        }

        @Test(arguments: [nil, ""] as [String?])
        func methodMissing(method: String?) {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.method = method })
            #expect(found(problems) == [Found("tuning.method", "missing field(s)")])
            #expect(problems.first?.hint == "set method: lora or qlora")
        }

        @Test(arguments: ["foo", "lora2", "q-lora"])
        func methodUnknown(method: String) {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.method = method })
            #expect(found(problems) == [Found("tuning.method", "invalid value: \(method)")])
            #expect(problems.first?.hint == "use lora or qlora")
        }

        @Test(arguments: ["lora", "qlora", "LoRA", "QLORA"])
        func methodAcceptedCaseInsensitively(method: String) {
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.tuning?.method = method }))
        }

        @Test func inputMissing() {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.input = nil })
            #expect(found(problems) == [Found("tuning.input", "missing field(s)")])
            #expect(problems.first?.hint == "add input.urls or input.image with the training data")
        }

        @Test(arguments: [DataSource(name: "dolly"), DataSource(name: "dolly", urls: []), DataSource(image: "")])
        func inputWithoutSource(input: DataSource) {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.input = input })
            #expect(found(problems) == [Found("tuning.input", "Exactly one of URLs, Volume, or Image must be specified")])
            #expect(problems.first?.hint == "add urls or image")
        }

        @Test func inputWithTwoSources() {
            let input = DataSource(name: "dolly", urls: [datasetURL], image: "myregistry.azurecr.io/data/dolly:0.0.1")
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.input = input })
            #expect(found(problems) == [Found("tuning.input", "Exactly one of URLs, Volume, or Image must be specified")])
            #expect(problems.first?.hint == "keep only one of urls and image")
        }

        @Test func inputImageOnlyIsAccepted() {
            let input = DataSource(name: "dolly", image: "myregistry.azurecr.io/data/dolly:0.0.1", imagePullSecrets: ["s"])
            expectNoProblems(validator.validateCreate(tuningWorkspace { $0.tuning?.input = input }))
        }

        @Test func inputVolumeSource() {
            let input = DataSource(name: "dolly", volumeSource: ["persistentVolumeClaim": ["claimName": "data"]])
            #expect(
                found(validator.validateCreate(tuningWorkspace { $0.tuning?.input = input })) == [
                    Found("tuning.input.volumeSource", "invalid value: Volume support is not implemented yet")
                ])
            let both = DataSource(name: "dolly", urls: [datasetURL], volumeSource: ["emptyDir": [:]])
            #expect(
                found(validator.validateCreate(tuningWorkspace { $0.tuning?.input = both })) == [
                    Found("tuning.input.volumeSource", "invalid value: Volume support is not implemented yet"),
                    Found("tuning.input", "Exactly one of URLs, Volume, or Image must be specified"),
                ])
        }

        @Test(arguments: [
            ("dolly:latest", "invalid value: Invalid image format, require full input image URL"),
            ("myregistry.azurecr.io/data/dolly", "invalid value: Invalid image format, require full input image URL"),
            ("myregistry.azurecr.io/data/Dolly:0.0.1", "invalid value: Repository name must be lowercase"),
        ])
        func badInputImage(image: String, message: String) {
            let input = DataSource(name: "dolly", image: image)
            #expect(
                found(validator.validateCreate(tuningWorkspace { $0.tuning?.input = input })) == [
                    Found("tuning.input.image", message)
                ])
        }

        @Test func outputMissing() {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.output = nil })
            #expect(found(problems) == [Found("tuning.output", "missing field(s)")])
            #expect(problems.first?.hint == "add output.image and output.imagePushSecret")
        }

        @Test(arguments: [nil, ""] as [String?])
        func outputImageWithoutPushSecret(secret: String?) {
            let problems = validator.validateCreate(
                tuningWorkspace { $0.tuning?.output = DataDestination(image: outputImage, imagePushSecret: secret) })
            #expect(
                found(problems) == [
                    Found("tuning.output.imagePushSecret", "missing field(s): Must specify imagePushSecret with destination image")
                ])
            #expect(problems.first?.hint == "name a kubernetes.io/dockerconfigjson secret that can push to the registry")
        }

        @Test func outputWithNeitherVolumeNorImage() {
            let problems = validator.validateCreate(
                tuningWorkspace { $0.tuning?.output = DataDestination(imagePushSecret: "myregistrysecret") })
            #expect(
                found(problems) == [
                    Found("tuning.output", "missing field(s): At least one of Volume or Image must be specified")
                ])
            #expect(problems.first?.hint == "set output.image to where the trained adapter is pushed")
        }

        @Test func outputVolumeSource() {
            let problems = validator.validateCreate(
                tuningWorkspace { $0.tuning?.output = DataDestination(volumeSource: ["emptyDir": [:]]) })
            #expect(
                found(problems) == [Found("tuning.output.volumeSource", "invalid value: Volume support is not implemented yet")])
        }

        @Test(arguments: [
            ("phi-3-adapter:0.0.1", "invalid value: Invalid image format, require full output image URL"),
            ("myregistry.azurecr.io/adapters/Phi-3:0.0.1", "invalid value: Repository name must be lowercase"),
        ])
        func badOutputImage(image: String, message: String) {
            let problems = validator.validateCreate(
                tuningWorkspace { $0.tuning?.output = DataDestination(image: image, imagePushSecret: "myregistrysecret") })
            #expect(found(problems) == [Found("tuning.output.image", message)])
        }

        @Test func presetMissing() {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.preset = nil })
            #expect(found(problems) == [Found("tuning.preset", "missing field(s)")])
            #expect(problems.first?.hint == "add tuning.preset.name, e.g. phi-3-mini-128k-instruct")
        }

        @Test func unknownTuningPreset() {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.preset = PresetSpec(name: "phi-3-mini") })
            #expect(
                found(problems) == [Found("tuning.preset.name", "invalid value: Unsupported tuning preset name phi-3-mini")])
            #expect(problems.first?.hint?.hasPrefix("did you mean phi-3-mini") == true)
        }

        @Test(arguments: ["falcon-7b-instruct", "mistral-7b-instruct", "falcon-40b-instruct", "llama-2-7b"])
        func presetThatCannotBeTuned(preset: String) {
            let problems = validator.validateCreate(tuningWorkspace { $0.tuning?.preset = PresetSpec(name: preset) })
            #expect(found(problems) == [Found("tuning.preset.name", "invalid value: Preset \(preset) does not support tuning")])
            let tunable = PresetCatalog.bundled.models.filter(\.supportsTuning).map(\.name)
            #expect(tunable.contains("phi-3-mini-128k-instruct") && !tunable.contains(preset))
            #expect(problems.first?.hint == "tunable presets: " + tunable.joined(separator: ", "))
        }

        @Test func tuningSizingWarning() {
            let workspace = tuningWorkspace {
                $0.resource?.instanceType = "Standard_NC6s_v3"
                $0.tuning?.preset = PresetSpec(name: "phi-3-medium-4k-instruct")
            }
            let problems = validator.validateCreate(workspace)
            #expect(
                found(problems) == [
                    Found(
                        "resource.instanceType",
                        "Standard_NC6s_v3 may be too small to tune phi-3-medium-4k-instruct: it has 16Gi per GPU and "
                            + "16Gi in total; tuning needs 80Gi per GPU and 80Gi in total",
                        .warning)
                ])
            #expect(problems.errors.isEmpty)
        }

        @Test func tuningSizingFits() {
            let workspace = tuningWorkspace {
                $0.resource?.instanceType = "Standard_NC6s_v3"
                $0.tuning?.preset = PresetSpec(name: "falcon-7b")
            }
            #expect(validator.validateCreate(workspace).isEmpty)
        }

        @Test func everyTuningProblemIsReportedInRuleOrder() {
            let workspace = tuningWorkspace {
                $0.resource?.count = 3
                $0.tuning = TuningSpec(method: "foo", output: DataDestination(image: "bad"))
            }
            #expect(
                found(validator.validateCreate(workspace)) == [
                    Found(
                        "resource.count",
                        "invalid value: Tuning does not currently support multinode configurations. Please set the node "
                            + "count to 1. Future support with DeepSpeed will allow this."),
                    Found("tuning.method", "invalid value: foo"),
                    Found("tuning.input", "missing field(s)"),
                    Found("tuning.output.image", "invalid value: Invalid image format, require full output image URL"),
                    Found("tuning.output.imagePushSecret", "missing field(s): Must specify imagePushSecret with destination image"),
                    Found("tuning.preset", "missing field(s)"),
                ])
        }
    }
}

// MARK: - Update rules

extension ValidationTests {
    @Suite struct Update {
        @Test func inferenceToggledOff() {
            let new = inferenceWorkspace { $0.inference = nil }
            #expect(
                found(validator.validateUpdate(new, from: inferenceWorkspace())) == [
                    Found("inference", "Inference field cannot be toggled once set")
                ])
        }

        @Test func tuningToggledOff() {
            let new = tuningWorkspace { $0.tuning = nil }
            #expect(
                found(validator.validateUpdate(new, from: tuningWorkspace())) == [
                    Found("tuning", "Tuning field cannot be toggled once set")
                ])
        }

        @Test func sectionsToggledOn() {
            let old = inferenceWorkspace()
            let new = inferenceWorkspace { $0.tuning = tuningWorkspace().tuning }
            let problems = found(validator.validateUpdate(new, from: old))
            #expect(problems.first == Found("tuning", "Tuning field cannot be toggled once set"))
            #expect(!problems.contains(Found("inference", "Inference field cannot be toggled once set")))

            let swapped = tuningWorkspace { $0.resource = old.resource }
            let both = found(validator.validateUpdate(swapped, from: old))
            #expect(Array(both.prefix(2)) == [
                Found("inference", "Inference field cannot be toggled once set"),
                Found("tuning", "Tuning field cannot be toggled once set"),
            ])
        }

        @Test func countIsImmutable() {
            let old = inferenceWorkspace { $0.resource?.count = 1 }
            let problems = validator.validateUpdate(inferenceWorkspace { $0.resource?.count = 2 }, from: old)
            #expect(found(problems) == [Found("resource.count", "field is immutable")])
            #expect(problems.first?.hint == "it was 1")
            // Defaults apply to both sides before comparing: unset and 1 are the same count.
            expectNoProblems(validator.validateUpdate(inferenceWorkspace { $0.resource?.count = 1 }, from: inferenceWorkspace()))
            #expect(validator.validateUpdate(inferenceWorkspace(), from: old).isEmpty)
            #expect(
                found(validator.validateUpdate(inferenceWorkspace { $0.resource?.count = 2 }, from: inferenceWorkspace()))
                    == [Found("resource.count", "field is immutable")])
        }

        @Test func instanceTypeIsImmutable() {
            let new = inferenceWorkspace { $0.resource?.instanceType = "Standard_NC24s_v3" }
            let problems = validator.validateUpdate(new, from: inferenceWorkspace())
            #expect(found(problems) == [Found("resource.instanceType", "field is immutable")])
            #expect(problems.first?.hint == "it was Standard_NC12s_v3; create a new workspace for another SKU")
            // Unset defaults to Standard_NC12s_v3 on both sides.
            expectNoProblems(
                validator.validateUpdate(inferenceWorkspace { $0.resource?.instanceType = nil }, from: inferenceWorkspace()))
        }

        @Test func labelSelectorIsImmutable() {
            let changed = inferenceWorkspace { $0.resource?.labelSelector = LabelSelector(matchLabels: ["apps": "y"]) }
            #expect(
                found(validator.validateUpdate(changed, from: inferenceWorkspace())) == [
                    Found("resource.labelSelector", "field is immutable")
                ])
            // The same map written as an In expression is no change.
            let sameMap = inferenceWorkspace {
                $0.resource?.labelSelector = LabelSelector(matchExpressions: [
                    LabelSelectorRequirement(key: "apps", operator: .in, values: ["x"])
                ])
            }
            #expect(validator.validateUpdate(sameMap, from: inferenceWorkspace()).isEmpty)
        }

        @Test func labelSelectorNotConvertibleOnUpdate() {
            let notIn = inferenceWorkspace {
                $0.resource?.labelSelector = LabelSelector(matchExpressions: [
                    LabelSelectorRequirement(key: "apps", operator: .notIn, values: ["y"])
                ])
            }
            let expected = [Found("resource.labelSelector", "Only allow matchLabels or 'IN' matchExpression")]
            #expect(found(validator.validateUpdate(notIn, from: inferenceWorkspace())) == expected)
            #expect(found(validator.validateUpdate(inferenceWorkspace(), from: notIn)) == expected)
        }

        @Test func preferredNodesAreMutable() {
            let new = inferenceWorkspace { $0.resource?.preferredNodes = ["aks-gpu-1", "aks-gpu-2"] }
            #expect(validator.validateUpdate(new, from: inferenceWorkspace()).isEmpty)
        }

        @Test func inferencePresetIsImmutable() {
            let new = inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "falcon-7b-instruct") }
            #expect(
                found(validator.validateUpdate(new, from: inferenceWorkspace())) == [
                    Found("inference.preset", "field is immutable")
                ])
            // accessMode defaults to public on both sides before comparing.
            let explicit = inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "falcon-7b", accessMode: "public") }
            #expect(validator.validateUpdate(explicit, from: inferenceWorkspace()).isEmpty)
            let image = inferenceWorkspace { $0.inference?.preset = privatePreset("falcon-7b") }
            #expect(
                found(validator.validateUpdate(image, from: inferenceWorkspace())) == [
                    Found("inference.preset", "field is immutable")
                ])
        }

        @Test func templateSetAndUnset() {
            let template = inferenceWorkspace { $0.inference = InferenceSpec(template: podTemplate) }
            let expected = [
                Found("inference.preset", "field is immutable"),
                Found("inference.template", "field cannot be unset/set if it was set/unset"),
            ]
            #expect(found(validator.validateUpdate(template, from: inferenceWorkspace())) == expected)
            #expect(found(validator.validateUpdate(inferenceWorkspace(), from: template)) == expected)
            // The template content may change.
            let changed = inferenceWorkspace {
                $0.inference = InferenceSpec(template: ["spec": ["containers": [["name": "other", "image": "a/b:1"]]]])
            }
            #expect(validator.validateUpdate(changed, from: template).isEmpty)
        }

        @Test func adaptersMayChange() {
            let old = withAdapters([adapter("adapter-a")])
            let new = withAdapters([adapter("adapter-a", strength: "0.9"), adapter("adapter-b")])
            #expect(validator.validateUpdate(new, from: old).isEmpty)
            #expect(validator.validateUpdate(inferenceWorkspace(), from: new).isEmpty)
        }

        @Test func adapterRulesOnUpdate() {
            let old = withAdapters([adapter("adapter-a")])
            let new = withAdapters([
                adapter("adapter-a", strength: "1.5"), AdapterSpec(strength: "0.1"), adapter("adapter-a"),
            ])
            #expect(
                found(validator.validateUpdate(new, from: old)) == [
                    Found("inference.adapters[0].strength", "Strength value for Adapter 'adapter-a' must be between 0 and 1"),
                    Found("inference.adapters[1].source", "missing field(s)"),
                    Found("inference.adapters[2].source.name", "Duplicate adapter source name found: adapter-a"),
                ])
        }

        @Test func adapterLimitOnUpdate() {
            let old = withAdapters((0..<10).map { adapter("adapter-\($0)") })
            let new = withAdapters((0...10).map { adapter("adapter-\($0)") })
            #expect(validator.validateUpdate(old, from: old).isEmpty)
            #expect(
                found(validator.validateUpdate(new, from: old)) == [
                    Found("inference.adapters", "Number of Adapters exceeds the maximum limit, maximum of 10 allowed")
                ])
        }

        @Test func tuningInputNameIsImmutable() {
            let new = tuningWorkspace { $0.tuning?.input?.name = "alpaca" }
            #expect(
                found(validator.validateUpdate(new, from: tuningWorkspace())) == [
                    Found("tuning.input.name", "invalid value: During tuning Name field cannot be changed once set")
                ])
            let removed = tuningWorkspace { $0.tuning?.input?.name = nil }
            #expect(
                found(validator.validateUpdate(removed, from: tuningWorkspace())) == [
                    Found("tuning.input.name", "invalid value: During tuning Name field cannot be changed once set")
                ])
        }

        @Test func tuningInputAndOutputOnUpdate() {
            let old = tuningWorkspace()
            #expect(
                found(validator.validateUpdate(tuningWorkspace { $0.tuning?.input = nil }, from: old)) == [
                    Found("tuning.input", "missing field(s)")
                ])
            #expect(
                found(validator.validateUpdate(tuningWorkspace { $0.tuning?.output = nil }, from: old)) == [
                    Found("tuning.output", "missing field(s)")
                ])
            let volumes = tuningWorkspace {
                $0.tuning?.input?.volumeSource = ["emptyDir": [:]]
                $0.tuning?.output?.volumeSource = ["emptyDir": [:]]
            }
            #expect(
                found(validator.validateUpdate(volumes, from: old)) == [
                    Found("tuning.input.volumeSource", "invalid value: Volume support is not implemented yet"),
                    Found("tuning.output.volumeSource", "invalid value: Volume support is not implemented yet"),
                ])
        }

        @Test func tuningPresetIsImmutable() {
            let new = tuningWorkspace { $0.tuning?.preset = PresetSpec(name: "phi-3-mini-4k-instruct") }
            #expect(
                found(validator.validateUpdate(new, from: tuningWorkspace())) == [
                    Found("tuning.preset", "Preset cannot be changed")
                ])
            let explicit = tuningWorkspace { $0.tuning?.preset?.accessMode = "public" }
            #expect(validator.validateUpdate(explicit, from: tuningWorkspace()).isEmpty)
        }

        @Test func tuningMethodIsImmutableCaseInsensitively() {
            #expect(
                found(validator.validateUpdate(tuningWorkspace { $0.tuning?.method = "lora" }, from: tuningWorkspace()))
                    == [Found("tuning.method", "Method cannot be changed")])
            expectNoProblems(validator.validateUpdate(tuningWorkspace { $0.tuning?.method = "QLoRA" }, from: tuningWorkspace()))
        }

        @Test func tuningConfigInputAndOutputImageMayChange() {
            let new = tuningWorkspace {
                $0.tuning?.config = "my-config"
                $0.tuning?.input?.urls = ["https://example.com/data.parquet"]
                $0.tuning?.output?.image = "myregistry.azurecr.io/adapters/phi-3:0.0.2"
                $0.tuning?.output?.imagePushSecret = "other-secret"
            }
            #expect(validator.validateUpdate(new, from: tuningWorkspace()).isEmpty)
            let toImage = tuningWorkspace {
                $0.tuning?.input = DataSource(name: "dolly", image: "myregistry.azurecr.io/data/dolly:0.0.1")
            }
            #expect(validator.validateUpdate(toImage, from: tuningWorkspace()).isEmpty)
        }

        @Test func updateDoesNotRunCreateOnlyRules() {
            // Name, SKU support and sizing are create rules; an update of an existing object does not re-run them.
            let old = inferenceWorkspace {
                $0.metadata.name = "Old_Name"
                $0.resource?.instanceType = "Standard_NC6s_v3"
                $0.inference?.preset = PresetSpec(name: "phi-3-medium-4k-instruct")
            }
            #expect(validator.validateUpdate(old, from: old).isEmpty)
        }
    }
}

// MARK: - Defaulting

extension ValidationTests {
    @Suite struct Defaulting {
        @Test func validateCreateAppliesDefaults() {
            let bare = inferenceWorkspace { $0.resource = ResourceSpec(labelSelector: baselineSelector) }
            #expect(validator.validateCreate(bare).isEmpty)
            // The default SKU is sized: llama-2-70b does not fit one Standard_NC12s_v3.
            let big = inferenceWorkspace {
                $0.metadata.name = "ws"
                $0.resource = ResourceSpec(labelSelector: baselineSelector)
                $0.inference?.preset = privatePreset("llama-2-70b")
            }
            let problems = found(validator.validateCreate(big))
            #expect(problems.count == 3)
            #expect(
                problems.first
                    == Found(
                        "resource.instanceType",
                        "invalid value: Insufficient number of GPUs: Instance type Standard_NC12s_v3 provides 2, "
                            + "but preset llama-2-70b requires at least 8"))
            // The llama preset's private check sees the defaulted access mode.
            let publicLlama = inferenceWorkspace { $0.inference?.preset = PresetSpec(name: "llama-2-7b") }
            #expect(found(validator.validateCreate(publicLlama)).map(\.path) == ["inference.preset.accessMode"])
        }

        @Test func defaultedFillsCRDDefaults() {
            let workspace = Workspace(
                metadata: ObjectMeta(name: "w"), resource: ResourceSpec(),
                inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")),
                tuning: TuningSpec(preset: PresetSpec(name: "phi-2"))
            ).defaulted()
            #expect(workspace.resource?.count == 1)
            #expect(workspace.resource?.instanceType == "Standard_NC12s_v3")
            #expect(workspace.resource?.labelSelector == nil)
            #expect(workspace.inference?.preset?.accessMode == "public")
            #expect(workspace.tuning?.preset?.accessMode == "public")
            #expect(ResourceSpec.defaultCount == 1)
            #expect(ResourceSpec.defaultInstanceType == "Standard_NC12s_v3")
            #expect(PresetSpec.defaultAccessMode == "public")
        }

        @Test func defaultedKeepsSetValuesAndAbsentSections() {
            let set = Workspace(
                metadata: ObjectMeta(name: "w"),
                resource: ResourceSpec(count: 3, instanceType: "Standard_NC24s_v3"),
                inference: InferenceSpec(preset: PresetSpec(name: "llama-2-7b", accessMode: "private"))
            ).defaulted()
            #expect(set.resource?.count == 3)
            #expect(set.resource?.instanceType == "Standard_NC24s_v3")
            #expect(set.inference?.preset?.accessMode == "private")

            let absent = Workspace(
                metadata: ObjectMeta(name: "w"), inference: InferenceSpec(template: podTemplate),
                tuning: TuningSpec(method: "lora")
            ).defaulted()
            #expect(absent.resource == nil)
            #expect(absent.inference?.preset == nil)
            #expect(absent.tuning?.preset == nil)
            // Adapter strength is not written back.
            let adapters = withAdapters([adapter("a", strength: nil)]).defaulted()
            #expect(adapters.inference?.adapters?.first?.strength == nil)
            // Defaulting twice changes nothing more.
            #expect(set.defaulted() == set)
        }
    }
}

// MARK: - Regressions found while writing these tests

@Suite struct ValidationRegressionTests {
    @Test func defaultTuningTemplateIsReportedInTheReleaseNamespace() {
        let workspace = tuningWorkspace { $0.metadata.namespace = "team-a" }
        let problems = validator.validateCreate(
            workspace, context: ValidationContext(tuningConfigMap: .notFound, releaseNamespace: "kaito-system"))
        #expect(found(problems) == [
            Found(
                "tuning.config",
                "Failed to evaluate validateConfigMap: ConfigMap 'qlora-params-template' specified in 'config' "
                    + "not found in namespace 'kaito-system'")
        ])
    }

    @Test func customTuningConfigIsReportedInTheWorkspaceNamespace() {
        let workspace = tuningWorkspace {
            $0.metadata.namespace = "team-a"
            $0.tuning?.config = "my-config"
        }
        let problems = validator.validateCreate(workspace, context: ValidationContext(tuningConfigMap: .notFound))
        #expect(found(problems) == [
            Found(
                "tuning.config",
                "Failed to evaluate validateConfigMap: ConfigMap 'my-config' specified in 'config' not found in "
                    + "namespace 'team-a'")
        ])
    }

    @Test func absentAndEmptyInputNamesAreTheSame() {
        let old = tuningWorkspace { $0.tuning?.input?.name = "" }
        expectNoProblems(validator.validateUpdate(tuningWorkspace { $0.tuning?.input?.name = nil }, from: old))
        let unnamed = tuningWorkspace { $0.tuning?.input?.name = nil }
        #expect(found(validator.validateUpdate(tuningWorkspace { $0.tuning?.input?.name = "x" }, from: unnamed)) == [
            Found("tuning.input.name", "invalid value: During tuning Name field cannot be changed once set")
        ])
    }

    @Test func emptyPresetOptionsAreNotAPresetChange() {
        let old = inferenceWorkspace()
        let new = inferenceWorkspace { $0.inference?.preset?.presetOptions = PresetOptions(image: "", imagePullSecrets: []) }
        expectNoProblems(validator.validateUpdate(new, from: old))
        let oldTuning = tuningWorkspace()
        let newTuning = tuningWorkspace { $0.tuning?.preset?.presetOptions = PresetOptions() }
        expectNoProblems(validator.validateUpdate(newTuning, from: oldTuning))
        let changed = inferenceWorkspace { $0.inference?.preset?.presetOptions = PresetOptions(image: "r.io/a/b:1") }
        #expect(found(validator.validateUpdate(changed, from: old)) == [Found("inference.preset", "field is immutable")])
    }

    @Test func adapterWithImageAndVolumeHasTwoSources() {
        var withVolume = adapter("a")
        withVolume.source?.volumeSource = ["emptyDir": [:]]
        #expect(found(validator.validateCreate(withAdapters([withVolume]))) == [
            Found("inference.adapters[0].source.volumeSource", "invalid value: Volume support is not implemented yet"),
            Found("inference.adapters[0].source", "Exactly one of URLs, Volume, or Image must be specified"),
        ])
    }

    @Test(arguments: [
        ("1e400", "Invalid strength value for Adapter 'a': strconv.ParseFloat: parsing \"1e400\": value out of range"),
        ("0x0.8", "Invalid strength value for Adapter 'a': strconv.ParseFloat: parsing \"0x0.8\": invalid syntax"),
        ("Inf", "Strength value for Adapter 'a' must be between 0 and 1"),
    ])
    func strengthParsesLikeGo(strength: String, message: String) {
        #expect(found(validator.validateCreate(withAdapters([adapter("a", strength: strength)]))) == [
            Found("inference.adapters[0].strength", message)
        ])
    }

    @Test func hexadecimalStrengthWithExponentIsANumber() {
        expectNoProblems(validator.validateCreate(withAdapters([adapter("a", strength: "0x1p-1")])))
    }

    @Test func longGenerateNameOfAStatefulSetPresetIsRejected() {
        let prefix = String(repeating: "a", count: 50)
        let workspace = inferenceWorkspace {
            $0.metadata.name = nil
            $0.metadata.generateName = prefix
            $0.inference?.preset = privatePreset("llama-2-13b")
        }
        let problems = validator.validateCreate(workspace)
        #expect(found(problems) == [Found("metadata.generateName", "invalid value: \(prefix)")])
        #expect(problems.first?.hint?.hasSuffix("keep the prefix to 49 characters") == true)
        let shorter = inferenceWorkspace {
            $0.metadata.name = nil
            $0.metadata.generateName = String(prefix.dropLast())
            $0.inference?.preset = privatePreset("llama-2-13b")
        }
        expectNoProblems(validator.validateCreate(shorter))
    }
}

@Suite struct RunnableSizingValidationTests {
    @Test func kaitoSumsNodesButEachReplicaMustHoldTheModel() {
        // falcon-40b (2 GPUs, 90Gi) on 2 x Standard_NC24ads_A100_v4 (1 x 80Gi each) passes Kaito's rule (2 GPUs,
        // 160Gi), but it is a Deployment: each pod gets one 80Gi node.
        let problems = validator.validateCreate(
            inferenceWorkspace {
                $0.resource?.instanceType = "Standard_NC24ads_A100_v4"
                $0.resource?.count = 2
                $0.inference?.preset = PresetSpec(name: "falcon-40b")
            })
        #expect(found(problems) == [
            Found(
                "resource.instanceType",
                "falcon-40b runs one whole replica per node, and one Standard_NC24ads_A100_v4 node (1 GPU(s), 80Gi) "
                    + "cannot hold it (2 GPU(s), 90Gi): each pod will fail to load the model",
                .warning)
        ])
        #expect(problems.first?.hint?.hasPrefix("SKUs that fit: Standard_NC48ads_A100_v4 (count 1)") == true)
    }

    @Test func distributedPresetsMaySpanNodes() {
        expectNoProblems(
            validator.validateCreate(
                inferenceWorkspace {
                    $0.resource?.instanceType = "Standard_NC24ads_A100_v4"
                    $0.resource?.count = 2
                    $0.inference?.preset = privatePreset("llama-2-13b")
                }))
    }

    @Test func nonNVIDIAAcceleratorsCannotRunPresetImages() {
        let problems = awsValidator.validateCreate(
            inferenceWorkspace {
                $0.resource?.instanceType = "inf2.xlarge"
                $0.inference?.preset = PresetSpec(name: "phi-2")
            })
        #expect(found(problems) == [
            Found(
                "resource.instanceType",
                "the accelerators of inf2.xlarge (AWS Inferentia2 accelerators) are not NVIDIA GPUs, and the phi-2 "
                    + "image needs CUDA: the model server will not start",
                .warning)
        ])
    }
}

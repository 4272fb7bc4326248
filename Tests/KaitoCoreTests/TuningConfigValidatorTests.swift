import Testing

@testable import KaitoCore

// MARK: - Fixtures (file-private)

/// Kaito's qlora template shape, valid for method qlora.
private let qloraConfig = """
    training_config:
      ModelConfig:
        torch_dtype: "bfloat16"
        local_files_only: true
        device_map: "auto"
      QuantizationConfig:
        load_in_4bit: true
        bnb_4bit_quant_type: "nf4"
        bnb_4bit_compute_dtype: "bfloat16"
        bnb_4bit_use_double_quant: true
      LoraConfig:
        r: 8
        lora_alpha: 8
        lora_dropout: 0.0
        target_modules: ["query_key_value"]
      TrainingArguments:
        output_dir: "/mnt/results"
        ddp_find_unused_parameters: false
        save_strategy: "epoch"
      DatasetConfig:
        shuffle_dataset: true
        train_test_split: 1
      DataCollator:
        mlm: true
    """

/// Kaito's lora template shape (no quantization), valid for method lora.
private let loraConfig = """
    training_config:
      ModelConfig:
        torch_dtype: "bfloat16"
      LoraConfig:
        r: 8
      TrainingArguments:
        output_dir: "results"
    """

private func validate(
    _ yaml: String, method: TuningMethod = .qlora, name: String = "my-config", namespace: String = "team-a"
) -> [String] {
    TuningConfigValidator.validate(
        .found(data: [TuningConfigValidator.dataKey: yaml]), configMapName: name, namespace: namespace, method: method)
}

/// A training config with the given QuantizationConfig body lines (indented by the caller's text).
private func quantization(_ lines: String) -> String {
    """
    training_config:
      QuantizationConfig:
    \(lines.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}

private func outputDirectory(_ value: String) -> String {
    """
    training_config:
      TrainingArguments:
        output_dir: \(value)
    """
}

/// The tuning baseline of ValidationTests: phi-3-mini-128k-instruct qlora on Standard_NC24ads_A100_v4.
private func tuningWorkspace(_ change: (inout Workspace) -> Void = { _ in }) -> Workspace {
    var workspace = Workspace(
        metadata: ObjectMeta(name: "workspace-tuning-phi-3", namespace: "team-a"),
        resource: ResourceSpec(instanceType: "Standard_NC24ads_A100_v4", labelSelector: LabelSelector(matchLabels: ["apps": "x"])),
        tuning: TuningSpec(
            preset: PresetSpec(name: "phi-3-mini-128k-instruct"), method: "qlora", config: "my-config",
            input: DataSource(name: "dolly", urls: ["https://example.com/dolly.parquet"]),
            output: DataDestination(image: "myregistry.azurecr.io/adapters/phi-3:0.0.1", imagePushSecret: "myregistrysecret")))
    change(&workspace)
    return workspace
}

@Suite("Tuning ConfigMap validation")
struct TuningConfigValidatorTests {

    // MARK: Valid configurations

    @Test func validConfigurations() {
        #expect(validate(qloraConfig, method: .qlora).isEmpty)
        #expect(validate(loraConfig, method: .lora).isEmpty)
        // Every recognised section, each empty.
        let empty = """
            training_config:
              ModelConfig: {}
              QuantizationConfig: {load_in_8bit: true}
              LoraConfig: {}
              TrainingArguments: {}
              DatasetConfig: {}
              DataCollator: {}
            """
        #expect(validate(empty, method: .qlora).isEmpty)
        #expect(TuningConfigValidator.sections.count == 6)
        #expect(TuningConfigValidator.dataKey == "training_config.yaml")
    }

    // MARK: Lookup

    @Test func notFound() {
        #expect(
            TuningConfigValidator.validate(.notFound, configMapName: "my-config", namespace: "team-a", method: .qlora) == [
                "ConfigMap 'my-config' specified in 'config' not found in namespace 'team-a'"
            ])
    }

    @Test func lookupFailed() {
        #expect(
            TuningConfigValidator.validate(
                .failed("configmaps \"my-config\" is forbidden"), configMapName: "my-config", namespace: "team-a",
                method: .lora)
                == [#"Failed to get ConfigMap 'my-config' in namespace 'team-a': configmaps "my-config" is forbidden"#])
    }

    // MARK: Schema

    @Test func missingDataKey() {
        #expect(
            TuningConfigValidator.validate(
                .found(data: ["training_config.yml": qloraConfig]), configMapName: "my-config", namespace: "team-a",
                method: .qlora) == ["missing field(s): training_config.yaml in ConfigMap"])
        #expect(
            TuningConfigValidator.validate(.found(data: [:]), configMapName: "c", namespace: "n", method: .lora) == [
                "missing field(s): training_config.yaml in ConfigMap"
            ])
    }

    @Test(arguments: ["training_config: [unclosed", "training_config:\n  a: 1\n b: 2", "a: 1\na: 2"])
    func yamlParseError(yaml: String) throws {
        let problems = validate(yaml)
        try #require(problems.count == 1)
        #expect(problems[0].hasPrefix("invalid value: line "))
        #expect(problems[0].contains("malformed YAML"))
        #expect(problems[0].hasSuffix(": training_config.yaml"))
    }

    @Test(arguments: ["training_config: 5", "training_config: [a, b]", "training_config: text", "other: {}", "", "training_config:"])
    func trainingConfigNotAMap(yaml: String) {
        #expect(validate(yaml, method: .lora) == ["invalid value: Expected 'training_config' key to contain a map"])
    }

    @Test func unrecognizedSections() {
        let one = """
            training_config:
              ModelConfig: {}
              TokenizerParams: {}
            """
        #expect(validate(one, method: .lora) == ["invalid value: Unrecognized section: TokenizerParams"])
        let two = """
            training_config:
              modelconfig: {}
              Extra: 1
              TrainingArguments: {}
            """
        #expect(
            validate(two, method: .lora) == [
                "invalid value: Unrecognized section: Extra", "invalid value: Unrecognized section: modelconfig",
            ])
    }

    // MARK: Method

    @Test(arguments: [
        ("\"true\"", "string"), ("1", "int"), ("1.5", "float64"), ("[true]", "[]interface {}"),
    ])
    func loadIn4bitNotABoolean(value: String, type: String) {
        #expect(
            validate(quantization("load_in_4bit: \(value)"), method: .lora) == [
                "invalid value: value must be either nil or a boolean, got type \(type): load_in_4bit"
            ])
    }

    @Test func loadIn8bitNotABoolean() {
        #expect(
            validate(quantization("load_in_8bit: \"false\""), method: .lora) == [
                "invalid value: value must be either nil or a boolean, got type string: load_in_8bit"
            ])
    }

    @Test func nonBooleanFlagWithQloraAlsoNeedsATrueFlag() {
        #expect(
            validate(quantization("load_in_4bit: \"true\""), name: "cm", namespace: "ns") == [
                "invalid value: value must be either nil or a boolean, got type string: load_in_4bit",
                "missing field(s): For method 'qlora', either 'load_in_4bit' or 'load_in_8bit' must be true in "
                    + "ConfigMap 'cm', QuantizationConfig",
            ])
    }

    @Test(arguments: ["load_in_4bit: null", "load_in_4bit: ~", "load_in_4bit:", "load_in_4bit: false", "bnb_4bit_quant_type: nf4"])
    func nilOrFalseFlagsAreAcceptedForLora(line: String) {
        #expect(validate(quantization(line), method: .lora).isEmpty)
    }

    @Test func yamlBooleansFollowGoYAMLResolution() {
        // `yes` and `on` are booleans (go-yaml v2), so they satisfy qlora.
        #expect(validate(quantization("load_in_4bit: yes")).isEmpty)
        #expect(validate(quantization("load_in_8bit: on")).isEmpty)
    }

    @Test func bothFlagsTrue() {
        #expect(
            validate(quantization("load_in_4bit: true\nload_in_8bit: true"), method: .qlora, name: "cm") == [
                "Cannot set both 'load_in_4bit' and 'load_in_8bit' to true in ConfigMap 'cm': QuantizationConfig"
            ])
    }

    @Test(arguments: ["load_in_4bit: true", "load_in_8bit: true"])
    func loraWithQuantization(line: String) {
        #expect(
            validate(quantization(line), method: .lora, name: "cm") == [
                "For method 'lora', 'load_in_4bit' or 'load_in_8bit' in ConfigMap 'cm' must not be true"
            ])
    }

    @Test(arguments: ["load_in_4bit: true", "load_in_8bit: true"])
    func qloraWithOneFlag(line: String) {
        #expect(validate(quantization(line), method: .qlora).isEmpty)
    }

    @Test func qloraWithoutATrueFlag() {
        #expect(
            validate(quantization("load_in_4bit: false\nload_in_8bit: false"), method: .qlora, name: "cm") == [
                "missing field(s): For method 'qlora', either 'load_in_4bit' or 'load_in_8bit' must be true in "
                    + "ConfigMap 'cm', QuantizationConfig"
            ])
    }

    @Test func qloraWithoutQuantizationConfig() {
        #expect(
            validate(loraConfig, method: .qlora, name: "cm") == [
                "missing field(s): For method 'qlora', either 'load_in_4bit' or 'load_in_8bit' must be true in "
                    + "ConfigMap 'cm', QuantizationConfig"
            ])
    }

    // MARK: TrainingArguments.output_dir

    @Test(arguments: [("5", "int"), ("true", "bool"), ("[a]", "array"), ("{a: b}", "map")])
    func outputDirectoryNotAString(value: String, kind: String) {
        #expect(
            validate(outputDirectory(value), method: .lora, name: "cm", namespace: "ns") == [
                "invalid value: output_dir is not a string in ConfigMap 'cm' in namespace 'ns'"
            ],
            "\(kind)")
    }

    @Test(arguments: ["\"../x\"", "\"\"", "\".\"", "\"/\"", "\"..\"", "\"x/..\"", "\"a/../..\"", "\"../mntx\"", "\"../mnt\""])
    func outputDirectoryNotInsideMnt(value: String) {
        let directory = String(value.dropFirst().dropLast())
        #expect(
            validate(outputDirectory(value), method: .lora) == [
                "invalid value: Invalid output_dir specified: '\(directory)', must be a directory"
            ])
    }

    /// `output_dir` is joined onto `/mnt` (Go's `filepath.Join`), so `/mnt` itself means `/mnt/mnt` and is valid,
    /// as it is in v0.3.1.
    @Test(arguments: ["results", "\"/mnt/results\"", "\"./results\"", "\"a/../b\"", "\"/mnt\"", "\"../mnt/x\"", "null"])
    func outputDirectoryInsideMnt(value: String) {
        #expect(validate(outputDirectory(value), method: .lora).isEmpty)
    }

    @Test func cleanPathMatchesGoPathClean() {
        #expect(TuningConfigValidator.cleanPath("/mnt/results") == "/mnt/results")
        #expect(TuningConfigValidator.cleanPath("/mnt//a/./b/") == "/mnt/a/b")
        #expect(TuningConfigValidator.cleanPath("/mnt/../../x") == "/x")
        #expect(TuningConfigValidator.cleanPath("/mnt/..") == "/")
        #expect(TuningConfigValidator.cleanPath("/") == "/")
    }

    @Test func everyProblemIsReported() {
        let yaml = """
            training_config:
              Unknown: {}
              QuantizationConfig:
                load_in_4bit: true
                load_in_8bit: true
              TrainingArguments:
                output_dir: ".."
            """
        #expect(
            validate(yaml, method: .lora, name: "cm") == [
                "invalid value: Unrecognized section: Unknown",
                "Cannot set both 'load_in_4bit' and 'load_in_8bit' to true in ConfigMap 'cm': QuantizationConfig",
                "For method 'lora', 'load_in_4bit' or 'load_in_8bit' in ConfigMap 'cm' must not be true",
                "invalid value: Invalid output_dir specified: '..', must be a directory",
            ])
    }
}

// MARK: - Through WorkspaceValidator

extension TuningConfigValidatorTests {
    @Suite struct WorkspaceIntegration {
        let validator = WorkspaceValidator()

        private func problems(_ lookup: ConfigMapLookup, _ workspace: Workspace = tuningWorkspace()) -> [FieldProblem] {
            validator.validateCreate(workspace, context: ValidationContext(tuningConfigMap: lookup))
        }

        @Test func validConfigMap() {
            #expect(problems(.found(data: ["training_config.yaml": qloraConfig])).isEmpty)
            #expect(ValidationContext().tuningConfigMap == nil)
        }

        @Test func notFoundIsPrefixedAtTuningConfig() {
            let found = problems(.notFound)
            #expect(found.count == 1)
            #expect(found.first?.fieldPath == "tuning.config")
            #expect(found.first?.severity == .error)
            #expect(
                found.first?.message
                    == "Failed to evaluate validateConfigMap: ConfigMap 'my-config' specified in 'config' not found in namespace 'team-a'"
            )
        }

        @Test func lookupFailure() {
            #expect(
                problems(.failed("timeout")).map(\.message) == [
                    "Failed to evaluate validateConfigMap: Failed to get ConfigMap 'my-config' in namespace 'team-a': timeout"
                ])
        }

        @Test func eachConfigMapProblemIsOneFieldProblem() {
            let yaml = """
                training_config:
                  Extra: {}
                  TrainingArguments:
                    output_dir: 5
                """
            let found = problems(.found(data: ["training_config.yaml": yaml]))
            #expect(found.map(\.fieldPath) == ["tuning.config", "tuning.config", "tuning.config"])
            #expect(found.allSatisfy { $0.severity == .error })
            #expect(
                found.map(\.message) == [
                    "Failed to evaluate validateConfigMap: invalid value: Unrecognized section: Extra",
                    "Failed to evaluate validateConfigMap: missing field(s): For method 'qlora', either 'load_in_4bit' or "
                        + "'load_in_8bit' must be true in ConfigMap 'my-config', QuantizationConfig",
                    "Failed to evaluate validateConfigMap: invalid value: output_dir is not a string in ConfigMap "
                        + "'my-config' in namespace 'team-a'",
                ])
        }

        @Test func methodIsLowerCasedForTheConfigMapRules() {
            let workspace = tuningWorkspace { $0.tuning?.method = "LoRA" }
            #expect(problems(.found(data: ["training_config.yaml": loraConfig]), workspace).isEmpty)
            #expect(
                problems(.found(data: ["training_config.yaml": qloraConfig]), workspace).map(\.message) == [
                    "Failed to evaluate validateConfigMap: For method 'lora', 'load_in_4bit' or 'load_in_8bit' in "
                        + "ConfigMap 'my-config' must not be true"
                ])
        }

        @Test func defaultTemplateNameIsUsedWithoutConfig() {
            // Without tuning.config the method's template is checked, and its name (not "") is in the message.
            let workspace = tuningWorkspace { $0.tuning?.config = nil }
            #expect(
                problems(.found(data: ["training_config.yaml": loraConfig]), workspace).map(\.message) == [
                    "Failed to evaluate validateConfigMap: missing field(s): For method 'qlora', either 'load_in_4bit' "
                        + "or 'load_in_8bit' must be true in ConfigMap 'qlora-params-template', QuantizationConfig"
                ])
            let empty = tuningWorkspace {
                $0.tuning?.config = ""
                $0.tuning?.method = "lora"
            }
            #expect(
                problems(.found(data: ["training_config.yaml": qloraConfig]), empty).map(\.message) == [
                    "Failed to evaluate validateConfigMap: For method 'lora', 'load_in_4bit' or 'load_in_8bit' in "
                        + "ConfigMap 'lora-params-template' must not be true"
                ])
        }

        @Test(arguments: [nil, "", "foo"] as [String?])
        func configMapIsNotCheckedWithoutAValidMethod(method: String?) {
            let found = problems(.notFound, tuningWorkspace { $0.tuning?.method = method })
            #expect(found.map(\.fieldPath) == ["tuning.method"])
        }

        @Test func configMapIsNotCheckedWithoutContext() {
            #expect(validator.validateCreate(tuningWorkspace()).isEmpty)
        }

        @Test func inferenceIgnoresTheTuningContext() {
            let inference = Workspace(
                metadata: ObjectMeta(name: "workspace-falcon-7b"),
                resource: ResourceSpec(instanceType: "Standard_NC12s_v3", labelSelector: LabelSelector(matchLabels: ["apps": "x"])),
                inference: InferenceSpec(preset: PresetSpec(name: "falcon-7b")))
            #expect(problems(.notFound, inference).isEmpty)
        }

        // MARK: tuningConfigMapReference

        @Test func referenceToExplicitConfig() {
            #expect(
                WorkspaceValidator.tuningConfigMapReference(for: tuningWorkspace(), releaseNamespace: "kaito-workspace")
                    == ConfigMapReference(namespace: "team-a", name: "my-config"))
            let noNamespace = tuningWorkspace { $0.metadata.namespace = nil }
            #expect(
                WorkspaceValidator.tuningConfigMapReference(for: noNamespace, releaseNamespace: "kaito-workspace")
                    == ConfigMapReference(namespace: "default", name: "my-config"))
            // An explicit config is used whatever the method.
            let badMethod = tuningWorkspace { $0.tuning?.method = "foo" }
            #expect(
                WorkspaceValidator.tuningConfigMapReference(for: badMethod, releaseNamespace: "kaito-workspace")
                    == ConfigMapReference(namespace: "team-a", name: "my-config"))
        }

        @Test(arguments: [
            ("qlora", "qlora-params-template"), ("lora", "lora-params-template"), ("LoRA", "lora-params-template"),
            ("QLoRA", "qlora-params-template"),
        ])
        func referenceToDefaultTemplateInReleaseNamespace(method: String, name: String) {
            for config in [nil, ""] as [String?] {
                let workspace = tuningWorkspace {
                    $0.tuning?.config = config
                    $0.tuning?.method = method
                }
                #expect(
                    WorkspaceValidator.tuningConfigMapReference(for: workspace, releaseNamespace: "kaito-workspace")
                        == ConfigMapReference(namespace: "kaito-workspace", name: name))
            }
        }

        @Test func noReference() {
            let badMethod = tuningWorkspace {
                $0.tuning?.config = nil
                $0.tuning?.method = "foo"
            }
            #expect(WorkspaceValidator.tuningConfigMapReference(for: badMethod, releaseNamespace: "kaito") == nil)
            let noMethod = tuningWorkspace {
                $0.tuning?.config = nil
                $0.tuning?.method = nil
            }
            #expect(WorkspaceValidator.tuningConfigMapReference(for: noMethod, releaseNamespace: "kaito") == nil)
            let inference = tuningWorkspace {
                $0.tuning = nil
                $0.inference = InferenceSpec(preset: PresetSpec(name: "falcon-7b"))
            }
            #expect(WorkspaceValidator.tuningConfigMapReference(for: inference, releaseNamespace: "kaito") == nil)
        }

        @Test func templateNames() {
            #expect(TuningMethod.lora.defaultConfigMapName == "lora-params-template")
            #expect(TuningMethod.qlora.defaultConfigMapName == "qlora-params-template")
            #expect(TuningMethod.allCases == [.lora, .qlora])
        }
    }
}

extension WorkspaceValidator {
    /// The ConfigMap Kaito reads the training configuration from: `tuning.config` in the workspace's namespace,
    /// or the method's default template (`lora-params-template`, `qlora-params-template`) in the release namespace.
    /// `nil` when the method is not `lora` or `qlora`.
    public static func tuningConfigMapReference(
        for workspace: Workspace, releaseNamespace: String
    ) -> ConfigMapReference? {
        guard let tuning = workspace.tuning else { return nil }
        if let config = tuning.config, !config.isEmpty {
            return ConfigMapReference(namespace: workspace.metadata.namespace ?? "default", name: config)
        }
        guard let method = TuningMethod(rawValue: (tuning.method ?? "").lowercased()) else { return nil }
        return ConfigMapReference(namespace: releaseNamespace, name: method.defaultConfigMapName)
    }

    func validateTuning(_ tuning: TuningSpec, workspace: Workspace, context: ValidationContext) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let method = tuning.method ?? ""
        let parsedMethod = TuningMethod(rawValue: method.lowercased())
        if method.isEmpty {
            problems.append(.missing("tuning.method", hint: "set method: lora or qlora"))
        } else if parsedMethod == nil {
            problems.append(.invalidValue("tuning.method", method, hint: "use lora or qlora"))
        }
        if let lookup = context.tuningConfigMap, let parsedMethod,
            let reference = Self.tuningConfigMapReference(for: workspace, releaseNamespace: context.releaseNamespace)
        {
            for message in TuningConfigValidator.validate(
                lookup, configMapName: reference.name, namespace: reference.namespace, method: parsedMethod)
            {
                problems.append(FieldProblem("tuning.config", "Failed to evaluate validateConfigMap: \(message)"))
            }
        }
        if let input = tuning.input {
            problems += dataSourceProblems(input, path: "tuning.input")
        } else {
            problems.append(.missing("tuning.input", hint: "add input.urls or input.image with the training data"))
        }
        if let output = tuning.output {
            problems += dataDestinationProblems(output, path: "tuning.output")
        } else {
            problems.append(.missing("tuning.output", hint: "add output.image and output.imagePushSecret"))
        }
        if let preset = tuning.preset {
            problems += validatePreset(preset, path: "tuning.preset", purpose: .tuning, workspace: workspace)
            if let model = presets.model(named: preset.name), model.supportsTuning,
                let sku = workspace.resource?.instanceType.flatMap(sizingSKU(named:)),
                let verdict = Sizing.evaluate(model, on: sku, nodeCount: 1, for: .tuning), !verdict.fits
            {
                problems.append(
                    FieldProblem(
                        "resource.instanceType",
                        "\(sku.name) may be too small to tune \(model.name): it has \(verdict.offeredPerGPUMemory) "
                            + "per GPU and \(verdict.offeredTotalGPUMemory) in total; tuning needs "
                            + "\(verdict.requiredPerGPUMemory) per GPU and \(verdict.requiredTotalGPUMemory) in total",
                        severity: .warning))
            }
        } else {
            problems.append(.missing("tuning.preset", hint: "add tuning.preset.name, e.g. phi-3-mini-128k-instruct"))
        }
        return problems
    }

    /// Kaito's DataSource rules (tuning input): exactly one source, volumes unsupported, a full image reference.
    func dataSourceProblems(_ source: DataSource, path: String) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        var sources = 0
        if !(source.urls ?? []).isEmpty { sources += 1 }
        if source.volumeSource != nil {
            sources += 1
            problems.append(.invalidValue("\(path).volumeSource", "Volume support is not implemented yet"))
        }
        if let image = source.image, !image.isEmpty {
            sources += 1
            problems += imageProblems(image, path: "\(path).image", direction: "input")
        }
        if sources != 1 {
            problems.append(
                FieldProblem(
                    path, "Exactly one of URLs, Volume, or Image must be specified",
                    hint: sources == 0 ? "add urls or image" : "keep only one of urls and image"))
        }
        return problems
    }

    /// Kaito's DataDestination rules (tuning output).
    func dataDestinationProblems(_ destination: DataDestination, path: String) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if destination.volumeSource != nil {
            problems.append(.invalidValue("\(path).volumeSource", "Volume support is not implemented yet"))
        }
        if let image = destination.image, !image.isEmpty {
            problems += imageProblems(image, path: "\(path).image", direction: "output")
            if (destination.imagePushSecret ?? "").isEmpty {
                problems.append(
                    FieldProblem(
                        "\(path).imagePushSecret",
                        "missing field(s): Must specify imagePushSecret with destination image",
                        hint: "name a kubernetes.io/dockerconfigjson secret that can push to the registry"))
            }
        } else if destination.volumeSource == nil {
            problems.append(
                FieldProblem(
                    path, "missing field(s): At least one of Volume or Image must be specified",
                    hint: "set output.image to where the trained adapter is pushed"))
        }
        return problems
    }

    func validateTuningUpdate(_ tuning: TuningSpec, old: TuningSpec?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if let input = tuning.input {
            if (input.name ?? "") != (old?.input?.name ?? "") {
                problems.append(
                    .invalidValue("tuning.input.name", "During tuning Name field cannot be changed once set"))
            }
            if input.volumeSource != nil {
                problems.append(.invalidValue("tuning.input.volumeSource", "Volume support is not implemented yet"))
            }
        } else {
            problems.append(.missing("tuning.input"))
        }
        if let output = tuning.output {
            if output.volumeSource != nil {
                problems.append(.invalidValue("tuning.output.volumeSource", "Volume support is not implemented yet"))
            }
        } else {
            problems.append(.missing("tuning.output"))
        }
        if tuning.preset?.normalized != old?.preset?.normalized {
            problems.append(FieldProblem("tuning.preset", "Preset cannot be changed"))
        }
        if (tuning.method ?? "").lowercased() != (old?.method ?? "").lowercased() {
            problems.append(FieldProblem("tuning.method", "Method cannot be changed"))
        }
        return problems
    }
}

/// A fine-tuning method.
public enum TuningMethod: String, Sendable, Hashable, CaseIterable {
    /// Low-rank adaptation.
    case lora
    /// Quantized low-rank adaptation (4- or 8-bit base model).
    case qlora

    /// The ConfigMap Kaito's chart installs with this method's default training configuration.
    public var defaultConfigMapName: String {
        switch self {
        case .lora: "lora-params-template"
        case .qlora: "qlora-params-template"
        }
    }
}

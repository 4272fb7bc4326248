import Foundation

extension WorkspaceValidator {
    enum Mode {
        case create
        case update(old: InferenceSpec?)
    }

    func validateInference(_ inference: InferenceSpec, workspace: Workspace, mode: Mode) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        switch (inference.preset, inference.template) {
        case (nil, nil):
            problems.append(
                FieldProblem(
                    "inference", "missing field(s): Preset or Template must be specified",
                    hint: "add inference.preset.name, e.g. falcon-7b"))
        case (.some, .some):
            problems.append(
                FieldProblem("inference", "Preset and Template cannot be set at the same time"))
        default:
            break
        }
        if let preset = inference.preset {
            problems += validatePreset(preset, path: "inference.preset", purpose: .inference, workspace: workspace)
        }
        if let template = inference.template, template.objectValue == nil {
            problems.append(
                FieldProblem(
                    "inference.template", "invalid value: expected a pod template object, got \(template.typeName)"))
        }
        problems += validateAdapters(inference.adapters ?? [], mode: mode)
        return problems
    }

    /// Preset rules shared by inference and tuning.
    func validatePreset(
        _ preset: PresetSpec, path: String, purpose: SizingPurpose, workspace: Workspace
    ) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let kind = purpose == .inference ? "inference" : "tuning"
        guard let model = presets.model(named: preset.name) else {
            let close = presets.suggestions(for: preset.name)
            let hint =
                close.isEmpty
                ? "run `kaitoctl models` for the supported presets"
                : "did you mean \(close.joined(separator: " or "))?"
            return [.invalidValue("\(path).name", "Unsupported \(kind) preset name \(preset.name)", hint: hint)]
        }
        let accessMode = preset.accessMode ?? PresetSpec.defaultAccessMode
        if PresetAccessMode(rawValue: accessMode) == nil {
            problems.append(
                FieldProblem(
                    "\(path).accessMode", "Unsupported value: \"\(accessMode)\": supported values: \"private\", \"public\""))
        }
        if purpose == .inference {
            if model.accessMode == .private, accessMode != PresetAccessMode.private.rawValue {
                problems.append(
                    FieldProblem(
                        "\(path).accessMode",
                        "This preset only supports private AccessMode, AccessMode must be private to continue",
                        hint: "set accessMode: private and presetOptions.image to your own \(model.name) image"))
            }
            if accessMode == PresetAccessMode.private.rawValue, (preset.presetOptions?.image ?? "").isEmpty {
                problems.append(
                    FieldProblem(
                        "\(path).presetOptions.image",
                        "When AccessMode is private, an image must be provided in PresetOptions"))
            }
            if model.supportsDistributedInference {
                problems += headlessServiceNameProblems(workspace.metadata, preset: model.name)
            }
        } else {
            if !model.supportsTuning {
                let tunable = presets.models.filter(\.supportsTuning).map(\.name)
                problems.append(
                    .invalidValue(
                        "\(path).name", "Preset \(model.name) does not support tuning",
                        hint: "tunable presets: \(tunable.joined(separator: ", "))"))
            }
        }
        return problems
    }

    /// A StatefulSet preset gets a Service `<name>-headless`, which must be a 63-character label too.
    private func headlessServiceNameProblems(_ metadata: ObjectMeta, preset: String) -> [FieldProblem] {
        let limit = 63 - "-headless".utf8.count
        let hint =
            "\(preset) runs as a StatefulSet with a Service named <name>-headless, which must fit in 63 characters"
        if let name = metadata.name, !name.isEmpty {
            guard name.utf8.count > limit else { return [] }
            return [.invalidValue("metadata.name", name, hint: hint + ": keep the name to \(limit) characters")]
        }
        // The API server appends 5 random characters to generateName.
        if let prefix = metadata.generateName, prefix.utf8.count + 5 > limit {
            return [
                .invalidValue(
                    "metadata.generateName", prefix, hint: hint + ": keep the prefix to \(limit - 5) characters")
            ]
        }
        return []
    }

    func validateAdapters(_ adapters: [AdapterSpec], mode: Mode) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if adapters.count > Self.maximumAdapters {
            problems.append(
                FieldProblem(
                    "inference.adapters", "Number of Adapters exceeds the maximum limit, maximum of 10 allowed"))
        }
        // Image format was only checked on update in v0.3.1; on create it is a warning so that existing
        // manifests keep applying, and on update it is an error only for adapters that changed.
        let previous = Set({ () -> [AdapterSpec] in
            if case .update(let old) = mode { return old?.adapters ?? [] }
            return []
        }())
        var seen: Set<String> = []
        for (index, adapter) in adapters.enumerated() {
            let path = "inference.adapters[\(index)]"
            guard let source = adapter.source else {
                problems.append(.missing("\(path).source", hint: "give the adapter a source with name and image"))
                continue
            }
            let name = source.name ?? ""
            if name.isEmpty {
                problems.append(FieldProblem("\(path).source.name", "missing field(s): Name of Adapter field must be specified"))
            } else if !NameRules.isDNS1123Label(name) {
                problems.append(
                    .invalidValue(
                        "\(path).source.name", "\(name): Name of Adapter must be a valid DNS-1123 label",
                        hint: "it names the adapter's init container: " + NameRules.dns1123LabelRule))
            }
            if !name.isEmpty, !seen.insert(name).inserted {
                problems.append(FieldProblem("\(path).source.name", "Duplicate adapter source name found: \(name)"))
            }
            let imageSeverity: FieldProblem.Severity = previous.contains(adapter) ? .warning : {
                if case .update = mode { return .error }
                return .warning
            }()
            problems += validateAdapterSource(source, path: "\(path).source", imageSeverity: imageSeverity)
            problems += validateStrength(adapter.strength, adapterName: name, path: "\(path).strength")
        }
        return problems
    }

    private func validateAdapterSource(
        _ source: DataSource, path: String, imageSeverity: FieldProblem.Severity
    ) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let image = source.image ?? ""
        if image.isEmpty {
            problems.append(
                FieldProblem(
                    "\(path).image", "missing field(s): Image of Adapter field must be specified",
                    hint: "the adapter is loaded from the /data folder of this image"))
        } else {
            for var problem in imageProblems(image, path: "\(path).image", direction: "input") {
                problem.severity = imageSeverity
                problems.append(problem)
            }
        }
        if source.volumeSource != nil {
            problems.append(.invalidValue("\(path).volumeSource", "Volume support is not implemented yet"))
        }
        // A missing image is reported above; more than one source is reported here.
        let sources = [!(source.urls ?? []).isEmpty, source.volumeSource != nil, !image.isEmpty].filter { $0 }.count
        if sources > 1 {
            problems.append(
                FieldProblem(path, "Exactly one of URLs, Volume, or Image must be specified", hint: "adapters load from image only"))
        }
        return problems
    }

    /// Strength must parse as a finite number in [0, 1]; absent means 1.0.
    private func validateStrength(_ strength: String?, adapterName: String, path: String) -> [FieldProblem] {
        guard let strength else { return [] }
        func unparsable(_ reason: String) -> [FieldProblem] {
            [
                FieldProblem(
                    path,
                    "Invalid strength value for Adapter '\(adapterName)': strconv.ParseFloat: parsing \"\(strength)\": \(reason)",
                    hint: "use a decimal string between 0 and 1, such as \"0.5\"")
            ]
        }
        let lowered = strength.lowercased()
        // Go's ParseFloat takes hexadecimal only with a binary exponent ("0x1p-1"); Swift also takes "0x0.8".
        let isHexadecimal = lowered.hasPrefix("0x") || lowered.hasPrefix("-0x") || lowered.hasPrefix("+0x")
        guard let value = Double(strength), !isHexadecimal || lowered.contains("p") else {
            return unparsable("invalid syntax")
        }
        if value.isInfinite, !lowered.contains("inf") {
            return unparsable("value out of range")
        }
        // NaN passed v0.3.1's range check; it fails here.
        guard value.isFinite, (0...1).contains(value) else {
            return [FieldProblem(path, "Strength value for Adapter '\(adapterName)' must be between 0 and 1")]
        }
        return []
    }

    /// Kaito's image rules: a full reference with a tag, and a lower-case repository name.
    func imageProblems(_ image: String, path: String, direction: String) -> [FieldProblem] {
        guard ImageReferenceRules.isFullReference(image) else {
            return [
                .invalidValue(
                    path, "Invalid image format, require full \(direction) image URL",
                    hint: "use REGISTRY/REPOSITORY:TAG, e.g. myregistry.azurecr.io/adapters/name:0.0.1")
            ]
        }
        if ImageReferenceRules.repositoryName(image).contains(where: \.isUppercase) {
            return [.invalidValue(path, "Repository name must be lowercase")]
        }
        return []
    }

    func validateInferenceUpdate(_ inference: InferenceSpec, old: InferenceSpec?, workspace: Workspace) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if inference.preset?.normalized != old?.preset?.normalized {
            problems.append(FieldProblem("inference.preset", "field is immutable"))
        }
        if (inference.template == nil) != (old?.template == nil) {
            problems.append(FieldProblem("inference.template", "field cannot be unset/set if it was set/unset"))
        }
        problems += validateAdapters(inference.adapters ?? [], mode: .update(old: old))
        return problems
    }
}

extension PresetSpec {
    /// The preset as the API server stores it: empty options and empty lists are the same as absent ones.
    var normalized: PresetSpec {
        let image = presetOptions?.image ?? ""
        let secrets = presetOptions?.imagePullSecrets ?? []
        let options =
            image.isEmpty && secrets.isEmpty
            ? nil
            : PresetOptions(image: image.isEmpty ? nil : image, imagePullSecrets: secrets.isEmpty ? nil : secrets)
        return PresetSpec(name: name, accessMode: accessMode ?? PresetSpec.defaultAccessMode, presetOptions: options)
    }
}

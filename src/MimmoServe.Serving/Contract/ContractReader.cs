using MimmoServe.Onnx;

namespace MimmoServe.Serving.Contract;

/// <summary>
/// Reads a model's contract from its session: the input and output signatures and the metadata map
/// (models/CONTRACT.md). A model without any <c>mimmo.</c> key is read as a plain classifier; a model with one
/// must carry them all. Anything broken is a <see cref="ModelContractException"/> naming the key or tensor.
/// </summary>
public static class ContractReader
{
    /// <param name="session">The model's session (its file is read for the operator computing the output).</param>
    /// <param name="overrides">What the model's config.json says over its metadata; null: nothing.</param>
    /// <exception cref="ModelContractException">The model breaks the contract.</exception>
    public static ModelContract Read(OnnxSession session, ContractOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Read(session.Inputs, session.Outputs, session.Metadata.CustomMetadata, output => OnnxGraph.OperatorComputing(session.ModelPath, output), overrides);
    }

    /// <summary>The same from the parts, so tests can vary the metadata of a real model's signature.</summary>
    /// <param name="inputs">The graph inputs.</param>
    /// <param name="outputs">The graph outputs.</param>
    /// <param name="metadata">The model's metadata map.</param>
    /// <param name="finalOperator">The operator computing a graph output (<see cref="OnnxGraph.OperatorComputing"/>); null: not known.</param>
    /// <param name="overrides">What config.json says over the metadata; null: nothing.</param>
    internal static ModelContract Read(
        IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs, IReadOnlyDictionary<string, string> metadata, Func<string, string?>? finalOperator = null, ContractOverrides? overrides = null)
    {
        var input = Single(inputs, "input");
        if (!metadata.Keys.Any(k => k.StartsWith(ContractKeys.Prefix, StringComparison.Ordinal)))
        {
            return ReadPlain(input, Single(outputs, "output"), metadata, finalOperator, overrides);
        }

        // A staged model's stage 0 has three outputs (logits, gate, next_activation); every other model one.
        var staged = metadata.TryGetValue(ContractKeys.Family, out var declared) && declared == ContractKeys.FamilyJeiDnn;
        var regression = DeclaredRegression(metadata, overrides);
        if (regression is not null && staged)
        {
            throw new ModelContractException(overrides?.Output is null ? ContractKeys.Output : $"output {ContractOverrides.Source}", "regression on a staged (early-exit) model: its gates decide where an input stops from class confidence; regression is served for models that are not staged.");
        }

        var required = regression is null ? ContractKeys.Required : ContractKeys.Required.Select(k => k == ContractKeys.NumClasses ? ContractKeys.NumTargets : k);
        foreach (var key in staged ? required.Append(ContractKeys.Stages) : required)
        {
            if (!metadata.ContainsKey(key))
            {
                throw new ModelContractException(key, "missing; a model with mimmo metadata must carry every key of the contract (models/CONTRACT.md).");
            }
        }

        var parsed = new MetadataParser(metadata);
        if (metadata[ContractKeys.FormatVersion] != ContractKeys.SupportedFormatVersion)
        {
            throw new ModelContractException(ContractKeys.FormatVersion, $"'{metadata[ContractKeys.FormatVersion]}' is not supported; this server reads version {ContractKeys.SupportedFormatVersion}.");
        }

        var family = metadata[ContractKeys.Family];
        if (!ContractKeys.Families.Contains(family))
        {
            throw new ModelContractException(ContractKeys.Family, $"'{family}' is not one of {string.Join(", ", ContractKeys.Families)}.");
        }

        var slots = parsed.PositiveInt(ContractKeys.Slots);
        if (slots > ContractKeys.MaxSlots)
        {
            throw new ModelContractException(ContractKeys.Slots, $"{slots} slots; at most {ContractKeys.MaxSlots} are supported.");
        }

        var exits = parsed.PositiveInt(ContractKeys.Exits);

        // A regression model names its T targets; its output gives T values per member, or 2T with a variance head.
        var head = regression is { } hasVariance ? new RegressionHead(parsed.PositiveInt(ContractKeys.NumTargets), hasVariance) : null;
        var named = head?.Targets ?? parsed.PositiveInt(ContractKeys.NumClasses);
        var classes = head?.Width ?? named;
        var outputKind = head is null ? OutputKindOf(metadata, ContractKeys.OutputName, classes, finalOperator, overrides?.Output) : OutputKind.Regression;
        var itemShape = parsed.ItemShape();
        var weights = parsed.ExitWeights(exits, slots);
        var labels = overrides?.Labels is { } names ? Labels(names, named) : parsed.Labels(named);
        var sizes = parsed.EnsembleSizes(slots);
        var groups = parsed.Replication(sizes, slots);
        var defaultSize = parsed.PositiveInt(ContractKeys.DefaultEnsembleSize);
        if (Array.IndexOf(sizes, defaultSize) < 0)
        {
            throw new ModelContractException(ContractKeys.DefaultEnsembleSize, $"{defaultSize} is not one of mimmo.ensemble_sizes [{string.Join(", ", sizes)}].");
        }

        var metrics = parsed.JsonObject(ContractKeys.Metrics);

        long[] inputShape = [-1, slots, .. itemShape];
        CheckTensor(input, "input", ContractKeys.InputName, inputShape);
        ModelStages? stages = null;
        if (staged)
        {
            CheckLastExitOnly(weights, exits, slots);
            stages = parsed.Stages(exits, sizes, StageLayout.Read(outputs, slots, classes, last: exits == 1, file: ""));
        }
        else
        {
            CheckTensor(Single(outputs, "output"), "output", ContractKeys.OutputName, [-1, exits, slots, classes]);
        }

        return new ModelContract(family, slots, exits, classes, itemShape, weights, labels, sizes, groups, defaultSize, metrics, metadata,
            isPlain: false, input.Name, ContractKeys.OutputName, stages) { Output = outputKind, Regression = head, Input = InputOf(metadata, overrides) };
    }

    /// <summary>
    /// Whether the output is declared a regression (<c>mimmo.output</c> = <c>regression</c>, config.json over metadata)
    /// and, if so, whether its head has a variance (<c>mimmo.regression</c>, default <c>mean</c>); null for a classifier.
    /// A regression head declared for an output that is not a regression is refused: one of the two is a mistake.
    /// </summary>
    private static bool? DeclaredRegression(IReadOnlyDictionary<string, string> metadata, ContractOverrides? overrides)
    {
        var output = overrides?.Output ?? metadata.GetValueOrDefault(ContractKeys.Output);
        var head = overrides?.Regression ?? metadata.GetValueOrDefault(ContractKeys.Regression);
        var key = overrides?.Regression is null ? ContractKeys.Regression : $"regression {ContractOverrides.Source}";
        if (output != ContractKeys.OutputRegression)
        {
            return head is null ? null : throw new ModelContractException(key, $"'{head}' for an output that is not declared '{ContractKeys.OutputRegression}' ({ContractKeys.Output}, or output in config.json).");
        }

        return head switch
        {
            null or ContractKeys.RegressionMean => false,
            ContractKeys.RegressionMeanVariance => true,
            _ => throw new ModelContractException(key, $"'{head}' is not one of {ContractKeys.RegressionMean}, {ContractKeys.RegressionMeanVariance}."),
        };
    }

    /// <summary>
    /// The model's input values (<see cref="InputValues"/>): <c>mimmo.input_scale</c>, <c>mimmo.input_offset</c> and
    /// <c>mimmo.input_range</c>, each replaced by config.json's when it has one. Refused: a scale that is not a number
    /// above 0, an offset without a scale, a range that is not [min, max] with min &lt; max, and bytes that would mean
    /// values outside the declared range (byte 0 or 255 past an end by more than a rounding).
    /// </summary>
    private static InputValues InputOf(IReadOnlyDictionary<string, string> metadata, ContractOverrides? overrides)
    {
        var parsed = new MetadataParser(metadata);
        var (scale, scaleKey) = overrides?.InputScale is { } s ? (s, $"input_scale {ContractOverrides.Source}") : (parsed.OptionalNumber(ContractKeys.InputScale), ContractKeys.InputScale);
        var (offset, offsetKey) = overrides?.InputOffset is { } o ? (o, $"input_offset {ContractOverrides.Source}") : (parsed.OptionalNumber(ContractKeys.InputOffset), ContractKeys.InputOffset);
        var (range, rangeKey) = overrides?.InputRange is { } r ? (r.ToArray(), $"input_range {ContractOverrides.Source}") : (parsed.OptionalRange(ContractKeys.InputRange), ContractKeys.InputRange);
        if (scale is { } step && !(step > 0 && (float)step > 0f && float.IsFinite((float)(step * 255))))
        {
            throw new ModelContractException(scaleKey, $"{step.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a number above 0 (the value of one step of a byte).");
        }

        if (offset is not null && scale is null)
        {
            throw new ModelContractException(offsetKey, $"an offset without a scale; declare {ContractKeys.InputScale} (input_scale in config.json) too, or neither.");
        }

        (float Min, float Max)? bounds = null;
        if (range is not null)
        {
            if (range.Length != 2 || !((float)range[0] < (float)range[1]))
            {
                throw new ModelContractException(rangeKey, $"[{string.Join(", ", range.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] is not [min, max] with min < max.");
            }

            bounds = ((float)range[0], (float)range[1]);
        }

        var values = new InputValues(scale, offset ?? 0, bounds);
        if (values.AcceptsBytes && bounds is { } b)
        {
            // A byte that means a value the range refuses would make raw_uint8 and data disagree about what is valid.
            var slack = (b.Max - b.Min) * 1e-5f;
            var low = values.ByteValues.Span[0];
            var high = values.ByteValues.Span[255];
            if (low < b.Min - slack || high > b.Max + slack)
            {
                throw new ModelContractException(scaleKey, $"bytes 0..255 mean {InputValues.Text(low)}..{InputValues.Text(high)}, outside the input range [{InputValues.Text(b.Min)}, {InputValues.Text(b.Max)}] ({rangeKey}).");
            }
        }

        return values;
    }

    /// <summary>
    /// What the output holds: <c>mimmo.output</c> when declared, else what the graph shows (computed by Softmax:
    /// probabilities; by anything else: logits). Refused, since no answer would mean what the model computed: one
    /// class (a regression value or a single-logit binary classifier, which a softmax turns into 1.0 for every
    /// input), an output computed by Sigmoid (independent per-class probabilities, multi-label), a declaration the
    /// graph contradicts (logits declared, Softmax computed) and any other declared value.
    /// </summary>
    private static OutputKind OutputKindOf(IReadOnlyDictionary<string, string> metadata, string outputName, int classes, Func<string, string?>? finalOperator, string? configured)
    {
        var computedBy = finalOperator?.Invoke(outputName);
        var key = configured is null ? ContractKeys.Output : $"output {ContractOverrides.Source}";
        var declared = configured ?? metadata.GetValueOrDefault(ContractKeys.Output);
        var subject = declared is null ? $"output '{outputName}'" : key;
        if (classes < 2)
        {
            throw new ModelContractException(subject, $"{classes} value per input: a regression output or a single-logit binary classifier, which a softmax over classes would answer with probability 1.0 for every input. A classifier served here has at least 2 classes (for a binary one, 2 logits); a regression output is declared: {ContractKeys.Output} = {ContractKeys.OutputRegression} (\"output\": \"{ContractKeys.OutputRegression}\" in config.json).");
        }

        if (computedBy == "Sigmoid")
        {
            throw new ModelContractException(subject, "the graph computes it with Sigmoid: independent per-class probabilities (multi-label), which neither a softmax nor their average as one distribution serves correctly.");
        }

        var probabilities = computedBy == "Softmax";
        return declared switch
        {
            null => probabilities ? OutputKind.Probabilities : OutputKind.Logits,
            ContractKeys.OutputProbabilities => OutputKind.Probabilities,
            ContractKeys.OutputLogits when probabilities => throw new ModelContractException(key, $"'{ContractKeys.OutputLogits}', but the graph computes the output with Softmax: it holds probabilities, which a second softmax would flatten. Declare '{ContractKeys.OutputProbabilities}' or leave the key out."),
            ContractKeys.OutputLogits => OutputKind.Logits,
            _ => throw new ModelContractException(key, $"'{declared}' is not one of {ContractKeys.OutputLogits}, {ContractKeys.OutputProbabilities}, {ContractKeys.OutputRegression}."),
        };
    }

    /// <summary>Labels from config.json: one non-empty name per class.</summary>
    private static string[] Labels(IReadOnlyList<string> named, int classes)
    {
        var subject = $"labels {ContractOverrides.Source}";
        if (named.Count != classes)
        {
            throw new ModelContractException(subject, $"{named.Count} labels; the model has {classes} classes (or, as a regression model, targets).");
        }

        return named.Any(string.IsNullOrWhiteSpace) ? throw new ModelContractException(subject, "a label is empty.") : [.. named];
    }

    /// <summary>A staged model's exit weights are one-hot on the last exit: what the policy <c>full</c> serves.</summary>
    private static void CheckLastExitOnly(float[] weights, int exits, int slots)
    {
        for (var s = 0; s < slots; s++)
        {
            if (weights[((exits - 1) * slots) + s] != 1f)
            {
                throw new ModelContractException(ContractKeys.ExitWeights, $"w[{exits - 1}][{s}] is {weights[((exits - 1) * slots) + s]}; a staged model's exit weights are one-hot on the last exit (w[S-1][m] = 1).");
            }
        }
    }

    private static ModelContract ReadPlain(TensorInfo input, TensorInfo output, IReadOnlyDictionary<string, string> metadata, Func<string, string?>? finalOperator, ContractOverrides? overrides)
    {
        CheckFloat(input, "input");
        CheckFloat(output, "output");
        if (input.Rank < 2 || input.Shape[0] != -1 || input.Shape.Skip(1).Any(d => d <= 0))
        {
            throw new ModelContractException($"input '{input.Name}'", $"a plain classifier takes [batch, *item] with only the batch dynamic; the model has {input.ShapeText}.");
        }

        if (output.Rank != 2 || output.Shape[0] != -1 || output.Shape[1] <= 0)
        {
            throw new ModelContractException($"output '{output.Name}'", $"a plain classifier gives [batch, classes] with only the batch dynamic; the model has {output.ShapeText}.");
        }

        var classes = checked((int)output.Shape[1]);
        RegressionHead? head = null;
        if (DeclaredRegression(metadata, overrides) is { } hasVariance)
        {
            if (hasVariance && classes % 2 != 0)
            {
                throw new ModelContractException($"output '{output.Name}'", $"{classes} values per input; a mean_variance head gives 2T: T means, then T variances.");
            }

            head = new RegressionHead(hasVariance ? classes / 2 : classes, hasVariance);
        }

        var kind = head is null ? OutputKindOf(metadata, output.Name, classes, finalOperator, overrides?.Output) : OutputKind.Regression;
        var named = head?.Targets ?? classes;
        var labels = overrides?.Labels is { } names
            ? Labels(names, named)
            : Enumerable.Range(0, named).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var groups = new Dictionary<int, SlotGroup[]> { [1] = [new SlotGroup([0])] };
        return new ModelContract(ContractKeys.FamilySingle, 1, 1, classes, input.Shape.Skip(1).ToArray(), [1f], labels, [1], groups, 1, "{}", metadata,
            isPlain: true, input.Name, output.Name) { Output = kind, Regression = head, Input = InputOf(metadata, overrides) };
    }

    private static TensorInfo Single(IReadOnlyList<TensorInfo> tensors, string role)
    {
        if (tensors.Count != 1)
        {
            var names = string.Join(", ", tensors.Select(t => $"'{t.Name}'"));
            throw new ModelContractException($"{role}s", $"the model must have exactly one {role}; it has {tensors.Count} ({names}).");
        }

        return tensors[0];
    }

    /// <summary>Checks a tensor's name, float32 type and shape (-1 = the batch); <paramref name="role"/> names it in the error.</summary>
    internal static void CheckTensor(TensorInfo tensor, string role, string name, long[] expected)
    {
        var subject = $"{role} '{tensor.Name}'";
        if (tensor.Name != name)
        {
            throw new ModelContractException(subject, $"the {role} must be named '{name}'.");
        }

        CheckFloat(tensor, role);
        var expectedText = "[batch," + string.Join(",", expected.Skip(1)) + "]";
        if (tensor.Rank != expected.Length)
        {
            throw new ModelContractException(subject, $"rank {tensor.Rank} ({tensor.ShapeText}); the contract and metadata say rank {expected.Length}: {expectedText}.");
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (tensor.Shape[i] != expected[i])
            {
                var problem = i == 0 ? "only the batch dimension is dynamic and it must be the first" : $"dimension {i} is {tensor.Shape[i]}, expected {expected[i]}";
                throw new ModelContractException(subject, $"shape {tensor.ShapeText}; {problem} (expected {expectedText}).");
            }
        }
    }

    private static void CheckFloat(TensorInfo tensor, string role)
    {
        if (!tensor.IsTensor || tensor.ElementType != TensorElementType.Float)
        {
            throw new ModelContractException($"{role} '{tensor.Name}'", $"must be a float32 tensor; it is {(tensor.IsTensor ? tensor.ElementType.ToString() : "not a tensor")}.");
        }
    }
}

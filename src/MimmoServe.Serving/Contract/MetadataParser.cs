using System.Globalization;
using System.Text.Json;

namespace MimmoServe.Serving.Contract;

/// <summary>Parses and checks the structured values of the contract's metadata keys; every error names its key.</summary>
internal sealed class MetadataParser(IReadOnlyDictionary<string, string> metadata)
{
    public int PositiveInt(string key)
    {
        var text = metadata[key];
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ModelContractException(key, $"'{text}' is not a decimal integer >= 1.");
        }

        return value;
    }

    public long[] ItemShape()
    {
        var key = ContractKeys.ItemShape;
        using var doc = Parse(key);
        var dims = Array(doc.RootElement, key, "the item shape");
        if (dims.Length == 0)
        {
            throw new ModelContractException(key, "empty; expected a list of positive integers such as [1, 28, 28].");
        }

        return System.Array.ConvertAll(dims, d => (long)Int(d, key, 1, int.MaxValue, "a dimension"));
    }

    public float[] ExitWeights(int exits, int slots)
    {
        var key = ContractKeys.ExitWeights;
        using var doc = Parse(key);
        var rows = Array(doc.RootElement, key, "the exit weights");
        if (rows.Length != exits)
        {
            throw new ModelContractException(key, $"{rows.Length} rows; expected one per exit ({exits}).");
        }

        var weights = new float[exits * slots];
        var sums = new double[slots];
        for (var e = 0; e < exits; e++)
        {
            var row = Array(rows[e], key, $"row {e}");
            if (row.Length != slots)
            {
                throw new ModelContractException(key, $"row {e} has {row.Length} weights; expected one per slot ({slots}).");
            }

            for (var s = 0; s < slots; s++)
            {
                if (row[s].ValueKind != JsonValueKind.Number || !row[s].TryGetDouble(out var w) || !double.IsFinite(w) || w < 0)
                {
                    throw new ModelContractException(key, $"w[{e}][{s}] = {row[s].GetRawText()} is not a finite number >= 0.");
                }

                weights[(e * slots) + s] = (float)w;
                sums[s] += w;
            }
        }

        for (var s = 0; s < slots; s++)
        {
            if (Math.Abs(sums[s] - 1) > ContractKeys.WeightSumTolerance)
            {
                throw new ModelContractException(key, $"the weights of slot {s} over the exits sum to {sums[s].ToString("G6", CultureInfo.InvariantCulture)}; each slot's column must sum to 1 within {ContractKeys.WeightSumTolerance}.");
            }
        }

        return weights;
    }

    public string[] Labels(int classes)
    {
        var key = ContractKeys.Labels;
        using var doc = Parse(key);
        var items = Array(doc.RootElement, key, "the labels");
        if (items.Length != classes)
        {
            throw new ModelContractException(key, $"{items.Length} labels; expected one per class, or per target of a regression model ({classes}).");
        }

        return System.Array.ConvertAll(items, l => l.ValueKind == JsonValueKind.String
            ? l.GetString()!
            : throw new ModelContractException(key, $"{l.GetRawText()} is not a string."));
    }

    public int[] EnsembleSizes(int slots)
    {
        var key = ContractKeys.EnsembleSizes;
        using var doc = Parse(key);
        var sizes = System.Array.ConvertAll(Array(doc.RootElement, key, "the ensemble sizes"), k => Int(k, key, 1, slots, "a size"));
        if (sizes.Length == 0)
        {
            throw new ModelContractException(key, "empty; expected at least one size in 1..M.");
        }

        for (var i = 1; i < sizes.Length; i++)
        {
            if (sizes[i] <= sizes[i - 1])
            {
                throw new ModelContractException(key, $"[{string.Join(", ", sizes)}] is not sorted and distinct.");
            }
        }

        return sizes;
    }

    public Dictionary<int, SlotGroup[]> Replication(int[] sizes, int slots)
    {
        var key = ContractKeys.Replication;
        using var doc = Parse(key);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelContractException(key, "must be a JSON object mapping each ensemble size to its slot groups.");
        }

        var groups = new Dictionary<int, SlotGroup[]>();
        foreach (var property in root.EnumerateObject())
        {
            if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || System.Array.IndexOf(sizes, k) < 0)
            {
                throw new ModelContractException(key, $"key '{property.Name}' is not one of mimmo.ensemble_sizes [{string.Join(", ", sizes)}].");
            }

            groups[k] = Groups(property.Value, key, k, slots);
        }

        foreach (var k in sizes)
        {
            if (!groups.ContainsKey(k))
            {
                throw new ModelContractException(key, $"no key \"{k}\"; every size in mimmo.ensemble_sizes needs its slot groups.");
            }
        }

        return groups;
    }

    /// <summary>
    /// mimmo.stages: {"files": S names (files[0] = model.onnx, plain names in the model's folder), "costs": S numbers
    /// > 0 summing to 1, "gate_threshold": a number in (0, 1)}, with S = mimmo.exits; and the optional mimmo.conformal.
    /// </summary>
    public ModelStages Stages(int exits, int[] sizes, StageLayout first)
    {
        var key = ContractKeys.Stages;
        using var doc = Parse(key);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelContractException(key, "must be a JSON object with \"files\", \"costs\" and \"gate_threshold\".");
        }

        var files = System.Array.ConvertAll(Array(Property(root, key, "files"), key, "\"files\""), f => StageFile(f, key));
        if (files.Length != exits)
        {
            throw new ModelContractException(key, $"{files.Length} files; a staged model has one stage per exit (mimmo.exits = {exits}).");
        }

        if (files[0] != "model.onnx")
        {
            throw new ModelContractException(key, $"files[0] is '{files[0]}'; stage 0 is model.onnx, the file that carries this key.");
        }

        if (files.Distinct(StringComparer.Ordinal).Count() != files.Length)
        {
            throw new ModelContractException(key, $"the files [{string.Join(", ", files)}] repeat a name; each stage has its own file.");
        }

        var costs = Array(Property(root, key, "costs"), key, "\"costs\"");
        if (costs.Length != exits)
        {
            throw new ModelContractException(key, $"{costs.Length} costs; expected one per stage ({exits}).");
        }

        var values = new float[exits];
        var sum = 0.0;
        for (var s = 0; s < exits; s++)
        {
            if (costs[s].ValueKind != JsonValueKind.Number || !costs[s].TryGetDouble(out var c) || !double.IsFinite(c) || c <= 0)
            {
                throw new ModelContractException(key, $"costs[{s}] = {costs[s].GetRawText()} is not a finite number > 0.");
            }

            values[s] = (float)c;
            sum += c;
        }

        if (Math.Abs(sum - 1) > ContractKeys.StageCostTolerance)
        {
            throw new ModelContractException(key, $"the costs sum to {sum.ToString("G6", CultureInfo.InvariantCulture)}; they are shares of the full forward pass and must sum to 1 within {ContractKeys.StageCostTolerance}.");
        }

        var threshold = Property(root, key, "gate_threshold");
        if (threshold.ValueKind != JsonValueKind.Number || !threshold.TryGetDouble(out var t) || !(t > 0 && t < 1))
        {
            throw new ModelContractException(key, $"gate_threshold = {threshold.GetRawText()} is not a number in (0, 1).");
        }

        var conformal = metadata.ContainsKey(ContractKeys.Conformal) ? Conformal(sizes, exits) : null;
        return new ModelStages(files, values, (float)t, first, conformal);
    }

    /// <summary>mimmo.conformal: {"alpha": a in (0, 1), "thresholds": {"&lt;k&gt;": S finite numbers} for every k in ensemble_sizes}.</summary>
    public ConformalThresholds Conformal(int[] sizes, int exits)
    {
        var key = ContractKeys.Conformal;
        using var doc = Parse(key);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelContractException(key, "must be a JSON object with \"alpha\" and \"thresholds\".");
        }

        var alpha = Property(root, key, "alpha");
        if (alpha.ValueKind != JsonValueKind.Number || !alpha.TryGetDouble(out var a) || !(a > 0 && a < 1))
        {
            throw new ModelContractException(key, $"alpha = {alpha.GetRawText()} is not a number in (0, 1).");
        }

        var table = Property(root, key, "thresholds");
        if (table.ValueKind != JsonValueKind.Object)
        {
            throw new ModelContractException(key, "\"thresholds\" must map each ensemble size to one threshold per exit.");
        }

        var thresholds = new Dictionary<int, double[]>();
        foreach (var k in sizes)
        {
            var name = k.ToString(CultureInfo.InvariantCulture);
            if (!table.TryGetProperty(name, out var row))
            {
                throw new ModelContractException(key, $"no thresholds for ensemble size {k}; every size in mimmo.ensemble_sizes needs its own.");
            }

            var values = Array(row, key, $"the thresholds of \"{name}\"");
            if (values.Length != exits)
            {
                throw new ModelContractException(key, $"\"{name}\" has {values.Length} thresholds; expected one per exit ({exits}).");
            }

            thresholds[k] = System.Array.ConvertAll(values, v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var q) && double.IsFinite(q)
                ? q
                : throw new ModelContractException(key, $"a threshold of \"{name}\" is {v.GetRawText()}, not a finite number."));
        }

        return new ConformalThresholds(a, thresholds);
    }

    /// <summary>An optional finite number (a JSON number, as ONNX metadata holds text); null when the key is absent.</summary>
    public double? OptionalNumber(string key)
    {
        if (!metadata.ContainsKey(key))
        {
            return null;
        }

        using var doc = Parse(key);
        return Number(doc.RootElement, key, "the value");
    }

    /// <summary>An optional <c>[min, max]</c> of finite numbers; null when the key is absent.</summary>
    public double[]? OptionalRange(string key)
    {
        if (!metadata.ContainsKey(key))
        {
            return null;
        }

        using var doc = Parse(key);
        return System.Array.ConvertAll(Array(doc.RootElement, key, "the range"), e => Number(e, key, "an end of the range"));
    }

    public string JsonObject(string key)
    {
        using var doc = Parse(key);
        return doc.RootElement.ValueKind == JsonValueKind.Object
            ? metadata[key]
            : throw new ModelContractException(key, "must be a JSON object (it may be {}).");
    }

    private static SlotGroup[] Groups(JsonElement value, string key, int k, int slots)
    {
        var list = Array(value, key, $"the groups of \"{k}\"");
        if (list.Length == 0)
        {
            throw new ModelContractException(key, $"\"{k}\" has no slot groups.");
        }

        var result = new SlotGroup[list.Length];
        var used = 0UL;
        for (var g = 0; g < list.Length; g++)
        {
            var members = System.Array.ConvertAll(Array(list[g], key, $"group {g} of \"{k}\""), s => Int(s, key, 0, slots - 1, $"a slot of \"{k}\""));
            if (members.Length != k)
            {
                throw new ModelContractException(key, $"group {g} of \"{k}\" has {members.Length} slots; expected {k}.");
            }

            var group = new SlotGroup(members);
            if (System.Numerics.BitOperations.PopCount(group.Mask) != k)
            {
                throw new ModelContractException(key, $"group {g} of \"{k}\" repeats a slot: [{string.Join(", ", members)}].");
            }

            if ((used & group.Mask) != 0)
            {
                throw new ModelContractException(key, $"the groups of \"{k}\" overlap; groups of one size must be disjoint.");
            }

            used |= group.Mask;
            result[g] = group;
        }

        return result;
    }

    private static JsonElement Property(JsonElement root, string key, string name) =>
        root.TryGetProperty(name, out var value) ? value : throw new ModelContractException(key, $"no \"{name}\".");

    private static string StageFile(JsonElement element, string key)
    {
        var name = element.ValueKind == JsonValueKind.String ? element.GetString()! : null;
        if (string.IsNullOrEmpty(name) || name != Path.GetFileName(name) || name is "." or "..")
        {
            throw new ModelContractException(key, $"the file {element.GetRawText()} is not a plain file name in the model's folder.");
        }

        return name;
    }

    private JsonDocument Parse(string key)
    {
        try
        {
            return JsonDocument.Parse(metadata[key]);
        }
        catch (JsonException e)
        {
            throw new ModelContractException(key, $"not valid JSON ({e.Message}).");
        }
    }

    private static JsonElement[] Array(JsonElement element, string key, string what) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().ToArray()
            : throw new ModelContractException(key, $"{what} must be a JSON list; found {element.GetRawText()}.");

    private static double Number(JsonElement element, string key, string what) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && double.IsFinite(value)
            ? value
            : throw new ModelContractException(key, $"{what} is {element.GetRawText()}; expected a finite number.");

    private static int Int(JsonElement element, string key, int min, int max, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value) || value < min || value > max)
        {
            throw new ModelContractException(key, $"{what} is {element.GetRawText()}; expected an integer in {min}..{max}.");
        }

        return value;
    }
}

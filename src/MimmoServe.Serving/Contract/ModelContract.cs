namespace MimmoServe.Serving.Contract;

/// <summary>
/// What the serving core knows about one model, read and validated from its session by <see cref="ContractReader"/>:
/// M slots, E exits, K classes, the item shape, exit weights w[e][s], labels, the supported ensemble sizes k with
/// their replication groups, and the whole metadata map. Immutable.
/// <para>A plain classifier (<see cref="IsPlain"/>: input [B, *item], output [B, K], no mimmo metadata) is family
/// <c>single</c> with M = E = 1: its tensors have the same memory layout as [B, 1, *item] and [B, 1, 1, K].</para>
/// </summary>
public sealed class ModelContract
{
    private readonly float[] _exitWeights;
    private readonly Dictionary<int, SlotGroup[]> _groups;

    internal ModelContract(
        string family,
        int slots,
        int exits,
        int numClasses,
        long[] itemShape,
        float[] exitWeights,
        string[] labels,
        int[] ensembleSizes,
        Dictionary<int, SlotGroup[]> groups,
        int defaultEnsembleSize,
        string metrics,
        IReadOnlyDictionary<string, string> metadata,
        bool isPlain,
        string inputName,
        string outputName,
        ModelStages? stages = null)
    {
        Family = family;
        Slots = slots;
        Exits = exits;
        NumClasses = numClasses;
        ItemShape = Array.AsReadOnly(itemShape);
        ItemLength = checked((int)itemShape.Aggregate(1L, (a, b) => a * b));
        _exitWeights = exitWeights;
        Labels = Array.AsReadOnly(labels);
        EnsembleSizes = Array.AsReadOnly(ensembleSizes);
        _groups = groups;
        DefaultEnsembleSize = defaultEnsembleSize;
        Metrics = metrics;
        Metadata = metadata;
        IsPlain = isPlain;
        InputName = inputName;
        OutputName = outputName;
        Stages = stages;
    }

    /// <summary>What the output holds (<c>mimmo.output</c>, else read from the graph); logits unless the model says or shows otherwise.</summary>
    public OutputKind Output { get; init; } = OutputKind.Logits;

    /// <summary>A regression model's head (<see cref="OutputKind.Regression"/>): T targets, with or without variances; null for a classifier.</summary>
    public RegressionHead? Regression { get; init; }

    /// <summary>The values an input may hold and whether it may come as bytes (<c>mimmo.input_*</c>, else any finite float).</summary>
    public InputValues Input { get; init; } = InputValues.FloatsOnly;

    /// <summary><c>mimmo</c>, <c>mimonet</c>, <c>single</c>, <c>ensemble</c> or <c>jeidnn</c> (staged).</summary>
    public string Family { get; }

    /// <summary>M: input slots and output heads per exit.</summary>
    public int Slots { get; }

    /// <summary>E: exits, shallow to deep.</summary>
    public int Exits { get; }

    /// <summary>
    /// K: classes, the output's last dimension. Of a regression model, the values per member in that dimension
    /// (<see cref="RegressionHead.Width"/>: T, or 2T with a variance head).
    /// </summary>
    public int NumClasses { get; }

    /// <summary>One item's shape, e.g. [1, 28, 28].</summary>
    public IReadOnlyList<long> ItemShape { get; }

    /// <summary>Elements of one item.</summary>
    public int ItemLength { get; }

    /// <summary>K labels ("0".."K-1" for a plain classifier); of a regression model, T target names.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The sizes k an input may occupy, ascending.</summary>
    public IReadOnlyList<int> EnsembleSizes { get; }

    /// <summary>The model's own default k (a config.json may choose another).</summary>
    public int DefaultEnsembleSize { get; }

    /// <summary>The JSON object of <c>mimmo.metrics</c> ("{}" when the model has none).</summary>
    public string Metrics { get; }

    /// <summary>The whole metadata map, as ONNX Runtime read it.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True for a classifier without mimmo metadata (input [B, *item], output [B, K]).</summary>
    public bool IsPlain { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>A staged (early-exit, family <c>jeidnn</c>) model's stages; null for a model that is not staged.</summary>
    public ModelStages? Stages { get; }

    /// <summary>w[e][s]: the weight of exit <paramref name="exit"/> for slot <paramref name="slot"/>.</summary>
    public float Weight(int exit, int slot) => _exitWeights[(exit * Slots) + slot];

    /// <summary>The weights of one exit, one per slot.</summary>
    public ReadOnlySpan<float> ExitWeightRow(int exit) => _exitWeights.AsSpan(exit * Slots, Slots);

    /// <summary>The replication groups of size <paramref name="k"/> (slot indices, ascending in the model's order).</summary>
    public IReadOnlyList<IReadOnlyList<int>> ReplicationGroups(int k) =>
        Array.ConvertAll(Groups(k), g => (IReadOnlyList<int>)g.Slots);

    /// <summary>True when <paramref name="k"/> is one of <see cref="EnsembleSizes"/>.</summary>
    public bool Supports(int k) => _groups.ContainsKey(k);

    internal SlotGroup[] Groups(int k) => _groups[k];

    internal ReadOnlySpan<float> ExitWeights => _exitWeights;
}

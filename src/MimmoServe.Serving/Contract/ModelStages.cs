namespace MimmoServe.Serving.Contract;

/// <summary>
/// What stage 0's <c>mimmo.stages</c> says about a staged (early-exit, family <c>jeidnn</c>) model: the S stage files
/// (files[0] = model.onnx), each stage's share of the full forward pass, and the gate threshold of the <c>auto</c>
/// exit policy (models/CONTRACT.md, "Staged models"). S equals the model's exits E. Immutable.
/// </summary>
public sealed class ModelStages
{
    private readonly float[] _cumulative;

    internal ModelStages(string[] files, float[] costs, float gateThreshold, StageLayout first, ConformalThresholds? conformal = null)
    {
        Conformal = conformal;
        Files = Array.AsReadOnly(files);
        Costs = Array.AsReadOnly(costs);
        GateThreshold = gateThreshold;
        First = first;
        _cumulative = new float[costs.Length];
        var sum = 0.0;
        for (var s = 0; s < costs.Length; s++)
        {
            sum += costs[s];
            _cumulative[s] = (float)sum;
        }

        // The costs sum to 1 within the contract's tolerance: the last exit answers with all of the compute.
        _cumulative[^1] = 1f;
    }

    /// <summary>S file names relative to the model's folder, shallow to deep.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Each stage's share of the full forward pass; all > 0, summing to 1.</summary>
    public IReadOnlyList<float> Costs { get; }

    /// <summary>The <c>auto</c> policy stops an input at the first exit whose mean gate over its slots reaches this.</summary>
    public float GateThreshold { get; }

    /// <summary>The split-conformal thresholds of <c>mimmo.conformal</c>; null when the model has none (answers then carry no prediction set).</summary>
    public ConformalThresholds? Conformal { get; }

    /// <summary>S, the number of stages (= exits).</summary>
    public int Count => Files.Count;

    /// <summary>The compute spent by an input that leaves at <paramref name="exit"/>: the costs of stages 0..exit.</summary>
    public float CumulativeCost(int exit) => _cumulative[exit];

    /// <summary>Stage 0's output order and activation shape, read from model.onnx.</summary>
    internal StageLayout First { get; }
}

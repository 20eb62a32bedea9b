namespace MimmoServe.Serving.Ensembles;

/// <summary>
/// The answer to one request: the averaged distribution, its top classes and uncertainty, and how it was served; of a
/// regression model, <see cref="Regression"/> in place of the classification fields (class -1, no label, no
/// probabilities or top classes, zero uncertainty).
/// </summary>
public sealed class Prediction
{
    /// <summary>The request's id.</summary>
    public required string Id { get; init; }

    /// <summary>The model's name.</summary>
    public required string Model { get; init; }

    /// <summary>argmax of <see cref="Probabilities"/> (the lowest index on ties); -1 for a regression model.</summary>
    public required int ClassIndex { get; init; }

    public required string Label { get; init; }

    /// <summary>Probabilities[ClassIndex].</summary>
    public required float Confidence { get; init; }

    /// <summary>The averaged distribution over all K classes.</summary>
    public required float[] Probabilities { get; init; }

    /// <summary>The top classes, most probable first.</summary>
    public required ClassScore[] Top { get; init; }

    public required Uncertainty Uncertainty { get; init; }

    /// <summary>k: the slots of the input's replication group.</summary>
    public required int EnsembleSize { get; init; }

    /// <summary>Slots averaged: the group plus extra copies in free slots of the row.</summary>
    public required int Members { get; init; }

    /// <summary>Every (exit, slot) member when requested; otherwise empty.</summary>
    public required IReadOnlyList<MemberPrediction> MemberPredictions { get; init; }

    public required PredictionTiming Timing { get; init; }

    /// <summary>The exit that answered, 0 = shallowest: where a staged model's input stopped; E - 1 for the other models (they combine every exit).</summary>
    public required int Exit { get; init; }

    /// <summary>Share of the full forward pass run for the input's row up to <see cref="Exit"/>: the summed stage costs; 1 for models that are not staged.</summary>
    public required float ComputeShare { get; init; }

    /// <summary>
    /// The split-conformal prediction set at <see cref="Exit"/> (classes ascending) when the staged model carries
    /// <c>mimmo.conformal</c>; empty otherwise.
    /// </summary>
    public IReadOnlyList<int> PredictionSet { get; init; } = [];

    /// <summary>A regression model's answer, one per target (<see cref="RegressionAverager"/>); null for a classifier.</summary>
    public IReadOnlyList<TargetPrediction>? Regression { get; init; }
}

using System.Numerics;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Builds a request's <see cref="Prediction"/> from its averaged distribution, once the batcher (all exits) or the stage
/// pipeline (one exit) has computed it: the fields every answer shares are set here, in one place.
/// </summary>
internal static class Answers
{
    /// <param name="model">The model's name.</param>
    /// <param name="contract">The model.</param>
    /// <param name="request">The request answered.</param>
    /// <param name="probabilities">Its averaged distribution (kept by the prediction).</param>
    /// <param name="chosen">argmax of <paramref name="probabilities"/>.</param>
    /// <param name="uncertainty">Over its members.</param>
    /// <param name="members">The slots it occupied.</param>
    /// <param name="memberPredictions">Every member's distribution, when the request asked for them.</param>
    /// <param name="timing">Its queue and compute times.</param>
    /// <param name="exit">The exit that answered (E - 1 when every exit is combined).</param>
    /// <param name="computeShare">The share of the full pass run for it.</param>
    /// <param name="predictionSet">Its conformal set, or empty.</param>
    public static Prediction Build(
        string model,
        ModelContract contract,
        PendingRequest request,
        float[] probabilities,
        int chosen,
        Uncertainty uncertainty,
        ulong members,
        IReadOnlyList<MemberPrediction> memberPredictions,
        PredictionTiming timing,
        int exit,
        float computeShare,
        IReadOnlyList<int> predictionSet) => new()
        {
            Id = request.Id,
            Model = model,
            ClassIndex = chosen,
            Label = contract.Labels[chosen],
            Confidence = probabilities[chosen],
            Probabilities = probabilities,
            Top = EnsembleAverager.Top(probabilities, contract.Labels, request.TopK),
            Uncertainty = uncertainty,
            EnsembleSize = request.EnsembleSize,
            Members = BitOperations.PopCount(members),
            MemberPredictions = memberPredictions,
            Timing = timing,
            Exit = exit,
            ComputeShare = computeShare,
            PredictionSet = predictionSet,
        };

    /// <summary>A regression model's answer: its targets in place of a distribution; the fields every answer shares as <see cref="Build"/> sets them.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="request">The request answered.</param>
    /// <param name="targets">One answer per target.</param>
    /// <param name="members">The slots it occupied.</param>
    /// <param name="memberPredictions">Every member's output, when the request asked for them.</param>
    /// <param name="timing">Its queue and compute times.</param>
    /// <param name="exit">The last exit (every exit is combined).</param>
    public static Prediction BuildRegression(
        string model, PendingRequest request, TargetPrediction[] targets, ulong members, IReadOnlyList<MemberPrediction> memberPredictions, PredictionTiming timing, int exit) => new()
        {
            Id = request.Id,
            Model = model,
            ClassIndex = -1,
            Label = string.Empty,
            Confidence = 0,
            Probabilities = [],
            Top = [],
            Uncertainty = default,
            EnsembleSize = request.EnsembleSize,
            Members = BitOperations.PopCount(members),
            MemberPredictions = memberPredictions,
            Timing = timing,
            Exit = exit,
            ComputeShare = 1f,
            Regression = targets,
        };
}

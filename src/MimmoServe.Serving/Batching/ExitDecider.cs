using System.Globalization;
using System.Numerics;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The exit decision of a staged model, the same after every stage (stage 0 in <see cref="StagedCompletion"/>, the
/// later ones in <see cref="StagePipeline"/>): a request stops and is answered from that exit alone, or goes on with
/// its row. Stateless apart from the metrics reference; run threads call it concurrently, each with its own outputs.
/// </summary>
internal sealed class ExitDecider(string name, ModelContract contract, TimeProvider time)
{
    private readonly ModelStages _stages = contract.Stages ?? throw new ArgumentException("the model is not staged", nameof(contract));
    private readonly string[] _indexTags = [.. Enumerable.Range(0, contract.Exits).Select(s => s.ToString(CultureInfo.InvariantCulture))];

    /// <summary>Where answers per exit are recorded; null until the repository sets it after warm-up.</summary>
    public ServingMetrics? Metrics { get; set; }

    /// <summary>The tag value of stage (or exit) <paramref name="stage"/>, held once.</summary>
    public string Tag(int stage) => _indexTags[stage];

    /// <summary>
    /// The request of <paramref name="entry"/> after exit <paramref name="stage"/>: stops (answered at once) or goes on
    /// (appended to the outputs' <see cref="ExitScratch.Kept"/> at <paramref name="count"/>, with this run's compute added). The last exit stops everyone.
    /// </summary>
    public void Decide(int stage, StageOutputs outputs, in RowEntry entry, in RunFacts run, ref int count)
    {
        var scratch = outputs.Scratch;
        var request = entry.Request;
        var policy = request.ExitPolicy;
        var logits = outputs.Logits(entry.Row);
        var averaged = false;
        Uncertainty uncertainty = default;
        var chosen = 0;
        bool stop;
        try
        {
            if (stage == _stages.Count - 1)
            {
                stop = true;
            }
            else if (policy.Kind == ExitPolicyKind.Auto)
            {
                stop = MeanGate(outputs.Gates(entry.Row), entry.Members) >= _stages.GateThreshold;
            }
            else if (policy.Kind == ExitPolicyKind.Threshold)
            {
                (uncertainty, chosen) = EnsembleAverager.AverageExit(contract, logits, entry.Members, scratch.Members, scratch.Probabilities);
                averaged = true;
                stop = scratch.Probabilities[chosen] >= policy.Threshold;
            }
            else
            {
                stop = false;
            }

            var compute = entry.Compute + run.Elapsed;
            if (!stop)
            {
                scratch.Kept[count++] = entry with { Compute = compute };
                return;
            }

            if (!averaged)
            {
                (uncertainty, chosen) = EnsembleAverager.AverageExit(contract, logits, entry.Members, scratch.Members, scratch.Probabilities);
            }

            var queue = time.GetElapsedTime(request.AcceptedTimestamp, run.Start) - entry.Compute;
            var timing = new PredictionTiming((long)queue.TotalMicroseconds, (long)compute.TotalMicroseconds, run.Rows, run.Requests);
            request.Complete(Answer(request, stage, entry.Members, uncertainty, chosen, scratch, timing));
            Metrics?.Exits.Add(1, new(TelemetryNames.ModelTag, name), new(TelemetryNames.ExitTag, _indexTags[stage]));
        }
        catch (Exception e)
        {
            request.Fail(new ServingException(ServingErrorKind.Internal, $"Model '{name}': unbinding exit {stage} failed: {e.Message}", e));
        }
    }

    private Prediction Answer(
        PendingRequest request, int exit, ulong members, Uncertainty uncertainty, int chosen, ExitScratch scratch, PredictionTiming timing)
    {
        var probabilities = scratch.Probabilities.ToArray();
        var memberPredictions = request.ReturnMembers ? EnsembleAverager.MembersAtExit(contract, exit, members, scratch.Members) : [];
        var set = _stages.Conformal?.Set(probabilities, request.EnsembleSize, exit) ?? [];
        return Answers.Build(
            name, contract, request, probabilities, chosen, uncertainty, members, memberPredictions, timing, exit, _stages.CumulativeCost(exit), set);
    }

    /// <summary>(1/|S'|) Σ_{s in S'} gate[s]: the input's mean gate over its slots.</summary>
    private static float MeanGate(ReadOnlySpan<float> gates, ulong members)
    {
        var sum = 0f;
        for (var bits = members; bits != 0; bits &= bits - 1)
        {
            sum += gates[BitOperations.TrailingZeroCount(bits)];
        }

        return sum / BitOperations.PopCount(members);
    }
}

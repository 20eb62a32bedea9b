using System.Numerics;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

internal sealed partial class StagePipeline
{
    /// <summary>
    /// Stage 0 of <paramref name="buffers"/> has run (started at <paramref name="start"/>, took <paramref name="elapsed"/>):
    /// answers the requests that stop at exit 0 and queues the rows that go on for stage 1. Called by the batcher's run.
    /// </summary>
    public void SettleFirst(BatchBuffers buffers, long start, TimeSpan elapsed)
    {
        var outputs = buffers.Stage!;
        var kept = buffers.Exits!.Kept;
        for (var row = 0; row < buffers.Rows; row++)
        {
            var count = 0;
            for (var i = 0; i < buffers.Count; i++)
            {
                if (buffers.RowOf(i) == row)
                {
                    var entry = new RowEntry(buffers.Request(i), row, buffers.Members(i), TimeSpan.Zero);
                    Decide(0, outputs, entry, buffers.Exits, new RunFacts(start, elapsed, buffers.Rows, buffers.Count), kept, ref count);
                }
            }

            if (count > 0)
            {
                Enqueue(1, outputs.Activation(row), kept.AsSpan(0, count));
            }
        }
    }

    /// <summary>Counts a run of <paramref name="stage"/> over <paramref name="rows"/> rows (the batcher counts stage 0 here too).</summary>
    public void RecordStageRun(int stage, int rows)
    {
        Interlocked.Increment(ref _runs[stage]);
        Interlocked.Add(ref _rows[stage], rows);
        Metrics?.StageRows.Add(rows, new(TelemetryNames.ModelTag, _name), new(TelemetryNames.StageTag, _indexTags[stage]));
    }

    /// <summary>Runs one set of a later stage, answers or passes on its requests, and gives the set back. On the thread pool, or inline at warm-up.</summary>
    private void RunStage(int stage, StageBuffers buffers)
    {
        var start = _time.GetTimestamp();
        Exception? failure = null;
        try
        {
            _runners[stage]!.Run(buffers.Inputs, buffers.Outputs.Tensors, _abort);
        }
        catch (Exception e)
        {
            failure = e;
        }

        var elapsed = _time.GetElapsedTime(start);
        RecordStageRun(stage, buffers.Rows);
        if (failure is not null)
        {
            BatcherLog.StageRunFailed(_logger, failure, _name, stage, buffers.Rows, buffers.Count);
            Fail(buffers.Entries, ServingErrors.RunFailed(_name, failure, _abort.IsCancellationRequested, buffers.Rows, buffers.Count));
        }
        else
        {
            var facts = new RunFacts(start, elapsed, buffers.Rows, buffers.Count);
            var kept = buffers.Scratch.Kept;
            var last = stage == _stages.Count - 1;
            for (var row = 0; row < buffers.Rows; row++)
            {
                var count = 0;
                foreach (var entry in buffers.Row(row))
                {
                    Decide(stage, buffers.Outputs, entry, buffers.Scratch, facts, kept, ref count);
                }

                if (count > 0 && !last)
                {
                    Enqueue(stage + 1, buffers.Outputs.Activation(row), kept.AsSpan(0, count));
                }
            }
        }

        Finish(buffers);
    }

    private void Finish(StageBuffers buffers)
    {
        buffers.Clear();
        lock (_lock)
        {
            var queue = _queues[buffers.Stage]!;
            queue.InFlight--;
            queue.Return(buffers);
        }

        Wake();
    }

    /// <summary>
    /// The request of <paramref name="entry"/> after exit <paramref name="stage"/>: stops (answered at once) or goes on
    /// (appended to <paramref name="kept"/> with this run's compute added). The last exit stops everyone.
    /// </summary>
    private void Decide(int stage, StageOutputs outputs, in RowEntry entry, ExitScratch scratch, in RunFacts run, RowEntry[] kept, ref int count)
    {
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
                (uncertainty, chosen) = EnsembleAverager.AverageExit(_contract, logits, entry.Members, scratch.Members, scratch.Probabilities);
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
                kept[count++] = entry with { Compute = compute };
                return;
            }

            if (!averaged)
            {
                (uncertainty, chosen) = EnsembleAverager.AverageExit(_contract, logits, entry.Members, scratch.Members, scratch.Probabilities);
            }

            var queue = _time.GetElapsedTime(request.AcceptedTimestamp, run.Start) - entry.Compute;
            var timing = new PredictionTiming((long)queue.TotalMicroseconds, (long)compute.TotalMicroseconds, run.Rows, run.Requests);
            request.Complete(Answer(request, stage, entry.Members, uncertainty, chosen, scratch, timing));
            Metrics?.Exits.Add(1, new(TelemetryNames.ModelTag, _name), new(TelemetryNames.ExitTag, _indexTags[stage]));
        }
        catch (Exception e)
        {
            request.Fail(new ServingException(ServingErrorKind.Internal, $"Model '{_name}': unbinding exit {stage} failed: {e.Message}", e));
        }
    }

    private Prediction Answer(PendingRequest request, int exit, ulong members, Uncertainty uncertainty, int chosen, ExitScratch scratch, PredictionTiming timing)
    {
        var probabilities = scratch.Probabilities.ToArray();
        var memberPredictions = request.ReturnMembers ? EnsembleAverager.MembersAtExit(_contract, exit, members, scratch.Members) : [];
        var set = _stages.Conformal?.Set(probabilities, request.EnsembleSize, exit) ?? [];
        return Answers.Build(_name, _contract, request, probabilities, chosen, uncertainty, members, memberPredictions, timing, exit, _stages.CumulativeCost(exit), set);
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

using System.Diagnostics;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// What the batcher records of its runs and sheds: metrics on <see cref="Metrics"/> and, when the activity source has
/// listeners, spans. Stateless apart from the metrics reference; the run workers call it concurrently.
/// </summary>
internal sealed class BatchTelemetry(string name, ModelContract contract, TimeProvider time)
{
    private readonly string _name = name;
    private readonly ModelContract _contract = contract;
    private readonly TimeProvider _time = time;

    /// <summary>Where runs, queue times and sheds are recorded; null (nothing recorded) until the repository sets it after warm-up.</summary>
    public ServingMetrics? Metrics { get; set; }

    public void RecordShed(ShedReason reason) => Metrics?.RecordShed(_name, reason);

    /// <summary>
    /// Records a run that started at <paramref name="start"/> and took <paramref name="compute"/>: inputs, rows and slot fill
    /// once, queue and compute time per request, and the spans of traced requests. Called before the requests complete,
    /// so that a caller who has its answer also finds these spans ended.
    /// </summary>
    public void RecordRun(BatchBuffers buffers, long start, TimeSpan compute)
    {
        if (Metrics is { } metrics)
        {
            var model = new KeyValuePair<string, object?>(TelemetryNames.ModelTag, _name);
            var groupSlots = 0;
            for (var i = 0; i < buffers.Count; i++)
            {
                var request = buffers.Request(i);
                groupSlots += request.EnsembleSize;
                metrics.QueueDuration.Record(_time.GetElapsedTime(request.AcceptedTimestamp, start).TotalSeconds, model);
                metrics.ComputeDuration.Record(compute.TotalSeconds, model);
            }

            metrics.RunInputs.Record(buffers.Count, model);
            metrics.RunRows.Record(buffers.Rows, model);
            metrics.SlotFillRatio.Record(buffers.Rows == 0 ? 0 : groupSlots / (double)(buffers.Rows * _contract.Slots), model);
        }

        if (ServingTracing.Source.HasListeners())
        {
            TraceRun(buffers, start, compute);
        }
    }

    /// <summary>One run span linked to the traced requests, and each traced request's queue and compute children.</summary>
    private void TraceRun(BatchBuffers buffers, long start, TimeSpan compute)
    {
        List<ActivityLink>? links = null;
        for (var i = 0; i < buffers.Count; i++)
        {
            if (buffers.Request(i).TraceParent is { } parent)
            {
                (links ??= []).Add(new ActivityLink(parent.Context));
            }
        }

        if (links is null)
        {
            return;
        }

        // The run span is a root of its own (not the child of whatever flowed into the run thread).
        Activity.Current = null;
        var runStart = _time.GetUtcNow() - _time.GetElapsedTime(start);
        var runEnd = runStart + compute;
        ActivityContext runContext = default;
        using (var run = ServingTracing.Source.StartActivity(
            TelemetryNames.RunSpan, ActivityKind.Internal, default(ActivityContext), links: links, startTime: runStart))
        {
            if (run is not null)
            {
                run.SetTag("mimmo.model", _name).SetTag("mimmo.run.rows", buffers.Rows).SetTag("mimmo.run.inputs", buffers.Count);
                run.SetEndTime(runEnd.UtcDateTime);
                runContext = run.Context;
            }
        }

        ActivityLink[]? toRun = runContext == default ? null : [new ActivityLink(runContext)];
        for (var i = 0; i < buffers.Count; i++)
        {
            var request = buffers.Request(i);
            if (request.TraceParent is not { } parent)
            {
                continue;
            }

            var queued = runStart - _time.GetElapsedTime(request.AcceptedTimestamp, start);
            Span(TelemetryNames.QueueSpan, parent.Context, null, queued, runStart);
            Span(TelemetryNames.ComputeSpan, parent.Context, toRun, runStart, runEnd);
        }
    }

    private static void Span(string name, ActivityContext parent, ActivityLink[]? links, DateTimeOffset from, DateTimeOffset to)
    {
        using var span = ServingTracing.Source.StartActivity(name, ActivityKind.Internal, parent, links: links, startTime: from);
        span?.SetEndTime(to.UtcDateTime);
    }
}

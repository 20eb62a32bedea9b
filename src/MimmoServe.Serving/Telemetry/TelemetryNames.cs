namespace MimmoServe.Serving.Telemetry;

/// <summary>
/// The names of MimmoServe's meter, activity source, instruments and tags, in one place. Instrument names follow the
/// OpenTelemetry conventions (dotted, unit apart); the Prometheus exporter turns <c>mimmo.request.duration</c> with
/// unit <c>s</c> into <c>mimmo_request_duration_seconds</c> and a counter <c>mimmo.requests</c> into
/// <c>mimmo_requests_total</c>.
/// </summary>
public static class TelemetryNames
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> and the <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string Source = "MimmoServe";

    public const string Requests = "mimmo.requests";
    public const string RequestDuration = "mimmo.request.duration";
    public const string QueueDuration = "mimmo.queue.duration";
    public const string ComputeDuration = "mimmo.compute.duration";
    public const string RunInputs = "mimmo.run.inputs";
    public const string RunRows = "mimmo.run.rows";
    public const string SlotFillRatio = "mimmo.slot.fill_ratio";
    public const string QueueDepth = "mimmo.queue.depth";
    public const string Shed = "mimmo.shed";
    public const string ExecutionProvider = "mimmo.execution_provider";
    public const string PredictionEntropy = "mimmo.prediction.entropy";
    public const string PredictionMutualInformation = "mimmo.prediction.mutual_information";
    public const string StageRows = "mimmo.stage.rows";
    public const string Exits = "mimmo.exits";

    public const string ModelTag = "model";
    public const string ModeTag = "mode";
    public const string StatusTag = "status";
    public const string ReasonTag = "reason";
    public const string ProviderTag = "provider";
    public const string StageTag = "stage";
    public const string ExitTag = "exit";

    /// <summary>The span of a batched run (one per run, linked to the requests it served).</summary>
    public const string RunSpan = "mimmo.run";

    /// <summary>A request's wait in the queue, child of its request span.</summary>
    public const string QueueSpan = "mimmo.queue";

    /// <summary>A request's share of a run, child of its request span, linked to the run's span.</summary>
    public const string ComputeSpan = "mimmo.compute";
}

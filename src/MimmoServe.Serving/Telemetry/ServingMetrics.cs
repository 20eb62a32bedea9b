using System.Diagnostics.Metrics;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Telemetry;

/// <summary>
/// MimmoServe's instruments on one <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="TelemetryNames.Source"/>.
/// A host creates one per process from its <see cref="IMeterFactory"/> (so that its listeners can tell its meter from
/// another host's in the same process, as in tests) and hands it to the repository; the repository records queue,
/// compute, run and shed figures, the host records requests and the uncertainty of what it served. The queue depth and
/// the provider in use are observed when a listener collects, from the models registered here.
/// <para>Recording costs no allocation: tags are passed as up to three <see cref="KeyValuePair{TKey, TValue}"/>
/// arguments whose values are strings the caller already holds, and an instrument nobody listens to returns at once.</para>
/// </summary>
public sealed class ServingMetrics : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private ServedModel[] _models = [];

    /// <param name="meterFactory">The host's factory; null for a meter of its own (disposed with this object).</param>
    public ServingMetrics(IMeterFactory? meterFactory = null)
    {
        var options = new MeterOptions(TelemetryNames.Source) { Version = typeof(ServingMetrics).Assembly.GetName().Version?.ToString() };
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        _ownsMeter = meterFactory is null;
        Requests = _meter.CreateCounter<long>(TelemetryNames.Requests, "{request}", "Requests answered, by model, mode and gRPC status code.");
        RequestDuration = Histogram(TelemetryNames.RequestDuration, "s", "Time from a request's arrival in the server to its answer.", HistogramBuckets.Seconds);
        QueueDuration = Histogram(TelemetryNames.QueueDuration, "s", "Time a request waited in its model's queue before its run started.", HistogramBuckets.Seconds);
        ComputeDuration = Histogram(TelemetryNames.ComputeDuration, "s", "Duration of the run that served a request (one value per request).", HistogramBuckets.Seconds);
        RunInputs = Histogram(TelemetryNames.RunInputs, "{input}", "Inputs (requests) served by one run.", HistogramBuckets.Counts);
        RunRows = Histogram(TelemetryNames.RunRows, "{row}", "Rows B of one run.", HistogramBuckets.Counts);
        SlotFillRatio = Histogram(TelemetryNames.SlotFillRatio, "1", "Slots given to an input's replication group / slots run (rows x M), per run.", HistogramBuckets.Ratio);
        Shed = _meter.CreateCounter<long>(TelemetryNames.Shed, "{request}", "Requests refused or dropped without running, by reason.");
        PredictionEntropy = Histogram(TelemetryNames.PredictionEntropy, "{nat}", "Predictive entropy of each served prediction, in nats.", HistogramBuckets.Nats);
        PredictionMutualInformation = Histogram(TelemetryNames.PredictionMutualInformation, "{nat}", "Mutual information (members' disagreement) of each served prediction, in nats.", HistogramBuckets.Nats);
        StageRows = _meter.CreateCounter<long>(TelemetryNames.StageRows, "{row}", "Rows run by each stage of a staged (early-exit) model, warm-up excluded.");
        Exits = _meter.CreateCounter<long>(TelemetryNames.Exits, "{request}", "Requests answered by each exit of a staged (early-exit) model.");
        _meter.CreateObservableGauge(TelemetryNames.QueueDepth, ObserveQueueDepth, "{input}", "Inputs waiting in the model's queue.");
        _meter.CreateObservableGauge(TelemetryNames.ExecutionProvider, ObserveProvider, null, "1 for the execution provider the model runs on.");
    }

    /// <summary>The meter, for listeners that collect this host's instruments only.</summary>
    public Meter Meter => _meter;

    internal Counter<long> Requests { get; }

    internal Histogram<double> RequestDuration { get; }

    internal Histogram<double> QueueDuration { get; }

    internal Histogram<double> ComputeDuration { get; }

    internal Histogram<double> RunInputs { get; }

    internal Histogram<double> RunRows { get; }

    internal Histogram<double> SlotFillRatio { get; }

    internal Counter<long> Shed { get; }

    internal Histogram<double> PredictionEntropy { get; }

    internal Histogram<double> PredictionMutualInformation { get; }

    internal Counter<long> StageRows { get; }

    internal Counter<long> Exits { get; }

    /// <summary>A request answered: its status (the gRPC code name, e.g. OK) and its time in the server.</summary>
    /// <param name="model">A served model's name, or a fixed word when none was resolved (keeps the series bounded).</param>
    /// <param name="mode">A fixed word for how the caller chose k.</param>
    public void RecordRequest(string model, string mode, string status, TimeSpan duration)
    {
        if (Requests.Enabled)
        {
            Requests.Add(1, new(TelemetryNames.ModelTag, model), new(TelemetryNames.ModeTag, mode), new(TelemetryNames.StatusTag, status));
        }

        if (RequestDuration.Enabled)
        {
            RequestDuration.Record(duration.TotalSeconds, new(TelemetryNames.ModelTag, model), new(TelemetryNames.ModeTag, mode));
        }
    }

    /// <summary>The uncertainty of a served prediction.</summary>
    public void RecordPrediction(string model, string mode, in Uncertainty uncertainty)
    {
        PredictionEntropy.Record(uncertainty.PredictiveEntropy, new(TelemetryNames.ModelTag, model), new(TelemetryNames.ModeTag, mode));
        PredictionMutualInformation.Record(uncertainty.MutualInformation, new(TelemetryNames.ModelTag, model), new(TelemetryNames.ModeTag, mode));
    }

    /// <summary>A request refused or dropped without running; <paramref name="model"/> as in <see cref="RecordRequest"/>.</summary>
    public void RecordShed(string model, ShedReason reason) =>
        Shed.Add(1, new(TelemetryNames.ModelTag, model), new(TelemetryNames.ReasonTag, ShedReasons.Name(reason)));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>Observes the queue depth and provider of <paramref name="model"/> until <see cref="Unregister"/>.</summary>
    internal void Register(ServedModel model)
    {
        lock (_lock)
        {
            _models = [.. _models, model];
        }
    }

    internal void Unregister(ServedModel model)
    {
        lock (_lock)
        {
            _models = [.. _models.Where(m => !ReferenceEquals(m, model))];
        }
    }

    private Histogram<double> Histogram(string name, string unit, string description, double[] buckets) =>
        _meter.CreateHistogram(name, unit, description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    // Observable callbacks run on the collecting thread (a scrape, an export); they read a snapshot of the models.
    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        foreach (var model in Volatile.Read(ref _models))
        {
            yield return new Measurement<int>(model.QueueLength, new KeyValuePair<string, object?>(TelemetryNames.ModelTag, model.Name));
        }
    }

    private IEnumerable<Measurement<int>> ObserveProvider()
    {
        foreach (var model in Volatile.Read(ref _models))
        {
            yield return new Measurement<int>(1,
                new KeyValuePair<string, object?>(TelemetryNames.ModelTag, model.Name),
                new KeyValuePair<string, object?>(TelemetryNames.ProviderTag, ProviderName(model.ExecutionProvider.Actual)));
        }
    }

    private static string ProviderName(Onnx.ExecutionProvider provider) => provider switch
    {
        Onnx.ExecutionProvider.Cpu => "cpu",
        Onnx.ExecutionProvider.Cuda => "cuda",
        Onnx.ExecutionProvider.TensorRt => "tensorrt",
        _ => "unknown",
    };
}

using System.Diagnostics;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// One request in flight, from <see cref="RequestTelemetry.Start"/> to <see cref="Succeeded"/> or <see cref="Failed"/>
/// (call exactly one). A struct: nothing is allocated per request unless a listener samples the span.
/// </summary>
internal struct RequestScope
{
    /// <summary>How long before the server's deadline a client's cancellation still counts as the deadline's.</summary>
    internal static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(250);

    private readonly RequestTelemetry _telemetry;
    private readonly Activity? _activity;
    private readonly long _started;
    private readonly string _mode;

    public RequestScope(RequestTelemetry telemetry, Activity? activity, long started, string mode)
    {
        _telemetry = telemetry;
        _activity = activity;
        _started = started;
        _mode = mode;
    }

    /// <summary>The request's span, or null when nothing listens.</summary>
    public readonly Activity? Activity => _activity;

    /// <summary>The served model's name once resolved; <see cref="RequestTelemetry.UnknownModel"/> until then.</summary>
    public string Model { get; set; } = RequestTelemetry.UnknownModel;

    public readonly void Succeeded(Prediction prediction)
    {
        Record(prediction);
        if (_activity is { IsAllDataRequested: true })
        {
            _activity.SetTag("mimmo.ensemble_size", prediction.EnsembleSize).SetTag("mimmo.members", prediction.Members);
        }

        End(StatusCode.OK, null);
    }

    /// <summary>A batched request succeeded: each item's uncertainty is recorded, and the span says how many items it carried.</summary>
    public readonly void Succeeded(IReadOnlyList<Prediction> predictions)
    {
        foreach (var prediction in predictions)
        {
            Record(prediction);
        }

        if (_activity is { IsAllDataRequested: true } && predictions.Count > 0)
        {
            _activity.SetTag("mimmo.items", predictions.Count)
                .SetTag("mimmo.ensemble_size", predictions[0].EnsembleSize)
                .SetTag("mimmo.members", predictions[0].Members);
        }

        End(StatusCode.OK, null);
    }

    /// <summary>
    /// The request failed with <paramref name="status"/> because of <paramref name="error"/>. Two cases are told apart
    /// here, where the call is known: a request dropped from the queue by its call's deadline (the call's token fires
    /// at the deadline, so the core sees a cancellation) counts as DEADLINE_EXCEEDED, as the caller saw it, and as shed
    /// for its deadline; a request the host refused because shutdown had begun counts as shed while shutting down
    /// (<paramref name="servedName"/> of <paramref name="requestedModel"/> names its model). Refusals by the batcher
    /// itself are counted there. A method group and a string rather than a closure: no allocation unless it fails.
    /// </summary>
    public void Failed(Status status, Exception error, ServerCallContext call, Func<string?, string?>? servedName = null, string? requestedModel = null)
    {
        switch (error)
        {
            // A client ends its call at its own deadline, computed before the request travelled, so its cancellation
            // can reach us shortly before our copy of the deadline: within DeadlineSlack of it, the deadline ended it.
            case ServingException { Kind: ServingErrorKind.Cancelled } when call.DeadlineExceeded || _telemetry.Time.GetUtcNow().UtcDateTime >= call.Deadline - DeadlineSlack:
                _telemetry.Metrics.RecordShed(Model, ShedReason.Deadline);
                status = new Status(StatusCode.DeadlineExceeded, error.Message);
                break;
            case ServingException { Kind: ServingErrorKind.Unavailable } when Model == RequestTelemetry.UnknownModel && _telemetry.ShuttingDown:
                Model = servedName?.Invoke(requestedModel) ?? RequestTelemetry.UnknownModel;
                _telemetry.Metrics.RecordShed(Model, ShedReason.ShuttingDown);
                break;
        }

        Failed(status);
    }

    public readonly void Failed(Status status) => End(status.StatusCode, status.Detail);

    /// <summary>A classification's uncertainty (entropy, mutual information); a regression answer has none of these.</summary>
    private readonly void Record(Prediction prediction)
    {
        if (prediction.Regression is null)
        {
            _telemetry.Metrics.RecordPrediction(Model, _mode, prediction.Uncertainty);
        }
    }

    private readonly void End(StatusCode code, string? detail)
    {
        var name = StatusNames.Of(code);
        _telemetry.Metrics.RecordRequest(Model, _mode, name, _telemetry.Time.GetElapsedTime(_started));
        if (_activity is not null)
        {
            if (_activity.IsAllDataRequested)
            {
                _activity.SetTag("mimmo.model", Model).SetTag("rpc.grpc.status_code", (int)code);
            }

            if (code != StatusCode.OK)
            {
                _activity.SetStatus(ActivityStatusCode.Error, $"{name}: {detail}");
            }

            _activity.Dispose();
        }
    }
}

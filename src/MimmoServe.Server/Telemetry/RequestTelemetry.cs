using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// Starts what the host records of each request: its server span, a child of the caller's W3C <c>traceparent</c>
/// (and <c>tracestate</c>) from the gRPC metadata, and the clock for <c>mimmo.request.duration</c>. The returned
/// <see cref="RequestScope"/> records the outcome. Singleton, thread-safe.
/// </summary>
internal sealed class RequestTelemetry
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>The <c>model</c> tag of a request whose model was not resolved (unknown name, server not ready).</summary>
    public const string UnknownModel = "unknown";

    private readonly IHostApplicationLifetime _lifetime;

    public RequestTelemetry(ServingMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        Metrics = metrics;
        Time = time;
        _lifetime = lifetime;
    }

    /// <summary>True once shutdown has begun (refusals from then on are shed while shutting down).</summary>
    public bool ShuttingDown => _lifetime.ApplicationStopping.IsCancellationRequested;

    public ServingMetrics Metrics { get; }

    public TimeProvider Time { get; }

    /// <param name="spanName">The method as OpenTelemetry's RPC conventions name spans: <c>mimmo.v1.Inference/Predict</c>.</param>
    /// <param name="headers">The call's metadata, for <c>traceparent</c>.</param>
    /// <param name="mode">A <see cref="ModeLabel"/> word.</param>
    public RequestScope Start(string spanName, Metadata headers, string mode)
    {
        Activity? activity = null;
        if (ServingTracing.Source.HasListeners())
        {
            activity = ServingTracing.Source.StartActivity(spanName, ActivityKind.Server, ParentOf(headers));
            if (activity is { IsAllDataRequested: true })
            {
                var slash = spanName.IndexOf('/', StringComparison.Ordinal);
                activity.SetTag("rpc.system", "grpc").SetTag("rpc.service", spanName[..slash]).SetTag("rpc.method", spanName[(slash + 1)..]).SetTag("mimmo.mode", mode);
            }
        }

        return new RequestScope(this, activity, Time.GetTimestamp(), mode);
    }

    /// <summary>The caller's span from W3C trace context headers; default (no parent) when absent or malformed.</summary>
    internal static ActivityContext ParentOf(Metadata headers) =>
        headers.GetValue(TraceParentHeader) is { } traceParent
        && ActivityContext.TryParse(traceParent, headers.GetValue(TraceStateHeader), isRemote: true, out var parent)
            ? parent
            : default;
}

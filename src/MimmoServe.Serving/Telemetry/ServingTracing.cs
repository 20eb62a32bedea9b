using System.Diagnostics;

namespace MimmoServe.Serving.Telemetry;

/// <summary>
/// MimmoServe's <see cref="ActivitySource"/>. The host starts one server span per request; the batcher adds, for each
/// request whose span is sampled, a <c>mimmo.queue</c> and a <c>mimmo.compute</c> child with the run's real start and
/// end times, and one <c>mimmo.run</c> span per run linked to every request it served (a run serves many requests,
/// so it cannot be the child of one).
/// </summary>
public static class ServingTracing
{
    public static ActivitySource Source { get; } = new(TelemetryNames.Source, typeof(ServingTracing).Assembly.GetName().Version?.ToString());
}

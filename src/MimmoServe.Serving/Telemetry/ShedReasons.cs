namespace MimmoServe.Serving.Telemetry;

/// <summary>The tag values of <see cref="ShedReason"/>, as the metric names table spells them.</summary>
public static class ShedReasons
{
    public const string QueueFull = "queue_full";
    public const string Deadline = "deadline";
    public const string ShuttingDown = "shutting_down";

    public static string Name(ShedReason reason) => reason switch
    {
        ShedReason.QueueFull => QueueFull,
        ShedReason.Deadline => Deadline,
        ShedReason.ShuttingDown => ShuttingDown,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Server.Tests.Load;

/// <summary>One call of a load run: its status, the status detail, how long it took and when it started (seconds into the run).</summary>
internal sealed record CallOutcome(StatusCode Code, string Detail, double LatencyMs, double StartedAt)
{
    /// <summary>Refused by the server before it was queued: the queue was full or the deadline could not be met.</summary>
    public bool Shed => Code == StatusCode.ResourceExhausted || (Code == StatusCode.DeadlineExceeded && Detail.StartsWith("Refused at admission", StringComparison.Ordinal));
}

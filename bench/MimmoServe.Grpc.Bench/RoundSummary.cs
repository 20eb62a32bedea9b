namespace MimmoServe.Grpc.Bench;

/// <summary>The rounds of one server and client pair: the median and the best by server CPU per call, and all errors.</summary>
internal sealed record RoundSummary(LoadResult Median, LoadResult Best, int Errors)
{
    public static RoundSummary Of(IReadOnlyList<LoadResult> rounds)
    {
        var ordered = rounds.OrderBy(r => r.ServerCpuMicrosecondsPerCall).ToList();
        return new RoundSummary(ordered[(ordered.Count - 1) / 2], ordered[0], rounds.Sum(r => r.Errors));
    }
}

namespace MimmoServe.Bench.Suite;

/// <summary>Everything one run of the suite measured (written to bench/results.json and rendered to REPORT.md).</summary>
internal sealed record SuiteResults(
    DateTimeOffset Started,
    double Minutes,
    string Command,
    string Machine,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    string OnnxRuntime,
    double SecondsPerMeasurement,
    double ServerWarmupSeconds,
    long ServerWarmupCalls,
    double PeakMacsPerSecond,
    int PeakRunners,
    IReadOnlyDictionary<string, long> MacsPerRow,
    IReadOnlyDictionary<string, EngineLimitResult> Limits,
    IReadOnlyList<ServedPoint> Served,
    IReadOnlyList<NaivePoint> Naive,
    IReadOnlyList<LonePoint> Lone,
    IReadOnlyList<ClientPoint> Client,
    FreshStartPoint? FreshStart,
    IReadOnlyList<Goal> Goals,
    IReadOnlyList<EarlyExitPoint> EarlyExit,
    IReadOnlyList<EarlyExitComparison> EarlyExitComparisons);

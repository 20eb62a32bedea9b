namespace MimmoServe.Bench.Suite;

/// <summary>Everything one run of the suite measured (written to bench/results.json and rendered to REPORT.md).</summary>
internal sealed record SuiteResults(
    DateTimeOffset Started,
    double Minutes,
    string Command,
    string Machine,
    string LoadAverageAtStart,
    string OnnxRuntime,
    double SecondsPerMeasurement,
    IReadOnlyDictionary<string, IReadOnlyDictionary<int, double>> LimitRowsPerSecond,
    IReadOnlyList<ServedPoint> Served,
    IReadOnlyList<NaivePoint> Naive,
    IReadOnlyList<Goal> Goals,
    IReadOnlyList<EarlyExitPoint> EarlyExit,
    IReadOnlyList<EarlyExitComparison> EarlyExitComparisons);

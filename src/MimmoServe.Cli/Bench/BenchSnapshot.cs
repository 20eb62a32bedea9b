namespace MimmoServe.Cli.Bench;

/// <summary>
/// A copy of a <see cref="BenchRecorder"/>: latencies per mode, failures by status, answers per exit, answers with a
/// known label and how many of them were right, and the sum of the answers' compute shares.
/// </summary>
internal sealed record BenchSnapshot(
    double[][] Latencies,
    Dictionary<string, long> Errors,
    SortedDictionary<uint, long> Exits,
    long Labelled,
    long Correct,
    double ComputeShareSum);

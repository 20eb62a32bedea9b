namespace MimmoServe.Cli.Bench;

/// <summary>
/// A copy of a <see cref="BenchRecorder"/>: latencies per mode, failures by status, answers per exit, answers with a
/// known label and how many of them were right, the sum of the answers' compute shares, and the answers (items) in all:
/// a batched call gives one latency and one answer per item.
/// </summary>
internal sealed record BenchSnapshot(
    double[][] Latencies,
    Dictionary<string, long> Errors,
    SortedDictionary<uint, long> Exits,
    long Labelled,
    long Correct,
    double ComputeShareSum,
    long Answers);

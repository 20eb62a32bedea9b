using System.Text.Json.Serialization;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// The outcome of one benchmark, as printed and as written to <c>--json FILE</c>. <see cref="ClientCpuSeconds"/> is the
/// CPU this process (the load generator) spent over the measured duration (after any warm-up; not its start-up), to
/// set against the server's when both share a machine.
/// <see cref="Accuracy"/> is the share of answers equal to their item's label (null without labels); <see cref="Exits"/>
/// (answers per exit) and <see cref="MeanComputeShare"/> are there for a staged (early-exit) model only. With
/// <see cref="ItemsPerCall"/> above 1 each call is a batched Predict: <see cref="Completed"/> and <see cref="Throughput"/>
/// count answers (items), the latencies are per call, and <see cref="CallsPerSecond"/> counts calls.
/// </summary>
internal sealed record BenchResult(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("loop")] string Loop,
    [property: JsonPropertyName("concurrency")] int? Concurrency,
    [property: JsonPropertyName("rate_per_s")] double? Rate,
    [property: JsonPropertyName("duration_s")] double Duration,
    [property: JsonPropertyName("completed")] long Completed,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("throughput_per_s")] double Throughput,
    [property: JsonPropertyName("latency_ms")] LatencySummary Latency,
    [property: JsonPropertyName("latency_ms_by_mode")] IReadOnlyDictionary<string, LatencySummary> ByMode,
    [property: JsonPropertyName("errors_by_status")] IReadOnlyDictionary<string, long> Errors,
    [property: JsonPropertyName("machine")] string Machine,
    [property: JsonPropertyName("client_cpu_s")] double ClientCpuSeconds,
    [property: JsonPropertyName("exit_policy")] string ExitPolicy,
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("accuracy")] double? Accuracy,
    [property: JsonPropertyName("exits")] IReadOnlyDictionary<string, long>? Exits,
    [property: JsonPropertyName("mean_compute_share")] double? MeanComputeShare,
    [property: JsonPropertyName("items_per_call")] int ItemsPerCall,
    [property: JsonPropertyName("calls_per_s")] double CallsPerSecond);

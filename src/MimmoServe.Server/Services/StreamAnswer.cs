using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Ensembles;

namespace MimmoServe.Server.Services;

/// <summary>
/// What a PredictStream message gets once it is settled: the task of its prediction (<see cref="Single"/> for one
/// item, <see cref="Batch"/> for a batched message), or the status it was refused with (<see cref="Refused"/>,
/// already recorded), plus its telemetry scope. Exactly one of the three is set.
/// </summary>
internal readonly record struct StreamAnswer(string Id, string Model, Task<Prediction>? Single, Task<Prediction[]>? Batch, Status? Refused, RequestScope Call)
{
    /// <summary>The prediction's task, or null for a refused message.</summary>
    public Task? Task => (Task?)Single ?? Batch;
}

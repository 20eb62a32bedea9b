namespace MimmoServe.Serving.Ensembles;

/// <summary>How a request was served: waiting time, the run's duration and size.</summary>
/// <param name="QueueMicroseconds">From accepted to the start of its run.</param>
/// <param name="ComputeMicroseconds">Duration of the run.</param>
/// <param name="BatchRows">Rows B of the run.</param>
/// <param name="BatchRequests">Requests served by the run.</param>
public readonly record struct PredictionTiming(long QueueMicroseconds, long ComputeMicroseconds, int BatchRows, int BatchRequests);

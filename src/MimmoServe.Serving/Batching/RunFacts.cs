namespace MimmoServe.Serving.Batching;

/// <summary>What the answers of one stage run say about it: its start (a <see cref="TimeProvider"/> timestamp), duration, rows and requests.</summary>
internal readonly record struct RunFacts(long Start, TimeSpan Elapsed, int Rows, int Requests);

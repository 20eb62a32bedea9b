namespace MimmoServe.Serving.Batching;

/// <summary>
/// One request of a staged model's row that has not stopped yet: the request, its row in the run, the slots it
/// occupies there (its group and extra copies) and the compute time of the stages its row has run so far.
/// </summary>
internal readonly record struct RowEntry(PendingRequest Request, int Row, ulong Members, TimeSpan Compute);

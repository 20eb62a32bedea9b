namespace MimmoServe.Bench.Suite;

/// <summary>
/// The .NET client as users run it: <c>mimmo bench</c> (MimmoClient underneath) against the same server, closed loop,
/// single-item calls; its CPU per call is what a .NET caller pays per unary Predict, recording included.
/// </summary>
internal sealed record ClientPoint(string Model, int K, LoadResult Load);

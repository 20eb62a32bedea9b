namespace MimmoServe.Bench.Suite;

/// <summary>A goal of issue 6, its target, what was measured, and whether it was met.</summary>
internal sealed record Goal(string Name, string Target, string Measured, bool Met);

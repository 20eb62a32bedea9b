namespace MimmoServe.Bench.Suite;

/// <summary>A model's test-set figures at one ensemble size, from its <c>mimmo.metrics</c> (models/REPORT.md's table).</summary>
internal sealed record ModelQuality(double Accuracy, double Nll);

namespace MimmoServe.Bench.Suite;

/// <summary>
/// One staged (early-exit) model at one ensemble size k under one exit policy (<c>auto</c> or <c>full</c>), closed loop
/// at saturation over the labelled test images: served inputs per second, served accuracy, exits and compute share.
/// </summary>
internal sealed record EarlyExitPoint(string Model, int K, string Policy, string Images, int ItemCount, LoadResult Saturation);

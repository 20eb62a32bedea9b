using MimmoServe.Client;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// One benchmark: closed loop (<see cref="Concurrency"/> workers, each sending its next request when the last one
/// is answered) unless <see cref="Rate"/> is set, then open loop (Poisson arrivals at that many per second,
/// whatever the answers do, at most <see cref="MaxInFlight"/> outstanding). Every call carries <see cref="Exit"/>;
/// the items are one random item, or every item of <see cref="Images"/> in turn; each call carries
/// <see cref="ItemsPerCall"/> of them (a batched Predict when more than one). <see cref="Warmup"/> of the same load
/// goes first and is recorded nowhere.
/// </summary>
internal sealed record BenchSettings(
    string Model,
    int Concurrency,
    double? Rate,
    TimeSpan Duration,
    ModeMix Modes,
    int MaxInFlight,
    int Seed,
    ExitPolicy Exit = default,
    string? Images = null,
    int ItemsPerCall = 1,
    TimeSpan Warmup = default)
{
    public string Loop => Rate is null ? "closed" : "open";
}

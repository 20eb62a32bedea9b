namespace MimmoServe.Serving.Requests;

/// <summary>
/// One prediction request as the host hands it over (the fields of <c>mimmo.v1.PredictRequest</c> plus the
/// <c>x-mimmo-mode</c> header). The serving core reads each item's values where they are, without a copy, until it writes them into the item's
/// slot of a run (or drops the item): the host must leave the values as they are until the prediction's task ends.
/// </summary>
public sealed class PredictInput
{
    /// <summary>Model name; "" for the default model.</summary>
    public string Model { get; init; } = "";

    /// <summary>Echoed in the prediction.</summary>
    public string Id { get; init; } = "";

    /// <summary>One item's shape; must equal the model's item shape.</summary>
    public IReadOnlyList<long> Shape { get; init; } = [];

    /// <summary>The item as floats, row-major (protobuf's RepeatedField fits as is). Exactly one of this, <see cref="RawData"/> and <see cref="RawUint8"/>.</summary>
    public IReadOnlyList<float> Data { get; init; } = [];

    /// <summary>The item as little-endian float32 bytes.</summary>
    public ReadOnlyMemory<byte> RawData { get; init; }

    /// <summary>The item as one byte per value, for a model that declares an input scale (<see cref="Contract.InputValues"/>).</summary>
    public ReadOnlyMemory<byte> RawUint8 { get; init; }

    /// <summary>Slots to occupy; 0: from <see cref="Mode"/>, else the model's default.</summary>
    public uint EnsembleSize { get; init; }

    /// <summary>The <c>x-mimmo-mode</c> header: accuracy, throughput, balanced or a number; null or "" when absent.</summary>
    public string? Mode { get; init; }

    /// <summary>The <c>x-mimmo-exit</c> header: auto, full or a threshold in (0, 1]; null or "" when absent (the model's default policy).</summary>
    public string? ExitPolicy { get; init; }

    /// <summary>Classes in the top list; 0: 5. At most K are returned.</summary>
    public uint TopK { get; init; }

    /// <summary>Also return every member's distribution.</summary>
    public bool ReturnMembers { get; init; }
}

namespace MimmoServe.Protocol;

/// <summary>
/// The request header that chooses where a request may leave a staged (early-exit) model: at the exit its learned
/// gates choose, always at the last exit, or at the first exit whose confidence reaches a threshold in (0, 1].
/// Header names are lower case on HTTP/2.
/// </summary>
public static class ExitHeader
{
    /// <summary>The header name.</summary>
    public const string Name = "x-mimmo-exit";

    /// <summary>The model's gates decide, per input, at which exit it stops.</summary>
    public const string Auto = "auto";

    /// <summary>Every stage runs; the last exit answers.</summary>
    public const string Full = "full";
}

namespace MimmoServe.Protocol;

/// <summary>
/// The request header that chooses a request's operating point (how many of the model's M slots it occupies)
/// when the request's own <c>ensemble_size</c> is 0. Header names are lower case on HTTP/2.
/// </summary>
public static class ModeHeader
{
    /// <summary>The header name.</summary>
    public const string Name = "x-mimmo-mode";

    /// <summary>k = M: every slot, the most accurate answer.</summary>
    public const string Accuracy = "accuracy";

    /// <summary>k = 1: one slot, the most inputs per run.</summary>
    public const string Throughput = "throughput";

    /// <summary>k = the median of the model's supported sizes (the lower of the two middle ones).</summary>
    public const string Balanced = "balanced";
}

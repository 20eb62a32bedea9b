using System.Globalization;
using MimmoServe.Protocol;

namespace MimmoServe.Client;

/// <summary>
/// A request's operating point: how many of the model's M slots it occupies, sent as the <c>x-mimmo-mode</c> header.
/// <see cref="Accuracy"/> is k = M, <see cref="Throughput"/> k = 1, <see cref="Balanced"/> the median supported size,
/// <see cref="Size"/> an exact k. The default value sends no header: the model's default applies.
/// </summary>
public readonly record struct OperatingPoint
{
    private OperatingPoint(string value)
    {
        HeaderValue = value;
    }

    /// <summary>k = M: every slot, the most accurate answer.</summary>
    public static OperatingPoint Accuracy { get; } = new(ModeHeader.Accuracy);

    /// <summary>k = 1: one slot, the most inputs per run.</summary>
    public static OperatingPoint Throughput { get; } = new(ModeHeader.Throughput);

    /// <summary>k = the median of the model's supported sizes.</summary>
    public static OperatingPoint Balanced { get; } = new(ModeHeader.Balanced);

    /// <summary>The header's value; null for the default operating point (no header).</summary>
    public string? HeaderValue { get; }

    /// <summary>Exactly <paramref name="k"/> slots; the server answers INVALID_ARGUMENT when the model does not support it.</summary>
    public static OperatingPoint Size(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return new(k.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Reads <c>accuracy</c>, <c>throughput</c>, <c>balanced</c> or a number k (case-insensitive).</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static OperatingPoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        return value switch
        {
            ModeHeader.Accuracy => Accuracy,
            ModeHeader.Throughput => Throughput,
            ModeHeader.Balanced => Balanced,
            _ when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1 => Size(k),
            _ => throw new FormatException($"'{text}' is not a mode: use accuracy, throughput, balanced or a number k >= 1."),
        };
    }

    public override string ToString() => HeaderValue ?? "default";
}

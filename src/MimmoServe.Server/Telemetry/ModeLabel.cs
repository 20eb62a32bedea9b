using MimmoServe.Protocol;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// The <c>mode</c> tag: how the caller chose k, as one of a few fixed words, so that a bad header cannot create new
/// series. <c>size</c>: <c>ensemble_size</c> or a number in <c>x-mimmo-mode</c>; <c>default</c>: neither;
/// <c>invalid</c>: a header that is no mode.
/// </summary>
internal static class ModeLabel
{
    public const string Size = "size";
    public const string Default = "default";
    public const string Invalid = "invalid";

    public static string Of(uint ensembleSize, string? header)
    {
        if (ensembleSize > 0)
        {
            return Size;
        }

        if (string.IsNullOrWhiteSpace(header))
        {
            return Default;
        }

        var mode = header.AsSpan().Trim();
        if (mode.Equals(ModeHeader.Accuracy, StringComparison.OrdinalIgnoreCase))
        {
            return ModeHeader.Accuracy;
        }

        if (mode.Equals(ModeHeader.Throughput, StringComparison.OrdinalIgnoreCase))
        {
            return ModeHeader.Throughput;
        }

        if (mode.Equals(ModeHeader.Balanced, StringComparison.OrdinalIgnoreCase))
        {
            return ModeHeader.Balanced;
        }

        return uint.TryParse(mode, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _) ? Size : Invalid;
    }
}

using System.Globalization;
using MimmoServe.Protocol;

namespace MimmoServe.Client;

/// <summary>
/// Where a request may leave a staged (early-exit) model, sent as the <c>x-mimmo-exit</c> header: <see cref="Auto"/>
/// (the model's learned gates decide per input), <see cref="Full"/> (every stage runs, the last exit answers) or
/// <see cref="Threshold"/> t (the first exit whose confidence is at least t). The default value sends no header: the
/// model's default policy applies. A model that is not staged accepts only <see cref="Full"/> (or no header).
/// </summary>
public readonly record struct ExitPolicy
{
    private ExitPolicy(string value)
    {
        HeaderValue = value;
    }

    /// <summary>The model's gates choose each input's exit.</summary>
    public static ExitPolicy Auto { get; } = new(ExitHeader.Auto);

    /// <summary>Every stage runs; the last exit answers.</summary>
    public static ExitPolicy Full { get; } = new(ExitHeader.Full);

    /// <summary>The header's value; null for the default policy (no header).</summary>
    public string? HeaderValue { get; }

    /// <summary>The first exit whose prediction's top probability is at least <paramref name="confidence"/>, else the last.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="confidence"/> is not in (0, 1].</exception>
    public static ExitPolicy Threshold(double confidence)
    {
        if (!(confidence > 0 && confidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "an exit threshold is a confidence in (0, 1].");
        }

        // "R" round-trips: the server reads back exactly this double.
        return new(confidence.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Reads <c>auto</c>, <c>full</c> (case-insensitive) or a number in (0, 1].</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static ExitPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        return value switch
        {
            ExitHeader.Auto => Auto,
            ExitHeader.Full => Full,
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 && t <= 1 => Threshold(t),
            _ => throw new FormatException($"'{text}' is not an exit policy: use auto, full or a confidence threshold in (0, 1]."),
        };
    }

    public override string ToString() => HeaderValue ?? "default";
}

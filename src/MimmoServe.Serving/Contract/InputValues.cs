using System.Diagnostics;
using System.Globalization;

namespace MimmoServe.Serving.Contract;

/// <summary>
/// What a model says about its input values (models/CONTRACT.md, "Input values"): whether a request may send its items
/// as bytes (<c>raw_uint8</c>) and what a byte b means, <c>offset + scale * b</c> (<c>mimmo.input_scale</c>,
/// <c>mimmo.input_offset</c>); and the range [min, max] every float value must lie in (<c>mimmo.input_range</c>), so that
/// pixels sent as 0-255 to a model trained on 0-1 are refused rather than answered. Both are optional: a model that
/// declares neither takes any finite float32 value and no bytes. Immutable.
/// </summary>
public sealed class InputValues
{
    /// <summary>Float values only, any finite value: a model that declares nothing.</summary>
    public static readonly InputValues FloatsOnly = new(null, 0, null);

    // The float value of each byte 0..255, computed once: the copy into a slot is one table lookup per element.
    private readonly float[]? _byteValues;

    /// <param name="byteScale">The value of one step of a byte (> 0), or null: bytes are refused.</param>
    /// <param name="byteOffset">The value of byte 0 (only with a scale).</param>
    /// <param name="range">The range of float values, or null: any finite value.</param>
    internal InputValues(double? byteScale, double byteOffset, (float Min, float Max)? range)
    {
        Debug.Assert(byteScale is null || (byteScale > 0 && double.IsFinite(byteScale.Value)), "the reader checks the scale");
        Debug.Assert(range is null || range.Value.Min < range.Value.Max, "the reader checks the range");
        ByteScale = byteScale;
        ByteOffset = byteOffset;
        Range = range;
        if (byteScale is { } scale)
        {
            _byteValues = new float[256];
            // In double, rounded once: with the scale as declared (1/255 to 17 digits), byte b gives the float32 nearest
            // b / 255, which is what an image pipeline dividing in float32 sends as data.
            for (var b = 0; b < 256; b++)
            {
                _byteValues[b] = (float)(byteOffset + (scale * b));
            }
        }
    }

    /// <summary>The value of one step of a byte; null when the model takes float values only.</summary>
    public double? ByteScale { get; }

    /// <summary>The value of byte 0 (0 unless declared).</summary>
    public double ByteOffset { get; }

    /// <summary>The range every float value must lie in, both ends included; null: any finite value.</summary>
    public (float Min, float Max)? Range { get; }

    /// <summary>True when requests may send the items as bytes (<c>raw_uint8</c>).</summary>
    public bool AcceptsBytes => _byteValues is not null;

    /// <summary>The value of each byte 0..255; empty when bytes are refused.</summary>
    internal ReadOnlyMemory<float> ByteValues => _byteValues;

    /// <summary>In words, for <c>mimmo inspect</c>: e.g. "float32 in [0, 1] (else refused), or uint8 bytes b meaning 0.00392157 x b".</summary>
    public string Describe()
    {
        var floats = Range is { } r ? $"float32 in [{Text(r.Min)}, {Text(r.Max)}] (else refused)" : "any finite float32";
        if (ByteScale is not { } scale)
        {
            return floats + "; no uint8 bytes";
        }

        var offset = ByteOffset == 0 ? "" : $"{Text(ByteOffset)} + ";
        return $"{floats}, or uint8 bytes b meaning {offset}{Text(scale)} x b";
    }

    internal static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

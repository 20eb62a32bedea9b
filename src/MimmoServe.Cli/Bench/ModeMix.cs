using System.Globalization;
using MimmoServe.Client;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// The operating points of a benchmark with their shares: <c>accuracy:1,throughput:3</c> sends a quarter of the
/// requests in accuracy mode; a mode without a weight counts 1; <c>default</c> sends no mode header.
/// </summary>
internal sealed class ModeMix
{
    private readonly (string Name, OperatingPoint Mode, double Cumulative)[] _modes;

    private ModeMix((string, OperatingPoint, double)[] modes)
    {
        _modes = modes;
    }

    public IEnumerable<string> Names => _modes.Select(m => m.Name);

    /// <exception cref="FormatException">An unknown mode or a weight that is not positive.</exception>
    public static ModeMix Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("the mode mix is empty.");
        }

        var total = 0.0;
        var modes = new List<(string, OperatingPoint, double)>();
        foreach (var part in parts)
        {
            var pieces = part.Split(':', 2);
            var weight = pieces.Length == 2 ? double.Parse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture) : 1.0;
            if (!(weight > 0))
            {
                throw new FormatException($"the weight of '{part}' must be positive.");
            }

            total += weight;
            modes.Add((pieces[0], pieces[0] == "default" ? default : OperatingPoint.Parse(pieces[0]), total));
        }

        return new ModeMix([.. modes.Select(m => (m.Item1, m.Item2, m.Item3 / total))]);
    }

    /// <summary>The index of the mode for a uniform draw <paramref name="u"/> in [0, 1).</summary>
    public int Pick(double u)
    {
        for (var i = 0; i < _modes.Length - 1; i++)
        {
            if (u < _modes[i].Cumulative)
            {
                return i;
            }
        }

        return _modes.Length - 1;
    }

    public OperatingPoint Mode(int index) => _modes[index].Mode;

    public string Name(int index) => _modes[index].Name;
}

using System.Globalization;
using System.Text;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>
/// A parsed Prometheus text exposition (format 0.0.4), written for the tests: HELP and TYPE lines, samples with
/// escaped label values. It throws on anything the format does not allow, so a malformed scrape fails the test.
/// </summary>
internal sealed class PrometheusScrape
{
    private readonly List<Sample> _samples = [];
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);

    private PrometheusScrape()
    {
    }

    public IReadOnlyList<Sample> Samples => _samples;

    public IReadOnlyDictionary<string, string> Types => _types;

    public IReadOnlyDictionary<string, string> Help => _help;

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                scrape._help.Add(rest[..space], rest[(space + 1)..]);
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ');
                Assert.Equal(2, parts.Length);
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                scrape._types.Add(parts[0], parts[1]);
            }
            else if (line.StartsWith('#'))
            {
                continue;
            }
            else
            {
                var sample = ParseSample(line);
                Assert.True(scrape._types.ContainsKey(sample.FamilyAmong(scrape._types)), $"sample of {sample.Name} before its TYPE line");
                scrape._samples.Add(sample);
            }
        }

        return scrape;
    }

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include <paramref name="labels"/>; 0 when there is none.</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} samples of {name} match; give more labels");
        return matches.Count == 0 ? 0 : matches[0].Value;
    }

    public IEnumerable<Sample> Named(string name) => _samples.Where(s => s.Name == name);

    private static Sample ParseSample(string line)
    {
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.LastIndexOf(' ');
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        string name;
        if (brace < 0)
        {
            name = line[..space];
        }
        else
        {
            name = line[..brace];
            var i = brace + 1;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var key = line[i..equals];
                Assert.Equal('"', line[equals + 1]);
                var value = new StringBuilder();
                i = equals + 2;
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            _ => throw new FormatException($"bad escape \\{line[i]} in {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                labels.Add(key, value.ToString());
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            Assert.Equal(i + 1, space);
        }

        Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
        var text = line[(space + 1)..];
        var number = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }

    internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        /// <summary>
        /// The metric family, as a Prometheus parser finds it: a histogram's <c>_bucket</c>, <c>_sum</c> and
        /// <c>_count</c> samples belong to its base name when that is a typed histogram or summary; any other sample
        /// (a gauge may be named <c>dotnet_assembly_count</c>) is its own family.
        /// </summary>
        public string FamilyAmong(IReadOnlyDictionary<string, string> types)
        {
            foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            {
                if (Name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(Name[..^suffix.Length], out var type) && type is "histogram" or "summary")
                {
                    return Name[..^suffix.Length];
                }
            }

            return Name;
        }
    }
}

using System.Globalization;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// The series of one metric: one state per distinct set of tags. A series is found by a linear scan that compares
/// tag values without allocating (a metric has a handful of series: models × modes × statuses); only a new series
/// allocates. Not thread-safe: the owning family holds its lock.
/// </summary>
internal sealed class SeriesTable<TState>
    where TState : class
{
    private readonly List<(KeyValuePair<string, string>[] Labels, TState State)> _series = [];
    private readonly Func<TState> _create;

    public SeriesTable(Func<TState> create)
    {
        _create = create;
    }

    public int Count => _series.Count;

    public (KeyValuePair<string, string>[] Labels, TState State) this[int index] => _series[index];

    public TState Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var (labels, state) in _series)
        {
            if (Matches(labels, tags))
            {
                return state;
            }
        }

        var created = _create();
        var newLabels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            newLabels[i] = new(tags[i].Key, Text(tags[i].Value));
        }

        Array.Sort(newLabels, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        _series.Add((newLabels, created));
        return created;
    }

    public void Clear() => _series.Clear();

    private static bool Matches(KeyValuePair<string, string>[] labels, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (labels.Length != tags.Length)
        {
            return false;
        }

        foreach (var tag in tags)
        {
            var found = false;
            foreach (var label in labels)
            {
                if (string.Equals(label.Key, tag.Key, StringComparison.Ordinal))
                {
                    found = tag.Value is string text ? string.Equals(label.Value, text, StringComparison.Ordinal) : label.Value == Text(tag.Value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

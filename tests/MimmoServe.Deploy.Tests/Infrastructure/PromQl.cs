using System.Text.RegularExpressions;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>What a PromQL expression refers to: our series (<c>mimmo_*</c>), their label matchers, its grouping labels.</summary>
internal static partial class PromQl
{
    /// <summary>Every <c>mimmo_*</c> series name in the expression.</summary>
    public static IReadOnlyList<string> Series(string expression) =>
        SeriesPattern().Matches(expression).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The label names matched in <c>series{label="..."}</c>, per series.</summary>
    public static IEnumerable<(string Series, string Label)> Matchers(string expression) =>
        SelectorPattern().Matches(expression).SelectMany(m =>
            MatcherPattern().Matches(m.Groups[2].Value).Select(l => (m.Groups[1].Value, l.Groups[1].Value)));

    /// <summary>The labels of every <c>by (...)</c> and <c>without (...)</c> clause.</summary>
    public static IEnumerable<string> Grouping(string expression) =>
        GroupingPattern().Matches(expression)
            .SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(l => !l.StartsWith("<<", StringComparison.Ordinal));

    /// <summary>Problems of an expression against <see cref="MetricFamily.Agreed"/>: unknown series, or labels they do not have.</summary>
    public static IReadOnlyList<string> Problems(string expression)
    {
        var problems = new List<string>();
        var families = new List<MetricFamily>();
        foreach (var series in Series(expression))
        {
            if (MetricFamily.OfSeries(series) is { } family)
            {
                families.Add(family);
            }
            else
            {
                problems.Add($"'{series}' is not an agreed metric");
            }
        }

        foreach (var (series, label) in Matchers(expression))
        {
            if (MetricFamily.OfSeries(series) is { } family && !family.SeriesLabels.Contains(label))
            {
                problems.Add($"'{series}' has no label '{label}'");
            }
        }

        foreach (var label in Grouping(expression))
        {
            if (families.Count > 0 && !families.Any(f => f.SeriesLabels.Contains(label)))
            {
                problems.Add($"no metric of the expression has the label '{label}' it groups by");
            }
        }

        return problems;
    }

    [GeneratedRegex(@"\bmimmo_[a-z0-9_]+\b")]
    private static partial Regex SeriesPattern();

    [GeneratedRegex(@"\b(mimmo_[a-z0-9_]+)\{([^}]*)\}")]
    private static partial Regex SelectorPattern();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex MatcherPattern();

    [GeneratedRegex(@"\b(?:by|without)\s*\(([^)]*)\)")]
    private static partial Regex GroupingPattern();
}

using System.Globalization;
using MimmoServe.Protocol.V1;
using Spectre.Console;

namespace MimmoServe.Cli.Output;

/// <summary>Tables of the models a server serves.</summary>
internal static class ModelView
{
    public static Table List(IEnumerable<ModelInfo> models)
    {
        var table = new Table().AddColumns("name", "family", "M", "E", "K (T)", "item", "sizes k", "default k", "provider");
        foreach (var m in models)
        {
            table.AddTextRow(m.Name, m.Family, Text(m.Slots), Text(m.Exits), Outputs(m), Shape(m.ItemShape), string.Join(",", m.EnsembleSizes), Text(m.DefaultEnsembleSize), m.ExecutionProvider);
        }

        return table;
    }

    /// <summary>K classes, or a regression model's T targets in parentheses.</summary>
    private static string Outputs(ModelInfo m) => m.Output == "regression" ? $"({Text(m.NumTargets)})" : Text(m.NumClasses);

    public static Table Detail(ModelInfo m)
    {
        var table = new Table().AddColumns("field", "value");
        table.AddTextRow("name", m.Name);
        table.AddTextRow("family", m.Family);
        table.AddTextRow("slots M", Text(m.Slots));
        table.AddTextRow("exits E", Text(m.Exits));
        if (m.Output == "regression")
        {
            table.AddTextRow("output", $"regression, {m.Regression}");
            table.AddTextRow("targets T", Text(m.NumTargets));
        }
        else
        {
            table.AddTextRow("classes K", Text(m.NumClasses));
        }

        table.AddTextRow("item shape", Shape(m.ItemShape));
        table.AddTextRow("ensemble sizes k", string.Join(", ", m.EnsembleSizes));
        table.AddTextRow("default k", Text(m.DefaultEnsembleSize));
        table.AddTextRow(m.Output == "regression" ? "target names" : "labels", string.Join(", ", m.Labels));
        for (var e = 0; e < m.ExitWeights.Count; e++)
        {
            table.AddTextRow($"exit {e} weights", string.Join(" ", m.ExitWeights[e].Weights.Select(w => w.ToString("0.###", CultureInfo.InvariantCulture))));
        }

        if (m.StageCosts.Count > 0)
        {
            table.AddTextRow("stages", Text((uint)m.StageCosts.Count));
            table.AddTextRow("stage costs", string.Join(" ", m.StageCosts.Select(c => c.ToString("0.###", CultureInfo.InvariantCulture))));
        }

        if (m.DefaultExitPolicy.Length > 0)
        {
            table.AddTextRow("default exit policy", m.DefaultExitPolicy);
        }

        table.AddTextRow("execution provider", m.ExecutionProvider);
        foreach (var (key, value) in m.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddTextRow(key, Shorten(value));
        }

        return table;
    }

    public static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    public static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";

    private static string Text(uint value) => value.ToString(CultureInfo.InvariantCulture);
}

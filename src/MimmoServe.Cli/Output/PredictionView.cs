using System.Globalization;
using MimmoServe.Protocol.V1;
using Spectre.Console;

namespace MimmoServe.Cli.Output;

/// <summary>
/// A prediction as tables: the answer with the exit that gave it and the share of the full forward pass it cost (an
/// early-exit model's input may stop before the last exit), the top classes, the uncertainty over the members, the timing;
/// a regression model's answer as one row per target: its mean, interval and variances.
/// </summary>
internal static class PredictionView
{
    /// <param name="labels">The model's class labels, to name the classes of a prediction set; empty: numbers only.</param>
    public static void Write(IAnsiConsole console, PredictResponse r, IReadOnlyList<string> labels)
    {
        if (r.Regression is { } regression)
        {
            var served = new Table().AddColumns("model", "k", "members");
            served.AddTextRow(r.Model, Number(r.EnsembleSize), Number(r.Members));
            console.Write(served);
            console.Write(Targets(regression, $"targets ({Percent(regression.IntervalLevel)} interval)"));
            WriteTiming(console, r.Timing);
            return;
        }

        var answer = new Table().AddColumns("model", "label", "class", "confidence", "k", "members", "exit", "compute share");
        answer.AddTextRow(r.Model, r.Label, Number(r.ClassIndex), Number(r.Confidence), Number(r.EnsembleSize), Number(r.Members), Number(r.Exit), Number(r.ComputeShare));
        console.Write(answer);

        var top = new Table().Title("top classes").AddColumns("rank", "class", "label", "probability");
        for (var i = 0; i < r.Top.Count; i++)
        {
            top.AddTextRow(Number(i + 1), Number(r.Top[i].Index), r.Top[i].Label, Number(r.Top[i].Probability));
        }

        console.Write(top);

        var u = r.Uncertainty ?? new Uncertainty();
        var uncertainty = new Table().Title("uncertainty (nats)").AddColumns("predictive entropy", "expected entropy", "mutual information", "variance", "agreement");
        uncertainty.AddTextRow(Number(u.PredictiveEntropy), Number(u.ExpectedEntropy), Number(u.MutualInformation), Number(u.Variance), Number(u.Agreement));
        console.Write(uncertainty);

        if (r.PredictionSet.Count > 0)
        {
            console.WriteLine($"conformal prediction set: {string.Join(", ", r.PredictionSet.Select(c => c >= 0 && c < labels.Count ? $"{labels[c]} ({Number(c)})" : Number(c)))}");
        }

        WriteTiming(console, r.Timing);
    }

    /// <summary>The results of a batched call, one row per item in order, with the true label and whether the answer is right when known.</summary>
    /// <param name="ids">The items' names, in order.</param>
    /// <param name="truths">The items' true classes (null entries unknown), or null when none is known.</param>
    public static void WriteItems(
        IAnsiConsole console,
        string model,
        IReadOnlyList<string> ids,
        IReadOnlyList<ItemResult> results,
        IReadOnlyList<int?>? truths,
        IReadOnlyList<string> labels)
    {
        if (results.Count > 0 && results[0].Regression is not null)
        {
            for (var i = 0; i < results.Count; i++)
            {
                var regression = results[i].Regression ?? new Regression();
                console.Write(Targets(regression, $"{ids[i]}: k {Number(results[i].EnsembleSize)}, {Number(results[i].Members)} members ({Percent(regression.IntervalLevel)} interval)"));
            }

            WriteFirstTiming(console, results);
            return;
        }

        var table = new Table().Title($"{model}: {results.Count} items in one call")
            .AddColumns("item", "label", "class", "confidence", "k", "members", "exit", "mutual information");
        if (truths is not null)
        {
            table.AddColumns("true label", "");
        }

        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var mutualInformation = (r.Uncertainty ?? new Uncertainty()).MutualInformation;
            var row = new List<string>
            {
                ids[i], r.Label, Number(r.ClassIndex), Number(r.Confidence), Number(r.EnsembleSize), Number(r.Members), Number(r.Exit),
                Number(mutualInformation),
            };
            if (truths is not null)
            {
                var truth = truths[i];
                row.Add(truth is { } t ? (t >= 0 && t < labels.Count ? labels[t] : Number(t)) : "");
                row.Add(truth is null ? "" : truth == r.ClassIndex ? "correct" : "wrong");
            }

            table.AddTextRow([.. row]);
        }

        console.Write(table);
        WriteFirstTiming(console, results);
    }

    /// <summary>One row per target: the ensemble's mean, the central interval, and the variance split into the members' disagreement and the noise they predict.</summary>
    private static Table Targets(Regression regression, string title)
    {
        var table = new Table().Title(title).AddColumns("target", "mean", "lower", "upper", "epistemic variance", "aleatoric variance", "variance");
        foreach (var t in regression.Targets)
        {
            table.AddTextRow(t.Name, Number(t.Mean), Number(t.Lower), Number(t.Upper), Number(t.EpistemicVariance), Number(t.AleatoricVariance), Number(t.Variance));
        }

        return table;
    }

    private static void WriteTiming(IAnsiConsole console, Timing? timing)
    {
        if (timing is { } t)
        {
            console.WriteLine($"queue {t.QueueUs} us, compute {t.ComputeUs} us, run of {t.BatchRows} rows for {t.BatchRequests} requests");
        }
    }

    private static void WriteFirstTiming(IAnsiConsole console, IReadOnlyList<ItemResult> results)
    {
        if (results.Count > 0 && results[0].Timing is { } t0)
        {
            console.WriteLine($"first item: queue {t0.QueueUs} us, compute {t0.ComputeUs} us, run of {t0.BatchRows} rows for {t0.BatchRequests} requests");
        }
    }

    private static string Percent(float level) => (level * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Number(float value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

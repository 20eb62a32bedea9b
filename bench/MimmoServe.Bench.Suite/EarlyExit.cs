using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The early-exit section (issue 9, JEI-DNN): each staged model under <c>auto</c> (its gates) and <c>full</c> (every
/// stage), at its default k and at k = 1, on the same server with the same callers, over the labelled test images
/// (each input stops at its own exit, so one repeated item would say nothing). Closed loop at saturation, the callers
/// of the served section's formula. Each policy is measured in two halves in the order full, auto, auto, full, so that
/// a drift of the machine's other load during the section weighs on both alike (this machine is shared).
/// </summary>
internal static class EarlyExit
{
    public const string Auto = "auto";
    public const string Full = "full";

    /// <summary>Debian's <c>dataset-fashion-mnist</c>: the 10,000 test images, labels beside them.</summary>
    public const string DebianTestImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    /// <summary>Debian's Fashion-MNIST test set when installed, else the repository's 256 reference images and labels.</summary>
    public static (string Path, int Count) TestImages(SuitePaths paths) =>
        File.Exists(DebianTestImages) ? (DebianTestImages, 10_000) : (Path.Combine(paths.Models, "reference", "images.f32"), 256);

    public static async Task<IReadOnlyList<EarlyExitPoint>> RunAsync(CliLoad load, ServerProcess server, BundledModel model, SuitePaths paths, SuiteOptions options)
    {
        var (images, count) = TestImages(paths);
        var points = new List<EarlyExitPoint>();
        var defaultK = model.Config.DefaultEnsembleSize ?? model.Contract.DefaultEnsembleSize;
        foreach (var k in new[] { defaultK, 1 }.Distinct())
        {
            var callers = ServedCallers(model, k);
            if (options.Warmup > 0)
            {
                foreach (var policy in new[] { Full, Auto })
                {
                    await load.RunAsync(server, model.Name, k, callers, null, options.Warmup, policy, images).ConfigureAwait(false);
                }
            }

            var halves = new Dictionary<string, List<LoadResult>> { [Full] = [], [Auto] = [] };
            foreach (var policy in new[] { Full, Auto, Auto, Full })
            {
                halves[policy].Add(await load.RunAsync(server, model.Name, k, callers, null, options.Seconds / 2, policy, images).ConfigureAwait(false));
            }

            foreach (var (policy, runs) in halves)
            {
                var result = LoadResult.Combine(runs[0], runs[1]);
                points.Add(new EarlyExitPoint(model.Name, k, policy, Path.GetFileName(images), count, result));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"exit   {model.Name,-18} k={k} {policy,-4} callers {callers,3}: {GoalEvaluator.N(result.PerSecond)}/s (halves {GoalEvaluator.N(runs[0].PerSecond)}, {GoalEvaluator.N(runs[1].PerSecond)}) accuracy {result.Accuracy:0.0000} compute {result.MeanComputeShare:0.000} exits {Histogram(result)}; failed {result.Failed}"));
            }
        }

        return points;
    }

    /// <summary>Callers enough to fill two runs and the next one (the server keeps two runs' buffers), as the served section.</summary>
    public static int ServedCallers(BundledModel model, int k) => Math.Clamp(3 * model.Config.MaxRowsPerRun * model.InputsPerRow(k), 16, 384);

    /// <summary><c>0:n0 1:n1 ...</c>, the answers per exit.</summary>
    public static string Histogram(LoadResult result) =>
        result.Exits is { } exits ? string.Join(" ", exits.OrderBy(e => int.Parse(e.Key, CultureInfo.InvariantCulture)).Select(e => $"{e.Key}:{e.Value}")) : "n/a";
}

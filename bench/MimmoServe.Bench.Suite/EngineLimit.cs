using MimmoServe.Onnx;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The limit: the raw engine in this process, the model's own session settings (the server's: provider and threads),
/// runs of B rows of random inputs, no server, no queue, no copies; at each B the best over 1..<see cref="MaxRunners"/>
/// runners calling the one session at once, since the server overlaps runs (one per buffer set) and a single
/// back-to-back runner leaves the cores idle between runs.
/// </summary>
internal static class EngineLimit
{
    public static readonly int[] RowCounts = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>Concurrent runners tried at each row count: up to one more than the server's buffer sets.</summary>
    public const int MaxRunners = 3;

    /// <summary>Rows per second by rows per run (the best over the runners) and, per runner count, the whole table.</summary>
    public static EngineLimitResult Measure(OnnxRuntime runtime, BundledModel model, TimeSpan perPoint)
    {
        using var session = runtime.CreateSession(model.Path, BundledModel.SessionOptions(model.Config));
        var contract = model.Contract;
        var byRunners = new Dictionary<int, Dictionary<int, double>>();
        foreach (var rows in RowCounts)
        {
            for (var runners = 1; runners <= MaxRunners; runners++)
            {
                (TensorBuffer[], TensorBuffer[]) Buffers(int runner)
                {
                    var random = new Random((rows * 31) + runner);
                    var input = new PinnedBuffer<float>(rows * contract.Slots * contract.ItemLength);
                    for (var i = 0; i < input.Length; i++)
                    {
                        input.Span[i] = random.NextSingle();
                    }

                    var output = new PinnedBuffer<float>(rows * contract.Exits * contract.Slots * contract.NumClasses);
                    long[] inputShape = contract.IsPlain ? [rows, .. contract.ItemShape] : [rows, contract.Slots, .. contract.ItemShape];
                    long[] outputShape = contract.IsPlain ? [rows, contract.NumClasses] : [rows, contract.Exits, contract.Slots, contract.NumClasses];
                    return ([input.AsTensor(inputShape)], [output.AsTensor(outputShape)]);
                }

                var runsPerSecond = ConcurrentRuns.PerSecond(session, Buffers, runners, perPoint);
                if (!byRunners.TryGetValue(runners, out var table))
                {
                    byRunners[runners] = table = [];
                }

                table[rows] = runsPerSecond * rows;
            }
        }

        var best = RowCounts.ToDictionary(rows => rows, rows => byRunners.Values.Max(t => t[rows]));
        return new EngineLimitResult(best, byRunners.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<int, double>)p.Value));
    }
}

using System.Diagnostics;
using MimmoServe.Onnx;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The limit: the raw engine in this process, the model's own session settings, back-to-back runs of B rows of
/// random inputs, no server, no queue, no copies. Rows per second per B.
/// </summary>
internal static class EngineLimit
{
    public static readonly int[] RowCounts = [1, 2, 4, 8, 16, 32, 64];

    public static IReadOnlyDictionary<int, double> Measure(OnnxRuntime runtime, BundledModel model, TimeSpan perRowCount)
    {
        using var session = runtime.CreateSession(model.Path, BundledModel.SessionOptions(model.Config));
        var contract = model.Contract;
        var rowsPerSecond = new Dictionary<int, double>();
        foreach (var rows in RowCounts)
        {
            var random = new Random(rows);
            var input = new PinnedBuffer<float>(rows * contract.Slots * contract.ItemLength);
            for (var i = 0; i < input.Length; i++)
            {
                input.Span[i] = random.NextSingle();
            }

            var output = new PinnedBuffer<float>(rows * contract.Exits * contract.Slots * contract.NumClasses);
            long[] inputShape = contract.IsPlain ? [rows, .. contract.ItemShape] : [rows, contract.Slots, .. contract.ItemShape];
            long[] outputShape = contract.IsPlain ? [rows, contract.NumClasses] : [rows, contract.Exits, contract.Slots, contract.NumClasses];
            TensorBuffer[] inputs = [input.AsTensor(inputShape)];
            TensorBuffer[] outputs = [output.AsTensor(outputShape)];
            for (var i = 0; i < 3; i++)
            {
                session.Run(inputs, outputs);
            }

            var runs = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < perRowCount || runs < 5)
            {
                session.Run(inputs, outputs);
                runs++;
            }

            rowsPerSecond[rows] = runs * rows / clock.Elapsed.TotalSeconds;
        }

        return rowsPerSecond;
    }
}

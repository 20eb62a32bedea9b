using System.Diagnostics;
using MimmoServe.Onnx;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Runs per second of one ONNX Runtime session when R threads call <c>Run</c> on it at once, back to back, each with
/// its own pinned input and output buffers (ORT allows concurrent runs of one session; the server overlaps runs the
/// same way). Each runner warms up with three runs first; then all start together and count runs until the time is up.
/// </summary>
internal static class ConcurrentRuns
{
    /// <param name="session">The session under test.</param>
    /// <param name="buffers">Makes one runner's (inputs, outputs); each runner gets its own.</param>
    /// <param name="runners">Threads calling Run at once.</param>
    /// <param name="duration">How long the runners count.</param>
    public static double PerSecond(OnnxSession session, Func<int, (TensorBuffer[] Inputs, TensorBuffer[] Outputs)> buffers, int runners, TimeSpan duration)
    {
        var sets = Enumerable.Range(0, runners).Select(buffers).ToArray();
        foreach (var (inputs, outputs) in sets)
        {
            for (var i = 0; i < 3; i++)
            {
                session.Run(inputs, outputs);
            }
        }

        var counts = new long[runners];
        using var start = new ManualResetEventSlim();
        var stop = 0;
        var threads = Enumerable.Range(0, runners).Select(r => new Thread(() =>
        {
            var (inputs, outputs) = sets[r];
            start.Wait();
            while (Volatile.Read(ref stop) == 0)
            {
                session.Run(inputs, outputs);
                counts[r]++;
            }
        }) { IsBackground = true, Name = $"runner {r}" }).ToList();
        threads.ForEach(t => t.Start());
        var clock = Stopwatch.StartNew();
        start.Set();
        Thread.Sleep(duration);
        Volatile.Write(ref stop, 1);
        threads.ForEach(t => t.Join());
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }
}

using MimmoServe.Onnx;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The machine's multiply-accumulate peak as ONNX Runtime reaches it: a large square MatMul (<see cref="MatMulModel"/>),
/// the best of one runner with ORT's thread choice (one intra-op thread per core) and one runner per core with one
/// intra-op thread each (two runners of ORT's choice would oversubscribe the cores). "Near the limit" is then a number: a
/// model's achieved MACs per second over this.
/// </summary>
internal static class EnginePeak
{
    /// <summary>The side of the matrices: 1024^3 = 1.07 G multiply-accumulates per run, large enough for every kernel's blocking.</summary>
    public const int Side = 1024;

    /// <summary>Multiply-accumulates per second, and the runner count that reached it (one: ORT's threads; more: one thread each).</summary>
    public static (double MacsPerSecond, int Runners) Measure(OnnxRuntime runtime, TimeSpan perPoint)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mimmo-suite-matmul-{Environment.ProcessId}.onnx");
        MatMulModel.Write(path, Side);
        try
        {
            long[] shape = [Side, Side];
            (TensorBuffer[], TensorBuffer[]) Buffers(int runner)
            {
                var random = new Random(runner);
                var a = new PinnedBuffer<float>(Side * Side);
                var b = new PinnedBuffer<float>(Side * Side);
                for (var i = 0; i < a.Length; i++)
                {
                    a.Span[i] = random.NextSingle();
                    b.Span[i] = random.NextSingle();
                }

                return ([a.AsTensor(shape), b.AsTensor(shape)], [new PinnedBuffer<float>(Side * Side).AsTensor(shape)]);
            }

            var best = (MacsPerSecond: 0.0, Runners: 0);
            foreach (var (runners, intraOp) in new[] { (1, 0), (Environment.ProcessorCount, 1) })
            {
                using var session = runtime.CreateSession(path, new OnnxSessionOptions { IntraOpThreads = intraOp });
                var macs = ConcurrentRuns.PerSecond(session, Buffers, runners, perPoint) * Side * (double)Side * Side;
                if (macs > best.MacsPerSecond)
                {
                    best = (macs, runners);
                }
            }

            return best;
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using MimmoServe.Onnx;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The machine's multiply-accumulate peak as ONNX Runtime reaches it: a large square MatMul (<see cref="MatMulModel"/>)
/// with the session settings the server gives a model by default (ORT's thread choice), the best over 1..2 concurrent
/// runners. "Near the limit" is then a number: a model's achieved MACs per second over this.
/// </summary>
internal static class EnginePeak
{
    /// <summary>The side of the matrices: 1024^3 = 1.07 G multiply-accumulates per run, large enough for every kernel's blocking.</summary>
    public const int Side = 1024;

    /// <summary>Multiply-accumulates per second, and the runner count that reached it.</summary>
    public static (double MacsPerSecond, int Runners) Measure(OnnxRuntime runtime, TimeSpan perPoint)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mimmo-suite-matmul-{Environment.ProcessId}.onnx");
        MatMulModel.Write(path, Side);
        try
        {
            using var session = runtime.CreateSession(path, new OnnxSessionOptions());
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
            for (var runners = 1; runners <= 2; runners++)
            {
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

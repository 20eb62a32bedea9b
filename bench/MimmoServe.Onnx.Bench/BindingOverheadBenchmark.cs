using System.Diagnostics;
using System.Globalization;
using MimmoServe.Onnx.Handles;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Bench;

/// <summary>
/// The binding's own cost per Run, outside ORT: the same session (affine.onnx, batch 1, one intra-op thread) run
/// N times through <see cref="OnnxSession.Run"/> and N times through the raw function pointer with OrtValues
/// created once. Both do ORT's identical work, so the difference per call is what the binding adds: validation,
/// creating and releasing three OrtValues over the caller's buffers, the session reference count, and (for a
/// cancellable token) renting run options and registering the callback. Rounds alternate between the paths and
/// the median round is reported, to be robust against other load on a shared machine, together with the
/// difference of the fastest rounds (the least disturbed ones).
/// </summary>
internal static unsafe class BindingOverheadBenchmark
{
    private const int DefaultCallsPerRound = 20_000;
    private const int Rounds = 15;

    public static int Run(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : DefaultCallsPerRound;
        var runtime = OnnxRuntime.Shared;
        var model = Path.Combine(AppContext.BaseDirectory, "affine.onnx");
        using var session = runtime.CreateSession(model, new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });

        var x = new PinnedBuffer<float>(4);
        var y = new PinnedBuffer<float>(4);
        var z = new PinnedBuffer<float>(3);
        x.Span.Fill(1.5f);
        long[] rowShape = [1, 4];
        long[] zShape = [1, 3];
        TensorBuffer[] inputs = [x.AsTensor(rowShape)];
        TensorBuffer[] outputs = [y.AsTensor(rowShape), z.AsTensor(zShape)];

        using var rawX = OrtValueHandle.CreateTensor(runtime.MemoryInfo, (void*)x.Pointer, 16, rowShape, TensorElementType.Float);
        using var rawY = OrtValueHandle.CreateTensor(runtime.MemoryInfo, (void*)y.Pointer, 16, rowShape, TensorElementType.Float);
        using var rawZ = OrtValueHandle.CreateTensor(runtime.MemoryInfo, (void*)z.Pointer, 12, zShape, TensorElementType.Float);
        var values = stackalloc nint[3] { rawX.Pointer, rawY.Pointer, rawZ.Pointer };
        using var cts = new CancellationTokenSource();

        void Binding() => session.Run(inputs, outputs);
        void BindingCancellable() => session.Run(inputs, outputs, cts.Token);
        void Raw() => OrtStatus.Check(OrtNative.Api->Run(session.Handle.Pointer, 0, session.InputNames.Pointers, values, 1, session.OutputNames.Pointers, 2, values + 1));

        // Warm up: tiered JIT, ORT's first-run allocations, the run options pool.
        for (var i = 0; i < 5_000; i++)
        {
            Binding();
            BindingCancellable();
            Raw();
        }

        if (y.Span[0] != 4f || z.Span[2] != 1.5f * (2 + 5 + 8 + 11) / 2)
        {
            Console.Error.WriteLine($"wrong results: y[0]={y.Span[0]} z[2]={z.Span[2]}");
            return 1;
        }

        var raw = new double[Rounds];
        var binding = new double[Rounds];
        var cancellable = new double[Rounds];
        long bindingBytes = 0, cancellableBytes = 0;
        for (var r = 0; r < Rounds; r++)
        {
            raw[r] = TimePerCall(Raw, calls, out _);
            binding[r] = TimePerCall(Binding, calls, out var b);
            cancellable[r] = TimePerCall(BindingCancellable, calls, out var c);
            bindingBytes += b;
            cancellableBytes += c;
        }

        var rawMedian = Median(raw);
        var bindingMedian = Median(binding);
        var cancellableMedian = Median(cancellable);
        var totalCalls = (double)calls * Rounds;
        Console.WriteLine("MimmoServe.Onnx binding overhead per Run (affine.onnx, batch 1, 1 intra-op thread)");
        Console.WriteLine(MachineInfo.Describe(runtime));
        Console.WriteLine($"method    : {Rounds} alternating rounds x {calls:N0} calls per path, median round");
        Console.WriteLine($"raw Run (pre-created OrtValues)        : {rawMedian * 1000,8:F0} ns/call");
        Console.WriteLine($"OnnxSession.Run                        : {bindingMedian * 1000,8:F0} ns/call   allocated {bindingBytes / totalCalls:F2} B/call");
        Console.WriteLine($"OnnxSession.Run, cancellable token     : {cancellableMedian * 1000,8:F0} ns/call   allocated {cancellableBytes / totalCalls:F2} B/call");
        Console.WriteLine($"binding overhead                       : {(bindingMedian - rawMedian) * 1000,8:F0} ns/call (target < 2000)");
        Console.WriteLine($"binding overhead, cancellable token    : {(cancellableMedian - rawMedian) * 1000,8:F0} ns/call (target < 2000)");
        Console.WriteLine($"binding overhead, fastest rounds       : {(binding.Min() - raw.Min()) * 1000,8:F0} ns/call (least disturbed by other load)");
        Console.WriteLine($"round spread (min..max, us/call)       : raw {raw.Min():F2}..{raw.Max():F2}, binding {binding.Min():F2}..{binding.Max():F2}, cancellable {cancellable.Min():F2}..{cancellable.Max():F2}");
        return 0;
    }

    /// <summary>Microseconds per call over <paramref name="calls"/> calls, and the bytes this thread allocated meanwhile.</summary>
    private static double TimePerCall(Action run, int calls, out long allocatedBytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            run();
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        allocatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        return elapsed.TotalMicroseconds / calls;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}

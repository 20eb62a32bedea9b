using System.Diagnostics;

namespace MimmoServe.Onnx.Tests;

/// <summary>Validation, concurrency, cancellation and allocation behaviour of <see cref="OnnxSession.Run"/>.</summary>
public sealed class OnnxSessionRunTests : IDisposable
{
    /// <summary>
    /// Loop iterations of a run that must be cancelled: about 3 µs each on the 2-core CI machine, so a minute if
    /// termination did not work (then the run completes, no exception is thrown and the test fails; it never hangs).
    /// </summary>
    private const long LongRunTrips = 20_000_000;

    private readonly OnnxSession _affine = OnnxRuntime.Shared.CreateSession(Fixtures.Affine);
    private readonly PinnedBuffer<float> _x = new(8);
    private readonly PinnedBuffer<float> _y = new(8);
    private readonly PinnedBuffer<float> _z = new(6);

    public void Dispose() => _affine.Dispose();

    [Fact]
    public void Run_WrongFixedDimension_ThrowsArgumentExceptionNamingInputExpectedAndActual()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([_x.AsTensor(new long[] { 2, 3 })], Outputs(2)));

        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("Input 'x' dimension 1 must be 4 (model shape [batch,4]) but got shape [2,3]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ShapeLargerThanBuffer_ThrowsArgumentExceptionWithBothElementCounts()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([_x.AsTensor(new long[] { 3, 4 })], Outputs(2)));

        Assert.Contains("Input 'x' shape [3,4] needs 12 elements (48 bytes) but the buffer holds 8 (32 bytes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongRank_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([_x.AsTensor(new long[] { 8 })], Outputs(2)));

        Assert.Contains("Input 'x' expects rank 2 [batch,4] but got shape [8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongElementType_ThrowsArgumentException()
    {
        var ints = new PinnedBuffer<int>(8);

        var e = Assert.Throws<ArgumentException>(() => _affine.Run([ints.AsTensor(new long[] { 2, 4 })], Outputs(2)));

        Assert.Contains("Input 'x' expects Float elements but the buffer holds Int32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DefaultTensorBuffer_ThrowsArgumentExceptionBeforeOrt()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([default(TensorBuffer)], Outputs(2)));

        Assert.Contains("Input 'x' expects Float elements but the buffer holds Undefined", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NullDataWithNonEmptyShape_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([new TensorBuffer(0, 32, TensorElementType.Float, new long[] { 2, 4 })], Outputs(2)));

        Assert.Contains("Input 'x' has no memory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongNumberOfInputs_ThrowsArgumentExceptionListingTheModelInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => _affine.Run([_x.AsTensor(new long[] { 2, 4 }), _x.AsTensor(new long[] { 2, 4 })], Outputs(2)));

        Assert.Contains("The model has 1 inputs (x: Float[batch,4]) but 2 buffers were passed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OutputBufferTooSmall_ThrowsArgumentExceptionNamingOutput()
    {
        var small = new PinnedBuffer<float>(3);

        var e = Assert.Throws<ArgumentException>(() => _affine.Run([_x.AsTensor(new long[] { 2, 4 })], [_y.AsTensor(new long[] { 2, 4 }), small.AsTensor(new long[] { 2, 3 })]));

        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("Output 'z' shape [2,3] needs 6 elements", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OutputBatchDifferentFromInputBatch_ThrowsOrtException()
    {
        // Valid against the model's declared shapes, so only ORT can see that batch 1 does not match batch 2.
        var e = Assert.Throws<OrtException>(() => _affine.Run([_x.AsTensor(new long[] { 2, 4 })], Outputs(1)));

        Assert.NotEqual(OrtErrorCode.Ok, e.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(e.OrtMessage));
    }

    [Fact]
    public void Run_AfterAFailedRun_StillComputesCorrectly()
    {
        Assert.ThrowsAny<Exception>(() => _affine.Run([_x.AsTensor(new long[] { 2, 4 })], Outputs(1)));
        _x.Span.Fill(2f);

        _affine.Run([_x.AsTensor(new long[] { 2, 4 })], Outputs(2));

        Assert.All(_y.Array, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void Run_BufferLargerThanShape_UsesOnlyTheShapesElements()
    {
        _x.Span.Fill(1f);
        _y.Span.Fill(-7f);

        _affine.Run([_x.AsTensor(new long[] { 1, 4 })], Outputs(1));

        Assert.All(_y.Array[..4], v => Assert.Equal(3f, v));
        Assert.All(_y.Array[4..], v => Assert.Equal(-7f, v));
    }

    [Fact]
    public void Run_EightThreadsOnOneSession_EachGetsItsOwnCorrectResults()
    {
        const int threads = 8;
        const int iterations = 200;
        var failures = new int[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var x = new PinnedBuffer<float>(8);
            var y = new PinnedBuffer<float>(8);
            var z = new PinnedBuffer<float>(6);
            TensorBuffer[] inputs = [x.AsTensor(new long[] { 2, 4 })];
            TensorBuffer[] outputs = [y.AsTensor(new long[] { 2, 4 }), z.AsTensor(new long[] { 2, 3 })];
            start.SignalAndWait();
            for (var i = 0; i < iterations; i++)
            {
                var value = (t * 1000) + i;
                x.Span.Fill(value);
                _affine.Run(inputs, outputs);

                // y = 2x + 1; z[j] = x * sum_k W[k,j] = value * (18 + 4j) / 2.
                var zOk = Enumerable.Range(0, 6).All(k => z.Span[k] == value * (18 + (4 * (k % 3))) / 2f);
                if (y.Span.IndexOfAnyExcept((2f * value) + 1) >= 0 || !zOk)
                {
                    failures[t]++;
                }
            }
        })).ToArray();

        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(new int[threads], failures);
    }

    [Fact]
    public async Task Run_CancelledWhileRunning_ThrowsOperationCanceledLongBeforeTheRunWouldEnd()
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Loop);

        var (inputs, outputs, _) = OnnxSessionTests.LoopBuffers(LongRunTrips);
        using var cts = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var run = Task.Run(() => session.Run(inputs, outputs, cts.Token));
        cts.CancelAfter(TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(120)));

        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Run_AfterACancelledRun_NextCancellableRunCompletes()
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Loop);
        var (longInputs, longOutputs, _) = OnnxSessionTests.LoopBuffers(LongRunTrips);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => Task.Run(() => session.Run(longInputs, longOutputs, cts.Token)).WaitAsync(TimeSpan.FromSeconds(120)));
        }

        var (inputs, outputs, count) = OnnxSessionTests.LoopBuffers(25);
        using var fresh = new CancellationTokenSource();
        session.Run(inputs, outputs, fresh.Token);

        Assert.Equal(25f, count.Span[0]);
    }

    [Fact]
    public void Run_TokenAlreadyCancelled_ThrowsWithoutRunning()
    {
        _y.Span.Fill(-1f);

        Assert.Throws<OperationCanceledException>(() => _affine.Run([_x.AsTensor(new long[] { 2, 4 })], Outputs(2), new CancellationToken(canceled: true)));

        Assert.All(_y.Array, v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void Run_SteadyState_AllocatesNothingOnTheManagedHeap()
    {
        TensorBuffer[] inputs = [_x.AsTensor(new long[] { 2, 4 })];
        var outputs = Outputs(2);
        using var cts = new CancellationTokenSource();
        for (var i = 0; i < 20; i++)
        {
            _affine.Run(inputs, outputs);
            _affine.Run(inputs, outputs, cts.Token);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            _affine.Run(inputs, outputs);
        }

        var plain = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            _affine.Run(inputs, outputs, cts.Token);
        }

        var cancellable = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((0L, 0L), (plain, cancellable));
    }

    private TensorBuffer[] Outputs(long batch) => [_y.AsTensor(new long[] { batch, 4 }), _z.AsTensor(new long[] { batch, 3 })];
}

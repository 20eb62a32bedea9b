using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class GrpcFrameReaderTests
{
    private static readonly Marshaller<HealthCheckRequest> RequestMarshaller = new(HealthCheckRequest.Parser);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadMessageAsync_FramesSplitAcrossSegments_ReadsEveryMessage(int chunkSize)
    {
        var messages = new[] { "a", "", new string('x', 3000), "grpc.health.v1.Health" };
        var bytes = Frames(messages.Select(s => new HealthCheckRequest { Service = s }));
        var reader = PipeChunks.Feed(bytes, chunkSize);

        foreach (var expected in messages)
        {
            var message = await reader.ReadMessageAsync(RequestMarshaller, 1 << 20, null, CancellationToken.None);
            Assert.NotNull(message);
            Assert.Equal(expected, message.Service);
        }

        Assert.Null(await reader.ReadMessageAsync(RequestMarshaller, 1 << 20, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadMessageAsync_ZeroLengthMessage_ReturnsDefaultMessage()
    {
        var reader = PipeChunks.Feed([0, 0, 0, 0, 0], 5);

        var message = await reader.ReadMessageAsync(RequestMarshaller, 10, null, CancellationToken.None);

        Assert.NotNull(message);
        Assert.Equal(string.Empty, message.Service);
        Assert.Null(await reader.ReadMessageAsync(RequestMarshaller, 10, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadMessageAsync_EmptyStream_ReturnsNull()
    {
        var reader = PipeChunks.Feed([], 1);
        Assert.Null(await reader.ReadMessageAsync(RequestMarshaller, 10, null, CancellationToken.None));
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 10 })]
    public async Task ReadMessageAsync_StreamEndsInsideMessage_ThrowsInternal(byte[] bytes)
    {
        var reader = PipeChunks.Feed(bytes, 1);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 100, null, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_HugeDeclaredLength_ThrowsResourceExhaustedBeforeThePayloadArrives()
    {
        // Only the header is written and the stream is left open: the reader must not wait for 4 GB.
        var reader = PipeChunks.Feed([0, 0xFF, 0xFF, 0xFF, 0xFF], 5, complete: false);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 4 << 20, null, CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("4294967295", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadMessageAsync_LengthOneOverLimit_ThrowsResourceExhausted()
    {
        var bytes = Frames([new HealthCheckRequest { Service = new string('s', 98) }]);
        Assert.Equal(105, bytes.Length);

        var atLimit = await PipeChunks.Feed(bytes, 64).ReadMessageAsync(RequestMarshaller, 100, null, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await PipeChunks.Feed(bytes, 64).ReadMessageAsync(RequestMarshaller, 99, null, CancellationToken.None));

        Assert.NotNull(atLimit);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_InvalidCompressedFlag_ThrowsInternal()
    {
        var reader = PipeChunks.Feed([2, 0, 0, 0, 0], 5);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 100, null, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_GarbagePayload_ThrowsInvalidProtocolBuffer()
    {
        var reader = PipeChunks.Feed([0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF], 8);

        await Assert.ThrowsAsync<InvalidProtocolBufferException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 100, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadMessageAsync_GzipMessage_Decompresses()
    {
        var payload = new HealthCheckRequest { Service = new string('z', 10_000) }.ToByteArray();
        var reader = PipeChunks.Feed(GzipFrame(payload), 1000);

        var message = await reader.ReadMessageAsync(RequestMarshaller, 1 << 20, new GzipCompressionProvider(), CancellationToken.None);

        Assert.Equal(new string('z', 10_000), message!.Service);
    }

    [Fact]
    public async Task ReadMessageAsync_CompressedFlagWithoutEncoding_ThrowsInternal()
    {
        var payload = new HealthCheckRequest { Service = "x" }.ToByteArray();
        var reader = PipeChunks.Feed(GzipFrame(payload), 1000);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 1 << 20, null, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_GzipBombOverLimit_ThrowsResourceExhausted()
    {
        // 1 MB of one repeated byte compresses to about 1 KB, under the limit; decompressed it is over.
        var payload = new HealthCheckRequest { Service = new string('b', 1 << 20) }.ToByteArray();
        var frame = GzipFrame(payload);
        Assert.True(frame.Length < 64 * 1024);
        var reader = PipeChunks.Feed(frame, 4096);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 64 * 1024, new GzipCompressionProvider(), CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_CorruptGzip_ThrowsInternal()
    {
        var reader = PipeChunks.Feed([1, 0, 0, 0, 4, 1, 2, 3, 4], 9);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(RequestMarshaller, 100, new GzipCompressionProvider(), CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(1000)]
    public async Task ReadSingleMessageAsync_OneMessageAnySplit_ReturnsIt(int chunkSize)
    {
        var reader = PipeChunks.Feed(Frames([new HealthCheckRequest { Service = "one" }]), chunkSize);

        var message = await reader.ReadSingleMessageAsync(RequestMarshaller, 100, null, CancellationToken.None);

        Assert.Equal("one", message.Service);
    }

    [Fact]
    public async Task ReadSingleMessageAsync_EndArrivesAfterMessage_WaitsForIt()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Frames([new HealthCheckRequest { Service = "late end" }]));

        var read = ReadOne().AsTask();
        Assert.False(read.IsCompleted);
        await pipe.Writer.CompleteAsync();

        Assert.Equal("late end", (await read).Service);

        ValueTask<HealthCheckRequest> ReadOne() => pipe.Reader.ReadSingleMessageAsync(RequestMarshaller, 100, null, CancellationToken.None);
    }

    [Theory]
    [InlineData(0, "without a message")]
    [InlineData(2, "second message")]
    public async Task ReadSingleMessageAsync_NoneOrTwoMessages_ThrowsInternal(int count, string expected)
    {
        var reader = PipeChunks.Feed(Frames(Enumerable.Range(0, count).Select(i => new HealthCheckRequest { Service = "m" + i })), 3);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadSingleMessageAsync(RequestMarshaller, 100, null, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSingleMessageAsync_TruncatedMessage_ThrowsInternal()
    {
        var reader = PipeChunks.Feed([0, 0, 0, 0, 9, 1, 2], 7);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadSingleMessageAsync(RequestMarshaller, 100, null, CancellationToken.None));

        Assert.Contains("inside a message", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryReadCompleteSingleMessage_AllThere_ReturnsItWithoutWaiting()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Frames([new HealthCheckRequest { Service = "whole" }]));
        await pipe.Writer.CompleteAsync();

        Assert.True(pipe.Reader.TryReadCompleteSingleMessage(RequestMarshaller, new ReceiveLimits(100), null, out var message));

        Assert.Equal("whole", message.Service);
    }

    [Fact]
    public async Task TryReadCompleteSingleMessage_EndNotYetThere_FalseAndTheAsyncReadStillGetsIt()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Frames([new HealthCheckRequest { Service = "end later" }]));

        Assert.False(pipe.Reader.TryReadCompleteSingleMessage(RequestMarshaller, new ReceiveLimits(100), null, out _));

        // Nothing was consumed: the ordinary read sees the whole message once the stream ends.
        var read = pipe.Reader.ReadSingleMessageAsync(RequestMarshaller, 100, null, CancellationToken.None).AsTask();
        await pipe.Writer.CompleteAsync();
        Assert.Equal("end later", (await read).Service);
    }

    [Theory]
    [InlineData(0, "without a message")]
    [InlineData(2, "second message")]
    public async Task TryReadCompleteSingleMessage_NoneOrTwoMessages_ThrowsInternalAsTheAsyncReadDoes(int count, string expected)
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Frames(Enumerable.Range(0, count).Select(i => new HealthCheckRequest { Service = "m" + i })));
        await pipe.Writer.CompleteAsync();

        var ex = Assert.Throws<RpcException>(() => pipe.Reader.TryReadCompleteSingleMessage(RequestMarshaller, new ReceiveLimits(100), null, out _));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryReadCompleteSingleMessage_OverTheBudget_RefusedAndTheReservationGivenBack()
    {
        var budget = new ReceiveBudget(8);
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Frames([new HealthCheckRequest { Service = "0123456789" }]));
        await pipe.Writer.CompleteAsync();

        var ex = Assert.Throws<RpcException>(() => pipe.Reader.TryReadCompleteSingleMessage(RequestMarshaller, new ReceiveLimits(100) { Budget = budget }, null, out _));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, budget.InUse);
    }

    internal static byte[] Frames(IEnumerable<HealthCheckRequest> messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
        {
            output.WriteMessage(message, int.MaxValue, null);
        }

        return output.WrittenSpan.ToArray();
    }

    private static byte[] GzipFrame(byte[] payload)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        var frame = new byte[5 + compressed.Length];
        new GrpcFrameHeader(true, (uint)compressed.Length).Write(frame);
        compressed.ToArray().CopyTo(frame, 5);
        return frame;
    }
}

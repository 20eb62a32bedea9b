using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

/// <summary>
/// The server's limits on a received message beyond its size: the expansion ratio of a compressed message, the shared
/// budget of request bytes (reserved on the header, before the payload arrives, and given back), and the bound on the
/// parsed size (packed varints scanned first, unknown fields dropped).
/// </summary>
public sealed class ReceiveLimitsTests
{
    private static readonly Marshaller<HealthCheckRequest> HealthMarshaller = new(HealthCheckRequest.Parser);

    // FileDescriptorProto has a repeated int32 field (public_dependency = 10): 4 parsed bytes per one-byte varint.
    private static readonly Marshaller<FileDescriptorProto> DescriptorMarshaller = new(FileDescriptorProto.Parser);

    [Fact]
    public async Task ReadMessageAsync_CompressedBeyondTheExpansionRatio_ResourceExhausted()
    {
        // 64 KiB of one byte compresses to well under 1 KiB: more than 10 times, though under the size limit.
        var frame = GzipFrame(new HealthCheckRequest { Service = new string('z', 64 * 1024) }.ToByteArray());
        var limits = new ReceiveLimits(1 << 20, MaxExpansionRatio: 10);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await PipeChunks.Feed(frame, 4096).ReadMessageAsync(HealthMarshaller, limits, new GzipCompressionProvider(), CancellationToken.None));
        var within = await PipeChunks.Feed(frame, 4096)
            .ReadMessageAsync(HealthMarshaller, limits with { MaxExpansionRatio = 1000 }, new GzipCompressionProvider(), CancellationToken.None);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("expands more than 10 times", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(64 * 1024, within!.Service.Length);
    }

    [Fact]
    public async Task ReadMessageAsync_MessageOverTheBudget_RefusedBeforeItsPayloadArrives()
    {
        var budget = new ReceiveBudget(1000);
        Assert.True(budget.TryReserve(900));
        // Only the header of a 200-byte message; the pipe stays open, as a client that holds its stream would.
        var reader = PipeChunks.Feed([0, 0, 0, 0, 200], 5, complete: false);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await reader.ReadMessageAsync(HealthMarshaller, new ReceiveLimits(1 << 20, Budget: budget), null, CancellationToken.None)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(900, budget.InUse);
    }

    [Fact]
    public async Task ReadSingleMessageAsync_Message_HoldsItsReservationUntilTheEndOfTheStream()
    {
        var budget = new ReceiveBudget(1 << 20);
        var frame = Frame(new HealthCheckRequest { Service = "held" }.ToByteArray());
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(frame);

        var read = pipe.Reader.ReadSingleMessageAsync(HealthMarshaller, new ReceiveLimits(1 << 20, Budget: budget), null, CancellationToken.None).AsTask();
        var heldWhileOpen = await PollAsync(() => budget.InUse == frame.Length - 5);
        await pipe.Writer.CompleteAsync();
        var message = await read.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(heldWhileOpen, $"in use {budget.InUse}");
        Assert.Equal("held", message.Service);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ReadMessageAsync_PackedVarintsParsedOverTheLimit_ResourceExhaustedBeforeParsing()
    {
        // 10,000 one-byte varints: 10 KB on the wire, 40 KB once parsed as int32.
        var payload = new byte[] { 0x52, 0x90, 0x4E }.Concat(new byte[10_000]).ToArray();
        var limits = new ReceiveLimits(32 * 1024, BoundParsing: true);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await PipeChunks.Feed(Frame(payload), 4096).ReadMessageAsync(DescriptorMarshaller, limits, null, CancellationToken.None));
        var roomy = await PipeChunks.Feed(Frame(payload), 4096)
            .ReadMessageAsync(DescriptorMarshaller, limits with { MaxMessageSize = 64 * 1024 }, null, CancellationToken.None);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(10_000, roomy!.PublicDependency.Count);
    }

    [Fact]
    public async Task ReadMessageAsync_UnknownFieldsOnTheServer_Dropped()
    {
        // Field 1000 is not in HealthCheckRequest: a client keeps it, a server drops it.
        var payload = new byte[] { 0xC2, 0x3E, 3, (byte)'a', (byte)'b', (byte)'c', 0x0A, 1, (byte)'s' };

        var client = await PipeChunks.Feed(Frame(payload), 64)
            .ReadMessageAsync(HealthMarshaller, new ReceiveLimits(1024), null, CancellationToken.None);
        var server = await PipeChunks.Feed(Frame(payload), 64)
            .ReadMessageAsync(HealthMarshaller, new ReceiveLimits(1024, BoundParsing: true), null, CancellationToken.None);

        Assert.Equal(payload.Length, client!.CalculateSize());
        Assert.Equal("s", server!.Service);
        Assert.Equal(3, server.CalculateSize());
    }

    [Fact]
    public void TryReserve_BeyondCapacity_RefusedAndNothingReserved()
    {
        var budget = new ReceiveBudget(100);

        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(41));
        Assert.True(budget.TryReserve(40));
        budget.Release(100);

        Assert.Equal(0, budget.InUse);
    }

    private static async Task<bool> PollAsync(Func<bool> condition)
    {
        var limit = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < limit)
        {
            await Task.Delay(10);
        }

        return condition();
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        new GrpcFrameHeader(false, (uint)payload.Length).Write(frame);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] GzipFrame(byte[] payload)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        var body = compressed.ToArray();
        var frame = new byte[5 + body.Length];
        new GrpcFrameHeader(true, (uint)body.Length).Write(frame);
        body.CopyTo(frame, 5);
        return frame;
    }
}

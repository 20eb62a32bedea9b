using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class GrpcFrameWriterTests
{
    [Fact]
    public void WriteMessage_Uncompressed_WritesFlagLengthAndPayload()
    {
        var message = new HealthCheckRequest { Service = "abc" };
        var output = new ArrayBufferWriter<byte>();

        output.WriteMessage(message, 100, null);

        var expected = new byte[] { 0, 0, 0, 0, 5 }.Concat(message.ToByteArray()).ToArray();
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteMessage_EmptyMessage_WritesZeroLengthFrame()
    {
        var output = new ArrayBufferWriter<byte>();

        output.WriteMessage(new HealthCheckRequest(), 100, null);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteMessage_LargeMessage_LengthIsBigEndian()
    {
        var message = new HealthCheckRequest { Service = new string('q', 70_000) };
        var output = new ArrayBufferWriter<byte>();

        output.WriteMessage(message, int.MaxValue, null);

        var size = message.CalculateSize();
        Assert.Equal(new byte[] { 0, (byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size }, output.WrittenSpan[..5].ToArray());
        Assert.Equal(5 + size, output.WrittenCount);
    }

    [Fact]
    public void WriteMessage_OverSendLimit_ThrowsResourceExhaustedAndWritesNothing()
    {
        var output = new ArrayBufferWriter<byte>();

        var ex = Assert.Throws<RpcException>(() => output.WriteMessage(new HealthCheckRequest { Service = new string('q', 200) }, 100, null));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void WriteMessage_Gzip_SetsFlagAndPayloadIsGzipOfMessage()
    {
        var message = new HealthCheckRequest { Service = new string('r', 5000) };
        var output = new ArrayBufferWriter<byte>();

        output.WriteMessage(message, int.MaxValue, new GzipCompressionProvider());

        var frame = output.WrittenSpan.ToArray();
        Assert.Equal(1, frame[0]);
        var length = (frame[1] << 24) | (frame[2] << 16) | (frame[3] << 8) | frame[4];
        Assert.Equal(frame.Length - 5, length);
        Assert.True(length < 200, $"5000 equal characters compressed to {length} bytes");
        using var gzip = new GZipStream(new MemoryStream(frame, 5, length), CompressionMode.Decompress);
        var decompressed = new MemoryStream();
        gzip.CopyTo(decompressed);
        Assert.Equal(message, HealthCheckRequest.Parser.ParseFrom(decompressed.ToArray()));
    }
}

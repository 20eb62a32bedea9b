using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// A bare cleartext HTTP/2 connection (prior knowledge) that writes frames by hand, so that a test can do what a
/// well-behaved client never does: open more streams than the server allows. Header blocks use HPACK literals without
/// indexing or Huffman coding (RFC 7541 §6.2.2), which every decoder must accept.
/// </summary>
internal sealed class RawHttp2Connection : IAsyncDisposable
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, GoAway = 0x7;
    public const byte EndHeaders = 0x4, Ack = 0x1;

    private static readonly byte[] Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawHttp2Connection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects, sends the preface and empty SETTINGS, and returns the server's first SETTINGS (id → value).</summary>
    public static async Task<(RawHttp2Connection Connection, Dictionary<ushort, uint> Settings)> OpenAsync(int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        var connection = new RawHttp2Connection(tcp);
        await connection._stream.WriteAsync(Preface, cancellationToken);
        await connection.WriteFrameAsync(Settings, 0, 0, [], cancellationToken);
        while (true)
        {
            var frame = await connection.ReadFrameAsync(cancellationToken);
            if (frame.Type == Settings && (frame.Flags & Ack) == 0)
            {
                await connection.WriteFrameAsync(Settings, Ack, 0, [], cancellationToken);
                var settings = new Dictionary<ushort, uint>();
                for (var i = 0; i + 6 <= frame.Payload.Length; i += 6)
                {
                    settings[BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(i + 2));
                }

                return (connection, settings);
            }
        }
    }

    /// <summary>Opens stream <paramref name="streamId"/> with a gRPC POST to <paramref name="path"/> and no body yet (the stream stays open).</summary>
    public Task OpenGrpcStreamAsync(int streamId, string path, CancellationToken cancellationToken)
    {
        var block = new List<byte>();
        foreach (var (name, value) in new[] { (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers") })
        {
            block.Add(0x00);
            AddString(block, name);
            AddString(block, value);
        }

        return WriteFrameAsync(Headers, EndHeaders, streamId, [.. block], cancellationToken);
    }

    public async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var header = new byte[9];
        await _stream.ReadExactlyAsync(header, cancellationToken);
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[3], header[4], (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF), payload);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private static void AddString(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("Only short strings (one-byte HPACK length).", nameof(text));
        }

        block.Add((byte)bytes.Length);
        block.AddRange(bytes);
    }

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        await _stream.WriteAsync(frame, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }
}

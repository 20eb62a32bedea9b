using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>
/// HttpClient speaking cleartext HTTP/2 with prior knowledge, sending whatever bytes a test wants as the
/// request body: the tool of the hostile-input and server behaviour tests.
/// </summary>
internal sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly int _port;

    public RawGrpcClient(int port)
    {
        _port = port;
        _http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>
    /// <paramref name="message"/> as one uncompressed gRPC length-prefixed message, framed here by hand (flag byte 0,
    /// big-endian length) rather than by the server's own writer.
    /// </summary>
    public static byte[] Frame<T>(T message)
        where T : class, IMessage<T>
    {
        var body = message.ToByteArray();
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }

    public static T ParseSingle<T>(byte[] body, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        Assert.True(body.Length >= 5, $"body of {body.Length} bytes");
        Assert.Equal(0, body[0]);
        var length = (body[1] << 24) | (body[2] << 16) | (body[3] << 8) | body[4];
        Assert.Equal(body.Length - 5, length);
        return parser.ParseFrom(body, 5, length);
    }

    public Task<RawGrpcResponse> SendAsync(string path, byte[] body, IEnumerable<(string Name, string Value)>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(path, new ByteArrayContent(body), headers, cancellationToken);

    public async Task<RawGrpcResponse> SendAsync(string path, HttpContent content, IEnumerable<(string Name, string Value)>? headers = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_port}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.ParseAdd("trailers");
        if (content.Headers.ContentType is null)
        {
            content.Headers.TryAddWithoutValidation("content-type", GrpcProtocolConstants.ContentType);
        }

        foreach (var (name, value) in headers ?? [])
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.Remove(name);
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        // The trailers are filled in only once the body has been read to its end.
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new RawGrpcResponse((int)response.StatusCode, response.Headers, response.TrailingHeaders, body);
    }

    public void Dispose() => _http.Dispose();
}

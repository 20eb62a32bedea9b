using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

public sealed partial class ServerCallContext
{
    private const int WriteIdle = 0;
    private const int WriteBusy = 1;
    private const int WriteCompleted = 2;

    // WriteIdle -> WriteBusy -> WriteIdle for each write; -> WriteCompleted once, by whoever writes the status
    // (the handler's ending or the deadline timer). Whoever fails to move it from WriteIdle does not touch the response.
    private int _writeState;

    /// <summary>Reads the next request message; null when the client has half-closed.</summary>
    internal async ValueTask<T?> ReadMessageAsync<T>(Marshaller<T> marshaller, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        using var linked = Link(cancellationToken, out var token);
        return await _httpContext.Request.BodyReader
            .ReadMessageAsync(marshaller, _services.Options.MaxReceiveMessageSize, _requestDecompressor, token)
            .ConfigureAwait(false);
    }

    /// <summary>Reads the one request of a unary or server-streaming call, and the end of the stream after it.</summary>
    internal ValueTask<T> ReadSingleMessageAsync<T>(Marshaller<T> marshaller)
        where T : class, IMessage<T> =>
        _httpContext.Request.BodyReader.ReadSingleMessageAsync(marshaller, _services.Options.MaxReceiveMessageSize, _requestDecompressor, CancellationToken);

    /// <summary>
    /// Writes one response message. Streaming calls flush each message; a unary call does not, so that
    /// headers, message and trailers leave in as few frames as possible when the handler returns.
    /// </summary>
    internal async Task WriteMessageAsync<T>(T message, bool flush, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        BeginWrite();
        try
        {
            if (!_responseHeadersSent)
            {
                PrepareResponseHeaders();
            }

            var writer = _httpContext.Response.BodyWriter;
            writer.WriteMessage(message, _services.Options.MaxSendMessageSize, _responseCompressor);
            if (flush)
            {
                using var linked = Link(cancellationToken, out var token);
                await writer.FlushAsync(token).ConfigureAwait(false);
            }
        }
        finally
        {
            EndWrite();
        }
    }

    /// <summary>Sets content type and encodings on the response; they leave with the first flush.</summary>
    private void PrepareResponseHeaders()
    {
        var response = _httpContext.Response;
        response.ContentType = GrpcProtocolConstants.ContentType;
        var compression = _services.Compression;
        if (CompressResponse)
        {
            _responseCompressor = compression.SelectFor(_httpContext.Request.Headers[GrpcProtocolConstants.AcceptEncodingHeader].ToString());
            if (_responseCompressor is not null)
            {
                response.Headers[GrpcProtocolConstants.EncodingHeader] = _responseCompressor.EncodingName;
            }
        }

        response.Headers[GrpcProtocolConstants.AcceptEncodingHeader] = compression.AcceptEncoding;
        _responseHeadersSent = true;
    }

    private void BeginWrite()
    {
        var state = Interlocked.CompareExchange(ref _writeState, WriteBusy, WriteIdle);
        if (state == WriteBusy)
        {
            throw new InvalidOperationException("A write is already in progress; write one message at a time.");
        }

        if (state == WriteCompleted)
        {
            // The deadline ended the call (or the handler wrote after returning): nothing more may go out.
            throw new OperationCanceledException("The call has already ended.", CancellationToken);
        }
    }

    private void EndWrite() => Interlocked.CompareExchange(ref _writeState, WriteIdle, WriteBusy);

    /// <summary>The call's token, or a source linking it with a caller's own token (disposed by the caller).</summary>
    private CancellationTokenSource? Link(CancellationToken other, out CancellationToken token)
    {
        if (!other.CanBeCanceled || other == CancellationToken)
        {
            token = CancellationToken;
            return null;
        }

        var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, other);
        token = linked.Token;
        return linked;
    }
}

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

    /// <summary>
    /// Reads the next request message; null when the client has half-closed. A wait longer than
    /// <see cref="Hosting.GrpcServerOptions.StreamIdleTimeout"/> ends the call with CANCELLED.
    /// </summary>
    internal async ValueTask<T?> ReadMessageAsync<T>(Marshaller<T> marshaller, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        using var linked = Link(cancellationToken, out var token);
        var idle = _services.Options.StreamIdleTimeout;
        if (idle == Timeout.InfiniteTimeSpan)
        {
            return await _httpContext.Request.BodyReader.ReadMessageAsync(marshaller, _receiveLimits, _requestDecompressor, token).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(idle, _services.TimeProvider);
        using var timed = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        try
        {
            return await _httpContext.Request.BodyReader.ReadMessageAsync(marshaller, _receiveLimits, _requestDecompressor, timed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new RpcException(ExceptionStatusTable.StreamIdle(idle));
        }
    }

    /// <summary>
    /// Reads the one request of a unary or server-streaming call, and the end of the stream after it; both must arrive
    /// within <see cref="Hosting.GrpcServerOptions.RequestMessageTimeout"/> of now, or the call ends with DEADLINE_EXCEEDED.
    /// </summary>
    internal async ValueTask<T> ReadSingleMessageAsync<T>(Marshaller<T> marshaller)
        where T : class, IMessage<T>
    {
        var reader = _httpContext.Request.BodyReader;
        if (reader.TryReadCompleteSingleMessage(marshaller, _receiveLimits, _requestDecompressor, out var arrived))
        {
            // The whole request is here already, as it usually is: no timer, no wait.
            return arrived;
        }

        var limit = _services.Options.RequestMessageTimeout;
        if (limit == Timeout.InfiniteTimeSpan)
        {
            return await reader.ReadSingleMessageAsync(marshaller, _receiveLimits, _requestDecompressor, CancellationToken).ConfigureAwait(false);
        }

        // The timer runs on the injected clock, so tests can move it; a slow or held-open body must not hold the call.
        using var timeout = new CancellationTokenSource(limit, _services.TimeProvider);
        using var timed = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, timeout.Token);
        try
        {
            return await reader.ReadSingleMessageAsync(marshaller, _receiveLimits, _requestDecompressor, timed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(ExceptionStatusTable.RequestMessageLate(limit));
        }
    }

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
        var compression = _services.ResponseCompression;
        if (CompressResponse)
        {
            _responseCompressor = compression.SelectFor(_httpContext.Request.Headers[GrpcProtocolConstants.AcceptEncodingHeader].ToString());
            if (_responseCompressor is not null)
            {
                response.Headers[GrpcProtocolConstants.EncodingHeader] = _responseCompressor.EncodingName;
            }
        }

        // grpc-accept-encoding says what the server accepts in requests.
        response.Headers[GrpcProtocolConstants.AcceptEncodingHeader] = _services.RequestCompression.AcceptEncoding;
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

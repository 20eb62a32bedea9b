using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>The response side: headers (or trailers-only), messages, and the status in the trailers.</summary>
internal sealed partial class GrpcCall<TRequest, TResponse>
{
    private Task _headersTask = Task.CompletedTask;
    private HttpResponseMessage? _response;
    private Metadata? _responseHeaders;
    private PipeReader? _responseReader;
    private ICompressionProvider? _decompressor;
    private bool _responseEnded;

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        await _headersTask.ConfigureAwait(false);
        return _responseHeaders ?? throw Failure();
    }

    /// <summary>The single response of a unary or client-streaming call; reads on to the trailers to get the status.</summary>
    public async Task<TResponse> ReadUnaryResponseAsync()
    {
        var message = await ReadMessageAsync().ConfigureAwait(false);
        if (message is null)
        {
            // The stream ended: the status is settled. OK without a message is the server's error.
            ThrowIfNotOk();
            lock (_gate)
            {
                _status = ClientStatusMapping.NoResponseMessage;
            }

            throw Failure();
        }

        if (await ReadMessageAsync().ConfigureAwait(false) is not null)
        {
            throw Fail(new RpcException(ClientStatusMapping.ExtraResponseMessage));
        }

        ThrowIfNotOk();
        return message;
    }

    /// <summary>The next message of a response stream, or null when it ended with OK; a failed call throws its status.</summary>
    public async Task<TResponse?> ReadStreamMessageAsync(CancellationToken cancellationToken)
    {
        CancellationTokenRegistration registration = default;
        if (cancellationToken.CanBeCanceled)
        {
            // Cancelling a read cancels the call, as in other gRPC clients: a half-read stream has no use.
            registration = cancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).Cancel(ClientStatusMapping.Cancelled), this);
        }

        try
        {
            var message = await ReadMessageAsync().ConfigureAwait(false);
            if (message is null)
            {
                ThrowIfNotOk();
            }

            return message;
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfNotOk()
    {
        if (GetStatus().StatusCode != StatusCode.OK)
        {
            throw Failure();
        }
    }

    /// <summary>Reads one message; at the end of the stream settles the status from the trailers and returns null.</summary>
    private async Task<TResponse?> ReadMessageAsync()
    {
        await _headersTask.ConfigureAwait(false);
        if (_responseReader is not { } reader || _responseEnded)
        {
            // Trailers-only, a call that failed before any response, or one read to its end: the status is settled.
            return null;
        }

        try
        {
            var message = await reader.ReadMessageAsync(_method.ResponseMarshaller, _channel.Options.MaxReceiveMessageSize, _decompressor, _callCancellation.Token).ConfigureAwait(false);
            if (message is null)
            {
                _responseEnded = true;
                await reader.CompleteAsync().ConfigureAwait(false);
                FinishFromTrailers();
            }

            return message;
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
    }

    private void FinishFromTrailers()
    {
        var response = _response!;
        var status = ResponseMetadata.GetStatus(response.TrailingHeaders) ?? ClientStatusMapping.MissingStatus;
        if (Finish(status, ResponseMetadata.ToMetadata(response.TrailingHeaders)))
        {
            // Finish also ended a request stream still open: after the status it has nothing left to say.
            response.Dispose();
        }
    }

    /// <summary>Sends the request and waits for the response headers; never throws, a failure settles the status.</summary>
    private async Task ReceiveHeadersAsync(HttpRequestMessage request)
    {
        try
        {
            var response = await _channel.Invoker.SendAsync(request, _callCancellation.Token).ConfigureAwait(false);
            _response = response;
            if (IsFinished)
            {
                // Cancelled while the headers were on their way: Cancel could not dispose this response yet.
                response.Dispose();
                return;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                Finish(ClientStatusMapping.FromHttpStatus(response.StatusCode), ResponseMetadata.ToMetadata(response.Headers));
                response.Dispose();
                return;
            }

            var headers = ResponseMetadata.ToMetadata(response.Headers);
            if (ResponseMetadata.GetStatus(response.Headers) is { } trailersOnly)
            {
                // One HEADERS frame with END_STREAM: the status and trailers are the headers.
                _responseHeaders = headers;
                Finish(trailersOnly, headers);
                response.Dispose();
                return;
            }

            if (!IsGrpcContentType(response.Content.Headers.ContentType?.MediaType))
            {
                Finish(new Status(StatusCode.Unknown, $"Bad gRPC response: content-type '{response.Content.Headers.ContentType}'."), headers);
                response.Dispose();
                return;
            }

            var encoding = ResponseMetadata.GetFirst(response.Headers, GrpcProtocolConstants.EncodingHeader);
            if (!_channel.Options.CompressionProviders.TryGet(encoding, out _decompressor))
            {
                Cancel(new Status(StatusCode.Internal, $"The server compressed the response with '{encoding}', which this client does not support."));
                response.Dispose();
                return;
            }

            var stream = await response.Content.ReadAsStreamAsync(_callCancellation.Token).ConfigureAwait(false);
            _responseReader = PipeReader.Create(stream);
            _responseHeaders = headers;
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private static bool IsGrpcContentType(string? mediaType) =>
        mediaType is not null
        && (mediaType.Equals(GrpcProtocolConstants.ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.StartsWith(GrpcProtocolConstants.ContentTypePrefix, StringComparison.OrdinalIgnoreCase));
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// One call on the client: sends the request, reads headers, messages and trailers, and settles the status.
/// The status is settled exactly once, under <see cref="_gate"/>, by whichever comes first: the server's
/// status, the local deadline, the caller's cancellation, a transport failure or disposal. Every later
/// failure reports that first status, so a deadline that cancels a read is DEADLINE_EXCEEDED, not CANCELLED.
/// </summary>
internal sealed partial class GrpcCall<TRequest, TResponse> : IGrpcCall
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _callCancellation = new();
    private readonly Lock _gate = new();
    private StreamingRequestContent? _requestContent;
    private HttpRequestMessage? _request;
    private CancellationTokenRegistration _userCancellation;
    private ITimer? _deadlineTimer;
    private bool _finished;
    private Status _status;
    private Metadata _trailers = EmptyMetadata;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
    }

    /// <summary>The request stream of client-streaming and bidi calls; null for the others.</summary>
    public ClientStreamWriter<TRequest, TResponse>? RequestWriter { get; private set; }

    internal ICompressionProvider? WriteCompression => _options.WriteCompression;

    internal GrpcChannelOptions ChannelOptions => _channel.Options;

    internal CancellationToken CallToken => _callCancellation.Token;

    /// <summary>The longest wait a timer supports (about 49 days).</summary>
    private static readonly TimeSpan MaxLocalTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static Metadata EmptyMetadata => new();

    /// <summary>Starts sending; <paramref name="request"/> is the single request message, or null for a request stream.</summary>
    public void Start(TRequest? request)
    {
        HttpContent content;
        if (request is null)
        {
            _requestContent = new StreamingRequestContent();
            RequestWriter = new ClientStreamWriter<TRequest, TResponse>(this, _requestContent);
            content = _requestContent;
        }
        else if (TrySerializeSingle(request, out var frame))
        {
            content = new UnaryRequestContent(frame);
        }
        else
        {
            _headersTask = Task.CompletedTask;
            return;
        }

        TimeSpan? timeout = null;
        // DateTime.MaxValue is the conventional "no deadline" of gRPC APIs.
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - _channel.Options.TimeProvider.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                // Already past: nothing goes on the wire.
                content.Dispose();
                Finish(ClientStatusMapping.DeadlineExceeded, null);
                _headersTask = Task.CompletedTask;
                return;
            }

            timeout = remaining;
        }

        _request = CreateRequest(content, timeout);
        if (timeout is { } due && due <= MaxLocalTimer)
        {
            // Longer deadlines go to the server only: a timer cannot wait that long, and no call does.
            _deadlineTimer = _channel.Options.TimeProvider.CreateTimer(static state => ((GrpcCall<TRequest, TResponse>)state!).Cancel(ClientStatusMapping.DeadlineExceeded), this, due, Timeout.InfiniteTimeSpan);
        }

        if (_options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = _options.CancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).Cancel(ClientStatusMapping.Cancelled), this);
        }

        _headersTask = ReceiveHeadersAsync(_request);
    }

    public Status GetStatus()
    {
        lock (_gate)
        {
            return _finished ? _status : throw new InvalidOperationException("The call is still in progress; its status is not known yet.");
        }
    }

    public Metadata GetTrailers()
    {
        lock (_gate)
        {
            return _finished ? _trailers : throw new InvalidOperationException("The call is still in progress; its trailers are not known yet.");
        }
    }

    public void Dispose()
    {
        Cancel(ClientStatusMapping.Disposed);
        _response?.Dispose();
        _request?.Dispose();
    }

    /// <summary>Ends the call with <paramref name="status"/> unless it has ended already; resets the stream.</summary>
    internal void Cancel(Status status)
    {
        if (Finish(status, null))
        {
            // Cancelling stops a pending send or read; disposing the response resets the stream (RST_STREAM
            // CANCEL) when no read is pending, so that the server stops working on the call now.
            _callCancellation.Cancel();
            _response?.Dispose();
        }
    }

    /// <summary>The exception for the settled status of a call that failed.</summary>
    internal RpcException Failure()
    {
        lock (_gate)
        {
            return new RpcException(_status, _trailers);
        }
    }

    internal bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _finished;
            }
        }
    }

    /// <summary>What a write after the end of the call throws: its status if it failed, else a usage error.</summary>
    internal Exception WriteAfterEnd()
    {
        lock (_gate)
        {
            return _status.StatusCode == StatusCode.OK
                ? new InvalidOperationException("The call has ended; no more messages can be written.")
                : new RpcException(_status, _trailers);
        }
    }

    /// <summary>Settles the status from a failure unless it is settled already, then returns the exception to throw.</summary>
    internal RpcException Fail(Exception exception)
    {
        Cancel(ClientStatusMapping.FromException(exception));
        return Failure();
    }

    /// <summary>True if this call settled the status. Stops the deadline timer and frees a writer waiting for the request stream.</summary>
    private bool Finish(Status status, Metadata? trailers)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return false;
            }

            _status = status;
            _trailers = trailers ?? EmptyMetadata;
            _finished = true;
        }

        _deadlineTimer?.Dispose();
        _userCancellation.Dispose();
        _requestContent?.Abort(new RpcException(status, _trailers));
        return true;
    }

    private bool TrySerializeSingle(TRequest request, out ReadOnlyMemory<byte> frame)
    {
        var buffer = new ArrayBufferWriter<byte>(GrpcFrameHeader.Size + Marshaller<TRequest>.GetSize(request));
        try
        {
            buffer.WriteMessage(request, _channel.Options.MaxSendMessageSize, _options.WriteCompression);
        }
        catch (RpcException ex)
        {
            // Too large to send: RESOURCE_EXHAUSTED locally, as grpc core does.
            Finish(ex.Status, null);
            frame = default;
            return false;
        }

        frame = buffer.WrittenMemory;
        return true;
    }

    private HttpRequestMessage CreateRequest(HttpContent content, TimeSpan? timeout)
    {
        var options = _channel.Options;
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        if (_channel.AuthorityOverride is { } authority)
        {
            headers.Host = authority;
        }

        headers.TryAddWithoutValidation(GrpcProtocolConstants.TeHeader, GrpcProtocolConstants.TeTrailers);
        headers.TryAddWithoutValidation(GrpcProtocolConstants.UserAgentHeader, options.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocolConstants.AcceptEncodingHeader, options.CompressionProviders.AcceptEncoding);
        if (_options.WriteCompression is { } compression)
        {
            headers.TryAddWithoutValidation(GrpcProtocolConstants.EncodingHeader, compression.EncodingName);
        }

        if (timeout is { } remaining)
        {
            headers.TryAddWithoutValidation(GrpcProtocolConstants.TimeoutHeader, GrpcTimeout.Format(remaining));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.ToWireValue());
            }
        }

        content.Headers.TryAddWithoutValidation("content-type", GrpcProtocolConstants.ContentType);
        return request;
    }
}

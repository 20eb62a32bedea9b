using System.IO.Pipelines;
using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// The request stream of a client-streaming or bidi call. Each message is framed into a pipe over the HTTP/2
/// request stream and flushed at once (one DATA frame per message), which ping-pong calls need.
/// </summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcCall<TRequest, TResponse> _call;
    private readonly StreamingRequestContent _content;
    private PipeWriter? _writer;
    private Task _lastWrite = Task.CompletedTask;
    private bool _completed;

    public ClientStreamWriter(GrpcCall<TRequest, TResponse> call, StreamingRequestContent content)
    {
        _call = call;
        _content = content;
    }

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_completed)
        {
            throw new InvalidOperationException("The request stream is completed; no more messages can be written.");
        }

        if (!_lastWrite.IsCompleted)
        {
            throw new InvalidOperationException("A write is already in progress; await it before the next one.");
        }

        _lastWrite = WriteCoreAsync(message, cancellationToken);
        return _lastWrite;
    }

    public async Task CompleteAsync()
    {
        _completed = true;
        try
        {
            await _lastWrite.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The failed write already reported the call's status.
        }

        if (_writer is not null)
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }

        _content.Complete();
    }

    private async Task WriteCoreAsync(TRequest message, CancellationToken cancellationToken)
    {
        // Waits for the request stream only, never for the response headers (the server may send them late).
        Stream stream;
        try
        {
            stream = await _content.GetStreamAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            throw _call.WriteAfterEnd();
        }
        catch (OperationCanceledException ex)
        {
            throw _call.Fail(ex);
        }

        if (_call.IsFinished)
        {
            throw _call.WriteAfterEnd();
        }

        _writer ??= PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            _writer.WriteMessage(message, _call.ChannelOptions.MaxSendMessageSize, _call.WriteCompression);
        }
        catch (RpcException ex)
        {
            // Too large to send: the call ends with RESOURCE_EXHAUSTED and the stream is reset.
            throw _call.Fail(ex);
        }

        try
        {
            if (cancellationToken.CanBeCanceled)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_call.CallToken, cancellationToken);
                await _writer.FlushAsync(linked.Token).ConfigureAwait(false);
            }
            else
            {
                await _writer.FlushAsync(_call.CallToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The call's first status wins: a write that failed because the call had just ended with OK is a
            // write after the end, not a failure with status OK.
            _call.Fail(ex);
            throw _call.WriteAfterEnd();
        }
    }
}

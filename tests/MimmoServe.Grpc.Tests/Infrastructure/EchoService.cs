using Google.Protobuf;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using Mimmo.Interop.V1;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>mimmo.interop.v1.Echo as echo.proto and tests/interop/README.md define it, on our server layer.</summary>
internal sealed class EchoService : IGrpcService
{
    public const string ServiceName = "mimmo.interop.v1.Echo";
    public const int CompressReplyAtBytes = 1024;
    private const string EchoPrefix = "x-echo-";
    private const string TrailerPrefix = "x-trailer-";

    public static readonly Method<EchoRequest, EchoReply> UnaryMethod = new(MethodType.Unary, ServiceName, "Unary", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> ServerStreamMethod = new(MethodType.ServerStreaming, ServiceName, "ServerStream", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> ClientStreamMethod = new(MethodType.ClientStreaming, ServiceName, "ClientStream", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> BidiMethod = new(MethodType.DuplexStreaming, ServiceName, "Bidi", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<StatsRequest, StatsReply> GetStatsMethod = new(MethodType.Unary, ServiceName, "GetStats", StatsRequest.Parser, StatsReply.Parser);
    public static readonly Method<SetHealthRequest, SetHealthReply> SetHealthMethod = new(MethodType.Unary, ServiceName, "SetHealth", SetHealthRequest.Parser, SetHealthReply.Parser);

    private readonly HealthStatusRegistry _health;
    private readonly List<(long AtLeast, TaskCompletionSource Done)> _cancelWaiters = [];
    private long _cancelled;
    private long _completed;

    public EchoService(HealthStatusRegistry health)
    {
        _health = health;
    }

    public long CancelledCalls => Interlocked.Read(ref _cancelled);

    public long CompletedCalls => Interlocked.Read(ref _completed);

    /// <summary>Completes once <see cref="CancelledCalls"/> reaches <paramref name="atLeast"/>.</summary>
    public Task WaitForCancelledCallsAsync(long atLeast)
    {
        lock (_cancelWaiters)
        {
            if (CancelledCalls >= atLeast)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _cancelWaiters.Add((atLeast, done));
            return done.Task;
        }
    }

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(EchoReflection.Descriptor.Services[0])
            .AddUnary(UnaryMethod, Unary)
            .AddServerStreaming(ServerStreamMethod, ServerStream)
            .AddClientStreaming(ClientStreamMethod, ClientStream)
            .AddDuplexStreaming(BidiMethod, Bidi)
            .AddUnary(GetStatsMethod, GetStats)
            .AddUnary(SetHealthMethod, SetHealth)
            .Build();

    private async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        try
        {
            await EchoMetadataAsync(context, request);
            await DelayAsync(request, context);
            FailIfAsked(request);
            return Reply(request, context);
        }
        finally
        {
            Count(context);
        }
    }

    private async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        try
        {
            await EchoMetadataAsync(context, request);
            await DelayAsync(request, context);
            FailIfAsked(request);
            for (var i = 0; i < request.Count; i++)
            {
                var reply = Reply(request, context);
                reply.Index = i;
                await responses.WriteAsync(reply, context.CancellationToken);
            }
        }
        finally
        {
            Count(context);
        }
    }

    private async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        try
        {
            var received = 0;
            var last = new EchoRequest();
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                received++;
                last = request;
            }

            await EchoMetadataAsync(context, last);
            await DelayAsync(last, context);
            FailIfAsked(last);
            var reply = Reply(last, context);
            reply.Received = received;
            return reply;
        }
        finally
        {
            Count(context);
        }
    }

    private async Task Bidi(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        try
        {
            await EchoMetadataAsync(context, null);
            var index = 0;
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                await DelayAsync(request, context);
                FailIfAsked(request);
                var reply = Reply(request, context);
                reply.Index = index++;
                await responses.WriteAsync(reply, context.CancellationToken);
            }
        }
        finally
        {
            Count(context);
        }
    }

    private async Task<StatsReply> GetStats(StatsRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context, null);
        return new StatsReply { CancelledCalls = CancelledCalls, CompletedCalls = CompletedCalls };
    }

    private async Task<SetHealthReply> SetHealth(SetHealthRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context, null);
        if (request.Status is < 0 or > 2)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"status must be 0, 1 or 2, got {request.Status}"));
        }

        _health.SetStatus(request.Service, (HealthCheckResponse.Types.ServingStatus)request.Status);
        return new SetHealthReply();
    }

    /// <summary>x-echo-NAME comes back as header x-echo-NAME and trailer x-trailer-NAME; sends the headers, so it also chooses compression.</summary>
    private static Task EchoMetadataAsync(ServerCallContext context, EchoRequest? request)
    {
        context.CompressResponse = request is { ReplySize: >= CompressReplyAtBytes };
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith(EchoPrefix, StringComparison.Ordinal))
            {
                var trailerKey = TrailerPrefix + entry.Key[EchoPrefix.Length..];
                if (entry.IsBinary)
                {
                    headers.Add(entry.Key, entry.ValueBytes);
                    context.ResponseTrailers.Add(trailerKey, entry.ValueBytes);
                }
                else
                {
                    headers.Add(entry.Key, entry.Value);
                    context.ResponseTrailers.Add(trailerKey, entry.Value);
                }
            }
        }

        return context.WriteResponseHeadersAsync(headers);
    }

    private static Task DelayAsync(EchoRequest request, ServerCallContext context) =>
        request.DelayMs > 0 ? Task.Delay(request.DelayMs, context.CancellationToken) : Task.CompletedTask;

    private static void FailIfAsked(EchoRequest request)
    {
        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }
    }

    private static EchoReply Reply(EchoRequest request, ServerCallContext context) => new()
    {
        Message = request.Message,
        Payload = request.ReplySize > 0 ? ReplyPayload(request.ReplySize) : request.Payload,
        RequestEncoding = context.RequestEncoding,
    };

    private static ByteString ReplyPayload(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return ByteString.CopyFrom(bytes);
    }

    private void Count(ServerCallContext context)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            lock (_cancelWaiters)
            {
                var cancelled = Interlocked.Increment(ref _cancelled);
                _cancelWaiters.RemoveAll(w => w.AtLeast <= cancelled && w.Done.TrySetResult());
            }
        }
        else
        {
            Interlocked.Increment(ref _completed);
        }
    }
}

using Mimmo.Interop.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>
/// Handlers that misbehave on purpose, for the server behaviour tests: one ignores cancellation until the
/// test releases it, one throws an unexpected exception, one fails after streaming some messages.
/// </summary>
internal sealed class BehaviourService : IGrpcService
{
    public const string ServiceName = "mimmo.test.Behaviour";
    public const string SecretText = "connection string with a password";

    public static readonly Method<EchoRequest, EchoReply> IgnoreCancellationMethod = new(MethodType.Unary, ServiceName, "IgnoreCancellation", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> ThrowMethod = new(MethodType.Unary, ServiceName, "Throw", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> FailAfterMessagesMethod = new(MethodType.ServerStreaming, ServiceName, "FailAfterMessages", EchoRequest.Parser, EchoReply.Parser);

    /// <summary>Set by IgnoreCancellation when it starts waiting.</summary>
    public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released by the test; IgnoreCancellation waits for it whatever its token says.</summary>
    public TaskCompletionSource Release { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by IgnoreCancellation when it returns, with whether its token had fired.</summary>
    public TaskCompletionSource<bool> Finished { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Reset()
    {
        Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(ServiceName)
            .AddUnary(IgnoreCancellationMethod, IgnoreCancellation)
            .AddUnary(ThrowMethod, Throw)
            .AddServerStreaming(FailAfterMessagesMethod, FailAfterMessages)
            .Build();

    private async Task<EchoReply> IgnoreCancellation(EchoRequest request, ServerCallContext context)
    {
        Entered.TrySetResult();
        await Release.Task;
        Finished.TrySetResult(context.CancellationToken.IsCancellationRequested);
        return new EchoReply { Message = request.Message };
    }

    /// <summary>Throws before sending anything: the chosen status when fail_code is set, else an unexpected exception.</summary>
    private static Task<EchoReply> Throw(EchoRequest request, ServerCallContext context) =>
        throw (request.FailCode != 0
            ? new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage))
            : new InvalidOperationException(SecretText));

    private static async Task FailAfterMessages(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responses.WriteAsync(new EchoReply { Index = i }, context.CancellationToken);
        }

        throw new RpcException(new Status(StatusCode.Aborted, request.FailMessage), new Metadata().Add("x-failed-at", request.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Services;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Security;

/// <summary>
/// The server's <see cref="IServerCallGate"/>: the gRPC layer runs it on every call before reading the request body.
/// mimmo.v1.Inference and inference.GRPCInferenceService (the Open Inference Protocol) calls must carry a known bearer
/// token when tokens are on (UNAUTHENTICATED otherwise, the body never read); health, reflection and the protocol's
/// ServerLive and ServerReady stay open. Each method's largest request comes from <see cref="RequestSizeLimits"/>.
/// </summary>
/// <remarks>Threading: called concurrently; the Predict limit is computed once per loaded repository and swapped as one object.</remarks>
internal sealed class InferenceCallGate : IServerCallGate
{
    private readonly CallAccess _access;
    private readonly ModelHost _host;
    private volatile PredictLimit? _predictLimit;

    public InferenceCallGate(CallAccess access, ModelHost host)
    {
        _access = access;
        _host = host;
    }

    public ValueTask AdmitAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Both inference APIs: mimmo.v1 and the Open Inference Protocol. Health and reflection need no token, nor do
        // the protocol's own health calls (ServerLive, ServerReady), which probes make.
        var service = context.Method.ServiceName;
        var needsToken = service == InferenceMethods.ServiceName
            || (service == OpenInferenceMethods.ServiceName && context.Method.FullName != OpenInferenceMethods.ServerLive.FullName
                && context.Method.FullName != OpenInferenceMethods.ServerReady.FullName);
        if (!needsToken)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            _access.Admit(context);
        }
        catch (AccessDeniedException e)
        {
            throw new RpcException(StatusMap.ToStatus(e, out _), new Metadata(), e);
        }

        return ValueTask.CompletedTask;
    }

    public int GetMaxReceiveMessageSize(IMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.FullName != InferenceMethods.Predict.FullName && method.FullName != InferenceMethods.PredictStream.FullName
            && method.FullName != OpenInferenceMethods.ModelInfer.FullName)
        {
            return RequestSizeLimits.SmallRequest;
        }

        // While the models load (or after they are released) Predict answers UNAVAILABLE; the global limit applies,
        // so that a large request is told to retry rather than that it is too large.
        if (_host.LoadedRepository is not { } repository)
        {
            return int.MaxValue;
        }

        var limit = _predictLimit;
        if (limit is null || !ReferenceEquals(limit.Repository, repository))
        {
            _predictLimit = limit = new PredictLimit(repository, RequestSizeLimits.MaxPredictRequestSize(repository.Models));
        }

        return limit.Bytes;
    }

    private sealed record PredictLimit(ModelRepository Repository, int Bytes);
}

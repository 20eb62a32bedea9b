using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Services;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Security;

/// <summary>
/// The server's <see cref="IServerCallGate"/>: the gRPC layer runs it on every call before reading the request body.
/// mimmo.v1.Inference calls must carry a known bearer token when tokens are on (UNAUTHENTICATED otherwise, the body never
/// read); health and reflection stay open. Each method's largest request comes from <see cref="RequestSizeLimits"/>.
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
        if (context.Method.ServiceName != InferenceMethods.ServiceName)
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
        if (method.FullName != InferenceMethods.Predict.FullName && method.FullName != InferenceMethods.PredictStream.FullName)
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

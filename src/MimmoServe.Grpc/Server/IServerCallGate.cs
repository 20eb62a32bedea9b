using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// The host's say on each call before its request body is read: whether the call may go on (authentication and what
/// can be authorized from the method and headers alone), and the largest request message each method takes. The gRPC
/// layer knows nothing of tokens or models; the host registers one gate as a singleton and decides. Without one,
/// every call goes on and every method has <see cref="Hosting.GrpcServerOptions.MaxReceiveMessageSize"/>.
/// </summary>
public interface IServerCallGate
{
    /// <summary>
    /// Runs for every call once its headers are in and checked, before a byte of its body is read; throw an
    /// <see cref="RpcException"/> to end the call with that status (e.g. UNAUTHENTICATED). The request stream is then never
    /// read: a refused caller costs no buffering. Per-call state for the handler can go in <see cref="ServerCallContext.UserState"/>.
    /// </summary>
    ValueTask AdmitAsync(ServerCallContext context);

    /// <summary>
    /// The largest request message of <paramref name="method"/>, after decompression; asked once per call, so it may
    /// change (e.g. when models load). The server applies the smaller of this and <see cref="Hosting.GrpcServerOptions.MaxReceiveMessageSize"/>.
    /// </summary>
    int GetMaxReceiveMessageSize(IMethod method);
}

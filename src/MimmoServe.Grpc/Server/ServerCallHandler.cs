using Microsoft.AspNetCore.Http;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// The shared part of the four call handlers: checks the request is gRPC, makes the call context, runs
/// the call shape of the subclass, and turns its ending (return, exception, deadline, client gone) into
/// exactly one status. Returns only when the application's handler has finished, since Kestrel reuses
/// the HttpContext afterwards.
/// </summary>
internal abstract class ServerCallHandler
{
    protected ServerCallHandler(IMethod method, GrpcServerServices services)
    {
        Method = method;
        Services = services;
    }

    public IMethod Method { get; }

    protected GrpcServerServices Services { get; }

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!RequestValidator.TryAccept(httpContext, Services.Logger))
        {
            return;
        }

        var context = new ServerCallContext(httpContext, Method, Services);
        try
        {
            context.Initialize(ServerMethodShape.IsStreamingRequest(Method.Type));
            if (Services.Gate is { } gate)
            {
                // Before a byte of the body is read: a refused call costs no buffering, decompression or parsing.
                await gate.AdmitAsync(context).ConfigureAwait(false);
            }

            await HandleCoreAsync(context).ConfigureAwait(false);
            context.EndCall(Status.DefaultSuccess);
        }
        catch (Exception ex)
        {
            context.EndCall(ex);
        }
        finally
        {
            await context.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads requests, runs the application's code and writes its responses.</summary>
    protected abstract Task HandleCoreAsync(ServerCallContext context);
}

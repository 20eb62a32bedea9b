using Microsoft.AspNetCore.Http;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>Answers gRPC requests for a service or method the server does not host: HTTP 200, trailers-only UNIMPLEMENTED.</summary>
internal sealed class UnimplementedCallHandler
{
    private readonly GrpcServerServices _services;
    private readonly GrpcServiceRegistry _registry;

    public UnimplementedCallHandler(GrpcServerServices services, GrpcServiceRegistry registry)
    {
        _services = services;
        _registry = registry;
    }

    public Task HandleCallAsync(HttpContext httpContext)
    {
        if (!RequestValidator.TryAccept(httpContext, _services.Logger))
        {
            return Task.CompletedTask;
        }

        var service = httpContext.Request.RouteValues["service"] as string ?? string.Empty;
        var method = httpContext.Request.RouteValues["method"] as string ?? string.Empty;
        var detail = _registry.Contains(service)
            ? $"Method '{method}' of service '{service}' is unimplemented."
            : $"Service '{service}' is unimplemented.";
        ServerLog.RequestRejected(_services.Logger, httpContext.Request.Path, detail);
        StatusWriter.WriteTrailersOnly(httpContext.Response, StatusCodes.Status200OK, new Status(StatusCode.Unimplemented, detail), null);
        return Task.CompletedTask;
    }
}

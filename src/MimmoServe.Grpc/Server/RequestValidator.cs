using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>HTTP-level checks before a request becomes a gRPC call: HTTP/2, POST and a gRPC content type.</summary>
internal static class RequestValidator
{
    public static bool TryAccept(HttpContext httpContext, ILogger logger)
    {
        var request = httpContext.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            Reject(httpContext, logger, StatusCodes.Status405MethodNotAllowed, $"Request method '{request.Method}' is not supported; gRPC uses POST.");
            return false;
        }

        if (!IsGrpcContentType(request.ContentType))
        {
            Reject(httpContext, logger, StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not supported.");
            return false;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            Reject(httpContext, logger, StatusCodes.Status426UpgradeRequired, $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2.");
            return false;
        }

        return true;
    }

    /// <summary>application/grpc, or application/grpc+proto (the only message format this server speaks), parameters allowed.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(GrpcProtocolConstants.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(GrpcProtocolConstants.ContentType.Length);
        var parameters = rest.IndexOf(';');
        if (parameters >= 0)
        {
            rest = rest[..parameters];
        }

        rest = rest.Trim();
        return rest.IsEmpty || rest.Equals("+proto", StringComparison.OrdinalIgnoreCase);
    }

    private static void Reject(HttpContext httpContext, ILogger logger, int httpStatus, string detail)
    {
        ServerLog.RequestRejected(logger, httpContext.Request.Path, detail);
        StatusWriter.WriteTrailersOnly(httpContext.Response, httpStatus, new Status(StatusCode.Internal, detail), null);
    }
}

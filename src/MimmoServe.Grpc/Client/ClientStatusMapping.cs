using System.Net;
using System.Net.Http;
using Google.Protobuf;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// The one table of the client from failures to statuses: exceptions of the HTTP stack, HTTP status codes
/// and HTTP/2 error codes (doc/PROTOCOL-HTTP2.md and doc/http-grpc-status-mapping.md of grpc/grpc).
/// </summary>
internal static class ClientStatusMapping
{
    public static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    public static readonly Status Cancelled = new(StatusCode.Cancelled, "Call cancelled by the client.");

    public static readonly Status Disposed = new(StatusCode.Cancelled, "Call disposed before it ended.");

    public static readonly Status NoResponseMessage = new(StatusCode.Internal, "The server ended a unary call with OK but sent no response message.");

    public static readonly Status ExtraResponseMessage = new(StatusCode.Internal, "The server sent more than one response message on a call with a single response.");

    public static readonly Status MissingStatus = new(StatusCode.Unknown, "The server ended the response without grpc-status.");

    /// <summary>Maps what the HTTP stack or the framing threw; cancellation is told apart by the caller, which knows why it cancelled.</summary>
    public static Status FromException(Exception exception)
    {
        switch (exception)
        {
            case RpcException rpc:
                return rpc.Status;
            case HttpProtocolException protocol:
                return FromHttp2ErrorCode(protocol.ErrorCode, protocol.Message);
            case InvalidProtocolBufferException:
                return new Status(StatusCode.Internal, "Failed to parse the response message: " + exception.Message);
            case OperationCanceledException:
                return Cancelled;
            case HttpRequestException or IOException:
                return exception.InnerException is HttpProtocolException inner
                    ? FromHttp2ErrorCode(inner.ErrorCode, inner.Message)
                    : new Status(StatusCode.Unavailable, "Connection to the server failed or was lost: " + Describe(exception));
            default:
                return new Status(StatusCode.Unknown, exception.GetType().Name + ": " + exception.Message);
        }
    }

    /// <summary>A response whose HTTP status is not 200 carries no gRPC status of its own; the spec's mapping gives one.</summary>
    public static Status FromHttpStatus(HttpStatusCode httpStatus)
    {
        var code = httpStatus switch
        {
            HttpStatusCode.BadRequest => StatusCode.Internal,
            HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
            HttpStatusCode.NotFound => StatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
        return new Status(code, $"Bad gRPC response: HTTP status {(int)httpStatus}.");
    }

    /// <summary>RST_STREAM and GOAWAY error codes, as the spec's table maps them.</summary>
    public static Status FromHttp2ErrorCode(long errorCode, string message)
    {
        var code = errorCode switch
        {
            0x7 => StatusCode.Unavailable, // REFUSED_STREAM: not processed, safe to retry
            0x8 => StatusCode.Cancelled, // CANCEL
            0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
            0xC => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
            _ => StatusCode.Internal, // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
        };
        return new Status(code, $"HTTP/2 error code 0x{errorCode:X}: {message}");
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? exception.Message + " (" + inner.Message + ")" : exception.Message;
}

using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Server.Security;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Server.Services;

/// <summary>
/// The one table from serving failures (and refused tokens) to gRPC statuses. A refusal keeps the serving core's message, which says
/// what the caller can change (the supported sizes, the expected shape, the index of a bad value); a run failure or
/// an unexpected exception becomes INTERNAL with a fixed text, and the detail goes to the server log only.
/// </summary>
internal static class StatusMap
{
    /// <summary>What a caller sees of a failure it cannot act on.</summary>
    public const string InternalMessage = "The server failed to run this request; the details are in the server log.";

    private static readonly Dictionary<ServingErrorKind, StatusCode> Codes = new()
    {
        [ServingErrorKind.InvalidArgument] = StatusCode.InvalidArgument,
        [ServingErrorKind.NotFound] = StatusCode.NotFound,
        [ServingErrorKind.ResourceExhausted] = StatusCode.ResourceExhausted,
        [ServingErrorKind.Unavailable] = StatusCode.Unavailable,
        [ServingErrorKind.DeadlineExceeded] = StatusCode.DeadlineExceeded,
        [ServingErrorKind.Cancelled] = StatusCode.Cancelled,
        [ServingErrorKind.Internal] = StatusCode.Internal,
    };

    private static readonly Dictionary<AccessFailure, StatusCode> AccessCodes = new()
    {
        [AccessFailure.Unauthenticated] = StatusCode.Unauthenticated,
        [AccessFailure.PermissionDenied] = StatusCode.PermissionDenied,
    };

    private static readonly Status Internal = new(StatusCode.Internal, InternalMessage);

    private static readonly Status CallCancelled = new(StatusCode.Cancelled, "The call was cancelled.");

    public static StatusCode ToStatusCode(ServingErrorKind kind) =>
        Codes.TryGetValue(kind, out var code) ? code : StatusCode.Internal;

    /// <summary>A handler's failure as the call's status; an unexpected one is logged with its detail, which the caller does not see.</summary>
    public static RpcException Failure(ServerCallContext context, Exception exception, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = ToStatus(exception, out var unexpected);
        if (unexpected)
        {
            Hosting.HostLog.CallFailed(logger, context.Method.FullName, exception);
        }

        return new RpcException(status, new Metadata(), exception);
    }

    /// <summary>The status of <paramref name="exception"/>; <paramref name="unexpected"/> says whether the server log needs its detail.</summary>
    public static Status ToStatus(Exception exception, out bool unexpected)
    {
        ArgumentNullException.ThrowIfNull(exception);
        unexpected = false;
        switch (exception)
        {
            case RpcException rpc:
                return rpc.Status;
            case AccessDeniedException denied:
                return new Status(AccessCodes[denied.Kind], denied.Message);
            case ServingException { Kind: ServingErrorKind.Internal }:
                unexpected = true;
                return Internal;
            case ServingException serving:
                return new Status(ToStatusCode(serving.Kind), serving.Message);
            case OperationCanceledException:
                return CallCancelled;
            default:
                unexpected = true;
                return Internal;
        }
    }

    /// <summary><see cref="ToStatus"/> with a prefix naming the request (stream calls, where many requests share one status).</summary>
    public static Status ToStatus(Exception exception, string requestId, out bool unexpected)
    {
        var status = ToStatus(exception, out unexpected);
        return status with { Detail = $"request '{requestId}': {status.Detail}" };
    }
}

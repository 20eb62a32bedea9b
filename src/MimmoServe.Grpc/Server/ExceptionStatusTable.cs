using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// The one table from exceptions to gRPC statuses. A detailed message goes to the client only where the
/// error is the caller's (a malformed or oversize request, a status the handler chose); an unexpected
/// exception gives UNKNOWN with a fixed text unless detailed errors are enabled, and is logged in full.
/// </summary>
internal static class ExceptionStatusTable
{
    public static readonly Status UnexpectedError = new(StatusCode.Unknown, "Exception was thrown by handler.");

    public static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    public static readonly Status CancelledByServer = new(StatusCode.Cancelled, "The call was cancelled by the server.");

    public static readonly Status TransportError = new(StatusCode.Unavailable, "The connection failed during the call.");

    /// <summary>
    /// The request of a unary call did not arrive in time. DEADLINE_EXCEEDED: the operation could not complete before
    /// the server's own deadline for receiving it (the client's deadline, if any, is another matter).
    /// </summary>
    public static Status RequestMessageLate(TimeSpan limit) =>
        new(StatusCode.DeadlineExceeded,
            string.Create(CultureInfo.InvariantCulture, $"The request message did not arrive within {limit.TotalSeconds:0.###} s of the call's start."));

    /// <summary>
    /// A request stream sent nothing for too long. CANCELLED: nothing the client asked failed or ran late, the server
    /// gave up waiting; the client may open a new stream.
    /// </summary>
    public static Status StreamIdle(TimeSpan limit) =>
        new(StatusCode.Cancelled,
            string.Create(CultureInfo.InvariantCulture, $"No request message for {limit.TotalSeconds:0.###} s: the server ended the idle stream."));

    /// <summary>The status for <paramref name="exception"/>; <paramref name="isUnexpected"/> says whether the server log needs it.</summary>
    public static Status ToStatus(Exception exception, bool detailedErrors, out bool isUnexpected)
    {
        isUnexpected = false;
        switch (exception)
        {
            case RpcException rpc:
                return rpc.Status;
            case InvalidProtocolBufferException invalid:
                return new Status(StatusCode.Internal, "Failed to deserialize the request message: " + invalid.Message);
            case BadHttpRequestException badRequest:
                return new Status(StatusCode.Internal, "Bad request: " + badRequest.Message);
            case OperationCanceledException:
                return CancelledByServer;
            case IOException:
                return TransportError;
            default:
                isUnexpected = true;
                return detailedErrors
                    ? new Status(StatusCode.Unknown, $"{UnexpectedError.Detail} {exception.GetType().Name}: {exception.Message}")
                    : UnexpectedError;
        }
    }
}

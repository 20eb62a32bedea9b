using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

public sealed partial class ServerCallContext
{
    /// <summary>Ends the call with <paramref name="status"/> unless the deadline already ended it.</summary>
    internal void EndCall(Status status)
    {
        if (Interlocked.CompareExchange(ref _writeState, WriteCompleted, WriteIdle) != WriteIdle)
        {
            return;
        }

        StatusWriter.Write(_httpContext.Response, _responseHeadersSent, status, _responseTrailers);
    }

    /// <summary>Ends the call after the handler (or reading the request) threw.</summary>
    internal void EndCall(Exception exception)
    {
        var logger = _services.Logger;
        if (DeadlineExceeded)
        {
            EndCall(ExceptionStatusTable.DeadlineExceeded);
            return;
        }

        if (_httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client cancelled or the connection is gone: no status can reach it.
            ServerLog.ClientCancelled(logger, Method.FullName);
            Interlocked.Exchange(ref _writeState, WriteCompleted);
            return;
        }

        var status = ExceptionStatusTable.ToStatus(exception, _services.Options.EnableDetailedErrors, out var unexpected);
        if (unexpected)
        {
            ServerLog.HandlerFailed(logger, Method.FullName, status.StatusCode, exception);
        }
        else
        {
            ServerLog.CallFailed(logger, Method.FullName, status.StatusCode, StatusWriter.Cap(status.Detail));
        }

        if (exception is RpcException { Trailers.Count: > 0 } rpc)
        {
            foreach (var entry in rpc.Trailers)
            {
                ResponseTrailers.Add(entry);
            }
        }

        EndCall(status);
    }

    internal ValueTask DisposeAsync() => DisposeDeadlineAsync();
}

using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Client;

/// <summary>
/// One answer on a PredictStream: the prediction for one request message (for a batched message, its
/// <c>items</c>), or why that message was not answered. A refused or failed message does not end the stream; the
/// others are still answered.
/// </summary>
public sealed class StreamResult
{
    internal StreamResult(PredictResponse response)
    {
        Response = response;
        if (response.Error is { } error)
        {
            Error = new Status((StatusCode)error.Code, error.Message);
        }
    }

    /// <summary>The request's id, which pairs the answer with its request (answers may come out of order).</summary>
    public string Id => Response.Id;

    /// <summary>The server's message: the prediction when <see cref="Succeeded"/>, else only its id, model and error.</summary>
    public PredictResponse Response { get; }

    /// <summary>Whether the request was answered with a prediction.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Why the request was not answered: the status Predict would have given it (e.g. INVALID_ARGUMENT with what to fix); null on success.</summary>
    public Status? Error { get; }

    /// <summary>The prediction, or the request's error as an <see cref="RpcException"/>.</summary>
    /// <exception cref="RpcException">The request was refused or failed.</exception>
    public PredictResponse GetResponseOrThrow() =>
        Error is { } error ? throw new RpcException(error with { Detail = $"request '{Id}': {error.Detail}" }) : Response;
}

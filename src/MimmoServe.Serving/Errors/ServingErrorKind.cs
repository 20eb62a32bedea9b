namespace MimmoServe.Serving.Errors;

/// <summary>
/// What went wrong with a request, in the terms the host maps to gRPC status codes (one table in the host).
/// The names follow the gRPC codes they map to.
/// </summary>
public enum ServingErrorKind
{
    /// <summary>The request is malformed (shape, element count, data, values, ensemble size, mode header). Not retryable as is.</summary>
    InvalidArgument,

    /// <summary>No model of that name is served.</summary>
    NotFound,

    /// <summary>The model's queue is full; rejected at once. Retry later, with backoff.</summary>
    ResourceExhausted,

    /// <summary>The server is shutting down (or the model is not ready); retry on another instance.</summary>
    Unavailable,

    /// <summary>The request's deadline passed before it could run; it was never run.</summary>
    DeadlineExceeded,

    /// <summary>The caller cancelled the request before it ran; it was never run.</summary>
    Cancelled,

    /// <summary>The model failed to run the batch this request was in. Other batches are unaffected.</summary>
    Internal,
}

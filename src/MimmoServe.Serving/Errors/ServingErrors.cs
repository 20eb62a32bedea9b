namespace MimmoServe.Serving.Errors;

/// <summary>Builds the exceptions whose wording is shared by several components.</summary>
internal static class ServingErrors
{
    public static ServingException InvalidArgument(string message) => new(ServingErrorKind.InvalidArgument, message);

    public static ServingException ModelNotFound(string name, IEnumerable<string> served) =>
        new(ServingErrorKind.NotFound, $"No model named '{name}'; served models: {string.Join(", ", served)}.");

    public static ServingException ShuttingDown(string model) =>
        new(ServingErrorKind.Unavailable, $"Model '{model}' is shutting down and accepts no new requests; retry on another instance.");

    public static ServingException QueueFull(string model, int queueSize) =>
        new(ServingErrorKind.ResourceExhausted, $"The queue of model '{model}' is full ({queueSize} inputs waiting); retry later.");

    public static ServingException DeadlineExceeded(string model) =>
        new(ServingErrorKind.DeadlineExceeded, $"The deadline passed while the request waited in the queue of model '{model}'; it was not run.");

    public static ServingException DeadlineAlreadyPassed(string model) =>
        new(ServingErrorKind.DeadlineExceeded, $"The request's deadline had passed before it reached model '{model}'; it was not queued.");

    public static ServingException Cancelled(string model) =>
        new(ServingErrorKind.Cancelled, $"The request to model '{model}' was cancelled before it ran.");

    public static ServingException DeadlineUnmeetable(string model, int inputsAhead, TimeSpan estimate, TimeSpan remaining) =>
        new(ServingErrorKind.DeadlineExceeded,
            $"Refused at admission by model '{model}': {inputsAhead} inputs are ahead, about {estimate.TotalMilliseconds:F0} ms of runs, " +
            $"but the deadline is {remaining.TotalMilliseconds:F0} ms away; it was not queued. Retry with a longer deadline or later.");

    public static ServingException RunTimedOut(string model, TimeSpan timeout, Exception inner) =>
        new(ServingErrorKind.DeadlineExceeded,
            $"The run of model '{model}' took longer than its run_timeout_ms ({timeout.TotalMilliseconds:F0} ms) and was stopped; the request did not complete.", inner);

    /// <summary>An <c>x-mimmo-exit</c> header that is no policy, or not <c>full</c> on a model that is not staged.</summary>
    public static ServingException BadExitPolicy(string header, bool staged) =>
        InvalidArgument(staged
            ? $"{Protocol.ExitHeader.Name} '{header}' is not {Protocol.ExitHeader.Auto}, {Protocol.ExitHeader.Full} or a confidence threshold t with 0 < t <= 1."
            : $"{Protocol.ExitHeader.Name} '{header}': the model is not staged (no early exit), so it accepts only {Protocol.ExitHeader.Full}.");

    /// <summary>The error of every request of a run that failed: the run's own serving error, Unavailable when shutdown stopped it, else Internal.</summary>
    public static ServingException RunFailed(string model, Exception failure, bool aborted, int rows, int requests) => failure switch
    {
        OperationCanceledException when aborted => GraceEnded(model),
        ServingException serving => serving,
        _ => new ServingException(ServingErrorKind.Internal,
            $"Model '{model}' failed to run the batch of {requests} requests ({rows} rows): {failure.Message}", failure),
    };

    /// <summary>A run of <paramref name="stage"/> succeeded but answering its requests failed (after ONNX Runtime ran it).</summary>
    public static ServingException CompletionFailed(string model, int stage, Exception failure) =>
        new(ServingErrorKind.Internal, $"Model '{model}' ran stage {stage} but failed to answer its requests: {failure.Message}", failure);

    public static ServingException GraceEnded(string model) =>
        new(ServingErrorKind.Unavailable,
            $"Model '{model}' is shutting down and its grace period ended before this request completed; retry on another instance.");
}

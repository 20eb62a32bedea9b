namespace MimmoServe.Onnx;

/// <summary>
/// Which provider a session asked for and which it got. When a GPU provider could not be added (no GPU, no CUDA
/// libraries, the provider libraries missing beside libonnxruntime.so) the session runs on CPU and
/// <see cref="Reason"/> carries ORT's message; the binding does not log, the caller does.
/// </summary>
/// <param name="Requested">The provider in the session options.</param>
/// <param name="Actual">The provider the session was created with.</param>
/// <param name="Reason">Why <paramref name="Actual"/> differs from <paramref name="Requested"/>; null when it does not.</param>
public sealed record ExecutionProviderResult(ExecutionProvider Requested, ExecutionProvider Actual, string? Reason)
{
    /// <summary>True when the session fell back from the requested provider to CPU.</summary>
    public bool FellBack => Requested != Actual;

    public override string ToString() =>
        FellBack ? $"{Actual} (requested {Requested}: {Reason})" : Actual.ToString();
}

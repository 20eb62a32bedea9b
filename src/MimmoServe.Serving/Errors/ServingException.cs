namespace MimmoServe.Serving.Errors;

/// <summary>
/// A request that the serving core refused or could not serve. <see cref="Kind"/> decides the status code;
/// the message says what the caller can change (the supported sizes, the expected shape, the index of a bad value).
/// </summary>
public sealed class ServingException : Exception
{
    public ServingException(ServingErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public ServingErrorKind Kind { get; }

    public override string ToString() => $"{Kind}: {base.ToString()}";
}

namespace MimmoServe.Server.Security;

/// <summary>A call refused by <see cref="CallAccess"/>; the message is for the caller and never holds the token.</summary>
internal sealed class AccessDeniedException : Exception
{
    public AccessDeniedException(AccessFailure kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public AccessFailure Kind { get; }
}

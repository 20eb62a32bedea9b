namespace MimmoServe.Server.Security;

/// <summary>Why a call was refused; <see cref="Services.StatusMap"/> gives each its gRPC status.</summary>
internal enum AccessFailure
{
    /// <summary>No token, a malformed authorization header, or a token the server does not know.</summary>
    Unauthenticated,

    /// <summary>A known token that may not use the model the call names.</summary>
    PermissionDenied,
}

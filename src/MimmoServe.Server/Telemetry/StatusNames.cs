using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Server.Telemetry;

/// <summary>The <c>status</c> tag: gRPC status codes by their canonical names (OK, RESOURCE_EXHAUSTED, ...).</summary>
internal static class StatusNames
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public static string Of(StatusCode code) => (uint)code < (uint)Names.Length ? Names[(int)code] : Names[(int)StatusCode.Unknown];
}

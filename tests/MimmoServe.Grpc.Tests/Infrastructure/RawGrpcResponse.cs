using System.Net.Http.Headers;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>What came back for a raw HTTP/2 gRPC request: HTTP status, body, and where the gRPC status was.</summary>
internal sealed record RawGrpcResponse(int HttpStatus, HttpResponseHeaders Headers, HttpHeaders? Trailers, byte[] Body)
{
    /// <summary>True when the status came in the response headers with no body and no trailers.</summary>
    public bool IsTrailersOnly => Headers.Contains("grpc-status");

    public string? GrpcStatus => Find("grpc-status");

    public string? GrpcMessage => Find("grpc-message");

    public string? Find(string name) =>
        Headers.TryGetValues(name, out var values) ? values.First()
        : Trailers is not null && Trailers.TryGetValues(name, out var trailerValues) ? trailerValues.First()
        : null;

    public override string ToString() => $"HTTP {HttpStatus}, grpc-status {GrpcStatus}, grpc-message '{GrpcMessage}', {Body.Length} body bytes";
}

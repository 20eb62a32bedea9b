using System.Globalization;
using System.Net.Http.Headers;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>Reads gRPC metadata and status out of HTTP response headers or trailers.</summary>
internal static class ResponseMetadata
{
    /// <summary>
    /// The metadata shown to the caller: everything but HTTP's own headers and the status, which has its own
    /// place. Other <c>grpc-</c> headers (<c>grpc-encoding</c>, <c>grpc-accept-encoding</c>) stay visible.
    /// </summary>
    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (IsReserved(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                metadata.AddFromWire(name, value);
            }
        }

        return metadata;
    }

    /// <summary>The status in <c>grpc-status</c> and <c>grpc-message</c>, or null when the block has no <c>grpc-status</c>.</summary>
    public static Status? GetStatus(HttpHeaders headers)
    {
        var statusText = GetFirst(headers, GrpcProtocolConstants.StatusHeader);
        if (statusText is null)
        {
            return null;
        }

        var message = GetFirst(headers, GrpcProtocolConstants.MessageHeader);
        var detail = message is null ? string.Empty : GrpcMessageEncoding.Decode(message);
        if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Invalid grpc-status '{statusText}'. {detail}");
        }

        return new Status((StatusCode)code, detail);
    }

    public static string? GetFirst(HttpHeaders headers, string name)
    {
        if (!headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static bool IsReserved(string name) =>
        name.Equals(GrpcProtocolConstants.StatusHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(GrpcProtocolConstants.MessageHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("date", StringComparison.OrdinalIgnoreCase)
        || name.Equals("server", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase);
}

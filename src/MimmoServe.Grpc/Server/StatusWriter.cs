using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// The one place where a call's status goes on the wire. Before any response header or message has been
/// written, the status travels in the headers of the single HEADERS frame that ends the stream
/// (trailers-only); afterwards it travels as trailers. grpc-message is always percent-encoded: Kestrel
/// refuses non-ASCII header values with HTTP 500, which clients would report as UNKNOWN.
/// </summary>
/// <remarks>
/// grpc-message is capped at <see cref="MaxMessageLength"/> characters here, the one place every status passes: many
/// messages echo what the caller sent (a model or health service name, a header value, a path), and a 4 MB name must not
/// become a 12 MB trailer. The cap leaves room for the server's own text (e.g. the list of served models).
/// </remarks>
internal static class StatusWriter
{
    /// <summary>The longest grpc-message sent, in characters (before percent-encoding).</summary>
    public const int MaxMessageLength = 512;

    private static readonly string[] StatusCodeText =
        Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    public static void Write(HttpResponse response, bool responseHeadersSent, Status status, Metadata? trailers)
    {
        if (!responseHeadersSent && !response.HasStarted)
        {
            WriteTrailersOnly(response, StatusCodes.Status200OK, status, trailers);
            return;
        }

        var trailerHeaders = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers
            ?? throw new InvalidOperationException("The server does not support response trailers (HTTP/2 is required).");
        SetStatus(trailerHeaders, status);
        AppendMetadata(trailerHeaders, trailers);
    }

    /// <summary>A response made only of headers: HTTP status, content type, grpc-status and grpc-message.</summary>
    public static void WriteTrailersOnly(HttpResponse response, int httpStatusCode, Status status, Metadata? trailers)
    {
        response.StatusCode = httpStatusCode;
        response.ContentType = GrpcProtocolConstants.ContentType;
        SetStatus(response.Headers, status);
        AppendMetadata(response.Headers, trailers);
    }

    /// <summary>Copies metadata into HTTP headers; <c>-bin</c> values go base64-encoded.</summary>
    public static void AppendMetadata(IHeaderDictionary headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, entry.ToWireValue());
        }
    }

    /// <summary><paramref name="message"/>, cut at <see cref="MaxMessageLength"/> characters with a note of how much was left out.</summary>
    public static string Cap(string message)
    {
        if (message.Length <= MaxMessageLength)
        {
            return message;
        }

        var kept = MaxMessageLength - 40;
        // Do not split a surrogate pair: half of one would go out as U+FFFD.
        if (char.IsHighSurrogate(message[kept - 1]))
        {
            kept--;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{message.AsSpan(0, kept)}... ({message.Length - kept} more characters)");
    }

    private static void SetStatus(IHeaderDictionary headers, Status status)
    {
        var code = (int)status.StatusCode;
        headers[GrpcProtocolConstants.StatusHeader] = (uint)code < StatusCodeText.Length
            ? StatusCodeText[code]
            : code.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocolConstants.MessageHeader] = GrpcMessageEncoding.Encode(Cap(status.Detail));
        }
    }
}

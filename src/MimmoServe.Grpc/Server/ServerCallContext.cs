using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Server;

/// <summary>
/// One call on the server: its method, deadline, cancellation, request headers, response headers and
/// trailers. Created by the call handler for each request; valid until the handler's task completes.
/// </summary>
/// <remarks>
/// Threading: the handler uses the context from one logical flow; the deadline timer is the only other
/// thread that touches it, and it competes with the handler for the response through <see cref="_writeState"/>.
/// </remarks>
public sealed partial class ServerCallContext
{
    private readonly HttpContext _httpContext;
    private readonly GrpcServerServices _services;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private ICompressionProvider? _requestDecompressor;
    private ICompressionProvider? _responseCompressor;
    private bool _responseHeadersSent;
    private ReceiveLimits _receiveLimits;

    internal ServerCallContext(HttpContext httpContext, IMethod method, GrpcServerServices services)
    {
        _httpContext = httpContext;
        Method = method;
        _services = services;
        CompressResponse = services.Options.CompressResponses;
        CancellationToken = httpContext.RequestAborted;
    }

    public IMethod Method { get; }

    /// <summary>The peer as gRPC names it, e.g. <c>ipv4:127.0.0.1:53210</c>.</summary>
    public string Peer
    {
        get
        {
            var connection = _httpContext.Connection;
            return connection.RemoteIpAddress switch
            {
                null => "unknown",
                { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{connection.RemotePort}",
                var ip => $"ipv4:{ip}:{connection.RemotePort}",
            };
        }
    }

    /// <summary>When the call must end (UTC), from the client's grpc-timeout; <see cref="DateTime.MaxValue"/> without one.</summary>
    public DateTime Deadline { get; private set; } = DateTime.MaxValue;

    /// <summary>Fires when the client cancels or goes away, or when the deadline passes.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The request's custom metadata (no pseudo-headers, no gRPC protocol headers).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(_httpContext.Request.Headers);

    /// <summary>Trailers sent with the status at the end of the call.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>The request's grpc-encoding header, "" when absent.</summary>
    public string RequestEncoding => _httpContext.Request.Headers[GrpcProtocolConstants.EncodingHeader].ToString();

    /// <summary>
    /// Whether response messages are gzip-compressed when the client accepts gzip. Default from the
    /// server options; must be set before the response headers go out (first message or <see cref="WriteResponseHeadersAsync"/>).
    /// </summary>
    public bool CompressResponse { get; set; }

    /// <summary>
    /// The largest request message of this call, after decompression: the method's limit from the host's
    /// <see cref="IServerCallGate"/>, at most <see cref="Hosting.GrpcServerOptions.MaxReceiveMessageSize"/>.
    /// </summary>
    public int MaxReceiveMessageSize => _receiveLimits.MaxMessageSize;

    /// <summary>State of this call shared between the <see cref="IServerCallGate"/> and the handler (the request's HttpContext.Items).</summary>
    public IDictionary<object, object?> UserState => _httpContext.Items;

    /// <summary>The underlying HTTP request, for what gRPC does not model (client certificate, connection id).</summary>
    public HttpContext GetHttpContext() => _httpContext;

    /// <summary>Sends the response headers now, with <paramref name="headers"/> added. At most once, before the first message.</summary>
    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        BeginWrite();
        try
        {
            if (_responseHeadersSent)
            {
                throw new InvalidOperationException("Response headers have already been sent.");
            }

            StatusWriter.AppendMetadata(_httpContext.Response.Headers, headers);
            PrepareResponseHeaders();
            // On HTTP/2 Kestrel sends the HEADERS frame only when the body is flushed.
            await _httpContext.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndWrite();
        }
    }

    /// <summary>
    /// Reads grpc-timeout and grpc-encoding, sets the message limits, lifts Kestrel's whole-body limits. Throws
    /// <see cref="RpcException"/> for an unsupported encoding.
    /// </summary>
    internal void Initialize(bool streamingRequest)
    {
        _receiveLimits = _services.ReceiveLimitsFor(Method);
        var features = _httpContext.Features;
        // The per-message limit is ours; Kestrel's 30 MB default would count the whole stream.
        var bodySize = features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (streamingRequest && features.Get<IHttpMinRequestBodyDataRateFeature>() is { } dataRate)
        {
            // An idle request stream is normal for gRPC; Kestrel would otherwise reset it after a few seconds.
            dataRate.MinDataRate = null;
        }

        var headers = _httpContext.Request.Headers;
        var encoding = headers[GrpcProtocolConstants.EncodingHeader].ToString();
        var compression = _services.RequestCompression;
        if (!compression.TryGet(encoding, out _requestDecompressor))
        {
            _httpContext.Response.Headers[GrpcProtocolConstants.AcceptEncodingHeader] = compression.AcceptEncoding;
            throw new RpcException(
                new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {compression.AcceptEncoding}"));
        }

        var timeout = headers[GrpcProtocolConstants.TimeoutHeader];
        if (!StringValues.IsNullOrEmpty(timeout))
        {
            StartDeadline(timeout.ToString());
        }
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (IsProtocolHeader(key))
            {
                continue;
            }

            foreach (var value in values)
            {
                try
                {
                    metadata.AddFromWire(key, value ?? string.Empty);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException)
                {
                    // A header gRPC cannot represent (odd key, bad base64) is left out rather than failing the call.
                }
            }
        }

        return metadata;
    }

    private static bool IsProtocolHeader(string key) =>
        key.StartsWith(':')
        || key.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)
        || key.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocolConstants.TeHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocolConstants.TimeoutHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocolConstants.EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || key.Equals(GrpcProtocolConstants.AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase);
}

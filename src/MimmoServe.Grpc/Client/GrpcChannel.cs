using System.Collections.Concurrent;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>
/// A gRPC channel over <see cref="SocketsHttpHandler"/>: <c>http://</c> addresses speak cleartext HTTP/2 with
/// prior knowledge, <c>https://</c> addresses TLS with ALPN <c>h2</c>. The handler pools the connections and
/// opens more when a server's stream limit is reached. Thread-safe; make one per server and reuse it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<IMethod, Uri> _methodUris = new();

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        Invoker = new HttpMessageInvoker(CreateHandler(address, options), disposeHandler: true);
        if (address.Scheme == Uri.UriSchemeHttps && options.TlsServerName is { } serverName)
        {
            // SocketsHttpHandler takes the TLS target host (SNI and the name check) from the Host header,
            // overriding SslOptions.TargetHost; :authority then names the server the same way, as grpc core does.
            AuthorityOverride = serverName + ":" + address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    /// <summary>The Host header (<c>:authority</c>) of every call when <see cref="GrpcChannelOptions.TlsServerName"/> is set; else null.</summary>
    internal string? AuthorityOverride { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"A gRPC address is http:// (cleartext HTTP/2) or https:// (TLS), got '{address}'.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        options.Validate();
        return new GrpcChannel(address, options);
    }

    /// <summary>The call methods over this channel; cheap, holds no state of its own.</summary>
    public CallInvoker CreateCallInvoker() => new(this);

    public void Dispose() => Invoker.Dispose();

    internal Uri GetMethodUri(IMethod method) =>
        _methodUris.GetOrAdd(method, static (m, baseAddress) => new Uri(baseAddress, m.FullName), Address);

    private static SocketsHttpHandler CreateHandler(Uri address, GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            // gRPC has its own compression, redirects and proxies do not apply, cookies are not metadata.
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        };
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = CreateSslOptions(options);
        }

        return handler;
    }

    private static SslClientAuthenticationOptions CreateSslOptions(GrpcChannelOptions options)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = options.RemoteCertificateValidation,
        };

        if (options.ClientCertificate is { } clientCertificate)
        {
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        if (options.TrustedRootCertificates is { Count: > 0 } roots)
        {
            // The chain must end in one of these roots; the host name is still checked by SslStream.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            ssl.CertificateChainPolicy = policy;
        }

        return ssl;
    }
}

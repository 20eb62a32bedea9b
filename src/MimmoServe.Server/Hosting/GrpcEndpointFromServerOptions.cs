using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Server.Hosting;

/// <summary>The gRPC endpoint listens where the host's options say (Mimmo:Port, Mimmo:ListenAddress) with the TLS files of Mimmo:Tls*, whatever the "Grpc" section has.</summary>
internal sealed class GrpcEndpointFromServerOptions : IPostConfigureOptions<GrpcServerOptions>
{
    private readonly IOptions<MimmoServerOptions> _options;

    public GrpcEndpointFromServerOptions(IOptions<MimmoServerOptions> options)
    {
        _options = options;
    }

    public void PostConfigure(string? name, GrpcServerOptions options)
    {
        options.Port = _options.Value.Port;
        options.ListenAddress = _options.Value.ListenAddress;
        // TLS files named by the server's settings (--tls-cert ...) win over the "Grpc" section's.
        if (_options.Value.TlsCertificate is { } certificate)
        {
            options.CertificatePath = certificate;
            options.CertificateKeyPath = _options.Value.TlsKey;
        }

        options.ClientCertificateAuthorityPath = _options.Value.TlsClientCa ?? options.ClientCertificateAuthorityPath;
    }
}

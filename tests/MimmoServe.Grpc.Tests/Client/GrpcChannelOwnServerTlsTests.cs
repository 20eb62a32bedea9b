using System.Security.Cryptography.X509Certificates;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>TLS with ALPN h2 against our own server, whose self-signed certificate is its own CA.</summary>
public sealed class GrpcChannelOwnServerTlsTests(TlsEchoServer server) : IClassFixture<TlsEchoServer>
{
    [Fact]
    public async Task AsyncDuplexStreamingCall_TlsWithTrustedCertificate_Succeeds()
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(server.CaPath!);
        using var channel = GrpcChannel.ForAddress($"https://{server.Target}", new GrpcChannelOptions { TrustedRootCertificates = [certificate], TlsServerName = "localhost" });
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: TestDeadlines.Safe));

        await call.RequestStream.WriteAsync(new EchoRequest { Message = "tls bidi" });
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.CompleteAsync();

        Assert.Equal("tls bidi", call.ResponseStream.Current.Message);
        Assert.False(await call.ResponseStream.MoveNext());
    }
}

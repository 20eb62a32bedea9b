using System.Security.Cryptography.X509Certificates;
using Mimmo.Interop.V1;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>TLS against the Python reference server serving a certificate from a CA made at test time.</summary>
public sealed class GrpcChannelTlsTests : IAsyncLifetime
{
    private TestCertificates? _certificates;
    private PythonEchoServer? _server;

    private TestCertificates Certificates => _certificates!;

    private Uri Address => new($"https://127.0.0.1:{_server!.Port}");

    public async Task InitializeAsync()
    {
        _certificates = await TestCertificates.CreateAsync();
        _server = await PythonEchoServer.StartAsync("--tls-cert", _certificates.ServerCertificatePath, "--tls-key", _certificates.ServerKeyPath);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _certificates?.Dispose();
    }

    [Fact]
    public async Task AsyncUnaryCall_TlsWithTrustedCa_Succeeds()
    {
        using var ca = Certificates.LoadCa();
        using var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { TrustedRootCertificates = [ca], TlsServerName = "localhost" });

        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "over tls" }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal("over tls", reply.Message);
    }

    [Fact]
    public async Task AsyncUnaryCall_TlsWithCustomValidation_CallbackSeesServerCertificate()
    {
        string? seenSubject = null;
        using var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            RemoteCertificateValidation = (_, certificate, _, _) =>
            {
                seenSubject = certificate?.Subject;
                return true;
            },
        });

        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest { Message = "custom" }, new CallOptions(Deadline: TestDeadlines.Safe));

        Assert.Equal("custom", reply.Message);
        Assert.Equal("CN=localhost", seenSubject);
    }

    [Fact]
    public async Task AsyncUnaryCall_TlsWithUntrustedCertificate_ThrowsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { TlsServerName = "localhost" });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_TlsWithWrongServerName_ThrowsUnavailable()
    {
        using var ca = Certificates.LoadCa();
        using var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { TrustedRootCertificates = [ca], TlsServerName = "not-localhost" });

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: TestDeadlines.Safe)));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }
}

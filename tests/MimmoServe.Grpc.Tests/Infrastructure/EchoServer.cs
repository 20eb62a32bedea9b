using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Hosting;

namespace MimmoServe.Grpc.Tests.Infrastructure;

/// <summary>Our gRPC server, in-process on a free loopback port, hosting Echo, health and reflection.</summary>
public class EchoServer : IAsyncLifetime
{
    private readonly bool _tls;
    private readonly TimeProvider? _timeProvider;
    private WebApplication? _app;
    private TestCertificate? _certificate;

    public EchoServer()
        : this(tls: false)
    {
    }

    protected EchoServer(bool tls)
    {
        _tls = tls;
    }

    /// <summary>A plaintext server whose deadlines run on <paramref name="timeProvider"/>.</summary>
    internal EchoServer(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public int Port { get; private set; }

    public string Target => $"127.0.0.1:{Port}";

    /// <summary>The PEM file clients trust when the server speaks TLS.</summary>
    public string? CaPath => _certificate?.CertificatePath;

    internal EchoService Echo => _app!.Services.GetRequiredService<EchoService>();

    internal BehaviourService Behaviour => _app!.Services.GetRequiredService<BehaviourService>();

    public async Task InitializeAsync()
    {
        if (_tls)
        {
            _certificate = new TestCertificate();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("MimmoServe", LogLevel.Warning);
        if (_timeProvider is not null)
        {
            builder.Services.AddSingleton(_timeProvider);
        }

        builder.Services.AddGrpcServer(options =>
        {
            options.Port = 0;
            options.ListenAddress = "127.0.0.1";
            options.CertificatePath = _certificate?.CertificatePath;
            options.CertificateKeyPath = _certificate?.KeyPath;
        }).AddService<EchoService>().AddService<BehaviourService>();
        _app = builder.Build();
        _app.MapGrpcServices();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _certificate?.Dispose();
    }
}

using System.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Services;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// The real server host (<see cref="MimmoServerHost.CreateBuilder"/>, the same as Program.cs) in-process on a free
/// loopback port, with a test model folder, and our gRPC client on a channel to it.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private TestServer(WebApplication app, int port, int adminPort, CapturedLogs logs)
    {
        App = app;
        Port = port;
        AdminPort = adminPort;
        Logs = logs;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Calls = Channel.CreateCallInvoker();
    }

    public WebApplication App { get; }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    /// <summary>The admin listener's port (/metrics, /healthz, /readyz; plain HTTP/1.1).</summary>
    public int AdminPort { get; }

    public CapturedLogs Logs { get; }

    public GrpcChannel Channel { get; }

    public CallInvoker Calls { get; }

    public ModelHost Host => App.Services.GetRequiredService<ModelHost>();

    public ModelRepository Repository => Host.Repository;

    /// <summary>Starts the host on <paramref name="modelsDirectory"/>; <paramref name="waitUntilServing"/> waits for the models to load.</summary>
    /// <param name="services">Changes to the services before the host is built (test hooks such as MimmoServerOptions.BreakOnCpu).</param>
    public static async Task<TestServer> StartAsync(string modelsDirectory, IDictionary<string, string?>? settings = null, bool waitUntilServing = true, Action<IServiceCollection>? services = null)
    {
        var commandLine = CommandLine.Parse(["--port", "0", "--models", modelsDirectory]);
        // An empty environment: the MIMMO_* variables of whoever runs the tests must not change them.
        var builder = MimmoServerHost.CreateBuilder(commandLine, new Hashtable());
        // No call-path warm-up unless a test asks for one: it would add its seconds to every server a test starts.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mimmo:ListenAddress"] = "127.0.0.1", ["Mimmo:AdminPort"] = "0", ["Mimmo:WarmupSeconds"] = "0" });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        services?.Invoke(builder.Services);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.AddFilter<CapturedLogs>("MimmoServe", LogLevel.Debug);
        var app = builder.Build();
        app.MapMimmoServer();
        await app.StartAsync();
        // Two listeners: the gRPC port and the admin port.
        var adminPort = app.Services.GetRequiredService<AdminListener>().Port ?? throw new InvalidOperationException("the admin listener did not bind");
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port);
        var server = new TestServer(app, ports.Single(p => p != adminPort), adminPort, logs);
        if (waitUntilServing)
        {
            await server.Host.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        }

        return server;
    }

    public static DateTime Deadline(double seconds) => DateTime.UtcNow.AddSeconds(seconds);

    /// <param name="exit">The x-mimmo-exit header, when given.</param>
    public Task<PredictResponse> PredictAsync(PredictRequest request, string? mode = null, DateTime? deadline = null, CancellationToken cancellationToken = default, string? exit = null) =>
        Calls.AsyncUnaryCall(InferenceMethods.Predict, request, Options(mode, deadline ?? Deadline(30), cancellationToken, exit)).ResponseAsync;

    /// <param name="exit">The x-mimmo-exit header, when given.</param>
    public AsyncDuplexStreamingCall<PredictRequest, PredictResponse> PredictStream(string? mode = null, DateTime? deadline = null, CancellationToken cancellationToken = default, string? exit = null) =>
        Calls.AsyncDuplexStreamingCall(InferenceMethods.PredictStream, Options(mode, deadline ?? Deadline(60), cancellationToken, exit));

    public Task<ModelInfo> GetModelAsync(string model) =>
        Calls.AsyncUnaryCall(InferenceMethods.GetModel, new GetModelRequest { Model = model }, new CallOptions(Deadline: Deadline(10))).ResponseAsync;

    public Task<ListModelsResponse> ListModelsAsync() =>
        Calls.AsyncUnaryCall(InferenceMethods.ListModels, new ListModelsRequest(), new CallOptions(Deadline: Deadline(10))).ResponseAsync;

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string service) =>
        (await Calls.AsyncUnaryCall(HealthCheck, new HealthCheckRequest { Service = service }, new CallOptions(Deadline: Deadline(10)))).Status;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static CallOptions Options(string? mode, DateTime deadline, CancellationToken cancellationToken, string? exit = null)
    {
        Metadata? headers = null;
        if (mode is not null)
        {
            headers = new Metadata().Add(ModeHeader.Name, mode);
        }

        if (exit is not null)
        {
            headers = (headers ?? new Metadata()).Add(ExitHeader.Name, exit);
        }

        return new(headers, deadline, cancellationToken);
    }
}

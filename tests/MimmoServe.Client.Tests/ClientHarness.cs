using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Client.Tests;

/// <summary>Helpers shared by the client tests: clients with captured logs, servers of the mimo fixture, dead addresses.</summary>
internal static class ClientHarness
{
    /// <summary>A client of <paramref name="addresses"/> whose log lines land in <paramref name="logs"/>; <paramref name="configure"/> changes the rest.</summary>
    public static MimmoClient Client(CapturedLogs logs, IEnumerable<string> addresses, Action<MimmoClientOptions>? configure = null)
    {
        var options = new MimmoClientOptions
        {
            Addresses = [.. addresses],
            LoggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(options);
        return new MimmoClient(options);
    }

    /// <summary>A server of the mimo fixture under the name "mimo".</summary>
    public static async Task<(TestServer Server, TestModels Models)> MimoServerAsync()
    {
        var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        return (await TestServer.StartAsync(models.Directory), models);
    }

    /// <summary>A loopback address nobody listens on: connecting is refused at once (UNAVAILABLE).</summary>
    public static string DeadAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port}";
    }

    public static int Count(CapturedLogs logs, string text) => logs.Lines.Count(l => l.Contains(text, StringComparison.Ordinal));
}

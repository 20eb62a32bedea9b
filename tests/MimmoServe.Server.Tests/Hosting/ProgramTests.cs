using MimmoServe.Protocol;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>The real server process (MimmoServe.Server.dll): help, bad options, exit codes, environment variables, SIGTERM.</summary>
public sealed class ProgramTests
{
    private static readonly string ServerDll = Path.Combine(AppContext.BaseDirectory, "MimmoServe.Server.dll");

    [Fact]
    public async Task Main_Help_PrintsOptionsAndExitsZero()
    {
        var (exit, output) = await RunToEndAsync(["--help"]);

        Assert.Equal(0, exit);
        Assert.Contains("--models DIR", output, StringComparison.Ordinal);
        Assert.Contains("MIMMO_PORT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_UnknownOption_ExitsTwoNamingIt()
    {
        var (exit, output) = await RunToEndAsync(["--prot", "1"]);

        Assert.Equal(2, exit);
        Assert.Contains("unknown option '--prot'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_BadProviderInEnvironment_ExitsTwoNamingTheVariable()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        var (exit, output) = await RunToEndAsync(["--models", models.Directory, "--port", "0"], ("MIMMO_PROVIDER", "gpu"));

        Assert.Equal(2, exit);
        Assert.Contains("MIMMO_PROVIDER", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_NoModelInTheFolder_ExitsOneSayingWhy()
    {
        using var models = new TestModels();
        var (exit, output) = await RunToEndAsync(["--port", "0"], ("MIMMO_MODELS", models.Directory));

        Assert.Equal(1, exit);
        Assert.Contains("cannot serve: no model in", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_PortFromCommandLineOverEnvironment_ServesThenStopsCleanlyOnSigterm()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        var (environmentPort, commandLinePort) = (FreePort(), FreePort());
        using var process = Start(["--port", commandLinePort.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            ("MIMMO_PORT", environmentPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("MIMMO_MODELS", models.Directory));
        var lines = new List<string>();
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null)
        {
            lines.Add(line);
            if (line.Contains("SERVING 1 model(s)", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.Contains(lines, l => l.Contains($"Now listening on: http://0.0.0.0:{commandLinePort}", StringComparison.Ordinal));
        using (var channel = Grpc.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{commandLinePort}"))
        {
            var response = await channel.CreateCallInvoker().AsyncUnaryCall(
                InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "process"), new Grpc.Client.CallOptions(Deadline: TestServer.Deadline(20)));
            Assert.Equal("process", response.Id);
        }

        var kill = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], AppContext.BaseDirectory, TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Stopped: every queued request was answered", rest, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunToEndAsync(string[] args, params (string Name, string Value)[] environment)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static Process Start(string[] args, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "MIMMO_PORT", "MIMMO_MODELS", "MIMMO_PROVIDER", "MIMMO_DEFAULT_MODEL" })
        {
            start.Environment.Remove(name);
        }

        // A free admin port, unless the test sets one: the default 8080 may be taken, and tests run in parallel.
        start.Environment["MIMMO_ADMIN_PORT"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

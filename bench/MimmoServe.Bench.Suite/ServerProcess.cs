using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimmoServe.Client;
using MimmoServe.Grpc.Bench;
using MimmoServe.Grpc.Health.V1;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The server under test: <c>MimmoServe.Server</c> of this build as a child process on a free loopback port, serving
/// one models folder, its admin port on another; ready when its gRPC health says SERVING. Its output goes to a log file, shown if it fails.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private ServerProcess(Process process, int port, int adminPort, string log)
    {
        _process = process;
        Port = port;
        AdminPort = adminPort;
        _log = log;
    }

    public int Port { get; }

    /// <summary>The admin port: /metrics, which the native load reads for the calls that failed.</summary>
    public int AdminPort { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>User and system CPU seconds of the server so far, every thread included.</summary>
    public double CpuSeconds => ProcessCpu.Seconds(_process.Id);

    public static async Task<ServerProcess> StartAsync(SuitePaths paths, string modelsFolder)
    {
        var port = FreePort();
        var adminPort = FreePort();
        var log = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mimmo-suite-server-{Environment.ProcessId}-{port}.log");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { paths.ServerDll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--admin-port", adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--models", modelsFolder },
        };
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, port, adminPort, log);
        await server.WaitUntilServingAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the server drains and exits on its own.
            using (Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        _process.Dispose();
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is not null)
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var client = MimmoClient.Create(Address);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode}; its log: {_log}\n{Tail()}");
            }

            try
            {
                if (await client.CheckHealthAsync(deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false) == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Protocol.RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        throw new TimeoutException($"the server was not SERVING after {timeout.TotalSeconds} s; its log: {_log}\n{Tail()}");
    }

    private string Tail() => File.Exists(_log) ? string.Join('\n', File.ReadLines(_log).TakeLast(20)) : string.Empty;
}

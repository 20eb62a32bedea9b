using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MimmoServe.Grpc.Client;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Load;

/// <summary>
/// The built server (MimmoServe.Server.dll) as a child process on a free loopback port, started and waited for until
/// it logs SERVING; its output is kept; its memory is read from /proc; SIGTERM goes through <c>kill -TERM</c>.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly string ServerDll = Path.Combine(AppContext.BaseDirectory, "MimmoServe.Server.dll");

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, int port)
    {
        Process = process;
        Port = port;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Calls = Channel.CreateCallInvoker();
    }

    public Process Process { get; }

    public int Port { get; }

    public GrpcChannel Channel { get; }

    public CallInvoker Calls { get; }

    /// <summary>Everything the server wrote so far, stdout and stderr interleaved.</summary>
    public string Output => string.Join("\n", _lines);

    /// <summary>Starts the server on <paramref name="modelsDirectory"/> and waits until it serves.</summary>
    public static async Task<ServerProcess> StartAsync(string modelsDirectory, params string[] args)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])[ServerDll, "--port", port.ToString(CultureInfo.InvariantCulture), "--models", modelsDirectory, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MIMMO_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Task.WhenAny(server._serving.Task, process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(server._serving.Task.IsCompleted, "the server did not start:\n" + server.Output);
        return server;
    }

    /// <summary>The resident set size now, from /proc/&lt;pid&gt;/status (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Sends SIGTERM (Process.Kill would be SIGKILL).</summary>
    public async Task TerminateAsync()
    {
        var kill = await Grpc.Tests.Infrastructure.ProcessRunner.RunAsync("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)], AppContext.BaseDirectory, TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await Process.WaitForExitAsync().WaitAsync(timeout);
        // The exit event can come before the last output lines: this overload waits for the redirected streams too.
        Process.WaitForExit();
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (line.Contains("SERVING ", StringComparison.Ordinal) && line.Contains("model(s) on port", StringComparison.Ordinal))
        {
            _serving.TrySetResult();
        }
    }
}

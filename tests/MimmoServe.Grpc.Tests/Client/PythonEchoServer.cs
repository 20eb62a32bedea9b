using System.Diagnostics;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>
/// The Python grpcio reference server (tests/interop/python/echo_server.py) as a child process on a free
/// port. Fails, never skips, when Debian's Python or grpcio is missing: the interop tests are the proof.
/// </summary>
public sealed class PythonEchoServer : IAsyncDisposable
{
    /// <summary>Debian's interpreter, which has grpcio and grpc_tools (the pyenv one on PATH does not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;

    private PythonEchoServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public static async Task<PythonEchoServer> StartAsync(params string[] extraArguments)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3 with python3-grpcio and python3-grpc-tools.");
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-u", Path.Combine(RepoPaths.InteropDir, "python", "echo_server.py"), "--port", "0" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Python);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is not null && line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                return new PythonEchoServer(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }

            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            throw new InvalidOperationException($"echo_server.py did not start (is python3-grpcio installed?): {line}\n{await stderr}");
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new InvalidOperationException($"echo_server.py printed no LISTENING line within {StartTimeout.TotalSeconds} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

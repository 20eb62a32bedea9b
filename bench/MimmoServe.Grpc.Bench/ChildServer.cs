using System.Diagnostics;

namespace MimmoServe.Grpc.Bench;

/// <summary>A server under test as a child process, pinned to its own core when taskset exists; prints "LISTENING port" when ready.</summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _process;

    private ChildServer(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    public double CpuSeconds => ProcessCpu.Seconds(_process.Id);

    public static async Task<ChildServer> StartAsync(string name, string fileName, IEnumerable<string> arguments, Pinning pinning, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = pinning.Start(Pinning.ServerCore, fileName, arguments);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + fileName);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{name} did not start: '{line}'.");
        }

        return new ChildServer(name, process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            // echo_server.py waits for a signal, not for stdin: end it.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

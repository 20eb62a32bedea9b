using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MimmoServe.Server.Tests.Load;

/// <summary>
/// h2load (Debian's nghttp2-client), a native HTTP/2 load generator written by others, sending one pre-encoded gRPC
/// call body over and over: closed loop (<c>-m</c> calls in flight per connection) or at a rate per connection
/// (<c>--rps</c>). It sees HTTP statuses only (a gRPC error is HTTP 200), so callers read gRPC outcomes from the server's
/// metrics. Latencies come from its per-request log. Also linked into bench/MimmoServe.Bench.Suite, whose native load
/// runs one of these per request body: one way to drive h2load.
/// </summary>
internal static partial class H2Load
{
    public const string Program = "h2load";

    public static async Task<Result> RunAsync(int port, string body, int connections, int streams, TimeSpan duration, int? callsPerSecondPerConnection = null)
    {
        var log = Path.Combine(Path.GetTempPath(), $"mimmo-test-h2load-{Guid.NewGuid():N}.tsv");
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-c", connections.ToString(CultureInfo.InvariantCulture), "-m", streams.ToString(CultureInfo.InvariantCulture),
            "-D", $"{(long)duration.TotalMilliseconds}ms", $"--log-file={log}",
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (callsPerSecondPerConnection is { } rps)
        {
            start.ArgumentList.Add($"--rps={rps.ToString(CultureInfo.InvariantCulture)}");
        }

        start.ArgumentList.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/mimmo.v1.Inference/Predict");
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("h2load did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await output;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"h2load exited with {process.ExitCode}: {await errors}\n{text}");
            }

            var finished = FinishedLine().Match(text);
            var requests = RequestsLine().Match(text);
            if (!finished.Success || !requests.Success)
            {
                throw new InvalidOperationException("h2load's output was not understood:\n" + text);
            }

            var value = double.Parse(finished.Groups[1].Value, CultureInfo.InvariantCulture);
            var seconds = finished.Groups[2].Value switch { "ms" => value / 1000, "us" => value / 1e6, _ => value };
            long Count(string name) => long.Parse(requests.Groups[name].Value, CultureInfo.InvariantCulture);
            // The log's columns: start (µs since the epoch), HTTP status, µs until the response's end.
            var latencies = File.Exists(log)
                ? File.ReadLines(log).Select(l => l.Split('\t')).Where(f => f.Length >= 3 && f[1] == "200")
                    .Select(f => long.Parse(f[2], CultureInfo.InvariantCulture) / 1000.0).ToArray()
                : [];
            return new Result(seconds, Count("succeeded"), Count("failed") + Count("errored") + Count("timeout"), latencies, text);
        }
        finally
        {
            File.Delete(log);
        }
    }

    /// <summary>One run: its measured seconds, calls answered with HTTP 2xx and not, each HTTP 200 call's latency in ms, h2load's output.</summary>
    internal sealed record Result(double Seconds, long Succeeded, long Failed, double[] LatenciesMs, string Output)
    {
        public double PerSecond => Succeeded / Seconds;
    }

    [GeneratedRegex(@"finished in ([0-9.]+)(s|ms|us)")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex RequestsLine();
}

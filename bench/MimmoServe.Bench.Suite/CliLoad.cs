using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Drives load with the <c>mimmo bench</c> command users have, as a child process (its CPU is its own), and reads
/// the JSON it writes. Closed loop at a concurrency or open loop (Poisson) at a rate; one operating point k; for a
/// staged model an exit policy over a set of labelled images (<c>--exit</c>, <c>--images</c>). With a warm-up, the
/// process loads the server for that long first (<c>--warmup</c>) and measures after it, so its client CPU leaves out
/// its own start-up and first calls; the server's CPU is read when it prints that the measured window starts and ends.
/// </summary>
internal sealed class CliLoad(SuitePaths paths)
{
    public async Task<LoadResult> RunAsync(
        ServerProcess server, string model, int k, int? concurrency, double? rate, double seconds, string? exit = null, string? images = null, double warmup = 0)
    {
        var json = Path.Combine(Path.GetTempPath(), $"mimmo-suite-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                paths.CliDll, "bench", "--address", server.Address, "--model", model, "--modes", k.ToString(CultureInfo.InvariantCulture),
                "--duration", seconds.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture), "--json", json,
            },
        };
        if (exit is not null)
        {
            start.ArgumentList.Add("--exit");
            start.ArgumentList.Add(exit);
        }

        if (images is not null)
        {
            start.ArgumentList.Add("--images");
            start.ArgumentList.Add(images);
        }

        if (rate is { } r)
        {
            start.ArgumentList.Add("--rate");
            start.ArgumentList.Add(r.ToString("F1", CultureInfo.InvariantCulture));
            start.ArgumentList.Add("--max-in-flight");
            start.ArgumentList.Add("4096");
        }
        else
        {
            start.ArgumentList.Add("--concurrency");
            start.ArgumentList.Add((concurrency ?? 1).ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start mimmo bench");
        var output = new System.Text.StringBuilder();
        double? measuring = null, measured = null;
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                output.AppendLine(line);
                if (line.StartsWith("measuring for", StringComparison.Ordinal))
                {
                    measuring = server.CpuSeconds;
                }
                else if (line == "measured")
                {
                    measured = server.CpuSeconds;
                }
            }
        });
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        var serverCpu = measured - measuring ?? double.NaN;
        if (process.ExitCode != 0 || !File.Exists(json))
        {
            throw new InvalidOperationException($"mimmo bench exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}\n{output}");
        }

        try
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json).ConfigureAwait(false));
            var root = document.RootElement;
            var latency = root.GetProperty("latency_ms");
            return new LoadResult(
                root.GetProperty("loop").GetString()!,
                concurrency,
                rate,
                root.GetProperty("duration_s").GetDouble(),
                root.GetProperty("completed").GetInt64(),
                root.GetProperty("failed").GetInt64(),
                root.GetProperty("throughput_per_s").GetDouble(),
                latency.GetProperty("p50").GetDouble(),
                latency.GetProperty("p90").GetDouble(),
                latency.GetProperty("p99").GetDouble(),
                root.GetProperty("errors_by_status").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()),
                serverCpu,
                root.GetProperty("client_cpu_s").GetDouble(),
                Nullable(root, "accuracy"),
                root.GetProperty("exits") is { ValueKind: JsonValueKind.Object } exits ? exits.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()) : null,
                Nullable(root, "mean_compute_share"));
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static double? Nullable(JsonElement root, string name) =>
        root.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;
}

using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// What the suite reads from the server's Prometheus endpoint: its own count of answered requests by gRPC status
/// (<c>mimmo_requests_total</c>, labels model, mode, status; h2load sees only HTTP statuses, and a gRPC error is HTTP
/// 200 with grpc-status in the trailers, so the suite asks the server how many calls failed), the bytes the process
/// has allocated so far (the runtime's <c>dotnet.gc.heap.total_allocated</c>), for bytes allocated per call, and its
/// compilation and collection so far (<see cref="RuntimeWork"/>).
/// </summary>
internal static class ServerMetrics
{
    private const string Requests = "mimmo_requests_total{";
    private const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total ";
    private const string JitTime = "dotnet_jit_compilation_time_seconds_total ";
    private const string JitMethods = "dotnet_jit_compiled_methods_total ";
    private const string GcPause = "dotnet_gc_pause_time_seconds_total ";

    /// <summary>
    /// One scrape: requests answered so far for <paramref name="model"/> by status name, bytes allocated (null if not
    /// exported), and the runtime's compilation and collection so far (zeros for what is not exported).
    /// </summary>
    public static async Task<(Dictionary<string, long> Requests, long? AllocatedBytes, RuntimeWork Runtime)> ReadAsync(HttpClient http, int adminPort, string model)
    {
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{adminPort}/metrics")).ConfigureAwait(false);
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        long? allocated = null;
        double jitSeconds = 0, gcPause = 0;
        long jitMethods = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Allocated, StringComparison.Ordinal))
            {
                allocated = (long)Value(line);
            }
            else if (line.StartsWith(JitTime, StringComparison.Ordinal))
            {
                jitSeconds = Value(line);
            }
            else if (line.StartsWith(JitMethods, StringComparison.Ordinal))
            {
                jitMethods = (long)Value(line);
            }
            else if (line.StartsWith(GcPause, StringComparison.Ordinal))
            {
                gcPause = Value(line);
            }

            if (!line.StartsWith(Requests, StringComparison.Ordinal) || Label(line, "model") != model)
            {
                continue;
            }

            var status = Label(line, "status") ?? "?";
            byStatus[status] = byStatus.GetValueOrDefault(status) + (long)Value(line);
        }

        return (byStatus, allocated, new RuntimeWork(jitSeconds, jitMethods, gcPause));
    }

    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>After minus before, keeping the statuses that changed.</summary>
    public static Dictionary<string, long> Difference(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(p => (p.Key, Value: p.Value - before.GetValueOrDefault(p.Key))).Where(p => p.Value != 0).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static string? Label(string line, string name)
    {
        var key = name + "=\"";
        var start = line.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += key.Length;
        return line[start..line.IndexOf('"', start)];
    }
}

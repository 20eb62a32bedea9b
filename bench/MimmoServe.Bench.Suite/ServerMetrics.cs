using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The server's own count of answered requests by gRPC status, from its Prometheus endpoint (<c>mimmo_requests_total</c>,
/// labels model, mode, status). h2load sees only HTTP statuses, and a gRPC error is HTTP 200 with grpc-status in the
/// trailers, so the suite asks the server how many calls failed.
/// </summary>
internal static class ServerMetrics
{
    private const string Requests = "mimmo_requests_total{";

    /// <summary>Requests answered so far for <paramref name="model"/>, by status name.</summary>
    public static async Task<Dictionary<string, long>> RequestsAsync(HttpClient http, int adminPort, string model)
    {
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{adminPort}/metrics")).ConfigureAwait(false);
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(Requests, StringComparison.Ordinal) || Label(line, "model") != model)
            {
                continue;
            }

            var status = Label(line, "status") ?? "?";
            var value = long.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            byStatus[status] = byStatus.GetValueOrDefault(status) + value;
        }

        return byStatus;
    }

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

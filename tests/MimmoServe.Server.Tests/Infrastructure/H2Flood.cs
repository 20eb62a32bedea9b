using System.Globalization;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// tests/interop/python/h2_flood.py (Python h2): many calls held open on one raw HTTP/2 connection, each with the same
/// body and no END_STREAM; what each stream ended with, and how long the run took.
/// </summary>
internal static class H2Flood
{
    /// <summary>Runs the script against <paramref name="port"/>; the outcome of each stream: a gRPC status code, RST:code or NONE.</summary>
    public static async Task<Result> RunAsync(int port, string path, params string[] arguments)
    {
        string[] all = ["--port", port.ToString(CultureInfo.InvariantCulture), "--path", path, .. arguments];
        var run = await InteropClients.RunScriptAsync(InteropClients.Python, "h2_flood", all);
        Assert.True(run.ExitCode == 0, "h2_flood: " + run);
        var streams = new List<Stream>();
        double seconds = double.NaN;
        foreach (var line in run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 5);
            if (parts[0] == "STREAM")
            {
                var id = int.Parse(parts[1], CultureInfo.InvariantCulture);
                var messageLength = int.Parse(parts[3], CultureInfo.InvariantCulture);
                streams.Add(new Stream(id, parts[2], messageLength, parts.Length > 4 ? parts[4] : string.Empty));
            }
            else if (parts[0] == "DONE")
            {
                seconds = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        return new Result(streams, seconds, run.StandardOutput);
    }

    internal sealed record Stream(int Id, string Outcome, int MessageLength, string Message);

    internal sealed record Result(IReadOnlyList<Stream> Streams, double Seconds, string Output);
}

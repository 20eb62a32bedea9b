using System.Globalization;
using MimmoServe.Grpc.Bench;

// Transport benchmark (issue 4, item 5): unary Health/Check, server CPU per call, our server and client
// against Python grpcio's. `serve` is the server child this program starts for itself.
if (args is ["serve"])
{
    return await ServeCommand.RunAsync();
}

var options = BenchOptions.Parse(args);
var pinning = Pinning.Detect();
Console.WriteLine("gRPC transport benchmark: unary grpc.health.v1.Health/Check(\"\")");
Console.WriteLine($"machine: {MachineInfo.Describe()}");
Console.WriteLine($"load: {options.Calls} measured calls, {options.Concurrency} in flight, {options.Warmup} warm-up; {pinning}");
Console.WriteLine();

var results = new List<LoadResult>();
async Task MeasureAsync(Func<Task<ChildServer>> startServer)
{
    await using var server = await startServer();
    results.Add(await OwnClientLoad.RunAsync(server, options));
    results.Add(await GrpcioClientLoad.RunAsync(server, options, pinning));
}

const string Ours = "MimmoServe (Kestrel)";
const string OursSpinning = "MimmoServe, default spin limit";
var python = $"Python grpcio ({options.PythonWorkers} workers)";
await MeasureAsync(() => OwnServerLauncher.StartAsync(Ours, pinning, defaultSpinLimit: false));
await MeasureAsync(() => OwnServerLauncher.StartAsync(OursSpinning, pinning, defaultSpinLimit: true));
await MeasureAsync(() => ChildServer.StartAsync(
    python, GrpcioClientLoad.Python, [BenchPaths.EchoServerScript, "--port", "0", "--workers", options.PythonWorkers.ToString(CultureInfo.InvariantCulture), "--no-reflection"], pinning));

Console.WriteLine($"{"server",-32} {"client",-26} {"calls/s",9} {"p50 ms",7} {"p99 ms",7} {"errors",6} {"server CPU µs/call",19} {"vs Python server",17}");
foreach (var r in results)
{
    var reference = results.Single(p => p.Server == python && p.Client == r.Client);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Server,-32} {r.Client,-26} {r.CallsPerSecond,9:F0} {r.P50Ms,7:F2} {r.P99Ms,7:F2} {r.Errors,6} {r.ServerCpuMicrosecondsPerCall,19:F1} {$"{r.CallsPerSecond / reference.CallsPerSecond:F2}x calls/s, {r.ServerCpuMicrosecondsPerCall / reference.ServerCpuMicrosecondsPerCall:F2}x CPU",17}"));
}

var best = results.Where(r => r.Server == Ours).Min(r => r.ServerCpuMicrosecondsPerCall);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"goal: at most 15 µs server CPU per unary call; {Ours}: {best:F1} µs ({(best <= 15 ? "met" : "not met")})."));
return results.Any(r => r.Errors > 0) ? 1 : 0;

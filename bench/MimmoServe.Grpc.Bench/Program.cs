using System.Globalization;
using MimmoServe.Grpc.Bench;

// Transport benchmark (issue 4, item 5): unary Health/Check, server CPU per call, our server and client
// against Python grpcio's. `serve` is the server child this program starts for itself.
if (args is ["serve"])
{
    return await ServeCommand.RunAsync();
}

if (args is ["serve-bare"])
{
    return await BareKestrelCommand.RunAsync();
}

var options = BenchOptions.Parse(args);
var pinning = Pinning.Detect();
Console.WriteLine("gRPC transport benchmark: unary grpc.health.v1.Health/Check(\"\")");
Console.WriteLine($"machine: {MachineInfo.Describe()}; load average {MachineInfo.LoadAverage()} at start");
Console.WriteLine($"load: {options.Calls} measured calls, {options.Concurrency} in flight, {options.Warmup} warm-up, {options.Rounds} rounds per pair; {pinning}");
Console.WriteLine();

var rounds = new List<LoadResult>();
async Task MeasureAsync(Func<Task<ChildServer>> startServer)
{
    await using var server = await startServer();
    for (var round = 0; round < options.Rounds; round++)
    {
        rounds.Add(await OwnClientLoad.RunAsync(server, options));
        rounds.Add(await GrpcioClientLoad.RunAsync(server, options, pinning));
    }
}

const string Ours = "MimmoServe (Kestrel)";
const string OursSpinning = "MimmoServe, default spin limit";
const string Bare = "bare Kestrel (the floor)";
var python = $"Python grpcio ({options.PythonWorkers} workers)";
await MeasureAsync(() => OwnServerLauncher.StartAsync(Ours, pinning, defaultSpinLimit: false));
await MeasureAsync(() => OwnServerLauncher.StartAsync(OursSpinning, pinning, defaultSpinLimit: true));
await MeasureAsync(() => OwnServerLauncher.StartAsync(Bare, pinning, defaultSpinLimit: false, command: "serve-bare"));
await MeasureAsync(() => ChildServer.StartAsync(
    python, GrpcioClientLoad.Python, [BenchPaths.EchoServerScript, "--port", "0", "--workers", options.PythonWorkers.ToString(CultureInfo.InvariantCulture), "--no-reflection"], pinning));

var summaries = rounds.GroupBy(r => (r.Server, r.Client)).Select(g => RoundSummary.Of(g.ToList())).ToList();
Console.WriteLine("Median round by server CPU per call; 'best' is the round with the least server CPU per call.");
Console.WriteLine($"{"server",-31} {"client",-21} {"calls/s",8} {"p50 ms",7} {"p99 ms",7} {"err",4} {"client µs",9} {"server µs",9} {"best",6}  vs Python server (same client)");
foreach (var s in summaries)
{
    var reference = summaries.Single(p => p.Median.Server == python && p.Median.Client == s.Median.Client);
    var r = s.Median;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Server,-31} {r.Client,-21} {r.CallsPerSecond,8:F0} {r.P50Ms,7:F2} {r.P99Ms,7:F2} {s.Errors,4} {r.ClientCpuMicrosecondsPerCall,9:F1} {r.ServerCpuMicrosecondsPerCall,9:F1} {s.Best.ServerCpuMicrosecondsPerCall,6:F1}  {r.CallsPerSecond / reference.Median.CallsPerSecond:F2}x calls/s, {r.ServerCpuMicrosecondsPerCall / reference.Median.ServerCpuMicrosecondsPerCall:F2}x server CPU"));
}

var ours = summaries.Where(s => s.Median.Server == Ours).Min(s => s.Median.ServerCpuMicrosecondsPerCall);
var floor = summaries.Where(s => s.Median.Server == Bare).Min(s => s.Median.ServerCpuMicrosecondsPerCall);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"goal: at most 15 µs server CPU per unary call; {Ours} with our client, median round: {ours:F1} µs ({(ours <= 15 ? "met" : "not met")})."));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floor: bare Kestrel with our client {floor:F1} µs; our layer above it {ours - floor:F1} µs per call."));
return rounds.Any(r => r.Errors > 0) ? 1 : 0;

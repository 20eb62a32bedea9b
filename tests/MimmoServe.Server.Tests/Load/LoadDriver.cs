using System.Diagnostics;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Load;

/// <summary>
/// Drives a server with unary Predict calls on the model "slow" (mimo_slow.onnx: each run loops as often as the item's
/// first value), closed loop (a fixed number of callers, each calling again as soon as it is answered) or open loop
/// (calls started at a fixed rate whatever the answers), and records every call's outcome.
/// </summary>
/// <param name="deadline">The deadline of call number i (the same for all, or mixed).</param>
internal sealed class LoadDriver(CallInvoker calls, float loopCount, Func<int, TimeSpan> deadline)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _completed;

    /// <summary>Calls answered so far, whatever the status.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Completed calls per second with <paramref name="callers"/> closed-loop callers over <paramref name="duration"/>.</summary>
    public async Task<double> MeasureCapacityAsync(int callers, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var started = _clock.Elapsed;
        var outcomes = await ClosedLoopAsync(callers, stop.Token);
        return outcomes.Count(o => o.Code == StatusCode.OK) / (_clock.Elapsed - started).TotalSeconds;
    }

    /// <summary><paramref name="callers"/> callers call back to back until <paramref name="stop"/> is cancelled.</summary>
    public async Task<List<CallOutcome>> ClosedLoopAsync(int callers, CancellationToken stop, Func<CallOutcome, bool>? keepGoing = null)
    {
        var perCaller = await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
        {
            var outcomes = new List<CallOutcome>();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var outcome = await CallAsync($"c{c}-{i}", i);
                outcomes.Add(outcome);
                if (keepGoing is not null && !keepGoing(outcome))
                {
                    break;
                }
            }

            return outcomes;
        }));
        return [.. perCaller.SelectMany(o => o)];
    }

    /// <summary>Starts <paramref name="rate"/> calls per second for <paramref name="duration"/>, then waits for every answer.</summary>
    public async Task<List<CallOutcome>> OpenLoopAsync(double rate, TimeSpan duration)
    {
        var calls = new List<Task<CallOutcome>>();
        var start = _clock.Elapsed;
        while (_clock.Elapsed - start < duration)
        {
            var due = (long)((_clock.Elapsed - start).TotalSeconds * rate);
            while (calls.Count < due)
            {
                calls.Add(CallAsync($"o{calls.Count}", calls.Count));
            }

            // Pacing, not waiting for a condition: the schedule is checked again about every millisecond.
            await Task.Delay(1);
        }

        return [.. await Task.WhenAll(calls)];
    }

    public async Task<CallOutcome> CallAsync(string id, int number = 0)
    {
        using var counted = new Counted(this);
        var started = _clock.Elapsed;
        var request = Requests.Mimo([loopCount, 1, 2, 3], id, ensembleSize: 3, model: "slow", members: false);
        try
        {
            var response = await calls.AsyncUnaryCall(InferenceMethods.Predict, request, new CallOptions(Deadline: DateTime.UtcNow + deadline(number)));
            Assert.Equal(id, response.Id);
            return new CallOutcome(StatusCode.OK, "", (_clock.Elapsed - started).TotalMilliseconds, started.TotalSeconds);
        }
        catch (RpcException e)
        {
            return new CallOutcome(e.StatusCode, e.Status.Detail, (_clock.Elapsed - started).TotalMilliseconds, started.TotalSeconds);
        }
    }

    private readonly struct Counted(LoadDriver driver) : IDisposable
    {
        public void Dispose() => Interlocked.Increment(ref driver._completed);
    }

    /// <summary>The <paramref name="p"/>-th percentile (0-100) of <paramref name="values"/>, nearest rank.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

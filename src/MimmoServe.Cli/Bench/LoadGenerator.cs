using System.Diagnostics;
using MimmoServe.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// Sends Predict calls for <see cref="BenchSettings.Duration"/> and records them. Closed loop: latency from send to
/// answer. Open loop: latency from the arrival's scheduled time, so a server that falls behind is charged for the
/// wait (no coordinated omission). Bounded: it stops sending at the end of the duration and waits for what is out.
/// The items are sent in turn, whichever worker sends next, so that every item is sent about as often.
/// </summary>
internal sealed class LoadGenerator
{
    private readonly MimmoClient _client;
    private readonly BenchSettings _settings;
    private readonly IReadOnlyList<PredictRequest> _requests;
    private readonly IReadOnlyList<int[]>? _labels;
    private readonly BenchRecorder _recorder;
    private long _next = -1;

    /// <param name="requests">The requests (one item each, or batched); calls only read a request, so every call of it shares it.</param>
    /// <param name="labels">Each request's items' true classes, or null.</param>
    public LoadGenerator(
        MimmoClient client, BenchSettings settings, IReadOnlyList<PredictRequest> requests, IReadOnlyList<int[]>? labels, BenchRecorder recorder)
    {
        if (requests.Count == 0 || labels is not null && labels.Count != requests.Count)
        {
            throw new ArgumentException("a benchmark needs at least one item, and one label per item when there are labels.", nameof(requests));
        }

        _client = client;
        _settings = settings;
        _requests = requests;
        _labels = labels;
        _recorder = recorder;
    }

    /// <summary>Runs the load; returns the seconds it sent for.</summary>
    public async Task<double> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (_settings.Rate is { } rate)
        {
            await RunOpenAsync(rate, clock, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var random = new Random(_settings.Seed);
            var workers = Enumerable.Range(0, _settings.Concurrency).Select(i => RunWorkerAsync(new Random(random.Next()), clock, cancellationToken));
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        return clock.Elapsed.TotalSeconds;
    }

    private async Task RunWorkerAsync(Random random, Stopwatch clock, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (clock.Elapsed < _settings.Duration && !cancellationToken.IsCancellationRequested)
        {
            await CallAsync(_settings.Modes.Pick(random.NextDouble()), clock.Elapsed, clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunOpenAsync(double rate, Stopwatch clock, CancellationToken cancellationToken)
    {
        var random = new Random(_settings.Seed);
        var outstanding = new List<Task>();
        var inFlight = 0;
        var next = TimeSpan.Zero;
        while (next < _settings.Duration && !cancellationToken.IsCancellationRequested)
        {
            if (next > clock.Elapsed)
            {
                await Task.Delay(next - clock.Elapsed, cancellationToken).ConfigureAwait(false);
            }

            if (Volatile.Read(ref inFlight) >= _settings.MaxInFlight)
            {
                _recorder.Failure("CLIENT_MAX_IN_FLIGHT");
            }
            else
            {
                Interlocked.Increment(ref inFlight);
                var scheduled = next;
                var mode = _settings.Modes.Pick(random.NextDouble());
                outstanding.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            await CallAsync(mode, scheduled, clock, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref inFlight);
                        }
                    },
                    CancellationToken.None));
            }

            // Exponential gaps: a Poisson process of `rate` arrivals per second.
            next += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / rate);
        }

        await Task.WhenAll(outstanding).ConfigureAwait(false);
    }

    private async Task CallAsync(int mode, TimeSpan start, Stopwatch clock, CancellationToken cancellationToken)
    {
        var item = (int)(Interlocked.Increment(ref _next) % _requests.Count);
        try
        {
            var reply = await _client.PredictAsync(_requests[item], _settings.Modes.Mode(mode), _settings.Exit, cancellationToken: cancellationToken).ConfigureAwait(false);
            _recorder.Success(mode, (clock.Elapsed - start).TotalMilliseconds, reply, _labels?[item]);
        }
        catch (RpcException e)
        {
            _recorder.Failure(e.StatusCode.ToString());
        }
    }
}

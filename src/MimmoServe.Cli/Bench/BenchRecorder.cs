using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// What a benchmark saw: each successful call's latency (ms) per mode, whether its answer matched the item's label
/// (when labels are known), the exit that answered and the compute share it cost, and each failure by status.
/// Thread-safe: the workers record under one lock, held for a few additions.
/// </summary>
internal sealed class BenchRecorder
{
    private readonly Lock _lock = new();
    private readonly List<double>[] _latencies;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly SortedDictionary<uint, long> _exits = [];
    private long _labelled;
    private long _correct;
    private double _computeShare;
    private long _completed;
    private long _failed;

    public BenchRecorder(int modes)
    {
        _latencies = [.. Enumerable.Range(0, modes).Select(_ => new List<double>())];
    }

    public long Completed => Interlocked.Read(ref _completed);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>One answered call; <paramref name="label"/> is the item's true class when known.</summary>
    public void Success(int mode, double milliseconds, PredictResponse reply, int? label)
    {
        lock (_lock)
        {
            _latencies[mode].Add(milliseconds);
            _exits[reply.Exit] = _exits.GetValueOrDefault(reply.Exit) + 1;
            _computeShare += reply.ComputeShare;
            if (label is { } truth)
            {
                _labelled++;
                _correct += reply.ClassIndex == truth ? 1 : 0;
            }
        }

        Interlocked.Increment(ref _completed);
    }

    public void Failure(string status)
    {
        lock (_lock)
        {
            _errors[status] = _errors.GetValueOrDefault(status) + 1;
        }

        Interlocked.Increment(ref _failed);
    }

    /// <summary>Copies of what was recorded.</summary>
    public BenchSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new BenchSnapshot(
                [.. _latencies.Select(l => l.ToArray())],
                new Dictionary<string, long>(_errors, StringComparer.Ordinal),
                new SortedDictionary<uint, long>(_exits),
                _labelled,
                _correct,
                _computeShare);
        }
    }
}

using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Bench;

/// <summary>
/// What a benchmark saw: each successful call's latency (ms) per mode; for each answer (one per item: a batched call
/// has several) whether it matched the item's label (when labels are known), the exit that answered and the compute
/// share it cost; and each failure by status.
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

    /// <summary>Answers so far: items, not calls.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// One answered call: of one item, or of a batched call (<c>items</c>); <paramref name="labels"/> are the items'
    /// true classes when known.
    /// </summary>
    public void Success(int mode, double milliseconds, PredictResponse reply, int[]? labels)
    {
        lock (_lock)
        {
            _latencies[mode].Add(milliseconds);
            if (reply.Items.Count == 0)
            {
                Answer(reply.Exit, reply.ComputeShare, reply.ClassIndex, labels?[0]);
            }
            else
            {
                for (var i = 0; i < reply.Items.Count; i++)
                {
                    var item = reply.Items[i];
                    Answer(item.Exit, item.ComputeShare, item.ClassIndex, labels?[i]);
                }
            }
        }

        Interlocked.Add(ref _completed, Math.Max(1, reply.Items.Count));
    }

    /// <summary>Under the lock.</summary>
    private void Answer(uint exit, float computeShare, int classIndex, int? label)
    {
        _exits[exit] = _exits.GetValueOrDefault(exit) + 1;
        _computeShare += computeShare;
        if (label is { } truth)
        {
            _labelled++;
            _correct += classIndex == truth ? 1 : 0;
        }
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
                _computeShare,
                Completed);
        }
    }
}

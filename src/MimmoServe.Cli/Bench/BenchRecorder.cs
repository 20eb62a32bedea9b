namespace MimmoServe.Cli.Bench;

/// <summary>
/// What a benchmark saw: each successful call's latency (ms) per mode and each failure by status. Thread-safe: the
/// workers record under one lock, held for a list append.
/// </summary>
internal sealed class BenchRecorder
{
    private readonly Lock _lock = new();
    private readonly List<double>[] _latencies;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _completed;
    private long _failed;

    public BenchRecorder(int modes)
    {
        _latencies = [.. Enumerable.Range(0, modes).Select(_ => new List<double>())];
    }

    public long Completed => Interlocked.Read(ref _completed);

    public long Failed => Interlocked.Read(ref _failed);

    public void Success(int mode, double milliseconds)
    {
        lock (_lock)
        {
            _latencies[mode].Add(milliseconds);
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

    /// <summary>Copies of the latencies per mode and of the error counts.</summary>
    public (double[][] Latencies, Dictionary<string, long> Errors) Snapshot()
    {
        lock (_lock)
        {
            return ([.. _latencies.Select(l => l.ToArray())], new Dictionary<string, long>(_errors, StringComparer.Ordinal));
        }
    }
}

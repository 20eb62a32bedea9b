using System.Collections.Concurrent;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Dedicated run threads, as Triton's model-instance threads: a run blocks its thread for as long as ONNX Runtime
/// computes, so runs get threads of their own instead of thread-pool threads that calls need (with runs on the pool,
/// a 2-core host had to raise the pool's minimum so that calls were not queued behind runs). The owner posts work
/// only when it knows a thread is idle (it counts its runs in progress under its own lock, at most <c>count</c>), so
/// posted work never waits here. The threads start with <see cref="Start"/> and end after <see cref="Stop"/>.
/// </summary>
/// <typeparam name="T">What one run takes (a buffer set).</typeparam>
internal sealed class RunWorkers<T>
{
    private readonly BlockingCollection<T> _posted = new(new ConcurrentQueue<T>());
    private readonly Thread[] _threads;
    private readonly Action<T> _run;

    /// <param name="name">Thread name prefix (the model's name), for debuggers and dumps.</param>
    /// <param name="count">Threads: the most runs the owner lets run at once.</param>
    /// <param name="run">Runs one item; must not throw (an exception would end the process, as on any thread).</param>
    public RunWorkers(string name, int count, Action<T> run)
    {
        _run = run;
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"mimmo run {name} #{i}" };
        }
    }

    public void Start()
    {
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Hands <paramref name="item"/> to an idle thread.</summary>
    public void Post(T item) => _posted.Add(item);

    /// <summary>The threads end once what was posted has run. Call once the owner has no run in progress and will post no more.</summary>
    public void Stop() => _posted.CompleteAdding();

    private void Work()
    {
        foreach (var item in _posted.GetConsumingEnumerable())
        {
            _run(item);
        }
    }
}

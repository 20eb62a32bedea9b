using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Batching;

internal sealed partial class StagePipeline
{
    /// <summary>Stage 0 has stopped for good: runs every waiting row without waiting and completes when none is left.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
            _upstreamDone = true;
        }

        Wake();
        return _loop;
    }

    /// <summary>Shutdown's grace ended: every row waiting for a later stage fails Unavailable, and so does any row that arrives later.</summary>
    /// <returns>How many requests were failed.</returns>
    public int Abort() => FailWaiting(ServingErrors.GraceEnded(_name));

    /// <summary>Stops taking rows: every row waiting for a later stage fails with <paramref name="error"/>, and so does any row that arrives later.</summary>
    private int FailWaiting(ServingException error)
    {
        List<StageBuffers> waiting = [];
        lock (_lock)
        {
            _failure ??= error;
            _stopping = true;
            for (var s = 1; s < _queues.Length; s++)
            {
                while (_queues[s]!.Take() is { } buffers)
                {
                    waiting.Add(buffers);
                    _queues[s]!.InFlight++;
                }
            }
        }

        var failed = 0;
        foreach (var buffers in waiting)
        {
            failed += Fail(buffers.Entries, error);
            Finish(buffers);
        }

        Wake();
        return failed;
    }

    /// <summary>Warm-up, before <see cref="Start"/>: runs every waiting row of every later stage inline, shallow to deep.</summary>
    public void Flush()
    {
        for (var s = 1; s < _queues.Length; s++)
        {
            while (true)
            {
                StageBuffers? buffers;
                lock (_lock)
                {
                    buffers = _queues[s]!.Take();
                    if (buffers is null)
                    {
                        break;
                    }

                    _queues[s]!.InFlight++;
                }

                RunStage(s, buffers);
            }
        }
    }
}

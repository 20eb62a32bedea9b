namespace MimmoServe.Serving.Batching;

internal sealed partial class StagePipeline
{
    private async Task LoopAsync()
    {
        try
        {
            while (true)
            {
                var (started, done, sleep) = Choose();
                for (var s = 1; s < _toRun.Length; s++)
                {
                    if (_toRun[s] is { } buffers)
                    {
                        _toRun[s] = null;
                        _ = Task.Run(() => RunStage(buffers.Stage, buffers));
                    }
                }

                if (done)
                {
                    break;
                }

                if (started)
                {
                    // Choose again at once: a stage may hold more full sets than one run takes.
                    continue;
                }

                _timer.Change(sleep, Timeout.InfiniteTimeSpan);
                Sleeping?.Invoke(sleep);
                await _wake.Reader.ReadAsync().ConfigureAwait(false);
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            BatcherLog.LoopFailed(_logger, e, _name);
            FailWaiting(new Errors.ServingException(Errors.ServingErrorKind.Internal, $"The stage pipeline of model '{_name}' failed: {e.Message}", e));
        }
        finally
        {
            _timer.Dispose();
        }
    }

    /// <summary>
    /// Under the lock, shallow to deep: takes at most one set per stage to run (into <c>_toRun</c>); says whether any
    /// was taken, whether the pipeline is done (stopping, nothing waiting or running, stage 0 finished), and otherwise
    /// how long until the oldest waiting row's delay ends.
    /// </summary>
    private (bool Started, bool Done, TimeSpan Sleep) Choose()
    {
        var sleep = Timeout.InfiniteTimeSpan;
        var started = false;
        var busy = false;
        lock (_lock)
        {
            // Whether a shallower stage may still send rows to stage s: stage 0 queued or running, or any stage before s.
            var upstream = Volatile.Read(ref _upstreamRuns) > 0 || (!_upstreamDone && _upstreamQueued());
            for (var s = 1; s < _queues.Length; s++)
            {
                var queue = _queues[s]!;
                if (queue.HasRows && queue.InFlight < RunsAtOncePerStage)
                {
                    var waited = _time.GetElapsedTime(queue.OldestTimestamp);
                    if (queue.HasFull || _stopping || !upstream || waited >= _config.MaxQueueDelay)
                    {
                        _toRun[s] = queue.Take();
                        queue.InFlight++;
                        started = true;
                    }
                    else
                    {
                        var left = _config.MaxQueueDelay - waited;
                        sleep = sleep == Timeout.InfiniteTimeSpan || left < sleep ? left : sleep;
                    }
                }

                busy |= queue.HasRows || queue.InFlight > 0;
                upstream |= queue.HasRows || queue.InFlight > 0;
            }

            return (started, _stopping && _upstreamDone && !busy && Volatile.Read(ref _upstreamRuns) == 0, sleep);
        }
    }
}

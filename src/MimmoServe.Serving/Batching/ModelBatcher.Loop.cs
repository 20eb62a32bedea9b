using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Batching;

internal sealed partial class ModelBatcher
{
    private async Task LoopAsync()
    {
        try
        {
            while (true)
            {
                // A free buffer set first: while both run, waiting inputs pile up into a fuller next batch.
                var buffers = await _free.Reader.ReadAsync().ConfigureAwait(false);
                if (!await WaitForBatchAsync().ConfigureAwait(false))
                {
                    _free.Writer.TryWrite(buffers);
                    break;
                }

                Form(buffers);
                if (buffers.Count == 0)
                {
                    _free.Writer.TryWrite(buffers);
                    continue;
                }

                _ = Task.Run(() => Execute(buffers));
            }

            // Drained: wait until every buffer set is back, i.e. every run has completed its requests.
            for (var i = 0; i < BufferCount; i++)
            {
                await _free.Reader.ReadAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            BatcherLog.LoopFailed(_logger, e, _name);
            FailQueued(new ServingException(ServingErrorKind.Internal, $"The batcher of model '{_name}' failed: {e.Message}", e));
        }
        finally
        {
            _timer.Dispose();
        }

        // Stage 0 is done: the later stages run what waits for them without waiting for more.
        if (_pipeline is not null)
        {
            await _pipeline.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sleeps until a batch should form (true) or the batcher has stopped with nothing left (false).</summary>
    private async ValueTask<bool> WaitForBatchAsync()
    {
        while (true)
        {
            TimeSpan sleep;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    if (_stopping)
                    {
                        return false;
                    }

                    sleep = Timeout.InfiniteTimeSpan;
                }
                else if (_stopping || _queuedSlots >= _capacitySlots)
                {
                    return true;
                }
                else
                {
                    sleep = _config.MaxQueueDelay - _time.GetElapsedTime(_queue.Peek().AcceptedTimestamp);
                    if (sleep <= TimeSpan.Zero)
                    {
                        return true;
                    }
                }
            }

            _timer.Change(sleep, Timeout.InfiniteTimeSpan);
            Sleeping?.Invoke(sleep);
            await _wake.Reader.ReadAsync().ConfigureAwait(false);
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Packs waiting requests in arrival order into <paramref name="buffers"/> until the next one does not fit.
    /// Requests already dropped (cancelled) are skipped; those past their deadline are dropped, never run.
    /// </summary>
    private void Form(BatchBuffers buffers)
    {
        _packer.Reset();
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            while (_queue.TryPeek(out var request))
            {
                if (request.IsQueued && (request.Deadline is null || request.Deadline > now))
                {
                    if (!_packer.TryFind(request.EnsembleSize, out var row, out var group))
                    {
                        break;
                    }

                    Dequeue();
                    if (request.TryTake())
                    {
                        _packer.Commit(row, group);
                        buffers.Add(request, row, group);
                    }
                }
                else
                {
                    Dequeue();
                    _expired.Add(request);
                }
            }
        }

        // Completions outside the lock. TryDrop does nothing to a request that a cancellation already dropped.
        foreach (var request in _expired)
        {
            if (request.TryDrop(ServingErrorKind.DeadlineExceeded))
            {
                RecordShed(Telemetry.ShedReason.Deadline);
            }
        }

        _expired.Clear();
        buffers.Seal(_packer);
        if (buffers.Count > 0)
        {
            // Counted from here, not from the run's start, so the later stages wait for these rows.
            _pipeline?.BeginUpstream();
        }
    }

    private void Dequeue() => _queuedSlots -= _queue.Dequeue().EnsembleSize;

    /// <summary>Stops the batcher and fails every request still queued (dropped ones are already answered); returns how many it failed.</summary>
    private int FailQueued(ServingException error)
    {
        List<PendingRequest> failed;
        lock (_lock)
        {
            _stopping = true;
            failed = [.. _queue];
            _queue.Clear();
            _queuedSlots = 0;
        }

        var count = 0;
        foreach (var request in failed)
        {
            if (request.TryTake())
            {
                request.ReturnItem();
                request.Fail(error);
                count++;
            }
        }

        return count;
    }
}

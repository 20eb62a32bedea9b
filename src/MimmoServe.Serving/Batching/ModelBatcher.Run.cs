using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Batching;

internal sealed partial class ModelBatcher
{
    /// <summary>
    /// Runs one sealed batch, unbinds and completes each of its requests, then gives the buffers back. A failed run
    /// fails this batch's requests only. Runs on the thread pool (or inline during warm-up); never under the lock.
    /// </summary>
    private void Execute(BatchBuffers buffers)
    {
        Interlocked.Increment(ref _runs);
        var start = _time.GetTimestamp();
        Exception? failure = null;
        try
        {
            _runner.Run(buffers, _abort.Token);
        }
        catch (Exception e)
        {
            failure = e;
        }

        var elapsed = _time.GetElapsedTime(start);
        var compute = (long)elapsed.TotalMicroseconds;
        RecordRun(buffers, start, elapsed);
        _pipeline?.RecordStageRun(0, buffers.Rows);
        if (failure is not null)
        {
            BatcherLog.RunFailed(_logger, failure, _name, buffers.Rows, buffers.Count);
            var error = ServingErrors.RunFailed(_name, failure, _abort.IsCancellationRequested, buffers.Rows, buffers.Count);
            for (var i = 0; i < buffers.Count; i++)
            {
                buffers.Request(i).Fail(error);
            }
        }
        else if (_pipeline is not null)
        {
            RecordRunTime(elapsed);
            _pipeline.SettleFirst(buffers, start, elapsed);
        }
        else
        {
            RecordRunTime(elapsed);
            for (var i = 0; i < buffers.Count; i++)
            {
                var request = buffers.Request(i);
                try
                {
                    var timing = new PredictionTiming((long)_time.GetElapsedTime(request.AcceptedTimestamp, start).TotalMicroseconds, compute, buffers.Rows, buffers.Count);
                    request.Complete(Unbind(buffers, i, timing));
                }
                catch (Exception e)
                {
                    request.Fail(new ServingException(ServingErrorKind.Internal, $"Model '{_name}': unbinding failed: {e.Message}", e));
                }
            }
        }

        buffers.Clear();
        _free.Writer.TryWrite(buffers);
        _pipeline?.EndUpstream();
    }

    private void RecordRunTime(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _runEstimateTicks = _runEstimateTicks == 0 ? elapsed.Ticks : _runEstimateTicks + (RunEstimateWeight * (elapsed.Ticks - _runEstimateTicks));
        }
    }

    private Prediction Unbind(BatchBuffers buffers, int i, PredictionTiming timing)
    {
        var request = buffers.Request(i);
        var members = buffers.Members(i);
        var probabilities = new float[_contract.NumClasses];
        var (uncertainty, chosen) = EnsembleAverager.Average(_contract, buffers.RowLogits(i), members, buffers.Scratch, probabilities);
        var memberPredictions = request.ReturnMembers ? EnsembleAverager.Members(_contract, members, buffers.Scratch) : [];
        return Answers.Build(_name, _contract, request, probabilities, chosen, uncertainty, members, memberPredictions, timing, _contract.Exits - 1, 1f, []);
    }
}

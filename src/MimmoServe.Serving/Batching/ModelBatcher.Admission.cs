using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Batching;

internal sealed partial class ModelBatcher
{
    /// <summary>Weight of the newest run in <see cref="RunEstimate"/>'s moving average.</summary>
    internal const double RunEstimateWeight = 0.2;

    /// <summary>
    /// Share of the time left before the deadline that the runs ahead may fill. The rest is for what the estimate does
    /// not see: the deadline reached the server after the client set it, the answer still has to travel back, and
    /// under load threads wait for a core. 0.75 kept admitted-but-late calls under 1% at three times capacity on
    /// the 2-core test machine (Load/OverloadTests).
    /// </summary>
    internal const double AdmissionHeadroom = 0.75;

    /// <summary>
    /// Admission by deadline (under <c>_lock</c>): a request whose deadline is nearer than the runs needed for the
    /// inputs ahead of it plus its own (runs of max_rows_per_run × M slots, each <see cref="RunEstimate"/> long) take
    /// more than <see cref="AdmissionHeadroom"/> of the time it has left is refused now, DeadlineExceeded: the caller would get that status anyway, later, after the
    /// request had taken a place in the queue and perhaps a run. Only with work ahead: a request that would run next
    /// is always admitted, as the estimate is not a promise. The batch delay is left out: it only bounds the wait, as
    /// later requests may fill the run sooner. Two runs may overlap (one per buffer set) and the estimate does not
    /// divide by that: on the shared 2-core test machine the overlap gained much less than 2x, and dividing let
    /// 16% of admitted calls miss their deadline at three times capacity instead of about 1%. So a machine where
    /// overlapping runs do double the throughput refuses some requests that could have made it. Null to admit.
    /// </summary>
    private ServingException? CannotMeetDeadline(PendingRequest request)
    {
        if (request.Deadline is not { } deadline || _queuedSlots == 0 || _runEstimateTicks == 0)
        {
            return null;
        }

        var runs = (_queuedSlots + request.EnsembleSize + _capacitySlots - 1) / _capacitySlots;
        var estimate = TimeSpan.FromTicks((long)(runs * _runEstimateTicks));
        var remaining = deadline - _time.GetUtcNow();
        return estimate <= remaining * AdmissionHeadroom ? null : ServingErrors.DeadlineUnmeetable(_name, _queue.Count, estimate, remaining);
    }
}

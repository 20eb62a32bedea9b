using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// Admission by deadline, a queue policy kept apart from batch formation (Triton has none): the expected duration of
/// one run, an exponentially weighted moving average, and the refusal of a request whose deadline the runs ahead of it
/// cannot meet. Not thread-safe: the batcher calls every member under its lock, with the queue's counts it guards.
/// </summary>
internal sealed class DeadlineAdmission(string model, int capacitySlots, TimeProvider time)
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

    private double _estimateTicks;

    /// <summary>
    /// The expected duration of one run: a moving average of the successful runs (weight <see cref="RunEstimateWeight"/>
    /// on the newest), seeded by the last warm-up run (<see cref="Reset"/> before each). Zero before any run.
    /// </summary>
    public TimeSpan RunEstimate => TimeSpan.FromTicks((long)_estimateTicks);

    /// <summary>Forgets the estimate: the next run seeds it (the first runs of a session are its slowest).</summary>
    public void Reset() => _estimateTicks = 0;

    /// <summary>Counts a successful run of <paramref name="elapsed"/>.</summary>
    public void Record(TimeSpan elapsed) =>
        _estimateTicks = _estimateTicks == 0 ? elapsed.Ticks : _estimateTicks + (RunEstimateWeight * (elapsed.Ticks - _estimateTicks));

    /// <summary>
    /// A request whose deadline is nearer than the runs needed for the inputs ahead of it plus its own (runs of
    /// max_rows_per_run × M slots, each <see cref="RunEstimate"/> long) take more than <see cref="AdmissionHeadroom"/>
    /// of the time it has left is refused now, DeadlineExceeded: the caller would get that status anyway, later, after
    /// the request had taken a place in the queue and perhaps a run. Only with work ahead: a request that would run next
    /// is always admitted, as the estimate is not a promise. The batch delay is left out: it only bounds the wait, as
    /// later requests may fill the run sooner. Two runs may overlap (one per runner) and the estimate does not divide by
    /// that: on the shared 2-core test machine the overlap gained much less than 2x, and dividing let 16% of admitted
    /// calls miss their deadline at three times capacity instead of about 1%. So a machine where overlapping runs do
    /// double the throughput refuses some requests that could have made it.
    /// </summary>
    /// <param name="request">The request to admit.</param>
    /// <param name="inputsAhead">Inputs queued ahead of it.</param>
    /// <param name="slotsAhead">Their slots.</param>
    /// <returns>The refusal, or null to admit.</returns>
    public ServingException? Refusal(PendingRequest request, int inputsAhead, int slotsAhead)
    {
        if (request.Deadline is not { } deadline || slotsAhead == 0 || _estimateTicks == 0)
        {
            return null;
        }

        var runs = (slotsAhead + request.EnsembleSize + capacitySlots - 1) / capacitySlots;
        var estimate = TimeSpan.FromTicks((long)(runs * _estimateTicks));
        var remaining = deadline - time.GetUtcNow();
        return estimate <= remaining * AdmissionHeadroom ? null : ServingErrors.DeadlineUnmeetable(model, inputsAhead, estimate, remaining);
    }
}

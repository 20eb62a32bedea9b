using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// What follows a successful stage-0 run, chosen when the model is loaded: <see cref="PlainCompletion"/> unbinds and
/// answers every request; <see cref="StagedCompletion"/> settles exit 0 and hands the rows that go on to the stage
/// pipeline. The batcher calls it from its run threads (several at once), and for its own life cycle (start, stop,
/// abort), so that it never asks which kind of model it serves.
/// </summary>
internal interface IRunCompletion
{
    /// <summary>Where answers per exit and rows per stage are recorded; null until the repository sets it after warm-up.</summary>
    ServingMetrics? Metrics { set; }

    /// <summary>The outputs of one buffer set; called once per runner, at load.</summary>
    IRunOutputs CreateOutputs(int maxRows);

    /// <summary>Counts a stage-0 run of <paramref name="rows"/> rows, failed or not.</summary>
    void Counted(int rows);

    /// <summary>
    /// The run succeeded: answers (or passes on) every request of <paramref name="buffers"/>. A request whose own answer
    /// fails is failed here; an exception thrown out of this method fails the requests not yet answered (the batcher's).
    /// </summary>
    void Complete(BatchBuffers buffers, in RunFacts run);

    /// <summary>A stage-0 run's buffer set is free again (a staged pipeline may now run what it was waiting for).</summary>
    void RunEnded();

    /// <summary>
    /// After warm-up: starts whatever runs after stage 0. <paramref name="upstreamBusy"/> says whether stage 0 has
    /// requests queued or runs in progress.
    /// </summary>
    void Start(Func<bool> upstreamBusy);

    /// <summary>Warm-up, before <see cref="Start"/>: runs inline whatever a warm-up run left for later stages.</summary>
    void Flush();

    /// <summary>Stage 0 has stopped for good: completes when everything handed on has been answered.</summary>
    Task StopAsync();

    /// <summary>Shutdown's grace ended: fails (Unavailable) what waits after stage 0 and stops its runs; returns how many requests failed.</summary>
    int Abort();

    /// <summary>Runs of a later stage (s >= 1), warm-up included; 0 for a model that is not staged.</summary>
    long StageRuns(int stage);

    /// <summary>Rows run by stage <paramref name="stage"/>, warm-up included; null for a model that is not staged.</summary>
    long? StageRows(int stage);
}

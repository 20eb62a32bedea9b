using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The completion of a staged model (family jeidnn): after stage 0 ran, each request decides at exit 0 (answered at
/// once, or goes on with its row), and the rows that go on are handed to the <see cref="StagePipeline"/> together, in
/// one step, so that its loop sees the whole run's rows at once.
/// </summary>
internal sealed class StagedCompletion(StagePipeline pipeline, ModelContract contract) : IRunCompletion
{
    private readonly ModelStages _stages = contract.Stages ?? throw new ArgumentException("the model is not staged", nameof(contract));

    public ServingMetrics? Metrics
    {
        set => pipeline.Metrics = value;
    }

    public IRunOutputs CreateOutputs(int maxRows) => new StageOutputs(contract, _stages.First, maxRows);

    public void Counted(int rows) => pipeline.RecordStageRun(0, rows);

    public void Complete(BatchBuffers buffers, in RunFacts run)
    {
        var outputs = (StageOutputs)buffers.Outputs;
        var count = 0;
        // Row by row, so that the requests kept are grouped by row as the pipeline copies them.
        for (var row = 0; row < buffers.Rows; row++)
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                if (buffers.RowOf(i) == row)
                {
                    pipeline.Decider.Decide(0, outputs, new RowEntry(buffers.Request(i), row, buffers.Members(i), TimeSpan.Zero), run, ref count);
                }
            }
        }

        pipeline.Enqueue(1, outputs, outputs.Scratch.Kept.AsSpan(0, count));
    }

    public void RunEnded() => pipeline.Wake();

    public void Start(Func<bool> upstreamBusy) => pipeline.Start(upstreamBusy);

    public void Flush() => pipeline.Flush();

    public Task StopAsync() => pipeline.StopAsync();

    public int Abort() => pipeline.Abort();

    public long StageRuns(int stage) => pipeline.StageRuns(stage);

    public long? StageRows(int stage) => pipeline.StageRows(stage);
}

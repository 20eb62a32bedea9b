using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// The completion of a model that is not staged: every request of a run is unbound from the run's output and answered,
/// averaged as a distribution (<see cref="EnsembleAverager"/>) or, of a regression model, per target (<see cref="RegressionAverager"/>).
/// </summary>
internal sealed class PlainCompletion(string name, ModelContract contract, TimeProvider time) : IRunCompletion
{
    public ServingMetrics? Metrics { set { } }

    public IRunOutputs CreateOutputs(int maxRows) => new PlainOutputs(contract, maxRows);

    public void Counted(int rows)
    {
    }

    public void Complete(BatchBuffers buffers, in RunFacts run)
    {
        var outputs = (PlainOutputs)buffers.Outputs;
        var compute = (long)run.Elapsed.TotalMicroseconds;
        for (var i = 0; i < buffers.Count; i++)
        {
            var request = buffers.Request(i);
            try
            {
                var queue = (long)time.GetElapsedTime(request.AcceptedTimestamp, run.Start).TotalMicroseconds;
                var timing = new PredictionTiming(queue, compute, run.Rows, run.Requests);
                request.Complete(Unbind(request, outputs.Logits(buffers.RowOf(i)), buffers.Members(i), outputs.Scratch, timing));
            }
            catch (Exception e)
            {
                request.Fail(new ServingException(ServingErrorKind.Internal, $"Model '{name}': unbinding failed: {e.Message}", e));
            }
        }
    }

    public void RunEnded()
    {
    }

    public void Start(Func<bool> upstreamBusy)
    {
    }

    public void Flush()
    {
    }

    public Task StopAsync() => Task.CompletedTask;

    public int Abort() => 0;

    public long StageRuns(int stage) => 0;

    public long? StageRows(int stage) => null;

    private Prediction Unbind(PendingRequest request, ReadOnlySpan<float> logits, ulong members, float[] scratch, PredictionTiming timing)
    {
        if (contract.Regression is not null)
        {
            var targets = RegressionAverager.Average(contract, logits, members);
            var outputs = request.ReturnMembers ? RegressionAverager.Members(contract, logits, members) : [];
            return Answers.BuildRegression(name, request, targets, members, outputs, timing, contract.Exits - 1);
        }

        var probabilities = new float[contract.NumClasses];
        var (uncertainty, chosen) = EnsembleAverager.Average(contract, logits, members, scratch, probabilities);
        var memberPredictions = request.ReturnMembers ? EnsembleAverager.Members(contract, members, scratch) : [];
        return Answers.Build(name, contract, request, probabilities, chosen, uncertainty, members, memberPredictions, timing, contract.Exits - 1, 1f, []);
    }
}

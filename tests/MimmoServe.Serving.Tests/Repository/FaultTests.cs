using System.Diagnostics;
using MimmoServe.Onnx;
using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Repository;

/// <summary>
/// Faults on real sessions: the run timeout (mimo_slow.onnx: a run loops as many times as the largest input value),
/// the execution provider's circuit breaker (mimo_fail.onnx: a run fails when an input value is >= 1000) and the end
/// of a shutdown's grace period.
/// </summary>
public sealed class FaultTests : IDisposable
{
    // About 3 µs per iteration: tens of seconds unless something stops the run.
    private const float Endless = 1e7f;
    private const float Failing = 5000;

    private readonly string _dir = Directory.CreateTempSubdirectory("mimmo-faults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task PredictAsync_RunLongerThanRunTimeout_StoppedDeadlineExceededAndTheSessionStillServes()
    {
        AddModel("slow", "mimo_slow.onnx", """{"run_timeout_ms": 200, "intra_op_threads": 1}""");
        await using var repository = await Load();
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ServingException>(() => repository.PredictAsync(Input("endless", Endless, "slow")));

        Assert.Equal(ServingErrorKind.DeadlineExceeded, error.Kind);
        Assert.Contains("run_timeout_ms (200 ms) and was stopped", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the run was stopped after {watch.Elapsed}");
        var after = await repository.PredictAsync(Input("after", 4, "slow"));
        Expect.Served(after, [4, 1, 2, 3], [0, 1, 2]);
    }

    [Fact]
    public async Task PredictAsync_RepeatedRunFailuresWithBreaker_ModelMovesToANewCpuSessionAndServes()
    {
        AddModel("flaky", "mimo_fail.onnx", """{"intra_op_threads": 1}""");
        await using var repository = await Load(breakOnCpu: true);
        var model = repository.Get("flaky");
        Assert.Null(model.ExecutionProvider.Reason);

        for (var i = 0; i < FailoverBatchRunner.MinimumThroughput; i++)
        {
            Assert.False(model.Failover!.FailedOver);
            var error = await Assert.ThrowsAsync<ServingException>(() => repository.PredictAsync(Input($"bad{i}", Failing, "flaky")));
            Assert.Equal(ServingErrorKind.Internal, error.Kind);
        }

        Assert.True(model.Failover!.FailedOver);
        Assert.Equal(ExecutionProvider.Cpu, model.ExecutionProvider.Actual);
        Assert.StartsWith("circuit breaker: runs on Cpu kept failing", model.ExecutionProvider.Reason, StringComparison.Ordinal);
        Assert.Contains("Gather", model.ExecutionProvider.Reason, StringComparison.Ordinal);
        Expect.Served(await repository.PredictAsync(Input("good", 7, "flaky")), [7, 1, 2, 3], [0, 1, 2]);
    }

    [Fact]
    public async Task PredictAsync_RepeatedRunFailuresOnCpuSession_NoBreakerEachBatchFailsAlone()
    {
        AddModel("flaky", "mimo_fail.onnx", """{"intra_op_threads": 1}""");
        await using var repository = await Load();
        var model = repository.Get("flaky");

        for (var i = 0; i < 2 * FailoverBatchRunner.MinimumThroughput; i++)
        {
            await Assert.ThrowsAsync<ServingException>(() => repository.PredictAsync(Input($"bad{i}", Failing, "flaky")));
        }

        Assert.False(model.Failover!.FailedOver);
        Assert.Null(model.ExecutionProvider.Reason);
        Expect.Served(await repository.PredictAsync(Input("good", 7, "flaky")), [7, 1, 2, 3], [0, 1, 2]);
    }

    [Fact]
    public async Task Abort_RunsInProgressAndRequestsQueued_AllFailUnavailableAndStopCompletes()
    {
        // One request per run; two runs at once (two buffer sets), so the third waits in the queue.
        AddModel("slow", "mimo_slow.onnx", """{"max_rows_per_run": 1, "run_timeout_ms": 600000, "intra_op_threads": 1}""");
        await using var repository = await Load();
        var model = repository.Get("slow");
        var warmUpRuns = model.Runs;
        var tasks = Enumerable.Range(0, 3).Select(i => repository.PredictAsync(Input($"r{i}", Endless, "slow"))).ToArray();
        Assert.True(SpinWait.SpinUntil(() => model.Runs == warmUpRuns + 2 && model.QueueLength == 1, TimeSpan.FromSeconds(20)));
        var stopped = repository.StopAsync();
        var watch = Stopwatch.StartNew();

        Assert.Equal(1, repository.Abort());

        foreach (var task in tasks)
        {
            var error = await Assert.ThrowsAsync<ServingException>(() => task);
            Assert.Equal(ServingErrorKind.Unavailable, error.Kind);
            Assert.Contains("grace period ended", error.Message, StringComparison.Ordinal);
        }

        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the runs stopped after {watch.Elapsed}");
    }

    private static PredictInput Input(string id, float first, string model) =>
        new() { Id = id, Model = model, Shape = [4], Data = [first, 1, 2, 3], EnsembleSize = 3 };

    private Task<ModelRepository> Load(bool breakOnCpu = false) =>
        ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir, BreakOnCpu = breakOnCpu }, OnnxRuntime.Shared);

    private void AddModel(string name, string fixture, string config)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        File.Copy(Fixtures.Path(fixture), Path.Combine(folder, ModelRepository.ModelFileName));
        File.WriteAllText(Path.Combine(folder, ModelConfig.FileName), config);
    }
}

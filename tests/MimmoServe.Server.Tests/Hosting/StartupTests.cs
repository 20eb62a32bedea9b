using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>Start-up: NOT_SERVING until the models are loaded, logs of what was loaded and what failed, and a host that cannot serve stops with exit code 1.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_ModelStillLoading_NotServingAndUnavailableUntilLoaded()
    {
        using var models = new TestModels();
        var folder = Path.Combine(models.Directory, "mimo");
        Directory.CreateDirectory(folder);
        var fifo = Path.Combine(folder, "model.onnx");
        // A named pipe: loading blocks until the test writes the model into it.
        var mkfifo = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync("mkfifo", [fifo], models.Directory, TimeSpan.FromSeconds(10));
        Assert.Equal(0, mkfifo.ExitCode);
        await using var server = await TestServer.StartAsync(models.Directory, waitUntilServing: false);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await server.HealthAsync(""));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await server.HealthAsync("mimmo.v1.Inference"));
        var error = await Assert.ThrowsAsync<RpcException>(() => server.PredictAsync(Requests.Mimo([1, 2, 3, 4])));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("loading", error.Status.Detail, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(fifo, await File.ReadAllBytesAsync(TestModels.Fixture("mimo.onnx")));
        await server.Host.Ready.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await server.HealthAsync(""));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await server.HealthAsync("mimmo.v1.Inference/mimo"));
        Assert.Equal(3u, (await server.PredictAsync(Requests.Mimo([1, 2, 3, 4]))).EnsembleSize);
    }

    [Fact]
    public async Task Start_OneGoodOneBrokenModel_LogsWhatWasLoadedOnWhichProviderAndWhatFailed()
    {
        using var models = new TestModels().Add("good", TestModels.Fixture("mimo.onnx")).Add("broken", TestModels.Fixture("mimo_bad_json.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory);

        var logs = string.Join("\n", server.Logs.Lines);
        Assert.Contains("ONNX Runtime 1.", logs, StringComparison.Ordinal);
        Assert.Contains("Model good loaded from", logs, StringComparison.Ordinal);
        Assert.Contains("on Cpu", logs, StringComparison.Ordinal);
        Assert.Matches("Model broken is not served .*mimmo.exit_weights", logs);
        Assert.Contains("SERVING 1 model(s)", logs, StringComparison.Ordinal);
        Assert.Equal(["good"], (await server.ListModelsAsync()).Models.Select(m => m.Name));
    }

    [Fact]
    public async Task Start_NoModelLoads_StopsWithExitCodeOneAndTheReason()
    {
        using var models = new TestModels().Add("broken", TestModels.Fixture("mimo_missing_key.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory, waitUntilServing: false);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => server.Host.Ready.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("could be loaded", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Host.ExitCode);
        Assert.Contains(server.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("cannot serve", StringComparison.Ordinal));
        var lifetime = (Microsoft.Extensions.Hosting.IHostApplicationLifetime)server.App.Services.GetService(typeof(Microsoft.Extensions.Hosting.IHostApplicationLifetime))!;
        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
    }
}

using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;
using Polly.CircuitBreaker;

namespace MimmoServe.Client.Tests;

/// <summary>Round-robin across two real servers, failover when one stops mid-run, and the circuit of a dead address.</summary>
public sealed class BalancingAndFailoverTests
{
    [Fact]
    public async Task PredictAsync_TwoServers_CallsAlternateBetweenThem()
    {
        var (a, modelsA) = await ClientHarness.MimoServerAsync();
        var (b, modelsB) = await ClientHarness.MimoServerAsync();
        await using var _a = a;
        await using var _b = b;
        using var _ma = modelsA;
        using var _mb = modelsB;
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [a.Target, b.Target]);
        var runsA = a.Repository.Get("mimo").Runs;
        var runsB = b.Repository.Get("mimo").Runs;

        for (var i = 0; i < 6; i++)
        {
            await client.PredictAsync(Requests.Mimo([1, 2, 3, i], $"r{i}"));
        }

        Assert.Equal(3, a.Repository.Get("mimo").Runs - runsA);
        Assert.Equal(3, b.Repository.Get("mimo").Runs - runsB);
    }

    [Fact]
    public async Task PredictAsync_OneOfTwoServersStoppedMidRun_EveryCallSucceedsOnTheOther()
    {
        var (a, modelsA) = await ClientHarness.MimoServerAsync();
        var (b, modelsB) = await ClientHarness.MimoServerAsync();
        await using var _a = a;
        using var _ma = modelsA;
        using var _mb = modelsB;
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [a.Target, b.Target]);
        var runsA = a.Repository.Get("mimo").Runs;

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"before{i}", (await client.PredictAsync(Requests.Mimo([1, 2, 3, i], $"before{i}"))).Id);
        }

        await b.DisposeAsync();
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal($"after{i}", (await client.PredictAsync(Requests.Mimo([1, 2, 3, i], $"after{i}"))).Id);
        }

        // Two before the stop, and all eight after it: the ones sent to the stopped server were retried here.
        Assert.Equal(10, a.Repository.Get("mimo").Runs - runsA);
        Assert.True(ClientHarness.Count(logs, "Retry 1 after") >= 1, string.Join("\n", logs.Lines));
    }

    [Fact]
    public async Task PredictAsync_DeadAddress_CircuitOpensAndLaterCallsSkipIt()
    {
        var (live, models) = await ClientHarness.MimoServerAsync();
        await using var _live = live;
        using var _models = models;
        var dead = ClientHarness.DeadAddress();
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [dead, live.Target], o =>
        {
            o.BreakerMinimumThroughput = 2;
            o.BreakerFailureRatio = 0.5;
            o.BreakerBreakDuration = TimeSpan.FromMinutes(5);
        });
        var runs = live.Repository.Get("mimo").Runs;

        for (var i = 0; i < 10; i++)
        {
            await client.PredictAsync(Requests.Mimo([1, 2, 3, i]));
        }

        Assert.Equal(CircuitState.Open, client.CircuitStates[new Uri($"http://{dead}")]);
        Assert.Equal(CircuitState.Closed, client.CircuitStates[new Uri($"http://{live.Target}")]);
        // Calls 1 and 3 found the dead address (round-robin); the second failure opened its circuit, and after that no
        // attempt went there.
        Assert.Equal(2, ClientHarness.Count(logs, $"Attempt on http://{dead}/ failed with Unavailable"));
        Assert.Equal(1, ClientHarness.Count(logs, "opened"));
        Assert.Equal(10, live.Repository.Get("mimo").Runs - runs);
    }

    [Fact]
    public async Task PredictAsync_EveryAddressDead_UnavailableAfterRetries()
    {
        var logs = new CapturedLogs();
        using var client = ClientHarness.Client(logs, [ClientHarness.DeadAddress()], o => o.MaxRetryAttempts = 2);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(Requests.Mimo([1, 2, 3, 4])));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, ClientHarness.Count(logs, "failed with Unavailable"));
    }
}

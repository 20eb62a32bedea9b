using System.Text.RegularExpressions;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MimmoServe.Server.Tests.Load;

/// <summary>
/// SIGTERM while the real server process is under load: a health watch sees NOT_SERVING, no admitted call fails,
/// new calls get UNAVAILABLE, the process exits 0.
/// </summary>
[Trait("Category", "Load")]
[Collection(LoadCollection.Name)]
public sealed class SigtermTests(ITestOutputHelper output)
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        new(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    [Fact]
    public async Task Sigterm_DuringLoad_NotServingSeenNoAdmittedCallFailsNewCallsUnavailableExitZero()
    {
        using var models = LoadModels.Create();
        await using var server = await ServerProcess.StartAsync(models.Directory);
        var driver = new LoadDriver(server.Calls, LoadModels.LoopCount, _ => TimeSpan.FromSeconds(20));
        using var watch = server.Calls.AsyncServerStreamingCall(Watch, new HealthCheckRequest { Service = "" }, new CallOptions(Deadline: DateTime.UtcNow.AddMinutes(2)));
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);

        // Closed loop, more callers than the server runs at once, so that calls are queued when SIGTERM comes; each
        // caller stops at its first UNAVAILABLE.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var load = driver.ClosedLoopAsync(callers: 16, stop.Token, o => o.Code != StatusCode.Unavailable);
        Assert.True(SpinWait.SpinUntil(() => driver.Completed >= 200, TimeSpan.FromSeconds(60)), $"{driver.Completed} calls completed");
        await server.TerminateAsync();

        var statuses = new List<HealthCheckResponse.Types.ServingStatus>();
        try
        {
            while (await watch.ResponseStream.MoveNext())
            {
                statuses.Add(watch.ResponseStream.Current.Status);
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            // The watch ends UNAVAILABLE ("shutting down") once it has sent NOT_SERVING.
        }

        var afterwards = await driver.CallAsync("after-sigterm");
        var outcomes = await load.WaitAsync(TimeSpan.FromSeconds(60));
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var queued = Regex.Match(server.Output, @"draining (\d+) queued request\(s\)");
        var failed = outcomes.Where(o => o.Code is not StatusCode.OK and not StatusCode.Unavailable).ToList();
        output.WriteLine($"{outcomes.Count} calls: {outcomes.Count(o => o.Code == StatusCode.OK)} OK, {outcomes.Count(o => o.Code == StatusCode.Unavailable)} UNAVAILABLE, {failed.Count} other; queued at SIGTERM: {queued.Groups[1].Value}");
        foreach (var group in outcomes.Where(o => o.Code != StatusCode.OK).GroupBy(o => (o.Code, o.Detail)))
        {
            output.WriteLine($"{group.Count()} × {group.Key.Code} {group.Key.Detail}");
        }

        Assert.True(queued.Success && int.Parse(queued.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "nothing was queued at SIGTERM:\n" + server.Output);
        Assert.Contains(HealthCheckResponse.Types.ServingStatus.NotServing, statuses);
        Assert.Empty(failed);
        // UNAVAILABLE only for calls the server refused (never admitted) or could not reach: none was cut off.
        Assert.DoesNotContain(outcomes, o => o.Code == StatusCode.Unavailable && o.Detail.Contains("grace period ended", StringComparison.Ordinal));
        Assert.Equal(StatusCode.Unavailable, afterwards.Code);
        Assert.Equal(0, exit);
        Assert.Contains("Stopped: every queued request was answered", server.Output, StringComparison.Ordinal);
    }
}

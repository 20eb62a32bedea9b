using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MimmoServe.Grpc.Tests.Infrastructure;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Telemetry;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>/metrics scraped over HTTP and parsed while real traffic flows: every instrument moves by exactly what was sent.</summary>
public sealed class MetricsTests
{
    private const string Requests = "mimmo_requests_total";
    private const string RuntimeAllocated = "dotnet_gc_heap_total_allocated_bytes_total";

    [Fact]
    public async Task Metrics_TrafficInTwoModesAndBadRequests_InstrumentsMoveByWhatWasSent()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"))
            .Add("slow", TestModels.Fixture("mimo.onnx"), new { max_rows_per_run = 1, max_queue_delay_ms = 5000, gather_when_idle = true, queue_size = 2 });
        await using var server = await TestServer.StartAsync(models.Directory, new Dictionary<string, string?> { ["Mimmo:DefaultModel"] = "mimo" });
        var random = new Random(7);
        var before = await AdminHttp.ScrapeAsync(server.AdminPort);

        var accuracy = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => server.PredictAsync(Infrastructure.Requests.Mimo(Infrastructure.Requests.RandomItem(random), $"a{i}"), "accuracy")));
        var throughput = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => server.PredictAsync(Infrastructure.Requests.Mimo(Infrastructure.Requests.RandomItem(random), $"t{i}"), "throughput")));
        var streamed = await StreamAsync(server, 3, "balanced");
        var badShape = new PredictRequest { Model = "mimo", Id = "bad" };
        badShape.Shape.Add(4);
        badShape.Data.AddRange([1f, 2f, 3f]);
        await ExpectAsync(StatusCode.InvalidArgument, server.PredictAsync(badShape));
        await ExpectAsync(StatusCode.InvalidArgument, server.PredictAsync(badShape));
        await ExpectAsync(StatusCode.NotFound, server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, 4], model: "nope")));
        await ExpectAsync(StatusCode.InvalidArgument, server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, 4]), "fast"));

        // "slow" holds a lone k=1 input up to 5 s: two wait (its queue holds 2), the third is refused at once.
        var waiting = Enumerable.Range(0, 2).Select(i => server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, i], $"w{i}", ensembleSize: 1, model: "slow"))).ToArray();
        Assert.True(SpinWait.SpinUntil(() => server.Repository.Get("slow").QueueLength == 2, TimeSpan.FromSeconds(20)));
        var during = await AdminHttp.ScrapeAsync(server.AdminPort);
        await ExpectAsync(StatusCode.ResourceExhausted, server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, 4], "refused", ensembleSize: 1, model: "slow")));
        await Task.WhenAll(waiting);
        var after = await AdminHttp.ScrapeAsync(server.AdminPort);

        Assert.Equal(2, during.Value("mimmo_queue_depth", ("model", "slow")));
        Assert.Equal(0, after.Value("mimmo_queue_depth", ("model", "slow")));
        Assert.Equal(0, after.Value("mimmo_queue_depth", ("model", "mimo")));
        Assert.Equal(1, after.Value("mimmo_execution_provider", ("model", "mimo"), ("provider", "cpu")));
        Assert.Single(after.Named("mimmo_execution_provider"), s => s.Labels["model"] == "mimo");

        // Requests by model, mode and status: exactly the calls sent, and nothing else.
        var expected = new Dictionary<(string Model, string Mode, string Status), int>
        {
            [("mimo", "accuracy", "OK")] = 6,
            [("mimo", "throughput", "OK")] = 9,
            [("mimo", "balanced", "OK")] = 3,
            [("mimo", "default", "INVALID_ARGUMENT")] = 2,
            [("unknown", "default", "NOT_FOUND")] = 1,
            [("mimo", "invalid", "INVALID_ARGUMENT")] = 1,
            [("slow", "size", "OK")] = 2,
            [("slow", "size", "RESOURCE_EXHAUSTED")] = 1,
        };
        foreach (var ((model, mode, status), count) in expected)
        {
            Assert.Equal(count, Delta(before, after, Requests, ("model", model), ("mode", mode), ("status", status)));
        }

        Assert.Equal(expected.Values.Sum(), TotalDelta(before, after, Requests));
        Assert.Equal(6, Delta(before, after, "mimmo_request_duration_seconds_count", ("model", "mimo"), ("mode", "accuracy")));
        Assert.Equal(2, Delta(before, after, "mimmo_request_duration_seconds_count", ("model", "mimo"), ("mode", "default")));
        Assert.Equal(1, Delta(before, after, "mimmo_shed_total", ("model", "slow"), ("reason", "queue_full")));

        // Queue and compute time per request that ran; runs: inputs add up to the requests, one sample per run in each.
        Assert.Equal(18, Delta(before, after, "mimmo_queue_duration_seconds_count", ("model", "mimo")));
        Assert.Equal(18, Delta(before, after, "mimmo_compute_duration_seconds_count", ("model", "mimo")));
        Assert.Equal(18, Delta(before, after, "mimmo_run_inputs_sum", ("model", "mimo")));
        var runs = Delta(before, after, "mimmo_run_inputs_count", ("model", "mimo"));
        Assert.InRange(runs, 1, 18);
        Assert.Equal(runs, Delta(before, after, "mimmo_run_rows_count", ("model", "mimo")));
        Assert.Equal(runs, Delta(before, after, "mimmo_slot_fill_ratio_count", ("model", "mimo")));
        Assert.InRange(Delta(before, after, "mimmo_slot_fill_ratio_sum", ("model", "mimo")), 0.01, runs);
        // The two slow inputs ran together: one run of 1 row, 2 of its 3 slots given to inputs.
        Assert.Equal(1, Delta(before, after, "mimmo_run_rows_sum", ("model", "slow")));
        Assert.Equal(2.0 / 3, Delta(before, after, "mimmo_slot_fill_ratio_sum", ("model", "slow")), 6);
        Assert.True(Delta(before, after, "mimmo_queue_duration_seconds_sum", ("model", "slow")) >= 2 * 4.9, "the slow inputs waited out the 5 s delay");

        // The uncertainty of what was served: one value per prediction, summing to what the clients received.
        Assert.Equal(6, Delta(before, after, "mimmo_prediction_entropy_count", ("model", "mimo"), ("mode", "accuracy")));
        Assert.Equal(9, Delta(before, after, "mimmo_prediction_mutual_information_count", ("model", "mimo"), ("mode", "throughput")));
        Assert.Equal(accuracy.Sum(r => (double)r.Uncertainty.PredictiveEntropy), Delta(before, after, "mimmo_prediction_entropy_sum", ("model", "mimo"), ("mode", "accuracy")), 4);
        Assert.Equal(throughput.Sum(r => (double)r.Uncertainty.MutualInformation), Delta(before, after, "mimmo_prediction_mutual_information_sum", ("model", "mimo"), ("mode", "throughput")), 4);
        Assert.Equal(streamed.Sum(r => (double)r.Uncertainty.PredictiveEntropy), Delta(before, after, "mimmo_prediction_entropy_sum", ("model", "mimo"), ("mode", "balanced")), 4);

        // The process allocated while it served them (the bench suite divides this by the calls).
        Assert.True(TotalDelta(before, after, RuntimeAllocated) > 0);
        AssertWellFormed(after);
    }

    [Fact]
    public async Task Metrics_Scrape_EveryAgreedMetricHasHelpAndType()
    {
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory);

        var scrape = await AdminHttp.ScrapeAsync(server.AdminPort);

        var expected = new Dictionary<string, string>
        {
            [Requests] = "counter",
            ["mimmo_request_duration_seconds"] = "histogram",
            ["mimmo_queue_duration_seconds"] = "histogram",
            ["mimmo_compute_duration_seconds"] = "histogram",
            ["mimmo_run_inputs"] = "histogram",
            ["mimmo_run_rows"] = "histogram",
            ["mimmo_slot_fill_ratio"] = "histogram",
            ["mimmo_queue_depth"] = "gauge",
            ["mimmo_shed_total"] = "counter",
            ["mimmo_execution_provider"] = "gauge",
            ["mimmo_prediction_entropy"] = "histogram",
            ["mimmo_prediction_mutual_information"] = "histogram",
            ["mimmo_stage_rows_total"] = "counter",
            ["mimmo_exits_total"] = "counter",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), scrape.Types.Where(e => e.Key.StartsWith("mimmo_", StringComparison.Ordinal)).OrderBy(e => e.Key));
        // Beside ours, the runtime's own meter (System.Runtime): bytes allocated so far, collections, memory, the JIT.
        Assert.Equal("counter", scrape.Types[RuntimeAllocated]);
        Assert.Equal("counter", scrape.Types["dotnet_gc_collections_total"]);
        Assert.Equal("gauge", scrape.Types["dotnet_process_memory_working_set_bytes"]);
        Assert.Equal("counter", scrape.Types["dotnet_jit_compiled_methods_total"]);
        Assert.True(scrape.Named(RuntimeAllocated).Single().Value > 0);
        Assert.All(scrape.Types.Keys, name => Assert.False(string.IsNullOrWhiteSpace(scrape.Help[name])));
        // Warm-up runs are not served requests; a model that is not staged records no stage rows or exits.
        Assert.Empty(scrape.Named("mimmo_run_inputs_count"));
        Assert.Empty(scrape.Named("mimmo_stage_rows_total"));
        Assert.Empty(scrape.Named("mimmo_exits_total"));
    }

    [Fact]
    public async Task Metrics_DeadlinePassesWhileQueued_CountedDeadlineExceededAndShedForDeadline()
    {
        // The server's clock is the test's: the deadline passes when the test moves it, however slow the machine.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var slow = await SlowServer.StartAsync(clock: clock);
        using var client = new RawGrpcClient(slow.Server.Port);
        var before = await AdminHttp.ScrapeAsync(slow.Server.AdminPort);

        var call = client.SendAsync(PredictPath, LateRequest, [("grpc-timeout", "1500m")]);
        slow.WaitForQueue(1);
        clock.Advance(TimeSpan.FromMilliseconds(1500));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(20));
        var after = await ScrapeUntilAnsweredAsync(slow.Server.AdminPort, before);

        Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture), response.GrpcStatus);
        Assert.Equal(1, Delta(before, after, Requests, ("model", "slow"), ("mode", "size"), ("status", "DEADLINE_EXCEEDED")));
        Assert.Equal(1, TotalDelta(before, after, Requests));
        Assert.Equal(1, Delta(before, after, "mimmo_shed_total", ("model", "slow"), ("reason", "deadline")));
        Assert.Equal(0, Delta(before, after, "mimmo_queue_duration_seconds_count", ("model", "slow")));
    }

    /// <summary>
    /// A client ends its call at its own deadline with RST_STREAM, which the server cannot tell from any other
    /// cancellation: within <see cref="RequestScope.DeadlineSlack"/> of the server's copy of the deadline it counts as
    /// the deadline (the caller saw DEADLINE_EXCEEDED), earlier as the caller's cancellation.
    /// </summary>
    [Theory]
    [InlineData(-50, "DEADLINE_EXCEEDED", 1)]
    [InlineData(+50, "CANCELLED", 0)]
    public async Task Metrics_ClientCancelsWhileQueued_WithinTheSlackOfItsDeadlineCountedAsTheDeadline(int earlierThanSlackMs, string status, int shed)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var slow = await SlowServer.StartAsync(clock: clock);
        using var client = new RawGrpcClient(slow.Server.Port);
        var before = await AdminHttp.ScrapeAsync(slow.Server.AdminPort);
        using var cancel = new CancellationTokenSource();

        var call = client.SendAsync(PredictPath, LateRequest, [("grpc-timeout", "1500m")], cancel.Token);
        slow.WaitForQueue(1);
        // The cancellation reaches the server 50 ms inside the slack before its deadline, or 50 ms before the slack.
        clock.Advance(TimeSpan.FromMilliseconds(1500) - RequestScope.DeadlineSlack - TimeSpan.FromMilliseconds(earlierThanSlackMs));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var after = await ScrapeUntilAnsweredAsync(slow.Server.AdminPort, before);

        Assert.Equal(1, Delta(before, after, Requests, ("model", "slow"), ("mode", "size"), ("status", status)));
        Assert.Equal(1, TotalDelta(before, after, Requests));
        Assert.Equal(shed, Delta(before, after, "mimmo_shed_total", ("model", "slow"), ("reason", "deadline")));
    }

    [Fact]
    public async Task Metrics_ShutdownBegun_ReadyzUnavailableAndRefusalsShedShuttingDown()
    {
        await using var slow = await SlowServer.StartAsync();
        var before = await AdminHttp.ScrapeAsync(slow.Server.AdminPort);

        // Shutdown's first step (what SIGTERM does before the endpoints close).
        slow.Server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var (ready, body, _) = await AdminHttp.GetAsync(slow.Server.AdminPort, "/readyz");
        var live = (await AdminHttp.GetAsync(slow.Server.AdminPort, "/healthz")).Status;
        await ExpectAsync(StatusCode.Unavailable, slow.Server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, 4], model: "fast")));
        await ExpectAsync(StatusCode.Unavailable, slow.Server.PredictAsync(Infrastructure.Requests.Mimo([1, 2, 3, 4], model: "")));
        var after = await AdminHttp.ScrapeAsync(slow.Server.AdminPort);

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready);
        Assert.Contains("NotServing", body, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, live);
        // "" asks for the default model, the first by name: both refusals are fast's.
        Assert.Equal(2, Delta(before, after, "mimmo_shed_total", ("model", "fast"), ("reason", "shutting_down")));
        Assert.Equal(2, Delta(before, after, Requests, ("model", "fast"), ("mode", "default"), ("status", "UNAVAILABLE")));
    }

    /// <summary>Every histogram series: buckets cumulative and ending at +Inf with the count.</summary>
    private static void AssertWellFormed(PrometheusScrape scrape)
    {
        foreach (var (name, _) in scrape.Types.Where(t => t.Value == "histogram"))
        {
            foreach (var count in scrape.Named(name + "_count"))
            {
                var buckets = scrape.Named(name + "_bucket").Where(b => b.Labels.Where(l => l.Key != "le").All(l => count.Labels[l.Key] == l.Value)).ToList();
                Assert.True(buckets.Count > 1, $"{name} has no buckets");
                Assert.Equal("+Inf", buckets[^1].Labels["le"]);
                Assert.Equal(count.Value, buckets[^1].Value);
                for (var i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{name} buckets are not cumulative");
                }
            }
        }
    }

    private static double Delta(PrometheusScrape before, PrometheusScrape after, string name, params (string, string)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    private static double TotalDelta(PrometheusScrape before, PrometheusScrape after, string name) =>
        after.Named(name).Sum(s => s.Value) - before.Named(name).Sum(s => s.Value);

    private const string PredictPath = "/mimmo.v1.Inference/Predict";

    /// <summary>A lone k=1 input for the slow model, as a framed gRPC message: it waits in the queue until its call ends.</summary>
    private static byte[] LateRequest => RawGrpcClient.Frame(Infrastructure.Requests.Mimo([1, 2, 3, 4], "late", ensembleSize: 1, model: "slow"));

    /// <summary>
    /// Scrapes until the one request of the test has been counted (bounded): the server answers the client first and
    /// records the request when its handler ends, so the condition is the figure itself.
    /// </summary>
    private static async Task<PrometheusScrape> ScrapeUntilAnsweredAsync(int adminPort, PrometheusScrape before)
    {
        var after = before;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(20) && TotalDelta(before, after, Requests) == 0;)
        {
            after = await AdminHttp.ScrapeAsync(adminPort);
        }

        return after;
    }

    private static async Task ExpectAsync(StatusCode code, Task call) =>
        Assert.Equal(code, (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode);

    private static async Task<List<PredictResponse>> StreamAsync(TestServer server, int count, string mode)
    {
        using var call = server.PredictStream(mode);
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            await call.RequestStream.WriteAsync(Infrastructure.Requests.Mimo(Infrastructure.Requests.RandomItem(random), $"s{i}"));
        }

        await call.RequestStream.CompleteAsync();
        var responses = new List<PredictResponse>();
        while (await call.ResponseStream.MoveNext())
        {
            responses.Add(call.ResponseStream.Current);
        }

        Assert.Equal(count, responses.Count);
        return responses;
    }
}

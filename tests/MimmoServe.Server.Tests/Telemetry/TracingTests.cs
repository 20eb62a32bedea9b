using System.Collections.Concurrent;
using System.Diagnostics;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>A W3C traceparent sent by a client becomes the parent of the request's server span, which has queue and compute children.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class TracingTests : IDisposable
{
    private readonly TestServer _server;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public TracingTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MimmoServe",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Predict_TraceParentInMetadata_ServerSpanIsItsChildWithQueueAndComputeChildren()
    {
        var (traceId, parent) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());

        await _server.Calls.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "traced"), Traced(traceId, parent, "vendor=abc")).ResponseAsync;

        var spans = _spans.Where(s => s.TraceId == traceId).ToList();
        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal("mimmo.v1.Inference/Predict", request.OperationName);
        Assert.Equal(parent, request.ParentSpanId);
        Assert.Equal("vendor=abc", request.TraceStateString);
        Assert.Equal("mimo", request.GetTagItem("mimmo.model"));
        Assert.Equal(0, request.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, request.Status);

        var queue = Assert.Single(spans, s => s.OperationName == "mimmo.queue");
        var compute = Assert.Single(spans, s => s.OperationName == "mimmo.compute");
        Assert.Equal(request.SpanId, queue.ParentSpanId);
        Assert.Equal(request.SpanId, compute.ParentSpanId);
        Assert.Equal(queue.StartTimeUtc + queue.Duration, compute.StartTimeUtc);
        Assert.InRange(queue.StartTimeUtc, request.StartTimeUtc - TimeSpan.FromMilliseconds(50), request.StartTimeUtc + request.Duration);
        Assert.True(compute.StartTimeUtc + compute.Duration <= request.StartTimeUtc + request.Duration + TimeSpan.FromMilliseconds(1));

        // The run served this request among others: its own span, linked from compute and linking to the request.
        var link = Assert.Single(compute.Links);
        var run = Assert.Single(_spans, s => s.OperationName == "mimmo.run" && s.SpanId == link.Context.SpanId);
        Assert.Contains(run.Links, l => l.Context.SpanId == request.SpanId && l.Context.TraceId == traceId);
        Assert.Equal(compute.StartTimeUtc, run.StartTimeUtc);
    }

    [Fact]
    public async Task Predict_RefusedWithTraceParent_ServerSpanMarkedError()
    {
        var (traceId, parent) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());

        await Assert.ThrowsAsync<RpcException>(() => _server.Calls.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], model: "nope"), Traced(traceId, parent, null)).ResponseAsync);

        var request = Assert.Single(_spans, s => s.TraceId == traceId);
        Assert.Equal(parent, request.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, request.Status);
        Assert.StartsWith("NOT_FOUND", request.StatusDescription, StringComparison.Ordinal);
        Assert.Equal((int)StatusCode.NotFound, request.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task PredictStream_TraceParentOnCall_EachRequestSpanIsItsChild()
    {
        var (traceId, parent) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());

        using (var call = _server.Calls.AsyncDuplexStreamingCall(InferenceMethods.PredictStream, Traced(traceId, parent, null)))
        {
            for (var i = 0; i < 3; i++)
            {
                await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, i], $"s{i}"));
            }

            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext())
            {
            }
        }

        var requests = _spans.Where(s => s.TraceId == traceId && s.Kind == ActivityKind.Server).ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(parent, r.ParentSpanId));
        Assert.Equal(3, _spans.Count(s => s.TraceId == traceId && s.OperationName == "mimmo.queue" && requests.Any(r => r.SpanId == s.ParentSpanId)));
    }

    private static Grpc.Client.CallOptions Traced(ActivityTraceId traceId, ActivitySpanId parent, string? traceState)
    {
        var headers = new Metadata().Add("traceparent", $"00-{traceId.ToHexString()}-{parent.ToHexString()}-01");
        if (traceState is not null)
        {
            headers.Add("tracestate", traceState);
        }

        return new Grpc.Client.CallOptions(headers, TestServer.Deadline(30));
    }
}

using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, the real OTLP exporter posts metrics and spans to a receiver (here a tiny OTLP/HTTP one).</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Export_EndpointSetOverHttpProtobuf_MetricsAndTheRequestSpanArrive()
    {
        var posts = Channel.CreateUnbounded<(string Path, string ContentType, byte[] Body)>();
        await using var receiver = await StartReceiverAsync(posts.Writer);
        var endpoint = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var models = new TestModels().Add("mimo", TestModels.Fixture("mimo.onnx"));
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "mimmo-otlp-test",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        };
        var traceId = ActivityTraceId.CreateRandom();
        await using (var server = await TestServer.StartAsync(models.Directory, settings))
        {
            var headers = new Metadata().Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            await server.Calls.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "exported"), new Grpc.Client.CallOptions(headers, TestServer.Deadline(30))).ResponseAsync;
            Assert.Contains(server.Logs.Lines, l => l.Contains("OTLP export of metrics and traces to " + endpoint, StringComparison.Ordinal));
        }

        // Stopping the host disposes the providers, which export what is left: both signals have arrived by now or soon.
        var traceIdBytes = new byte[16];
        traceId.CopyTo(traceIdBytes);
        bool metrics = false, trace = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(metrics && trace))
        {
            var (path, contentType, body) = await posts.Reader.ReadAsync(timeout.Token);
            Assert.Equal("application/x-protobuf", contentType);
            Assert.True(Contains(body, "mimmo-otlp-test"u8), "the resource's service.name");
            metrics |= path == "/v1/metrics" && Contains(body, "mimmo.requests"u8) && Contains(body, "mimmo.queue.duration"u8);
            trace |= path == "/v1/traces" && Contains(body, traceIdBytes) && Contains(body, "mimmo.v1.Inference/Predict"u8);
        }
    }

    private static bool Contains(byte[] body, ReadOnlySpan<byte> text) => body.AsSpan().IndexOf(text) >= 0;

    private static async Task<WebApplication> StartReceiverAsync(ChannelWriter<(string, string, byte[])> posts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            posts.TryWrite((context.Request.Path.Value!, context.Request.ContentType ?? "", body.ToArray()));
            // An empty Export*ServiceResponse is a success.
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return app;
    }
}

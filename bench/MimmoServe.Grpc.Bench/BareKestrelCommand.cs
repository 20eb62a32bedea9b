using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// <c>serve-bare</c>: the floor under our gRPC layer. Kestrel alone, cleartext HTTP/2, one endpoint at the health
/// Check path that reads the request body and answers a fixed gRPC message (SERVING) with grpc-status 0 in the
/// trailers: no routing table of ours, no framing, no deadline, no call context, no protobuf. What it costs per
/// call is what Kestrel and the runtime cost; what our server costs above it is our layer's.
/// </summary>
internal static class BareKestrelCommand
{
    /// <summary>A gRPC message: not compressed, length 2, HealthCheckResponse { status: SERVING (1) }.</summary>
    private static readonly byte[] Serving = [0, 0, 0, 0, 2, 0x08, 0x01];

    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.MapPost("/grpc.health.v1.Health/Check", async context =>
        {
            var reader = context.Request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync();
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            context.Response.ContentType = "application/grpc";
            await context.Response.BodyWriter.WriteAsync(Serving);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        return await ChildServe.RunAsync(app);
    }
}

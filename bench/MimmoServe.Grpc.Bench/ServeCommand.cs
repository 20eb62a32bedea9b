using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Hosting;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// <c>serve</c>: our gRPC server alone in this process (health and reflection, nothing else), so that the
/// parent can read its CPU time from /proc. Prints "LISTENING port" and runs until stdin closes.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer(options =>
        {
            options.Port = 0;
            options.ListenAddress = "127.0.0.1";
        });
        await using var app = builder.Build();
        app.MapGrpcServices();
        return await ChildServe.RunAsync(app);
    }
}

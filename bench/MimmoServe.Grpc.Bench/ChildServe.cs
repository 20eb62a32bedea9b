using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MimmoServe.Grpc.Bench;

/// <summary>
/// The life of a server child (<c>serve</c>, <c>serve-bare</c>): start, print "LISTENING port" for the parent, run
/// until the parent closes stdin (or kills it if that fails), stop.
/// </summary>
internal static class ChildServe
{
    public static async Task<int> RunAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Console.WriteLine($"LISTENING {new Uri(address).Port}");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}

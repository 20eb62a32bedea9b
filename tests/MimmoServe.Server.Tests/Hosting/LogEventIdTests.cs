using System.Reflection;
using Microsoft.Extensions.Logging;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>Every log event of the server's assemblies has its own id, so that an id names one event in any log store.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_EveryServerAssembly_EventIdsAreUnique()
    {
        Assembly[] assemblies =
        [
            typeof(Server.Hosting.ModelHost).Assembly,
            typeof(Serving.Repository.ModelRepository).Assembly,
            typeof(Grpc.Server.ServerCallContext).Assembly,
        ];
        var events = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        Assert.True(events.Count > 20, $"only {events.Count} log events found");
        var shared = events.GroupBy(e => e.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids used twice: " + string.Join("; ", shared));
    }
}

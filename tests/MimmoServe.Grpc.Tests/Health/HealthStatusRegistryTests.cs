using MimmoServe.Grpc.Health;
using static MimmoServe.Grpc.Health.V1.HealthCheckResponse.Types;

namespace MimmoServe.Grpc.Tests.Health;

public sealed class HealthStatusRegistryTests
{
    [Fact]
    public void TryGetStatus_UnsetService_False()
    {
        Assert.False(new HealthStatusRegistry().TryGetStatus("x", out _));
    }

    [Fact]
    public async Task Watch_UnknownThenSet_ReceivesServiceUnknownThenEachChange()
    {
        var registry = new HealthStatusRegistry();
        using var watch = registry.Watch("svc");

        Assert.Equal(ServingStatus.ServiceUnknown, await watch.Statuses.ReadAsync());
        registry.SetStatus("svc", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await watch.Statuses.ReadAsync());
        registry.SetStatus("other", ServingStatus.NotServing);
        registry.SetStatus("svc", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await watch.Statuses.ReadAsync());
    }

    [Fact]
    public async Task Watch_SlowReader_GetsLatestStatus()
    {
        var registry = new HealthStatusRegistry();
        using var watch = registry.Watch("svc");

        registry.SetStatus("svc", ServingStatus.Serving);
        registry.SetStatus("svc", ServingStatus.NotServing);

        Assert.Equal(ServingStatus.NotServing, await watch.Statuses.ReadAsync());
        Assert.False(watch.Statuses.TryRead(out _));
    }

    [Fact]
    public async Task SetAll_ShutdownBegins_EveryServiceAndOverallNotServing()
    {
        var registry = new HealthStatusRegistry();
        registry.SetStatus("a", ServingStatus.Serving);
        using var watch = registry.Watch("a");
        Assert.Equal(ServingStatus.Serving, await watch.Statuses.ReadAsync());

        registry.SetAll(ServingStatus.NotServing);

        Assert.Equal(ServingStatus.NotServing, await watch.Statuses.ReadAsync());
        Assert.True(registry.TryGetStatus(HealthStatusRegistry.OverallService, out var overall));
        Assert.Equal(ServingStatus.NotServing, overall);
    }

    [Fact]
    public void Watch_Disposed_NoLongerNotified()
    {
        var registry = new HealthStatusRegistry();
        var watch = registry.Watch("svc");
        Assert.True(watch.Statuses.TryRead(out _));

        watch.Dispose();
        registry.SetStatus("svc", ServingStatus.Serving);

        Assert.False(watch.Statuses.TryRead(out _));
    }
}

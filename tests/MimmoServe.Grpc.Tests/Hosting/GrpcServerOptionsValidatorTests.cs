using MimmoServe.Grpc.Hosting;

namespace MimmoServe.Grpc.Tests.Hosting;

public sealed class GrpcServerOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(new GrpcServerOptionsValidator().Validate(null, new GrpcServerOptions()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_ReportsEach()
    {
        var options = new GrpcServerOptions
        {
            Port = 70000,
            ListenAddress = "not-an-ip",
            MaxReceiveMessageSize = 0,
            MaxStreamsPerConnection = -1,
            CertificatePath = "missing.pem",
        };

        var result = new GrpcServerOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Equal(5, result.Failures!.Count());
    }

    [Fact]
    public void Validate_BadSecurityLimits_ReportsEach()
    {
        var options = new GrpcServerOptions
        {
            MaxRequestBytesInFlight = 1024,
            MaxConcurrentConnections = 0,
            MaxRequestExpansionRatio = 0,
            RequestMessageTimeout = TimeSpan.Zero,
            StreamIdleTimeout = TimeSpan.FromSeconds(-5),
        };

        var result = new GrpcServerOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Equal(5, result.Failures!.Count());
    }

    [Fact]
    public void Validate_InfiniteTimeoutsAndNoConnectionLimit_Succeeds()
    {
        var options = new GrpcServerOptions
        {
            MaxConcurrentConnections = null,
            RequestMessageTimeout = Timeout.InfiniteTimeSpan,
            StreamIdleTimeout = Timeout.InfiniteTimeSpan,
        };

        Assert.True(new GrpcServerOptionsValidator().Validate(null, options).Succeeded);
    }
}

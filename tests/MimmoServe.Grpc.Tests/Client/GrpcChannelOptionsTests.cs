using MimmoServe.Grpc.Client;

namespace MimmoServe.Grpc.Tests.Client;

public sealed class GrpcChannelOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new GrpcChannelOptions();

        Assert.Equal(4 * 1024 * 1024, options.MaxSendMessageSize);
        Assert.Equal(4 * 1024 * 1024, options.MaxReceiveMessageSize);
        Assert.Equal("identity,gzip", options.CompressionProviders.AcceptEncoding);
        Assert.True(options.EnableMultipleHttp2Connections);
        Assert.Equal(TimeSpan.FromMinutes(5), options.KeepAlivePingDelay);
        options.Validate();
    }

    [Fact]
    public void Validate_ZeroReceiveLimit_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GrpcChannelOptions { MaxReceiveMessageSize = 0 }.Validate());

        Assert.Contains(nameof(GrpcChannelOptions.MaxReceiveMessageSize), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SubSecondPingDelay_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GrpcChannelOptions { KeepAlivePingDelay = TimeSpan.FromMilliseconds(10) }.Validate());

        Assert.Contains(nameof(GrpcChannelOptions.KeepAlivePingDelay), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForAddress_UnsupportedScheme_Throws()
    {
        Assert.Throws<ArgumentException>(() => GrpcChannel.ForAddress("ftp://127.0.0.1:1"));
    }
}

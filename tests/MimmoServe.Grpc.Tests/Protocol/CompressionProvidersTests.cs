using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class CompressionProvidersTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("identity")]
    public void TryGet_IdentityOrAbsent_ReturnsTrueWithNoProvider(string? name)
    {
        Assert.True(CompressionProviders.Default.TryGet(name, out var provider));
        Assert.Null(provider);
    }

    [Fact]
    public void TryGet_Gzip_ReturnsGzipProvider()
    {
        Assert.True(CompressionProviders.Default.TryGet("gzip", out var provider));
        Assert.Equal("gzip", provider!.EncodingName);
    }

    [Fact]
    public void TryGet_Unsupported_ReturnsFalse()
    {
        Assert.False(CompressionProviders.Default.TryGet("snappy", out _));
    }

    [Theory]
    [InlineData("identity,deflate,gzip", "gzip")]
    [InlineData(" gzip ", "gzip")]
    [InlineData("identity,deflate", null)]
    [InlineData(null, null)]
    public void SelectFor_PeerAcceptEncoding_PicksSupportedEncoding(string? accept, string? expected)
    {
        Assert.Equal(expected, CompressionProviders.Default.SelectFor(accept)?.EncodingName);
    }

    [Fact]
    public void AcceptEncoding_Default_ListsIdentityAndGzip()
    {
        Assert.Equal("identity,gzip", CompressionProviders.Default.AcceptEncoding);
    }
}

using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class MetadataTests
{
    [Fact]
    public void Add_UpperCaseKey_IsStoredLowerCase()
    {
        var metadata = new Metadata().Add("X-Request-Id", "abc");
        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Equal("abc", metadata.GetValue("x-request-ID"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("ünïcode")]
    [InlineData("")]
    public void Add_InvalidKey_Throws(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Metadata().Add(key, "v"));
    }

    [Fact]
    public void Add_NonAsciiTextValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", "é"));
    }

    [Fact]
    public void Add_BytesUnderTextKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", [1, 2]));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-blob-bin", "text"));
    }

    [Fact]
    public void ToWireValue_BinaryEntry_IsUnpaddedBase64()
    {
        var entry = new MetadataEntry("x-blob-bin", [0xFF, 0x00, 0x10, 0x20]);
        Assert.Equal("/wAQIA", entry.ToWireValue());
    }

    [Theory]
    [InlineData("/wAQIA")]
    [InlineData("/wAQIA==")]
    public void AddFromWire_PaddedOrUnpaddedBase64_DecodesBytes(string wire)
    {
        var metadata = new Metadata();
        metadata.AddFromWire("x-blob-bin", wire);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x10, 0x20 }, metadata.GetValueBytes("x-blob-bin"));
    }

    [Fact]
    public void AddFromWire_CommaJoinedBinaryValues_AddsOneEntryEach()
    {
        var metadata = new Metadata();
        metadata.AddFromWire("x-blob-bin", "AQ==, AgM");
        Assert.Equal(2, metadata.Count);
        Assert.Equal(new byte[] { 1 }, metadata[0].ValueBytes);
        Assert.Equal(new byte[] { 2, 3 }, metadata[1].ValueBytes);
    }

    [Fact]
    public void Get_RepeatedKey_ReturnsLastInOrder()
    {
        var metadata = new Metadata().Add("k", "1").Add("other", "x").Add("k", "2");
        Assert.Equal("2", metadata.GetValue("k"));
        Assert.Equal(["k", "other", "k"], metadata.Select(e => e.Key));
    }

    [Fact]
    public void ToWireValue_AllByteValues_RoundTripThroughAddFromWire()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var wire = new MetadataEntry("x-all-bin", bytes).ToWireValue();
        var metadata = new Metadata();
        metadata.AddFromWire("x-all-bin", wire);
        Assert.Equal(bytes, metadata.GetValueBytes("x-all-bin"));
    }
}

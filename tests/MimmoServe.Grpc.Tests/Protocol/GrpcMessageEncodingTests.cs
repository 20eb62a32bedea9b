using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class GrpcMessageEncodingTests
{
    [Fact]
    public void Encode_PrintableAscii_ReturnsSameString()
    {
        const string message = "Model 'resnet' not found: try `mimmo list` (code 5)!";
        Assert.Same(message, GrpcMessageEncoding.Encode(message));
    }

    [Theory]
    [InlineData("100%", "100%25")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("modèle", "mod%C3%A8le")]
    [InlineData("模型 ✓", "%E6%A8%A1%E5%9E%8B %E2%9C%93")]
    [InlineData("\u007f", "%7F")]
    public void Encode_ReservedOrNonAscii_PercentEncodesUtf8Bytes(string message, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Encode(message));
    }

    [Theory]
    [InlineData("modèle «introuvable» — 模型 ✓")]
    [InlineData("%%%")]
    [InlineData("tab\there, emoji 🙂, nul \0")]
    [InlineData("")]
    public void Decode_EncodedMessage_RoundTrips(string message)
    {
        Assert.Equal(message, GrpcMessageEncoding.Decode(GrpcMessageEncoding.Encode(message)));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz and %4", "%zz and %4")]
    [InlineData("%41%42", "AB")]
    [InlineData("%c3%a8", "è")]
    public void Decode_MalformedOrLowerCaseEscapes_IsLenient(string value, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(value));
    }

    [Fact]
    public void Decode_InvalidUtf8_GivesReplacementCharacter()
    {
        Assert.Equal("a\uFFFDb", GrpcMessageEncoding.Decode("a%FFb"));
    }
}

using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Tests.Server;

/// <summary>grpc-message is capped where it is written: caller text echoed in a status must not make a huge trailer.</summary>
public sealed class StatusWriterTests
{
    [Fact]
    public void Cap_FourMillionCharacters_AtMostTheLimitAndSaysHowMuchWasCut()
    {
        var capped = StatusWriter.Cap("Unknown service '" + new string('x', 4_000_000) + "'.");

        Assert.True(capped.Length <= StatusWriter.MaxMessageLength, $"{capped.Length} characters");
        Assert.StartsWith("Unknown service 'xxx", capped, StringComparison.Ordinal);
        Assert.EndsWith("more characters)", capped, StringComparison.Ordinal);
    }

    [Fact]
    public void Cap_ShortMessage_Unchanged()
    {
        var message = new string('m', StatusWriter.MaxMessageLength);

        Assert.Same(message, StatusWriter.Cap(message));
    }

    [Fact]
    public void Cap_SurrogatePairAtTheCut_KeptWhole()
    {
        var kept = StatusWriter.MaxMessageLength - 40;
        var message = new string('a', kept - 1) + "\U0001F600" + new string('b', 1000);

        var capped = StatusWriter.Cap(message);

        Assert.False(char.IsHighSurrogate(capped[kept - 2]) && !char.IsLowSurrogate(capped[kept - 1]));
        Assert.DoesNotContain("\uFFFD", Grpc.Protocol.GrpcMessageEncoding.Decode(Grpc.Protocol.GrpcMessageEncoding.Encode(capped)), StringComparison.Ordinal);
    }
}

using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Requests;

public sealed class ExitPolicyTests
{
    [Theory]
    [InlineData("auto", ExitPolicyKind.Auto, 0f)]
    [InlineData(" AUTO ", ExitPolicyKind.Auto, 0f)]
    [InlineData("Full", ExitPolicyKind.Full, 0f)]
    [InlineData("0.9", ExitPolicyKind.Threshold, 0.9f)]
    [InlineData("1", ExitPolicyKind.Threshold, 1f)]
    [InlineData("1e-3", ExitPolicyKind.Threshold, 0.001f)]
    [InlineData(".5", ExitPolicyKind.Threshold, 0.5f)]
    public void TryParse_Accepted_GivesThePolicy(string text, ExitPolicyKind kind, float threshold)
    {
        Assert.True(ExitPolicy.TryParse(text, out var policy));

        Assert.Equal(new ExitPolicy(kind, threshold), policy);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1.01")]
    [InlineData("-0.5")]
    [InlineData("NaN")]
    [InlineData("0,9")]
    [InlineData("gates")]
    [InlineData("90%")]
    public void TryParse_NotAPolicy_False(string text) => Assert.False(ExitPolicy.TryParse(text, out _));

    [Fact]
    public void Resolve_NoHeader_TheDefault()
    {
        var staged = JeiFixture.Contract();
        var policy = new ExitPolicy(ExitPolicyKind.Threshold, 0.8f);

        Assert.Equal(policy, ExitPolicy.Resolve(staged, policy, null));
        Assert.Equal(policy, ExitPolicy.Resolve(staged, policy, " "));
        Assert.Equal(ExitPolicy.Auto, ExitPolicy.DefaultFor(staged));
        Assert.Equal(ExitPolicy.Full, ExitPolicy.DefaultFor(Contracts.Mimo()));
    }

    [Fact]
    public void Resolve_BadHeaderOnAStagedModel_InvalidArgumentNamingWhatIsAccepted()
    {
        var error = Assert.Throws<ServingException>(() => ExitPolicy.Resolve(JeiFixture.Contract(), ExitPolicy.Auto, "1.5"));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("x-mimmo-exit '1.5' is not auto, full or a confidence threshold t with 0 < t <= 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("0.9")]
    [InlineData("bogus")]
    public void Resolve_AnythingButFullOnAModelNotStaged_InvalidArgument(string header)
    {
        var error = Assert.Throws<ServingException>(() => ExitPolicy.Resolve(Contracts.Mimo(), ExitPolicy.Full, header));

        Assert.Equal(ServingErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("not staged (no early exit), so it accepts only full", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_FullOnAModelNotStaged_Full() =>
        Assert.Equal(ExitPolicy.Full, ExitPolicy.Resolve(Contracts.Mimo(), ExitPolicy.Full, "full"));

    [Theory]
    [InlineData(ExitPolicyKind.Auto, 0f, "auto")]
    [InlineData(ExitPolicyKind.Full, 0f, "full")]
    [InlineData(ExitPolicyKind.Threshold, 0.9f, "0.9")]
    public void ToString_AsTheHeaderSpellsIt(ExitPolicyKind kind, float threshold, string text) =>
        Assert.Equal(text, new ExitPolicy(kind, threshold).ToString());
}

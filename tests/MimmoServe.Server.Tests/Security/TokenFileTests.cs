using MimmoServe.Server.Security;

namespace MimmoServe.Server.Tests.Security;

/// <summary>The tokens file: one token per line with an optional model list; comments, blank lines; clear errors.</summary>
public sealed class TokenFileTests
{
    private const string TokenA = "aaaaaaaaaaaaaaaa-1";
    private const string TokenB = "bbbbbbbbbbbbbbbb-2";
    private const string TokenC = "cccccccccccccccc-3";

    [Fact]
    public void Parse_TokensWithAndWithoutModels_GrantsWhatEachLineSays()
    {
        var grants = TokenFile.Parse(["# comment", string.Empty, "  " + TokenA + "  ", TokenB + " *", TokenC + "\tm1, m2"], "tokens");

        Assert.Equal(3, grants.Count);
        Assert.True(grants[0].Allows("anything"));
        Assert.True(grants[1].Allows("anything"));
        Assert.True(grants[2].Allows("m2"));
        Assert.False(grants[2].Allows("m3"));
        Assert.Equal(TokenFile.Hash(TokenC), grants[2].Hash);
        Assert.Equal("line 5", grants[2].Source);
    }

    [Theory]
    [InlineData(new[] { "short" }, "tokens line 1: a token must be at least 16 visible ASCII characters.")]
    [InlineData(new[] { "# only a comment", "" }, "tokens holds no token, so every call would be refused.")]
    [InlineData(new[] { TokenA, TokenA + " m1" }, "tokens line 2: the same token is listed twice.")]
    [InlineData(new[] { TokenA + " m1 m2" }, "tokens line 1: the model list 'm1 m2' must be names separated by commas, or '*' alone for every model.")]
    [InlineData(new[] { TokenA + " m1,,m2" }, "tokens line 1: the model list 'm1,,m2' must be names separated by commas, or '*' alone for every model.")]
    [InlineData(new[] { TokenA + " m1,*" }, "tokens line 1: the model list 'm1,*' must be names separated by commas, or '*' alone for every model.")]
    [InlineData(new[] { "tökentökentökentöken" }, "tokens line 1: a token must be at least 16 visible ASCII characters.")]
    public void Parse_BadFile_FormatExceptionNamesTheLine(string[] lines, string expected)
    {
        var error = Assert.Throws<FormatException>(() => TokenFile.Parse(lines, "tokens"));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Parse_Error_NeverQuotesTheToken()
    {
        var error = Assert.Throws<FormatException>(() => TokenFile.Parse([TokenA, TokenA], "tokens"));

        Assert.DoesNotContain(TokenA, error.Message, StringComparison.Ordinal);
    }
}

using MimmoServe.Server.Security;
using MimmoServe.Server.Tests.Infrastructure;

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

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, false)]
    [InlineData(UnixFileMode.UserRead, false)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite, true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Load_FileMode_WarnsOnceWhenOthersThanTheOwnerCanReadOrChangeIt(UnixFileMode mode, bool warns)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [TokenA, TokenB + " m1"]);
            File.SetUnixFileMode(path, mode);
            using var logs = new CapturedLogs();

            var grants = TokenFile.Load(path, logs.CreateLogger("MimmoServe.Server.Security.CallAccess"));

            Assert.Equal(2, grants.Count);
            var warnings = logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal)).ToList();
            Assert.Equal(warns ? 1 : 0, warnings.Count);
            if (warns)
            {
                Assert.Contains(path, warnings[0], StringComparison.Ordinal);
                Assert.Contains("chmod 600", warnings[0], StringComparison.Ordinal);
                Assert.Contains("mode " + Convert.ToString((int)mode, 8), warnings[0], StringComparison.Ordinal);
            }

            Assert.DoesNotContain(logs.Lines, l => l.Contains(TokenA, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_Error_NeverQuotesTheToken()
    {
        var error = Assert.Throws<FormatException>(() => TokenFile.Parse([TokenA, TokenA], "tokens"));

        Assert.DoesNotContain(TokenA, error.Message, StringComparison.Ordinal);
    }
}

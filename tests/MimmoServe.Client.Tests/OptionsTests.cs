namespace MimmoServe.Client.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("accuracy", "accuracy")]
    [InlineData("THROUGHPUT", "throughput")]
    [InlineData(" balanced ", "balanced")]
    [InlineData("2", "2")]
    public void Parse_KnownMode_HeaderValue(string text, string header) => Assert.Equal(header, OperatingPoint.Parse(text).HeaderValue);

    [Theory]
    [InlineData("fast")]
    [InlineData("0")]
    [InlineData("-1")]
    public void Parse_UnknownMode_FormatException(string text) => Assert.Throws<FormatException>(() => OperatingPoint.Parse(text));

    [Fact]
    public void Default_NoHeader() => Assert.Null(default(OperatingPoint).HeaderValue);

    [Fact]
    public void Validate_Defaults_Pass() => new MimmoClientOptions().Validate();

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("line\nbreak")]
    [InlineData("tökén-with-accents")]
    public void Validate_BearerTokenNotAHeaderValue_NamesIt(string token) =>
        Assert.Contains("BearerToken", Assert.Throws<ArgumentException>(new MimmoClientOptions { BearerToken = token }.Validate).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("Addresses")]
    [InlineData("MaxRetryAttempts")]
    [InlineData("RetryMaxDelay")]
    [InlineData("BreakerFailureRatio")]
    public void Validate_InvalidSetting_NamesIt(string setting)
    {
        var options = new MimmoClientOptions();
        switch (setting)
        {
            case "Addresses": options.Addresses = ["nohost"]; break;
            case "MaxRetryAttempts": options.MaxRetryAttempts = -1; break;
            case "RetryMaxDelay": options.RetryMaxDelay = TimeSpan.FromMilliseconds(1); break;
            default: options.BreakerFailureRatio = 2; break;
        }

        Assert.Contains(setting == "Addresses" ? "server address" : setting, Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }
}

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

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData(" FULL ", "full")]
    [InlineData("0.9", "0.9")]
    [InlineData("1", "1")]
    [InlineData(".25", "0.25")]
    [InlineData("1e-3", "0.001")]
    public void ParseExit_KnownPolicy_HeaderValue(string text, string header) => Assert.Equal(header, ExitPolicy.Parse(text).HeaderValue);

    [Theory]
    [InlineData("gates")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("-0.5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void ParseExit_NotAPolicy_FormatExceptionNamingWhatIsAccepted(string text) =>
        Assert.Contains("auto, full or a confidence threshold in (0, 1]", Assert.Throws<FormatException>(() => ExitPolicy.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Threshold_OutsideZeroToOne_Throws(double confidence) => Assert.Throws<ArgumentOutOfRangeException>(() => ExitPolicy.Threshold(confidence));

    [Fact]
    public void Threshold_AnyValueInRange_RoundTripsThroughTheHeader()
    {
        foreach (var confidence in new[] { 1e-9, 0.1, 1.0 / 3, 0.9, 0.999999, 1.0 })
        {
            Assert.Equal(confidence, double.Parse(ExitPolicy.Threshold(confidence).HeaderValue!, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void DefaultExit_NoHeader() => Assert.Equal((null, "default"), (default(ExitPolicy).HeaderValue, default(ExitPolicy).ToString()));

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

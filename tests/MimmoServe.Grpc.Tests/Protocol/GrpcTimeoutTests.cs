using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<string, long> ValidValues => new()
    {
        { "1H", TimeSpan.FromHours(1).Ticks },
        { "2M", TimeSpan.FromMinutes(2).Ticks },
        { "3S", TimeSpan.FromSeconds(3).Ticks },
        { "250m", TimeSpan.FromMilliseconds(250).Ticks },
        { "1500u", 15_000 },
        { "1000n", 10 },
        { "1n", 1 },
        { "0m", 0 },
        { "99999999H", TimeSpan.FromHours(99_999_999).Ticks },
        { "00000010S", TimeSpan.FromSeconds(10).Ticks },
    };

    [Theory]
    [MemberData(nameof(ValidValues))]
    public void TryParse_ValidValue_ReturnsTimeout(string value, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("10X")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData(" 1S")]
    [InlineData("1.5S")]
    public void TryParse_InvalidValue_ReturnsFalse(string value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }

    [Theory]
    [InlineData(1, "100n")]
    [InlineData(999_999, "99999900n")]
    [InlineData(1_000_000, "100000u")]
    [InlineData(10_000_000, "1000000u")]
    public void Format_SmallTimeout_UsesFinestUnitThatFits(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));
    }

    [Fact]
    public void Format_ZeroOrNegative_ReturnsZero()
    {
        Assert.Equal("0n", GrpcTimeout.Format(TimeSpan.Zero));
        Assert.Equal("0n", GrpcTimeout.Format(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Format_Huge_ClampsToLongestHours()
    {
        Assert.Equal("99999999H", GrpcTimeout.Format(TimeSpan.MaxValue));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(123)]
    [InlineData(1_000_000)]
    [InlineData(36_000_000_000)]
    [InlineData(864_000_000_000)]
    [InlineData(3_600_000_000_000_000)]
    public void Format_AnyTimeout_ParsesBackToAtLeastTheTimeoutAndFitsEightDigits(long ticks)
    {
        var timeout = TimeSpan.FromTicks(ticks);
        var text = GrpcTimeout.Format(timeout);

        Assert.True(text.Length <= 9, text);
        Assert.True(GrpcTimeout.TryParse(text, out var parsed), text);
        Assert.True(parsed >= timeout, $"{text} parsed to {parsed}, less than {timeout}");
        // Rounding up in the chosen unit loses at most one unit: under 1/10^7 of the value for values of 8 digits.
        Assert.True(parsed - timeout <= TimeSpan.FromTicks(Math.Max(1, ticks / 1_000_000)), $"{text} is {parsed - timeout} over");
    }
}

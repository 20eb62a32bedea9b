using Microsoft.Extensions.Time.Testing;
using MimmoServe.Server.Hosting;

namespace MimmoServe.Server.Tests.Hosting;

/// <summary>When the start-up warm-up stops, on a clock the test moves and a JIT count the test sets.</summary>
public sealed class WarmupClockTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private long _compiled;

    [Fact]
    public void ShouldContinue_JitQuietBeforeTheMinimum_GoesOnUntilTheMinimumThenStopsQuiet()
    {
        var clock = new WarmupClock(_time, TimeSpan.FromSeconds(3), () => _compiled);

        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.True(clock.ShouldContinue());
        _time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.False(clock.ShouldContinue());
        Assert.True(clock.EndedQuiet);
    }

    [Fact]
    public void ShouldContinue_JitBusyPastTheMinimum_GoesOnUntilAQuietWindow()
    {
        var clock = new WarmupClock(_time, TimeSpan.FromSeconds(3), () => _compiled);

        // Hundreds of methods a window (the tier-up), then fewer than QuietMethods in the next.
        for (var t = 0; t < 12; t++)
        {
            _compiled += 300;
            _time.Advance(WarmupClock.QuietWindow);
            Assert.True(clock.ShouldContinue(), $"window {t}");
        }

        _compiled += WarmupClock.QuietMethods - 1;
        _time.Advance(WarmupClock.QuietWindow);

        Assert.False(clock.ShouldContinue());
        Assert.True(clock.EndedQuiet);
    }

    [Fact]
    public void ShouldContinue_JitNeverQuiet_StopsAtTheMinimumPlusTheMaxExtension()
    {
        var clock = new WarmupClock(_time, TimeSpan.FromSeconds(1), () => _compiled);
        var limit = TimeSpan.FromSeconds(1) + WarmupClock.MaxExtension;
        var elapsed = TimeSpan.Zero;

        while (elapsed < limit - WarmupClock.QuietWindow)
        {
            _compiled += WarmupClock.QuietMethods;
            _time.Advance(WarmupClock.QuietWindow);
            elapsed += WarmupClock.QuietWindow;
            Assert.True(clock.ShouldContinue(), $"at {elapsed}");
        }

        _compiled += WarmupClock.QuietMethods;
        _time.Advance(WarmupClock.QuietWindow);

        Assert.False(clock.ShouldContinue());
        Assert.False(clock.EndedQuiet);
    }
}

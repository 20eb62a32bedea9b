namespace MimmoServe.Server.Hosting;

/// <summary>
/// When the start-up warm-up (<see cref="CallPathWarmup"/>) may stop: never before its minimum (--warmup-seconds); after
/// it, as soon as the JIT is quiet, fewer than <see cref="QuietMethods"/> methods compiled in the last
/// <see cref="QuietWindow"/> (the hot methods have reached their final tier); and at the latest
/// <see cref="MaxExtension"/> after the minimum. Measured on the 2-core machine (8 December 2026, bench/README.md): under
/// the warm-up's load the tier-1 recompilations of the hot path went on for 6.3 s, so a fixed 3 s left half of them to
/// the first seconds of real traffic. Thread-safe: the warm-up's callers poll it after each call.
/// </summary>
internal sealed class WarmupClock
{
    /// <summary>The window over which the JIT's activity is judged.</summary>
    internal static readonly TimeSpan QuietWindow = TimeSpan.FromMilliseconds(500);

    /// <summary>Methods compiled in one <see cref="QuietWindow"/> below which the JIT counts as quiet (20 a second; the tier-up compiles hundreds).</summary>
    internal const int QuietMethods = 10;

    /// <summary>How long the warm-up may go on past its minimum while the JIT is still busy.</summary>
    internal static readonly TimeSpan MaxExtension = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _minimum;
    private readonly Func<long> _compiledMethods;
    private readonly long _start;
    private long _windowStart;
    private long _windowCount;
    private bool _quiet;

    /// <param name="time">The clock.</param>
    /// <param name="minimum">The warm-up's least duration.</param>
    /// <param name="compiledMethods">Methods the JIT has compiled so far, in the whole process (default: <see cref="System.Runtime.JitInfo"/>).</param>
    public WarmupClock(TimeProvider time, TimeSpan minimum, Func<long>? compiledMethods = null)
    {
        _time = time;
        _minimum = minimum;
        _compiledMethods = compiledMethods ?? (static () => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false));
        _start = _windowStart = time.GetTimestamp();
        _windowCount = _compiledMethods();
    }

    /// <summary>True when the warm-up stopped because the JIT was quiet; false while it runs or when it reached its limit.</summary>
    public bool EndedQuiet { get; private set; }

    /// <summary>Whether the warm-up goes on; judges the JIT's last window whenever one has passed.</summary>
    public bool ShouldContinue()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_windowStart, now) >= QuietWindow)
            {
                var count = _compiledMethods();
                _quiet = count - _windowCount < QuietMethods;
                (_windowStart, _windowCount) = (now, count);
            }

            var elapsed = _time.GetElapsedTime(_start, now);
            if (elapsed < _minimum)
            {
                return true;
            }

            EndedQuiet = _quiet;
            return !_quiet && elapsed < _minimum + MaxExtension;
        }
    }
}

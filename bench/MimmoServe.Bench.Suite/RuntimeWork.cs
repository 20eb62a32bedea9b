namespace MimmoServe.Bench.Suite;

/// <summary>
/// What the server's runtime spent besides serving, from its own counters on /metrics (the System.Runtime meter):
/// seconds compiling methods (<c>dotnet.jit.compilation.time</c>, tier-0 and the tier-1 recompilations of hot methods),
/// the methods compiled, and seconds the garbage collector paused the process. Over a load run, the difference of two
/// scrapes: a new process's first seconds show here what they spend on compilation.
/// </summary>
internal sealed record RuntimeWork(double JitSeconds, long JitMethods, double GcPauseSeconds)
{
    public RuntimeWork Minus(RuntimeWork earlier) =>
        new(JitSeconds - earlier.JitSeconds, JitMethods - earlier.JitMethods, GcPauseSeconds - earlier.GcPauseSeconds);

    public RuntimeWork Plus(RuntimeWork other) =>
        new(JitSeconds + other.JitSeconds, JitMethods + other.JitMethods, GcPauseSeconds + other.GcPauseSeconds);
}

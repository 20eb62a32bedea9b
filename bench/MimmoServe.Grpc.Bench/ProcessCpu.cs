using System.Globalization;

namespace MimmoServe.Grpc.Bench;

/// <summary>CPU time of a process from /proc/PID/stat: user + system time of all its threads, live and exited.</summary>
internal static class ProcessCpu
{
    /// <summary>Clock ticks per second of /proc's times (USER_HZ); 100 on every Linux configuration in use.</summary>
    private const double TicksPerSecond = 100.0;

    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 (utime) and 15 (stime) of the man page are 11 and 12 after the name and state.
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }
}

using System.Runtime.InteropServices;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// CPU seconds of this process's ended and reaped children (getrusage RUSAGE_CHILDREN): the before/after difference
/// around a load generator's run is that generator's CPU, since the server child keeps running and is not counted.
/// </summary>
internal static partial class ChildrenCpu
{
    private const int RusageChildren = -1;

    public static double Seconds()
    {
        if (GetRusage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return usage.UserSeconds + (usage.UserMicros / 1e6) + usage.SystemSeconds + (usage.SystemMicros / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs this class does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        private unsafe fixed long _rest[14];
    }
}

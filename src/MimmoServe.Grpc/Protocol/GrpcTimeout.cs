using System.Globalization;

namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// Parses and formats <c>grpc-timeout</c>: at most 8 ASCII digits followed by one unit,
/// H (hours), M (minutes), S (seconds), m (milliseconds), u (microseconds) or n (nanoseconds).
/// </summary>
public static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Units from finest to coarsest with their length in nanoseconds; Format picks the first that fits in 8 digits.
    private static readonly (char Unit, long Nanoseconds)[] Units =
    [
        ('n', 1),
        ('u', 1_000),
        ('m', 1_000_000),
        ('S', 1_000_000_000),
        ('M', 60L * 1_000_000_000),
        ('H', 3_600L * 1_000_000_000),
    ];

    /// <summary>Parses a header value; false for an empty, over-long or malformed value or an unknown unit.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > GrpcProtocolConstants.MaxTimeoutDigits + 1)
        {
            return false;
        }

        var digits = value[..^1];
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        switch (value[^1])
        {
            case 'H': timeout = TimeSpan.FromHours(amount); return true;
            case 'M': timeout = TimeSpan.FromMinutes(amount); return true;
            case 'S': timeout = TimeSpan.FromSeconds(amount); return true;
            case 'm': timeout = TimeSpan.FromMilliseconds(amount); return true;
            case 'u': timeout = TimeSpan.FromTicks(amount * TimeSpan.TicksPerMicrosecond); return true;
            // A tick is 100 ns: round up so that a positive timeout never becomes zero.
            case 'n': timeout = TimeSpan.FromTicks((amount + 99) / 100); return true;
            default: return false;
        }
    }

    /// <summary>Formats a timeout in the finest unit whose value fits in 8 digits, rounding up; negative means 0.</summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "0n";
        }

        // Ticks are 100 ns; beyond long range in nanoseconds we go straight to the coarse units.
        var ticks = timeout.Ticks;
        foreach (var (unit, nanoseconds) in Units)
        {
            var ticksPerUnit = nanoseconds / 100;
            long amount;
            if (ticksPerUnit == 0)
            {
                // Nanoseconds: 100 per tick.
                if (ticks > MaxValue / 100)
                {
                    continue;
                }

                amount = ticks * 100;
            }
            else
            {
                amount = (ticks / ticksPerUnit) + (ticks % ticksPerUnit == 0 ? 0 : 1);
            }

            if (amount <= MaxValue)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}

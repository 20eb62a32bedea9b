using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The suite's command line: <c>[--seconds S] [--warmup S] [--server-warmup S] [--items 1,16] [--out DIR] [--models a,b] [--quick]</c>.
/// </summary>
internal sealed record SuiteOptions(double Seconds, double Warmup, double ServerWarmup, IReadOnlyList<int> Items, string? OutFolder, IReadOnlyList<string>? Models)
{
    public const string Usage = "usage: MimmoServe.Bench.Suite [--seconds S (per measurement, default 8)] [--warmup S (before each measurement, default 2)] " +
        "[--server-warmup S (saturating load on a new server before its first measurement, default 12)] [--items N,N (items per call, default 1,16)] " +
        "[--out DIR (default bench/)] [--models name,name] [--quick (2 s each, for a smoke run)]";

    public static SuiteOptions Parse(string[] args)
    {
        double seconds = 8, warmup = 2, serverWarmup = 12;
        IReadOnlyList<int> items = [1, 16];
        string? outFolder = null;
        IReadOnlyList<string>? models = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--seconds":
                    seconds = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    warmup = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--server-warmup":
                    serverWarmup = double.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--items":
                    items = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
                    break;
                case "--out":
                    outFolder = Value();
                    break;
                case "--models":
                    models = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--quick":
                    seconds = 2;
                    warmup = 0.5;
                    serverWarmup = 2;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'. {Usage}");
            }
        }

        if (!(seconds > 0) || !(warmup >= 0) || !(serverWarmup >= 0) || items.Count == 0 || items.Any(n => n < 1))
        {
            throw new ArgumentException($"--seconds must be positive, --warmup and --server-warmup not negative, --items whole numbers >= 1. {Usage}");
        }

        return new SuiteOptions(seconds, warmup, serverWarmup, items, outFolder, models);
    }
}

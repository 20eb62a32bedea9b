using System.Globalization;

namespace MimmoServe.Bench.Suite;

/// <summary>The suite's command line: <c>[--seconds S] [--warmup S] [--out DIR] [--models a,b] [--quick]</c>.</summary>
internal sealed record SuiteOptions(double Seconds, double Warmup, string? OutFolder, IReadOnlyList<string>? Models)
{
    public const string Usage = "usage: MimmoServe.Bench.Suite [--seconds S (per measurement, default 8)] [--warmup S (default 2)] [--out DIR (default bench/)] [--models name,name] [--quick (2 s each, for a smoke run)]";

    public static SuiteOptions Parse(string[] args)
    {
        double seconds = 8, warmup = 2;
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
                case "--out":
                    outFolder = Value();
                    break;
                case "--models":
                    models = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--quick":
                    seconds = 2;
                    warmup = 0.5;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'. {Usage}");
            }
        }

        if (!(seconds > 0) || !(warmup >= 0))
        {
            throw new ArgumentException($"--seconds must be positive and --warmup not negative. {Usage}");
        }

        return new SuiteOptions(seconds, warmup, outFolder, models);
    }
}

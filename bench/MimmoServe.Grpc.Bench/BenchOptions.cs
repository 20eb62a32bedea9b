using System.Globalization;

namespace MimmoServe.Grpc.Bench;

/// <summary>Command line: <c>[--calls 20000] [--concurrency 32] [--warmup 2000] [--python-workers 8] [--rounds 3]</c>.</summary>
internal sealed record BenchOptions(int Calls, int Concurrency, int Warmup, int PythonWorkers, int Rounds)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(Calls: 20_000, Concurrency: 32, Warmup: 2_000, PythonWorkers: 8, Rounds: 3);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--calls" => options with { Calls = value },
                "--concurrency" => options with { Concurrency = value },
                "--warmup" => options with { Warmup = value },
                "--python-workers" => options with { PythonWorkers = value },
                "--rounds" => options with { Rounds = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}; see BenchOptions."),
            };
        }

        if (options.Calls <= 0 || options.Concurrency <= 0 || options.Warmup < 0 || options.PythonWorkers <= 0 || options.Rounds <= 0)
        {
            throw new ArgumentException("--calls, --concurrency, --python-workers and --rounds must be positive, --warmup not negative.");
        }

        return options;
    }
}

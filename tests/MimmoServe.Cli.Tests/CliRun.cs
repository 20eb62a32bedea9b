using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Cli.Tests;

/// <summary>One run of the CLI in-process: its exit code and what it wrote.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>mimmo args</c> with <paramref name="environment"/> as the only environment variables.</summary>
    public static async Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = CliContext.ForWriters(output, error, name => environment?.GetValueOrDefault(name));
        var code = await MimmoCli.RunAsync(args, context);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public static string Fixture(string name) => TestModels.Fixture(name);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

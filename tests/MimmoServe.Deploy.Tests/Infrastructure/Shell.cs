using System.Diagnostics;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>Runs a repository script the way a Docker build step would, and returns its exit code and output.</summary>
internal static class Shell
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <returns>The exit code and the standard output and error together.</returns>
    public static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}

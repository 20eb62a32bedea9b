using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>
/// Renders a kustomization with <c>kubectl kustomize</c> (offline: no cluster is contacted), once per folder. The
/// kubectl on PATH is used, or the one named by the environment variable <c>KUBECTL</c>.
/// </summary>
internal static class Kustomize
{
    public const string KubectlVariable = "KUBECTL";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new(StringComparer.Ordinal);

    /// <summary>The objects of <paramref name="folder"/> (relative to the repository root) as kubectl renders them.</summary>
    public static Manifests Render(string folder) => Rendered.GetOrAdd(folder, f => new Lazy<Manifests>(() => RenderNow(f))).Value;

    private static Manifests RenderNow(string folder)
    {
        var kubectl = Environment.GetEnvironmentVariable(KubectlVariable) is { Length: > 0 } configured ? configured : "kubectl";
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(RepositoryFiles.PathOf(folder));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{kubectl} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"kubectl is needed to render {folder} and was not found ('{kubectl}': {e.Message}). Install kubectl 1.27 or " +
                $"later (its built-in kustomize renders offline, no cluster needed) or set {KubectlVariable} to its path; " +
                ".ci/run checks for it before the tests.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {folder} did not finish within {Timeout.TotalSeconds} s.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl kustomize {folder} failed with exit code {process.ExitCode}: {error.Result}");
            }

            return new Manifests(folder, Yaml.LoadAll(output.Result));
        }
    }
}

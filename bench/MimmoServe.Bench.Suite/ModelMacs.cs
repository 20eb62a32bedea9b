using System.Diagnostics;
using System.Text.Json;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Multiply-accumulates per row of each model, counted from its ONNX graph by <c>bench/tools/onnx_macs.py</c> (Debian's
/// python3-onnx, which .ci/run installs). Empty, with a warning, where that Python or package is missing: the report
/// then leaves the achieved-MACs column out rather than guess.
/// </summary>
internal static class ModelMacs
{
    public const string Python = "/usr/bin/python3";

    public static IReadOnlyDictionary<string, long> Count(SuitePaths paths, IEnumerable<BundledModel> models)
    {
        var list = models.ToList();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(paths.BenchFolder, "tools", "onnx_macs.py"));
        list.ForEach(m => start.ArgumentList.Add(m.Path));
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("no process");
            var output = process.StandardOutput.ReadToEnd();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"warning: MACs not counted ({Python} bench/tools/onnx_macs.py exited {process.ExitCode}): {errors.Trim()}");
                return new Dictionary<string, long>();
            }

            using var document = JsonDocument.Parse(output);
            return list.ToDictionary(m => m.Name, m => document.RootElement.GetProperty(m.Path).GetInt64());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"warning: MACs not counted ({Python}: {e.Message})");
            return new Dictionary<string, long>();
        }
    }
}

using System.Globalization;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// A temporary models folder for naive serving: each model's file linked, its config.json rewritten to one row per
/// run and no queue delay, k = M by default. The same server, batching off.
/// </summary>
internal sealed class NaiveModels : IDisposable
{
    public NaiveModels(IEnumerable<BundledModel> models)
    {
        Folder = Directory.CreateTempSubdirectory("mimmo-suite-naive-").FullName;
        foreach (var model in models)
        {
            var folder = Directory.CreateDirectory(Path.Combine(Folder, model.Name)).FullName;
            File.CreateSymbolicLink(Path.Combine(folder, "model.onnx"), model.Path);
            var k = model.Contract.EnsembleSizes.Max();
            File.WriteAllText(Path.Combine(folder, ModelConfig.FileName), string.Create(CultureInfo.InvariantCulture,
                $$"""{ "{{ModelConfigReader.Keys.DefaultEnsembleSize}}": {{k}}, "{{ModelConfigReader.Keys.MaxRowsPerRun}}": 1, "{{ModelConfigReader.Keys.MaxQueueDelayMs}}": 0 }"""));
        }
    }

    public string Folder { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

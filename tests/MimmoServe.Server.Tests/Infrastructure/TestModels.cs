using System.Text.Json;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>A temporary model folder, <c>&lt;dir&gt;/&lt;name&gt;/model.onnx</c> with an optional config.json, deleted on dispose.</summary>
internal sealed class TestModels : IDisposable
{
    public TestModels()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mimmo-server-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    /// <summary>
    /// Adds model <paramref name="name"/> from <paramref name="onnxPath"/> (with the other .onnx files beside it when it is
    /// a folder's model.onnx: a staged model's stages), with config.json from <paramref name="config"/> (an anonymous object) when given.
    /// </summary>
    public TestModels Add(string name, string onnxPath, object? config = null)
    {
        var folder = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(folder);
        File.Copy(onnxPath, Path.Combine(folder, "model.onnx"));
        if (Path.GetFileName(onnxPath) == "model.onnx")
        {
            // A bundled model's folder: a staged model's later stage files (stage1.onnx, ...) live beside its model.onnx.
            foreach (var stage in System.IO.Directory.GetFiles(Path.GetDirectoryName(onnxPath)!, "*.onnx").Where(f => Path.GetFileName(f) != "model.onnx"))
            {
                File.Copy(stage, Path.Combine(folder, Path.GetFileName(stage)));
            }
        }
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config));
        }

        return this;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}

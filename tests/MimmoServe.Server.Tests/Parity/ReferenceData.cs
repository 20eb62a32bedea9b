using System.Buffers.Binary;
using System.Text.Json;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Server.Tests.Parity;

/// <summary>
/// The PyTorch reference data of models/CONTRACT.md (<c>reference/manifest.json</c>) and the model folders beside it:
/// the repository's <c>models/</c>, or the folder named by <c>MIMMO_PARITY_MODELS</c> with the same layout.
/// Missing data is a failure with the reason, never a skip.
/// </summary>
internal sealed class ReferenceData
{
    public const string FolderVariable = "MIMMO_PARITY_MODELS";

    private ReferenceData(string root, int count, long[] itemShape, float[] images, ReferenceModel[] models)
    {
        Root = root;
        Count = count;
        ItemShape = itemShape;
        Images = images;
        Models = models;
    }

    /// <summary>The folder holding <c>&lt;name&gt;/model.onnx</c> and <c>reference/</c>.</summary>
    public string Root { get; }

    public int Count { get; }

    public long[] ItemShape { get; }

    public int ItemLength => (int)ItemShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>[Count, *ItemShape].</summary>
    public float[] Images { get; }

    public ReferenceModel[] Models { get; }

    public static string DefaultRoot()
    {
        if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder)
        {
            return Path.GetFullPath(folder);
        }

        var repository = ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"{ModelsDirectory.RepositoryMarker} not found above {AppContext.BaseDirectory}.");
        return Path.Combine(repository, "models");
    }

    public static ReferenceData Load(string root)
    {
        var manifestPath = Path.Combine(root, "reference", "manifest.json");
        Assert.True(File.Exists(manifestPath),
            $"The parity reference {manifestPath} is missing: run models/train_all.sh (or the kit's reference command), or set {FolderVariable} to a folder with <name>/model.onnx and reference/manifest.json.");
        using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var json = manifest.RootElement;
        var count = json.GetProperty("count").GetInt32();
        var itemShape = json.GetProperty("item_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var images = ReadFloats(Path.Combine(root, "reference", json.GetProperty("images").GetString()!));
        var models = new List<ReferenceModel>();
        foreach (var model in json.GetProperty("models").EnumerateObject())
        {
            var m = model.Value;
            var slots = m.GetProperty("slots").GetInt32();
            var classes = m.GetProperty("num_classes").GetInt32();
            var staged = m.TryGetProperty("staged", out var flag) && flag.GetBoolean();
            models.Add(new ReferenceModel(
                model.Name, slots, m.GetProperty("exits").GetInt32(), classes,
                Path.Combine(root, model.Name, "model.onnx"),
                ReadFloats(Path.Combine(root, "reference", m.GetProperty("probs_same").GetString()!)),
                ReadFloats(Path.Combine(root, "reference", m.GetProperty("probs_shifted").GetString()!)))
            {
                Staged = staged ? ReadStaged(root, m) : null,
            });
        }

        var data = new ReferenceData(root, count, itemShape, images, [.. models]);
        Assert.Equal(count * data.ItemLength, images.Length);
        foreach (var model in data.Models)
        {
            Assert.True(File.Exists(model.OnnxPath), $"The reference names model {model.Name}, but {model.OnnxPath} is missing.");
            Assert.Equal(count * model.Classes, model.ProbsSame.Length);
            Assert.Equal(count * model.Slots * model.Classes, model.ProbsShifted.Length);
            if (model.Staged is { } staged)
            {
                Assert.Equal(count * model.Exits * model.Slots * model.Classes, staged.LogitsSame.Length);
                Assert.Equal(count * model.Exits * model.Slots * model.Classes, staged.LogitsShifted.Length);
                Assert.Equal(count * model.Exits * model.Slots, staged.GatesSame.Length);
                Assert.Equal(count * model.Exits * model.Slots, staged.GatesShifted.Length);
                Assert.Equal(count, staged.AutoExitsSame.Length);
            }
        }

        return data;
    }

    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * ItemLength, ItemLength);

    private static StagedReference ReadStaged(string root, JsonElement m)
    {
        float[] Floats(string key) => ReadFloats(Path.Combine(root, "reference", m.GetProperty(key).GetString()!));
        return new StagedReference(Floats("logits_same"), Floats("logits_shifted"), Floats("gates_same"), Floats("gates_shifted"),
            [.. m.GetProperty("auto_exits_same").EnumerateArray().Select(e => e.GetInt32())]);
    }

    private static float[] ReadFloats(string path)
    {
        Assert.True(File.Exists(path), $"The reference file {path} is missing.");
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return values;
    }
}

/// <summary>One model of the reference: probs_same [count, K], probs_shifted [count, M, K].</summary>
internal sealed record ReferenceModel(string Name, int Slots, int Exits, int Classes, string OnnxPath, float[] ProbsSame, float[] ProbsShifted)
{
    /// <summary>A staged model's logits and gates per exit (its probs_* are what the policy full serves); null otherwise.</summary>
    public StagedReference? Staged { get; init; }

    /// <summary>The x-mimmo-exit header that makes the model serve probs_*: full for a staged model, none for the others.</summary>
    public string? FullExit => Staged is null ? null : "full";

    public ReadOnlySpan<float> Same(int image) => ProbsSame.AsSpan(image * Classes, Classes);

    public ReadOnlySpan<float> Shifted(int row, int slot) => ProbsShifted.AsSpan(((row * Slots) + slot) * Classes, Classes);
}

using System.Buffers.Binary;
using System.Text.Json;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Client.Tests.Staged;

/// <summary>
/// The bundled staged model (<c>models/fashion-jeidnn</c>) and its PyTorch reference (models/CONTRACT.md, reference
/// data): the 256 images and labels, <c>logits_same</c> [256, E, M, K] and <c>auto_exits_same</c>. The answers expected
/// of the server are computed here from those files, as the contract defines them: p_e = the mean over the input's
/// slots of softmax(logits at e). Missing data is a failure with the reason, never a skip. Shared by the client and
/// CLI tests.
/// </summary>
internal sealed class StagedReference
{
    public const string ModelName = "fashion-jeidnn";

    private readonly float[] _logits;

    private StagedReference(string models, int count, int itemLength, float[] images, int[] labels, int slots, int exits, int classes, float[] logits, int[] autoExits)
    {
        ModelFolder = Path.Combine(models, ModelName);
        ImagesPath = Path.Combine(models, "reference", "images.f32");
        Count = count;
        ItemLength = itemLength;
        Images = images;
        Labels = labels;
        Slots = slots;
        Exits = exits;
        Classes = classes;
        _logits = logits;
        AutoExits = autoExits;
    }

    public string ModelFolder { get; }

    /// <summary>The reference images, raw float32 [Count, 1, 28, 28], with manifest.json (labels) beside them.</summary>
    public string ImagesPath { get; }

    public int Count { get; }

    public int ItemLength { get; }

    public float[] Images { get; }

    public int[] Labels { get; }

    public int Slots { get; }

    public int Exits { get; }

    public int Classes { get; }

    /// <summary>The exit <c>auto</c> chooses for image i alone in a row (every slot holding it).</summary>
    public int[] AutoExits { get; }

    public static StagedReference Load()
    {
        var root = ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"{ModelsDirectory.RepositoryMarker} not found above {AppContext.BaseDirectory}.");
        var models = Path.Combine(root, "models");
        var manifestPath = Path.Combine(models, "reference", "manifest.json");
        Assert.True(File.Exists(manifestPath), $"{manifestPath} is missing: the staged model's reference data comes with models/{ModelName}.");
        using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var json = manifest.RootElement;
        Assert.True(json.GetProperty("models").TryGetProperty(ModelName, out var entry), $"{manifestPath} has no entry {ModelName}.");
        Assert.True(entry.TryGetProperty("staged", out var staged) && staged.GetBoolean(), $"{ModelName} is not marked staged in {manifestPath}.");
        var count = json.GetProperty("count").GetInt32();
        var itemLength = (int)json.GetProperty("item_shape").EnumerateArray().Aggregate(1L, (a, d) => a * d.GetInt64());
        var reference = new StagedReference(
            models,
            count,
            itemLength,
            ReadFloats(Path.Combine(models, "reference", json.GetProperty("images").GetString()!)),
            [.. json.GetProperty("labels").EnumerateArray().Select(l => l.GetInt32())],
            entry.GetProperty("slots").GetInt32(),
            entry.GetProperty("exits").GetInt32(),
            entry.GetProperty("num_classes").GetInt32(),
            ReadFloats(Path.Combine(models, "reference", entry.GetProperty("logits_same").GetString()!)),
            [.. entry.GetProperty("auto_exits_same").EnumerateArray().Select(e => e.GetInt32())]);
        Assert.Equal(count * itemLength, reference.Images.Length);
        Assert.Equal(count * reference.Exits * reference.Slots * reference.Classes, reference._logits.Length);
        Assert.Equal(count, reference.AutoExits.Length);
        Assert.True(File.Exists(Path.Combine(reference.ModelFolder, "model.onnx")), $"{reference.ModelFolder}/model.onnx is missing.");
        return reference;
    }

    /// <summary>Copies the model's folder (every stage file and its config) into <paramref name="models"/> under <see cref="ModelName"/>.</summary>
    public TestModels AddTo(TestModels models)
    {
        var folder = Directory.CreateDirectory(Path.Combine(models.Directory, ModelName)).FullName;
        foreach (var file in Directory.GetFiles(ModelFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return models;
    }

    /// <summary>A request for image <paramref name="image"/> with that id.</summary>
    public PredictRequest Request(int image)
    {
        var request = new PredictRequest { Model = ModelName, Id = image.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        request.Shape.AddRange([1, 28, 28]);
        request.Data.AddRange(Images.AsSpan(image * ItemLength, ItemLength).ToArray());
        return request;
    }

    /// <summary>p_e of image i alone in a row: the mean over the M slots of softmax(logits_same[i, e, s]).</summary>
    public double[] Probabilities(int image, int exit)
    {
        var p = new double[Classes];
        for (var s = 0; s < Slots; s++)
        {
            var logits = _logits.AsSpan((((image * Exits) + exit) * Slots + s) * Classes, Classes);
            var max = double.NegativeInfinity;
            foreach (var l in logits)
            {
                max = Math.Max(max, l);
            }

            var sum = 0.0;
            foreach (var l in logits)
            {
                sum += Math.Exp(l - max);
            }

            for (var c = 0; c < Classes; c++)
            {
                p[c] += Math.Exp(logits[c] - max) / sum / Slots;
            }
        }

        return p;
    }

    /// <summary>The class answered at <paramref name="exit"/> for image i alone in a row.</summary>
    public int Answer(int image, int exit)
    {
        var p = Probabilities(image, exit);
        return Array.IndexOf(p, p.Max());
    }

    /// <summary>
    /// The exit a threshold t chooses for image i (the first exit with max p_e >= t, else the last), or null when some
    /// exit's confidence is within 1e-4 of t: float32 inference may then fall either side.
    /// </summary>
    public int? ThresholdExit(int image, double threshold)
    {
        for (var e = 0; e < Exits; e++)
        {
            var confidence = Probabilities(image, e).Max();
            if (Math.Abs(confidence - threshold) < 1e-4)
            {
                return null;
            }

            if (confidence >= threshold)
            {
                return e;
            }
        }

        return Exits - 1;
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

using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using MimmoServe.Client;
using MimmoServe.Client.Tests.Staged;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Tests;

/// <summary>
/// model, predict --exit and bench --exit --images against a real server of the bundled staged model: what they print
/// is what the model's reference says (exits, compute shares, accuracy over the reference images).
/// </summary>
public sealed class StagedCommandsTests(StagedServerFixture server) : IClassFixture<StagedServerFixture>
{
    private StagedReference Reference => server.Reference;

    [Fact]
    public async Task Model_Staged_ShowsStageCostsAndTheDefaultExitPolicy()
    {
        using var client = MimmoClient.Create(server.Address);
        var info = await client.GetModelAsync(StagedReference.ModelName);

        var run = await CliRun.RunAsync(["model", StagedReference.ModelName, "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Reference.Exits, info.StageCosts.Count);
        Assert.Equal(1f, info.StageCosts.Sum(), 4);
        Assert.Contains($"│ stage costs │ {string.Join(" ", info.StageCosts.Select(c => c.ToString("0.###", CultureInfo.InvariantCulture)))}", Squeeze(run.Output), StringComparison.Ordinal);
        Assert.Contains($"│ default exit policy │ {info.DefaultExitPolicy} │", Squeeze(run.Output), StringComparison.Ordinal);
        Assert.NotEmpty(info.DefaultExitPolicy);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task Predict_ExitPolicy_JsonExitAndComputeShareOfTheReference(string policy)
    {
        using var folder = new TempFolder();
        var costs = await CostsAsync();
        foreach (var image in new[] { 0, 1, 2, 3, 4, 5, 6, 7 })
        {
            var file = folder.WriteFloats($"image{image}.f32", Reference.Images.AsSpan(image * Reference.ItemLength, Reference.ItemLength).ToArray());

            var run = await CliRun.RunAsync(["predict", file, "--model", StagedReference.ModelName, "--mode", "accuracy", "--exit", policy, "--json", "--address", server.Address]);

            Assert.True(run.ExitCode == 0, run.ToString());
            var reply = JsonParser.Default.Parse<PredictResponse>(run.Output);
            var exit = policy == "auto" ? Reference.AutoExits[image] : Reference.Exits - 1;
            Assert.Equal((uint)exit, reply.Exit);
            Assert.Equal(costs.Take(exit + 1).Sum(), reply.ComputeShare, 5);
            Assert.Equal(Reference.Answer(image, exit), reply.ClassIndex);
            // Written even when 0 (the shallowest exit).
            Assert.Contains("\"exit\": ", run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Predict_EightFilesInOneBatchedCall_EachItemInOrderAtItsReferenceExit()
    {
        using var folder = new TempFolder();
        var costs = await CostsAsync();
        var images = new[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        var files = images.Select(i => folder.WriteFloats($"image{i}.f32", Reference.Images.AsSpan(i * Reference.ItemLength, Reference.ItemLength).ToArray()))
            .ToArray();

        var run = await CliRun.RunAsync(
            ["predict", .. files, "--model", StagedReference.ModelName, "--mode", "accuracy", "--exit", "auto", "--json", "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(run.Output);
        Assert.Equal("image0.f32", reply.Id);
        Assert.Equal(images.Length, reply.Items.Count);
        foreach (var image in images)
        {
            var exit = Reference.AutoExits[image];
            Assert.Equal((uint)exit, reply.Items[image].Exit);
            Assert.Equal(costs.Take(exit + 1).Sum(), reply.Items[image].ComputeShare, 5);
            Assert.Equal(Reference.Answer(image, exit), reply.Items[image].ClassIndex);
        }
    }

    [Fact]
    public async Task Predict_SeveralFashionMnistImages_OneRowEachWithTheTrueLabel()
    {
        var run = await CliRun.RunAsync(["predict", "--fashion-mnist", "0", "1", "2", "--model", StagedReference.ModelName, "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("3 items in one call", run.Output, StringComparison.Ordinal);
        foreach (var id in new[] { "fashion-mnist-0", "fashion-mnist-1", "fashion-mnist-2" })
        {
            Assert.Contains(id, run.Output, StringComparison.Ordinal);
        }

        // Test image 0 is an ankle boot.
        Assert.Contains("Ankle boot", run.Output, StringComparison.Ordinal);
        Assert.Contains("true label", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_Table_ShowsTheExitAndTheConformalSetOfTheJsonAnswer()
    {
        using var folder = new TempFolder();
        var file = folder.WriteFloats("image4.f32", Reference.Images.AsSpan(4 * Reference.ItemLength, Reference.ItemLength).ToArray());
        string[] args = ["predict", file, "--model", StagedReference.ModelName, "--mode", "accuracy", "--exit", "auto", "--address", server.Address];

        var json = await CliRun.RunAsync([.. args, "--json"]);
        var table = await CliRun.RunAsync(args);

        Assert.True(table.ExitCode == 0, table.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(json.Output);
        Assert.NotEmpty(reply.PredictionSet);
        using var client = MimmoClient.Create(server.Address);
        var labels = (await client.GetModelAsync(StagedReference.ModelName)).Labels;
        Assert.Contains($"conformal prediction set: {string.Join(", ", reply.PredictionSet.Select(c => $"{labels[c]} ({c})"))}", table.Output, StringComparison.Ordinal);
        Assert.Contains($"│ {reply.Exit}    │ {reply.ComputeShare.ToString("0.0000", CultureInfo.InvariantCulture)} ", table.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task Bench_ReferenceImages_ExitsComputeAndAccuracyOfTheReference(string policy)
    {
        // Items go out in turn, so the c answers are of images 0, 1, ..., c - 1 (mod 256): their exits, compute shares
        // and right answers follow from the reference.
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "bench.json");
        var costs = await CostsAsync();

        var run = await CliRun.RunAsync(["bench", "--address", server.Address, "--model", StagedReference.ModelName, "--modes", "accuracy", "--exit", policy,
            "--images", Reference.ImagesPath, "--concurrency", "4", "--duration", "1.5", "--json", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var root = json.RootElement;
        Assert.Equal(0, root.GetProperty("failed").GetInt64());
        var completed = (int)root.GetProperty("completed").GetInt64();
        Assert.True(completed > 0, run.ToString());
        var images = Enumerable.Range(0, completed).Select(j => j % Reference.Count).ToArray();
        var exits = images.Select(i => policy == "auto" ? Reference.AutoExits[i] : Reference.Exits - 1).ToArray();
        var expectedHistogram = exits.GroupBy(e => e).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => (long)g.Count());
        var histogram = root.GetProperty("exits").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(expectedHistogram.OrderBy(p => p.Key), histogram.OrderBy(p => p.Key));
        Assert.Equal(exits.Average(e => costs.Take(e + 1).Sum()), root.GetProperty("mean_compute_share").GetDouble(), 4);
        var correct = images.Zip(exits).Count(p => Reference.Answer(p.First, p.Second) == Reference.Labels[p.First]);
        Assert.Equal(correct / (double)completed, root.GetProperty("accuracy").GetDouble(), 6);
        Assert.Equal(policy, root.GetProperty("exit_policy").GetString());
        Assert.Contains("mean compute share", run.Output, StringComparison.Ordinal);
        Assert.Contains("answers per exit", run.Output, StringComparison.Ordinal);
    }

    private static string Squeeze(string text) => System.Text.RegularExpressions.Regex.Replace(text, " {2,}", " ");

    private async Task<float[]> CostsAsync()
    {
        using var client = MimmoClient.Create(server.Address);
        return [.. (await client.GetModelAsync(StagedReference.ModelName)).StageCosts];
    }
}

using System.Text.Json;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// Models we did not write, served with their meaning (models/CONTRACT.md, "What the output holds"), through Python
/// grpcio (tests/interop/python/predict_client.py): a classifier whose graph ends in Softmax answers its own softmax,
/// with the labels its config.json names; a regression output and a Sigmoid output are not served.
/// </summary>
public sealed class OutputKindTests
{
    [Fact]
    public async Task PythonClient_ClassifierEndingInSoftmaxWithConfigLabels_AnswersItsOwnSoftmaxOnce()
    {
        using var models = new TestModels()
            .Add("softmaxed", TestModels.Fixture("classifier_softmax.onnx"), new { labels = new[] { "cat", "dog", "bird" } })
            .Add("regressor", TestModels.Fixture("regressor.onnx"))
            .Add("sigmoid", TestModels.Fixture("classifier_sigmoid.onnx"));
        await using var server = await TestServer.StartAsync(models.Directory);
        float[] x = [0.2f, 0.9f, 0.4f, 0.1f];

        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var script = Path.Combine(root, "tests", "interop", "python", "predict_client.py");
        var result = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", server.Target, "--model", "softmaxed", "--values", string.Join(",", x.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))), "--json"],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var response = json.RootElement;
        // The graph's own output, softmax(x·W + b) with the W and b of make_fixtures.py's classifier_output_models.
        double[,] w = { { 1.0, 0.0, -1.0 }, { 0.5, 1.0, 0.0 }, { 0.0, -0.5, 2.0 }, { 1.0, 1.0, 1.0 } };
        double[] b = [0.1, 0.2, -0.3];
        var exp = Enumerable.Range(0, 3).Select(j => Math.Exp(b[j] + Enumerable.Range(0, 4).Sum(i => x[i] * w[i, j]))).ToArray();
        var expected = exp.Select(e => e / exp.Sum()).ToArray();
        var probabilities = response.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(expected.Length, probabilities.Length);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], probabilities[c], 1e-5);
        }

        var best = Array.IndexOf(expected, expected.Max());
        Assert.Equal(new[] { "cat", "dog", "bird" }[best], response.GetProperty("label").GetString());

        // The two refused models are not served: the server lists the classifier alone.
        var listed = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, "--address", server.Target, "--list", "--json"], AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        using var list = JsonDocument.Parse(listed.StandardOutput);
        Assert.Equal(["softmaxed"], list.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }
}

using System.Globalization;
using System.Text.Json;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// Regression models through a foreign client, Python grpcio (tests/interop/python/predict_client.py), against the same
/// graph run directly in the model kit's numpy evaluator (tests/interop/python/run_numpy.py): the bundled
/// models/regression-diabetes (a MIMO ensemble with a variance head), whose answer is the members' combination computed
/// here, and a plain model with a mean head declared a regression by its config.json.
/// </summary>
public sealed class RegressionPythonClientTests
{
    private const string Model = "regression-diabetes";

    // A patient in the data set's own units: age, sex, BMI, blood pressure, six serum measurements.
    private static readonly float[] Patient = [59f, 2f, 32.1f, 101f, 157f, 93.2f, 38f, 4f, 4.8598f, 87f];

    [Fact]
    public async Task PythonClient_DiabetesMimo_TheMembersOfTheNumpyRunCombinedWithTheirVariances()
    {
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var path = Path.Combine(root, "models", Model, "model.onnx");
        using var models = new TestModels().Add(Model, path);
        await using var server = await TestServer.StartAsync(models.Directory);
        var slots = (int)(await server.GetModelAsync(Model)).Slots;
        var values = string.Join(",", Patient.Select(v => v.ToString(CultureInfo.InvariantCulture)));

        var answer = await RunAsync(Path.Combine(root, "tests", "interop", "python", "predict_client.py"),
            ["--address", server.Target, "--model", Model, "--values", values, "--members", "--json"]);
        // The patient in every slot, as the default k = M serves it.
        var direct = await RunAsync(Path.Combine(root, "tests", "interop", "python", "run_numpy.py"),
            [path, "--values", string.Join(",", Enumerable.Repeat(values, slots))]);

        var output = direct.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([1, 1, slots, 2], direct.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var means = Enumerable.Range(0, slots).Select(s => output[2 * s]).ToArray();
        var variances = Enumerable.Range(0, slots).Select(s => output[(2 * s) + 1]).ToArray();
        var mean = means.Average();
        var epistemic = means.Average(m => (m - mean) * (m - mean));
        var aleatoric = variances.Average();
        var target = answer.GetProperty("regression").GetProperty("targets").EnumerateArray().Single();
        Assert.Equal("progression", target.GetProperty("name").GetString());
        AssertClose(mean, target.GetProperty("mean").GetDouble());
        AssertClose(epistemic, target.GetProperty("epistemicVariance").GetDouble());
        AssertClose(aleatoric, target.GetProperty("aleatoricVariance").GetDouble());
        AssertClose(epistemic + aleatoric, target.GetProperty("variance").GetDouble());
        AssertClose(mean + (1.959964 * Math.Sqrt(epistemic + aleatoric)), target.GetProperty("upper").GetDouble());
        Assert.Equal(0.95, answer.GetProperty("regression").GetProperty("intervalLevel").GetDouble(), 1e-6);
        Assert.True(epistemic > 0 && aleatoric > 0, "the members disagree and predict noise");

        // Every member's own output, as the numpy run gave it; no classification fields.
        var members = answer.GetProperty("memberPredictions").EnumerateArray().ToList();
        Assert.Equal(slots, members.Count);
        foreach (var member in members)
        {
            var s = member.GetProperty("slot").GetInt32();
            var own = member.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            AssertClose(means[s], own[0]);
            AssertClose(variances[s], own[1]);
        }

        Assert.Empty(answer.GetProperty("probabilities").EnumerateArray());
        Assert.Equal(string.Empty, answer.GetProperty("label").GetString());
    }

    [Fact]
    public async Task PythonClient_PlainRegressorDeclaredInConfig_ItsOwnValueWithNoVariance()
    {
        using var models = new TestModels().Add("price", TestModels.Fixture("regressor.onnx"), new { output = "regression", labels = new[] { "price" } });
        await using var server = await TestServer.StartAsync(models.Directory);
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;
        const string Values = "0.2,0.9,0.4,0.1";

        var answer = await RunAsync(Path.Combine(root, "tests", "interop", "python", "predict_client.py"),
            ["--address", server.Target, "--model", "price", "--values", Values, "--json"]);
        var direct = await RunAsync(Path.Combine(root, "tests", "interop", "python", "run_numpy.py"), [TestModels.Fixture("regressor.onnx"), "--values", Values]);

        // One member, a mean head: the graph's value, no variance of either kind, an interval of width 0.
        var value = direct.GetProperty("values").EnumerateArray().Single().GetDouble();
        var target = answer.GetProperty("regression").GetProperty("targets").EnumerateArray().Single();
        Assert.Equal("price", target.GetProperty("name").GetString());
        AssertClose(value, target.GetProperty("mean").GetDouble());
        Assert.Equal((0.0, 0.0), (target.GetProperty("variance").GetDouble(), target.GetProperty("aleatoricVariance").GetDouble()));
        Assert.Equal(target.GetProperty("lower").GetDouble(), target.GetProperty("upper").GetDouble());
        Assert.Equal(1, answer.GetProperty("members").GetInt32());
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, served {actual}");

    private static async Task<JsonElement> RunAsync(string script, string[] arguments)
    {
        var result = await MimmoServe.Grpc.Tests.Infrastructure.ProcessRunner.RunAsync(
            "/usr/bin/python3", [script, .. arguments], AppContext.BaseDirectory, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }
}

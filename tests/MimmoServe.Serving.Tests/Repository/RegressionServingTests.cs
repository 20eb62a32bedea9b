using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Repository;

/// <summary>
/// Regression models through the real repository and ONNX Runtime (models/CONTRACT.md, "Regression"): each answer
/// against the fixture's function computed independently (<see cref="MimoRegressionFixture"/>, the regressor's
/// x·v + c), and the declarations that cannot be served refused with what to change.
/// </summary>
public sealed class RegressionServingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mimmo-regression-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(1)]
    public async Task PredictAsync_MimoMeanVariance_EachTargetIsTheWeightedMeanWithBothVariancesAndTheInterval(int k)
    {
        AddModel("mimo-regression", "mimo_regression.onnx");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);
        // x[2] makes the variance of target 0 negative at exit 0 (-0.9 + 0.3): served as 0.
        float[] x = [0.7f, -1.3f, -0.9f, 2.2f];

        var prediction = await repository.PredictAsync(new PredictInput { Shape = [4], Data = x, EnsembleSize = (uint)k, ReturnMembers = true });

        var slots = prediction.MemberPredictions.Select(m => m.Slot).Distinct().Order().ToArray();
        Assert.Equal(prediction.Members, slots.Length);
        Assert.True(slots.Length >= k);
        var expected = MimoRegressionFixture.Serve(x, slots);
        var targets = prediction.Regression!;
        Assert.Equal(MimoRegressionFixture.Names, targets.Select(t => t.Name));
        for (var t = 0; t < MimoRegressionFixture.Targets; t++)
        {
            Assert.Equal(expected[t].Mean, targets[t].Mean, 1e-5);
            Assert.Equal(expected[t].Epistemic, targets[t].EpistemicVariance, 1e-5);
            Assert.Equal(expected[t].Aleatoric, targets[t].AleatoricVariance, 1e-5);
            Assert.Equal(expected[t].Epistemic + expected[t].Aleatoric, targets[t].Variance, 1e-5);
            Assert.Equal(expected[t].Lower, targets[t].Lower, 1e-4);
            Assert.Equal(expected[t].Upper, targets[t].Upper, 1e-4);
        }

        // The members' own outputs, each [mean_0, mean_1, variance_0, variance_1] as the graph computed them.
        Assert.All(prediction.MemberPredictions, m => Assert.Equal(
            Enumerable.Range(0, 4).Select(i => (MimoFixture.Scale[m.Exit] * x[i]) + MimoFixture.Bias[m.Exit, i]),
            m.Values.Select(v => (double)v), (a, b) => Math.Abs(a - b) < 1e-5));
        Assert.Equal((-1, "", 0), (prediction.ClassIndex, prediction.Label, prediction.Probabilities.Length));
        Assert.True(expected[0].Epistemic > 0 && expected[1].Aleatoric > 0, "the fixture's answer has both kinds of variance");
    }

    [Fact]
    public async Task PredictBatchAsync_ThreeItemsOneSlotEach_EachItemsOwnMemberInItsRegressionMessage()
    {
        AddModel("mimo-regression", "mimo_regression.onnx", """{"max_queue_delay_ms": 50}""");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);
        float[][] items = [[0.7f, -1.3f, 0.9f, 2.2f], [1.5f, 0.2f, 0.1f, -0.4f], [-0.6f, 0.8f, 1.2f, 0.3f]];
        var model = repository.Get("mimo-regression");

        var predictions = await model.PredictBatchAsync(new PredictInput { Shape = [3, 4], Data = [.. items.SelectMany(x => x)], EnsembleSize = 1, ReturnMembers = true });
        var response = Serving.Mapping.ProtocolMapping.ToResponse("batch", model.Name, predictions);

        Assert.Equal(3, response.Items.Count);
        for (var i = 0; i < items.Length; i++)
        {
            var item = response.Items[i];
            var slots = item.MemberPredictions.Select(m => (int)m.Slot).Distinct().ToArray();
            var expected = MimoRegressionFixture.Serve(items[i], slots);
            Assert.Equal(MimoRegressionFixture.Names, item.Regression.Targets.Select(t => t.Name));
            Assert.Equal(expected.Select(e => e.Mean), item.Regression.Targets.Select(t => (double)t.Mean), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(expected.Select(e => e.Aleatoric), item.Regression.Targets.Select(t => (double)t.AleatoricVariance), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.All(item.MemberPredictions, m => Assert.Equal(4, m.Values.Count));
            Assert.All(item.MemberPredictions, m => Assert.Empty(m.Probabilities));
            Assert.Empty(item.Probabilities);
            Assert.Null(item.Uncertainty);
        }

        // Three inputs in one row of three slots: one slot each, so each answer is one slot's two exits.
        Assert.All(response.Items, item => Assert.Equal(1u, item.Members));
        Assert.Equal(0.95f, response.Items[0].Regression.IntervalLevel);
    }

    [Fact]
    public async Task PredictAsync_PlainRegressorDeclaredInConfig_ItsValueWithNoVarianceAndTheTargetNamed()
    {
        AddModel("price", "regressor.onnx", """{"output": "regression", "labels": ["price"]}""");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);
        float[] x = [0.2f, 0.9f, 0.4f, 0.1f];

        var prediction = await repository.PredictAsync(new PredictInput { Shape = [4], Data = x });

        // x·v + c with make_fixtures.py's v = [0.5, -1, 2, 0.25], c = 1.5; one member: no variance of either kind.
        var target = Assert.Single(prediction.Regression!);
        Assert.Equal(("price", 1.5 + 0.1 - 0.9 + 0.8 + 0.025), (target.Name, Math.Round(target.Mean, 5)));
        Assert.Equal((0f, 0f, 0f), (target.EpistemicVariance, target.AleatoricVariance, target.Variance));
        Assert.Equal((target.Mean, target.Mean), (target.Lower, target.Upper));
        var contract = repository.Get("price").Contract;
        Assert.Equal((OutputKind.Regression, new RegressionHead(1, false)), (contract.Output, contract.Regression));
    }

    [Fact]
    public async Task LoadAsync_RegressionDeclarationsThatCannotBeServed_RefusedSayingWhatToChange()
    {
        AddModel("undeclared", "regressor.onnx");
        AddModel("odd", "regressor.onnx", """{"output": "regression", "regression": "mean_variance"}""");
        AddModel("stray-head", "classifier.onnx", """{"regression": "mean"}""");
        AddModel("too-many-targets", "mimo_regression_odd.onnx");
        AddModel("classifier", "classifier.onnx");
        CopyStaged("staged-regression", """{"output": "regression"}""");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        Assert.Equal(["classifier"], repository.Models.Select(m => m.Name));
        var reasons = repository.Failures.ToDictionary(f => f.Name, f => f.Reason);
        Assert.Equal(["odd", "staged-regression", "stray-head", "too-many-targets", "undeclared"], reasons.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("a regression output is declared: mimmo.output = regression", reasons["undeclared"], StringComparison.Ordinal);
        Assert.Contains("1 values per input; a mean_variance head gives 2T", reasons["odd"], StringComparison.Ordinal);
        Assert.StartsWith("regression (config.json): 'mean' for an output that is not declared 'regression'", reasons["stray-head"], StringComparison.Ordinal);
        Assert.Contains("dimension 3 is 4, expected 6", reasons["too-many-targets"], StringComparison.Ordinal);
        Assert.StartsWith("output (config.json): regression on a staged (early-exit) model", reasons["staged-regression"], StringComparison.Ordinal);
    }

    private void AddModel(string name, string fixture, string? config = null) => ModelFolders.Add(_dir, name, fixture, config);

    private void CopyStaged(string name, string config)
    {
        var folder = ModelFolders.Add(_dir, name, Path.Combine("jeidnn", ModelRepository.ModelFileName), config);
        foreach (var file in Directory.GetFiles(JeiFixture.Folder, "stage*.onnx"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
    }
}

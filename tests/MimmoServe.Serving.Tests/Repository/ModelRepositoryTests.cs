using MimmoServe.Onnx;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Repository;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Tests.Repository;

public sealed class ModelRepositoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mimmo-repo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LoadAsync_MixedFolder_ServesTheGoodModelsAndReportsEachFailureByName()
    {
        AddModel("good", "mimo.onnx", """{"max_rows_per_run": 4}""");
        AddModel("plain", "classifier.onnx");
        AddModel("broken", "mimo_bad_weights.onnx");
        AddModel("badconfig", "mimo.onnx", """{"max_rows_per_run": 4, "queue": 3}""");
        AddModel("corrupt", "corrupt.onnx");
        AddModel("nan", "mimo_nan.onnx");
        Directory.CreateDirectory(Path.Combine(_dir, "notes"));

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        Assert.Equal(["good", "plain"], repository.Models.Select(m => m.Name));
        Assert.Equal(["badconfig", "broken", "corrupt", "nan"], repository.Failures.Select(f => f.Name));
        Assert.Contains("\"queue\"", repository.Failures[0].Reason, StringComparison.Ordinal);
        Assert.Contains("mimmo.exit_weights", repository.Failures[1].Reason, StringComparison.Ordinal);
        Assert.StartsWith("output 'logits': warm-up with k=1", repository.Failures[3].Reason, StringComparison.Ordinal);
        Assert.Equal("good", repository.DefaultModel!.Name);
        Assert.Same(repository.DefaultModel, repository.Get(""));
        Assert.Equal(4, repository.Get("good").Config.MaxRowsPerRun);
        // Warmed up before listed: one run per supported k, then one of each row count 2..max_rows_per_run (ORT plans
        // memory per input shape on its first run of it): good has k = 1, 2, 3 and 4 rows, plain k = 1 and 32 rows.
        Assert.Equal(3 + 3, repository.Get("good").Runs);
        Assert.Equal(1 + 31, repository.Get("plain").Runs);
    }

    [Fact]
    public async Task LoadAsync_DefaultModelConfigured_UsesIt()
    {
        AddModel("a", "mimo.onnx");
        AddModel("b", "classifier.onnx");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir, DefaultModel = "b" }, OnnxRuntime.Shared);

        Assert.Equal("b", repository.DefaultModel!.Name);
    }

    [Fact]
    public async Task LoadAsync_DefaultModelBroken_FailsNamingItsReason()
    {
        AddModel("a", "mimo.onnx");
        AddModel("b", "mimo_missing_key.onnx");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir, DefaultModel = "b" }, OnnxRuntime.Shared));

        Assert.Contains("mimmo.labels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_NoModelInTheFolder_EmptyAndTheDefaultIsNotFound()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "mimmo_kit"));

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        Assert.Empty(repository.Models);
        Assert.Empty(repository.Failures);
        Assert.Null(repository.DefaultModel);
        Assert.Equal(ServingErrorKind.NotFound, Assert.Throws<ServingException>(() => repository.Get("")).Kind);
    }

    [Fact]
    public async Task LoadAsync_NoSuchFolder_FailsNamingIt()
    {
        var missing = Path.Combine(_dir, "nope");

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(
            () => ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = missing }, OnnxRuntime.Shared));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_GpuProviderUnusable_FallsBackToCpuAndKeepsTheReason()
    {
        AddModel("gpu", "mimo.onnx", """{"execution_provider": "cuda"}""");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        var provider = repository.Get("gpu").ExecutionProvider;
        Assert.Equal(ExecutionProvider.Cuda, provider.Requested);
        Assert.Equal(ExecutionProvider.Cpu, provider.Actual);
        Assert.False(string.IsNullOrEmpty(provider.Reason));
    }

    [Fact]
    public async Task Get_UnknownModel_NotFoundNamingTheServedOnes()
    {
        AddModel("good", "mimo.onnx");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        var error = Assert.Throws<ServingException>(() => repository.Get("nope"));

        Assert.Equal(ServingErrorKind.NotFound, error.Kind);
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("good", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictAsync_PlainClassifier_ServesSoftmaxOfItsLogits()
    {
        AddModel("plain", "classifier.onnx");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);
        float[] x = [0.2f, 0.9f, 0.4f, 0.1f];

        var prediction = await repository.PredictAsync(new PredictInput { Shape = [4], Data = x, Mode = "accuracy" });

        var expected = ClassifierSoftmax(x);
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(expected[j], prediction.Probabilities[j], 1e-5);
        }

        Assert.Equal((1, 1), (prediction.EnsembleSize, prediction.Members));
        Assert.Equal(0f, prediction.Uncertainty.MutualInformation);
        Assert.Equal(1f, prediction.Uncertainty.Agreement, 1e-6f);
    }

    [Fact]
    public async Task PredictAsync_ClassifierEndingInSoftmax_ServesItsProbabilitiesNotASecondSoftmax()
    {
        AddModel("softmaxed", "classifier_softmax.onnx");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);
        float[] x = [0.2f, 0.9f, 0.4f, 0.1f];

        var prediction = await repository.PredictAsync(new PredictInput { Shape = [4], Data = x });

        // The graph's own softmax, computed once.
        var once = ClassifierSoftmax(x);
        var twice = once.Select(Math.Exp).Select(e => e / once.Sum(Math.Exp)).ToArray();
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(once[j], prediction.Probabilities[j], 1e-5);
        }

        Assert.True(Math.Abs(twice.Max() - once.Max()) > 0.05, "the fixture tells a second softmax apart");
        Assert.Equal(once.Max(), prediction.Confidence, 1e-5);
    }

    [Fact]
    public async Task LoadAsync_PlainClassifierWithConfigLabelsAndOutput_ServedWithThem()
    {
        AddModel("named", "classifier.onnx", """{"labels": ["cat", "dog", "bird"], "output": "logits"}""");
        AddModel("wrong", "classifier_softmax.onnx", """{"output": "logits"}""");
        AddModel("short", "classifier.onnx", """{"labels": ["cat", "dog"]}""");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        var model = Assert.Single(repository.Models);
        Assert.Equal(["cat", "dog", "bird"], model.Contract.Labels);
        var prediction = await repository.PredictAsync(new PredictInput { Model = "named", Shape = [4], Data = [0f, 0f, 1f, 0f] });
        Assert.Equal("bird", prediction.Label); // logits x·W + b = [0.1, -0.3, 1.7]
        Assert.Equal(["short", "wrong"], repository.Failures.Select(f => f.Name));
        Assert.StartsWith("labels (config.json): 2 labels; the model has 3 classes", repository.Failures[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("output (config.json): 'logits', but the graph computes the output with Softmax", repository.Failures[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_RegressorAndSigmoidOutputs_RefusedWithTheReason()
    {
        AddModel("regressor", "regressor.onnx");
        AddModel("sigmoid", "classifier_sigmoid.onnx");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        Assert.Empty(repository.Models);
        Assert.Equal(["regressor", "sigmoid"], repository.Failures.Select(f => f.Name));
        Assert.Contains("1 value per input", repository.Failures[0].Reason, StringComparison.Ordinal);
        Assert.Contains("Sigmoid", repository.Failures[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_ThenPredict_Unavailable()
    {
        AddModel("good", "mimo.onnx");
        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        await repository.StopAsync();

        var error = Expect.Refused(() => repository.PredictAsync(new PredictInput { Shape = [4], Data = [0, 0, 0, 0] }));
        Assert.Equal(ServingErrorKind.Unavailable, error.Kind);
    }

    /// <summary>softmax(x·W + b) with the W and b of make_fixtures.py's classifier_model (and classifier_output_models).</summary>
    private static double[] ClassifierSoftmax(float[] x)
    {
        double[,] w = { { 1.0, 0.0, -1.0 }, { 0.5, 1.0, 0.0 }, { 0.0, -0.5, 2.0 }, { 1.0, 1.0, 1.0 } };
        double[] b = [0.1, 0.2, -0.3];
        var exp = Enumerable.Range(0, 3).Select(j => Math.Exp(b[j] + Enumerable.Range(0, 4).Sum(i => x[i] * w[i, j]))).ToArray();
        return [.. exp.Select(e => e / exp.Sum())];
    }

    private void AddModel(string name, string fixture, string? config = null) => ModelFolders.Add(_dir, name, fixture, config);
}

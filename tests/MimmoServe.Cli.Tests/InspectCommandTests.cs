using MimmoServe.Onnx.Tests.ModelFiles;

namespace MimmoServe.Cli.Tests;

/// <summary>mimmo inspect on the ONNX fixtures of tests/fixtures (make_fixtures.py), offline.</summary>
public sealed class InspectCommandTests
{
    [Fact]
    public async Task Inspect_MimoFixture_ExitZeroWithItsFacts()
    {
        var run = await CliRun.RunAsync(["inspect", CliRun.Fixture("mimo.onnx")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("contract: OK", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"slots M\s+│ 3 ", run.Output);
        Assert.Matches(@"exits E\s+│ 2 ", run.Output);
        Assert.Matches(@"classes K\s+│ 4 ", run.Output);
        Assert.Contains("[4]", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"input values\s+│ any finite float32; no uint8 bytes", run.Output);
    }

    [Fact]
    public async Task Inspect_BundledModel_SaysItTakesUnitRangeFloatsOrPixelBytes()
    {
        var root = Server.Configuration.ModelsDirectory.FindRepositoryRoot(AppContext.BaseDirectory)!;

        var run = await CliRun.RunAsync(["inspect", Path.Combine(root, "models", "fashion-mimmo", "model.onnx")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"input values\s+│ float32 in \[0, 1\] \(else refused\), or uint8 bytes b meaning 0\.00392157 x b", run.Output);
    }

    [Fact]
    public async Task Inspect_PlainClassifier_ExitZeroAsFamilySingle()
    {
        var run = await CliRun.RunAsync(["inspect", CliRun.Fixture("classifier.onnx")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("single (plain classifier", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"output holds\s+│ logits: each member's distribution is their softmax", run.Output);
    }

    [Fact]
    public async Task Inspect_ClassifierEndingInSoftmax_SaysItsOutputIsProbabilitiesNotSoftmaxedAgain()
    {
        var run = await CliRun.RunAsync(["inspect", CliRun.Fixture("classifier_softmax.onnx")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"output holds\s+│ probabilities: each member's output is renormalized, not softmaxed again", run.Output);
    }

    [Fact]
    public async Task Inspect_RegressionFixture_SaysItsTargetsAndHowItsMembersAreCombined()
    {
        var run = await CliRun.RunAsync(["inspect", CliRun.Fixture("mimo_regression.onnx")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"targets T\s+│ 2 ", run.Output);
        Assert.Matches(@"output holds\s+│ regression, mean_variance: each member gives T means then T variances", run.Output);
        Assert.Matches(@"target names\s+│ height, weight", run.Output);
        Assert.DoesNotContain("classes K", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_PlainRegressorWithConfigBeside_ReadAsTheServerReadsIt()
    {
        var folder = Directory.CreateTempSubdirectory("mimmo-inspect-").FullName;
        try
        {
            File.Copy(CliRun.Fixture("regressor.onnx"), Path.Combine(folder, "model.onnx"));
            File.WriteAllText(Path.Combine(folder, "config.json"), """{"output": "regression", "labels": ["price"]}""");

            var run = await CliRun.RunAsync(["inspect", Path.Combine(folder, "model.onnx")]);
            var without = await CliRun.RunAsync(["inspect", CliRun.Fixture("regressor.onnx")]);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Matches(@"output holds\s+│ regression, mean: each member gives T means", run.Output);
            Assert.Matches(@"targets T\s+│ 1 ", run.Output);
            Assert.Matches(@"target names\s+│ price", run.Output);
            Assert.Equal(1, without.ExitCode);
            Assert.Contains("mimmo.output = regression", without.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("mimo_regression_odd.onnx")]
    [InlineData("mimo_bad_json.onnx")]
    [InlineData("mimo_missing_key.onnx")]
    [InlineData("mimo_bad_rank.onnx")]
    [InlineData("mimo_bad_weights.onnx")]
    [InlineData("corrupt.onnx")]
    [InlineData("regressor.onnx")]
    [InlineData("classifier_sigmoid.onnx")]
    public async Task Inspect_BrokenModel_ExitOneSayingWhy(string fixture)
    {
        var run = await CliRun.RunAsync(["inspect", CliRun.Fixture(fixture)]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("contract: BROKEN: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("contract: OK", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ExternalDataOutsideTheFolder_ExitOneNamingTheLocation()
    {
        using var models = new ExternalDataModels();

        var run = await CliRun.RunAsync(["inspect", models.Path("parent")]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("contract: BROKEN: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("the external file '../outside.bin', a path with '..'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_MissingFile_ExitOne()
    {
        var run = await CliRun.RunAsync(["inspect", Path.Combine(Path.GetTempPath(), "no-such-model.onnx")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }
}

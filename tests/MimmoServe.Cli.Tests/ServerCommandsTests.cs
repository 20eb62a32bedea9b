using Google.Protobuf;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Cli.Tests;

/// <summary>models, model, predict and health against a real server in-process: exit codes and outputs.</summary>
public sealed class ServerCommandsTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    [Fact]
    public async Task Models_AddressFromEnvironment_TableNamesTheModel()
    {
        var run = await CliRun.RunAsync(["models"], new Dictionary<string, string> { ["MIMMO_ADDRESS"] = server.Address });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("│ mimo ", run.Output, StringComparison.Ordinal);
        Assert.Contains("1,2,3", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_Json_ParsesAsModelInfo()
    {
        var run = await CliRun.RunAsync(["model", "mimo", "--json", "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var info = JsonParser.Default.Parse<ModelInfo>(run.Output);
        Assert.Equal((3u, 2u, 4u), (info.Slots, info.Exits, info.NumClasses));
    }

    [Fact]
    public async Task Model_Unknown_ExitOneWithNotFound()
    {
        var run = await CliRun.RunAsync(["model", "nope", "--address", server.Address]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: NotFound:", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("item_f4.npy", "accuracy", 3u)]
    [InlineData("item_f8.npy", "throughput", 1u)]
    [InlineData("item.f32", "2", 2u)]
    public async Task Predict_FileAndMode_JsonAnswerWithThatEnsembleSize(string file, string mode, uint k)
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture(file), "--mode", mode, "--json", "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(run.Output);
        Assert.Equal(k, reply.EnsembleSize);
        Assert.Equal(file, reply.Id);
        Assert.Equal(4, reply.Probabilities.Count);
    }

    [Fact]
    public async Task Predict_ThreeFiles_OneBatchedCallWithAResultPerFileInOrder()
    {
        string[] files = ["item_f4.npy", "item_f8.npy", "item.f32"];
        var batched = await CliRun.RunAsync(["predict", .. files.Select(CliRun.Fixture), "--mode", "2", "--json", "--address", server.Address]);
        var table = await CliRun.RunAsync(["predict", .. files.Select(CliRun.Fixture), "--mode", "2", "--address", server.Address]);

        Assert.True(batched.ExitCode == 0, batched.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(batched.Output);
        Assert.Equal(3, reply.Items.Count);
        Assert.Empty(reply.Probabilities);
        for (var i = 0; i < files.Length; i++)
        {
            var run = await CliRun.RunAsync(["predict", CliRun.Fixture(files[i]), "--mode", "2", "--json", "--address", server.Address]);
            var single = JsonParser.Default.Parse<PredictResponse>(run.Output);
            Assert.Equal(2u, reply.Items[i].EnsembleSize);
            Assert.Equal(single.ClassIndex, reply.Items[i].ClassIndex);
            Assert.Equal(single.Confidence, reply.Items[i].Confidence, 5);
        }

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("3 items in one call", table.Output, StringComparison.Ordinal);
        Assert.All(files, f => Assert.Contains(f, table.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Predict_FileAndFashionMnistTogether_ExitTwo()
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--fashion-mnist", "0", "--address", server.Address]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("exactly one way", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_Table_ShowsLabelTopClassesAndUncertainty()
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var text in new[] { "confidence", "top classes", "mutual information", "agreement", "compute" })
        {
            Assert.Contains(text, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Predict_RegressionModel_EachTargetWithItsIntervalAndVariancesNoClasses()
    {
        var json = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--model", "mimo-regression", "--json", "--address", server.Address]);
        var table = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--model", "mimo-regression", "--address", server.Address]);
        var model = await CliRun.RunAsync(["model", "mimo-regression", "--address", server.Address]);

        Assert.True(json.ExitCode == 0, json.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(json.Output);
        Assert.Equal(["height", "weight"], reply.Regression.Targets.Select(t => t.Name));
        Assert.All(reply.Regression.Targets, t => Assert.True(t.Lower <= t.Mean && t.Mean <= t.Upper));
        Assert.Empty(reply.Probabilities);
        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var text in new[] { "targets (95% interval)", "height", "weight", "epistemic variance", "aleatoric variance" })
        {
            Assert.Contains(text, table.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("top classes", table.Output, StringComparison.Ordinal);
        Assert.True(model.ExitCode == 0, model.ToString());
        Assert.Matches(@"output\s+│ regression, mean_variance", model.Output);
        Assert.Matches(@"targets T\s+│ 2 ", model.Output);
    }

    [Fact]
    public async Task Predict_ItemOfTheWrongSize_ExitTwoNamingTheShape()
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_fortran.npy"), "--address", server.Address]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Fortran", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_UnsupportedMode_ExitOneWithInvalidArgument()
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--mode", "7", "--address", server.Address]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: InvalidArgument:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_ExitNotAPolicy_ExitTwoNamingWhatIsAccepted()
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--exit", "early", "--address", server.Address]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("use auto, full or a confidence threshold in (0, 1]", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_ExitFullOnAModelThatIsNotStaged_LastExitAndTheWholeCompute()
    {
        var json = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--exit", "full", "--json", "--address", server.Address]);
        var table = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--exit", "full", "--address", server.Address]);

        Assert.True(json.ExitCode == 0, json.ToString());
        var reply = JsonParser.Default.Parse<PredictResponse>(json.Output);
        Assert.Equal((1u, 1f), (reply.Exit, reply.ComputeShare));
        Assert.Contains("\"computeShare\": 1", json.Output, StringComparison.Ordinal);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("│ exit │ compute share │", table.Output, StringComparison.Ordinal);
        Assert.Contains("│ 1    │ 1.0000        │", table.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("0.5")]
    public async Task Predict_EarlyExitOnAModelThatIsNotStaged_ExitOneWithInvalidArgument(string policy)
    {
        var run = await CliRun.RunAsync(["predict", CliRun.Fixture("item_f4.npy"), "--exit", policy, "--address", server.Address]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: InvalidArgument:", run.Error, StringComparison.Ordinal);
        Assert.Contains("full", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_Serving_ExitZero()
    {
        var run = await CliRun.RunAsync(["health", "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{server.Address}: SERVING", run.Output.Trim());
    }

    [Fact]
    public async Task Health_Model_ExitZero()
    {
        var run = await CliRun.RunAsync(["health", "--service", "mimo", "--address", server.Address]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("mimmo.v1.Inference/mimo: SERVING", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_UnknownModel_ExitOne()
    {
        var run = await CliRun.RunAsync(["health", "--service", "nope", "--address", server.Address]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("NotFound", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_NobodyListens_ExitTwo()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await CliRun.RunAsync(["health", "--address", $"127.0.0.1:{port}"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("UNREACHABLE", run.Output, StringComparison.Ordinal);
    }
}

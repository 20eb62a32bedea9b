using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Staged;

/// <summary>The contract of a staged model (family jeidnn): stage 0's metadata and outputs, and every later stage file.</summary>
public sealed class StagedContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mimmo-staged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_StagedFixture_ReadsTheStages()
    {
        var contract = JeiFixture.Contract();

        Assert.Equal("jeidnn", contract.Family);
        Assert.Equal((3, 3, 4), (contract.Slots, contract.Exits, contract.NumClasses));
        var stages = contract.Stages!;
        Assert.Equal(["model.onnx", "stage1.onnx", "stage2.onnx"], stages.Files);
        Assert.Equal(JeiFixture.Costs.Select(c => (float)c), stages.Costs);
        Assert.Equal((float)JeiFixture.GateThreshold, stages.GateThreshold);
        Assert.Equal(JeiFixture.Costs.Select((_, e) => JeiFixture.ComputeShare(e)), Enumerable.Range(0, 3).Select(e => (double)stages.CumulativeCost(e)), new ToleranceComparer(1e-6));
        Assert.Null(Contracts.Mimo().Stages);
        Assert.Equal(0.1, stages.Conformal!.Alpha);
        Assert.Equal(0.7, stages.Conformal.Threshold(3, 1));
        Assert.Equal(0.5, stages.Conformal.Threshold(1, 0));
        Assert.Null(JeiFixture.Contract(m => m.Remove(ContractKeys.Conformal)).Stages!.Conformal);
    }

    [Fact]
    public void Set_Probabilities_TheClassesWhoseScoreIsWithinTheThreshold()
    {
        var conformal = JeiFixture.Contract().Stages!.Conformal!;

        // k = 3 at exit 2: q = 0.8, so the classes with p >= 0.2.
        Assert.Equal([0, 2], conformal.Set([0.5f, 0.1f, 0.2f, 0.2f - 1e-6f], 3, 2));
        Assert.Empty(conformal.Set([0.45f, 0.45f, 0.05f, 0.05f], 1, 0));
    }

    [Theory]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"thresholds\": {\"1\": [0.5, 0.6, 0.7], \"3\": [0.6, 0.7, 0.8]}}", "no \"alpha\"")]
    [InlineData("{\"alpha\": 1, \"thresholds\": {\"1\": [0.5, 0.6, 0.7], \"3\": [0.6, 0.7, 0.8]}}", "alpha = 1")]
    [InlineData("{\"alpha\": 0.1, \"thresholds\": {\"1\": [0.5, 0.6, 0.7]}}", "no thresholds for ensemble size 3")]
    [InlineData("{\"alpha\": 0.1, \"thresholds\": {\"1\": [0.5, 0.6], \"3\": [0.6, 0.7, 0.8]}}", "\"1\" has 2 thresholds; expected one per exit (3)")]
    [InlineData("{\"alpha\": 0.1, \"thresholds\": {\"1\": [0.5, \"x\", 0.7], \"3\": [0.6, 0.7, 0.8]}}", "a threshold of \"1\" is \"x\"")]
    public void Read_ConformalBroken_RefusedNamingTheKey(string value, string problem)
    {
        var error = Assert.Throws<ModelContractException>(() => JeiFixture.Contract(m => m[ContractKeys.Conformal] = value));

        Assert.Equal(ContractKeys.Conformal, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StagedFixture_OpensEveryLaterStageWithItsLayout()
    {
        using var stages = StageSessions.Open(JeiFixture.Contract(), JeiFixture.Folder, JeiFixture.Open);

        Assert.Equal(3, stages.Count);
        Assert.Equal([3L, 4L], stages.Layout(0).ActivationShape!);
        Assert.Equal([12L], stages.Layout(1).ActivationShape!);
        Assert.Null(stages.Layout(2).ActivationShape);
        Assert.Equal(2, stages.Layout(2).OutputCount);
    }

    [Theory]
    [InlineData(null, "mimmo.stages", "missing")]
    [InlineData("[]", "mimmo.stages", "JSON object")]
    [InlineData("{\"costs\": [0.2, 0.3, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "no \"files\"")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\"], \"costs\": [0.5, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "2 files; a staged model has one stage per exit (mimmo.exits = 3)")]
    [InlineData("{\"files\": [\"stage0.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "files[0]")]
    [InlineData("{\"files\": [\"model.onnx\", \"../stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "plain file name")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage1.onnx\"], \"costs\": [0.2, 0.3, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "repeat a name")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3], \"gate_threshold\": 0.5}", "mimmo.stages", "2 costs")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3, 0.4], \"gate_threshold\": 0.5}", "mimmo.stages", "sum to 0.9")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0, 0.5, 0.5], \"gate_threshold\": 0.5}", "mimmo.stages", "costs[0] = 0")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3, 0.5], \"gate_threshold\": 1}", "mimmo.stages", "gate_threshold = 1 is not a number in (0, 1)")]
    [InlineData("{\"files\": [\"model.onnx\", \"stage1.onnx\", \"stage2.onnx\"], \"costs\": [0.2, 0.3, 0.5]}", "mimmo.stages", "no \"gate_threshold\"")]
    public void Read_StagesBroken_RefusedNamingTheKey(string? value, string subject, string problem)
    {
        var error = Assert.Throws<ModelContractException>(() => JeiFixture.Contract(m =>
        {
            if (value is null)
            {
                m.Remove(ContractKeys.Stages);
            }
            else
            {
                m[ContractKeys.Stages] = value;
            }
        }));

        Assert.Equal(subject, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExitsDifferFromTheStages_Refused()
    {
        var error = Assert.Throws<ModelContractException>(() => JeiFixture.Contract(m =>
        {
            m[ContractKeys.Exits] = "2";
            m[ContractKeys.ExitWeights] = "[[0, 0, 0], [1, 1, 1]]";
        }));

        Assert.Equal(ContractKeys.Stages, error.Subject);
        Assert.Contains("3 files; a staged model has one stage per exit (mimmo.exits = 2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExitWeightsNotOnTheLastExit_Refused()
    {
        var error = Assert.Throws<ModelContractException>(() => JeiFixture.Contract(m => m[ContractKeys.ExitWeights] = "[[0.5, 0, 0], [0, 0, 0], [0.5, 1, 1]]"));

        Assert.Equal(ContractKeys.ExitWeights, error.Subject);
        Assert.Contains("one-hot on the last exit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StageZeroWithOneOutput_RefusedNamingTheOutputs()
    {
        var metadata = new Dictionary<string, string>(JeiFixture.First.Metadata.CustomMetadata);

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata));

        Assert.Equal("outputs", error.Subject);
        Assert.Contains("'logits', 'gate', 'next_activation'; it has 'logits'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stage1_wrong_input.onnx", "stage1.onnx", "stage1.onnx input 'activation'", "stage 0's next_activation is [batch,3,4]")]
    [InlineData("stage1_wrong_index.onnx", "stage1.onnx", "stage1.onnx mimmo.stage", "'2'")]
    [InlineData("stage1_no_gate.onnx", "stage1.onnx", "stage1.onnx outputs", "it has 'logits', 'next_activation'")]
    [InlineData("stage1_logits_rank3.onnx", "stage1.onnx", "stage1.onnx output 'logits'", "rank 3")]
    [InlineData("stage2_no_metadata.onnx", "stage2.onnx", "stage2.onnx mimmo.format_version", "every stage file")]
    [InlineData("stage2_with_activation.onnx", "stage2.onnx", "stage2.onnx outputs", "last stage")]
    public void Open_LaterStageBroken_RefusedNamingTheFileAndTensor(string broken, string replaces, string subject, string problem)
    {
        CopyFixture(_dir);
        File.Copy(Fixtures.Path(Path.Combine("jeidnn-broken", broken)), Path.Combine(_dir, replaces), overwrite: true);

        var error = Assert.Throws<ModelContractException>(() => StageSessions.Open(JeiFixture.Contract(), _dir, JeiFixture.Open));

        Assert.Equal(subject, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LaterStageFileMissing_Refused()
    {
        CopyFixture(_dir);
        File.Delete(Path.Combine(_dir, "stage2.onnx"));

        var error = Assert.Throws<ModelContractException>(() => StageSessions.Open(JeiFixture.Contract(), _dir, JeiFixture.Open));

        Assert.Equal(ContractKeys.Stages, error.Subject);
        Assert.Contains("stage 2's file 'stage2.onnx' does not exist beside model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_StagedFolders_ServesTheGoodOneAndReportsTheBrokenOne()
    {
        CopyFixture(Path.Combine(_dir, "staged"));
        CopyFixture(Path.Combine(_dir, "broken"));
        File.Copy(Fixtures.Path(Path.Combine("jeidnn-broken", "stage1_no_gate.onnx")), Path.Combine(_dir, "broken", "stage1.onnx"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(_dir, "notstaged"));
        File.Copy(Fixtures.Path("mimo.onnx"), Path.Combine(_dir, "notstaged", "model.onnx"));
        File.WriteAllText(Path.Combine(_dir, "notstaged", "config.json"), """{"exit_policy": "auto"}""");

        await using var repository = await ModelRepository.LoadAsync(new ModelRepositoryOptions { Directory = _dir }, OnnxRuntime.Shared);

        Assert.Equal(["staged"], repository.Models.Select(m => m.Name));
        Assert.Equal(["broken", "notstaged"], repository.Failures.Select(f => f.Name));
        Assert.StartsWith("stage1.onnx outputs:", repository.Failures[0].Reason, StringComparison.Ordinal);
        Assert.Contains("exit_policy", repository.Failures[1].Reason, StringComparison.Ordinal);
        var model = repository.Get("staged");
        // Warm-up ran each ensemble size (1, 3) through every stage with the policy full, one row each, then one run of
        // each row count 2..max_rows_per_run (rows of k = 3, one input per row).
        var maxRows = model.Config.MaxRowsPerRun;
        var runs = 2L + (maxRows - 1);
        var rows = 2L + Enumerable.Range(2, maxRows - 1).Sum();
        Assert.Equal([runs, runs, runs], Enumerable.Range(0, 3).Select(s => model.StageRuns(s)));
        Assert.Equal([rows, rows, rows], Enumerable.Range(0, 3).Select(s => model.StageRows(s)!.Value));
        var prediction = await model.PredictAsync(new MimmoServe.Serving.Requests.PredictInput { Shape = [4], Data = [0.1f, 0.9f, 0f, 0f], ExitPolicy = "auto" });
        Assert.Equal((1, 0.5f), (prediction.Exit, prediction.ComputeShare));
    }

    private static void CopyFixture(string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(JeiFixture.Folder))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}

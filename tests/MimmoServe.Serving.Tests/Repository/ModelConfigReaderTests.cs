using MimmoServe.Onnx;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Repository;

public sealed class ModelConfigReaderTests
{
    [Fact]
    public void Read_EmptyObject_GivesTheDocumentedDefaults()
    {
        var config = ModelConfigReader.Read("{}");

        Assert.Null(config.DefaultEnsembleSize);
        Assert.Equal(32, config.MaxRowsPerRun);
        Assert.Equal(TimeSpan.FromMilliseconds(2), config.MaxQueueDelay);
        Assert.False(config.GatherWhenIdle);
        Assert.Equal(1024, config.QueueSize);
        Assert.Equal(ExecutionProvider.Cpu, config.ExecutionProvider);
        Assert.Equal((0, 0), (config.IntraOpThreads, config.InterOpThreads));
        Assert.Equal(TimeSpan.FromSeconds(10), config.RunTimeout);
        Assert.Null(config.ExitPolicy);
        Assert.Null(config.MaxItemsPerRequest);
        Assert.Equal(256, config.ItemsPerRequest);
    }

    [Theory]
    [InlineData(0, 2, 1)] // this machine: one thread for each of the two runs
    [InlineData(0, 16, 8)]
    [InlineData(0, 3, 1)]
    [InlineData(0, 1, 1)] // one processor: still one thread
    [InlineData(3, 16, 3)] // a setting wins
    [InlineData(4, 1, 4)]
    public void IntraOpThreadsFor_AutomaticSharesTheProcessorsAmongTheRuns_ASettingWins(int configured, int processors, int expected) =>
        Assert.Equal(expected, ModelConfig.IntraOpThreadsFor(configured, processors));

    [Fact]
    public void Read_EveryKey_ReadsEachValue()
    {
        var config = ModelConfigReader.Read("""
            {"default_ensemble_size": 2, "max_rows_per_run": 8, "max_queue_delay_ms": 0.5, "gather_when_idle": true, "queue_size": 100,
             "execution_provider": "TensorRT", "intra_op_threads": 2, "inter_op_threads": 1, "run_timeout_ms": 250,
             "exit_policy": "0.8", "max_items_per_request": 64}
            """);

        Assert.Equal(2, config.DefaultEnsembleSize);
        Assert.Equal(8, config.MaxRowsPerRun);
        Assert.Equal(TimeSpan.FromMilliseconds(0.5), config.MaxQueueDelay);
        Assert.True(config.GatherWhenIdle);
        Assert.Equal(100, config.QueueSize);
        Assert.Equal(ExecutionProvider.TensorRt, config.ExecutionProvider);
        Assert.Equal((2, 1), (config.IntraOpThreads, config.InterOpThreads));
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.RunTimeout);
        Assert.Equal(new MimmoServe.Serving.Requests.ExitPolicy(MimmoServe.Serving.Requests.ExitPolicyKind.Threshold, 0.8f), config.ExitPolicy);
        Assert.Equal(64, config.ItemsPerRequest);
    }

    [Fact]
    public void Read_LabelsAndOutput_TheContractOverrides()
    {
        var config = ModelConfigReader.Read("""{"labels": ["cat", "dog", "bird"], "output": "probabilities"}""");

        Assert.Equal(new[] { "cat", "dog", "bird" }, config.Labels);
        Assert.Equal("probabilities", config.Output);
        Assert.Equal((config.Labels, "probabilities"), (config.ContractOverrides.Labels, config.ContractOverrides.Output));
        Assert.Equal(new MimmoServe.Serving.Contract.ContractOverrides(null, null), ModelConfigReader.Read("{}").ContractOverrides);
    }

    [Fact]
    public void Read_InputScaleOffsetAndRange_TheContractOverrides()
    {
        var overrides = ModelConfigReader.Read("""{"input_scale": 0.5, "input_offset": -1, "input_range": [-1, 126.5]}""").ContractOverrides;

        Assert.Equal((0.5, -1.0), (overrides.InputScale, overrides.InputOffset));
        Assert.Equal([-1.0, 126.5], overrides.InputRange!);
    }

    [Fact]
    public void ItemsPerRequest_NotSetAndASmallQueue_TheQueueSize() =>
        Assert.Equal(10, ModelConfigReader.Read("{\"queue_size\": 10}").ItemsPerRequest);

    [Fact]
    public void Validate_MaxItemsPerRequestAboveQueueSize_RefusedNamingTheKey()
    {
        var config = ModelConfigReader.Read("{\"queue_size\": 10, \"max_items_per_request\": 11}");

        var error = Assert.Throws<ModelConfigException>(() => config.Validate(Contracts.Mimo()));

        Assert.Equal("max_items_per_request", error.Key);
        Assert.Contains("more than queue_size (10)", error.Message, StringComparison.Ordinal);
        ModelConfigReader.Read("{\"queue_size\": 10, \"max_items_per_request\": 10}").Validate(Contracts.Mimo());
    }

    [Theory]
    [InlineData("\"auto\"", "auto")]
    [InlineData("\"full\"", "full")]
    [InlineData("0.75", "0.75")]
    public void Read_ExitPolicy_StringOrNumber(string value, string expected) =>
        Assert.Equal(expected, ModelConfigReader.Read($"{{\"exit_policy\": {value}}}").ExitPolicy.ToString());

    [Fact]
    public void ExitPolicyFor_NoneConfigured_AutoForAStagedModelFullOtherwise()
    {
        Assert.Equal("auto", new ModelConfig().ExitPolicyFor(JeiFixture.Contract()).ToString());
        Assert.Equal("full", new ModelConfig().ExitPolicyFor(Contracts.Mimo()).ToString());
        Assert.Equal("0.5", ModelConfigReader.Read("{\"exit_policy\": 0.5}").ExitPolicyFor(JeiFixture.Contract()).ToString());
    }

    [Fact]
    public void Validate_ExitPolicyOtherThanFullOnAModelNotStaged_RefusedNamingTheKey()
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Read("{\"exit_policy\": \"auto\"}").Validate(Contracts.Mimo()));

        Assert.Contains("exit_policy", error.Message, StringComparison.Ordinal);
        Assert.Contains("accepts only \"full\"", error.Message, StringComparison.Ordinal);
        ModelConfigReader.Read("{\"exit_policy\": \"full\"}").Validate(Contracts.Mimo());
    }

    [Theory]
    [InlineData("{\"max_rows\": 8}", "max_rows", "unknown key")]
    [InlineData("{\"default_ensemble_size\": 0}", "default_ensemble_size", "integer >= 1")]
    [InlineData("{\"max_rows_per_run\": 1.5}", "max_rows_per_run", "integer >= 1")]
    [InlineData("{\"max_rows_per_run\": \"8\"}", "max_rows_per_run", "integer >= 1")]
    [InlineData("{\"max_queue_delay_ms\": -1}", "max_queue_delay_ms", "number >= 0")]
    [InlineData("{\"gather_when_idle\": 1}", "gather_when_idle", "not true or false")]
    [InlineData("{\"queue_size\": 0}", "queue_size", "integer >= 1")]
    [InlineData("{\"execution_provider\": \"rocm\"}", "execution_provider", "\"cpu\", \"cuda\", \"tensorrt\"")]
    [InlineData("{\"intra_op_threads\": -1}", "intra_op_threads", "integer >= 0")]
    [InlineData("{\"inter_op_threads\": null}", "inter_op_threads", "integer >= 0")]
    [InlineData("{\"run_timeout_ms\": 5}", "run_timeout_ms", "number from 10 to 86400000")]
    [InlineData("{\"exit_policy\": \"gates\"}", "exit_policy", "not \"auto\", \"full\" or a threshold t with 0 < t <= 1")]
    [InlineData("{\"exit_policy\": 0}", "exit_policy", "not \"auto\"")]
    [InlineData("{\"labels\": []}", "labels", "non-empty list of non-empty strings")]
    [InlineData("{\"labels\": [\"cat\", 3]}", "labels", "non-empty list of non-empty strings")]
    [InlineData("{\"labels\": [\"cat\", \" \"]}", "labels", "non-empty list of non-empty strings")]
    [InlineData("{\"output\": \"scores\"}", "output", "not \"logits\", \"probabilities\" or \"regression\"")]
    [InlineData("{\"regression\": \"gaussian\"}", "regression", "not \"mean\" or \"mean_variance\"")]
    [InlineData("{\"exit_policy\": true}", "exit_policy", "not \"auto\"")]
    [InlineData("{\"max_items_per_request\": 0}", "max_items_per_request", "integer >= 1")]
    [InlineData("{\"input_scale\": 0}", "input_scale", "not a number above 0")]
    [InlineData("{\"input_scale\": \"1/255\"}", "input_scale", "not a number above 0")]
    [InlineData("{\"input_offset\": null}", "input_offset", "not a finite number")]
    [InlineData("{\"input_range\": [1, 0]}", "input_range", "not [min, max] with min < max")]
    [InlineData("{\"input_range\": [0, 1, 2]}", "input_range", "not [min, max] with min < max")]
    [InlineData("{\"input_range\": [0, \"1\"]}", "input_range", "not [min, max] with min < max")]
    [InlineData("[1]", "(file)", "JSON object")]
    [InlineData("{\"queue_size\": ", "(file)", "not valid JSON")]
    public void Read_BadKeyOrValue_RefusedNamingTheKey(string json, string key, string problem)
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfigReader.Read(json));

        Assert.Equal(key, error.Key);
        Assert.Contains($"\"{key}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultSizeTheModelDoesNotSupport_RefusedNamingTheSupportedSizes()
    {
        var config = ModelConfigReader.Read("{\"default_ensemble_size\": 2}");
        var contract = Contracts.Mimo(m =>
        {
            m["mimmo.ensemble_sizes"] = "[1, 3]";
            m["mimmo.replication"] = "{\"1\": [[0], [1], [2]], \"3\": [[0, 1, 2]]}";
        });

        var error = Assert.Throws<ModelConfigException>(() => config.Validate(contract));

        Assert.Equal("default_ensemble_size", error.Key);
        Assert.Contains("[1, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsembleSizeFor_ConfigChoosesOne_WinsOverTheModel()
    {
        var contract = Contracts.Mimo();

        Assert.Equal(3, new ModelConfig().EnsembleSizeFor(contract));
        Assert.Equal(2, new ModelConfig { DefaultEnsembleSize = 2 }.EnsembleSizeFor(contract));
    }

    [Fact]
    public void ReadFile_NoFile_GivesDefaults()
    {
        var config = ModelConfigReader.ReadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "config.json"));

        Assert.Equal(new ModelConfig(), config);
    }
}

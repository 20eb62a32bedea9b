using MimmoServe.Onnx;
using MimmoServe.Serving.Contract;

namespace MimmoServe.Serving.Tests.Contract;

public sealed class ContractReaderTests
{
    [Fact]
    public void Read_MimoFixture_ReadsEveryKey()
    {
        var contract = ContractReader.Read(Fixtures.Mimo);

        Assert.Equal("mimmo", contract.Family);
        Assert.Equal((3, 2, 4), (contract.Slots, contract.Exits, contract.NumClasses));
        Assert.Equal([4L], contract.ItemShape);
        Assert.Equal(4, contract.ItemLength);
        Assert.Equal([0.25f, 0.5f, 0.4f], contract.ExitWeightRow(0).ToArray());
        Assert.Equal([0.75f, 0.5f, 0.6f], contract.ExitWeightRow(1).ToArray());
        Assert.Equal(MimoFixture.Labels, contract.Labels);
        Assert.Equal([1, 2, 3], contract.EnsembleSizes);
        Assert.Equal([[0], [1], [2]], contract.ReplicationGroups(1).Select(g => g.ToArray()));
        Assert.Equal([[1, 2]], contract.ReplicationGroups(2).Select(g => g.ToArray()));
        Assert.Equal([[0, 1, 2]], contract.ReplicationGroups(3).Select(g => g.ToArray()));
        Assert.Equal(3, contract.DefaultEnsembleSize);
        Assert.Contains("fixture", contract.Metrics, StringComparison.Ordinal);
        Assert.Equal(12, contract.Metadata.Count);
        Assert.False(contract.IsPlain);
    }

    [Fact]
    public void Read_PlainClassifier_IsSingleWithOneSlotAndOneExit()
    {
        var contract = ContractReader.Read(Fixtures.Classifier);

        Assert.True(contract.IsPlain);
        Assert.Equal("single", contract.Family);
        Assert.Equal((1, 1, 3), (contract.Slots, contract.Exits, contract.NumClasses));
        Assert.Equal([4L], contract.ItemShape);
        Assert.Equal([1], contract.EnsembleSizes);
        Assert.Equal(1, contract.DefaultEnsembleSize);
        Assert.Equal(1f, contract.Weight(0, 0));
        Assert.Equal(["0", "1", "2"], contract.Labels);
        Assert.Equal("{}", contract.Metrics);
    }

    [Theory]
    [InlineData("classifier.onnx", OutputKind.Logits)]
    [InlineData("classifier_softmax.onnx", OutputKind.Probabilities)]
    [InlineData("mimo.onnx", OutputKind.Logits)]
    public void Read_OutputKind_ProbabilitiesWhereTheGraphEndsInSoftmax(string file, OutputKind expected)
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Path(file));

        Assert.Equal(expected, ContractReader.Read(session).Output);
    }

    [Theory]
    [InlineData("regressor.onnx", "output 'value'", "1 value per input")]
    [InlineData("classifier_sigmoid.onnx", "output 'scores'", "Sigmoid")]
    public void Read_OutputNoSoftmaxServesRight_Refused(string file, string subject, string problem)
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Path(file));

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(session));

        Assert.Equal(subject, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("probabilities", null, OutputKind.Probabilities)]
    [InlineData("probabilities", "Softmax", OutputKind.Probabilities)]
    [InlineData("logits", "Gemm", OutputKind.Logits)]
    [InlineData(null, "Softmax", OutputKind.Probabilities)]
    [InlineData(null, "LogSoftmax", OutputKind.Logits)] // a softmax of log-probabilities gives them back
    [InlineData(null, null, OutputKind.Logits)]
    public void Read_DeclaredOutput_WinsUnlessTheGraphContradictsIt(string? declared, string? computedBy, OutputKind expected)
    {
        var contract = ReadMimo(declared, computedBy);

        Assert.Equal(expected, contract.Output);
    }

    [Theory]
    [InlineData("logits", "Softmax", "a second softmax")]
    [InlineData("scores", null, "not one of logits, probabilities, regression")]
    public void Read_DeclaredOutputContradictedOrUnknown_RefusedNamingTheKey(string declared, string? computedBy, string problem)
    {
        var error = Assert.Throws<ModelContractException>(() => ReadMimo(declared, computedBy));

        Assert.Equal(ContractKeys.Output, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OneClass_Refused()
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata, StringComparer.Ordinal)
        {
            [ContractKeys.NumClasses] = "1",
            [ContractKeys.Labels] = "[\"value\"]",
        };

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata));

        Assert.Contains("1 value per input", error.Message, StringComparison.Ordinal);
    }

    private static ModelContract ReadMimo(string? declared, string? computedBy)
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata, StringComparer.Ordinal);
        if (declared is not null)
        {
            metadata[ContractKeys.Output] = declared;
        }

        return ContractReader.Read(Fixtures.Mimo.Inputs, Fixtures.Mimo.Outputs, metadata, _ => computedBy);
    }

    [Theory]
    [InlineData("mimo_missing_key.onnx", "mimmo.labels", "missing")]
    [InlineData("mimo_bad_json.onnx", "mimmo.exit_weights", "not valid JSON")]
    [InlineData("mimo_bad_weights.onnx", "mimmo.exit_weights", "slot 1")]
    [InlineData("mimo_bad_rank.onnx", "output 'logits'", "rank 3")]
    public void Read_BrokenFixture_RefusedNamingTheKeyOrTensor(string file, string subject, string problem)
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Path(file));

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(session));

        Assert.Equal(subject, error.Subject);
        Assert.StartsWith(subject + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> RequiredKeys => [.. ContractKeys.Required];

    [Theory]
    [MemberData(nameof(RequiredKeys))]
    public void Read_RequiredKeyMissing_RefusedNamingIt(string key)
    {
        var error = Assert.Throws<ModelContractException>(() => Contracts.Mimo(m => m.Remove(key)));

        Assert.Equal(key, error.Subject);
    }

    [Theory]
    [InlineData("mimmo.format_version", "2", "mimmo.format_version", "not supported")]
    [InlineData("mimmo.family", "resnet", "mimmo.family", "not one of")]
    [InlineData("mimmo.slots", "three", "mimmo.slots", "decimal integer")]
    [InlineData("mimmo.slots", "65", "mimmo.slots", "at most 64")]
    [InlineData("mimmo.exits", "0", "mimmo.exits", "decimal integer")]
    [InlineData("mimmo.num_classes", "-4", "mimmo.num_classes", "decimal integer")]
    [InlineData("mimmo.item_shape", "[4, 0]", "mimmo.item_shape", "a dimension is 0")]
    [InlineData("mimmo.item_shape", "{\"h\": 4}", "mimmo.item_shape", "must be a JSON list")]
    [InlineData("mimmo.item_shape", "[]", "mimmo.item_shape", "empty")]
    [InlineData("mimmo.item_shape", "[2, 2]", "input 'input'", "rank 3")]
    [InlineData("mimmo.exit_weights", "[[0.25, 0.5, 0.4]]", "mimmo.exit_weights", "1 rows; expected one per exit (2)")]
    [InlineData("mimmo.exit_weights", "[[0.25, 0.5], [0.75, 0.5]]", "mimmo.exit_weights", "row 0 has 2 weights")]
    [InlineData("mimmo.exit_weights", "[[-0.25, 0.5, 0.4], [1.25, 0.5, 0.6]]", "mimmo.exit_weights", "w[0][0]")]
    [InlineData("mimmo.exit_weights", "[[\"a\", 0.5, 0.4], [0.75, 0.5, 0.6]]", "mimmo.exit_weights", "w[0][0]")]
    [InlineData("mimmo.labels", "[\"a\", \"b\"]", "mimmo.labels", "2 labels; expected one per class, or per target of a regression model (4)")]
    [InlineData("mimmo.labels", "[\"a\", \"b\", \"c\", 4]", "mimmo.labels", "not a string")]
    [InlineData("mimmo.ensemble_sizes", "[3, 1]", "mimmo.ensemble_sizes", "sorted and distinct")]
    [InlineData("mimmo.ensemble_sizes", "[1, 4]", "mimmo.ensemble_sizes", "1..3")]
    [InlineData("mimmo.ensemble_sizes", "[]", "mimmo.ensemble_sizes", "empty")]
    [InlineData("mimmo.replication", "[]", "mimmo.replication", "JSON object")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [[1, 2]]}", "mimmo.replication", "no key \"3\"")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [[0, 1], [1, 2]], \"3\": [[0, 1, 2]]}", "mimmo.replication", "overlap")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [[1]], \"3\": [[0, 1, 2]]}", "mimmo.replication", "expected 2")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [3]], \"2\": [[1, 2]], \"3\": [[0, 1, 2]]}", "mimmo.replication", "0..2")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [[1, 1]], \"3\": [[0, 1, 2]]}", "mimmo.replication", "repeats a slot")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [], \"3\": [[0, 1, 2]]}", "mimmo.replication", "no slot groups")]
    [InlineData("mimmo.replication", "{\"1\": [[0], [1], [2]], \"2\": [[1, 2]], \"3\": [[0, 1, 2]], \"4\": []}", "mimmo.replication", "key '4'")]
    [InlineData("mimmo.default_ensemble_size", "4", "mimmo.default_ensemble_size", "not one of")]
    [InlineData("mimmo.metrics", "[]", "mimmo.metrics", "JSON object")]
    [InlineData("mimmo.metrics", "{", "mimmo.metrics", "not valid JSON")]
    public void Read_MetadataValueBroken_RefusedNamingTheKey(string key, string value, string subject, string problem)
    {
        var error = Assert.Throws<ModelContractException>(() => Contracts.Mimo(m => m[key] = value));

        Assert.Equal(subject, error.Subject);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OtherFamiliesAndSizes_Accepted()
    {
        var contract = Contracts.Mimo(m =>
        {
            m[ContractKeys.Family] = "mimonet";
            m[ContractKeys.EnsembleSizes] = "[1, 3]";
            m[ContractKeys.Replication] = "{\"3\": [[2, 0, 1]], \"1\": [[2], [0], [1]]}";
            m[ContractKeys.DefaultEnsembleSize] = "1";
            m["mimmo.extra"] = "ignored";
        });

        Assert.Equal("mimonet", contract.Family);
        Assert.Equal([1, 3], contract.EnsembleSizes);
        Assert.False(contract.Supports(2));
        Assert.Equal([[2], [0], [1]], contract.ReplicationGroups(1).Select(g => g.ToArray()));
    }

    [Fact]
    public void Read_TwoOutputsWithoutMetadata_RefusedNamingTheOutputs()
    {
        using var session = OnnxRuntime.Shared.CreateSession(Fixtures.Path("affine.onnx"));

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(session));

        Assert.Equal("outputs", error.Subject);
        Assert.Contains("'y', 'z'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PlainClassifierSignatureWithMimmoMetadata_RefusedNamingTheInput()
    {
        var metadata = new Dictionary<string, string>(Fixtures.Mimo.Metadata.CustomMetadata);

        var error = Assert.Throws<ModelContractException>(() => ContractReader.Read(Fixtures.Classifier.Inputs, Fixtures.Classifier.Outputs, metadata));

        Assert.Equal("input 'x'", error.Subject);
    }
}

using System.Runtime.InteropServices;
using Google.Protobuf;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.Inference;
using MimmoServe.Server.Tests.Infrastructure;
using MimmoServe.Serving.Mapping;

namespace MimmoServe.Server.Tests.Services;

/// <summary>
/// The Open Inference Protocol (inference.GRPCInferenceService) on the server's port: readiness and metadata as the
/// server and each model are, ModelInfer's answers equal to mimmo.v1's for the same items at every k (raw and typed
/// contents), requested outputs, and every malformed request refused with what to fix.
/// </summary>
public sealed class OpenInferenceTests : IAsyncLifetime
{
    private static readonly string[] ClassifierOutputs =
        ["probabilities", "class_index", "confidence", "predictive_entropy", "expected_entropy", "mutual_information", "variance", "agreement", "ensemble_size", "exit", "compute_share"];

    private readonly TestModels _models = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx")).Add("regression", TestModels.Fixture("mimo_regression.onnx"));
        _server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?> { ["Mimmo:DefaultModel"] = "mimo" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _models.Dispose();
    }

    [Fact]
    public async Task ReadinessAndMetadata_AsTheServerAndItsModelsAre()
    {
        var live = await CallAsync(OpenInferenceMethods.ServerLive, new ServerLiveRequest());
        var ready = await CallAsync(OpenInferenceMethods.ServerReady, new ServerReadyRequest());
        var modelReady = await CallAsync(OpenInferenceMethods.ModelReady, new ModelReadyRequest { Name = "mimo", Version = "1" });
        var server = await CallAsync(OpenInferenceMethods.ServerMetadata, new ServerMetadataRequest());
        var metadata = await CallAsync(OpenInferenceMethods.ModelMetadata, new ModelMetadataRequest { Name = "mimo" });
        var regression = await CallAsync(OpenInferenceMethods.ModelMetadata, new ModelMetadataRequest { Name = "regression" });

        Assert.True(live.Live && ready.Ready && modelReady.Ready);
        Assert.Equal("mimmoserve", server.Name);
        Assert.False(string.IsNullOrEmpty(server.Version));
        Assert.Equal(("mimo", "onnxruntime_onnx"), (metadata.Name, metadata.Platform));
        Assert.Equal(["1"], metadata.Versions);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1, 4], input.Shape);
        Assert.Equal(ClassifierOutputs, metadata.Outputs.Select(o => o.Name));
        Assert.Equal([-1, 4], metadata.Outputs[0].Shape);
        Assert.Equal("INT64", metadata.Outputs[1].Datatype);
        Assert.Equal([-1], metadata.Outputs[1].Shape);
        Assert.Equal(["mean", "epistemic_variance", "aleatoric_variance", "variance", "lower", "upper", "ensemble_size"], regression.Outputs.Select(o => o.Name));
        Assert.Equal([-1, 2], regression.Outputs[0].Shape);
        await ExpectAsync(StatusCode.NotFound, CallAsync(OpenInferenceMethods.ModelReady, new ModelReadyRequest { Name = "nope" }), "nope");
        await ExpectAsync(StatusCode.NotFound, CallAsync(OpenInferenceMethods.ModelMetadata, new ModelMetadataRequest { Name = "mimo", Version = "2" }), "no version '2'");
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public async Task ModelInfer_ThreeItems_EqualToMimoV1ForTheSameItemsAtThatK(int k, bool raw)
    {
        var random = new Random(k);
        var items = Enumerable.Range(0, 3).Select(_ => Requests.RandomItem(random)).ToArray();
        var request = Infer("mimo", items, raw);
        request.Parameters[OpenInferenceMapping.EnsembleSizeParameter] = new InferParameter { Int64Param = k };

        var response = await CallAsync(OpenInferenceMethods.ModelInfer, request);
        var v1 = Requests.Mimo([.. items.SelectMany(x => x)], "v1", ensembleSize: (uint)k);
        v1.Shape.Clear();
        v1.Shape.Add([3, 4]);
        var reference = await _server.PredictAsync(v1);

        Assert.Equal(("mimo", "1", "oip"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Equal(ClassifierOutputs, response.Outputs.Select(o => o.Name));
        Assert.Equal(response.Outputs.Count, response.RawOutputContents.Count);
        var probabilities = Floats(response, "probabilities");
        Assert.Equal([3, 4], response.Outputs[0].Shape);
        Assert.Equal(reference.Items.SelectMany(i => i.Probabilities), probabilities);
        Assert.Equal(reference.Items.Select(i => (long)i.ClassIndex), MemoryMarshal.Cast<byte, long>(Raw(response, "class_index")).ToArray());
        Assert.Equal(reference.Items.Select(i => i.Uncertainty.MutualInformation), Floats(response, "mutual_information"));
        Assert.Equal(Enumerable.Repeat(k, 3), MemoryMarshal.Cast<byte, int>(Raw(response, "ensemble_size")).ToArray());
    }

    [Fact]
    public async Task ModelInfer_OutputsListedAndModeParameter_OnlyThoseOutputsAtThatOperatingPoint()
    {
        var request = Infer("mimo", [[0.5f, -1f, 2f, 0.25f]], raw: true);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "ensemble_size" });
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "confidence" });
        request.Parameters[OpenInferenceMapping.ModeParameter] = new InferParameter { StringParam = "throughput" };

        var response = await CallAsync(OpenInferenceMethods.ModelInfer, request);

        // In the order of the model's outputs; throughput is k = 1.
        Assert.Equal(["confidence", "ensemble_size"], response.Outputs.Select(o => o.Name));
        Assert.Equal([1], MemoryMarshal.Cast<byte, int>(Raw(response, "ensemble_size")).ToArray());
    }

    [Fact]
    public async Task ModelInfer_RegressionModel_TargetsAsTensorsPerItem()
    {
        float[] x = [0.7f, -1.3f, 0.9f, 2.2f];
        var response = await CallAsync(OpenInferenceMethods.ModelInfer, Infer("regression", [x, x], raw: false));

        var expected = Serving.Tests.MimoRegressionFixture.Serve(x, [0, 1, 2]);
        Assert.Equal([2, 2], response.Outputs[0].Shape);
        Assert.Equal(expected.Concat(expected).Select(e => e.Mean), Floats(response, "mean").Select(v => (double)v), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(expected.Concat(expected).Select(e => e.Upper), Floats(response, "upper").Select(v => (double)v), (a, b) => Math.Abs(a - b) < 1e-4);
    }

    public static TheoryData<string, StatusCode, string> BadRequests() => new()
    {
        { "datatype", StatusCode.InvalidArgument, "datatype 'FP64'; the model takes FP32" },
        { "name", StatusCode.InvalidArgument, "input 'x'; the model's input is 'input'" },
        { "shape", StatusCode.InvalidArgument, "shape [3, 2, 2]; the model takes [N, 4]" },
        { "both", StatusCode.InvalidArgument, "both raw_input_contents and contents" },
        { "short", StatusCode.InvalidArgument, "item" },
        { "output", StatusCode.InvalidArgument, "no output 'logits'" },
        { "mode", StatusCode.InvalidArgument, "fastest" },
        { "size", StatusCode.InvalidArgument, "ensemble_size 5 asks for 5 slots" },
        { "exit", StatusCode.InvalidArgument, "parameter 'exit_policy' must be a string" },
        { "two-inputs", StatusCode.InvalidArgument, "2 inputs; the model takes one, 'input'" },
        { "version", StatusCode.NotFound, "no version '7'" },
        { "model", StatusCode.NotFound, "nope" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ModelInfer_BadRequest_RefusedSayingWhatToFixAndNothingQueued(string fault, StatusCode code, string message)
    {
        var request = Infer("mimo", [[1f, 2f, 3f, 4f], [4f, 3f, 2f, 1f], [0f, 0f, 0f, 1f]], raw: fault == "both");
        var input = request.Inputs[0];
        switch (fault)
        {
            case "datatype": input.Datatype = "FP64"; break;
            case "name": input.Name = "x"; break;
            case "shape": input.Shape.Clear(); input.Shape.Add([3, 2, 2]); break;
            case "both": input.Contents = new InferTensorContents { Fp32Contents = { 1f } }; break;
            case "short": input.Contents.Fp32Contents.RemoveAt(0); break;
            case "output": request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" }); break;
            case "mode": request.Parameters[OpenInferenceMapping.ModeParameter] = new InferParameter { StringParam = "fastest" }; break;
            case "size": request.Parameters[OpenInferenceMapping.EnsembleSizeParameter] = new InferParameter { Int64Param = 5 }; break;
            case "exit": request.Parameters[OpenInferenceMapping.ExitPolicyParameter] = new InferParameter { Int64Param = 1 }; break;
            case "two-inputs": request.Inputs.Add(input.Clone()); break;
            case "version": request.ModelVersion = "7"; break;
            case "model": request.ModelName = "nope"; break;
        }

        var runs = _server.Repository.Get("mimo").Runs;

        await ExpectAsync(code, CallAsync(OpenInferenceMethods.ModelInfer, request), message);
        Assert.Equal(runs, _server.Repository.Get("mimo").Runs);
        Assert.Equal(0, _server.Repository.Get("mimo").QueueLength);
    }

    /// <summary>A ModelInfer of <paramref name="items"/> ([N, 4]) for <paramref name="model"/>, the values raw or typed.</summary>
    private static ModelInferRequest Infer(string model, float[][] items, bool raw)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { items.Length, 4 } };
        var request = new ModelInferRequest { ModelName = model, Id = "oip", Inputs = { input } };
        var values = items.SelectMany(x => x).ToArray();
        if (raw)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        }
        else
        {
            input.Contents = new InferTensorContents { Fp32Contents = { values } };
        }

        return request;
    }

    private static ReadOnlySpan<byte> Raw(ModelInferResponse response, string name)
    {
        var index = response.Outputs.Select(o => o.Name).ToList().IndexOf(name);
        Assert.True(index >= 0, $"no output {name}");
        return response.RawOutputContents[index].Span;
    }

    private static float[] Floats(ModelInferResponse response, string name) => MemoryMarshal.Cast<byte, float>(Raw(response, name)).ToArray();

    private async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        await _server.Calls.AsyncUnaryCall(method, request, new CallOptions(Deadline: TestServer.Deadline(20))).ResponseAsync;

    private static async Task ExpectAsync(StatusCode code, Task call, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }
}

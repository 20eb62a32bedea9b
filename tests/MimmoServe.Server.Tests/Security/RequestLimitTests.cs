using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// Per-method request limits and the cap on echoed text, with the default settings: Predict's limit follows the served
/// models' item size times their max_items_per_request (far below the 4 MiB global limit for the test model) and is checked on the 5-byte header before the
/// body arrives; a health service name is echoed into grpc-message at most a few hundred characters long.
/// </summary>
public sealed class RequestLimitTests : IAsyncLifetime
{
    private readonly TestModels _models = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        _server = await TestServer.StartAsync(_models.Directory);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _models.Dispose();
    }

    [Fact]
    public async Task Predict_HeaderDeclaresMoreThanTheModelsItemsNeed_ResourceExhaustedBeforeTheBodyArrives()
    {
        // 1 MiB is within the global 4 MiB limit but far above what max_items_per_request (256) items of the small test model take.
        var result = await H2Flood.RunAsync(_server.Port, "/mimmo.v1.Inference/Predict", "--streams", "1", "--body", "header:1048576", "--wait", "10");

        var stream = Assert.Single(result.Streams);
        Assert.True(stream.Outcome == "8", result.Output);
        Assert.True(result.Seconds < 5, result.Output);
        Assert.Contains("larger than max", stream.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetModel_HeaderDeclaresMoreThanTheSmallLimit_ResourceExhaustedBeforeTheBodyArrives()
    {
        var result = await H2Flood.RunAsync(_server.Port, "/mimmo.v1.Inference/GetModel", "--streams", "1", "--body", "header:100000", "--wait", "10");

        Assert.True(Assert.Single(result.Streams).Outcome == "8", result.Output);
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(4_000_000)]
    public async Task HealthCheck_HugeServiceName_ShortGrpcMessage(int length)
    {
        var name = new string('x', length);

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Calls.AsyncUnaryCall(
            TestServer.HealthCheck, new HealthCheckRequest { Service = name }, new CallOptions(Deadline: TestServer.Deadline(20))).ResponseAsync);

        // A name under the health method's limit is echoed in NOT_FOUND, cut short; a bigger one is refused on its size.
        Assert.True(error.StatusCode is StatusCode.NotFound or StatusCode.ResourceExhausted, error.Status.ToString());
        Assert.True(error.Status.Detail.Length <= 512, $"grpc-message of {error.Status.Detail.Length} characters");
        if (error.StatusCode == StatusCode.NotFound)
        {
            Assert.StartsWith("Unknown service 'xxxx", error.Status.Detail, StringComparison.Ordinal);
        }
    }
}

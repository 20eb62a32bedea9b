using MimmoServe.Grpc.Protocol;
using MimmoServe.Serving.Tests;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>GetModel and ListModels describe the served models as their contracts say.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class ModelInfoTests
{
    private readonly TestServer _server;

    public ModelInfoTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Fact]
    public async Task GetModel_MimoFixture_DescribesItsContract()
    {
        var info = await _server.GetModelAsync("mimo");

        Assert.Equal("mimo", info.Name);
        Assert.Equal("mimmo", info.Family);
        Assert.Equal((uint)MimoFixture.Slots, info.Slots);
        Assert.Equal((uint)MimoFixture.Exits, info.Exits);
        Assert.Equal((uint)MimoFixture.Classes, info.NumClasses);
        Assert.Equal([4L], info.ItemShape);
        Assert.Equal(MimoFixture.Labels, info.Labels);
        Assert.Equal([1u, 2u, 3u], info.EnsembleSizes);
        Assert.Equal(3u, info.DefaultEnsembleSize);
        Assert.Equal("cpu", info.ExecutionProvider);
        for (var e = 0; e < MimoFixture.Exits; e++)
        {
            for (var s = 0; s < MimoFixture.Slots; s++)
            {
                Assert.Equal(MimoFixture.Weights[e, s], info.ExitWeights[e].Weights[s], 1e-6);
            }
        }

        Assert.Equal("[1, 2, 3]", info.Metadata["mimmo.ensemble_sizes"]);
    }

    [Fact]
    public async Task GetModel_EmptyName_TheDefaultModel()
    {
        Assert.Equal("mimo", (await _server.GetModelAsync("")).Name);
    }

    [Fact]
    public async Task GetModel_PlainClassifier_ServedAsSingle()
    {
        var info = await _server.GetModelAsync("plain");

        Assert.Equal("single", info.Family);
        Assert.Equal((1u, 1u, 3u), (info.Slots, info.Exits, info.NumClasses));
        Assert.Equal([1u], info.EnsembleSizes);
    }

    [Fact]
    public async Task GetModel_UnknownName_NotFoundNamingServedModels()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.GetModelAsync("missing"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("mimo", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("plain", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListModels_TwoModels_BothByName()
    {
        var list = await _server.ListModelsAsync();

        Assert.Equal(["mimo", "plain"], list.Models.Select(m => m.Name));
    }
}

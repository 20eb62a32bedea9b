namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>
/// One server for the tests that do not change it: model "mimo" (tests/fixtures/mimo.onnx, M=3, E=2, K=4, item [4],
/// sizes [1, 2, 3], default k=3) with default settings, and "plain" (classifier.onnx without metadata: family single).
/// </summary>
public sealed class MimoServerFixture : IAsyncLifetime
{
    private readonly TestModels _models = new();

    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx")).Add("plain", TestModels.Fixture("classifier.onnx"));
        Server = await TestServer.StartAsync(_models.Directory, new Dictionary<string, string?> { ["Mimmo:DefaultModel"] = "mimo" });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _models.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MimoServerCollection : ICollectionFixture<MimoServerFixture>
{
    public const string Name = "mimo server";
}

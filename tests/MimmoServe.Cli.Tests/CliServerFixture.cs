using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Cli.Tests;

/// <summary>One real server for the CLI tests: model "mimo" (tests/fixtures/mimo.onnx: M=3, E=2, K=4, item [4], sizes 1..3).</summary>
public sealed class CliServerFixture : IAsyncLifetime
{
    private readonly TestModels _models = new();

    internal TestServer Server { get; private set; } = null!;

    public string Address => Server.Target;

    public async Task InitializeAsync()
    {
        _models.Add("mimo", TestModels.Fixture("mimo.onnx"));
        _models.Add("mimo-regression", TestModels.Fixture("mimo_regression.onnx"));
        Server = await TestServer.StartAsync(_models.Directory);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _models.Dispose();
    }
}

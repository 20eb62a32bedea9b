using MimmoServe.Client.Tests.Staged;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Cli.Tests;

/// <summary>One real server of the bundled staged model (models/fashion-jeidnn), with its reference answers.</summary>
public sealed class StagedServerFixture : IAsyncLifetime
{
    private readonly TestModels _models = new();

    internal StagedReference Reference { get; private set; } = null!;

    internal TestServer Server { get; private set; } = null!;

    public string Address => Server.Target;

    public async Task InitializeAsync()
    {
        Reference = StagedReference.Load();
        Reference.AddTo(_models);
        Server = await TestServer.StartAsync(_models.Directory);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        _models.Dispose();
    }
}
